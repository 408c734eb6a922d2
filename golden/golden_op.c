/* golden_op.c - one op of a trace through the golden model: which formats
 * each PE kind runs (docs/values.md "What each PE runs", checked here on
 * the golden model's own reading of the names), the operands read from
 * the trace's tensors (I/O: bytes to codes, scales and activations, by
 * docs/trace-format.md), and the PE kind's computation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden_impl.h"
#include "pack.h"
#include "tensor_io.h"

static const char *const pe_names[] = {"bitmod", "btc", "fp16", "int8", "ant", "olive"};

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static float le_f32(const uint8_t *p)
{
    const uint32_t u = le16(p) | le16(p + 2) << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static bool is_fp16(const ab_gfmt *f)
{
    return f->kind == AB_GFMT_FLOAT && f->exp_bits == 5 && f->man_bits == 10 &&
           f->conv == AB_GFLOAT_IEEE;
}

static bool signed_int(const ab_gfmt *f, unsigned max_bits)
{
    return f->kind == AB_GFMT_INT && f->bits >= 2 && f->bits <= max_bits;
}

/* Weights of one candidate format on PE kind k (docs/values.md's table). */
static bool weight_runs(ab_pe_kind k, const ab_gfmt *f)
{
    switch (k) {
    case AB_PE_BITMOD: return ab_golden_bitmod_format_ok(f);
    case AB_PE_BTC:
        return signed_int(f, 8) || (f->kind == AB_GFMT_UINT && f->bits <= 8) ||
               f->kind == AB_GFMT_BIN;
    case AB_PE_INT8: return signed_int(f, 8);
    case AB_PE_FP16: return is_fp16(f);
    case AB_PE_ANT:
        return signed_int(f, 8) || f->kind == AB_GFMT_FLINT || f->kind == AB_GFMT_POT ||
               (f->kind == AB_GFMT_FLOAT && f->bits <= 8);
    case AB_PE_OLIVE: return signed_int(f, 8) || f->kind == AB_GFMT_FLINT;
    case AB_PE_KIND_COUNT:
    default: return false;
    }
}

static bool act_runs(ab_pe_kind k, const ab_gfmt *f)
{
    switch (k) {
    case AB_PE_BTC:
        return signed_int(f, 8) || (f->kind == AB_GFMT_UINT && f->bits <= 8) ||
               f->kind == AB_GFMT_BIN;
    case AB_PE_INT8: return signed_int(f, 8);
    case AB_PE_BITMOD:
    case AB_PE_FP16:
    case AB_PE_ANT:
    case AB_PE_OLIVE: return is_fp16(f);
    case AB_PE_KIND_COUNT:
    default: return false;
    }
}

static bool selector_for(const char *name, ab_pe_kind k)
{
    if (strcmp(name, "bitmod_fp3_mix") == 0 || strcmp(name, "bitmod_fp4_mix") == 0)
        return k == AB_PE_BITMOD;
    if (strncmp(name, "ant", 3) == 0 && name[3] >= '0' && name[3] <= '9')
        return k == AB_PE_ANT;
    return true;
}

static int parse_scale(const char *name, ab_gop *v)
{
    if (strcmp(name, "fp32") == 0)
        v->scale_kind = AB_GSCALE_FP32;
    else if (strcmp(name, "fp16") == 0)
        v->scale_kind = AB_GSCALE_FP16;
    else if (strcmp(name, "e8m0") == 0)
        v->scale_kind = AB_GSCALE_E8M0;
    else if (strncmp(name, "int", 3) == 0) {
        char *end;
        const long k = strtol(name + 3, &end, 10);
        if (*end || end == name + 3 || k < 1 || k > 16)
            return -1;
        v->scale_kind = AB_GSCALE_INTK;
        v->scale_width = (unsigned)k;
    } else {
        return -1;
    }
    return 0;
}

