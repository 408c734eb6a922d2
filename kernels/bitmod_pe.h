/* bitmod_pe.h - bit-exact arithmetic of one BitMoD PE (HPCA'25).
 *
 * Widths and rules from the public RTL, yc2367/BitMoD hardware/pe/ (Verilog)
 * (docs/references.md#bitmod-pe).  Per cycle the PE takes 4 FP16 activations
 * and one weight term per lane (bitmod_terms.h) and updates a custom-float
 * group accumulator; after a group, the accumulator is multiplied by the
 * integer group scale, one scale bit per cycle, MSB first.
 *
 * exp_match.v: v_exp[i] = a_exp[i] + w_exp[i] (6 bits); y_sign = a_sign ^
 *   w_sign; M = max over the 4 lanes (max_exp_4to1, unsigned compares; the
 *   term's mantissa flag is NOT looked at, so zero terms and zero
 *   activations take part); delta[i] = M - v_exp[i] (6 bits).
 * bs_mul.v: prod = a_man (11 bits, hidden bit included) AND man; module
 *   shifter (IN 11, OUT 14): aligned = bits [24:11] of prod << (14 - delta),
 *   i.e. floor(prod * 2^(3 - delta)) (truncation; 3 guard bits), 0 for
 *   delta > 14; pos_neg_select: 15-bit two's complement by y_sign; adder tree
 *   (l0 + l1) + (l2 + l3): 16 then 17 bits signed (never overflows).
 * grp_accum.v: in1 = bs_out <<< w_sig (17 -> 23 bits, w_sig 0..6); the
 *   accumulator (6-bit exponent, 15-bit two's complement mantissa, sign)
 *   is aligned to E = max(acc_exp, M) (max_2to1) by an arithmetic right
 *   shift of delta = E - acc_exp (shifter_right: 0..13, 0 beyond);
 *   sum = in1 + in2 in 23 bits (wraps); normalize: leading one of |sum| at
 *   bit p >= 13 gives shift s = p - 13 (casez: bit 21 -> 8 ... bit 13 -> 0;
 *   |sum| = 2^22, only from sum = -2^22, falls to the default 0);
 *   acc_man = bits [14:0] of (sum >>> s) (floor: the shift acts on the
 *   signed sum), acc_exp = E + s (6 bits), acc_sign = sum < 0.
 * dequant.v: at the start of a dequantization the accumulator is latched
 *   (in_man, in_exp) and out_exp = in_exp, out_sign = scale_sign ^ in_sign;
 *   each cycle out_man = (out_man <<< 1) + (in_man AND scale_bit) in 21
 *   bits signed (wraps).
 *
 * Value of the fields: an FP16 activation is a_man * 2^(a_exp - 25); with
 * the 3 guard bits of the lane shifter, the accumulator means
 *     acc_man * 2^(acc_exp - 28)
 * and the dequantized result (scale_sign ? -1 : 1) * out_man *
 * 2^(out_exp - 28) (AB_BITMOD_VALUE_EXP_OFFSET).
 *
 * *inferred* (the RTL takes these as given or leaves them open):
 *   - FP16 unpacking: a_man = {exp != 0, frac}, a_exp = max(exp, 1)
 *     (IEEE subnormals exact); exponent 31 (inf/NaN) is treated as an
 *     ordinary exponent: the PE has no special-value logic.
 *   - The 4 lanes of a cycle share one significance (grp_accum.v has one
 *     w_sig input): the step takes lane 0's sig; all bitmod_terms.h terms of
 *     one cycle have the same sig.
 *   - Term alignment: grp_accum.v shifts only the accumulator operand; the
 *     incoming term is added unshifted at E = max(acc_exp, M), which is
 *     wrong whenever acc_exp > M (the normal case after the first few
 *     cycles: the accumulator exponent grows with the sum).  By default the
 *     term is also aligned: in1 >>>= E - M (arithmetic, floor).  Setting
 *     rtl_literal_align reproduces the RTL as written.
 *   - The accumulator is cleared (exp 0, man 0, sign 0: the reset value)
 *     at the start of every group; grp_accum.v only clears on reset.
 *   - dequant.v's `if (start_acc) acc_in = 0; end begin acc_in = ...` lacks
 *     an `else`, so the RTL never clears out_man; the intended clear at
 *     start is modelled.
 *   - Integer scale: unsigned, up to 16 bits, MSB first.  out_man cannot
 *     overflow for scale_bits <= 6 (|in_man| <= 2^14, 2^14 * 63 < 2^20):
 *     with BitMoD's 8 bits per group this is a 2-bit type selector plus a
 *     6-bit scale.  Wider scales wrap in 21 bits as the RTL does.
 *   - Groups whose length is not a multiple of 4 are padded with zero
 *     activations and zero terms (exp 0), which never change the result.
 *
 * Lanes (anybit's generalization; the published PE has 4): a PE of L lanes
 * (a power of two, 1..16) has the same per-lane datapath, an adder tree of
 * log2 L levels whose output bs_out is 15 + log2 L bits (never overflows),
 * and an accumulator sum of 21 + log2 L bits (ACC_WIDTH), so that the sum
 * keeps the 4-lane PE's headroom over the largest term (bs_out <<< 6); the
 * normalizer's leading-one search then covers bits 13 .. ACC_WIDTH - 2
 * (shift 0 .. ACC_WIDTH - 15) and |sum| = 2^(ACC_WIDTH - 1) gives shift 0.
 * The accumulator mantissa (15 bits), its 6-bit exponent and the
 * dequantizer are the same for every L.  With L = 4 every width is the
 * published one.  rtl/pe_bitmod.v's LANES parameter follows this.
 */
