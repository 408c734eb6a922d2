/* accuracy.h - the quantization error of a recipe on a workload's operands,
 * per op and in total, reported beside cycles and energy
 * (docs/quantization.md "Accuracy beside cost").
 *
 * Per op (out[M][N] = act[M][K] x W[N][K]^T, workload.h):
 *   - the weight-side operand W (weights; the KV cache for attn_qk/attn_av)
 *     of `rows` sampled rows is quantized by ab_quantize with the op's spec
 *     (ab_op_quant_spec: weight format, group size, scale format): the same
 *     code `anybit quant` and `anybit trace gen` run;
 *   - `tokens` calibration rows of act are quantized as the op's act_format
 *     says (kernels/act_quant.h per token for the integer formats, the
 *     format's own rounding for float formats);
 *   - weight signal and noise: mean of W^2 and of (W - Q(W))^2 per element;
 *     output signal and noise: mean of out^2 and of (out - out_q)^2 per
 *     output, out = act x W^T from the float operands, out_q from the
 *     quantized ones, both accumulated in double (so the error is that of
 *     the operand formats, not of the accumulator).
 * Totals (over every op, docs/quantization.md):
 *   weight_mse     = sum_op E_op noise_op / sum_op E_op
 *   weight_sqnr_db = -10 log10(sum_op E_op (noise_op / signal_op) / sum_op E_op)
 *                    (E_op: the op's weight-side elements, N K count/share;
 *                    each op's noise relative to its own signal, so that the
 *                    KV cache's larger values do not drown the weights')
 *   output_nmse    = sum_op macs_op (noise_op / signal_op) / sum_op macs_op
 *                    the `error` scalar to minimize (results.c alias)
 *   output_sqnr_db = -10 log10(output_nmse)
 */
#ifndef AB_ACCURACY_H
#define AB_ACCURACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "workload/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Weight rows sampled per op by default, and the bounds of
 * --accuracy-sample (docs/quantization.md "Estimator and confidence": the
 * default keeps a decode sweep point within 2x of its time without the
 * estimate, bench/bench_accuracy.c). */
#define AB_ACCURACY_SAMPLE_DEFAULT 4u
#define AB_ACCURACY_SAMPLE_MAX 65536u
/* Synthetic calibration tokens per op (and the most rows a trace's
 * activations contribute). */
#define AB_ACCURACY_TOKENS 16u
#define AB_ACCURACY_SEED_DEFAULT 1u

struct ab_safetensors;

typedef struct ab_accuracy_opts {
    bool off;             /* --no-accuracy: nothing estimated */
    uint32_t sample_rows; /* weight rows per op, 1..AB_ACCURACY_SAMPLE_MAX */
    uint64_t seed;
    /* --accuracy-weights: a float checkpoint whose tensors give the weights
     * of the ops they name (accuracy_checkpoint.c); NULL: synthetic */
    const struct ab_safetensors *checkpoint;
} ab_accuracy_opts;

/* On, AB_ACCURACY_SAMPLE_DEFAULT rows, AB_ACCURACY_SEED_DEFAULT. */
ab_accuracy_opts ab_accuracy_defaults(void);

typedef enum ab_accuracy_source {
    AB_ACC_SYNTHETIC = 0,  /* seeded synthetic operands (accuracy_data.c) */
    AB_ACC_TRACE = 1,      /* the trace's own activations */
    AB_ACC_CHECKPOINT = 2, /* a checkpoint's weights (--accuracy-weights) */
} ab_accuracy_source;

/* "synthetic", "trace", "checkpoint" */
const char *ab_accuracy_source_name(ab_accuracy_source s);

/* The rows of op's weights in checkpoint ck (accuracy_checkpoint.c): the
 * tensor named "<op>.weight", "model.<op>.weight", "<op>" or "model.<op>"
 * (HuggingFace's names; a conv's [out][in][kh][kw] is read as [N][K]), of
 * shape N x K; `rows` rows spread evenly over N into *w (malloc'd).  1 when
 * found, 0 when ck names no such tensor (the op keeps synthetic weights;
 * attention ops have none), -1 with err naming the tensor and both shapes
 * when it does not fit the op. */
int ab_accuracy_checkpoint_rows(const struct ab_safetensors *ck, const ab_op *op, uint32_t rows,
                                float **w, ab_error *err);

/* noise / signal: 0 without noise, +inf for noise on a zero signal. */
double ab_accuracy_nmse(double signal, double noise);

