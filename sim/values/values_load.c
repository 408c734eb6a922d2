/* values_load.c - which formats each PE kind runs (pe_values.h), and the
 * decoding of an op's stored operands into an ab_vop: unpacked weight
 * codes, type ids, group scales as the PE applies them, row scales, zero
 * points, and the activations as FP16 bits or, for the integer PEs, as the
 * per-token codes of kernels/act_quant.h.  Every refusal names the op and
 * the field (or the accelerator field) and says what the PE takes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_quant.h"
#include "bitmod_pe.h"
#include "bitmod_terms.h"
#include "pack.h"
#include "tensor_io.h"
#include "parallel.h"
#include "values_op.h"

static uint32_t get_u16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static float get_f32(const uint8_t *p)
{
    const uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                       (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ---- what each PE takes ------------------------------------------------- */

/* The kind's name for messages.  Local rather than ab_pe_kind_name: the
 * values check must not depend on the accelerator loader (sim/accel/accel.c). */
static const char *pe_name(ab_pe_kind k)
{
    static const char *const names[AB_PE_KIND_COUNT] = {"bitmod", "btc",  "fp16",
                                                        "int8",   "ant",  "olive"};
    return (unsigned)k < AB_PE_KIND_COUNT ? names[k] : "?";
}

static bool is_fp16(const ab_format *f)
{
    return f->family == AB_FAMILY_FLOAT && f->exp_bits == 5 && f->man_bits == 10 &&
           f->conv == AB_FLOAT_IEEE && f->block_size == 0;
}

/* Signed two's complement integer (intN, intNs, ternary) of 2..max bits. */
static bool is_signed_int(const ab_format *f, unsigned max_bits)
{
    return f->family == AB_FAMILY_INT && f->is_signed && f->zero_point == 0 && f->unit == 1.0 &&
           f->block_size == 0 && f->bits >= 2 && f->bits <= max_bits;
}

static bool is_uint(const ab_format *f, unsigned max_bits)
{
    return f->family == AB_FAMILY_INT && !f->is_signed && f->zero_point == 0 && f->unit == 1.0 &&
           f->block_size == 0 && f->bits >= 1 && f->bits <= max_bits;
}

static bool is_bin(const ab_format *f)
{
    return f->family == AB_FAMILY_GRID && strcmp(f->name, "bin") == 0;
}

static bool is_grid_prefix(const ab_format *f, const char *prefix)
{
    return f->family == AB_FAMILY_GRID && f->block_size == 0 && f->bits <= 8 &&
           strncmp(f->name, prefix, strlen(prefix)) == 0;
}

/* Weights of one candidate format on PE kind k; on refusal *takes says
 * what the PE takes. */
static bool weight_ok(ab_pe_kind k, const ab_format *f, const char **takes)
{
    switch (k) {
    case AB_PE_BITMOD:
        *takes = "signed intN (2..8 bits), bitmod_fp3*, bitmod_fp4*, bitmod_fp3_mix, "
                 "bitmod_fp4_mix";
        return ab_bitmod_supports(f);
    case AB_PE_BTC:
        *takes = "intN / uintN (1..8 bits) or bin";
        return is_signed_int(f, 8) || is_uint(f, 8) || is_bin(f);
    case AB_PE_INT8:
        *takes = "signed intN (2..8 bits)";
        return is_signed_int(f, 8);
    case AB_PE_FP16:
        *takes = "fp16";
        return is_fp16(f);
    case AB_PE_ANT:
        *takes = "antN, signed intN, flintN, potN or a minifloat of <= 8 bits";
        return is_signed_int(f, 8) || is_grid_prefix(f, "flint") || is_grid_prefix(f, "pot") ||
               (f->family == AB_FAMILY_FLOAT && f->bits <= 8 && f->block_size == 0);
    case AB_PE_OLIVE:
        *takes = "signed intN or flintN of <= 8 bits (OliVe's normal values; olive4 weights "
                 "are not carried by traces)";
        return is_signed_int(f, 8) || is_grid_prefix(f, "flint");
    case AB_PE_KIND_COUNT:
    default:
        *takes = "nothing";
        return false;
    }
}

