/* pe_values.h - bit-exact output values of the simulated PEs, checked.
 *
 * For an op of a trace that carries values (weights and activations,
 * docs/trace-format.md) the output values of the accelerator's PE kind are
 * computed twice:
 *   (a) the simulated datapath: the operations in the order the array
 *       executes them (bitmod: per group and per cycle ab_bitmod_pe_step
 *       with each weight's terms, then the bit-serial dequantization; btc:
 *       tile_k chunk by chunk and plane pair by plane pair, AND/XOR +
 *       popcount and shift-add into an INT32 register; MAC PEs: a step
 *       loop over K with the accumulator register), sim/values/values_<kind>.c;
 *   (b) the kernels model of the same datapath: ab_bitmod_pe_group(_table),
 *       ab_bp_gemm / ab_bp_gemm_zp per group, kernels/mac_pe.h;
 * and compared bit for bit.  The two are not independent: both decode the
 * operands the same way (values_load.c: kernels' formats, FP16 conversion
 * and activation quantizer) and share kernels code (bitmod: the terms and
 * ab_bitmod_pe_step; btc: the bit-plane packing; MAC PEs: the weight
 * values), so a bug there is the same on both sides and this comparison
 * cannot see it.  The golden models (golden/golden.h, docs/values.md
 * "Golden models") share none of that arithmetic; tests/test_golden.cpp
 * checks (a) against them.  Then (a) is compared with the trace's
 * expected outputs (the reference GEMM on the dequantized weights and the
 * activations as stored), which gives the error the PE's arithmetic and,
 * for integer activations, the per-token activation quantization
 * (kernels/act_quant.h) add to the weight quantization.
 *
 * What each PE runs (anything else is an error naming the op and field):
 *   bitmod  weights signed intN (2..8 bits), bitmod_fp3* / bitmod_fp4*, or
 *           the selectors bitmod_fp3_mix / bitmod_fp4_mix; intK scales
 *           (K <= the accelerator's scale_bits); fp16 activations
 *   btc     weights intN / uintN (1..8 bits, uintN optionally asymmetric)
 *           or bin; activations intN / uintN (<= 8 bits) or bin
 *   int8    weights and activations signed intN, <= 8 bits
 *   fp16    fp16 weights, fp16 activations
 *   ant     the antN selector, signed intN, flintN, potN or minifloat
 *           weights of <= 8 bits; fp16 activations
 *   olive   the normal-value path: signed intN or flintN weights of <= 8
 *           bits, fp16 activations (OliVe's own olive4 / olive4_flint
 *           weights are never carried by traces, so such ops are
 *           reported unchecked)
 * Rules, accumulation orders and inferred choices: docs/values.md.
 */
#ifndef AB_PE_VALUES_H
#define AB_PE_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "ab_error.h"
#include "accel/accel.h"
#include "workload/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_values_report {
    bool checked;       /* false: the op carries no values (nothing else is set) */
    size_t outputs;     /* M * N */
    size_t mismatches;  /* outputs where (a) and (b) differ in any bit */
    /* vs the trace's expected outputs (the float reference) */
    double max_abs_err, mse, sqnr_db; /* sqnr_db: +inf when the outputs are exact */
    char first_mismatch[256]; /* "" when none: op, m, n, both values with their bits */
    /* outputs in which an integer register of the datapath wrapped (INT32
     * group accumulators of int8 / btc, bitmod's 21-bit dequantizer):
     * legal hardware behaviour that explains a large error */
    size_t overflows;
} ab_values_report;

/* True when op i carries weights and activations. */
bool ab_values_present(const ab_trace *t, size_t op_index);

/* Check op i on accelerator a (above).  Returns 0 with r filled (checked
 * false when the op carries no values), or -1 with err set when the PE
 * cannot run the op's formats (exit-2 class) or memory runs out. */
int ab_values_check(const ab_accel *a, const ab_trace *t, size_t op_index, ab_values_report *r,
                    ab_error *err);

/* The two computations, out[M][N] (M, N of the op).  Both fail as
 * ab_values_check does, and on an op without values.  overflows (may be
 * NULL) receives the model's count of outputs whose registers wrapped. */
int ab_values_datapath(const ab_accel *a, const ab_trace *t, size_t op_index, float *out,
                       ab_error *err);
int ab_values_model(const ab_accel *a, const ab_trace *t, size_t op_index, float *out,
                    size_t *overflows, ab_error *err);

/* The same on `jobs` threads (1..AB_VALUES_JOBS_MAX), each computing a
 * contiguous slice of the op's output columns (weight rows n) with the
 * same per-kind code: every output is computed exactly as with one job
 * (no output depends on another), so the results are identical for every
 * jobs.  jobs 1 runs in the calling thread. */
#define AB_VALUES_JOBS_MAX 256
int ab_values_check_jobs(const ab_accel *a, const ab_trace *t, size_t op_index, unsigned jobs,
                         ab_values_report *r, ab_error *err);
int ab_values_datapath_jobs(const ab_accel *a, const ab_trace *t, size_t op_index, unsigned jobs,
                            float *out, ab_error *err);
int ab_values_model_jobs(const ab_accel *a, const ab_trace *t, size_t op_index, unsigned jobs,
                         float *out, size_t *overflows, ab_error *err);

/* Fill r from given outputs (n = M * N of op i): the bit comparison of
 * datapath and model, and the error of the datapath vs expected. */
void ab_values_compare(const ab_trace *t, size_t op_index, const float *datapath,
                       const float *model, const float *expected, ab_values_report *r);

#ifdef __cplusplus
}
#endif

#endif
