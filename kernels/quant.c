/* quant.c - ab_quantize: spec validation, granularity, the result's memory,
 * plain formats (symmetric and asymmetric) and the storage accounting.
 * The other rules are in quant_scale.c (scale formats), quant_mx.c (OCP MX),
 * quant_select.c (BitMoD, ANT) and quant_olive.c (OliVe).
 *
 * Symmetric: scale = absmax(unit) / ab_format_absmax(fmt), rounded into the
 * scale format; code = encode(clamp(x / scale)); dequant = decode(code) *
 * scale in double, stored as float.  absmax maps onto the format's largest
 * magnitude, so for a full two's complement intN it maps onto -2^(N-1) and
 * positive values above (2^(N-1) - 1) * scale saturate; intNs is the
 * symmetric integer.
 *
 * Asymmetric (uintN only; BitMoD quant_weight.py quant_int_asym): scale =
 * (max - min) / (2^N - 1), zero point = round(-min / scale) clamped to
 * [0, 2^N - 1], code = clamp(round(x / scale) + zp), dequant = (code - zp) *
 * scale; rounding is half to even.  A constant nonzero unit extends its
 * range to include 0 so that the scale is not 0.
 *
 * bits_per_value = code bits
 *                + (scale bits [+ zero-point bits] [+ type-id bits]) per unit
 *                + 16 bits per row for the INTK row scale
 *                + ANT's per-tensor type id,
 * each divided by the number of values it covers.  BitMoD's 2-bit type id
 * is charged inside an INTK scale word (docs/references.md#bitmod-quantization: the BitMoD simulator
 * charges b + 8/128 bits per weight with 8-bit scales), and as 2 extra
 * bits per group with fp16/fp32/e8m0 scales.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_impl.h"
#include "quant_impl.h"

/* ---- shared element loops ---------------------------------------------- */

double ab_q_absmax(const float *x, size_t len)
{
    float m = 0.0f;
    for (size_t i = 0; i < len; i++) {
        const float a = fabsf(x[i]);
        if (a > m)
            m = a;
    }
    return (double)m;
}

/* The vector path in chunks: per-element errors from ab_q_grid_errors,
 * summed here in element order like the scalar loop. */
static double encode_run_grid_fast(const ab_format *fmt, ab_simd_path path, const float *x,
                                   size_t len, double scale, uint32_t *codes, float *deq)
{
    enum { CHUNK = 256 };
    uint8_t idx[CHUNK];
    double sq[CHUNK];
    double sse = 0.0;
    for (size_t i0 = 0; i0 < len; i0 += CHUNK) {
        const size_t n = len - i0 < CHUNK ? len - i0 : CHUNK;
        ab_q_grid_errors(path, fmt, x + i0, n, scale, idx, sq);
        for (size_t i = 0; i < n; i++)
            sse += sq[i];
        if (codes)
            for (size_t i = 0; i < n; i++)
                codes[i0 + i] = fmt->grid_sorted_code[idx[i]];
        if (deq)
            for (size_t i = 0; i < n; i++)
                deq[i0 + i] = ab_q_to_float(fmt->grid_sorted[idx[i]] * scale);
    }
    return sse;
}

double ab_quant_encode_run(const ab_format *fmt, ab_simd_path path, const float *x, size_t len,
                       double scale, uint32_t *codes, float *deq)
{
    if (path != AB_SIMD_SCALAR && ab_q_grid_fast_applies(fmt))
        return encode_run_grid_fast(fmt, path, x, len, scale, codes, deq);
    const double lo = ab_format_min(fmt), hi = ab_format_max(fmt);
    double sse = 0.0;
    for (size_t i = 0; i < len; i++) {
        double y = (double)x[i] / scale;
        /* clamp first: IEEE-like element formats would round overflow to inf */
        if (y < lo)
            y = lo;
        else if (y > hi)
            y = hi;
        const uint32_t q = ab_format_encode(fmt, y);
        const float d = ab_q_to_float(ab_format_decode(fmt, q) * scale);
        const double e = (double)x[i] - (double)d;
        sse += e * e;
        if (codes)
            codes[i] = q;
        if (deq)
            deq[i] = d;
    }
    return sse;
}

