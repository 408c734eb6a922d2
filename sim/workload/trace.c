/* trace.c - reading, validating and writing anybit traces (trace.h,
 * docs/trace-format.md).
 *
 * The reader trusts nothing: the safetensors layer checks the container
 * (header length, offsets, overlaps, dtypes), this file checks the anybit
 * header field by field and every tensor an op names against what the op's
 * shape and formats imply, including the contents an index is taken from
 * (type ids, padding bits), so later code can index without checks.
 */
#include "trace.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_quant.h"
#include "gemm.h"
#include "parallel.h"
#include "pack.h"

static const char *const role_names[AB_TROLE_COUNT] = {
    "weight_codes", "scales", "row_scales", "type_ids", "zero_points", "activations", "outputs",
};

const char *ab_trace_role_name(ab_trace_role r)
{
    return (unsigned)r < AB_TROLE_COUNT ? role_names[r] : "?";
}

/* ---- what an op's formats imply for its tensors ------------------------ */

/* The quantization layout an op's weight side has; resolved from names the
 * same way the quantizer resolves them, so writer and reader agree. */
typedef struct wq_info {
    uint8_t ncand;
    ab_selector selector;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    unsigned code_bits; /* widest candidate: the packed width */
    ab_scale_kind scale;
    uint8_t scale_bits;
    uint64_t groups; /* per row */
    bool mx;
} wq_info;

/* Candidate formats of a weight format or selector name, as the quantizer
 * resolves them, so writer and reader agree. */
static int resolve_weight_format(const char *name, wq_info *wi, ab_error *err)
{
    if (ab_quant_candidates(name, &wi->selector, wi->cand, &wi->ncand, err) != 0)
        return -1;
    wi->code_bits = 0;
    for (unsigned c = 0; c < wi->ncand; c++)
        if (wi->cand[c].bits > wi->code_bits)
            wi->code_bits = wi->cand[c].bits;
    wi->mx = wi->selector == AB_SELECT_NONE && wi->cand[0].block_size != 0;
    return 0;
}

/* Layout of op o's weights; fails when the op cannot carry values. */
static int op_wq_info(const ab_trace_op *o, wq_info *wi, ab_error *err)
{
    ab_error e2;
    if (resolve_weight_format(o->op.weight_format, wi, &e2) != 0)
        return ab_error_set(err, "weight_format: %s", e2.msg);
    if (ab_scale_parse(o->op.scale_format, &wi->scale, &wi->scale_bits, &e2) != 0)
        return ab_error_set(err, "scale_format: %s", e2.msg);
    if (wi->mx) {
        wi->scale = AB_SCALE_E8M0;
        wi->scale_bits = 8;
        wi->groups = o->op.K / wi->cand[0].block_size;
    } else {
        wi->groups = o->op.group_size ? o->op.K / o->op.group_size : 1;
    }
    return 0;
}

static ab_dtype scale_dtype(const wq_info *wi)
{
    switch (wi->scale) {
    case AB_SCALE_FP32: return AB_DTYPE_F32;
    case AB_SCALE_FP16: return AB_DTYPE_F16;
    case AB_SCALE_E8M0: return AB_DTYPE_U8;
    case AB_SCALE_INTK: default: return wi->scale_bits <= 8 ? AB_DTYPE_U8 : AB_DTYPE_U16;
    }
}

int ab_trace_act_storage(const char *act_format, ab_dtype *dtype, bool *pe_quantized)
{
    *pe_quantized = false;
    if (strcmp(act_format, "fp16") == 0) {
        *dtype = AB_DTYPE_F16;
    } else if (strcmp(act_format, "bf16") == 0) {
        *dtype = AB_DTYPE_BF16;
    } else if (strcmp(act_format, "fp32") == 0) {
        *dtype = AB_DTYPE_F32;
    } else {
        /* format 1.1: integer formats are stored as the floats the PE
         * quantizes itself (act_quant.h) */
        ab_format f;
        if (ab_format_parse(act_format, &f, NULL) != 0 || !ab_act_quant_supports(&f))
            return -1;
        *dtype = AB_DTYPE_F32;
        *pe_quantized = true;
    }
    return 0;
}

double ab_trace_act_bytes(const ab_op *op)
{
    ab_format f;
    const unsigned bits = ab_format_parse(op->act_format, &f, NULL) == 0 ? f.bits : 16u;
    return (double)op->M * (double)op->K * (double)op->count * (double)bits / 8.0;
}

/* ---- building a trace in memory ---------------------------------------- */

int ab_trace_init(ab_trace *t, const char *model, const char *phase, const char *recipe,
                  uint32_t batch, ab_error *err)
{
    memset(t, 0, sizeof *t);
    t->version_major = AB_TRACE_VERSION_MAJOR;
    t->version_minor = AB_TRACE_VERSION_MINOR;
    t->batch = batch;
    t->model = strdup(model ? model : "");
    t->phase = strdup(phase ? phase : "");
    t->recipe = strdup(recipe ? recipe : "");
    if (!t->model || !t->phase || !t->recipe) {
        ab_trace_free(t);
        return ab_error_set(err, "out of memory");
    }
    return 0;
}

void ab_trace_free(ab_trace *t)
{
    if (!t)
        return;
    free(t->model);
    free(t->phase);
    free(t->recipe);
    free(t->values_json);
    free(t->ops);
    for (size_t i = 0; i < t->ntensors; i++) {
        free(t->tensors[i].name);
        free(t->tensors[i].owned);
    }
    free(t->tensors);
    if (t->has_st)
        ab_safetensors_free(&t->st);
    memset(t, 0, sizeof *t);
}

int ab_trace_add_op(ab_trace *t, const ab_op *op, ab_error *err)
{
    if (t->nops == t->cap_ops) {
        const size_t cap = t->cap_ops ? 2 * t->cap_ops : 64;
        ab_trace_op *p = realloc(t->ops, cap * sizeof *p);
        if (!p)
            return ab_error_set(err, "out of memory");
        t->ops = p;
        t->cap_ops = cap;
    }
    ab_trace_op *o = &t->ops[t->nops++];
    memset(o, 0, sizeof *o);
    o->op = *op;
    for (int r = 0; r < AB_TROLE_COUNT; r++)
        o->tensor[r] = -1;
    return 0;
}

/* Append a tensor; takes ownership of data (freed here on failure). */
static int add_tensor(ab_trace *t, size_t op, ab_trace_role role, ab_dtype dtype, size_t d0,
                      size_t d1, size_t ndim, uint8_t *data, ab_error *err)
{
    if (t->ntensors == t->cap_tensors) {
        const size_t cap = t->cap_tensors ? 2 * t->cap_tensors : 16;
        ab_trace_tensor *p = realloc(t->tensors, cap * sizeof *p);
        if (!p) {
            free(data);
            return ab_error_set(err, "out of memory");
        }
        t->tensors = p;
        t->cap_tensors = cap;
    }
    const size_t len = strlen(t->ops[op].op.name) + strlen(role_names[role]) + 2;
    char *name = malloc(len);
    if (!name) {
        free(data);
        return ab_error_set(err, "out of memory");
    }
    snprintf(name, len, "%s.%s", t->ops[op].op.name, role_names[role]);
    ab_trace_tensor *e = &t->tensors[t->ntensors];
    memset(e, 0, sizeof *e);
    e->name = name;
    e->dtype = dtype;
    e->ndim = ndim;
    e->shape[0] = d0;
    e->shape[1] = d1;
    e->nbytes = (ndim == 2 ? d0 * d1 : d0) * ab_dtype_size(dtype);
    e->owned = data;
    e->data = data;
    t->ops[op].tensor[role] = (int32_t)t->ntensors++;
    return 0;
}

