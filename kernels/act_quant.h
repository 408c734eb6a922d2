/* act_quant.h - the dynamic activation quantizer of the integer PEs (INT8
 * MAC array, binary tensor core): one function, used by the simulator's
 * datapaths, the kernels models and the tests, so that every one of them
 * sees the same activation codes.
 *
 * Traces store the activations of ops with an integer act_format (intN,
 * uintN, bin) as floats (docs/trace-format.md, version 1.1); the PE
 * quantizes them on the fly, per token (per row of act[M][K]):
 *
 *   absmax = max |x| over the finite values of the row (fp32)
 *   scale  = absmax / qmax in fp32 (one RNE division), qmax the format's
 *            largest positive value (ab_format_max: 2^(N-1)-1 for intN,
 *            2^N-1 for uintN); absmax 0 gives scale 1, and a quotient that
 *            underflows to 0 gives the smallest positive float
 *   bin (+-1) is the exception: its scale is the mean |x| over the finite
 *            values of the row (XNOR-Net's alpha, Rastegari et al. 2016:
 *            the L2-optimal binarization; absmax would map every value to
 *            +-absmax), summed in double in ascending k, divided by their
 *            count and rounded once to fp32; a mean of 0 gives scale 1
 *   code   = ab_format_encode(fmt, (double)x / (double)scale): nearest
 *            value, ties to the even code, saturating at the ends of the
 *            code range (so intN never uses its most negative code, uintN
 *            and bin clip what their range lacks: negatives to 0 / -1)
 *
 * The division is done in double (exact enough that encode's RNE sees the
 * true quotient of the two floats except in double-rounding corner cases,
 * which are then part of the definition).  NaN quantizes to encode(0)
 * (format.h's rule), +-inf saturates.  The value a code stands for is
 * decode(code) * scale.
 */
#ifndef AB_ACT_QUANT_H
#define AB_ACT_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_ACT_QUANT_MAX_BITS 16

/* True for the activation formats the rule above applies to: signed intN
 * (and intNs, ternary) of 2..16 bits, uintN of 1..16 bits (no fixed zero
 * point, no scaled unit, no MX block), and bin. */
bool ab_act_quant_supports(const ab_format *fmt);

/* Quantize act[rows][cols] row by row: codes[rows*cols] (format codes,
 * may be NULL), values[rows*cols] (decode(code) as an integer: the
 * two's-complement value, the unsigned value, +-1 for bin; may be NULL)
 * and scales[rows].  Returns 0, or -1 with err set for an unsupported
 * format. */
int ab_act_quant_rows(const ab_format *fmt, const float *act, size_t rows, size_t cols,
                      uint32_t *codes, int32_t *values, float *scales, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
