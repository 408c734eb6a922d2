/* format.c - the format registry: names to descriptors, and dispatch of
 * encode/decode to the family files.
 *
 * Names are either fixed (aliases such as fp8_e4m3, BitMoD's types, bin) or
 * generic families parsed from their parameters (intN, uintN, intNs,
 * uintN_zpZ, eXmY, eXmYfn, eXmYf, flintN, potN), so any width in range is a
 * format without a table entry.  docs/formats.md is the user-facing list.
 */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_impl.h"

/* ---- fixed value tables ------------------------------------------------ */

/* BitMoD (HPCA'25, bitmod_quant/quant_utils/quant_weight.py): integer grids
 * before the per-group scale; the special value takes the -0 code. */
static const double bitmod_fp3_mag[4] = {0, 1, 2, 4};
static const double bitmod_fp4_mag[8] = {0, 1, 2, 3, 4, 6, 8, 12};

typedef struct bitmod_variant {
    const char *suffix;
    double fp3_special, fp4_special;
} bitmod_variant;

static const bitmod_variant bitmod_variants[] = {
    {"", NAN, NAN},       /* plain: -0 code duplicates 0 */
    {"_er+", 3, 10},      /* extra resolution between the two largest */
    {"_er-", -3, -10},
    {"_ea+", 6, 16},      /* extra asymmetry beyond the maximum */
    {"_ea-", -6, -16},
};

/* ---- descriptions ------------------------------------------------------- */

static void describe_grid(ab_format *f, const char *what)
{
    int n = snprintf(f->desc, sizeof f->desc, "%s: {", what);
    for (uint16_t i = 0; i < f->grid_nsorted && n > 0 && (size_t)n < sizeof f->desc; i++) {
        n += snprintf(f->desc + n, sizeof f->desc - (size_t)n, "%s%g", i ? "," : "",
                      f->grid_sorted[i]);
        if (f->grid_nsorted > 24 && i == 7) {
            n += snprintf(f->desc + n, sizeof f->desc - (size_t)n, ",...,%g",
                          f->grid_sorted[f->grid_nsorted - 1]);
            break;
        }
    }
    if (n > 0 && (size_t)n < sizeof f->desc)
        snprintf(f->desc + n, sizeof f->desc - (size_t)n, "}");
}

static void describe_float(ab_format *f, const char *origin)
{
    static const char *const conv_text[] = {
        [AB_FLOAT_IEEE] = "IEEE-like: inf/NaN in the top binade",
        [AB_FLOAT_FN] = "FN: no inf, one NaN pattern",
        [AB_FLOAT_FINITE] = "all finite: no inf/NaN",
    };
    snprintf(f->desc, sizeof f->desc, "%sfloat E%uM%u, bias %d, %s, max %.9g",
             origin, f->exp_bits, f->man_bits, f->bias, conv_text[f->conv],
             ab_float_max(f));
}

/* ---- small parsing helpers --------------------------------------------- */

/* Reads a decimal number at *p (at least one digit, no sign, at most 6
 * digits so it cannot overflow). */
static bool take_uint(const char **p, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 6) {
        v = v * 10u + (unsigned)(*s - '0');
        s++;
        digits++;
    }
    if (digits == 0 || (*s >= '0' && *s <= '9'))
        return false;
    *p = s;
    *out = v;
    return true;
}

static bool take_prefix(const char **p, const char *prefix)
{
    const size_t n = strlen(prefix);
    if (strncmp(*p, prefix, n) != 0)
        return false;
    *p += n;
    return true;
}

static void set_name(ab_format *f, const char *name)
{
    snprintf(f->name, sizeof f->name, "%s", name);
}

/* ---- fixed formats ------------------------------------------------------ */

