/* accuracy.c - the accuracy estimate of a whole op list (accuracy.h): each
 * op estimated once per distinct (kind, N, K, formats, group size) as the
 * engine simulates identical ops once, the ops of a trace that carry
 * activations measured on them, and the totals as power-weighted sums. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy/accuracy.h"
#include "workload/trace.h"

ab_accuracy_opts ab_accuracy_defaults(void)
{
    const ab_accuracy_opts o = {false, AB_ACCURACY_SAMPLE_DEFAULT, AB_ACCURACY_SEED_DEFAULT,
                                NULL};
    return o;
}

double ab_accuracy_nmse(double signal, double noise)
{
    if (noise == 0.0)
        return 0.0;
    return signal > 0.0 ? noise / signal : INFINITY;
}

const char *ab_accuracy_source_name(ab_accuracy_source s)
{
    return s == AB_ACC_TRACE ? "trace" : s == AB_ACC_CHECKPOINT ? "checkpoint" : "synthetic";
}

void ab_accuracy_free(ab_accuracy *acc)
{
    free(acc->ops);
    memset(acc, 0, sizeof *acc);
}

/* Two ops whose synthetic estimates are the same numbers: the synthetic
 * operands depend on (kind, N, K) and the quantization on the formats. */
static bool same_estimate(const ab_op *a, const ab_op *b)
{
    return a->kind == b->kind && a->N == b->N && a->K == b->K && a->group_size == b->group_size &&
           strcmp(a->weight_format, b->weight_format) == 0 &&
           strcmp(a->act_format, b->act_format) == 0 &&
           strcmp(a->scale_format, b->scale_format) == 0;
}

/* Up to AB_ACCURACY_TOKENS rows of op i's stored activations, evenly spaced
 * over its M tokens (all of them when M is smaller): *act owned by the
 * caller, NULL when the op stores none. */
static int trace_acts(const ab_trace *t, size_t i, float **act, uint32_t *tokens, ab_error *err)
{
    *act = NULL;
    if (!t || i >= t->nops || t->ops[i].tensor[AB_TROLE_ACTIVATIONS] < 0)
        return 0;
    const ab_op *op = &t->ops[i].op;
    const size_t M = (size_t)op->M, K = (size_t)op->K;
    const size_t T = M < AB_ACCURACY_TOKENS ? M : AB_ACCURACY_TOKENS;
    float *all = malloc(M * K * sizeof *all);
    float *sel = malloc(T * K * sizeof *sel);
    if (!all || !sel) {
        free(all);
        free(sel);
        return ab_error_set(err, "op '%s': out of memory for its activations", op->name);
    }
    if (ab_trace_activations(t, i, all, err) != 0) {
        free(all);
        free(sel);
        return -1;
    }
    for (size_t j = 0; j < T; j++)
        memcpy(sel + j * K, all + (j * M / T) * K, K * sizeof *sel);
    free(all);
    *act = sel;
    *tokens = (uint32_t)T;
    return 0;
}

static int estimate(const ab_op_list *ops, const ab_trace *trace, const ab_accuracy_opts *opts,
                    ab_accuracy_cache *cache, ab_accuracy *out, ab_error *err);

int ab_accuracy_estimate(const ab_op_list *ops, const ab_trace *trace,
                         const ab_accuracy_opts *opts, ab_accuracy_cache *cache,
                         ab_accuracy *out, ab_error *err)
{
    if (cache || opts->off)
        return estimate(ops, trace, opts, cache, out, err);
    ab_accuracy_cache *own = ab_accuracy_cache_new(); /* shapes repeat within a run too */
    if (!own)
        return ab_error_set(err, "out of memory for the accuracy estimate");
    const int rc = estimate(ops, trace, opts, own, out, err);
    ab_accuracy_cache_free(own);
    return rc;
}