static int check_formats(const ab_accel *a, const ab_trace_op *o, ab_vop *v, ab_error *err)
{
    const ab_op *op = &o->op;
    const char *pe = pe_name(a->pe);
    const char *takes = "";
    ab_error e2;
    if (ab_quant_candidates(op->weight_format, &v->selector, v->cand, &v->ncand, &e2) != 0)
        return ab_error_set(err, "op '%s': weight_format: %s", op->name, e2.msg);
    bool ok = v->selector != AB_SELECT_OLIVE;
    if (v->selector == AB_SELECT_BITMOD)
        ok = a->pe == AB_PE_BITMOD;
    else if (v->selector == AB_SELECT_ANT)
        ok = a->pe == AB_PE_ANT;
    for (unsigned c = 0; ok && c < v->ncand; c++)
        ok = weight_ok(a->pe, &v->cand[c], &takes);
    if (!ok) {
        weight_ok(a->pe, &v->cand[0], &takes);
        return ab_error_set(err, "op '%s': weight_format '%s' cannot run on the %s PE (it takes "
                            "%s)", op->name, op->weight_format, pe, takes);
    }
    if (o->asymmetric && a->pe != AB_PE_BTC)
        return ab_error_set(err, "op '%s': asymmetric weights (zero points) cannot run on the %s "
                            "PE (only btc takes them)", op->name, pe);

    ab_scale_kind sk;
    uint8_t sb;
    if (ab_scale_parse(op->scale_format, &sk, &sb, &e2) != 0)
        return ab_error_set(err, "op '%s': scale_format: %s", op->name, e2.msg);
    if (a->pe == AB_PE_BITMOD) {
        if (sk != AB_SCALE_INTK)
            return ab_error_set(err, "op '%s': scale_format '%s' cannot run on the bitmod PE (it "
                                "dequantizes by an integer group scale bit-serially: intK)",
                                op->name, op->scale_format);
        if (a->scale_bits != 0 && sb > a->scale_bits)
            return ab_error_set(err, "op '%s': scale_format '%s' is wider than accelerator '%s' "
                                "dequantizes (scale_bits %u)", op->name, op->scale_format,
                                a->name, a->scale_bits);
        if (a->scale_bits > AB_BITMOD_SCALE_BITS_MAX)
            return ab_error_set(err, "op '%s': accelerator '%s': scale_bits %u outside 1..%d",
                                op->name, a->name, a->scale_bits, AB_BITMOD_SCALE_BITS_MAX);
        if (a->lanes < 1 || a->lanes > AB_BITMOD_LANES_MAX || (a->lanes & (a->lanes - 1)) != 0)
            return ab_error_set(err, "op '%s': accelerator '%s': lanes %u: the bitmod datapath "
                                "model takes 1, 2, 4, 8 or 16", op->name, a->name, a->lanes);
        /* the accelerator runs its scale_bits cycles; leading zero bits of
         * a narrower scale do not change the result */
        v->scale_bits = a->scale_bits ? a->scale_bits : sb;
    } else {
        v->scale_bits = sk == AB_SCALE_INTK ? sb : 0;
    }
    if (a->pe == AB_PE_BTC && a->tile_k == 0)
        return ab_error_set(err, "op '%s': accelerator '%s': tile_k is 0 (the btc PE reduces K "
                            "in chunks of tile_k)", op->name, a->name);

    if (ab_format_parse(op->act_format, &v->afmt, &e2) != 0)
        return ab_error_set(err, "op '%s': act_format: %s", op->name, e2.msg);
    const ab_format *af = &v->afmt;
    switch (a->pe) {
    case AB_PE_BTC:
        ok = is_signed_int(af, 8) || is_uint(af, 8) || is_bin(af);
        takes = "intN / uintN (<= 8 bits) or bin";
        break;
    case AB_PE_INT8:
        ok = is_signed_int(af, 8);
        takes = "signed intN (2..8 bits)";
        break;
    case AB_PE_BITMOD:
    case AB_PE_FP16:
    case AB_PE_ANT:
    case AB_PE_OLIVE:
    case AB_PE_KIND_COUNT:
    default:
        ok = is_fp16(af);
        takes = "fp16";
        break;
    }
    if (!ok)
        return ab_error_set(err, "op '%s': act_format '%s' cannot run on the %s PE (it takes %s "
                            "activations)", op->name, op->act_format, pe, takes);
    return 0;
}

/* ---- decoding ------------------------------------------------------------- */

static ab_bp_kind bp_kind_of(const ab_format *f)
{
    if (is_bin(f))
        return AB_BP_PM1;
    return f->is_signed ? AB_BP_SIGNED : AB_BP_UNSIGNED;
}