void ab_q_row_scales(const ab_qlayout *l, const ab_scale_ctx *sc, const double *ceiling,
                     double *unit_row, ab_quant_result *res)
{
    if (sc->kind != AB_SCALE_INTK) {
        for (size_t u = 0; u < l->nunits; u++)
            unit_row[u] = 0.0;
        return;
    }
    for (size_t r = 0; r < l->rows; r++) {
        double m = 0.0;
        for (size_t g = 0; g < l->gpr; g++)
            m = fmax(m, ceiling[ab_qlayout_unit(l, r, g)]);
        const double row = ab_scale_intk_row(sc, m);
        res->row_scales[r] = (float)row; /* an FP16 value: exact in float */
        for (size_t g = 0; g < l->gpr; g++)
            unit_row[ab_qlayout_unit(l, r, g)] = row; /* per tensor: same m, same row */
    }
}

void ab_q_store_units(const ab_qlayout *l, const double *unit_scale, const uint32_t *unit_code,
                      const uint8_t *unit_type, ab_quant_result *res)
{
    for (size_t r = 0; r < l->rows; r++)
        for (size_t g = 0; g < l->gpr; g++) {
            const size_t u = ab_qlayout_unit(l, r, g), slot = r * l->gpr + g;
            res->scales[slot] = (float)unit_scale[u];
            res->scale_codes[slot] = unit_code[u];
            res->type_ids[slot] = unit_type ? unit_type[u] : 0;
        }
}

/* ---- names ------------------------------------------------------------- */

typedef struct resolved {
    ab_selector selector;
    unsigned bits;    /* BitMoD 3/4, ANT N */
    bool olive_flint; /* olive4_flint */
    ab_format fmt;    /* AB_SELECT_NONE */
} resolved;

/* Selector names come before format names: "olive4" is also the registry's
 * name for OliVe's normal-value grid, and here means the whole scheme. */
static int resolve_name(const char *name, resolved *r, ab_error *err)
{
    memset(r, 0, sizeof *r);
    if (strcmp(name, "bitmod_fp3_mix") == 0 || strcmp(name, "bitmod_fp4_mix") == 0) {
        r->selector = AB_SELECT_BITMOD;
        r->bits = name[9] == '3' ? 3u : 4u;
        return 0;
    }
    if (strcmp(name, "olive4") == 0 || strcmp(name, "olive4_flint") == 0) {
        r->selector = AB_SELECT_OLIVE;
        r->olive_flint = name[6] != '\0';
        return 0;
    }
    if (strncmp(name, "ant", 3) == 0 && name[3] >= '0' && name[3] <= '9') {
        const char *p = name + 3;
        unsigned n = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            n = n * 10u + (unsigned)(*p - '0');
            p++;
            digits++;
        }
        if (*p == '\0') {
            if (n < 3 || n > 8)
                return ab_error_set(err, "selector '%s': ANT widths are 3..8, got %u", name, n);
            r->selector = AB_SELECT_ANT;
            r->bits = n;
            return 0;
        }
    }
    r->selector = AB_SELECT_NONE;
    return ab_format_parse(name, &r->fmt, err);
}

int ab_quant_candidates(const char *name, ab_selector *selector,
                        ab_format cand[AB_QUANT_MAX_CANDIDATES], uint8_t *ncand, ab_error *err)
{
    resolved *r = malloc(sizeof *r); /* holds a format: kilobytes */
    if (!r)
        return ab_error_set(err, "out of memory");
    int rc = resolve_name(name, r, err);
    if (rc == 0) {
        *selector = r->selector;
        switch (r->selector) {
        case AB_SELECT_BITMOD: rc = ab_bitmod_candidates(r->bits, cand, ncand, err); break;
        case AB_SELECT_ANT: rc = ab_ant_candidates(r->bits, cand, ncand, err); break;
        case AB_SELECT_OLIVE: rc = ab_olive_candidates(r->olive_flint, cand, ncand, err); break;
        case AB_SELECT_NONE:
        default:
            cand[0] = r->fmt;
            *ncand = 1;
            break;
        }
    }
    free(r);
    return rc;
}