static bool parse_bitmod(const char *name, ab_format *f)
{
    const char *p = name;
    if (!take_prefix(&p, "bitmod_"))
        return false;
    if (strcmp(p, "int3") == 0 || strcmp(p, "int4") == 0) {
        const uint8_t bits = (uint8_t)(p[3] - '0');
        ab_int_setup(f, bits, true, true, 0, 1.0);
        snprintf(f->desc, sizeof f->desc, "BitMoD INT%u: symmetric integer -%d..%d",
                 bits, (1 << (bits - 1)) - 1, (1 << (bits - 1)) - 1);
        return true;
    }
    const bool fp3 = take_prefix(&p, "fp3");
    if (!fp3 && !take_prefix(&p, "fp4"))
        return false;
    for (size_t i = 0; i < sizeof bitmod_variants / sizeof bitmod_variants[0]; i++) {
        if (strcmp(p, bitmod_variants[i].suffix) != 0)
            continue;
        if (fp3)
            ab_grid_setup_signmag(f, 3, bitmod_fp3_mag, bitmod_variants[i].fp3_special);
        else
            ab_grid_setup_signmag(f, 4, bitmod_fp4_mag, bitmod_variants[i].fp4_special);
        char what[64];
        snprintf(what, sizeof what, "BitMoD FP%c%s%s", fp3 ? '3' : '4',
                 *p ? " " : "", *p ? p + 1 : "");
        describe_grid(f, what);
        return true;
    }
    return false;
}

/* ANT's flint (MICRO'22, antquant/quant_modules.py flint_value): with n
 * magnitude bits, exponent classes are coded by the position of the first
 * one, leaving fewer mantissa bits for the outer exponents.  Magnitudes are
 * scaled by 2^(n-1) so the table is integer (flint4: 0,1,2,3,4,6,8,16). */
static void flint_magnitudes(unsigned n, double *mag)
{
    size_t k = 0;
    mag[k++] = 0.0;
    for (unsigned i = 0; i + 2 <= n; i++) { /* negative exponents */
        const unsigned mant_bits = n - (i + 2);
        for (unsigned j = 0; j < (1u << mant_bits); j++)
            mag[k++] = ldexp(1.0 + ldexp(j, -(int)mant_bits), -(int)(i + 1));
    }
    for (unsigned i = 0; i + 1 < n; i++) { /* exponents 0 .. n-2 */
        const unsigned mant_bits = n - 2 - i;
        for (unsigned j = 0; j < (1u << mant_bits); j++)
            mag[k++] = ldexp(1.0 + ldexp(j, -(int)mant_bits), (int)i);
    }
    mag[k++] = ldexp(1.0, (int)n - 1); /* the maximum */
    /* insertion sort: the classes above are not emitted in order */
    for (size_t a = 1; a < k; a++) {
        const double v = mag[a];
        size_t b = a;
        while (b > 0 && mag[b - 1] > v) {
            mag[b] = mag[b - 1];
            b--;
        }
        mag[b] = v;
    }
    for (size_t a = 0; a < k; a++)
        mag[a] = ldexp(mag[a], (int)n - 1);
}

