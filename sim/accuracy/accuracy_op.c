/* accuracy_op.c - one op's accuracy estimate (accuracy.h): sampled weight
 * rows quantized by the recipe's quantizer (ab_quantize on the op's spec),
 * calibration activations quantized as the op's act_format says, and the
 * errors of the weights and of the op's output act x W^T.
 *
 * Activations by act_format:
 *   intN / uintN / bin (kernels/act_quant.h): per token, as the integer PEs
 *       quantize them (ab_act_quant_rows), value = decode(code) x scale
 *   MX formats (mxfp8, mxint8, ...): ab_quantize, blocks of 32 along K with
 *       E8M0 scales (the OCP MX rule, kernels/quant_mx.c)
 *   other formats (fp16, bf16, fp32, eXmY): each value rounded to the
 *       format (ab_format_encode / decode), no scale: how the float PEs take
 *       them (a trace stores fp16/bf16/fp32 activations in the format itself)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy_impl.h"
#include "act_quant.h"
#include "quant.h"
#include "workload/trace.h"

/* The most elements one operand of the estimate may hold (rows x K), so
 * that memory stays bounded whatever the op: 2^22 floats (16 MiB); an op
 * with a wider K is refused here (accuracy.c skips it before). */
#define AB_ACC_MAX_ELEMENTS AB_ACCURACY_MAX_K

static int quantize_acts(const ab_op *op, const float *act, uint32_t tokens, size_t K, float *aq,
                         ab_error *err)
{
    ab_format f;
    ab_error e;
    if (ab_format_parse(op->act_format, &f, &e) != 0)
        return ab_error_set(err, "op '%s': act_format: %s", op->name, e.msg);
    const size_t n = (size_t)tokens * K;
    if (ab_act_quant_supports(&f)) {
        int32_t *v = malloc(n * sizeof *v);
        float *scales = malloc(tokens * sizeof *scales);
        int rc = -1;
        if (!v || !scales)
            ab_error_set(err, "op '%s': out of memory for the accuracy estimate", op->name);
        else if (ab_act_quant_rows(&f, act, tokens, K, NULL, v, scales, &e) != 0)
            ab_error_set(err, "op '%s': activations: %s", op->name, e.msg);
        else {
            for (size_t i = 0; i < n; i++)
                aq[i] = (float)((double)v[i] * (double)scales[i / K]);
            rc = 0;
        }
        free(v);
        free(scales);
        return rc;
    }
    if (f.block_size) {
        ab_quant_spec spec;
        memset(&spec, 0, sizeof spec);
        snprintf(spec.format, sizeof spec.format, "%s", f.name);
        spec.granularity = AB_GRAN_GROUP; /* MX: blocks of 32 whatever the spec says */
        spec.group_size = f.block_size;
        spec.scale = AB_SCALE_E8M0;
        ab_quant_result q;
        if (ab_quantize(&spec, act, tokens, K, &q, &e) != 0)
            return ab_error_set(err, "op '%s': activations: %s", op->name, e.msg);
        memcpy(aq, q.dequant, n * sizeof *aq);
        ab_quant_result_free(&q);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        aq[i] = (float)ab_format_decode(&f, ab_format_encode(&f, (double)act[i]));
    return 0;
}

/* sum_k a[k] b[k] in double, four partial sums (the products of floats are
 * exact in double; the order is fixed, so the result is reproducible). */
static double dot(const float *a, const float *b, size_t K)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t k = 0;
    for (; k + 4 <= K; k += 4) {
        s0 += (double)a[k] * (double)b[k];
        s1 += (double)a[k + 1] * (double)b[k + 1];
        s2 += (double)a[k + 2] * (double)b[k + 2];
        s3 += (double)a[k + 3] * (double)b[k + 3];
    }
    for (; k < K; k++)
        s0 += (double)a[k] * (double)b[k];
    return (s0 + s1) + (s2 + s3);
}

static double ratio_db(double signal, double noise)
{
    if (noise == 0.0)
        return INFINITY;
    if (signal == 0.0)
        return -INFINITY;
    return 10.0 * log10(signal / noise);
}

