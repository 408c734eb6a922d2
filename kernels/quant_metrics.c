/* quant_metrics.c - error metrics of a reconstruction: mean squared error
 * and signal-to-quantization-noise ratio, accumulated in double so that the
 * sum over millions of float values does not lose the small terms. */
#include <math.h>

#include "quant.h"

double ab_mse(const float *ref, const float *approx, size_t n)
{
    if (n == 0)
        return 0.0; /* no values, no error */
    double sse = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double e = (double)ref[i] - (double)approx[i];
        sse += e * e;
    }
    return sse / (double)n;
}

/* 10 log10(sum ref^2 / sum (ref - approx)^2).  An exact reconstruction has
 * no noise: +inf (also for an all-zero reference); noise on an all-zero
 * reference is -inf. */
double ab_sqnr_db(const float *ref, const float *approx, size_t n)
{
    double sig = 0.0, noise = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double r = (double)ref[i], e = r - (double)approx[i];
        sig += r * r;
        noise += e * e;
    }
    if (noise == 0.0)
        return INFINITY;
    if (sig == 0.0)
        return -INFINITY;
    return 10.0 * log10(sig / noise);
}
