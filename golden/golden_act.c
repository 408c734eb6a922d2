/* golden_act.c - the integer PEs' per-token activation quantization, from
 * docs/values.md "Activation quantization" (the kernels quantizer,
 * kernels/act_quant.c, is not used):
 *
 *   absmax = the largest |x| over the row's finite values;
 *   scale  = absmax / qmax as one binary32 division (qmax = 2^(N-1) - 1
 *            for intN and intNs, 2^N - 1 for uintN), 1 when absmax is 0;
 *   bin    : scale = the mean |x| of the finite values, summed in double in
 *            ascending k, divided by their count, rounded once to binary32;
 *            1 when that mean is 0;
 *   a scale that came out 0 (underflow) is the smallest positive float;
 *   value  = the nearest integer to x / scale (the quotient in double), ties
 *            to even, clamped to the code range (intN: -2^(N-1) .. qmax,
 *            intNs: -qmax .. qmax, uintN: 0 .. qmax); NaN gives 0;
 *            bin: -1 below zero, +1 otherwise (0, -0 and NaN: +1).
 */
#include <float.h>
#include <math.h>

#include "golden_impl.h"

bool ab_golden_act_format_ok(const ab_gfmt *f)
{
    return (f->kind == AB_GFMT_INT && f->bits >= 2 && f->bits <= 16) ||
           (f->kind == AB_GFMT_UINT && f->bits >= 1 && f->bits <= 16) || f->kind == AB_GFMT_BIN;
}

static int32_t round_clamped(double y, double lo, double hi)
{
    if (isnan(y))
        return 0;
    if (y <= lo)
        return (int32_t)lo;
    if (y >= hi)
        return (int32_t)hi;
    return (int32_t)nearbyint(y); /* the default rounding: to nearest, ties to even */
}

void ab_golden_act_rows(const ab_gfmt *f, const float *act, size_t rows, size_t cols,
                        int32_t *values, float *scales)
{
    double qmax = 0.0, lo = 0.0;
    if (f->kind == AB_GFMT_INT) {
        qmax = ldexp(1.0, (int)f->bits - 1) - 1.0;
        lo = f->symmetric ? -qmax : -qmax - 1.0;
    } else if (f->kind == AB_GFMT_UINT) {
        qmax = ldexp(1.0, (int)f->bits) - 1.0;
    }
    for (size_t r = 0; r < rows; r++) {
        const float *x = act + r * cols;
        float scale;
        if (f->kind == AB_GFMT_BIN) {
            double sum = 0.0;
            size_t count = 0;
            for (size_t k = 0; k < cols; k++)
                if (isfinite(x[k])) {
                    sum += fabs((double)x[k]);
                    count++;
                }
            const double mean = count ? sum / (double)count : 0.0;
            scale = mean > 0.0 ? (float)mean : 1.0f;
        } else {
            float absmax = 0.0f;
            for (size_t k = 0; k < cols; k++)
                if (isfinite(x[k]) && fabsf(x[k]) > absmax)
                    absmax = fabsf(x[k]);
            const float q = (float)qmax;
            scale = absmax > 0.0f ? absmax / q : 1.0f;
        }
        if (scale == 0.0f)
            scale = FLT_TRUE_MIN;
        scales[r] = scale;
        for (size_t k = 0; k < cols; k++) {
            const double y = (double)x[k] / (double)scale;
            if (f->kind == AB_GFMT_BIN)
                values[r * cols + k] = y < 0.0 ? -1 : 1;
            else
                values[r * cols + k] = round_clamped(y, lo, qmax);
        }
    }
}

int ab_golden_act_quant(const char *format, const float *act, size_t rows, size_t cols,
                        int32_t *values, float *scales, ab_error *err)
{
    ab_gfmt f;
    if (ab_gfmt_parse(format, &f) != 0 || !ab_golden_act_format_ok(&f))
        return ab_error_set(err, "golden: '%s' is no integer activation format (intN 2..16, uintN "
                            "1..16 bits, bin)", format);
    ab_golden_act_rows(&f, act, rows, cols, values, scales);
    return 0;
}