/* ---- validation and layout --------------------------------------------- */

static const char *selector_name(const resolved *r)
{
    switch (r->selector) {
    case AB_SELECT_BITMOD:
        return "BitMoD";
    case AB_SELECT_ANT:
        return "ANT";
    case AB_SELECT_OLIVE:
        return "OliVe";
    case AB_SELECT_NONE:
    default:
        return "plain";
    }
}

static int check_spec(const ab_quant_spec *spec, const resolved *r, size_t cols, ab_error *err)
{
    const bool mx = r->selector == AB_SELECT_NONE && r->fmt.block_size != 0;
    if (mx) {
        /* OCP MX fixes block and scale; the spec's granularity and scale
         * fields are ignored (documented in quant.h). */
        if (spec->asymmetric)
            return ab_error_set(err, "format '%s': MX formats are symmetric; asymmetric "
                                "quantization needs a uintN format", r->fmt.name);
        if (cols % r->fmt.block_size != 0)
            return ab_error_set(err, "format '%s': MX blocks of %u must divide cols, got cols %zu",
                                r->fmt.name, r->fmt.block_size, cols);
        return 0;
    }
    if ((unsigned)spec->granularity > (unsigned)AB_GRAN_GROUP)
        return ab_error_set(err, "unknown granularity %d (expected tensor, channel or group)",
                            (int)spec->granularity);
    if ((unsigned)spec->scale > (unsigned)AB_SCALE_INTK)
        return ab_error_set(err, "unknown scale format %d (expected fp32, fp16, e8m0 or intK)",
                            (int)spec->scale);
    if (spec->scale == AB_SCALE_INTK && (spec->scale_bits < 2 || spec->scale_bits > 16))
        return ab_error_set(err, "scale int%u: integer scale bits must be 2..16, got %u",
                            spec->scale_bits, spec->scale_bits);
    if (spec->granularity == AB_GRAN_GROUP) {
        if (spec->group_size == 0)
            return ab_error_set(err, "group size must be > 0 (cols %zu)", cols);
        if (cols % spec->group_size != 0)
            return ab_error_set(err, "group size %u does not divide cols %zu", spec->group_size,
                                cols);
    }
    if (spec->asymmetric) {
        if (r->selector != AB_SELECT_NONE)
            return ab_error_set(err, "asymmetric quantization applies to uintN formats, not to "
                                "the %s selector '%s'", selector_name(r), spec->format);
        if (r->fmt.family != AB_FAMILY_INT || r->fmt.is_signed)
            return ab_error_set(err, "asymmetric quantization needs an unsigned integer format "
                                "(uintN), got '%s'%s", r->fmt.name,
                                r->fmt.is_signed ? " which is signed" : "");
    }
    if (r->selector == AB_SELECT_OLIVE && spec->granularity == AB_GRAN_GROUP &&
        spec->group_size % 2 != 0)
        return ab_error_set(err, "OliVe pairs neighbouring values, so its group size must be "
                            "even, got %u", spec->group_size);
    return 0;
}

static void make_layout(const ab_quant_spec *spec, const resolved *r, size_t rows, size_t cols,
                        ab_qlayout *l)
{
    memset(l, 0, sizeof *l);
    l->rows = rows;
    l->cols = cols;
    l->n = rows * cols;
    ab_granularity g = spec->granularity;
    size_t gs = spec->group_size;
    if (r->selector == AB_SELECT_NONE && r->fmt.block_size != 0) {
        g = AB_GRAN_GROUP;
        gs = r->fmt.block_size;
    }
    switch (g) {
    case AB_GRAN_TENSOR:
        l->gpr = 1;
        l->unit_len = l->n;
        l->per_tensor = true;
        break;
    case AB_GRAN_CHANNEL:
        l->gpr = 1;
        l->unit_len = cols;
        break;
    case AB_GRAN_GROUP:
    default:
        l->gpr = cols / gs;
        l->unit_len = gs;
        break;
    }
    l->nunits = l->n / l->unit_len;
}