#ifndef AB_BITMOD_PE_H
#define AB_BITMOD_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "bitmod_terms.h"
#include "format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_BITMOD_LANES 4             /* exp_match.v VEC_LENGTH: the published PE */
#define AB_BITMOD_LANES_MAX 16        /* ab_bitmod_pe_init_lanes: 1, 2, 4, 8 or 16 */
#define AB_BITMOD_A_MAN_BITS 11       /* bs_mul.v A_MAN_WIDTH */
#define AB_BITMOD_ALIGN_BITS 14       /* bs_mul.v shifter OUT_WIDTH */
#define AB_BITMOD_ALIGN_GUARD 3       /* ALIGN_BITS - A_MAN_BITS */
#define AB_BITMOD_BS_OUT_BITS 17      /* bs_mul.v OUT_WIDTH (4 lanes: 15 + log2 lanes) */
#define AB_BITMOD_ACC_WIDTH 23        /* grp_accum.v ACC_WIDTH (4 lanes: 21 + log2 lanes) */
#define AB_BITMOD_ACC_EXP_BITS 6      /* grp_accum.v ACC_EXP_WIDTH */
#define AB_BITMOD_ACC_MAN_BITS 15     /* grp_accum.v ACC_MAN_WIDTH */
#define AB_BITMOD_ACC_SHIFT_MAX 13    /* grp_accum.v shifter_right cases */
#define AB_BITMOD_NORM_POINT 13       /* normalize: leading one kept at bit 13 */
#define AB_BITMOD_DQ_MAN_BITS 21      /* dequant.v OUT_MAN_WIDTH */
#define AB_BITMOD_VALUE_EXP_OFFSET 28 /* value = man * 2^(exp - 28) */
#define AB_BITMOD_SCALE_BITS_MAX 16

/* Event counts (structural: every unit works every cycle it is enabled). */
typedef struct ab_bitmod_pe_events {
    uint64_t cycles;         /* compute cycles (4 lane terms each) */
    uint64_t dequant_cycles; /* one scale bit each */
    uint64_t exp_adds;       /* exp_match: a_exp + w_exp and a delta per lane per cycle */
    uint64_t tree_adds;      /* bs_mul adder tree: lanes - 1 per cycle */
    uint64_t acc_adds;       /* grp_accum: exponent delta, 23-bit add, exponent update: 3 per cycle */
    uint64_t dequant_adds;   /* 1 per dequant cycle */
    uint64_t lane_shifts;    /* bs_mul alignment shifters: one per lane per cycle */
    uint64_t acc_shifts;     /* significance, accumulator align, normalize (+ term align): 3-4 per cycle */
    uint64_t dequant_shifts; /* 1 per dequant cycle */
    uint64_t active_lanes;   /* lanes whose term is nonzero */
} ab_bitmod_pe_events;