static void put_u16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint32_t get_u16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    put_u32(p, u);
}

static float get_f32(const uint8_t *p)
{
    const uint32_t u = get_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int set_weights(ab_trace *t, size_t i, const wq_info *wi, const ab_quant_result *q,
                       bool asymmetric, ab_error *err)
{
    const size_t N = (size_t)t->ops[i].op.N, K = (size_t)t->ops[i].op.K, G = (size_t)wi->groups;
    const size_t rb = ab_pack_row_bytes(K, wi->code_bits);
    uint8_t *codes = malloc(N * rb);
    if (!codes)
        return ab_error_set(err, "out of memory");
    for (size_t n = 0; n < N; n++)
        ab_pack_row(q->codes + n * K, K, wi->code_bits, codes + n * rb);
    if (add_tensor(t, i, AB_TROLE_WEIGHT_CODES, AB_DTYPE_U8, N, rb, 2, codes, err) != 0)
        return -1;

    const ab_dtype sd = scale_dtype(wi);
    const size_t ss = ab_dtype_size(sd);
    uint8_t *sc = malloc(N * G * ss);
    if (!sc)
        return ab_error_set(err, "out of memory");
    for (size_t s = 0; s < N * G; s++) {
        const uint32_t c = q->scale_codes[s];
        if (ss == 1)
            sc[s] = (uint8_t)c;
        else if (ss == 2)
            put_u16(sc + 2 * s, c);
        else
            put_u32(sc + 4 * s, c); /* FP32: the scale's bits */
    }
    if (add_tensor(t, i, AB_TROLE_SCALES, sd, N, G, 2, sc, err) != 0)
        return -1;

    if (wi->scale == AB_SCALE_INTK) {
        ab_format fp16;
        if (ab_format_parse("fp16", &fp16, err) != 0)
            return -1;
        uint8_t *rs = malloc(N * 2);
        if (!rs)
            return ab_error_set(err, "out of memory");
        for (size_t n = 0; n < N; n++)
            put_u16(rs + 2 * n, ab_format_encode(&fp16, (double)q->row_scales[n]));
        if (add_tensor(t, i, AB_TROLE_ROW_SCALES, AB_DTYPE_F16, N, 0, 1, rs, err) != 0)
            return -1;
    }
    if (wi->ncand > 1) {
        uint8_t *ti = malloc(N * G);
        if (!ti)
            return ab_error_set(err, "out of memory");
        memcpy(ti, q->type_ids, N * G);
        if (add_tensor(t, i, AB_TROLE_TYPE_IDS, AB_DTYPE_U8, N, G, 2, ti, err) != 0)
            return -1;
    }
    if (asymmetric) {
        const ab_dtype zd = wi->code_bits <= 8 ? AB_DTYPE_U8 : AB_DTYPE_U16;
        uint8_t *zp = malloc(N * G * ab_dtype_size(zd));
        if (!zp)
            return ab_error_set(err, "out of memory");
        for (size_t s = 0; s < N * G; s++) {
            if (zd == AB_DTYPE_U8)
                zp[s] = (uint8_t)q->zero_points[s];
            else
                put_u16(zp + 2 * s, (uint32_t)q->zero_points[s]);
        }
        if (add_tensor(t, i, AB_TROLE_ZERO_POINTS, zd, N, G, 2, zp, err) != 0)
            return -1;
    }
    return 0;
}

static int set_activations(ab_trace *t, size_t i, const float *act, ab_error *err)
{
    const ab_op *op = &t->ops[i].op;
    const size_t M = (size_t)op->M, K = (size_t)op->K, N = (size_t)op->N;
    ab_dtype d;
    bool pe_quantized;
    if (ab_trace_act_storage(op->act_format, &d, &pe_quantized) != 0)
        return ab_error_set(err, "op '%s': act_format '%s' cannot carry activation values in "
                            "trace format %s (fp16, bf16, fp32, or intN / uintN / bin stored as "
                            "floats)", op->name, op->act_format, AB_TRACE_VERSION);
    const size_t es = ab_dtype_size(d);
    uint8_t *a = malloc(M * K * es);
    if (!a)
        return ab_error_set(err, "out of memory");
    if (d == AB_DTYPE_F32) {
        for (size_t k = 0; k < M * K; k++)
            put_f32(a + 4 * k, act[k]);
    } else {
        ab_format f;
        if (ab_format_parse(op->act_format, &f, err) != 0) {
            free(a);
            return -1;
        }
        for (size_t k = 0; k < M * K; k++)
            put_u16(a + 2 * k, ab_format_encode(&f, (double)act[k]));
    }
    if (add_tensor(t, i, AB_TROLE_ACTIVATIONS, d, M, K, 2, a, err) != 0)
        return -1;

    /* expected outputs from what a reader reconstructs, not from q->dequant
     * or act: the file must be self-consistent */
    float *w = malloc(N * K * sizeof *w);
    float *x = malloc(M * K * sizeof *x);
    uint8_t *out = malloc(M * N * 4);
    float *o = malloc(M * N * sizeof *o);
    int rc = -1;
    if (!w || !x || !out || !o) {
        ab_error_set(err, "out of memory");
    } else if (ab_trace_dequant_weights(t, i, w, err) == 0 &&
               ab_trace_activations(t, i, x, err) == 0) {
        ab_gemm_ref(x, w, o, M, N, K);
        for (size_t k = 0; k < M * N; k++)
            put_f32(out + 4 * k, o[k]);
        rc = add_tensor(t, i, AB_TROLE_OUTPUTS, AB_DTYPE_F32, M, N, 2, out, err);
        out = NULL;
    }
    free(w);
    free(x);
    free(out);
    free(o);
    return rc;
}

int ab_trace_set_values(ab_trace *t, size_t i, const ab_quant_result *q, bool asymmetric,
                        const float *act, ab_error *err)
{
    if (i >= t->nops)
        return ab_error_set(err, "op index %zu out of range (%zu ops)", i, t->nops);
    ab_trace_op *o = &t->ops[i];
    const ab_op *op = &o->op;
    for (int r = 0; r < AB_TROLE_COUNT; r++)
        if (o->tensor[r] >= 0)
            return ab_error_set(err, "op '%s' already has values", op->name);
    if (op->kind != AB_OP_GEMM && op->kind != AB_OP_CONV)
        return ab_error_set(err, "op '%s': values for %s ops are not part of trace format 1.x",
                            op->name, ab_op_kind_name(op->kind));
    wq_info wi;
    ab_error e2;
    if (op_wq_info(o, &wi, &e2) != 0)
        return ab_error_set(err, "op '%s': %s", op->name, e2.msg);
    if (wi.selector == AB_SELECT_OLIVE)
        return ab_error_set(err, "op '%s': OliVe weights (outlier masks) are not part of trace "
                            "format 1.x; write the op shapes-only", op->name);
    if (q->rows != op->N || q->cols != op->K || q->groups_per_row != wi.groups ||
        q->ncandidates != wi.ncand || (wi.scale == AB_SCALE_INTK) != (q->row_scales != NULL) ||
        asymmetric != (q->zero_points != NULL))
        return ab_error_set(err, "op '%s': quantized weights (%zu x %zu, %zu groups per row) do "
                            "not match the op (N %llu, K %llu, %llu groups, formats %s/%s)",
                            op->name, q->rows, q->cols, q->groups_per_row,
                            (unsigned long long)op->N, (unsigned long long)op->K,
                            (unsigned long long)wi.groups, op->weight_format, op->scale_format);
    o->asymmetric = asymmetric;
    o->outlier_unit = q->outlier_unit;
    const size_t first = t->ntensors;
    int rc = set_weights(t, i, &wi, q, asymmetric, err);
    if (rc == 0 && act)
        rc = set_activations(t, i, act, err);
    if (rc != 0) { /* leave the op shapes-only again */
        for (size_t k = first; k < t->ntensors; k++) {
            free(t->tensors[k].name);
            free(t->tensors[k].owned);
        }
        t->ntensors = first;
        for (int r = 0; r < AB_TROLE_COUNT; r++)
            o->tensor[r] = -1;
    }
    return rc;
}

bool ab_trace_op_has_values(const ab_trace *t, size_t i)
{
    return i < t->nops && t->ops[i].tensor[AB_TROLE_WEIGHT_CODES] >= 0;
}

/* ---- reconstruction from stored tensors -------------------------------- */

static double to_float_sat(double v)
{
    /* same saturation as the quantizer's dequant (quant_impl.h) */
    return v > FLT_MAX ? FLT_MAX : v < -FLT_MAX ? -FLT_MAX : v;
}

int ab_trace_dequant_weights(const ab_trace *t, size_t i, float *w, ab_error *err)
{
    if (!ab_trace_op_has_values(t, i))
        return ab_error_set(err, "op %zu has no weight values", i);
    return ab_trace_dequant_weight_rows(t, i, 0, (size_t)t->ops[i].op.N, w, err);
}

int ab_trace_dequant_weight_rows(const ab_trace *t, size_t i, size_t n0, size_t n1, float *w,
                                 ab_error *err)
{
    if (!ab_trace_op_has_values(t, i))
        return ab_error_set(err, "op %zu has no weight values", i);
    const ab_trace_op *o = &t->ops[i];
    const size_t N = (size_t)o->op.N, K = (size_t)o->op.K;
    if (n0 > n1 || n1 > N)
        return ab_error_set(err, "op '%s': rows %zu..%zu outside 0..%zu", o->op.name, n0, n1, N);
    wq_info wi;
    ab_error e2;
    if (op_wq_info(o, &wi, &e2) != 0)
        return ab_error_set(err, "op '%s': %s", o->op.name, e2.msg);
    const size_t G = (size_t)wi.groups, glen = K / G;
    const ab_trace_tensor *codes = &t->tensors[o->tensor[AB_TROLE_WEIGHT_CODES]];
    const ab_trace_tensor *sc = &t->tensors[o->tensor[AB_TROLE_SCALES]];
    const ab_trace_tensor *rs =
        o->tensor[AB_TROLE_ROW_SCALES] >= 0 ? &t->tensors[o->tensor[AB_TROLE_ROW_SCALES]] : NULL;
    const ab_trace_tensor *ti =
        o->tensor[AB_TROLE_TYPE_IDS] >= 0 ? &t->tensors[o->tensor[AB_TROLE_TYPE_IDS]] : NULL;
    const ab_trace_tensor *zp =
        o->tensor[AB_TROLE_ZERO_POINTS] >= 0 ? &t->tensors[o->tensor[AB_TROLE_ZERO_POINTS]] : NULL;
    ab_format e8m0;
    if (ab_format_parse("e8m0", &e8m0, err) != 0)
        return -1;
    uint32_t *row = malloc(K * sizeof *row);
    if (!row)
        return ab_error_set(err, "out of memory");
    /* each candidate's code values, decoded once (codes of at most 8 bits) */
    double lut[AB_QUANT_MAX_CANDIDATES][256];
    const bool use_lut = wi.code_bits <= 8;
    for (size_t c = 0; use_lut && c < wi.ncand; c++)
        for (uint32_t code = 0; code < (1u << wi.code_bits); code++)
            lut[c][code] = ab_format_decode(&wi.cand[c], code);
    const size_t rb = ab_pack_row_bytes(K, wi.code_bits);
    const size_t ss = ab_dtype_size(sc->dtype);
    for (size_t n = n0; n < n1; n++) {
        ab_unpack_row(codes->data + n * rb, K, wi.code_bits, row);
        for (size_t g = 0; g < G; g++) {
            const size_t s = n * G + g;
            const uint8_t *p = sc->data + s * ss;
            double scale;
            switch (wi.scale) {
            case AB_SCALE_FP32: scale = (double)get_f32(p); break;
            case AB_SCALE_FP16: scale = (double)ab_half_to_float((uint16_t)get_u16(p)); break;
            case AB_SCALE_E8M0: scale = ab_format_decode(&e8m0, p[0]); break;
            case AB_SCALE_INTK:
            default:
                scale = (double)(ss == 1 ? p[0] : get_u16(p)) *
                        (double)ab_half_to_float((uint16_t)get_u16(rs->data + 2 * n));
                break;
            }
            const size_t cand = ti ? ti->data[s] : 0;
            const ab_format *f = &wi.cand[cand];
            double z = 0.0;
            if (zp)
                z = (double)(zp->dtype == AB_DTYPE_U8 ? zp->data[s] : get_u16(zp->data + 2 * s));
            float *wn = w + (n - n0) * K;
            if (!zp && use_lut && ((size_t)1 << wi.code_bits) * 4 <= glen) {
                /* few codes, many weights: each code's value at this scale
                 * once (the same double product, the same rounding) */
                float val[256];
                const uint32_t ncodes = 1u << wi.code_bits;
                for (uint32_t c = 0; c < ncodes; c++)
                    val[c] = (float)to_float_sat(lut[cand][c] * scale);
                for (size_t k = g * glen; k < (g + 1) * glen; k++)
                    wn[k] = val[row[k] & (ncodes - 1u)];
                continue;
            }
            for (size_t k = g * glen; k < (g + 1) * glen; k++) {
                const double v = zp        ? ((double)row[k] - z) * scale
                                 : use_lut ? lut[cand][row[k] & 0xffu] * scale
                                           : ab_format_decode(f, row[k]) * scale;
                wn[k] = (float)to_float_sat(v);
            }
        }
    }
    free(row);
    return 0;
}

int ab_trace_activations(const ab_trace *t, size_t i, float *act, ab_error *err)
{
    if (i >= t->nops || t->ops[i].tensor[AB_TROLE_ACTIVATIONS] < 0)
        return ab_error_set(err, "op %zu has no activations", i);
    const ab_trace_tensor *a = &t->tensors[t->ops[i].tensor[AB_TROLE_ACTIVATIONS]];
    const size_t n = (size_t)(t->ops[i].op.M * t->ops[i].op.K);
    for (size_t k = 0; k < n; k++) {
        switch (a->dtype) {
        case AB_DTYPE_F16: act[k] = ab_half_to_float((uint16_t)get_u16(a->data + 2 * k)); break;
        case AB_DTYPE_BF16: act[k] = ab_bf16_to_float((uint16_t)get_u16(a->data + 2 * k)); break;
        default: act[k] = get_f32(a->data + 4 * k); break;
        }
    }
    return 0;
}

/* The reference outputs of weight rows n0 .. n1-1 (one job of
 * ab_trace_reference_outputs): their dequantized weights, the reference
 * GEMM on them, written into columns n0 .. n1-1 of y[M][N]. */
typedef struct ref_job {
    const ab_trace *t;
    size_t i, n0, n1;
    const float *x; /* activations [M][K] */
    float *y;
    int rc;
    ab_error err;
} ref_job;

/* Rows at a time dequantized into a buffer of about this many bytes. */
#define REF_CHUNK_BYTES ((size_t)1 << 20)

static void *ref_job_run(void *arg)
{
    ref_job *j = arg;
    const ab_op *op = &j->t->ops[j->i].op;
    const size_t M = (size_t)op->M, N = (size_t)op->N, K = (size_t)op->K;
    size_t rows = K ? REF_CHUNK_BYTES / (K * sizeof(float)) : 1;
    rows = rows < 1 ? 1 : rows;
    float *wt = malloc((rows * K > 0 ? rows * K : 1) * sizeof *wt);
    float *part = malloc((M * rows > 0 ? M * rows : 1) * sizeof *part);
    j->rc = 0;
    if (!wt || !part)
        j->rc = ab_error_set(&j->err, "op '%s': out of memory", op->name);
    /* a chunk of rows at a time: each output is its own row's dot product */
    for (size_t r0 = j->n0; j->rc == 0 && r0 < j->n1; r0 += rows) {
        const size_t w = j->n1 - r0 < rows ? j->n1 - r0 : rows;
        j->rc = ab_trace_dequant_weight_rows(j->t, j->i, r0, r0 + w, wt, &j->err);
        if (j->rc != 0)
            break;
        ab_gemm_ref(j->x, wt, part, M, w, K);
        for (size_t m = 0; m < M; m++)
            memcpy(j->y + m * N + r0, part + m * w, w * sizeof *part);
    }
    free(wt);
    free(part);
    return NULL;
}

int ab_trace_reference_outputs(const ab_trace *t, size_t i, unsigned jobs, float *y,
                               ab_error *err)
{
    if (!ab_trace_op_has_values(t, i))
        return ab_error_set(err, "op %zu has no weight values", i);
    const ab_trace_op *o = &t->ops[i];
    const size_t M = (size_t)o->op.M, N = (size_t)o->op.N, K = (size_t)o->op.K;
    jobs = ab_parallel_jobs(jobs, N);
    float *x = malloc((M * K > 0 ? M * K : 1) * sizeof *x);
    ref_job *job = calloc(jobs, sizeof *job);
    int rc = -1;
    if (!x || !job)
        ab_error_set(err, "op '%s': out of memory", o->op.name);
    else if (ab_trace_activations(t, i, x, err) == 0) {
        for (unsigned j = 0; j < jobs; j++)
            job[j] = (ref_job){.t = t, .i = i, .x = x, .y = y,
                               .n0 = N * j / jobs, .n1 = N * (j + 1) / jobs};
        ab_parallel_run(job, sizeof *job, jobs, ref_job_run);
        rc = 0;
        for (unsigned j = 0; j < jobs && rc == 0; j++)
            if (job[j].rc != 0) {
                rc = -1;
                if (err)
                    *err = job[j].err;
            }
    }
    free(x);
    free(job);
    return rc;
}

int ab_trace_check_outputs(const ab_trace *t, size_t i, ab_trace_outputs_check *c,
                           ab_error *err)
{
    return ab_trace_check_outputs_jobs(t, i, 1, c, err);
}

int ab_trace_check_outputs_jobs(const ab_trace *t, size_t i, unsigned jobs,
                                ab_trace_outputs_check *c, ab_error *err)
{
    memset(c, 0, sizeof *c);
    if (i >= t->nops || t->ops[i].tensor[AB_TROLE_OUTPUTS] < 0)
        return ab_error_set(err, "op %zu stores no expected outputs", i);
    const ab_trace_op *o = &t->ops[i];
    const size_t M = (size_t)o->op.M, N = (size_t)o->op.N;
    float *y = malloc((M * N > 0 ? M * N : 1) * sizeof *y);
    if (!y)
        return ab_error_set(err, "op '%s': out of memory", o->op.name);
    const int rc = ab_trace_reference_outputs(t, i, jobs, y, err);
    if (rc == 0) {
        const uint8_t *stored = t->tensors[o->tensor[AB_TROLE_OUTPUTS]].data;
        c->outputs = M * N;
        for (size_t k = 0; k < M * N; k++) {
            const float e = get_f32(stored + 4 * k);
            if (memcmp(&e, &y[k], sizeof e) == 0)
                continue;
            if (c->mismatches++ == 0) {
                c->first = k;
                c->first_stored = e;
                c->first_reference = y[k];
            }
            const double d = fabs((double)e - (double)y[k]);
            c->max_abs_diff = isnan(d) ? INFINITY : fmax(c->max_abs_diff, d);
        }
    }
    free(y);
    return rc;
}

/* ---- writing ------------------------------------------------------------ */

cJSON *ab_trace_op_json(const ab_trace *t, size_t i)
{
    const ab_trace_op *o = &t->ops[i];
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    const ab_op *op = &o->op;
    cJSON_AddStringToObject(j, "name", op->name);
    cJSON_AddStringToObject(j, "kind", ab_op_kind_name(op->kind));
    cJSON_AddNumberToObject(j, "M", (double)op->M);
    cJSON_AddNumberToObject(j, "N", (double)op->N);
    cJSON_AddNumberToObject(j, "K", (double)op->K);
    cJSON_AddNumberToObject(j, "count", (double)op->count);
    cJSON_AddNumberToObject(j, "weight_share", (double)op->weight_share);
    cJSON_AddStringToObject(j, "weight_format", op->weight_format);
    cJSON_AddStringToObject(j, "act_format", op->act_format);
    cJSON_AddStringToObject(j, "acc_format", op->acc_format);
    cJSON_AddStringToObject(j, "scale_format", op->scale_format);
    cJSON_AddNumberToObject(j, "group_size", (double)op->group_size);
    if (o->asymmetric)
        cJSON_AddBoolToObject(j, "asymmetric", 1);
    if (o->outlier_unit != 0.0)
        cJSON_AddNumberToObject(j, "outlier_unit", o->outlier_unit);
    cJSON *tens = cJSON_AddObjectToObject(j, "tensors");
    for (int r = 0; r < AB_TROLE_COUNT; r++)
        if (o->tensor[r] >= 0)
            cJSON_AddStringToObject(tens, role_names[r], t->tensors[o->tensor[r]].name);
    return j;
}

/* The lowest minor version that holds t: 1 when an op carries activations
 * the PE quantizes itself (added in 1.1), else 0, so that a trace without
 * them stays a 1.0 file, byte for byte what earlier writers produced. */
static unsigned written_minor(const ab_trace *t)
{
    for (size_t i = 0; i < t->nops; i++) {
        ab_dtype d;
        bool pe_quantized;
        if (t->ops[i].tensor[AB_TROLE_ACTIVATIONS] >= 0 &&
            ab_trace_act_storage(t->ops[i].op.act_format, &d, &pe_quantized) == 0 && pe_quantized)
            return 1;
    }
    return 0;
}

static char *header_json(const ab_trace *t)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    char ver[32];
    snprintf(ver, sizeof ver, "%u.%u", AB_TRACE_VERSION_MAJOR, written_minor(t));
    cJSON_AddStringToObject(j, "format", AB_TRACE_FORMAT);
    cJSON_AddStringToObject(j, "version", ver);
    cJSON_AddStringToObject(j, "model", t->model ? t->model : "");
    cJSON_AddStringToObject(j, "phase", t->phase ? t->phase : "");
    cJSON_AddNumberToObject(j, "batch", (double)t->batch);
    cJSON_AddStringToObject(j, "recipe", t->recipe ? t->recipe : "");
    cJSON *values = t->values_json ? cJSON_Parse(t->values_json) : cJSON_CreateNull();
    if (!values) {
        cJSON_Delete(j);
        return NULL;
    }
    cJSON_AddItemToObject(j, "values", values);
    cJSON *ops = cJSON_AddArrayToObject(j, "ops");
    for (size_t i = 0; ops && i < t->nops; i++) {
        cJSON *o = ab_trace_op_json(t, i);
        if (!o) {
            cJSON_Delete(j);
            return NULL;
        }
        cJSON_AddItemToArray(ops, o);
    }
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return text;
}