static int finish_operands(const ab_op *op, ab_acc_operands *o, ab_error *err);

void ab_acc_operands_free(ab_acc_operands *o)
{
    free(o->w);
    free(o->act);
    free(o->act_q);
    free(o->ref);
    memset(o, 0, sizeof *o);
}

int ab_acc_operands_make(const ab_op *op, uint32_t rows, uint64_t seed, const float *act,
                         uint32_t tokens, ab_acc_operands *o, ab_error *err)
{
    memset(o, 0, sizeof *o);
    const size_t K = (size_t)op->K;
    if (op->K > AB_ACC_MAX_ELEMENTS)
        return ab_error_set(err, "op '%s': K %llu is wider than the accuracy estimate takes "
                            "(at most %llu; --no-accuracy skips the estimate)", op->name,
                            (unsigned long long)op->K, (unsigned long long)AB_ACC_MAX_ELEMENTS);
    if ((uint64_t)rows > op->N)
        rows = (uint32_t)op->N;
    if ((uint64_t)rows * op->K > AB_ACC_MAX_ELEMENTS)
        rows = (uint32_t)(AB_ACC_MAX_ELEMENTS / op->K);
    if (!act)
        tokens = AB_ACCURACY_TOKENS;
    if ((uint64_t)tokens * op->K > AB_ACC_MAX_ELEMENTS)
        tokens = (uint32_t)(AB_ACC_MAX_ELEMENTS / op->K);
    const size_t nw = (size_t)rows * K, na = (size_t)tokens * K;
    o->rows = rows;
    o->tokens = tokens;
    o->K = K;
    o->activations_source = act ? AB_ACC_TRACE : AB_ACC_SYNTHETIC;
    o->w = malloc(nw * sizeof *o->w);
    o->act = malloc(na * sizeof *o->act);
    o->act_q = malloc(na * sizeof *o->act_q);
    o->ref = malloc((size_t)tokens * rows * sizeof *o->ref);
    uint8_t *mask = malloc(K);
    if (!o->w || !o->act || !o->act_q || !o->ref || !mask) {
        free(mask);
        ab_acc_operands_free(o);
        return ab_error_set(err, "op '%s': out of memory for the accuracy estimate", op->name);
    }
    ab_accuracy_synth_weights(op, seed, rows, o->w, mask);
    if (act)
        memcpy(o->act, act, na * sizeof *o->act);
    else
        ab_accuracy_synth_acts(op, seed, tokens, o->act, mask);
    free(mask);
    return finish_operands(op, o, err);
}

/* o->w and o->act set: the quantized activations, the float outputs and
 * the signal powers; frees o on failure. */
static int finish_operands(const ab_op *op, ab_acc_operands *o, ab_error *err)
{
    const size_t K = o->K, nw = (size_t)o->rows * K;
    const uint32_t rows = o->rows, tokens = o->tokens;
    if (quantize_acts(op, o->act, tokens, K, o->act_q, err) != 0) {
        ab_acc_operands_free(o);
        return -1;
    }
    double wsig = 0.0, osig = 0.0;
    for (size_t i = 0; i < nw; i++)
        wsig += (double)o->w[i] * (double)o->w[i];
    for (uint32_t t = 0; t < tokens; t++)
        for (uint32_t r = 0; r < rows; r++) {
            const double ref = dot(o->act + (size_t)t * K, o->w + (size_t)r * K, K);
            o->ref[(size_t)t * rows + r] = ref;
            osig += ref * ref;
        }
    o->weight_signal = wsig / (double)nw;
    o->output_signal = osig / ((double)tokens * (double)rows);
    return 0;
}

