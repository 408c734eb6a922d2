/* act_quant.c - per-token symmetric quantization of activations for the
 * integer PEs: absmax for intN / uintN, mean |x| for bin (rule in
 * act_quant.h). */
#include "act_quant.h"

#include <float.h>
#include <math.h>
#include <string.h>

bool ab_act_quant_supports(const ab_format *fmt)
{
    if (!fmt || fmt->block_size != 0)
        return false;
    if (fmt->family == AB_FAMILY_GRID)
        return strcmp(fmt->name, "bin") == 0;
    if (fmt->family != AB_FAMILY_INT || fmt->zero_point != 0 || fmt->unit != 1.0)
        return false;
    if (fmt->bits > AB_ACT_QUANT_MAX_BITS)
        return false;
    return fmt->is_signed ? fmt->bits >= 2 : fmt->bits >= 1;
}

int ab_act_quant_rows(const ab_format *fmt, const float *act, size_t rows, size_t cols,
                      uint32_t *codes, int32_t *values, float *scales, ab_error *err)
{
    if (!ab_act_quant_supports(fmt))
        return ab_error_set(err, "activation quantizer: format '%s' is not an integer activation "
                            "format (intN 2..16, uintN 1..16 bits, bin)",
                            fmt ? fmt->name : "(null)");
    const float qmax = (float)ab_format_max(fmt); /* an integer <= 65535: exact */
    for (size_t r = 0; r < rows; r++) {
        const float *x = act + r * cols;
        float absmax = 0.0f;
        for (size_t k = 0; k < cols; k++) {
            const float a = fabsf(x[k]);
            if (isfinite(a) && a > absmax)
                absmax = a;
        }
        float scale = absmax > 0.0f ? absmax / qmax : 1.0f;
        if (fmt->family == AB_FAMILY_GRID) { /* bin: the mean |x| (act_quant.h) */
            double sum = 0.0;
            size_t count = 0;
            for (size_t k = 0; k < cols; k++)
                if (isfinite(x[k])) {
                    sum += fabs((double)x[k]);
                    count++;
                }
            scale = count && sum > 0.0 ? (float)(sum / (double)count) : 1.0f;
        }
        if (scale == 0.0f) /* absmax / qmax underflowed */
            scale = FLT_TRUE_MIN;
        scales[r] = scale;
        for (size_t k = 0; k < cols; k++) {
            const uint32_t c = ab_format_encode(fmt, (double)x[k] / (double)scale);
            if (codes)
                codes[r * cols + k] = c;
            if (values)
                values[r * cols + k] = (int32_t)ab_format_decode(fmt, c);
        }
    }
    return 0;
}
