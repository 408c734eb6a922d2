/* synth.c - seeded synthetic weights (see synth.h). */
#include "synth.h"

#include <math.h>

void ab_rng_seed(ab_rng *r, uint64_t seed)
{
    r->state = seed;
}

/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014): full period, good enough for
 * synthetic data, and trivially reproducible. */
uint64_t ab_rng_next(ab_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double ab_rng_uniform(ab_rng *r)
{
    return (double)(ab_rng_next(r) >> 11) * 0x1.0p-53;
}

double ab_rng_normal(ab_rng *r)
{
    /* Box-Muller, one of the pair: no cached state, so any draw sequence is
     * a pure function of the seed */
    const double u1 = 1.0 - ab_rng_uniform(r); /* (0, 1] */
    const double u2 = ab_rng_uniform(r);
    const double two_pi = 6.283185307179586476925286766559;
    return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}

double ab_rng_laplace(ab_rng *r)
{
    const double u = ab_rng_uniform(r) - 0.5;
    const double b = 1.0 / sqrt(2.0); /* variance 2b^2 = 1 */
    const double mag = -b * log(1.0 - 2.0 * fabs(u));
    return u < 0 ? -mag : mag;
}

ab_synth_params ab_synth_defaults(void)
{
    const ab_synth_params p = {AB_SYNTH_GAUSSIAN, 0.02, 0.3, 0.001, 10.0};
    return p;
}

void ab_synth_weights(const ab_synth_params *p, uint64_t seed, float *out, size_t rows,
                      size_t cols)
{
    ab_rng r;
    ab_rng_seed(&r, seed);
    for (size_t i = 0; i < rows; i++) {
        const double row_std = p->std * exp(p->channel_spread * ab_rng_normal(&r));
        for (size_t j = 0; j < cols; j++) {
            double v = p->dist == AB_SYNTH_LAPLACE ? ab_rng_laplace(&r) : ab_rng_normal(&r);
            v *= row_std;
            if (p->outlier_fraction > 0 && ab_rng_uniform(&r) < p->outlier_fraction)
                v *= p->outlier_scale;
            out[i * cols + j] = (float)v;
        }
    }
}