int ab_trace_write(const char *path, const ab_trace *t, ab_error *err)
{
    char *meta = header_json(t);
    if (!meta)
        return ab_error_set(err, "%s: out of memory building the trace header", path);
    ab_st_write_entry *e = calloc(t->ntensors ? t->ntensors : 1, sizeof *e);
    if (!e) {
        cJSON_free(meta);
        return ab_error_set(err, "%s: out of memory", path);
    }
    for (size_t i = 0; i < t->ntensors; i++) {
        e[i].name = t->tensors[i].name;
        e[i].dtype = t->tensors[i].dtype;
        e[i].ndim = t->tensors[i].ndim;
        e[i].shape = t->tensors[i].shape;
        e[i].data = t->tensors[i].data;
    }
    const char *key = "anybit";
    const char *val = meta;
    const int rc = ab_safetensors_write(path, e, t->ntensors, &key, &val, 1, err);
    free(e);
    cJSON_free(meta);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct rd {
    const char *what; /* file name for messages */
    ab_error *err;
    bool strict; /* reject unknown fields (a version this reader fully knows) */
} rd;

#define RD_FAIL(r, ...) ab_trace_rd_fail((r), __VA_ARGS__)

static int ab_trace_rd_fail(const rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int ab_trace_rd_fail(const rd *r, const char *fmt, ...)
{
    char msg[AB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ab_error_set(r->err, "%s: %s", r->what, msg);
}

static const char *json_type(const cJSON *v)
{
    if (!v)
        return "nothing";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    return "an object";
}

/* Reject duplicate keys and, when strict, keys outside `known`. */
static int check_keys(const rd *r, const cJSON *obj, const char *where, const char *const *known)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (strcmp(c->string, d->string) == 0)
                return RD_FAIL(r, "%s: duplicate field '%s'", where, c->string);
        bool ok = !r->strict;
        for (size_t k = 0; !ok && known[k]; k++)
            ok = strcmp(c->string, known[k]) == 0;
        if (!ok)
            return RD_FAIL(r, "%s: unknown field '%s' (trace format %s)", where, c->string,
                           AB_TRACE_VERSION);
    }
    return 0;
}

static int get_string(const rd *r, const cJSON *obj, const char *where, const char *key,
                      char *out, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return RD_FAIL(r, "%s.%s: missing", where, key);
    if (!cJSON_IsString(v))
        return RD_FAIL(r, "%s.%s: expected a string, found %s", where, key, json_type(v));
    if (strlen(v->valuestring) >= cap)
        return RD_FAIL(r, "%s.%s: '%.40s...' longer than %zu characters", where, key,
                       v->valuestring, cap - 1);
    snprintf(out, cap, "%s", v->valuestring);
    return 0;
}

static int get_uint(const rd *r, const cJSON *obj, const char *where, const char *key,
                    uint64_t lo, uint64_t hi, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return RD_FAIL(r, "%s.%s: missing", where, key);
    if (!cJSON_IsNumber(v))
        return RD_FAIL(r, "%s.%s: expected an integer, found %s", where, key, json_type(v));
    const double d = v->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
        return RD_FAIL(r, "%s.%s: expected an integer in [%llu, %llu], found %.17g", where, key,
                       (unsigned long long)lo, (unsigned long long)hi, d);
    *out = (uint64_t)d;
    return 0;
}

static int parse_version(const rd *r, const char *s, ab_trace *t)
{
    unsigned maj = 0, min = 0;
    const char *p = s;
    int nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 6) {
        maj = maj * 10 + (unsigned)(*p++ - '0');
        nd++;
    }
    int nm = 0;
    if (nd && *p == '.') {
        p++;
        while (*p >= '0' && *p <= '9' && nm < 6) {
            min = min * 10 + (unsigned)(*p++ - '0');
            nm++;
        }
    }
    if (!nd || !nm || *p)
        return RD_FAIL(r, "__metadata__.anybit.version: expected \"MAJOR.MINOR\", found '%s'", s);
    if (maj != AB_TRACE_VERSION_MAJOR)
        return RD_FAIL(r, "__metadata__.anybit.version: trace format version %s is not supported "
                       "(this anybit reads %u.x; a newer anybit may read it)",
                       s, AB_TRACE_VERSION_MAJOR);
    t->version_major = maj;
    t->version_minor = min;
    return 0;
}

