/* format_grid.c - formats defined by a table of values, one per code
 * (BitMoD FP3/FP4 and their ER/EA variants, ANT flint/pot, OliVe abfloat,
 * bin, E8M0).
 *
 * encode() searches the distinct values in ascending order.  Tie rule (the
 * formats' papers do not fix one): the smaller magnitude wins, then the
 * positive value; duplicate values are encoded by their lowest code.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "format_impl.h"

/* Is candidate b preferred over a at equal distance? */
static bool tie_prefers(double a, double b)
{
    if (fabs(b) != fabs(a))
        return fabs(b) < fabs(a);
    return b > a;
}

void ab_grid_setup(ab_format *f, uint8_t bits, const double *values)
{
    const uint32_t n = (uint32_t)1 << bits;
    f->family = AB_FAMILY_GRID;
    f->bits = bits;
    f->grid_ncodes = (uint16_t)n;
    f->grid_nan_code = -1;
    f->is_signed = false;
    uint16_t ns = 0;
    for (uint32_t c = 0; c < n; c++) {
        double v = values[c];
        if (v == 0.0)
            v = 0.0; /* no signed zeros in a table */
        f->grid_value[c] = v;
        if (isnan(v)) {
            if (f->grid_nan_code < 0)
                f->grid_nan_code = (int32_t)c;
            continue;
        }
        if (v < 0.0)
            f->is_signed = true;
        /* insertion into the sorted distinct list; first code wins */
        uint16_t i = 0;
        while (i < ns && f->grid_sorted[i] < v)
            i++;
        if (i < ns && f->grid_sorted[i] == v)
            continue;
        memmove(&f->grid_sorted[i + 1], &f->grid_sorted[i],
                (size_t)(ns - i) * sizeof f->grid_sorted[0]);
        memmove(&f->grid_sorted_code[i + 1], &f->grid_sorted_code[i],
                (size_t)(ns - i) * sizeof f->grid_sorted_code[0]);
        f->grid_sorted[i] = v;
        f->grid_sorted_code[i] = (uint16_t)c;
        ns++;
    }
    f->grid_nsorted = ns;
    for (uint16_t i = 0; i + 1 < ns; i++) {
        const double lo = f->grid_sorted[i], hi = f->grid_sorted[i + 1];
        f->grid_mid[i] = lo + (hi - lo) / 2; /* exact for the tables here */
        f->grid_tie_up[i] = tie_prefers(lo, hi);
    }
}

int ab_format_from_values(const char *name, const double *values, size_t n, ab_format *fmt,
                          ab_error *err)
{
    if (!name || !values || !fmt)
        return ab_error_set(err, "grid format: %s is NULL",
                            !name ? "the name" : !values ? "the value table" : "the format");
    const size_t len = strlen(name);
    if (len == 0 || len >= AB_FORMAT_NAME_MAX)
        return ab_error_set(err, "grid format name: expected 1 to %d characters, found %zu",
                            AB_FORMAT_NAME_MAX - 1, len);
    uint8_t bits = 0;
    while (bits < 8 && ((size_t)1 << bits) < n)
        bits++;
    if (n < 2 || n > AB_GRID_MAX_CODES || ((size_t)1 << bits) != n)
        return ab_error_set(err, "grid format '%s': expected 2, 4, 8, ..., %d values (one per "
                            "code of 1..8 bits), got %zu", name, AB_GRID_MAX_CODES, n);
    bool nonzero = false;
    for (size_t c = 0; c < n; c++) {
        if (!isfinite(values[c]))
            return ab_error_set(err, "grid format '%s': value %zu (code %zu) is %g, expected a "
                                "finite number", name, c, c, values[c]);
        nonzero |= values[c] != 0.0;
    }
    if (!nonzero)
        return ab_error_set(err, "grid format '%s': every value is 0 (a scale needs a nonzero "
                            "value to map onto)", name);
    memset(fmt, 0, sizeof *fmt);
    snprintf(fmt->name, sizeof fmt->name, "%s", name);
    ab_grid_setup(fmt, bits, values);
    snprintf(fmt->desc, sizeof fmt->desc, "grid of %zu codes from a value table, %u distinct "
             "values in [%g, %g]", n, fmt->grid_nsorted, fmt->grid_sorted[0],
             fmt->grid_sorted[fmt->grid_nsorted - 1]);
    return 0;
}

void ab_grid_setup_signmag(ab_format *f, uint8_t bits, const double *magnitudes,
                           double special)
{
    double values[AB_GRID_MAX_CODES];
    const uint32_t half = (uint32_t)1 << (bits - 1);
    for (uint32_t m = 0; m < half; m++) {
        values[m] = magnitudes[m];
        values[half + m] = -magnitudes[m];
    }
    values[half] = isnan(special) ? 0.0 : special; /* the -0 code */
    ab_grid_setup(f, bits, values);
}

uint32_t ab_grid_encode(const ab_format *f, double x)
{
    if (isnan(x)) {
        if (f->grid_nan_code >= 0)
            return (uint32_t)f->grid_nan_code;
        x = 0.0;
    }
    const uint16_t n = f->grid_nsorted;
    if (n <= 32) {
        /* the index of the nearest value is the number of decision points
         * below x: no branches to mispredict in the quantizers' inner loops */
        unsigned idx = 0;
        for (uint16_t i = 0; i + 1 < n; i++)
            idx += (unsigned)((x > f->grid_mid[i]) | ((x == f->grid_mid[i]) & f->grid_tie_up[i]));
        return f->grid_sorted_code[idx];
    }
    /* wide tables (E8M0, flint8): binary search over the decision points */
    uint16_t lo = 0, hi = (uint16_t)(n - 1); /* answer in [lo, hi] */
    while (lo < hi) {
        const uint16_t mid = (uint16_t)((lo + hi) / 2);
        const double m = f->grid_mid[mid];
        if (x > m || (x == m && f->grid_tie_up[mid]))
            lo = (uint16_t)(mid + 1);
        else
            hi = mid;
    }
    return f->grid_sorted_code[lo];
}

double ab_grid_decode(const ab_format *f, uint32_t code)
{
    return f->grid_value[code & (uint32_t)(f->grid_ncodes - 1)];
}

uint32_t ab_grid_canonical(const ab_format *f, uint32_t code)
{
    code &= (uint32_t)(f->grid_ncodes - 1);
    const double v = f->grid_value[code];
    if (isnan(v))
        return (uint32_t)f->grid_nan_code;
    for (uint16_t i = 0; i < f->grid_nsorted; i++)
        if (f->grid_sorted[i] == v)
            return f->grid_sorted_code[i];
    return code;
}