static bool parse_fixed_grid(const char *name, ab_format *f, ab_error *err,
                             int *status)
{
    double values[AB_GRID_MAX_CODES];
    double mag[AB_GRID_MAX_CODES / 2];
    const char *p = name;
    unsigned n;
    *status = 0;

    if (strcmp(name, "bin") == 0) {
        values[0] = -1.0; /* bit b stands for 2b-1, the XNOR-net convention */
        values[1] = 1.0;
        ab_grid_setup(f, 1, values);
        describe_grid(f, "binary, code 1 = +1, code 0 = -1");
        return true;
    }
    if (strcmp(name, "e8m0") == 0 || strcmp(name, "ue8m0") == 0) {
        /* OCP MX v1.0 5.4: unsigned exponent, bias 127, 0xFF is NaN */
        for (unsigned c = 0; c < 255; c++)
            values[c] = ldexp(1.0, (int)c - 127);
        values[255] = NAN;
        ab_grid_setup(f, 8, values);
        snprintf(f->desc, sizeof f->desc,
                 "E8M0 scale: 2^(code-127), code 255 = NaN (OCP MX shared scale)");
        return true;
    }
    if (strcmp(name, "olive_abfloat") == 0) {
        /* OliVe (ISCA'23): outliers in E2M1 with exponent bias 5; magnitude
         * code 0 is not an outlier value and stays 0. */
        mag[0] = 0.0;
        for (unsigned m = 1; m < 8; m++)
            mag[m] = (1.0 + 0.5 * (m & 1u)) * ldexp(1.0, (int)(m >> 1) + 5);
        ab_grid_setup_signmag(f, 4, mag, NAN);
        describe_grid(f, "OliVe abfloat outliers (E2M1, exponent bias 5)");
        return true;
    }
    if (strcmp(name, "nf4") == 0) {
        /* QLoRA's 4-bit NormalFloat (Dettmers et al. 2023, arXiv:2305.14314,
         * Appendix E "NormalFloat 4-bit data type"; the same table is
         * bitsandbytes' NF4 code book): quantiles of N(0, 1) scaled to
         * [-1, 1], 8 positive and 7 negative values and an exact zero. */
        static const double nf4[16] = {
            -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
            -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
            0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
            0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
        };
        ab_grid_setup(f, 4, nf4);
        describe_grid(f, "QLoRA NormalFloat4: N(0,1) quantiles in [-1, 1], code 7 = 0");
        return true;
    }
    if (strcmp(name, "olive4") == 0) {
        /* int4 normals; code 1000 is the outlier-victim identifier, whose
         * own value is the pruned 0 */
        for (unsigned c = 0; c < 16; c++)
            values[c] = c < 8 ? (double)c : (double)c - 16.0;
        values[8] = 0.0;
        ab_grid_setup(f, 4, values);
        describe_grid(f, "OliVe int4 normals, code 1000 = victim marker (0)");
        return true;
    }
    if (strcmp(name, "olive4_flint") == 0) {
        flint_magnitudes(3, mag);
        ab_grid_setup_signmag(f, 4, mag, NAN);
        describe_grid(f, "OliVe flint4 normals, code 1000 = victim marker (0)");
        return true;
    }
    if (take_prefix(&p, "flint")) {
        if (!take_uint(&p, &n) || *p) {
            *status = ab_error_set(err, "unknown format '%s': flint takes a width, e.g. flint4", name);
            return true;
        }
        if (n < 3 || n > 8) {
            *status = ab_error_set(err, "format '%s': flint width must be 3..8, got %u", name, n);
            return true;
        }
        flint_magnitudes(n - 1, mag);
        ab_grid_setup_signmag(f, (uint8_t)n, mag, NAN);
        describe_grid(f, "ANT flint (sign-magnitude)");
        return true;
    }
    if (take_prefix(&p, "pot")) {
        if (!take_uint(&p, &n) || *p) {
            *status = ab_error_set(err, "unknown format '%s': pot takes a width, e.g. pot4", name);
            return true;
        }
        if (n < 2 || n > 8) {
            *status = ab_error_set(err, "format '%s': pot width must be 2..8, got %u", name, n);
            return true;
        }
        /* ANT pot_value: 0 and +-2^i, i = 0 .. 2^(n-1)-2 */
        const unsigned half = 1u << (n - 1);
        mag[0] = 0.0;
        for (unsigned m = 1; m < half; m++)
            mag[m] = ldexp(1.0, (int)m - 1);
        ab_grid_setup_signmag(f, (uint8_t)n, mag, NAN);
        describe_grid(f, "ANT power of two (sign-magnitude)");
        return true;
    }
    return false;
}

/* ---- generic integer and float families -------------------------------- */

static bool parse_int_family(const char *name, ab_format *f, ab_error *err,
                             int *status)
{
    const char *p = name;
    unsigned n, z;
    *status = 0;
    if (strcmp(name, "ternary") == 0) {
        ab_int_setup(f, 2, true, true, 0, 1.0);
        snprintf(f->desc, sizeof f->desc,
                 "ternary {-1,0,+1}: 2-bit two's complement, code 10 reserved");
        return true;
    }
    const bool is_unsigned = take_prefix(&p, "uint");
    if (!is_unsigned && !take_prefix(&p, "int"))
        return false;
    if (!take_uint(&p, &n))
        return false;
    if (n < 1 || n > 32) { /* 32: accumulators (int32) */
        *status = ab_error_set(err, "format '%s': integer width must be 1..32, got %u", name, n);
        return true;
    }
    const uint8_t bits = (uint8_t)n;
    if (!is_unsigned && *p == '\0') {
        ab_int_setup(f, bits, true, false, 0, 1.0);
        snprintf(f->desc, sizeof f->desc, "signed %u-bit two's complement integer, %lld..%lld",
                 n, -(1LL << (n - 1)), (1LL << (n - 1)) - 1);
        return true;
    }
    if (!is_unsigned && strcmp(p, "s") == 0) {
        if (n < 2) {
            *status = ab_error_set(err, "format '%s': symmetric integers need at least 2 bits", name);
            return true;
        }
        ab_int_setup(f, bits, true, true, 0, 1.0);
        snprintf(f->desc, sizeof f->desc,
                 "symmetric %u-bit integer %lld..%lld (two's complement, code %lld reserved)",
                 n, -((1LL << (n - 1)) - 1), (1LL << (n - 1)) - 1, -(1LL << (n - 1)));
        return true;
    }
    if (is_unsigned && *p == '\0') {
        ab_int_setup(f, bits, false, false, 0, 1.0);
        snprintf(f->desc, sizeof f->desc, "unsigned %u-bit integer, 0..%llu", n, (1ULL << n) - 1u);
        return true;
    }
    if (is_unsigned && take_prefix(&p, "_zp")) {
        if (!take_uint(&p, &z) || *p) {
            *status = ab_error_set(err, "unknown format '%s': expected uintN_zpZ, e.g. uint4_zp8", name);
            return true;
        }
        if (n > 16) {
            *status = ab_error_set(err, "format '%s': zero-point integers are 1..16 bits", name);
            return true;
        }
        if (z > (1u << n) - 1u) {
            *status = ab_error_set(err, "format '%s': zero point must be 0..%u, got %u",
                                   name, (1u << n) - 1u, z);
            return true;
        }
        ab_int_setup(f, bits, false, false, (int32_t)z, 1.0);
        snprintf(f->desc, sizeof f->desc, "unsigned %u-bit integer with zero point %u: %d..%d",
                 n, z, -(int)z, (int)((1u << n) - 1u - z));
        return true;
    }
    return false;
}

