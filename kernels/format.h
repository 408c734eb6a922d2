/* format.h - number formats: one descriptor, one registry of names.
 *
 * A format maps an unsigned code of `bits` bits to a real value (decode) and
 * a real value to the code of the nearest representable value (encode).
 * Three families cover everything the accelerators use:
 *
 *   AB_FAMILY_INT    intN, uintN, intNs (symmetric), uintN_zpZ, mxint8's element
 *   AB_FAMILY_FLOAT  eXmY minifloats under three conventions (IEEE-like,
 *                    OCP "FN", all-finite), fp16, bf16, fp32
 *   AB_FAMILY_GRID   value tables: BitMoD FP3/FP4 and their ER/EA variants,
 *                    ANT flintN / potN, OliVe's abfloat outliers, bin,
 *                    ternary, the E8M0 scale format
 *
 * A format may also carry a block size (OCP MX: 32 elements share one E8M0
 * scale); encode/decode then act on the element, and quant.h applies the
 * shared scale.
 *
 * Rounding (docs/formats.md has the full rules):
 *   - INT and FLOAT: nearest value, ties to the even code (IEEE 754 RNE).
 *   - GRID: nearest value, ties to the smaller magnitude, then to the
 *     positive value.
 *   - Overflow: IEEE-like minifloats round to +-inf as IEEE 754 does; every
 *     other format saturates to its largest finite magnitude.
 *   - NaN: to the canonical NaN code where the format has one, otherwise to
 *     encode(0.0) (documented; quantizers reject NaN inputs before this).
 */
#ifndef AB_FORMAT_H
#define AB_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_FORMAT_NAME_MAX 40
#define AB_FORMAT_DESC_MAX 160
#define AB_GRID_MAX_CODES 256 /* grid formats have at most 8 bits */

typedef enum ab_family {
    AB_FAMILY_INT = 0,
    AB_FAMILY_FLOAT = 1,
    AB_FAMILY_GRID = 2,
} ab_family;

typedef enum ab_float_conv {
    AB_FLOAT_IEEE = 0,   /* top exponent field = inf (mantissa 0) / NaN */
    AB_FLOAT_FN = 1,     /* OCP E4M3 style: no inf, only S.1..1.1..1 is NaN */
    AB_FLOAT_FINITE = 2, /* OCP FP6/FP4: every code is a finite number */
} ab_float_conv;

typedef struct ab_format {
    char name[AB_FORMAT_NAME_MAX]; /* canonical name */
    char desc[AB_FORMAT_DESC_MAX]; /* one line for `anybit formats` */
    ab_family family;
    uint8_t bits;   /* code width, 1..32 */
    bool is_signed; /* has negative values */

    /* AB_FAMILY_INT: value = (two's complement or unsigned code - zero_point) * unit */
    bool symmetric;     /* signed and the most negative code is reserved */
    int32_t zero_point; /* uintN_zpZ */
    double unit;        /* 1.0 except mxint8's element (2^-6, OCP MX 5.3.3) */

    /* AB_FAMILY_FLOAT: sign | exponent (exp_bits) | mantissa (man_bits) */
    uint8_t exp_bits;
    uint8_t man_bits;
    int32_t bias;
    ab_float_conv conv;

    /* AB_FAMILY_GRID: value of every code (NaN for a NaN code) and the
     * distinct non-NaN values sorted ascending with the code encode returns */
    uint16_t grid_ncodes;
    uint16_t grid_nsorted;
    int32_t grid_nan_code; /* -1: none */
    double grid_value[AB_GRID_MAX_CODES];
    double grid_sorted[AB_GRID_MAX_CODES];
    uint16_t grid_sorted_code[AB_GRID_MAX_CODES];
    /* decision points between sorted neighbours i and i+1 (exact midpoints)
     * and whether a tie there goes to i+1: encode() of a small grid is a
     * branchless count of the points below x */
    double grid_mid[AB_GRID_MAX_CODES];
    uint8_t grid_tie_up[AB_GRID_MAX_CODES];

    /* Block scaling (OCP MX v1.0): 0 for plain formats, else the block size
     * with an E8M0 shared scale; elem_emax is the element's largest power of
     * two exponent used by the shared-scale rule (MX spec 6.3). */
    uint16_t block_size;
    int16_t elem_emax;
} ab_format;

/* Resolve a name (canonical, alias or generic family such as int7, uint3,
 * int5s, e3m4, e4m3fn, e2m3f, flint5, pot3, mxfp6_e3m2) into *fmt.  On
 * failure returns -1 and says in err what was wrong with the name. */
int ab_format_parse(const char *name, ab_format *fmt, ab_error *err);

/* A grid format from a table of values, one per code: values[c] is the
 * value of code c, n (a power of two, 2..256) codes of log2(n) bits.
 * Values must be finite, not all zero; they need not be sorted, and a value
 * listed twice is encoded by its lowest code (-0 counts as +0).  Encoding
 * follows the GRID rule above with decision points at the midpoints
 * lo + (hi - lo) / 2 of sorted neighbours.  `name` (1..AB_FORMAT_NAME_MAX-1
 * characters) is the format's name; decode, encode, grid() and the
 * quantizers (ab_quantize_format, quant.h) then treat it as any grid.
 * On bad input returns -1 with err naming the value's index. */
int ab_format_from_values(const char *name, const double *values, size_t n, ab_format *fmt,
                          ab_error *err);

/* Code of the nearest representable value (rounding rules above). */
uint32_t ab_format_encode(const ab_format *fmt, double x);

/* Exact value of a code (codes wider than fmt->bits are masked). */
double ab_format_decode(const ab_format *fmt, uint32_t code);

/* The code encode() returns for decode(code): identical for most codes;
 * NaN payloads map to the canonical NaN, duplicate grid values to the code
 * encode() chooses, reserved codes (intNs's most negative) to zero. Defined
 * from the format's structure, not by calling encode/decode. */
uint32_t ab_format_canonical(const ab_format *fmt, uint32_t code);

/* Largest finite value and smallest (most negative) finite value. */
double ab_format_max(const ab_format *fmt);
double ab_format_min(const ab_format *fmt);

/* Largest finite magnitude, max(|min|, max): what a symmetric scale maps
 * the absolute maximum of a group onto. */
double ab_format_absmax(const ab_format *fmt);

/* True when the code is a NaN. */
bool ab_format_is_nan_code(const ab_format *fmt, uint32_t code);

/* Distinct finite values in ascending order (-0 and +0 count as one value,
 * written as +0).  Writes at most cap values and returns how many there are
 * in all; formats wider than 16 bits are refused (returns 0). */
size_t ab_format_grid(const ab_format *fmt, double *out, size_t cap);

/* Iteration over the registry for `anybit formats`: the i-th named entry
 * (canonical names of every fixed format plus one example per generic
 * family).  Returns NULL past the end. */
const char *ab_format_registry_name(size_t i);

/* The generic families and the syntax of their names, i-th line; NULL past
 * the end. */
const char *ab_format_family_help(size_t i);

#ifdef __cplusplus
}
#endif

#endif
