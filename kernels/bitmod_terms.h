/* bitmod_terms.h - weight codes as the bit-serial terms of the BitMoD PE.
 *
 * The BitMoD PE (HPCA'25; RTL yc2367/BitMoD hardware/pe/ (Verilog)) consumes one
 * weight *term* per lane per cycle: sign, 2-bit exponent, 1-bit mantissa
 * (nonzero flag) and 3-bit significance (decoder.v / reader.v, module
 * serial_reader: outputs sign, exp[1:0], mantissa, bsig[2:0]).  Here a term
 * stands for the integer
 *
 *     value(term) = (-1)^sign * man * 2^(exp + sig)
 *
 * and the terms of a weight sum to its integer grid value (the value before
 * the per-group scale, docs/references.md#bitmod-pe).  The exponent goes into the
 * per-lane exponent match (exp_match.v: v_exp = a_exp + w_exp), the
 * significance is common to the 4 lanes of a cycle and is applied after the
 * adder tree (grp_accum.v, shifter_left by w_sig, 0..6).
 *
 * Supported weight formats and their terms (one term per cycle, LSB first):
 *   - signed two's complement INT, 2..8 bits (intN, intNs, bitmod_int3/4):
 *     radix-4 Booth digits d_k in {0, +-1, +-2}, k = 0 .. ceil(N/2)-1 of the
 *     value sign-extended to 2*ceil(N/2) bits; term k = (sign d_k < 0,
 *     exp = |d_k| == 2, man = d_k != 0, sig = 2k).  Booth table and
 *     bsig = 2*counter: reader.v (intbooth, STATE_INT8/INT6).  The reserved
 *     code of intNs (decodes to NaN) gives the terms of 0.
 *   - bitmod_fp3*, bitmod_fp4* grids (plain, ER+-, EA+-): the magnitude
 *     (0..16, an integer in fixed point: reader.v fpcvt + the special value
 *     9'b0_0001_0000) has at most two set bits p_lo < p_hi.  Cycle 0 has
 *     sig = 0 and covers bit positions 0..3, cycle 1 has sig = 1 and covers
 *     1..4 (reader.v: lod_in = data_ext_reg[counter+3:counter], bsig =
 *     counter).  The lower set bit goes to cycle 0, the higher to cycle 1; a
 *     single set bit goes to cycle 0 unless it is bit 4 (EA +-16).  Both
 *     terms carry the sign of the value (reader.v: sign = data_ext_reg[8] in
 *     both cycles).
 *     *inferred*: reader.v's LOD4 gives exp = 0 for the window's MSB (a
 *     leading-zero count) and man = in[0], which does not reproduce values
 *     with two set bits and contradicts exp_match.v's a_exp + w_exp; the
 *     rule above is the one that makes both cycles exact within the 2-bit
 *     exponent and the 0/1 significance the RTL gives the FP4 mode.
 *   - An empty slot (zero Booth digit, missing FP bit) is sign 0 (Booth) or
 *     the value's sign (FP), exp 0, man 0, sig of its cycle: its exponent
 *     still takes part in the lane maximum of exp_match.v (which ignores
 *     the mantissa), so it is part of the bit-exact semantics.
 *
 * Cycle rule (the single source of truth for the PE's cycles per weight):
 *     cycles = ceil(floor(w_bits) / 2)        (docs/references.md#bitmod-pe)
 * Every supported code yields exactly that many term slots; the number of
 * nonzero terms never exceeds it (tests/test_bitmod_pe.cpp checks every
 * code; the maximum equals the rule for every format except plain
 * bitmod_fp3, whose values 0, +-1, +-2, +-4 are single powers of two but
 * whose weights still take 2 cycles, as the RTL's FP mode always does).
 */
#ifndef AB_BITMOD_TERMS_H
#define AB_BITMOD_TERMS_H

#include <stdbool.h>
#include <stdint.h>

#include "ab_error.h"
#include "format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_BITMOD_MAX_TERMS 4 /* int7/int8: 4 Booth digits */
#define AB_BITMOD_TERM_EXP_MAX 3
#define AB_BITMOD_TERM_SIG_MAX 6 /* grp_accum.v shifter_left: 0..6 */

typedef struct ab_bitmod_term {
    uint8_t sign; /* 1: negative */
    uint8_t exp;  /* 2 bits, 0..3 */
    uint8_t man;  /* 1 bit: the term is nonzero */
    uint8_t sig;  /* 3 bits, 0..6 */
} ab_bitmod_term;

/* The cycle rule: ceil(w_bits / 2) for w_bits >= 1 (0 for 0). */
unsigned ab_bitmod_cycles_for_bits(unsigned w_bits);

/* True when the PE can run weights of this format (list above). */
bool ab_bitmod_supports(const ab_format *fmt);

/* Cycles per weight of a supported format, the cycle rule applied to
 * fmt->bits; 0 for an unsupported format. */
unsigned ab_bitmod_cycles_per_weight(const ab_format *fmt);

/* Terms of one code, one per cycle in the order the PE consumes them,
 * written to terms[0 .. cycles-1] (cycles = ab_bitmod_cycles_per_weight).
 * Returns the number of terms written, or -1 with err set for an
 * unsupported format. */
int ab_bitmod_terms(const ab_format *fmt, uint32_t code, ab_bitmod_term terms[AB_BITMOD_MAX_TERMS],
                    ab_error *err);

/* Every code's terms of one format, computed once by ab_bitmod_terms (the
 * rules above stay in one place) and looked up per weight: a value replay
 * decodes each weight once per token, and the term rules (format
 * dispatch, grid lookups) cost more than the PE step they feed. */
#define AB_BITMOD_TABLE_CODES 256 /* 2^8: the widest supported format */
typedef struct ab_bitmod_term_table {
    uint8_t cycles;   /* ab_bitmod_cycles_per_weight */
    uint32_t ncodes;  /* 2^bits */
    ab_bitmod_term terms[AB_BITMOD_TABLE_CODES][AB_BITMOD_MAX_TERMS];
} ab_bitmod_term_table;

/* Fill tab for fmt; -1 with err set for an unsupported format (or a code
 * without terms, as ab_bitmod_terms). */
int ab_bitmod_term_table_init(const ab_format *fmt, ab_bitmod_term_table *tab, ab_error *err);

/* The terms of a code: those ab_bitmod_terms gives (codes are read
 * modulo 2^bits, as the formats read them). */
static inline const ab_bitmod_term *ab_bitmod_table_terms(const ab_bitmod_term_table *tab,
                                                          uint32_t code)
{
    return tab->terms[code & (tab->ncodes - 1u)];
}

/* Signed integer value of a term. */
int32_t ab_bitmod_term_value(ab_bitmod_term t);

/* How many of the terms of a code are nonzero (man == 1); -1 if the
 * format is unsupported. */
int ab_bitmod_nonzero_terms(const ab_format *fmt, uint32_t code);

#ifdef __cplusplus
}
#endif

#endif