/* The dtype and shape a tensor must have, and the check. */
static int expect_tensor(const rd *r, const ab_st_entry *e, const char *where, ab_dtype dtype,
                         size_t ndim, uint64_t d0, uint64_t d1)
{
    bool ok = e->dtype == dtype && e->ndim == ndim && e->shape[0] == d0 &&
              (ndim < 2 || e->shape[1] == d1);
    if (ok)
        return 0;
    char found[96];
    int n = snprintf(found, sizeof found, "%s [", ab_dtype_name(e->dtype));
    for (size_t k = 0; k < e->ndim && n < (int)sizeof found; k++)
        n += snprintf(found + n, sizeof found - (size_t)n, "%s%zu", k ? ", " : "", e->shape[k]);
    if (n < (int)sizeof found)
        snprintf(found + n, sizeof found - (size_t)n, "]");
    if (ndim == 2)
        return RD_FAIL(r, "%s: tensor '%s' must be %s [%llu, %llu], found %s", where, e->name,
                       ab_dtype_name(dtype), (unsigned long long)d0, (unsigned long long)d1,
                       found);
    return RD_FAIL(r, "%s: tensor '%s' must be %s [%llu], found %s", where, e->name,
                   ab_dtype_name(dtype), (unsigned long long)d0, found);
}

