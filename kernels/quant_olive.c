/* quant_olive.c - OliVe outlier-victim pair quantization (ISCA'23; code:
 * clevercool/ANT-Quantization, olive_quantization/antquant/quant_modules.py).
 *
 * Normal values use the registry's olive4 (int4 -7..7) or olive4_flint
 * (flint4 0,1,2,3,4,6,8,16) grid; code 1000 of both is the victim marker
 * and decodes to 0.  Outliers use olive_abfloat (E2M1, exponent bias 5:
 * +-{48,...,384}).  OliVe's code normalises the normal grid so that the
 * normal/outlier threshold sits at 32 = 2^5 in abfloat units (int_value:
 * values * 32 / 2^B, flint_value: values * 32 / 2^exp_max), so one abfloat
 * unit is T/32 normal units with T = 8 for int4, 16 for flint4: outliers
 * are +-{12,...,96} x scale with int4 normals and +-{24,...,192} x scale
 * with flint4.  res->outlier_unit holds that T/32.
 *
 * Rules (from _forward and search_mse):
 *   - scale = alpha / max|normal grid| (7 or 16);
 *   - a value is an outlier when the nearest point of normal grid union
 *     outlier grid is an outlier, i.e. |x|/scale beyond the midpoint
 *     between the normal maximum and the smallest outlier (ties: normal);
 *   - pairs are (0,1), (2,3), ... along a row; an outlier's partner is the
 *     victim: value 0, code 1000.  When both are outliers the larger
 *     magnitude stays an outlier and the other becomes the victim (ties:
 *     the even element stays).  OliVe's public code always keeps the even
 *     one; keeping the larger loses less.  A partner is pruned even when
 *     that costs more than the outlier gains, as in OliVe;
 *   - with an odd row length the last element of a row has no partner and
 *     is quantized to the normal grid only;
 *   - alpha = r * max(|mean + 3 std|, |mean - 3 std|) (unbiased std) with
 *     r = 0.75, 0.77, ..., 2.49 (--w_low=75 --w_up=250, step 2, from
 *     olive_quantization/llm/scripts/clm_run.sh), lowest error first on
 *     ties.  OliVe searches per output channel for weights; here per scale
 *     unit of the spec (tensor by default in the brief, channel or even-
 *     sized group when asked).  An all-zero unit gets scale 1.
 * clip_ratio reports the mean chosen r (relative to the 3-sigma base).
 */
#include <math.h>
#include <stdlib.h>

#include "quant_impl.h"

#define OLIVE_ABFLOAT_THRESHOLD 32.0 /* 2^exp_base, exp_base = 5 */
#define OLIVE_PCT_LO 75
#define OLIVE_PCT_HI 249
#define OLIVE_PCT_STEP 2

typedef struct olive_ctx {
    const ab_format *nf, *af; /* normal grid, abfloat */
    double nlo, nhi, nabs;    /* normal grid range and max magnitude */
    double alo, ahi;          /* abfloat range */
    double unit;              /* normal units per abfloat unit */
    double thr;               /* |y| at or below: the normal grid is closer */
    uint32_t victim;          /* the normal grid's 1000 code */
    size_t cols;
} olive_ctx;

/* Nearest normal and nearest outlier of y (in normal units). */
typedef struct olive_pick {
    uint32_t code;
    double value; /* normal units */
    bool outlier;
} olive_pick;

static olive_pick olive_nearest(const olive_ctx *o, double y)
{
    olive_pick p;
    const double yn = fmin(fmax(y, o->nlo), o->nhi);
    p.code = ab_format_encode(o->nf, yn);
    p.value = ab_format_decode(o->nf, p.code);
    p.outlier = false;
    if (fabs(y) > o->thr) {
        const double z = fmin(fmax(y / o->unit, o->alo), o->ahi);
        const uint32_t qo = ab_format_encode(o->af, z);
        const double vo = ab_format_decode(o->af, qo) * o->unit;
        if (fabs(y - vo) < fabs(y - p.value)) {
            p.code = qo;
            p.value = vo;
            p.outlier = true;
        }
    }
    return p;
}

static double olive_put(const float *x, size_t i, const olive_pick *p, double s, uint32_t *codes,
                        float *deq, uint8_t *outl)
{
    const float d = ab_q_to_float(p->value * s);
    const double e = (double)x[i] - (double)d;
    if (codes) {
        codes[i] = p->code;
        deq[i] = d;
        outl[i] = p->outlier ? 1 : 0;
    }
    return e * e;
}

/* Quantizes x[off .. off+len) with scale s; arrays may be NULL (error only).
 * The arrays are indexed like x. */
static double olive_run(const olive_ctx *o, const float *x, size_t off, size_t len, double s,
                        uint32_t *codes, float *deq, uint8_t *outl)
{
    double sse = 0.0;
    size_t col = off % o->cols;
    const size_t end = off + len;
    for (size_t i = off; i < end;) {
        if (col + 1 < o->cols && i + 1 < end) {
            olive_pick a = olive_nearest(o, (double)x[i] / s);
            olive_pick b = olive_nearest(o, (double)x[i + 1] / s);
            if (a.outlier && b.outlier) {
                if (fabsf(x[i + 1]) > fabsf(x[i]))
                    a.outlier = false; /* a becomes the victim below */
                else
                    b.outlier = false;
                olive_pick *v = a.outlier ? &b : &a;
                v->code = o->victim;
                v->value = 0.0;
            } else if (a.outlier || b.outlier) {
                olive_pick *v = a.outlier ? &b : &a;
                v->code = o->victim;
                v->value = 0.0;
                v->outlier = false;
            }
            sse += olive_put(x, i, &a, s, codes, deq, outl);
            sse += olive_put(x, i + 1, &b, s, codes, deq, outl);
            i += 2;
            col += 2;
        } else {
            /* unpaired last element of a row: normal grid only */
            const double y = fmin(fmax((double)x[i] / s, o->nlo), o->nhi);
            olive_pick p;
            p.code = ab_format_encode(o->nf, y);
            p.value = ab_format_decode(o->nf, p.code);
            p.outlier = false;
            sse += olive_put(x, i, &p, s, codes, deq, outl);
            i += 1;
            col += 1;
        }
        if (col >= o->cols)
            col = 0;
    }
    return sse;
}