static int check(const ab_accel *a, const ab_trace_op *o, ab_gop *v, ab_error *err)
{
    const ab_op *op = &o->op;
    const char *pe = pe_names[a->pe];
    if (ab_gfmt_candidates(op->weight_format, v->cand, &v->ncand) != 0)
        return ab_error_set(err, "golden: op '%s': weight_format '%s' is not a format the golden "
                            "model decodes", op->name, op->weight_format);
    bool ok = selector_for(op->weight_format, a->pe);
    for (unsigned c = 0; ok && c < v->ncand; c++)
        ok = weight_runs(a->pe, &v->cand[c]);
    if (!ok)
        return ab_error_set(err, "golden: op '%s': weight_format '%s' does not run on the %s PE",
                            op->name, op->weight_format, pe);
    if (o->asymmetric && (a->pe != AB_PE_BTC || v->cand[0].kind != AB_GFMT_UINT))
        return ab_error_set(err, "golden: op '%s': zero points (asymmetric) are only for uintN "
                            "weights on the btc PE", op->name);
    if (parse_scale(op->scale_format, v) != 0)
        return ab_error_set(err, "golden: op '%s': scale_format '%s' is not fp32, fp16, e8m0 or "
                            "intK", op->name, op->scale_format);
    if (a->pe == AB_PE_BITMOD) {
        if (v->scale_kind != AB_GSCALE_INTK)
            return ab_error_set(err, "golden: op '%s': scale_format '%s': the bitmod PE takes intK "
                                "scales", op->name, op->scale_format);
        if (a->scale_bits > 16 || (a->scale_bits && v->scale_width > a->scale_bits))
            return ab_error_set(err, "golden: op '%s': scale_format '%s' does not fit accelerator "
                                "'%s' (scale_bits %u)", op->name, op->scale_format, a->name,
                                a->scale_bits);
        if (a->lanes < 1 || a->lanes > 16 || (a->lanes & (a->lanes - 1)))
            return ab_error_set(err, "golden: op '%s': accelerator '%s': lanes %u (the bitmod PE "
                                "has 1, 2, 4, 8 or 16)", op->name, a->name, a->lanes);
    }
    if (ab_gfmt_parse(op->act_format, &v->afmt) != 0 || !act_runs(a->pe, &v->afmt))
        return ab_error_set(err, "golden: op '%s': act_format '%s' does not run on the %s PE",
                            op->name, op->act_format, pe);
    return 0;
}

static const ab_trace_tensor *tensor_of(const ab_trace *t, const ab_trace_op *o, ab_trace_role r)
{
    return o->tensor[r] >= 0 ? &t->tensors[o->tensor[r]] : NULL;
}

static void gop_free(ab_gop *v)
{
    free(v->codes);
    free(v->type_ids);
    free(v->gscale);
    free(v->gscale_int);
    free(v->row_scale);
    free(v->zp);
    free(v->act_h);
    free(v->act_f);
}

static float scale_value(const ab_gop *v, const ab_trace_tensor *sc, size_t s)
{
    const uint8_t *p = sc->data;
    switch (v->scale_kind) {
    case AB_GSCALE_FP32: return le_f32(p + 4 * s);
    case AB_GSCALE_FP16: return ab_golden_half((uint16_t)le16(p + 2 * s));
    case AB_GSCALE_E8M0: return p[s] == 255 ? NAN : ldexpf(1.0f, (int)p[s] - 127);
    case AB_GSCALE_INTK:
    default: return (float)v->gscale_int[s];
    }
}

static int read_weights(const ab_trace *t, const ab_trace_op *o, ab_gop *v, ab_error *err)
{
    const size_t N = v->N, K = v->K, G = v->G;
    unsigned bits = 0;
    for (unsigned c = 0; c < v->ncand; c++)
        bits = v->cand[c].bits > bits ? v->cand[c].bits : bits;
    const ab_trace_tensor *codes = tensor_of(t, o, AB_TROLE_WEIGHT_CODES);
    const ab_trace_tensor *sc = tensor_of(t, o, AB_TROLE_SCALES);
    const ab_trace_tensor *rs = tensor_of(t, o, AB_TROLE_ROW_SCALES);
    const ab_trace_tensor *ti = tensor_of(t, o, AB_TROLE_TYPE_IDS);
    const ab_trace_tensor *zp = tensor_of(t, o, AB_TROLE_ZERO_POINTS);
    if (!sc)
        return ab_error_set(err, "golden: op '%s': no scales tensor", v->name);
    v->codes = malloc(N * K * sizeof *v->codes);
    v->type_ids = calloc(N * G, 1);
    v->gscale = malloc(N * G * sizeof *v->gscale);
    v->gscale_int = calloc(N * G, sizeof *v->gscale_int);
    v->row_scale = malloc(N * sizeof *v->row_scale);
    v->zp = o->asymmetric ? malloc(N * G * sizeof *v->zp) : NULL;
    if (!v->codes || !v->type_ids || !v->gscale || !v->gscale_int || !v->row_scale ||
        (o->asymmetric && !v->zp))
        return ab_error_set(err, "golden: op '%s': out of memory", v->name);
    const size_t rb = ab_pack_row_bytes(K, bits);
    for (size_t n = 0; n < N; n++)
        ab_unpack_row(codes->data + n * rb, K, bits, v->codes + n * K);
    for (size_t s = 0; s < N * G; s++) {
        if (v->scale_kind == AB_GSCALE_INTK)
            v->gscale_int[s] = sc->dtype == AB_DTYPE_U16 ? le16(sc->data + 2 * s) : sc->data[s];
        v->gscale[s] = scale_value(v, sc, s);
        if (ti) {
            v->type_ids[s] = ti->data[s];
            if (v->type_ids[s] >= v->ncand)
                return ab_error_set(err, "golden: op '%s': type_ids[%zu] = %u, the format has %u "
                                    "candidates", v->name, s, v->type_ids[s], v->ncand);
        }
        if (v->zp)
            v->zp[s] = (int32_t)(zp->dtype == AB_DTYPE_U16 ? le16(zp->data + 2 * s) : zp->data[s]);
    }
    for (size_t n = 0; n < N; n++)
        v->row_scale[n] = rs ? ab_golden_half((uint16_t)le16(rs->data + 2 * n)) : 1.0f;
    return 0;
}

