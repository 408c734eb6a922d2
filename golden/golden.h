/* golden.h - the golden models: a small, slow reference of every PE
 * kind's output values, written from the specification (docs/values.md,
 * docs/rtl.md, docs/formats.md, docs/references.md and the rules that
 * kernels/bitmod_pe.h and kernels/bitmod_terms.h state as text), sharing
 * no arithmetic with kernels/ or sim/.
 *
 * The golden model reads an op through sim/workload/trace.h and an
 * accelerator description through sim/accel/accel.h, unpacks weight codes
 * with kernels/pack.h and reports with kernels/ab_error.h: that is all it
 * takes from the rest of the tree (golden/README.md).  It decodes format
 * names, codes, FP16 bits, scales and activations itself, quantizes the
 * integer PEs' activations itself, decodes BitMoD weight terms itself and
 * computes every PE's arithmetic with exact integers and explicit float
 * roundings at the points the docs name.  Its outputs must equal
 * sim/values/pe_values.h's datapath bit for bit (tests/test_golden.cpp).
 */
#ifndef AB_GOLDEN_H
#define AB_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "accel/accel.h"
#include "workload/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_GOLDEN_MAX_TERMS 4 /* int7 / int8: four radix-4 Booth digits */

/* One BitMoD weight term (docs/references.md#bitmod-pe): it stands for
 * (-1)^sign * man * 2^(exp + sig). */
typedef struct ab_golden_term {
    uint8_t sign; /* 1: negative */
    uint8_t exp;  /* 0..3 */
    uint8_t man;  /* 1: the term is nonzero */
    uint8_t sig;  /* 0..6 */
} ab_golden_term;

/* The outputs out[M][N] of op i of t on accelerator a, as a's PE kind
 * computes them (docs/values.md "Golden models").  Returns 0, or -1 with
 * err naming the op and the field when the op carries no values, the PE
 * does not run its formats, or memory runs out.  Reads a->pe, a->lanes,
 * a->scale_bits and a->bitmod_rtl_literal_align only. */
int ab_golden_op(const ab_accel *a, const ab_trace *t, size_t op_index, float *out,
                 ab_error *err);

/* The BitMoD terms of one code of a weight format (signed intN 2..8 bits,
 * intNs, ternary, bitmod_int3/4, bitmod_fp3*, bitmod_fp4*), one per cycle
 * in the order the PE consumes them.  Returns how many (ceil(bits / 2)),
 * or -1 with err set for another format. */
int ab_golden_bitmod_terms(const char *format, uint32_t code,
                           ab_golden_term terms[AB_GOLDEN_MAX_TERMS], ab_error *err);

/* The value of one code of a weight format the PEs run (NaN for a NaN or
 * reserved code, +-inf where the format has them).  0, or -1 with err
 * set for a name the golden model does not decode. */
int ab_golden_format_value(const char *format, uint32_t code, double *value, ab_error *err);

/* The per-token activation quantization of the integer PEs
 * (docs/values.md "Activation quantization"): for act[rows][cols], the
 * integer value of every code (two's complement, unsigned, +-1 for bin)
 * and one scale per row.  0, or -1 with err for a format other than
 * signed intN / intNs (2..16 bits), uintN (1..16 bits) or bin. */
int ab_golden_act_quant(const char *format, const float *act, size_t rows, size_t cols,
                        int32_t *values, float *scales, ab_error *err);

/* ABQ-LLM bit-planes (docs/references.md#abq-llm) in the layout the binary
 * tensor core reads (kernels/gemm_bitplane.h "Packing"): plane i of row r
 * is ab_golden_bp_words(k) words at planes[(i * rows + r) * words]; bit c
 * of a row is bit c % 64 of word c / 64; K is padded with zeros to a
 * multiple of 128 bits. */
size_t ab_golden_bp_words(size_t k);
void ab_golden_bp_planes(const uint32_t *codes, size_t rows, size_t k, unsigned bits,
                         uint64_t *planes);

/* What plane i of a bits-wide operand weighs: 2^i, and -2^(bits-1) for
 * the top plane of a two's complement operand. */
int64_t ab_golden_bp_plane_coef(unsigned plane, unsigned bits, bool is_signed);

/* The value element (r, c) of a packed operand stands for: the weighted sum
 * of its plane bits (is_signed: two's complement), or 2b - 1 for bin's one
 * plane (pm1). */
int64_t ab_golden_bp_element(const uint64_t *planes, size_t rows, size_t k, unsigned bits,
                             bool is_signed, bool pm1, size_t r, size_t c);

#ifdef __cplusplus
}
#endif

#endif