static int check_input(const float *x, size_t rows, size_t cols, ab_error *err)
{
    const size_t n = rows * cols;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return ab_error_set(err, "input value at flat index %zu (row %zu, col %zu) is %s", i,
                                i / cols, i % cols, isnan(x[i]) ? "NaN" : "infinite");
    return 0;
}

/* ---- result memory ----------------------------------------------------- */

void ab_quant_result_free(ab_quant_result *res)
{
    if (!res)
        return;
    free(res->codes);
    free(res->type_ids);
    free(res->scales);
    free(res->scale_codes);
    free(res->row_scales);
    free(res->zero_points);
    free(res->outlier);
    free(res->dequant);
    memset(res, 0, sizeof *res);
}

static int alloc_result(ab_quant_result *res, const ab_qlayout *l, bool intk, bool asym,
                        bool olive, ab_error *err)
{
    const size_t slots = l->rows * l->gpr;
    res->rows = l->rows;
    res->cols = l->cols;
    res->groups_per_row = l->gpr;
    res->clip_ratio = 1.0;
    res->codes = calloc(l->n, sizeof *res->codes);
    res->type_ids = calloc(slots, sizeof *res->type_ids);
    res->scales = calloc(slots, sizeof *res->scales);
    res->scale_codes = calloc(slots, sizeof *res->scale_codes);
    res->dequant = calloc(l->n, sizeof *res->dequant);
    if (intk)
        res->row_scales = calloc(l->rows, sizeof *res->row_scales);
    if (asym)
        res->zero_points = calloc(slots, sizeof *res->zero_points);
    if (olive)
        res->outlier = calloc(l->n, sizeof *res->outlier);
    if (!res->codes || !res->type_ids || !res->scales || !res->scale_codes || !res->dequant ||
        (intk && !res->row_scales) || (asym && !res->zero_points) || (olive && !res->outlier)) {
        ab_quant_result_free(res);
        return ab_error_set(err, "out of memory for the quantization result of %zu values", l->n);
    }
    return 0;
}

/* ---- plain formats ----------------------------------------------------- */

int ab_qunits_alloc(ab_qunits *a, size_t nunits, ab_error *err)
{
    a->stat = malloc(nunits * sizeof *a->stat);
    a->ideal = malloc(nunits * sizeof *a->ideal);
    a->row = malloc(nunits * sizeof *a->row);
    a->scale = malloc(nunits * sizeof *a->scale);
    a->code = malloc(nunits * sizeof *a->code);
    a->type = malloc(nunits * sizeof *a->type);
    if (a->stat && a->ideal && a->row && a->scale && a->code && a->type)
        return 0;
    ab_qunits_free(a);
    return ab_error_set(err, "out of memory for %zu scale units", nunits);
}

void ab_qunits_free(ab_qunits *a)
{
    free(a->stat);
    free(a->ideal);
    free(a->row);
    free(a->scale);
    free(a->code);
    free(a->type);
    memset(a, 0, sizeof *a);
}

static int quant_symmetric(ab_qjob *job, const ab_format *fmt, ab_error *err)
{
    const ab_qlayout *l = &job->lay;
    ab_quant_result *res = job->res;
    const double fa = ab_format_absmax(fmt);
    if (!(fa > 0.0) || !isfinite(fa))
        return ab_error_set(err, "format '%s' has no nonzero finite value to scale onto",
                            fmt->name);
    ab_qunits a;
    if (ab_qunits_alloc(&a, l->nunits, err) != 0)
        return -1;
    for (size_t u = 0; u < l->nunits; u++)
        a.ideal[u] = ab_q_absmax(job->x + u * l->unit_len, l->unit_len) / fa;
    ab_q_row_scales(l, &job->sc, a.ideal, a.row, res);
    for (size_t u = 0; u < l->nunits; u++) {
        const size_t off = u * l->unit_len;
        a.scale[u] = ab_scale_round(&job->sc, a.ideal[u], a.row[u], &a.code[u]);
        ab_quant_encode_run(fmt, job->simd, job->x + off, l->unit_len, a.scale[u],
                            res->codes + off, res->dequant + off);
    }
    ab_q_store_units(l, a.scale, a.code, NULL, res);
    ab_qunits_free(&a);
    return 0;
}

