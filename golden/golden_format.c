/* golden_format.c - the golden model's own reading of format names and
 * codes (docs/formats.md, docs/references.md#bitmod-data-types and #ant),
 * for the formats the PEs run.  Written from those pages, not from
 * kernels/format*.c:
 *
 *   intN / intNs / ternary  two's complement; intNs and ternary (= int2s)
 *                           reserve the code -2^(N-1), which is NaN
 *   uintN                   the code
 *   eXmY[fn|f], fp16, ...   sign | exponent | mantissa, bias 2^(X-1) - 1,
 *                           subnormals; IEEE-like (top exponent inf/NaN),
 *                           FN (only all ones is NaN), all finite
 *   bitmod_fp3*             sign-magnitude, magnitude code e (2 bits) read
 *                           as E2M0 with bias 1: 0, 1, 2, 4
 *   bitmod_fp4*             sign-magnitude, magnitude code read as E2M1
 *                           with bias 1, times 2: 0, 1, 2, 3, 4, 6, 8, 12
 *   ER+ / ER- / EA+ / EA-   the -0 code holds +-3 / +-6 (FP3), +-10 / +-16
 *                           (FP4); plain FP3/FP4 leave it a second zero
 *   flintN                  sign-magnitude; ANT's first-one encoding of the
 *                           n = N-1 magnitude bits: 0^z 1 m stands for
 *                           (1.m) 2^-z, 1^o 0 m for (1.m) 2^(o-1), all ones
 *                           for 2^(n-1); times 2^(n-1) to make it integer
 *   potN                    sign-magnitude; magnitude code j > 0 is 2^(j-1)
 *   bin                     code 1 = +1, code 0 = -1
 * Selectors (docs/quantization.md, kernels/quant.h as text), in type-id
 * order: bitmod_fpB_mix = ER+, ER-, EA+, EA-; antN = intN, then for N <= 6
 * flintN, potN and a float (e2m0f at 3 bits, e2m1f at 4, e3m(N-4)f above).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "golden_impl.h"

/* Reads the decimal number at *p (1..3 digits). */
static bool read_number(const char **p, unsigned *out)
{
    unsigned v = 0, digits = 0;
    while (**p >= '0' && **p <= '9') {
        if (++digits > 3)
            return false;
        v = v * 10u + (unsigned)(**p - '0');
        (*p)++;
    }
    *out = v;
    return digits > 0;
}

static bool starts(const char **p, const char *prefix)
{
    const size_t n = strlen(prefix);
    if (strncmp(*p, prefix, n) != 0)
        return false;
    *p += n;
    return true;
}

static void set_float(ab_gfmt *f, unsigned e, unsigned m, ab_gfloat_conv conv)
{
    f->kind = AB_GFMT_FLOAT;
    f->exp_bits = e;
    f->man_bits = m;
    f->conv = conv;
    f->bits = 1 + e + m;
}

static int parse_bitmod(const char *p, ab_gfmt *f)
{
    if (strcmp(p, "int3") == 0 || strcmp(p, "int4") == 0) {
        f->kind = AB_GFMT_INT;
        f->bits = p[3] == '3' ? 3u : 4u;
        f->symmetric = true;
        return 0;
    }
    unsigned b;
    if (!starts(&p, "fp") || !read_number(&p, &b) || (b != 3 && b != 4))
        return -1;
    f->kind = AB_GFMT_BITMOD_FP;
    f->bits = b;
    const double er = b == 3 ? 3.0 : 10.0, ea = b == 3 ? 6.0 : 16.0;
    if (*p == '\0')
        f->special = 0.0;
    else if (strcmp(p, "_er+") == 0)
        f->special = er;
    else if (strcmp(p, "_er-") == 0)
        f->special = -er;
    else if (strcmp(p, "_ea+") == 0)
        f->special = ea;
    else if (strcmp(p, "_ea-") == 0)
        f->special = -ea;
    else
        return -1;
    return 0;
}