/* Element k of a float tensor (F32, F16, BF16) as a float. */
static float float_elem(ab_dtype d, const uint8_t *data, uint64_t k)
{
    switch (d) {
    case AB_DTYPE_F16: return ab_half_to_float((uint16_t)get_u16(data + 2 * k));
    case AB_DTYPE_BF16: return ab_bf16_to_float((uint16_t)get_u16(data + 2 * k));
    default: return get_f32(data + 4 * k);
    }
}

/* Activations and scales are the operands the PE computes with: a NaN or
 * an infinity there is a broken export, refused as the quantizer refuses
 * it (anybit quant), not data whose error could be reported.  `cols` is the
 * row length of the tensor, for the message's [row, column]. */
static int check_finite(const rd *r, const char *w2, const char *role, const ab_st_entry *e,
                        const uint8_t *data, uint64_t n, uint64_t cols, const ab_format *e8m0)
{
    for (uint64_t k = 0; k < n; k++) {
        const double v = e->dtype == AB_DTYPE_U8 ? ab_format_decode(e8m0, data[k])
                                                 : (double)float_elem(e->dtype, data, k);
        if (!isfinite(v))
            return RD_FAIL(r, "%s.%s: tensor '%s' element %llu [%llu, %llu] is %s; %s must be "
                           "finite", w2, role, e->name, (unsigned long long)k,
                           (unsigned long long)(k / cols), (unsigned long long)(k % cols),
                           isnan(v) ? "NaN" : v > 0 ? "+inf" : "-inf", role);
    }
    return 0;
}