/* max(|mean + 3 std|, |mean - 3 std|), falling back to absmax when that is
 * 0 (only an all-zero unit then stays 0). */
static double three_sigma(const float *x, size_t len)
{
    double sum = 0.0;
    for (size_t i = 0; i < len; i++)
        sum += x[i];
    const double mean = sum / (double)len;
    double ss = 0.0;
    for (size_t i = 0; i < len; i++) {
        const double d = (double)x[i] - mean;
        ss += d * d;
    }
    const double sd = len > 1 ? sqrt(ss / (double)(len - 1)) : 0.0;
    const double base = fmax(fabs(mean + 3.0 * sd), fabs(mean - 3.0 * sd));
    return base > 0.0 ? base : ab_q_absmax(x, len);
}

/* Type 0: the normal grid (code 1000 marks a victim), type 1: abfloat. */
int ab_olive_candidates(bool flint, ab_format *cand, uint8_t *n, ab_error *err)
{
    if (ab_format_parse(flint ? "olive4_flint" : "olive4", &cand[0], err) != 0 ||
        ab_format_parse("olive_abfloat", &cand[1], err) != 0)
        return -1;
    *n = 2;
    return 0;
}

int ab_quant_olive(ab_qjob *job, ab_error *err)
{
    const ab_qlayout *l = &job->lay;
    ab_quant_result *res = job->res;
    if (ab_olive_candidates(job->olive_flint, res->candidates, &res->ncandidates, err) != 0)
        return -1;
    olive_ctx o;
    o.nf = &res->candidates[0];
    o.af = &res->candidates[1];
    o.nlo = ab_format_min(o.nf);
    o.nhi = ab_format_max(o.nf);
    o.nabs = ab_format_absmax(o.nf);
    o.alo = ab_format_min(o.af);
    o.ahi = ab_format_max(o.af);
    o.unit = (job->olive_flint ? 16.0 : 8.0) / OLIVE_ABFLOAT_THRESHOLD;
    o.victim = 1u << (o.nf->bits - 1);
    o.cols = l->cols;
    if (ab_format_decode(o.nf, o.victim) != 0.0)
        return ab_error_set(err, "format '%s': code %u should be the victim marker (value 0)",
                            o.nf->name, o.victim);
    double grid[AB_GRID_MAX_CODES], amin = INFINITY;
    const size_t ng = ab_format_grid(o.af, grid, AB_GRID_MAX_CODES);
    for (size_t i = 0; i < ng && i < AB_GRID_MAX_CODES; i++)
        if (grid[i] > 0.0)
            amin = fmin(amin, grid[i]);
    o.thr = 0.5 * (o.nabs + amin * o.unit);
    res->outlier_unit = o.unit;

    const size_t nu = l->nunits;
    ab_qunits a;
    if (ab_qunits_alloc(&a, nu, err) != 0)
        return -1;
    double *const base = a.stat, *const ceiling = a.ideal, *const row = a.row,
                 *const scale = a.scale;
    uint32_t *const code = a.code;
    for (size_t u = 0; u < nu; u++) {
        base[u] = three_sigma(job->x + u * l->unit_len, l->unit_len);
        ceiling[u] = base[u] * OLIVE_PCT_HI / 100.0 / o.nabs;
    }
    ab_q_row_scales(l, &job->sc, ceiling, row, res);

    double ratio_sum = 0.0;
    size_t ratio_n = 0;
    for (size_t u = 0; u < nu; u++) {
        const size_t off = u * l->unit_len;
        double best = INFINITY;
        int best_p = 100;
        for (int p = OLIVE_PCT_LO; p <= OLIVE_PCT_HI && base[u] > 0.0; p += OLIVE_PCT_STEP) {
            uint32_t sc;
            const double s = ab_scale_round(&job->sc, base[u] * p / 100.0 / o.nabs, row[u], &sc);
            const double e = olive_run(&o, job->x, off, l->unit_len, s, NULL, NULL, NULL);
            if (e < best) {
                best = e;
                best_p = p;
            }
        }
        const double ideal = base[u] > 0.0 ? base[u] * best_p / 100.0 / o.nabs : 0.0;
        scale[u] = ab_scale_round(&job->sc, ideal, row[u], &code[u]);
        olive_run(&o, job->x, off, l->unit_len, scale[u], res->codes, res->dequant,
                  res->outlier);
        if (base[u] > 0.0) {
            ratio_sum += best_p / 100.0;
            ratio_n++;
        }
    }
    res->clip_ratio = ratio_n ? ratio_sum / (double)ratio_n : 1.0;
    ab_q_store_units(l, scale, code, NULL, res);
    ab_qunits_free(&a);
    return 0;
}