int ab_gfmt_parse(const char *name, ab_gfmt *f)
{
    memset(f, 0, sizeof *f);
    if (!name || strlen(name) >= AB_GFMT_NAME_MAX)
        return -1;
    snprintf(f->name, sizeof f->name, "%s", name);
    static const struct {
        const char *name;
        unsigned e, m;
        ab_gfloat_conv conv;
    } floats[] = {
        {"fp16", 5, 10, AB_GFLOAT_IEEE},      {"bf16", 8, 7, AB_GFLOAT_IEEE},
        {"fp4_e2m1", 2, 1, AB_GFLOAT_FINITE}, {"fp6_e2m3", 2, 3, AB_GFLOAT_FINITE},
        {"fp6_e3m2", 3, 2, AB_GFLOAT_FINITE}, {"fp8_e4m3", 4, 3, AB_GFLOAT_FN},
        {"fp8_e5m2", 5, 2, AB_GFLOAT_IEEE},
    };
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++)
        if (strcmp(name, floats[i].name) == 0) {
            set_float(f, floats[i].e, floats[i].m, floats[i].conv);
            return 0;
        }
    const char *p = name;
    unsigned n, m;
    if (strcmp(name, "bin") == 0) {
        f->kind = AB_GFMT_BIN;
        f->bits = 1;
        return 0;
    }
    if (strcmp(name, "ternary") == 0) {
        f->kind = AB_GFMT_INT;
        f->bits = 2;
        f->symmetric = true;
        return 0;
    }
    if (starts(&p, "bitmod_"))
        return parse_bitmod(p, f);
    if (starts(&p, "flint")) {
        if (!read_number(&p, &n) || *p || n < 3 || n > 8)
            return -1;
        f->kind = AB_GFMT_FLINT;
        f->bits = n;
        return 0;
    }
    if (starts(&p, "pot")) {
        if (!read_number(&p, &n) || *p || n < 2 || n > 8)
            return -1;
        f->kind = AB_GFMT_POT;
        f->bits = n;
        return 0;
    }
    if (starts(&p, "uint")) {
        if (!read_number(&p, &n) || *p || n < 1 || n > 16)
            return -1;
        f->kind = AB_GFMT_UINT;
        f->bits = n;
        return 0;
    }
    if (starts(&p, "int")) {
        if (!read_number(&p, &n) || n < 1 || n > 16)
            return -1;
        f->kind = AB_GFMT_INT;
        f->bits = n;
        if (*p == 's' && p[1] == '\0' && n >= 2)
            f->symmetric = true;
        else if (*p)
            return -1;
        return 0;
    }
    if (starts(&p, "e") && read_number(&p, &n) && starts(&p, "m") && read_number(&p, &m)) {
        if (n < 1 || n > 8 || m > 10)
            return -1;
        if (*p == '\0')
            set_float(f, n, m, AB_GFLOAT_IEEE);
        else if (strcmp(p, "fn") == 0)
            set_float(f, n, m, AB_GFLOAT_FN);
        else if (strcmp(p, "f") == 0)
            set_float(f, n, m, AB_GFLOAT_FINITE);
        else
            return -1;
        return 0;
    }
    return -1;
}

int ab_gfmt_candidates(const char *name, ab_gfmt cand[AB_GFMT_MAX_CANDIDATES], unsigned *ncand)
{
    char names[AB_GFMT_MAX_CANDIDATES][AB_GFMT_NAME_MAX];
    unsigned k = 0, n;
    const char *p = name;
    if (strcmp(name, "bitmod_fp3_mix") == 0 || strcmp(name, "bitmod_fp4_mix") == 0) {
        static const char *const suffix[4] = {"_er+", "_er-", "_ea+", "_ea-"};
        for (k = 0; k < 4; k++)
            snprintf(names[k], sizeof names[k], "bitmod_fp%c%s", name[9], suffix[k]);
    } else if (starts(&p, "ant") && read_number(&p, &n) && *p == '\0') {
        if (n < 3 || n > 8)
            return -1;
        snprintf(names[k++], sizeof names[0], "int%u", n);
        if (n <= 6) {
            snprintf(names[k++], sizeof names[0], "flint%u", n);
            snprintf(names[k++], sizeof names[0], "pot%u", n);
            if (n == 3)
                snprintf(names[k++], sizeof names[0], "e2m0f");
            else if (n == 4)
                snprintf(names[k++], sizeof names[0], "e2m1f");
            else
                snprintf(names[k++], sizeof names[0], "e3m%uf", n - 4);
        }
    } else {
        snprintf(names[k++], sizeof names[0], "%s", name);
    }
    for (unsigned c = 0; c < k; c++)
        if (ab_gfmt_parse(names[c], &cand[c]) != 0)
            return -1;
    *ncand = k;
    return 0;
}