static int check_op_tensors(const rd *r, ab_trace *t, size_t i, const cJSON *tens,
                            const char *where)
{
    ab_trace_op *o = &t->ops[i];
    const ab_op *op = &o->op;
    const ab_st_entry *ent[AB_TROLE_COUNT] = {0};
    char w2[160];
    static const char *const role_keys[AB_TROLE_COUNT + 1] = {
        "weight_codes", "scales", "row_scales", "type_ids", "zero_points", "activations",
        "outputs", NULL};
    snprintf(w2, sizeof w2, "%s.tensors", where);
    if (!cJSON_IsObject(tens))
        return RD_FAIL(r, "%s: expected an object, found %s", w2, json_type(tens));
    if (check_keys(r, tens, w2, role_keys) != 0)
        return -1;
    bool any = false;
    for (int k = 0; k < AB_TROLE_COUNT; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(tens, role_names[k]);
        if (!v)
            continue;
        if (!cJSON_IsString(v))
            return RD_FAIL(r, "%s.%s: expected a tensor name, found %s", w2, role_names[k],
                           json_type(v));
        ent[k] = ab_safetensors_find(&t->st, v->valuestring);
        if (!ent[k])
            return RD_FAIL(r, "%s.%s: tensor '%s' is missing from the file", w2, role_names[k],
                           v->valuestring);
        o->tensor[k] = (int32_t)(ent[k] - t->st.tensors);
        any = true;
    }
    if (!any)
        return 0;
    if (op->kind != AB_OP_GEMM && op->kind != AB_OP_CONV)
        return RD_FAIL(r, "%s: %s ops carry no tensors in trace format 1.x (shapes only)", w2,
                       ab_op_kind_name(op->kind));
    wq_info wi;
    ab_error e2;
    if (op_wq_info(o, &wi, &e2) != 0)
        return RD_FAIL(r, "%s.%s", where, e2.msg);
    if (wi.selector == AB_SELECT_OLIVE)
        return RD_FAIL(r, "%s: OliVe weights carry no tensors in trace format 1.x", w2);
    const uint64_t gdiv = wi.mx ? wi.cand[0].block_size : op->group_size;
    if (gdiv && op->K % gdiv != 0)
        return RD_FAIL(r, "%s.group_size: %llu does not divide K %llu (needed for values)", where,
                       (unsigned long long)gdiv, (unsigned long long)op->K);
    if (!ent[AB_TROLE_WEIGHT_CODES] || !ent[AB_TROLE_SCALES])
        return RD_FAIL(r, "%s: an op with values needs weight_codes and scales", w2);
    const uint64_t N = op->N, K = op->K, M = op->M, G = wi.groups;
    const uint64_t rb = (K * wi.code_bits + 7) / 8;
    if (expect_tensor(r, ent[AB_TROLE_WEIGHT_CODES], w2, AB_DTYPE_U8, 2, N, rb) != 0 ||
        expect_tensor(r, ent[AB_TROLE_SCALES], w2, scale_dtype(&wi), 2, N, G) != 0)
        return -1;
    const bool need_rs = wi.scale == AB_SCALE_INTK, need_ti = wi.ncand > 1;
    if (need_rs != (ent[AB_TROLE_ROW_SCALES] != NULL))
        return RD_FAIL(r, "%s.row_scales: %s with scale_format '%s'", w2,
                       need_rs ? "required" : "not allowed", op->scale_format);
    if (need_ti != (ent[AB_TROLE_TYPE_IDS] != NULL))
        return RD_FAIL(r, "%s.type_ids: %s with weight_format '%s'", w2,
                       need_ti ? "required" : "not allowed", op->weight_format);
    if (o->asymmetric != (ent[AB_TROLE_ZERO_POINTS] != NULL))
        return RD_FAIL(r, "%s.zero_points: %s", w2,
                       o->asymmetric ? "required with asymmetric: true"
                                     : "only allowed with asymmetric: true");
    if (need_rs && expect_tensor(r, ent[AB_TROLE_ROW_SCALES], w2, AB_DTYPE_F16, 1, N, 0) != 0)
        return -1;
    if (need_ti && expect_tensor(r, ent[AB_TROLE_TYPE_IDS], w2, AB_DTYPE_U8, 2, N, G) != 0)
        return -1;
    if (o->asymmetric &&
        expect_tensor(r, ent[AB_TROLE_ZERO_POINTS], w2,
                      wi.code_bits <= 8 ? AB_DTYPE_U8 : AB_DTYPE_U16, 2, N, G) != 0)
        return -1;
    if (ent[AB_TROLE_OUTPUTS] && !ent[AB_TROLE_ACTIVATIONS])
        return RD_FAIL(r, "%s.outputs: needs activations", w2);
    if (ent[AB_TROLE_ACTIVATIONS]) {
        ab_dtype ad;
        bool pe_quantized;
        if (ab_trace_act_storage(op->act_format, &ad, &pe_quantized) != 0)
            return RD_FAIL(r, "%s.activations: act_format '%s' cannot carry values in trace "
                           "format 1.x (fp16, bf16, fp32, or intN / uintN / bin stored as "
                           "floats)", w2, op->act_format);
        if (pe_quantized && t->version_minor < 1)
            return RD_FAIL(r, "%s.activations: activations of act_format '%s' need trace format "
                           "1.1 (the file says %u.%u)", w2, op->act_format, t->version_major,
                           t->version_minor);
        /* the PE quantizes them itself: F32 or F16 floats */
        if (pe_quantized && ent[AB_TROLE_ACTIVATIONS]->dtype == AB_DTYPE_F16)
            ad = AB_DTYPE_F16;
        else if (pe_quantized && ent[AB_TROLE_ACTIVATIONS]->dtype != AB_DTYPE_F32)
            return RD_FAIL(r, "%s: tensor '%s' must be F32 or F16 [%llu, %llu] (floats the PE "
                           "quantizes to %s), found %s", w2, ent[AB_TROLE_ACTIVATIONS]->name,
                           (unsigned long long)M, (unsigned long long)K, op->act_format,
                           ab_dtype_name(ent[AB_TROLE_ACTIVATIONS]->dtype));
        if (expect_tensor(r, ent[AB_TROLE_ACTIVATIONS], w2, ad, 2, M, K) != 0)
            return -1;
    }
    if (ent[AB_TROLE_OUTPUTS] &&
        expect_tensor(r, ent[AB_TROLE_OUTPUTS], w2, AB_DTYPE_F32, 2, M, N) != 0)
        return -1;
    /* contents later code indexes with */
    const uint8_t *codes = t->st.data + ent[AB_TROLE_WEIGHT_CODES]->begin;
    for (uint64_t n = 0; n < N; n++)
        if (!ab_pack_row_padding_clear(codes + n * rb, (size_t)K, wi.code_bits))
            return RD_FAIL(r, "%s.weight_codes: row %llu has nonzero padding bits after code %llu",
                           w2, (unsigned long long)n, (unsigned long long)(K - 1));
    ab_format e8m0;
    if (ab_format_parse("e8m0", &e8m0, &e2) != 0)
        return RD_FAIL(r, "%s", e2.msg);
    if (wi.scale != AB_SCALE_INTK &&
        check_finite(r, w2, "scales", ent[AB_TROLE_SCALES],
                     t->st.data + ent[AB_TROLE_SCALES]->begin, N * G, G, &e8m0) != 0)
        return -1;
    if (need_rs && check_finite(r, w2, "row_scales", ent[AB_TROLE_ROW_SCALES],
                                t->st.data + ent[AB_TROLE_ROW_SCALES]->begin, N, N, &e8m0) != 0)
        return -1;
    if (ent[AB_TROLE_ACTIVATIONS] &&
        check_finite(r, w2, "activations", ent[AB_TROLE_ACTIVATIONS],
                     t->st.data + ent[AB_TROLE_ACTIVATIONS]->begin, M * K, K, &e8m0) != 0)
        return -1;
    if (need_ti) {
        const uint8_t *ti = t->st.data + ent[AB_TROLE_TYPE_IDS]->begin;
        for (uint64_t s = 0; s < N * G; s++)
            if (ti[s] >= wi.ncand)
                return RD_FAIL(r, "%s.type_ids: element %llu is %u, expected < %u candidates of "
                               "'%s'", w2, (unsigned long long)s, ti[s], wi.ncand,
                               op->weight_format);
    }
    return 0;
}