void ab_vop_free(ab_vop *v)
{
    free(v->codes);
    free(v->type_ids);
    free(v->gscale);
    free(v->gscale_int);
    free(v->row_scale);
    free(v->zp);
    free(v->act_h);
    free(v->act_codes);
    free(v->act_val);
    free(v->act_scale);
    memset(v, 0, sizeof *v);
}

static const ab_trace_tensor *role(const ab_trace *t, const ab_trace_op *o, ab_trace_role r)
{
    return o->tensor[r] >= 0 ? &t->tensors[o->tensor[r]] : NULL;
}

/* Unpacking the code rows, `jobs` slices of rows on threads (each writes
 * only its rows: the same codes for every jobs). */
typedef struct unpack_job {
    const uint8_t *packed;
    const ab_vop *v;
    size_t n0, n1;
} unpack_job;

static void *unpack_job_run(void *arg)
{
    const unpack_job *j = arg;
    const size_t K = j->v->K, rb = ab_pack_row_bytes(K, j->v->w_bits);
    for (size_t n = j->n0; n < j->n1; n++)
        ab_unpack_row(j->packed + n * rb, K, j->v->w_bits, j->v->codes + n * K);
    return NULL;
}

static void unpack_codes(const uint8_t *packed, const ab_vop *v, unsigned jobs)
{
    unpack_job job[AB_PARALLEL_MAX];
    jobs = ab_parallel_jobs(jobs, v->N);
    for (unsigned j = 0; j < jobs; j++)
        job[j] = (unpack_job){.packed = packed, .v = v, .n0 = v->N * j / jobs,
                              .n1 = v->N * (j + 1) / jobs};
    ab_parallel_run(job, sizeof *job, jobs, unpack_job_run);
}

static int decode_weights(const ab_trace *t, const ab_trace_op *o, ab_vop *v, unsigned jobs,
                          ab_error *err)
{
    const size_t N = v->N, K = v->K, G = v->G;
    ab_scale_kind sk;
    uint8_t sb;
    if (ab_scale_parse(o->op.scale_format, &sk, &sb, err) != 0)
        return -1;
    v->w_bits = 0;
    for (unsigned c = 0; c < v->ncand; c++)
        if (v->cand[c].bits > v->w_bits)
            v->w_bits = v->cand[c].bits;
    v->w_kind = bp_kind_of(&v->cand[0]);
    v->codes = malloc(N * K * sizeof *v->codes);
    v->type_ids = calloc(N * G, 1);
    v->gscale = malloc(N * G * sizeof *v->gscale);
    v->row_scale = malloc(N * sizeof *v->row_scale);
    v->gscale_int = sk == AB_SCALE_INTK ? malloc(N * G * sizeof *v->gscale_int) : NULL;
    v->zp = o->asymmetric ? malloc(N * G * sizeof *v->zp) : NULL;
    if (!v->codes || !v->type_ids || !v->gscale || !v->row_scale ||
        (sk == AB_SCALE_INTK && !v->gscale_int) || (o->asymmetric && !v->zp))
        return ab_error_set(err, "op '%s': out of memory for %zu x %zu weights", v->name, N, K);

    const ab_trace_tensor *codes = role(t, o, AB_TROLE_WEIGHT_CODES);
    const ab_trace_tensor *sc = role(t, o, AB_TROLE_SCALES);
    const ab_trace_tensor *rs = role(t, o, AB_TROLE_ROW_SCALES);
    const ab_trace_tensor *ti = role(t, o, AB_TROLE_TYPE_IDS);
    const ab_trace_tensor *zp = role(t, o, AB_TROLE_ZERO_POINTS);
    unpack_codes(codes->data, v, jobs);
    const size_t ss = ab_dtype_size(sc->dtype);
    for (size_t s = 0; s < N * G; s++) {
        const uint8_t *p = sc->data + s * ss;
        switch (sk) {
        case AB_SCALE_FP32: v->gscale[s] = get_f32(p); break;
        case AB_SCALE_FP16: v->gscale[s] = ab_half_to_float((uint16_t)get_u16(p)); break;
        case AB_SCALE_E8M0: /* 2^(code-127) is exact in binary32 (2^-127 subnormal) */
            v->gscale[s] = p[0] == 255 ? NAN : ldexpf(1.0f, (int)p[0] - 127);
            break;
        case AB_SCALE_INTK:
        default:
            v->gscale_int[s] = ss == 1 ? p[0] : get_u16(p);
            v->gscale[s] = (float)v->gscale_int[s]; /* <= 65535: exact */
            break;
        }
        if (ti)
            v->type_ids[s] = ti->data[s]; /* the reader checked the range */
        if (zp)
            v->zp[s] = (int32_t)(zp->dtype == AB_DTYPE_U8 ? zp->data[s]
                                                          : get_u16(zp->data + 2 * s));
    }
    for (size_t n = 0; n < N; n++)
        v->row_scale[n] = rs ? ab_half_to_float((uint16_t)get_u16(rs->data + 2 * n)) : 1.0f;
    return 0;
}