static bool parse_float_family(const char *name, ab_format *f, ab_error *err,
                               int *status)
{
    const char *p = name;
    unsigned e, m;
    *status = 0;
    if (!take_prefix(&p, "e") || !take_uint(&p, &e) || !take_prefix(&p, "m") ||
        !take_uint(&p, &m))
        return false;
    ab_float_conv conv;
    if (*p == '\0')
        conv = AB_FLOAT_IEEE;
    else if (strcmp(p, "fn") == 0)
        conv = AB_FLOAT_FN;
    else if (strcmp(p, "f") == 0)
        conv = AB_FLOAT_FINITE;
    else {
        *status = ab_error_set(err,
                               "unknown format '%s': minifloat suffix must be none (IEEE-like), "
                               "'fn' (no inf, one NaN) or 'f' (all finite), got '%s'", name, p);
        return true;
    }
    if (e < 1 || e > 8) {
        *status = ab_error_set(err, "format '%s': exponent bits must be 1..8, got %u", name, e);
        return true;
    }
    if (m > 10) {
        *status = ab_error_set(err, "format '%s': mantissa bits must be 0..10, got %u", name, m);
        return true;
    }
    ab_float_setup(f, (uint8_t)e, (uint8_t)m, conv);
    describe_float(f, "");
    return true;
}

/* Float aliases: OCP MX v1.0 (fp4/fp6/fp8), IEEE 754 (fp16, fp32), bf16. */
typedef struct float_alias {
    const char *name;
    uint8_t e, m;
    ab_float_conv conv;
    const char *origin;
} float_alias;

static const float_alias float_aliases[] = {
    {"fp4_e2m1", 2, 1, AB_FLOAT_FINITE, "OCP FP4 "},
    {"fp6_e2m3", 2, 3, AB_FLOAT_FINITE, "OCP FP6 "},
    {"fp6_e3m2", 3, 2, AB_FLOAT_FINITE, "OCP FP6 "},
    {"fp8_e4m3", 4, 3, AB_FLOAT_FN, "OCP FP8 "},
    {"fp8_e5m2", 5, 2, AB_FLOAT_IEEE, "OCP FP8 "},
    {"fp16", 5, 10, AB_FLOAT_IEEE, "IEEE binary16 "},
    {"bf16", 8, 7, AB_FLOAT_IEEE, "bfloat16 "},
    {"fp32", 8, 23, AB_FLOAT_IEEE, "IEEE binary32 "},
};

/* OCP MX v1.0 section 5.3: block 32, E8M0 scale; emax of each element. */
typedef struct mx_alias {
    const char *name, *element;
    int16_t elem_emax;
} mx_alias;

static const mx_alias mx_aliases[] = {
    {"mxfp4", "fp4_e2m1", 2},
    {"mxfp6_e2m3", "fp6_e2m3", 2},
    {"mxfp6_e3m2", "fp6_e3m2", 4},
    {"mxfp8_e4m3", "fp8_e4m3", 8},
    {"mxfp8_e5m2", "fp8_e5m2", 15},
    {"mxint8", "int8", 0},
};