/* Op names seen so far: an open-addressing table of op indices (SIZE_MAX:
 * empty), at least twice as many slots as ops, so the duplicate check of a
 * trace is linear in its op count. */
typedef struct name_table {
    size_t *slot;
    size_t mask;
} name_table;

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static int name_table_init(name_table *nt, size_t nops)
{
    size_t cap = 16;
    while (cap < 2 * nops && cap <= SIZE_MAX / 4)
        cap *= 2;
    nt->slot = malloc(cap * sizeof *nt->slot);
    if (!nt->slot)
        return -1;
    for (size_t i = 0; i < cap; i++)
        nt->slot[i] = SIZE_MAX;
    nt->mask = cap - 1;
    return 0;
}

/* The index of the op already named `name`, or SIZE_MAX after recording
 * that op `index` has it (the table never fills: it has 2 x nops slots). */
static size_t name_find_or_add(name_table *nt, const ab_trace *t, const char *name, size_t index)
{
    size_t h = (size_t)name_hash(name) & nt->mask;
    while (nt->slot[h] != SIZE_MAX) {
        if (strcmp(t->ops[nt->slot[h]].op.name, name) == 0)
            return nt->slot[h];
        h = (h + 1) & nt->mask;
    }
    nt->slot[h] = index;
    return SIZE_MAX;
}

static int parse_op(const rd *r, ab_trace *t, const cJSON *j, size_t i, wq_info *cache,
                    char *cache_name, name_table *names)
{
    static const char *const op_keys[] = {
        "name", "kind", "M", "N", "K", "count", "weight_share", "weight_format", "act_format",
        "acc_format", "scale_format", "group_size", "outlier_unit", "asymmetric", "tensors", NULL};
    char where[64];
    snprintf(where, sizeof where, "__metadata__.anybit.ops[%zu]", i);
    if (!cJSON_IsObject(j))
        return RD_FAIL(r, "%s: expected an object, found %s", where, json_type(j));
    if (check_keys(r, j, where, op_keys) != 0)
        return -1;
    ab_op op;
    memset(&op, 0, sizeof op);
    char kind[16];
    uint64_t v;
    if (get_string(r, j, where, "name", op.name, sizeof op.name) != 0 ||
        get_string(r, j, where, "kind", kind, sizeof kind) != 0)
        return -1;
    if (ab_op_kind_parse(kind, &op.kind) != 0)
        return RD_FAIL(r, "%s.kind: expected gemm, conv, attn_qk or attn_av, found '%s'", where,
                       kind);
    if (get_uint(r, j, where, "M", 1, AB_OP_DIM_MAX, &op.M) != 0 ||
        get_uint(r, j, where, "N", 1, AB_OP_DIM_MAX, &op.N) != 0 ||
        get_uint(r, j, where, "K", 1, AB_OP_DIM_MAX, &op.K) != 0)
        return -1;
    if (get_uint(r, j, where, "count", 1, UINT32_MAX, &v) != 0)
        return -1;
    op.count = (uint32_t)v;
    if (get_uint(r, j, where, "weight_share", 1, UINT32_MAX, &v) != 0)
        return -1;
    op.weight_share = (uint32_t)v;
    if (get_uint(r, j, where, "group_size", 0, UINT32_MAX, &v) != 0)
        return -1;
    op.group_size = (uint32_t)v;
    ab_error e2;
    /* the cross-field part of the op range (one check, shared with model
     * expansion) */
    if (ab_op_check_range(&op, &e2) != 0)
        return RD_FAIL(r, "%s.%s", where, e2.msg);
    if (get_string(r, j, where, "weight_format", op.weight_format, sizeof op.weight_format) ||
        get_string(r, j, where, "act_format", op.act_format, sizeof op.act_format) ||
        get_string(r, j, where, "acc_format", op.acc_format, sizeof op.acc_format) ||
        get_string(r, j, where, "scale_format", op.scale_format, sizeof op.scale_format))
        return -1;
    ab_format f;
    if (strcmp(cache_name, op.weight_format) != 0) {
        if (resolve_weight_format(op.weight_format, cache, &e2) != 0)
            return RD_FAIL(r, "%s.weight_format: %s", where, e2.msg);
        snprintf(cache_name, AB_FORMAT_NAME_MAX, "%s", op.weight_format);
    }
    if (ab_format_parse(op.act_format, &f, &e2) != 0)
        return RD_FAIL(r, "%s.act_format: %s", where, e2.msg);
    if (ab_format_parse(op.acc_format, &f, &e2) != 0) /* int32 accumulators included */
        return RD_FAIL(r, "%s.acc_format: %s", where, e2.msg);
    ab_scale_kind sk;
    uint8_t sb;
    if (ab_scale_parse(op.scale_format, &sk, &sb, &e2) != 0)
        return RD_FAIL(r, "%s.scale_format: %s", where, e2.msg);
    const size_t other = name_find_or_add(names, t, op.name, t->nops);
    if (other != SIZE_MAX)
        return RD_FAIL(r, "%s.name: '%s' is also the name of ops[%zu]", where, op.name, other);
    if (ab_trace_add_op(t, &op, r->err) != 0)
        return RD_FAIL(r, "%s: out of memory after %zu ops", where, t->nops);
    ab_trace_op *o = &t->ops[t->nops - 1];
    const cJSON *asym = cJSON_GetObjectItemCaseSensitive(j, "asymmetric");
    if (asym) {
        if (!cJSON_IsBool(asym))
            return RD_FAIL(r, "%s.asymmetric: expected a boolean, found %s", where,
                           json_type(asym));
        o->asymmetric = cJSON_IsTrue(asym);
    }
    const cJSON *ou = cJSON_GetObjectItemCaseSensitive(j, "outlier_unit");
    if (ou) {
        if (!cJSON_IsNumber(ou) || !(ou->valuedouble > 0.0) || !isfinite(ou->valuedouble))
            return RD_FAIL(r, "%s.outlier_unit: expected a positive number, found %s", where,
                           json_type(ou));
        o->outlier_unit = ou->valuedouble;
    }
    const cJSON *tens = cJSON_GetObjectItemCaseSensitive(j, "tensors");
    if (!tens)
        return RD_FAIL(r, "%s.tensors: missing (use {} for a shapes-only op)", where);
    return check_op_tensors(r, t, t->nops - 1, tens, where);
}