int ab_acc_measure(const ab_op *op, const ab_acc_operands *o, ab_op_accuracy *out,
                   ab_error *err)
{
    memset(out, 0, sizeof *out);
    ab_quant_spec spec;
    ab_error e;
    if (ab_op_quant_spec(op, false, &spec, &e) != 0)
        return ab_error_set(err, "op '%s': scale_format: %s", op->name, e.msg);
    ab_quant_result q;
    if (ab_quantize(&spec, o->w, o->rows, o->K, &q, &e) != 0)
        return ab_error_set(err, "op '%s': %s: %s", op->name,
                            op->kind == AB_OP_GEMM || op->kind == AB_OP_CONV ? "weights"
                                                                             : "kv_cache",
                            e.msg);
    out->rows = o->rows;
    out->tokens = o->tokens;
    out->weights_source = AB_ACC_SYNTHETIC;
    out->activations_source = o->activations_source;
    out->weight_signal = o->weight_signal;
    /* the quantizer's own metrics (quant_metrics.c), as `anybit quant` prints them */
    out->weight_mse = out->weight_noise = q.mse;
    out->weight_sqnr_db = q.sqnr_db;
    double noise = 0.0;
    for (uint32_t t = 0; t < o->tokens; t++)
        for (uint32_t r = 0; r < o->rows; r++) {
            const double got = dot(o->act_q + (size_t)t * o->K, q.dequant + (size_t)r * o->K, o->K);
            const double d = o->ref[(size_t)t * o->rows + r] - got;
            noise += d * d;
        }
    ab_quant_result_free(&q);
    const double outs = (double)o->tokens * (double)o->rows;
    const double sig = o->output_signal * outs;
    out->output_signal = o->output_signal;
    out->output_noise = noise / outs;
    out->output_nmse = ab_accuracy_nmse(sig, noise);
    out->output_sqnr_db = ratio_db(sig, noise);
    out->weight_elements = (double)op->N * (double)op->K * (double)op->count /
                           (double)(op->weight_share ? op->weight_share : 1);
    out->macs = (double)ab_op_macs(op);
    return 0;
}

int ab_accuracy_op(const ab_op *op, uint32_t rows, uint64_t seed, const float *act,
                   uint32_t tokens, ab_accuracy_cache *cache, ab_op_accuracy *out,
                   ab_error *err)
{
    if (!act && cache)
        return ab_acc_cache_measure(cache, op, rows, seed, out, err);
    ab_acc_operands o;
    if (ab_acc_operands_make(op, rows, seed, act, tokens, &o, err) != 0)
        return -1;
    const int rc = ab_acc_measure(op, &o, out, err);
    ab_acc_operands_free(&o);
    return rc;
}

int ab_accuracy_measure(const ab_op *op, const float *w, uint32_t rows, const float *act,
                        uint32_t tokens, ab_accuracy_source act_source, ab_op_accuracy *out,
                        ab_error *err)
{
    ab_acc_operands o;
    memset(&o, 0, sizeof o);
    const size_t K = (size_t)op->K;
    if (rows < 1 || tokens < 1 || rows > op->N || op->K > AB_ACC_MAX_ELEMENTS ||
        (uint64_t)rows * op->K > AB_ACC_MAX_ELEMENTS ||
        (uint64_t)tokens * op->K > AB_ACC_MAX_ELEMENTS)
        return ab_error_set(err, "op '%s': %u weight rows and %u tokens of K %llu: expected 1 to "
                            "N rows, at least one token, at most %llu values each", op->name,
                            rows, tokens, (unsigned long long)op->K,
                            (unsigned long long)AB_ACC_MAX_ELEMENTS);
    o.rows = rows;
    o.tokens = tokens;
    o.K = K;
    o.activations_source = act_source;
    o.w = malloc((size_t)rows * K * sizeof *o.w);
    o.act = malloc((size_t)tokens * K * sizeof *o.act);
    o.act_q = malloc((size_t)tokens * K * sizeof *o.act_q);
    o.ref = malloc((size_t)tokens * rows * sizeof *o.ref);
    if (!o.w || !o.act || !o.act_q || !o.ref) {
        ab_acc_operands_free(&o);
        return ab_error_set(err, "op '%s': out of memory for the accuracy estimate", op->name);
    }
    memcpy(o.w, w, (size_t)rows * K * sizeof *o.w);
    memcpy(o.act, act, (size_t)tokens * K * sizeof *o.act);
    if (finish_operands(op, &o, err) != 0)
        return -1;
    const int rc = ab_acc_measure(op, &o, out, err);
    ab_acc_operands_free(&o);
    return rc;
}
