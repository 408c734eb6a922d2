/* format_float.c - eXmY minifloats (sign, E exponent bits, M mantissa bits,
 * bias 2^(E-1)-1, subnormals) under three conventions:
 *
 *   IEEE    the top exponent field holds +-inf (mantissa 0) and NaNs, as in
 *           IEEE 754 binary16/32 and OCP FP8 E5M2; overflow rounds to inf.
 *   FN      OCP FP8 E4M3: no infinities, only S.11..1.11..1 is NaN, so the
 *           top binade is usable (E4M3 max 448); overflow saturates.
 *   FINITE  OCP FP6 E2M3/E3M2 and FP4 E2M1: every code is a number
 *           (E2M1 max 6); overflow saturates.
 * (OCP Microscaling Formats v1.0, section 5.3.)
 *
 * Encoding rounds to nearest, ties to even, with unbounded exponent first and
 * the overflow rule of the convention after, which is IEEE 754's definition.
 */
#include <math.h>

#include "format_impl.h"

void ab_float_setup(ab_format *f, uint8_t exp_bits, uint8_t man_bits,
                    ab_float_conv conv)
{
    f->family = AB_FAMILY_FLOAT;
    f->bits = (uint8_t)(1 + exp_bits + man_bits);
    f->is_signed = true;
    f->exp_bits = exp_bits;
    f->man_bits = man_bits;
    f->bias = (1 << (exp_bits - 1)) - 1;
    f->conv = conv;
}

static uint32_t exp_all_ones(const ab_format *f)
{
    return ((uint32_t)1 << f->exp_bits) - 1u;
}

static uint32_t man_all_ones(const ab_format *f)
{
    return ((uint32_t)1 << f->man_bits) - 1u;
}

/* Largest finite (exponent field, mantissa field) of the convention. */
static void max_fields(const ab_format *f, uint32_t *e, uint32_t *m)
{
    switch (f->conv) {
    case AB_FLOAT_IEEE:
        *e = exp_all_ones(f) - 1u;
        *m = man_all_ones(f);
        break;
    case AB_FLOAT_FN:
        if (f->man_bits == 0) { /* the whole top binade is the NaN code */
            *e = exp_all_ones(f) - 1u;
            *m = 0;
        } else {
            *e = exp_all_ones(f);
            *m = man_all_ones(f) - 1u;
        }
        break;
    case AB_FLOAT_FINITE:
    default:
        *e = exp_all_ones(f);
        *m = man_all_ones(f);
        break;
    }
}

static uint32_t pack(const ab_format *f, uint32_t sign, uint32_t e, uint32_t m)
{
    return (sign << (f->exp_bits + f->man_bits)) | (e << f->man_bits) | m;
}

static double fields_value(const ab_format *f, uint32_t e, uint32_t m)
{
    const int emin = 1 - f->bias;
    if (e == 0)
        return ldexp((double)m, emin - f->man_bits);
    return ldexp((double)(((uint32_t)1 << f->man_bits) | m),
                 (int)e - f->bias - f->man_bits);
}

double ab_float_max(const ab_format *f)
{
    uint32_t e, m;
    max_fields(f, &e, &m);
    return fields_value(f, e, m);
}

bool ab_float_is_nan_code(const ab_format *f, uint32_t code)
{
    const uint32_t e = (code >> f->man_bits) & exp_all_ones(f);
    const uint32_t m = code & man_all_ones(f);
    switch (f->conv) {
    case AB_FLOAT_IEEE:
        return e == exp_all_ones(f) && m != 0;
    case AB_FLOAT_FN:
        return e == exp_all_ones(f) && m == man_all_ones(f);
    case AB_FLOAT_FINITE:
    default:
        return false;
    }
}

/* The NaN encode() produces: positive, quiet (top mantissa bit) for IEEE,
 * the single NaN pattern for FN.  Returns false when there is none (FINITE,
 * or IEEE with no mantissa bits, whose top binade is only +-inf). */
static bool canonical_nan(const ab_format *f, uint32_t *code)
{
    if (f->conv == AB_FLOAT_IEEE && f->man_bits > 0) {
        *code = pack(f, 0, exp_all_ones(f), (uint32_t)1 << (f->man_bits - 1));
        return true;
    }
    if (f->conv == AB_FLOAT_FN) {
        *code = pack(f, 0, exp_all_ones(f), man_all_ones(f));
        return true;
    }
    return false;
}

uint32_t ab_float_encode(const ab_format *f, double x)
{
    uint32_t nan_code;
    if (isnan(x))
        return canonical_nan(f, &nan_code) ? nan_code : 0u;

    const uint32_t sign = signbit(x) ? 1u : 0u;
    const double a = fabs(x);
    uint32_t emax, mmax;
    max_fields(f, &emax, &mmax);
    if (isinf(a)) {
        if (f->conv == AB_FLOAT_IEEE)
            return pack(f, sign, exp_all_ones(f), 0);
        return pack(f, sign, emax, mmax);
    }
    if (a == 0.0)
        return pack(f, sign, 0, 0);

    const int emin = 1 - f->bias;
    int e2;
    (void)frexp(a, &e2);
    int ex = e2 - 1; /* a in [2^ex, 2^(ex+1)) */
    if (ex < emin)
        ex = emin; /* subnormal range: fixed quantum 2^(emin-M) */
    /* Scaling by a power of two is exact, so q carries all of a's bits. */
    double q = ab_round_half_even(ldexp(a, f->man_bits - ex));
    const double hidden = ldexp(1.0, f->man_bits);
    if (q >= 2.0 * hidden) { /* rounded up into the next binade */
        q = hidden;
        ex += 1;
    }
    uint32_t e, m;
    if (q < hidden) { /* subnormal (only when ex == emin) or zero */
        e = 0;
        m = (uint32_t)q;
    } else {
        const long biased = (long)ex + f->bias;
        if (biased > (long)emax) {
            if (f->conv == AB_FLOAT_IEEE)
                return pack(f, sign, exp_all_ones(f), 0);
            return pack(f, sign, emax, mmax);
        }
        e = (uint32_t)biased;
        m = (uint32_t)(q - hidden);
    }
    if (e == emax && m > mmax) { /* FN: the NaN pattern is not a number */
        if (f->conv == AB_FLOAT_IEEE)
            return pack(f, sign, exp_all_ones(f), 0);
        return pack(f, sign, emax, mmax);
    }
    return pack(f, sign, e, m);
}

double ab_float_decode(const ab_format *f, uint32_t code)
{
    const uint32_t sign = (code >> (f->exp_bits + f->man_bits)) & 1u;
    const uint32_t e = (code >> f->man_bits) & exp_all_ones(f);
    const uint32_t m = code & man_all_ones(f);
    double v;
    if (ab_float_is_nan_code(f, code))
        return NAN;
    if (f->conv == AB_FLOAT_IEEE && e == exp_all_ones(f))
        v = INFINITY;
    else
        v = fields_value(f, e, m);
    return sign ? -v : v;
}

uint32_t ab_float_canonical(const ab_format *f, uint32_t code)
{
    uint32_t nan_code;
    const uint32_t mask = f->bits >= 32 ? 0xffffffffu : (((uint32_t)1 << f->bits) - 1u);
    code &= mask;
    if (ab_float_is_nan_code(f, code) && canonical_nan(f, &nan_code))
        return nan_code;
    return code;
}