static int parse_header(rd *r, ab_trace *t, const cJSON *j)
{
    static const char *const top_keys[] = {"format", "version", "model", "phase", "batch",
                                           "recipe", "values", "ops", NULL};
    const char *where = "__metadata__.anybit";
    if (!cJSON_IsObject(j))
        return RD_FAIL(r, "%s: expected a JSON object, found %s", where, json_type(j));
    char s[256];
    if (get_string(r, j, where, "format", s, sizeof s) != 0)
        return -1;
    if (strcmp(s, AB_TRACE_FORMAT) != 0)
        return RD_FAIL(r, "%s.format: expected \"%s\", found '%s'", where, AB_TRACE_FORMAT, s);
    if (get_string(r, j, where, "version", s, sizeof s) != 0 || parse_version(r, s, t) != 0)
        return -1;
    /* a newer minor version may add fields: read what this version knows */
    r->strict = t->version_minor <= AB_TRACE_VERSION_MINOR;
    if (check_keys(r, j, where, top_keys) != 0)
        return -1;
    char buf[1024];
    if (get_string(r, j, where, "model", buf, sizeof buf) != 0 || !(t->model = strdup(buf)) ||
        get_string(r, j, where, "phase", buf, sizeof buf) != 0 || !(t->phase = strdup(buf)) ||
        get_string(r, j, where, "recipe", buf, sizeof buf) != 0 || !(t->recipe = strdup(buf)))
        return r->err->msg[0] ? -1 : RD_FAIL(r, "out of memory");
    uint64_t b;
    if (get_uint(r, j, where, "batch", 1, UINT32_MAX, &b) != 0)
        return -1;
    t->batch = (uint32_t)b;
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(j, "values");
    if (!values)
        return RD_FAIL(r, "%s.values: missing (null for a shapes-only trace)", where);
    if (!cJSON_IsNull(values)) {
        if (!cJSON_IsObject(values))
            return RD_FAIL(r, "%s.values: expected null or an object, found %s", where,
                           json_type(values));
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(values, "kind");
        if (!cJSON_IsString(kind) || (strcmp(kind->valuestring, "synthetic") != 0 &&
                                      strcmp(kind->valuestring, "exported") != 0))
            return RD_FAIL(r, "%s.values.kind: expected \"synthetic\" or \"exported\", found %s",
                           where, cJSON_IsString(kind) ? kind->valuestring : json_type(kind));
        t->values_json = cJSON_PrintUnformatted(values);
        if (!t->values_json)
            return RD_FAIL(r, "out of memory");
    }
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(j, "ops");
    if (!ops)
        return RD_FAIL(r, "%s.ops: missing", where);
    if (!cJSON_IsArray(ops))
        return RD_FAIL(r, "%s.ops: expected an array, found %s", where, json_type(ops));
    wq_info cache;
    char cache_name[AB_FORMAT_NAME_MAX] = "";
    name_table names;
    if (name_table_init(&names, (size_t)cJSON_GetArraySize(ops)) != 0)
        return RD_FAIL(r, "out of memory for %d op names", cJSON_GetArraySize(ops));
    size_t i = 0;
    int rc = 0;
    for (const cJSON *o = ops->child; o && rc == 0; o = o->next, i++)
        rc = parse_op(r, t, o, i, &cache, cache_name, &names);
    free(names.slot);
    return rc;
}

int ab_trace_parse(uint8_t *buf, size_t len, const char *what, ab_trace *t, ab_error *err)
{
    memset(t, 0, sizeof *t);
    if (ab_safetensors_parse(buf, len, what, &t->st, err) != 0)
        return -1;
    t->has_st = true;
    ab_error local;
    local.msg[0] = '\0';
    rd r = {what, err ? err : &local, true};
    r.err->msg[0] = '\0';
    int rc = -1;
    char *meta = ab_safetensors_metadata(&t->st, "anybit");
    cJSON *j = NULL;
    if (!meta) {
        RD_FAIL(&r, "no __metadata__ key 'anybit': not an anybit trace");
    } else if (!(j = cJSON_ParseWithOpts(meta, NULL, 1))) {
        RD_FAIL(&r, "__metadata__.anybit: invalid JSON near byte %td",
                cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - meta : (ptrdiff_t)0);
    } else {
        rc = parse_header(&r, t, j);
    }
    cJSON_Delete(j);
    free(meta);
    if (rc == 0) {
        /* the tensor table: every tensor of the file, data in the image */
        t->tensors = calloc(t->st.ntensors ? t->st.ntensors : 1, sizeof *t->tensors);
        if (!t->tensors) {
            rc = RD_FAIL(&r, "out of memory");
        } else {
            t->cap_tensors = t->st.ntensors;
            for (size_t i = 0; i < t->st.ntensors && rc == 0; i++) {
                const ab_st_entry *e = &t->st.tensors[i];
                ab_trace_tensor *d = &t->tensors[i];
                if (!(d->name = strdup(e->name))) {
                    rc = RD_FAIL(&r, "out of memory");
                    break;
                }
                t->ntensors++;
                d->dtype = e->dtype;
                d->ndim = e->ndim;
                memcpy(d->shape, e->shape, sizeof d->shape);
                d->nbytes = e->end - e->begin;
                d->data = t->st.data + e->begin;
            }
        }
    }
    if (rc != 0) {
        t->st.file = NULL; /* buf stays the caller's on failure */
        ab_trace_free(t);
    }
    return rc;
}

int ab_trace_read(const char *path, ab_trace *t, ab_error *err)
{
    uint8_t *buf;
    size_t len;
    memset(t, 0, sizeof *t);
    if (ab_read_file(path, &buf, &len, err) != 0)
        return -1;
    if (ab_trace_parse(buf, len, path, t, err) != 0) {
        free(buf);
        return -1;
    }
    return 0;
}

int ab_op_quant_spec(const ab_op *op, bool asymmetric, ab_quant_spec *spec, ab_error *err)
{
    memset(spec, 0, sizeof *spec);
    snprintf(spec->format, sizeof spec->format, "%s", op->weight_format);
    spec->granularity = op->group_size ? AB_GRAN_GROUP : AB_GRAN_CHANNEL;
    spec->group_size = op->group_size;
    spec->asymmetric = asymmetric;
    return ab_scale_parse(op->scale_format, &spec->scale, &spec->scale_bits, err);
}