static int parse_one(const char *name, ab_format *f, ab_error *err);

static bool parse_alias(const char *name, ab_format *f, ab_error *err, int *status)
{
    *status = 0;
    for (size_t i = 0; i < sizeof float_aliases / sizeof float_aliases[0]; i++) {
        const float_alias *a = &float_aliases[i];
        if (strcmp(name, a->name) == 0) {
            ab_float_setup(f, a->e, a->m, a->conv);
            describe_float(f, a->origin);
            return true;
        }
    }
    for (size_t i = 0; i < sizeof mx_aliases / sizeof mx_aliases[0]; i++) {
        const mx_alias *a = &mx_aliases[i];
        if (strcmp(name, a->name) != 0)
            continue;
        *status = parse_one(a->element, f, err);
        set_name(f, a->name);
        if (*status == 0 && f->family == AB_FAMILY_INT) {
            f->unit = ldexp(1.0, -6); /* MXINT8: implicit scale 2^-6 */
            snprintf(f->desc, sizeof f->desc,
                     "OCP MXINT8: 8-bit two's complement x 2^-6, block 32, E8M0 scale");
        } else if (*status == 0) {
            char elem[AB_FORMAT_DESC_MAX];
            snprintf(elem, sizeof elem, "%s", f->desc);
            snprintf(f->desc, sizeof f->desc, "OCP MX block 32, E8M0 scale; element %.100s",
                     elem);
        }
        f->block_size = 32;
        f->elem_emax = a->elem_emax;
        return true;
    }
    return false;
}

static int parse_one(const char *name, ab_format *f, ab_error *err)
{
    int status;
    memset(f, 0, sizeof *f);
    f->unit = 1.0;
    f->grid_nan_code = -1;
    if (strlen(name) >= AB_FORMAT_NAME_MAX)
        return ab_error_set(err, "unknown format '%.60s...': name too long", name);
    set_name(f, name);
    /* fixed names first: e8m0 is a scale format, not the eXmY minifloat */
    if (parse_alias(name, f, err, &status) || parse_fixed_grid(name, f, err, &status) ||
        parse_int_family(name, f, err, &status) || parse_float_family(name, f, err, &status))
        return status;
    if (parse_bitmod(name, f))
        return 0;
    return ab_error_set(err, "unknown format '%s' (`anybit formats` lists the names and families)",
                        name);
}

int ab_format_parse(const char *name, ab_format *fmt, ab_error *err)
{
    if (!name || !*name)
        return ab_error_set(err, "empty format name");
    return parse_one(name, fmt, err);
}

/* ---- dispatch ------------------------------------------------------------ */

uint32_t ab_format_encode(const ab_format *fmt, double x)
{
    switch (fmt->family) {
    case AB_FAMILY_INT:
        return ab_int_encode(fmt, x);
    case AB_FAMILY_FLOAT:
        return ab_float_encode(fmt, x);
    case AB_FAMILY_GRID:
    default:
        return ab_grid_encode(fmt, x);
    }
}

double ab_format_decode(const ab_format *fmt, uint32_t code)
{
    switch (fmt->family) {
    case AB_FAMILY_INT:
        return ab_int_decode(fmt, code);
    case AB_FAMILY_FLOAT:
        return ab_float_decode(fmt, code);
    case AB_FAMILY_GRID:
    default:
        return ab_grid_decode(fmt, code);
    }
}

uint32_t ab_format_canonical(const ab_format *fmt, uint32_t code)
{
    switch (fmt->family) {
    case AB_FAMILY_INT:
        return ab_int_canonical(fmt, code);
    case AB_FAMILY_FLOAT:
        return ab_float_canonical(fmt, code);
    case AB_FAMILY_GRID:
    default:
        return ab_grid_canonical(fmt, code);
    }
}

bool ab_format_is_nan_code(const ab_format *fmt, uint32_t code)
{
    switch (fmt->family) {
    case AB_FAMILY_INT:
        return isnan(ab_int_decode(fmt, code));
    case AB_FAMILY_FLOAT:
        return ab_float_is_nan_code(fmt, code);
    case AB_FAMILY_GRID:
    default:
        return isnan(ab_grid_decode(fmt, code));
    }
}

