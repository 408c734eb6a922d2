/* format_int.c - integer formats: intN (two's complement), uintN, intNs
 * (symmetric: the most negative code is reserved and decodes to NaN),
 * uintN_zpZ (fixed zero point) and scaled integers (mxint8's element).
 *
 * value = (code - zero_point) * unit, rounded to nearest with ties to the
 * even code, saturating at the ends of the code range.
 */
#include <math.h>

#include "format_impl.h"

double ab_round_half_even(double y)
{
    /* on the magnitude: a - floor(a) is exact for a >= 0 but y - floor(y)
     * can round for negative y */
    const double a = fabs(y);
    const double down = floor(a);
    const double diff = a - down;
    double mag = down;
    if (diff > 0.5 || (diff == 0.5 && fmod(down, 2.0) != 0.0))
        mag = down + 1.0;
    return copysign(mag, y);
}

void ab_int_setup(ab_format *f, uint8_t bits, bool is_signed, bool symmetric,
                  int32_t zero_point, double unit)
{
    f->family = AB_FAMILY_INT;
    f->bits = bits;
    f->is_signed = is_signed || zero_point > 0;
    f->symmetric = symmetric;
    f->zero_point = zero_point;
    f->unit = unit;
}

/* Codes are two's complement for intN/intNs (signed, no zero point) and
 * plain unsigned for uintN and uintN_zpZ. */
static bool twos_complement(const ab_format *f)
{
    return f->is_signed && f->zero_point == 0;
}

int64_t ab_int_code_min(const ab_format *f)
{
    if (!twos_complement(f))
        return 0;
    return -((int64_t)1 << (f->bits - 1)) + (f->symmetric ? 1 : 0);
}

int64_t ab_int_code_max(const ab_format *f)
{
    if (twos_complement(f))
        return ((int64_t)1 << (f->bits - 1)) - 1;
    return ((int64_t)1 << f->bits) - 1;
}

static uint32_t code_mask(const ab_format *f)
{
    return f->bits >= 32 ? 0xffffffffu : (((uint32_t)1 << f->bits) - 1u);
}

uint32_t ab_int_encode(const ab_format *f, double x)
{
    if (isnan(x))
        x = 0.0;
    const int64_t lo = ab_int_code_min(f);
    const int64_t hi = ab_int_code_max(f);
    const double zp = (double)f->zero_point;
    /* unit is a power of two, so y is exact; adding the zero point before
     * rounding would round twice (x = -2.5000000000000004, zp 8). */
    const double y = x / f->unit;
    if (y <= (double)lo - zp)
        return (uint32_t)lo & code_mask(f);
    if (y >= (double)hi - zp)
        return (uint32_t)hi & code_mask(f);
    /* Round the magnitude: a - floor(a) is exact for a >= 0, while y -
     * floor(y) can round for negative y (-0.49999999999999994 + 1). */
    const double a = fabs(y);
    const double down = floor(a);
    const double diff = a - down;
    double mag = diff > 0.5 ? down + 1.0 : down;
    if (diff == 0.5 && fmod(copysign(down, y) + zp, 2.0) != 0.0)
        mag = down + 1.0; /* tie: the even code */
    const double r = copysign(mag, y);
    return (uint32_t)(int64_t)(r + zp) & code_mask(f);
}

/* Two's complement reinterpretation of the low `bits` bits. */
static int64_t signed_code(const ab_format *f, uint32_t code)
{
    code &= code_mask(f);
    if (twos_complement(f) && (code >> (f->bits - 1)) & 1u)
        return (int64_t)code - ((int64_t)1 << f->bits);
    return (int64_t)code;
}

double ab_int_decode(const ab_format *f, uint32_t code)
{
    const int64_t c = signed_code(f, code);
    if (f->symmetric && c == -((int64_t)1 << (f->bits - 1)))
        return NAN; /* reserved: symmetric range has no -2^(N-1) */
    return (double)(c - f->zero_point) * f->unit;
}

uint32_t ab_int_canonical(const ab_format *f, uint32_t code)
{
    const int64_t c = signed_code(f, code);
    if (f->symmetric && c == -((int64_t)1 << (f->bits - 1)))
        return (uint32_t)f->zero_point & code_mask(f); /* NaN encodes as 0 */
    return code & code_mask(f);
}