typedef struct ab_bitmod_pe {
    bool rtl_literal_align; /* see "Term alignment" above */
    uint8_t lanes;          /* 4 (the published PE), or 1, 2, 8, 16: see "Lanes" above */
    /* grp_accum state */
    uint8_t acc_exp;  /* 6 bits */
    int16_t acc_man;  /* 15-bit two's complement */
    uint8_t acc_sign;
    /* dequant state */
    uint8_t dq_in_exp;
    int16_t dq_in_man;
    uint8_t dq_scale_sign;
    uint8_t dq_exp;   /* 6 bits */
    int32_t dq_man;   /* 21-bit two's complement */
    uint8_t dq_sign;
    ab_bitmod_pe_events ev; /* running totals since init */
} ab_bitmod_pe;

/* What one compute cycle saw (for tracing / cosimulation). */
typedef struct ab_bitmod_cycle_info {
    uint8_t max_exp;                     /* M */
    uint8_t delta[AB_BITMOD_LANES_MAX];
    int16_t lane[AB_BITMOD_LANES_MAX];   /* 15-bit signed aligned products */
    int32_t bs_out;                      /* adder tree output (17 bits for 4 lanes) */
    int32_t acc_sum;                     /* sum before normalization (23 bits for 4 lanes) */
    uint8_t norm_shift;
} ab_bitmod_cycle_info;

typedef struct ab_bitmod_group_result {
    uint8_t acc_exp;
    int16_t acc_man;
    uint8_t acc_sign;
    uint8_t dq_exp;
    int32_t dq_man;
    uint8_t dq_sign;
    double acc_value; /* the group dot product as the accumulator holds it */
    double value;     /* after dequantization by the integer scale */
    ab_bitmod_pe_events events; /* of this group */
} ab_bitmod_group_result;

/* FP16 bits -> sign, exponent (1..31) and 11-bit significand (inferred rule above). */
void ab_bitmod_fp16_unpack(uint16_t h, uint8_t *sign, uint8_t *exp, uint16_t *man);

void ab_bitmod_pe_init(ab_bitmod_pe *pe, bool rtl_literal_align); /* 4 lanes */
/* A PE of `lanes` lanes (1, 2, 4, 8 or 16); -1 with err set for another count. */
int ab_bitmod_pe_init_lanes(ab_bitmod_pe *pe, bool rtl_literal_align, unsigned lanes,
                            ab_error *err);

/* The lane-dependent widths ("Lanes" above). */
unsigned ab_bitmod_bs_out_bits(unsigned lanes);
unsigned ab_bitmod_acc_width(unsigned lanes);

/* Clear the accumulator (start of a group). */
void ab_bitmod_pe_group_begin(ab_bitmod_pe *pe);

/* One compute cycle: act[i] (FP16 bits) times term[i] for the pe->lanes lanes. */
void ab_bitmod_pe_step(ab_bitmod_pe *pe, const uint16_t *act, const ab_bitmod_term *term,
                       ab_bitmod_cycle_info *info);

/* Latch the accumulator into the dequantizer and clear its mantissa. */
void ab_bitmod_pe_dequant_begin(ab_bitmod_pe *pe, uint8_t scale_sign);

/* One dequantization cycle with the next scale bit (MSB first). */
void ab_bitmod_pe_dequant_step(ab_bitmod_pe *pe, uint8_t scale_bit);

/* Decoded values of the accumulator and of the dequantizer output. */
double ab_bitmod_pe_acc_value(const ab_bitmod_pe *pe);
double ab_bitmod_pe_dequant_value(const ab_bitmod_pe *pe);

/* Compute cycles of a group of n weights on the 4-lane PE: ceil(n / 4) * cycles per weight
 * (0 for an unsupported format); dequantization adds scale_bits cycles,
 * hidden behind the next group's compute. */
uint64_t ab_bitmod_group_cycles(const ab_format *wfmt, size_t n);

/* A whole group: clear, ceil(n/L) weight steps of cycles_per_weight terms
 * each (L = pe->lanes lanes = consecutive input channels Lj .. Lj+L-1), then dequantize by
 * scale (scale_bits bits, 1..16, scale < 2^scale_bits). Returns 0, or -1
 * with err set (unsupported format, bad scale). */
