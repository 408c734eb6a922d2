/* accuracy_data.c - the seeded synthetic operands of the accuracy estimate
 * (accuracy.h; the distributions and their sources: docs/quantization.md
 * "Synthetic operands", docs/references.md#llm-outliers).
 *
 *   linear weights (gemm, conv): kernels/synth.h's defaults, one seed per
 *       row: Gaussian rows of std 0.02 with a log-normal per-row spread and
 *       0.1% heavy-tailed outliers
 *   activations (gemm, conv, and Q of attn_qk) and the key cache (attn_qk's
 *       weight side): standard Gaussian per token, with a few fixed outlier
 *       channels amplified AB_ACC_OUTLIER_GAIN times
 *   value cache (attn_av's weight side, rows = head channels): standard
 *       Gaussian, no outlier channels
 *   attention probabilities (attn_av's activations): softmax over the
 *       context of standard Gaussian logits
 * Everything is a pure function of (seed, op kind, N, K) and the row index:
 * the same on every machine, whatever the sample size.
 */
#include <math.h>
#include <string.h>

#include "accuracy/accuracy.h"
#include "synth.h"

/* LLM.int8(): outlier features concentrated in about 6 of the 4096 hidden
 * dimensions of a 6.7B model, up to 20x the magnitude of the others
 * (docs/references.md#llm-outliers). */
#define AB_ACC_OUTLIER_CHANNELS_PER_4096 6u
#define AB_ACC_OUTLIER_GAIN 20.0

/* Decorrelate a seed from (tag, a, b): three splitmix64 steps. */
static uint64_t mix(uint64_t seed, uint64_t tag, uint64_t a, uint64_t b)
{
    ab_rng r;
    ab_rng_seed(&r, seed ^ (tag * 0xd1b54a32d192ed03ull));
    const uint64_t x = ab_rng_next(&r) ^ a;
    ab_rng_seed(&r, x);
    const uint64_t y = ab_rng_next(&r) ^ b;
    ab_rng_seed(&r, y);
    return ab_rng_next(&r);
}

enum { TAG_WEIGHT = 1, TAG_ACT = 2, TAG_OUTLIER = 3 };

/* The kind of operand an op's activations are: linear inputs and queries
 * share one generator (and so one seed per K). */
static uint64_t act_class(ab_op_kind k)
{
    return k == AB_OP_ATTN_AV ? 2 : 1;
}

size_t ab_accuracy_outlier_channels(uint64_t K)
{
    return (size_t)((K * AB_ACC_OUTLIER_CHANNELS_PER_4096 + 2048) / 4096);
}

/* mask[K]: 1 on the outlier channels of a K-wide activation. */
static void outlier_mask(uint64_t seed, size_t K, uint8_t *mask)
{
    memset(mask, 0, K);
    ab_rng r;
    ab_rng_seed(&r, mix(seed, TAG_OUTLIER, K, 0));
    for (size_t placed = 0, want = ab_accuracy_outlier_channels(K); placed < want;) {
        const size_t k = (size_t)(ab_rng_next(&r) % K);
        if (!mask[k]) {
            mask[k] = 1;
            placed++;
        }
    }
}

/* rows of K standard-Gaussian values with the outlier channels amplified;
 * row r from its own seed.  Box-Muller with both values of each pair (half
 * the logarithms and square roots of ab_rng_normal, which keeps one so as
 * to carry no state between calls: here a row is one call). */
static void gaussian_rows(uint64_t base, uint32_t rows, size_t K, const uint8_t *mask, float *out)
{
    const double two_pi = 6.283185307179586476925286766559;
    for (uint32_t r = 0; r < rows; r++) {
        float *row = out + (size_t)r * K;
        ab_rng g;
        ab_rng_seed(&g, mix(base, r, 0, 0));
        for (size_t k = 0; k < K; k += 2) {
            const double u1 = 1.0 - ab_rng_uniform(&g); /* (0, 1] */
            const double u2 = ab_rng_uniform(&g);
            const double rad = sqrt(-2.0 * log(u1));
            row[k] = (float)(rad * cos(two_pi * u2));
            if (k + 1 < K)
                row[k + 1] = (float)(rad * sin(two_pi * u2));
        }
        for (size_t k = 0; mask && k < K; k++)
            if (mask[k])
                row[k] = (float)(AB_ACC_OUTLIER_GAIN * (double)row[k]);
    }
}

void ab_accuracy_synth_weights(const ab_op *op, uint64_t seed, uint32_t rows, float *w,
                               uint8_t *mask)
{
    const size_t K = (size_t)op->K;
    const uint64_t base = mix(seed, TAG_WEIGHT, ((uint64_t)op->kind << 40) ^ op->N, op->K);
    if (op->kind == AB_OP_GEMM || op->kind == AB_OP_CONV) {
        const ab_synth_params p = ab_synth_defaults();
        for (uint32_t r = 0; r < rows; r++)
            ab_synth_weights(&p, mix(base, r, 0, 0), w + (size_t)r * K, 1, K);
        return;
    }
    if (op->kind == AB_OP_ATTN_QK) /* keys: outlier channels along head_dim (K) */
        outlier_mask(seed, K, mask);
    gaussian_rows(base, rows, K, op->kind == AB_OP_ATTN_QK ? mask : NULL, w);
}

void ab_accuracy_synth_acts(const ab_op *op, uint64_t seed, uint32_t tokens, float *act,
                            uint8_t *mask)
{
    const size_t K = (size_t)op->K;
    const uint64_t base = mix(seed, TAG_ACT, act_class(op->kind), op->K);
    if (op->kind == AB_OP_ATTN_AV) {
        gaussian_rows(base, tokens, K, NULL, act);
        for (uint32_t t = 0; t < tokens; t++) { /* each row a softmax over the context */
            float *p = act + (size_t)t * K;
            double mx = -INFINITY, sum = 0.0;
            for (size_t k = 0; k < K; k++)
                mx = fmax(mx, (double)p[k]);
            for (size_t k = 0; k < K; k++)
                sum += exp((double)p[k] - mx);
            for (size_t k = 0; k < K; k++)
                p[k] = (float)(exp((double)p[k] - mx) / sum);
        }
        return;
    }
    outlier_mask(seed, K, mask);
    gaussian_rows(base, tokens, K, mask, act);
}