int64_t ab_gfmt_raw_int(const ab_gfmt *f, uint32_t code)
{
    const uint64_t span = (uint64_t)1 << f->bits;
    const uint64_t c = (uint64_t)code % span;
    if (f->kind == AB_GFMT_INT && c >= span / 2)
        return (int64_t)c - (int64_t)span;
    return (int64_t)c;
}

static double float_value(const ab_gfmt *f, uint32_t code)
{
    const uint32_t mspan = 1u << f->man_bits, espan = 1u << f->exp_bits;
    const uint32_t m = code % mspan, e = (code / mspan) % espan;
    const bool negative = (code >> (f->exp_bits + f->man_bits)) & 1u;
    const int bias = (1 << (f->exp_bits - 1)) - 1;
    double v;
    if (f->conv == AB_GFLOAT_IEEE && e == espan - 1)
        v = m == 0 ? INFINITY : NAN;
    else if (f->conv == AB_GFLOAT_FN && e == espan - 1 && m == mspan - 1)
        v = NAN;
    else if (e == 0)
        v = ldexp((double)m, 1 - bias - (int)f->man_bits);
    else
        v = ldexp((double)(mspan + m), (int)e - bias - (int)f->man_bits);
    return negative ? -v : v;
}

/* ANT flint magnitude of code c of n magnitude bits (header), times 2^(n-1). */
static double flint_magnitude(uint32_t c, unsigned n)
{
    if (c == 0)
        return 0.0;
    const uint32_t top = 1u << (n - 1);
    int exponent;
    unsigned used; /* bits taken by the exponent's prefix, its stop bit included */
    if ((c & top) == 0) {
        unsigned z = 0;
        while (!(c & (top >> z)))
            z++;
        exponent = -(int)z;
        used = z + 1;
    } else {
        unsigned o = 0;
        while (o < n && (c & (top >> o)))
            o++;
        if (o == n)
            return ldexp(1.0, (int)n - 1 + (int)n - 1);
        exponent = (int)o - 1;
        used = o + 1;
    }
    const unsigned mbits = n - used;
    const uint32_t mant = c & ((1u << mbits) - 1u);
    const double significand = 1.0 + ldexp((double)mant, -(int)mbits);
    return ldexp(significand, exponent + (int)n - 1);
}

double ab_gfmt_value(const ab_gfmt *f, uint32_t code)
{
    code %= (uint32_t)1 << f->bits;
    const uint32_t half = (uint32_t)1 << (f->bits - 1);
    const bool negative = f->bits > 1 && code >= half;
    const uint32_t mag = code % half;
    switch (f->kind) {
    case AB_GFMT_INT:
        if (f->symmetric && ab_gfmt_raw_int(f, code) == -(int64_t)half)
            return NAN;
        return (double)ab_gfmt_raw_int(f, code);
    case AB_GFMT_UINT:
        return (double)code;
    case AB_GFMT_FLOAT:
        return float_value(f, code);
    case AB_GFMT_BITMOD_FP: {
        if (negative && mag == 0)
            return f->special;
        double v;
        if (f->bits == 3) { /* E2M0, bias 1 */
            v = mag == 0 ? 0.0 : ldexp(1.0, (int)mag - 1);
        } else { /* E2M1, bias 1, times 2 */
            const uint32_t e = mag >> 1, m = mag & 1u;
            v = e == 0 ? (double)m : (double)(2 + m) * ldexp(1.0, (int)e - 1);
        }
        return negative ? -v : v;
    }
    case AB_GFMT_FLINT: {
        const double v = flint_magnitude(mag, f->bits - 1);
        return negative ? -v : v;
    }
    case AB_GFMT_POT: {
        const double v = mag == 0 ? 0.0 : ldexp(1.0, (int)mag - 1);
        return negative ? -v : v;
    }
    case AB_GFMT_BIN:
    default:
        return code ? 1.0 : -1.0;
    }
}

float ab_golden_half(uint16_t h)
{
    const uint32_t e = (h >> 10) & 31u, frac = h & 1023u;
    const bool negative = h >> 15;
    if (e == 31 && frac != 0) {
        /* a NaN keeps its sign and payload, as every IEEE widening does */
        const uint32_t bits = (uint32_t)negative << 31 | 0x7f800000u | frac << 13;
        float x;
        memcpy(&x, &bits, sizeof x);
        return x;
    }
    float v;
    if (e == 31)
        v = INFINITY;
    else if (e == 0)
        v = ldexpf((float)frac, -24);
    else
        v = ldexpf((float)(1024u + frac), (int)e - 25);
    return negative ? -v : v;
}