static int quant_asymmetric(ab_qjob *job, const ab_format *fmt, ab_error *err)
{
    const ab_qlayout *l = &job->lay;
    ab_quant_result *res = job->res;
    const double top = ldexp(1.0, fmt->bits) - 1.0;
    ab_qunits a;
    if (ab_qunits_alloc(&a, l->nunits, err) != 0)
        return -1;
    int32_t *zp = malloc(l->nunits * sizeof *zp);
    if (!zp) {
        ab_qunits_free(&a);
        return ab_error_set(err, "out of memory for %zu scale units", l->nunits);
    }
    for (size_t u = 0; u < l->nunits; u++) {
        const float *xu = job->x + u * l->unit_len;
        double mn = xu[0], mx = xu[0];
        for (size_t i = 1; i < l->unit_len; i++) {
            mn = fmin(mn, (double)xu[i]);
            mx = fmax(mx, (double)xu[i]);
        }
        if (mn == mx) { /* constant unit: keep 0 in range, else the scale is 0 */
            mn = fmin(mn, 0.0);
            mx = fmax(mx, 0.0);
        }
        a.stat[u] = mn;
        a.ideal[u] = (mx - mn) / top;
    }
    ab_q_row_scales(l, &job->sc, a.ideal, a.row, res);
    for (size_t u = 0; u < l->nunits; u++) {
        const size_t off = u * l->unit_len;
        const double s = ab_scale_round(&job->sc, a.ideal[u], a.row[u], &a.code[u]);
        a.scale[u] = s;
        const double z = fmin(fmax(ab_round_half_even(-a.stat[u] / s), 0.0), top);
        zp[u] = (int32_t)z;
        for (size_t i = 0; i < l->unit_len; i++) {
            const double q = fmin(fmax(ab_round_half_even((double)job->x[off + i] / s) + z, 0.0),
                                  top);
            res->codes[off + i] = (uint32_t)q;
            res->dequant[off + i] = ab_q_to_float((q - z) * s);
        }
    }
    ab_q_store_units(l, a.scale, a.code, NULL, res);
    for (size_t r = 0; r < l->rows; r++)
        for (size_t g = 0; g < l->gpr; g++)
            res->zero_points[r * l->gpr + g] = zp[ab_qlayout_unit(l, r, g)];
    free(zp);
    ab_qunits_free(&a);
    return 0;
}

/* ---- accounting -------------------------------------------------------- */

static double bits_per_value(const ab_qjob *job)
{
    const ab_qlayout *l = &job->lay;
    const ab_quant_result *res = job->res;
    const double n = (double)l->n;
    const unsigned code_bits = res->candidates[res->type_ids[0] < res->ncandidates
                                                   ? res->type_ids[0] : 0].bits;
    double per_unit = (double)ab_scale_storage_bits(&job->sc);
    if (job->spec->asymmetric)
        per_unit += (double)code_bits; /* the zero point */
    if (res->selector == AB_SELECT_BITMOD)
        per_unit += 2.0; /* the group's type id (BitMoD: int6 scale + id = 8 bits) */
    double bpv = (double)code_bits + per_unit * (double)l->nunits / n;
    if (job->sc.kind == AB_SCALE_INTK)
        bpv += 16.0 * (double)l->rows / n; /* FP16 row scale */
    if (res->selector == AB_SELECT_ANT && res->ncandidates > 1)
        bpv += ceil(log2((double)res->ncandidates)) / n; /* per-tensor type id */
    return bpv;
}

/* ---- entry point ------------------------------------------------------- */

