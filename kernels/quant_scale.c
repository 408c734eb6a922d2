/* quant_scale.c - scale formats: parsing their names and rounding a real
 * scale into them.
 *
 *   fp32  nearest float (RNE).
 *   fp16  nearest IEEE binary16 through the format registry (RNE).  A scale
 *         that rounds up slightly lets the group's absmax saturate by less
 *         than half an FP16 ulp; this is what BitMoD's FP16 scales do
 *         (quant_weight.py computes the scale in torch.float16).
 *   e8m0  a power of two 2^e, e in [-127, 127].  For non-MX formats the
 *         scale is rounded UP to the next power of two so that no value
 *         clips (MX formats use their own rule in quant_mx.c).
 *   intK  two levels (BitMoD, quant_weight_double.py): an FP16 scale per row
 *         s_row = max_group_scale / (2^k - 1), nudged up one FP16 step while
 *         the top integer would exceed 2^k - 1, and per group the integer
 *         round(s_group / s_row) clamped to [1, 2^k - 1]; the effective scale
 *         is integer * s_row (exact in double; in float when k <= 13).
 *
 * A rounded scale is never 0 or infinite: underflow gives the format's
 * smallest positive value, overflow its largest (values then clip).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_impl.h"
#include "quant_impl.h"

int ab_scale_parse(const char *name, ab_scale_kind *kind, uint8_t *bits, ab_error *err)
{
    if (!name || !*name)
        return ab_error_set(err, "empty scale format name (expected fp32, fp16, e8m0 or intK)");
    if (strcmp(name, "fp32") == 0) {
        *kind = AB_SCALE_FP32;
        *bits = 32;
        return 0;
    }
    if (strcmp(name, "fp16") == 0) {
        *kind = AB_SCALE_FP16;
        *bits = 16;
        return 0;
    }
    if (strcmp(name, "e8m0") == 0) {
        *kind = AB_SCALE_E8M0;
        *bits = 8;
        return 0;
    }
    if (strncmp(name, "int", 3) == 0) {
        const char *p = name + 3;
        unsigned k = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            k = k * 10u + (unsigned)(*p - '0');
            p++;
            digits++;
        }
        if (digits > 0 && *p == '\0') {
            if (k < 2 || k > 16)
                return ab_error_set(err, "scale format '%s': integer scale bits must be 2..16, got %u",
                                    name, k);
            *kind = AB_SCALE_INTK;
            *bits = (uint8_t)k;
            return 0;
        }
    }
    return ab_error_set(err,
                        "unknown scale format '%s' (expected fp32, fp16, e8m0 or intK with K = 2..16, "
                        "e.g. int8)", name);
}

int ab_scale_ctx_init(ab_scale_ctx *c, ab_scale_kind kind, uint8_t bits, ab_error *err)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->bits = bits;
    if (ab_format_parse("fp16", &c->fp16, err) != 0 || ab_format_parse("e8m0", &c->e8m0, err) != 0)
        return -1;
    return 0;
}

unsigned ab_scale_storage_bits(const ab_scale_ctx *c)
{
    switch (c->kind) {
    case AB_SCALE_FP32:
        return 32;
    case AB_SCALE_FP16:
        return 16;
    case AB_SCALE_E8M0:
        return 8;
    case AB_SCALE_INTK:
    default:
        return c->bits;
    }
}

/* Nearest FP16 to s > 0, kept finite and nonzero. */
static double fp16_round(const ab_format *f16, double s, uint32_t *code)
{
    uint32_t q = ab_format_encode(f16, s);
    double v = ab_format_decode(f16, q);
    if (isinf(v)) {
        q = ab_format_encode(f16, ab_format_max(f16));
        v = ab_format_decode(f16, q);
    } else if (v == 0.0) {
        /* the smallest subnormal, 2^(1 - bias - man_bits) */
        v = ldexp(1.0, 1 - f16->bias - f16->man_bits);
        q = ab_format_encode(f16, v);
    }
    *code = q;
    return v;
}

double ab_scale_intk_row(const ab_scale_ctx *c, double max_group_scale)
{
    const double top = ldexp(1.0, c->bits) - 1.0;
    uint32_t code;
    if (!(max_group_scale > 0.0))
        return fp16_round(&c->fp16, 1.0, &code);
    double row = fp16_round(&c->fp16, max_group_scale / top, &code);
    const double fmax = ab_format_max(&c->fp16);
    /* Positive finite binary16 codes are ordered like their values, so
     * code + 1 is the next FP16 up. */
    while (ab_round_half_even(max_group_scale / row) > top && row < fmax) {
        code++;
        row = ab_format_decode(&c->fp16, code);
    }
    return row;
}

/* Smallest power of two >= s, as an exponent. */
static int pow2_ceil_exp(double s)
{
    int e;
    const double m = frexp(s, &e); /* s = m 2^e, m in [0.5, 1) */
    return m == 0.5 ? e - 1 : e;
}

double ab_scale_round(const ab_scale_ctx *c, double s, double row_scale, uint32_t *code)
{
    switch (c->kind) {
    case AB_SCALE_FP32: {
        float f = s > 0.0 ? (float)s : 1.0f;
        if (isinf(f))
            f = FLT_MAX;
        else if (f == 0.0f)
            f = FLT_TRUE_MIN;
        memcpy(code, &f, sizeof f);
        return (double)f;
    }
    case AB_SCALE_FP16:
        return fp16_round(&c->fp16, s > 0.0 ? s : 1.0, code);
    case AB_SCALE_E8M0: {
        int e = s > 0.0 ? pow2_ceil_exp(s) : 0;
        if (e < -127)
            e = -127;
        if (e > 127)
            e = 127;
        *code = (uint32_t)(e + 127);
        return ldexp(1.0, e);
    }
    case AB_SCALE_INTK:
    default: {
        const double top = ldexp(1.0, c->bits) - 1.0;
        double q = s > 0.0 ? ab_round_half_even(s / row_scale) : 1.0;
        if (q < 1.0)
            q = 1.0;
        if (q > top)
            q = top;
        *code = (uint32_t)q;
        return q * row_scale;
    }
    }
}
