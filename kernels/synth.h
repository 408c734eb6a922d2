/* synth.h - seeded synthetic tensors for demos, tests, benchmarks and
 * synthetic traces: weights with a per-channel scale spread and a
 * heavy-tailed outlier fraction, the features LLM weight quantizers react to.
 * Same seed and parameters give the same values on every machine (the
 * generator is splitmix64 + Box-Muller in double, no libc rand()).
 */
#ifndef AB_SYNTH_H
#define AB_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_rng {
    uint64_t state;
} ab_rng;

void ab_rng_seed(ab_rng *r, uint64_t seed);
uint64_t ab_rng_next(ab_rng *r);
double ab_rng_uniform(ab_rng *r);  /* [0, 1) with 53 random bits */
double ab_rng_normal(ab_rng *r);   /* standard normal */
double ab_rng_laplace(ab_rng *r);  /* Laplace with unit variance */

typedef enum ab_synth_dist { AB_SYNTH_GAUSSIAN = 0, AB_SYNTH_LAPLACE = 1 } ab_synth_dist;

typedef struct ab_synth_params {
    ab_synth_dist dist;
    double std;              /* base standard deviation */
    double channel_spread;   /* sigma of the log-normal per-row std multiplier (0: none) */
    double outlier_fraction; /* share of values multiplied by outlier_scale */
    double outlier_scale;
} ab_synth_params;

/* Defaults that resemble a transformer linear layer (std 0.02, rows spread
 * by a log-normal of sigma 0.3, 0.1% outliers at 10x). */
ab_synth_params ab_synth_defaults(void);

/* Fill out[rows][cols]. */
void ab_synth_weights(const ab_synth_params *p, uint64_t seed, float *out, size_t rows,
                      size_t cols);

#ifdef __cplusplus
}
#endif

#endif