static int decode_activations(const ab_trace *t, size_t i, ab_vop *v, ab_error *err)
{
    const size_t M = v->M, K = v->K;
    const ab_trace_tensor *at = role(t, &t->ops[i], AB_TROLE_ACTIVATIONS);
    if (is_fp16(&v->afmt)) {
        /* the checks above took fp16 only; the reader made the tensor F16 */
        v->act_h = malloc(M * K * sizeof *v->act_h);
        if (!v->act_h)
            return ab_error_set(err, "op '%s': out of memory", v->name);
        for (size_t k = 0; k < M * K; k++)
            v->act_h[k] = (uint16_t)get_u16(at->data + 2 * k);
        return 0;
    }
    float *x = malloc(M * K * sizeof *x);
    v->act_codes = malloc(M * K * sizeof *v->act_codes);
    v->act_val = malloc(M * K * sizeof *v->act_val);
    v->act_scale = malloc(M * sizeof *v->act_scale);
    int rc = -1;
    if (!x || !v->act_codes || !v->act_val || !v->act_scale)
        ab_error_set(err, "op '%s': out of memory", v->name);
    else if (ab_trace_activations(t, i, x, err) == 0)
        rc = ab_act_quant_rows(&v->afmt, x, M, K, v->act_codes, v->act_val, v->act_scale, err);
    free(x);
    v->a_kind = bp_kind_of(&v->afmt);
    v->a_bits = v->afmt.bits;
    return rc;
}

int ab_vop_load(const ab_accel *a, const ab_trace *t, size_t i, ab_vop *v, ab_error *err)
{
    return ab_vop_load_jobs(a, t, i, 1, v, err);
}

int ab_vop_load_jobs(const ab_accel *a, const ab_trace *t, size_t i, unsigned jobs, ab_vop *v,
                     ab_error *err)
{
    memset(v, 0, sizeof *v);
    if (i >= t->nops)
        return ab_error_set(err, "op index %zu out of range (%zu ops)", i, t->nops);
    const ab_trace_op *o = &t->ops[i];
    if (o->tensor[AB_TROLE_WEIGHT_CODES] < 0 || o->tensor[AB_TROLE_ACTIVATIONS] < 0)
        return ab_error_set(err, "op '%s' carries no %s (values need weights and activations)",
                            o->op.name, o->tensor[AB_TROLE_WEIGHT_CODES] < 0 ? "weights"
                                                                             : "activations");
    if ((unsigned)a->pe >= AB_PE_KIND_COUNT)
        return ab_error_set(err, "accelerator '%s': unknown PE kind %d", a->name, (int)a->pe);
    v->a = a;
    v->name = o->op.name;
    v->M = (size_t)o->op.M;
    v->N = (size_t)o->op.N;
    v->K = (size_t)o->op.K;
    if (check_formats(a, o, v, err) != 0)
        return -1;
    /* MX formats are refused above, so the op's group size is the group
     * (the reader checked that it divides K) */
    v->G = o->op.group_size ? v->K / o->op.group_size : 1;
    v->glen = v->K / v->G;
    if (decode_weights(t, o, v, jobs, err) != 0 || decode_activations(t, i, v, err) != 0) {
        ab_vop_free(v);
        return -1;
    }
    return 0;
}

ab_vop ab_vop_rows(const ab_vop *v, size_t n0, size_t n1)
{
    ab_vop r = *v;
    r.N = n1 - n0;
    r.codes = v->codes ? v->codes + n0 * v->K : NULL;
    r.type_ids = v->type_ids ? v->type_ids + n0 * v->G : NULL;
    r.gscale = v->gscale ? v->gscale + n0 * v->G : NULL;
    r.gscale_int = v->gscale_int ? v->gscale_int + n0 * v->G : NULL;
    r.row_scale = v->row_scale ? v->row_scale + n0 : NULL;
    r.zp = v->zp ? v->zp + n0 * v->G : NULL;
    return r;
}
