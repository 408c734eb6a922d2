/* accel_scale.c - an accelerator's PE array resized to fit a silicon area,
 * for iso-area comparisons (`anybit compare --iso-area scale`; the rule is
 * docs/simulator.md "Iso-area"). */
#include <math.h>
#include <stdio.h>

#include "accel.h"

/* Floating-point slack of "fits": an area that equals the target up to
 * rounding of the area sum counts as fitting it. */
#define FIT_SLACK 1e-9

int ab_accel_scale_to_area(const ab_accel *a, double area_mm2, ab_accel *out, ab_error *err)
{
    const double sram_mm2 = a->wbuf.area_mm2 + a->abuf.area_mm2 + a->obuf.area_mm2;
    const double pe_mm2 = a->pe_costs.area_um2 * 1e-6;
    if (!(pe_mm2 > 0))
        return ab_error_set(err, "%s: cannot scale its array to %.6g mm2: its PE area is %.6g um2",
                            a->file, area_mm2, a->pe_costs.area_um2);
    const double budget = floor((area_mm2 - sram_mm2) / pe_mm2 * (1 + FIT_SLACK));
    if (!(budget >= 1))
        return ab_error_set(err, "%s: cannot scale its array to %.6g mm2: its SRAMs take %.6g "
                            "mm2 and one PE %.6g mm2 more",
                            a->file, area_mm2, sram_mm2, pe_mm2);
    /* both dimensions by one factor (the aspect ratio kept), each rounded
     * down, so that the array fits */
    const double pes = (double)a->rows * (double)a->cols;
    const double factor = sqrt(budget / pes);
    double rows = fmax(1, floor(a->rows * factor * (1 + FIT_SLACK)));
    double cols = fmax(1, floor(a->cols * factor * (1 + FIT_SLACK)));
    if (rows * cols > budget) { /* a dimension held at 1, or the slack */
        if (rows >= cols)
            rows = fmax(1, floor(budget / cols));
        else
            cols = fmax(1, floor(budget / rows));
    }
    if (rows > UINT32_MAX || cols > UINT32_MAX)
        return ab_error_set(err, "%s: cannot scale its array to %.6g mm2: %.0f x %.0f PEs",
                            a->file, area_mm2, rows, cols);
    *out = *a;
    out->rows = (uint32_t)rows;
    out->cols = (uint32_t)cols;
    if (ab_accel_validate(out, err) != 0) {
        char why[AB_ERROR_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        return ab_error_set(err, "%s: its array scaled to %u x %u PEs (%.6g mm2) is not a valid "
                            "accelerator: %s",
                            a->file, out->rows, out->cols, area_mm2, why);
    }
    return 0;
}