int ab_bitmod_pe_group(ab_bitmod_pe *pe, const ab_format *wfmt, const uint16_t *act,
                       const uint32_t *codes, size_t n, uint32_t scale, unsigned scale_bits,
                       ab_bitmod_group_result *res, ab_error *err);

/* ---- sixteen outputs at once (AVX-512; kernels/bitmod_pe_simd.c) -------
 *
 * The datapath of 16 weight rows for one token, one PE per row, every
 * step of ab_bitmod_pe_step done for the 16 in the 32-bit lanes of a
 * vector: the same integer widths, wraps, shifts and normalization, the
 * same FP32 sum of the dequantized group values from +0 in group order,
 * the same FP32 multiply by the row scale.  Bit-identical to stepping
 * ab_bitmod_pe_step per row (tests/test_bitmod_simd.cpp and every
 * datapath-vs-model value check, whose model steps the scalar PE).
 * The events are not counted (values only). */
#define AB_BITMOD_BLOCK_ROWS 16

/* One term as a byte: bit 0 sign, bits 1-2 exp, bit 3 man, bits 4-6 sig. */
static inline uint8_t ab_bitmod_term_pack(ab_bitmod_term t)
{
    return (uint8_t)((t.sign & 1u) | (t.exp & 3u) << 1 | (t.man & 1u) << 3 | (t.sig & 7u) << 4);
}

typedef struct ab_bitmod_block16 {
    unsigned lanes;          /* the PE's lanes, 1..16 (a power of two) */
    bool rtl_literal_align;
    size_t K, G, glen;       /* G groups of glen weights, G * glen = K */
    unsigned scale_bits;     /* 1..16 */
    const uint32_t *terms;   /* [K][16]: row r's weight k as its AB_BITMOD_MAX_TERMS
                                ab_bitmod_term_pack bytes, term c in byte c */
    const uint8_t *cycles;   /* [G]: cycles per weight of group g, the same in all 16 rows */
    const uint32_t *scale;   /* [G][16]: the integer group scales */
    const float *row_scale;  /* [16] */
} ab_bitmod_block16;

/* Whether this CPU and build can run ab_bitmod_block16_token. */
bool ab_bitmod_block16_supported(void);

/* out[r] = row r's output for the token's FP16 activations act[K].  Only
 * where ab_bitmod_block16_supported. */
void ab_bitmod_block16_token(const ab_bitmod_block16 *b, const uint16_t *act, float out[16]);

/* Sixteen groups at once (AVX-512, the same file): one group per 32-bit
 * lane, each with its own activations, weights (as packed terms), cycles
 * per weight and scale; the steps of ab_bitmod_pe_group_table on each, a
 * lane whose group has fewer cycles per weight idle for the rest.  The
 * model side of the value checks (sim/values) runs its groups through it;
 * the datapath side runs rows through ab_bitmod_block16_token.  Lanes not
 * in use hold zeros.  Only where ab_bitmod_block16_supported. */
typedef struct ab_bitmod_groups16 {
    unsigned lanes;         /* the PE's lanes, 1..16 (a power of two) */
    bool rtl_literal_align;
    size_t glen;            /* weights per group, the same in every lane */
    unsigned scale_bits;    /* 1..16 */
    const uint16_t *act;    /* [glen][16]: FP16 activation j of lane i's group */
    const uint32_t *terms;  /* [glen][16]: its weight j as its AB_BITMOD_MAX_TERMS
                               ab_bitmod_term_pack bytes, term c in byte c */
    const uint8_t *cycles;  /* [16] */
    const uint32_t *scale;  /* [16]: the integer group scales (fitting scale_bits) */
} ab_bitmod_groups16;

/* Each lane's accumulator (mantissa, exponent) and dequantized mantissa:
 * the group's value is dq_man * 2^(acc_exp - 28). */
void ab_bitmod_groups16_run(const ab_bitmod_groups16 *g, int32_t acc_man[16],
                            uint8_t acc_exp[16], int32_t dq_man[16]);

/* ab_bitmod_pe_group with the weights' terms from a table of their format
 * (ab_bitmod_term_table_init): the same steps, the same result. */
int ab_bitmod_pe_group_table(ab_bitmod_pe *pe, const ab_bitmod_term_table *tab,
                             const uint16_t *act, const uint32_t *codes, size_t n, uint32_t scale,
                             unsigned scale_bits, ab_bitmod_group_result *res, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