static int read_activations(const ab_trace *t, const ab_trace_op *o, ab_gop *v, ab_error *err)
{
    const size_t n = v->M * v->K;
    const ab_trace_tensor *at = tensor_of(t, o, AB_TROLE_ACTIVATIONS);
    if (is_fp16(&v->afmt)) {
        if (at->dtype != AB_DTYPE_F16)
            return ab_error_set(err, "golden: op '%s': fp16 activations stored as %s",
                                v->name, ab_dtype_name(at->dtype));
        v->act_h = malloc(n * sizeof *v->act_h);
        if (!v->act_h)
            return ab_error_set(err, "golden: op '%s': out of memory", v->name);
        for (size_t k = 0; k < n; k++)
            v->act_h[k] = (uint16_t)le16(at->data + 2 * k);
        return 0;
    }
    if (at->dtype != AB_DTYPE_F32 && at->dtype != AB_DTYPE_F16)
        return ab_error_set(err, "golden: op '%s': %s activations stored as %s (F32 or F16 floats "
                            "expected)", v->name, v->afmt.name, ab_dtype_name(at->dtype));
    v->act_f = malloc(n * sizeof *v->act_f);
    if (!v->act_f)
        return ab_error_set(err, "golden: op '%s': out of memory", v->name);
    for (size_t k = 0; k < n; k++)
        v->act_f[k] = at->dtype == AB_DTYPE_F32 ? le_f32(at->data + 4 * k)
                                                : ab_golden_half((uint16_t)le16(at->data + 2 * k));
    return 0;
}

int ab_golden_op(const ab_accel *a, const ab_trace *t, size_t i, float *out, ab_error *err)
{
    if (i >= t->nops)
        return ab_error_set(err, "golden: op index %zu out of range (%zu ops)", i, t->nops);
    const ab_trace_op *o = &t->ops[i];
    if (o->tensor[AB_TROLE_WEIGHT_CODES] < 0 || o->tensor[AB_TROLE_ACTIVATIONS] < 0)
        return ab_error_set(err, "golden: op '%s' carries no %s", o->op.name,
                            o->tensor[AB_TROLE_WEIGHT_CODES] < 0 ? "weights" : "activations");
    if ((unsigned)a->pe >= AB_PE_KIND_COUNT)
        return ab_error_set(err, "golden: accelerator '%s': unknown PE kind %d", a->name,
                            (int)a->pe);
    ab_gop v;
    memset(&v, 0, sizeof v);
    v.a = a;
    v.name = o->op.name;
    v.M = (size_t)o->op.M;
    v.N = (size_t)o->op.N;
    v.K = (size_t)o->op.K;
    v.G = o->op.group_size ? v.K / o->op.group_size : 1;
    v.glen = v.K / v.G;
    int rc = check(a, o, &v, err);
    if (rc == 0)
        rc = read_weights(t, o, &v, err);
    if (rc == 0)
        rc = read_activations(t, o, &v, err);
    if (rc == 0) {
        switch (a->pe) {
        case AB_PE_BITMOD: rc = ab_golden_bitmod(&v, out, err); break;
        case AB_PE_BTC:
        case AB_PE_INT8: rc = ab_golden_int(&v, out, err); break;
        case AB_PE_FP16:
        case AB_PE_ANT:
        case AB_PE_OLIVE:
        case AB_PE_KIND_COUNT:
        default: rc = ab_golden_fpmac(&v, out, err); break;
        }
    }
    gop_free(&v);
    return rc;
}

int ab_golden_format_value(const char *format, uint32_t code, double *value, ab_error *err)
{
    ab_gfmt f;
    if (ab_gfmt_parse(format, &f) != 0)
        return ab_error_set(err, "golden: format '%s' is not one the golden model decodes", format);
    *value = ab_gfmt_value(&f, code);
    return 0;
}
