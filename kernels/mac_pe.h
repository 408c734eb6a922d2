/* mac_pe.h - bit-exact datapath models of the baseline PEs, one output dot
 * product at a time: the FP16 MAC, the bit-parallel FP16 x INT PEs of ANT
 * and OliVe, and the INT8 MAC array (docs/references.md#baseline-pes; BitMoD's
 * evaluation uses the FP16 and FP16 x INT PEs at 1 MAC/cycle).  The public
 * baselines publish no RTL, so every rule below is *inferred*: the obvious
 * hardware with an FP32 (or INT32) accumulator register, written down so
 * that the simulator's step loop and this model agree bit for bit
 * (docs/values.md).
 *
 * Common shape: a dot product of K elements is cut into weight groups of
 * `group` consecutive k (group == k: one group, per-channel scales); each
 * group is accumulated from zero in ascending k, multiplied by its group
 * scale, and the group results are summed in ascending group order into an
 * FP32 output register (cleared to +0), which is finally multiplied by the
 * row scale (the FP16 second level of intK scales; pass 1 when there is
 * none: x * 1 is exact).  Every FP32 operation is one IEEE 754 binary32
 * operation with round-to-nearest-even, done as a separate statement (no
 * fused multiply-add).
 *
 * Bit-parallel FP (fp16, ant, olive):
 *   - activation: an FP16 value (IEEE binary16 bits);
 *   - weight: the decoded value of its code (fp16: the binary16 value;
 *     int/flint/pot/float grids: decode(code), before the scale), given
 *     as a float (every such value of <= 16 bits is exact in binary32);
 *   - product a * w in FP32: exact whenever the significands fit in 24
 *     bits (11 + 11 for FP16 x FP16, 11 + <= 8 for the <= 8-bit grids),
 *     so the only roundings are the accumulator's additions;
 *   - group register: +0, then acc = acc + a*w for k ascending (FP32 add);
 *   - then part = acc * group_scale (FP32), out = out + part (FP32).
 * INT (int8 array, also the btc epilogue):
 *   - activation and weight: integer values (codes of intN / uintN / bin);
 *   - group register: INT32, acc = acc + a*w mod 2^32 (two's complement
 *     wrap like the hardware's 32-bit adder), k ascending;
 *   - epilogue in FP32: p = (float)acc (RNE: exact while |acc| <= 2^24),
 *     p = p * act_scale, p = p * w_scale[g], out = out + p, g ascending;
 *     then out = out * row_scale.
 */
#ifndef AB_MAC_PE_H
#define AB_MAC_PE_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "simd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Integer value of a code of an integer-coded operand: intN / intNs two's
 * complement, uintN unsigned, bin +-1, any integer-valued grid; a NaN code
 * (intNs's reserved code) counts 0, as in bitmod_terms.h. */
int32_t ab_mac_int_value(const ab_format *fmt, uint32_t code);

/* ---- bit-parallel FP MAC (fp16, ant, olive) ---------------------------- */

/* One group: FP32 register from +0, acc += fp16(a[k]) * w[k], k ascending. */
float ab_mac_fp_group(const uint16_t *a, const float *w, size_t n);

/* A whole dot product over k elements in groups of `group` (group divides
 * k), group_scales[k / group], then x row_scale (1: none). */
float ab_mac_fp_dot(const uint16_t *a, const float *w, size_t k, size_t group,
                    const float *group_scales, float row_scale);

/* The FP16 PE: weights as binary16 bits (decoded exactly to float). */
float ab_mac_fp16_dot(const uint16_t *a, const uint16_t *w, size_t k, size_t group,
                      const float *group_scales, float row_scale);

/* ---- INT MAC ------------------------------------------------------------ */

/* One group: INT32 register from 0, acc += a[k] * w[k] mod 2^32. */
int32_t ab_mac_int_group(const int32_t *a, const int32_t *w, size_t n);

/* The FP32 epilogue over ngroups group accumulators (rule above). */
float ab_mac_int_epilogue(const int32_t *acc, size_t ngroups, float act_scale,
                          const float *w_scales, float row_scale);

/* A whole dot product: groups of `group` (dividing k), then the epilogue. */
float ab_mac_int_dot(const int32_t *a, float act_scale, const int32_t *w, size_t k,
                     size_t group, const float *w_scales, float row_scale);

/* ---- the datapath for a block of weight rows (mac_pe_simd.c) ----------- */

/* One token against `lanes` weight rows at once, one row per vector lane:
 * each lane steps its registers as the scalar datapath does (rules above),
 * so each output is the scalar one bit for bit.  Operands transposed so a
 * step reads one vector: w_*[k * lanes + l] is row l's weight k,
 * group_scales[g * lanes + l] its group g's scale, row_scales[l] its row
 * scale.  The FP PEs give act_f/w_f (the activation's FP16 value as a
 * float, the weight's exact value), the INT PE act_i/w_i and act_scale. */
typedef struct ab_mac_block {
    unsigned lanes; /* ab_mac_block_lanes(path) */
    size_t k, glen; /* glen divides k */
    const float *act_f, *w_f;
    const int32_t *act_i, *w_i;
    float act_scale;
    const float *group_scales, *row_scales;
} ab_mac_block;

/* Rows per block on this path: 16 (AVX-512), 8 (AVX2), 0 (scalar, or a
 * path this CPU lacks: take the scalar steps). */
unsigned ab_mac_block_lanes(ab_simd_path path);

/* out[l] for l < lanes.  Returns 0, or -1 (nothing written) when the path
 * has no block or b does not fit it (lanes, glen, one operand kind). */
int ab_mac_block_run(ab_simd_path path, const ab_mac_block *b, float *out);

#ifdef __cplusplus
}
#endif

#endif