double ab_format_max(const ab_format *fmt)
{
    switch (fmt->family) {
    case AB_FAMILY_INT:
        return (double)(ab_int_code_max(fmt) - fmt->zero_point) * fmt->unit;
    case AB_FAMILY_FLOAT:
        return ab_float_max(fmt);
    case AB_FAMILY_GRID:
    default:
        return fmt->grid_sorted[fmt->grid_nsorted - 1];
    }
}

double ab_format_min(const ab_format *fmt)
{
    switch (fmt->family) {
    case AB_FAMILY_INT:
        return (double)(ab_int_code_min(fmt) - fmt->zero_point) * fmt->unit;
    case AB_FAMILY_FLOAT:
        return -ab_float_max(fmt);
    case AB_FAMILY_GRID:
    default:
        return fmt->grid_sorted[0];
    }
}

double ab_format_absmax(const ab_format *fmt)
{
    return fmax(fabs(ab_format_min(fmt)), fabs(ab_format_max(fmt)));
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

size_t ab_format_grid(const ab_format *fmt, double *out, size_t cap)
{
    if (fmt->bits > 16)
        return 0;
    if (fmt->family == AB_FAMILY_GRID) {
        for (size_t i = 0; i < fmt->grid_nsorted && i < cap; i++)
            out[i] = fmt->grid_sorted[i];
        return fmt->grid_nsorted;
    }
    /* Codes of ints and floats are enumerated; each value appears at most
     * twice (+0/-0), so a sort and one pass leave the distinct ones. */
    const size_t ncodes = (size_t)1 << fmt->bits;
    double *buf = malloc(ncodes * sizeof *buf);
    if (!buf)
        return 0;
    size_t n = 0;
    for (size_t c = 0; c < ncodes; c++) {
        const double v = ab_format_decode(fmt, (uint32_t)c);
        if (isnan(v) || isinf(v))
            continue;
        buf[n++] = v == 0.0 ? 0.0 : v;
    }
    qsort(buf, n, sizeof buf[0], cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && buf[i] == buf[k - 1])
            continue;
        if (k < cap)
            out[k] = buf[i];
        buf[k++] = buf[i];
    }
    free(buf);
    return k;
}

/* ---- registry listing ---------------------------------------------------- */

static const char *const registry_names[] = {
    "int2", "int3", "int4", "int5", "int6", "int8", "int16", "int32",
    "int3s", "int4s", "int8s", "uint1", "uint2", "uint3", "uint4", "uint8", "uint4_zp8",
    "bin", "ternary",
    "fp4_e2m1", "fp6_e2m3", "fp6_e3m2", "fp8_e4m3", "fp8_e5m2", "fp16", "bf16", "fp32",
    "e2m2f", "e3m1f", "e4m3", "e3m4fn",
    "bitmod_int3", "bitmod_int4",
    "bitmod_fp3", "bitmod_fp3_er+", "bitmod_fp3_er-", "bitmod_fp3_ea+", "bitmod_fp3_ea-",
    "bitmod_fp4", "bitmod_fp4_er+", "bitmod_fp4_er-", "bitmod_fp4_ea+", "bitmod_fp4_ea-",
    "flint3", "flint4", "flint5", "pot3", "pot4", "pot5",
    "olive4", "olive4_flint", "olive_abfloat", "nf4",
    "mxfp4", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp8_e4m3", "mxfp8_e5m2", "mxint8",
    "e8m0",
};

const char *ab_format_registry_name(size_t i)
{
    return i < sizeof registry_names / sizeof registry_names[0] ? registry_names[i] : NULL;
}

static const char *const family_help[] = {
    "intN        N=1..32   two's complement integer",
    "intNs       N=2..32   symmetric integer (most negative code reserved)",
    "uintN       N=1..32   unsigned integer",
    "uintN_zpZ   N=1..16   unsigned integer with zero point Z (value = code - Z)",
    "eXmY        X=1..8 Y=0..10  minifloat, IEEE-like (inf/NaN)",
    "eXmYfn      X=1..8 Y=0..10  minifloat, OCP FN (no inf, one NaN pattern)",
    "eXmYf       X=1..8 Y=0..10  minifloat, all finite (OCP FP6/FP4 style)",
    "flintN      N=3..8    ANT flint (sign-magnitude)",
    "potN        N=2..8    ANT power of two (sign-magnitude)",
};

const char *ab_format_family_help(size_t i)
{
    return i < sizeof family_help / sizeof family_help[0] ? family_help[i] : NULL;
}