/* ab_quantize and ab_quantize_format: the format by name, or given. */
static int quantize(const ab_quant_spec *spec, const ab_format *given, const float *x,
                    size_t rows, size_t cols, ab_quant_result *out, ab_error *err)
{
    if (!out)
        return ab_error_set(err, "ab_quantize: no result to fill");
    memset(out, 0, sizeof *out);
    if (!spec || !x)
        return ab_error_set(err, "ab_quantize: %s is NULL", !spec ? "the spec" : "the input");
    if (rows == 0 || cols == 0)
        return ab_error_set(err, "empty tensor: rows %zu, cols %zu (both must be > 0)", rows,
                            cols);
    if (rows > SIZE_MAX / sizeof(float) / cols)
        return ab_error_set(err, "tensor too large: %zu rows x %zu cols", rows, cols);
    if (!given && !memchr(spec->format, '\0', sizeof spec->format))
        return ab_error_set(err, "format name is not terminated within %d characters",
                            AB_FORMAT_NAME_MAX);

    ab_qjob *job = calloc(1, sizeof *job);
    resolved *r = calloc(1, sizeof *r);
    int rc = -1;
    if (!job || !r) {
        ab_error_set(err, "out of memory");
        goto done;
    }
    job->simd = ab_simd_active();
    if (given) {
        r->selector = AB_SELECT_NONE;
        r->fmt = *given;
    } else if (resolve_name(spec->format, r, err) != 0) {
        goto done;
    }
    if (check_spec(spec, r, cols, err) != 0 || check_input(x, rows, cols, err) != 0)
        goto done;

    const bool mx = r->selector == AB_SELECT_NONE && r->fmt.block_size != 0;
    job->spec = spec;
    job->x = x;
    job->res = out;
    make_layout(spec, r, rows, cols, &job->lay);
    if (ab_scale_ctx_init(&job->sc, mx ? AB_SCALE_E8M0 : spec->scale,
                          mx ? 8 : spec->scale_bits, err) != 0)
        goto done;
    if (alloc_result(out, &job->lay, job->sc.kind == AB_SCALE_INTK, spec->asymmetric,
                     r->selector == AB_SELECT_OLIVE, err) != 0)
        goto done;
    out->selector = r->selector;

    switch (r->selector) {
    case AB_SELECT_BITMOD:
        job->bitmod_bits = r->bits;
        rc = ab_quant_bitmod(job, err);
        break;
    case AB_SELECT_ANT:
        job->ant_bits = r->bits;
        rc = ab_quant_ant(job, err);
        break;
    case AB_SELECT_OLIVE:
        job->olive_flint = r->olive_flint;
        rc = ab_quant_olive(job, err);
        break;
    case AB_SELECT_NONE:
    default:
        out->ncandidates = 1;
        out->candidates[0] = r->fmt;
        if (mx)
            rc = ab_quant_mx(job, err);
        else if (spec->asymmetric)
            rc = quant_asymmetric(job, &r->fmt, err);
        else
            rc = quant_symmetric(job, &r->fmt, err);
        break;
    }
    if (rc != 0) {
        ab_quant_result_free(out);
        goto done;
    }
    out->mse = ab_mse(x, out->dequant, job->lay.n);
    out->sqnr_db = ab_sqnr_db(x, out->dequant, job->lay.n);
    out->bits_per_value = bits_per_value(job);
done:
    free(job);
    free(r);
    return rc;
}

int ab_quantize(const ab_quant_spec *spec, const float *x, size_t rows, size_t cols,
                ab_quant_result *out, ab_error *err)
{
    return quantize(spec, NULL, x, rows, cols, out, err);
}

int ab_quantize_format(const ab_quant_spec *spec, const ab_format *fmt, const float *x,
                       size_t rows, size_t cols, ab_quant_result *out, ab_error *err)
{
    if (!fmt) {
        if (out)
            memset(out, 0, sizeof *out);
        return ab_error_set(err, "ab_quantize_format: the format is NULL");
    }
    return quantize(spec, fmt, x, rows, cols, out, err);
}