typedef struct ab_op_accuracy {
    uint32_t rows, tokens; /* weight rows and activation rows measured */
    ab_accuracy_source weights_source, activations_source;
    double weight_signal, weight_noise; /* per element: mean W^2, mean (W - Q(W))^2 */
    double weight_mse, weight_sqnr_db;  /* noise; 10 log10(signal / noise) */
    double output_signal, output_noise; /* per output element */
    double output_nmse, output_sqnr_db; /* noise / signal; -10 log10(nmse) */
    double weight_elements;             /* of the whole op: N K count / weight_share */
    double macs;
    size_t same_as; /* index of the op whose estimate this one reuses (itself if none) */
    bool skipped;   /* K wider than AB_ACCURACY_MAX_K: not estimated, not in the totals */
} ab_op_accuracy;

/* The widest K the estimate takes (one weight row must fit its bounded
 * buffers); a wider op is skipped and counted, its fields empty. */
#define AB_ACCURACY_MAX_K ((uint64_t)1 << 22)

typedef struct ab_accuracy {
    bool on;
    ab_accuracy_opts opts;
    size_t nops;
    ab_op_accuracy *ops; /* owned, nops entries (the op list's order) */
    size_t estimates;    /* distinct estimates computed */
    size_t skipped;      /* ops too wide to estimate (AB_ACCURACY_MAX_K) */
    double weight_mse, weight_sqnr_db, output_nmse, output_sqnr_db;
    /* "synthetic" (every operand synthetic), "trace" (every op's
     * activations from the trace), "mixed" (some) */
    const char *source;
} ab_accuracy;

struct ab_trace;

/* The synthetic float operands of ops (weights, activations, their float
 * outputs), kept so that every recipe measured on the same shapes reuses
 * them: a sweep's points share one cache, so a point pays only for its own
 * quantization (accuracy_cache.c).  Safe to share between threads. */
typedef struct ab_accuracy_cache ab_accuracy_cache;
ab_accuracy_cache *ab_accuracy_cache_new(void); /* NULL: out of memory */
void ab_accuracy_cache_free(ab_accuracy_cache *c);

/* Estimate every op of `ops` (trace: the trace they came from, whose ops
 * with activations use them; NULL for a zoo workload; cache: NULL for one
 * of the call's own).  With opts->off, *out is {on = false} and nothing
 * runs.  -1 with err when an op's formats cannot be quantized (the message
 * names the op), *out then empty. */
int ab_accuracy_estimate(const ab_op_list *ops, const struct ab_trace *trace,
                         const ab_accuracy_opts *opts, ab_accuracy_cache *cache,
                         ab_accuracy *out, ab_error *err);
void ab_accuracy_free(ab_accuracy *acc);

/* One op (accuracy_op.c): its estimate from `rows` sampled weight rows;
 * act[tokens][K] are the calibration activations (NULL: synthetic ones of
 * `seed`, from the cache when one is given).  Fills everything but
 * same_as. */
int ab_accuracy_op(const ab_op *op, uint32_t rows, uint64_t seed, const float *act,
                   uint32_t tokens, ab_accuracy_cache *cache, ab_op_accuracy *out,
                   ab_error *err);

/* One op measured on given float operands: w[rows][K] (rows of its
 * weight-side operand, 1 <= rows <= N) and act[tokens][K], labelled
 * act_source (the path of real weights, and of the tests). */
int ab_accuracy_measure(const ab_op *op, const float *w, uint32_t rows, const float *act,
                        uint32_t tokens, ab_accuracy_source act_source, ab_op_accuracy *out,
                        ab_error *err);

/* The synthetic operands (accuracy_data.c), seeded by the op's shape only
 * (kind, N, K) so that two recipes are measured on the same values:
 *   weight rows r = 0..rows-1 of W[N][K] (row r has its own seed, so a
 *   larger sample extends a smaller one), and calibration activations
 *   act[tokens][K].  Distributions: docs/quantization.md "Synthetic
 *   operands", docs/references.md#llm-outliers).
 * mask is K bytes of scratch (on return: 1 on the outlier channels used).
 */
void ab_accuracy_synth_weights(const ab_op *op, uint64_t seed, uint32_t rows, float *w,
                               uint8_t *mask);
void ab_accuracy_synth_acts(const ab_op *op, uint64_t seed, uint32_t tokens, float *act,
                            uint8_t *mask);

/* How many outlier channels a K-wide activation has (seeded positions). */
size_t ab_accuracy_outlier_channels(uint64_t K);

#ifdef __cplusplus
}
#endif

#endif