static int estimate(const ab_op_list *ops, const ab_trace *trace, const ab_accuracy_opts *opts,
                    ab_accuracy_cache *cache, ab_accuracy *out, ab_error *err)
{
    memset(out, 0, sizeof *out);
    out->opts = *opts;
    out->source = "synthetic";
    if (opts->off)
        return 0;
    if (opts->sample_rows < 1 || opts->sample_rows > AB_ACCURACY_SAMPLE_MAX)
        return ab_error_set(err, "accuracy sample: expected 1 to %u rows per op, found %u",
                            AB_ACCURACY_SAMPLE_MAX, opts->sample_rows);
    out->ops = calloc(ops->n ? ops->n : 1, sizeof *out->ops);
    if (!out->ops)
        return ab_error_set(err, "out of memory for the accuracy estimate");
    out->on = true;
    out->nops = ops->n;
    size_t from_trace = 0, from_checkpoint = 0;
    for (size_t i = 0; i < ops->n; i++) {
        const ab_op *op = &ops->ops[i];
        float *act = NULL;
        uint32_t tokens = 0;
        if (trace_acts(trace, i, &act, &tokens, err) != 0) {
            ab_accuracy_free(out);
            return -1;
        }
        ab_op_accuracy *a = &out->ops[i];
        if (op->K > AB_ACCURACY_MAX_K) {
            a->skipped = true;
            a->same_as = i;
            out->skipped++;
            continue;
        }
        /* real weights from a checkpoint: this op's own tensor */
        float *w = NULL;
        const int found =
            opts->checkpoint
                ? ab_accuracy_checkpoint_rows(opts->checkpoint, op, opts->sample_rows, &w, err)
                : 0;
        if (found < 0) {
            free(act);
            ab_accuracy_free(out);
            return -1;
        }
        if (found) {
            float *syn = NULL;
            uint32_t ntok = tokens;
            if (!act) { /* the op's synthetic calibration tokens */
                ntok = AB_ACCURACY_TOKENS;
                syn = malloc((size_t)ntok * (size_t)op->K * sizeof *syn);
                uint8_t *mask = malloc((size_t)op->K);
                if (syn && mask)
                    ab_accuracy_synth_acts(op, opts->seed, ntok, syn, mask);
                free(mask);
                if (!syn || !mask) {
                    free(syn);
                    free(w);
                    ab_accuracy_free(out);
                    return ab_error_set(err, "op '%s': out of memory for the accuracy estimate",
                                        op->name);
                }
            }
            const uint32_t nrows = opts->sample_rows < op->N ? opts->sample_rows : (uint32_t)op->N;
            const int rc = ab_accuracy_measure(op, w, nrows, act ? act : syn, ntok,
                                               act ? AB_ACC_TRACE : AB_ACC_SYNTHETIC, a, err);
            free(w);
            free(syn);
            free(act);
            if (rc != 0) {
                ab_accuracy_free(out);
                return -1;
            }
            a->weights_source = AB_ACC_CHECKPOINT;
            a->same_as = i;
            out->estimates++;
            from_checkpoint++;
            from_trace += a->activations_source == AB_ACC_TRACE;
            continue;
        }
        size_t j = 0;
        if (!act)
            for (; j < i; j++)
                if (!out->ops[j].skipped && out->ops[j].activations_source == AB_ACC_SYNTHETIC &&
                    out->ops[j].weights_source == AB_ACC_SYNTHETIC &&
                    same_estimate(op, &ops->ops[j]))
                    break;
        if (!act && j < i) {
            *a = out->ops[j];
            a->same_as = out->ops[j].same_as;
            a->weight_elements = (double)op->N * (double)op->K * (double)op->count /
                                 (double)(op->weight_share ? op->weight_share : 1);
            a->macs = (double)ab_op_macs(op);
            continue;
        }
        const int rc =
            ab_accuracy_op(op, opts->sample_rows, opts->seed, act, tokens, cache, a, err);
        free(act);
        if (rc != 0) {
            ab_accuracy_free(out);
            return -1;
        }
        a->same_as = i;
        out->estimates++;
        from_trace += a->activations_source == AB_ACC_TRACE;
    }
    double e = 0, e_noise = 0, e_nmse = 0, macs = 0, macs_nmse = 0;
    for (size_t i = 0; i < ops->n; i++) {
        const ab_op_accuracy *a = &out->ops[i];
        if (a->skipped)
            continue;
        e += a->weight_elements;
        e_noise += a->weight_elements * a->weight_noise;
        e_nmse += a->weight_elements * ab_accuracy_nmse(a->weight_signal, a->weight_noise);
        macs += a->macs;
        macs_nmse += a->macs * a->output_nmse;
    }
    if (e == 0) { /* every op skipped: no estimate */
        out->weight_mse = out->weight_sqnr_db = out->output_nmse = out->output_sqnr_db = NAN;
        return 0;
    }
    out->weight_mse = e > 0 ? e_noise / e : 0;
    out->weight_sqnr_db = e_nmse > 0 ? -10.0 * log10(e_nmse / e) : INFINITY;
    out->output_nmse = macs > 0 ? macs_nmse / macs : 0;
    out->output_sqnr_db = out->output_nmse > 0 ? -10.0 * log10(out->output_nmse) : INFINITY;
    if (from_trace)
        out->source = from_trace == out->estimates ? "trace" : "mixed";
    if (from_checkpoint) /* its weights on some ops: what the numbers rest on */
        out->source = from_checkpoint == out->estimates && !from_trace ? "checkpoint" : "mixed";
    return 0;
}
