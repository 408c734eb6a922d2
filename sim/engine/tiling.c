/* tiling.c - the mapper: how an op is cut into buffer tiles.
 *
 * Instances that share a weight operand (grouped-query attention heads)
 * are stacked along M, so the KV cache is read once per KV head; the rest
 * of `count` are repetitions.  Tile sizes are whole array passes along n
 * (and m for output-stationary), K cuts keep weight groups whole when
 * groups carry their own scales.  Every tile must fit one half of its
 * double-buffered SRAM.  The tilings that fit are ranked by an estimate,
 * max(compute, DRAM bytes / bandwidth) + the first tile's load (the part
 * double buffering cannot hide); the best AB_MAP_EXACT, and the best of
 * each K cut, among those within AB_MAP_SLACK of the best estimate, are then
 * timed exactly by the fast mode and the fastest is taken (ties: fewer
 * tiles, then n outside m).  A config's `tiling:` forces sizes instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "engine_impl.h"
#include "ab_math.h"
#include "pe/pe.h"
#include "tile_prog.h"

/* tilings timed exactly (by the fast mode) after ranking by the estimate */
#define AB_MAP_EXACT 3
/* ... among those estimated within this factor of the best estimate */
#define AB_MAP_SLACK 1.10
/* The most tile steps (count repetitions included) one op may walk: the
 * fast mode takes a fraction of a microsecond per step and the mapper times
 * several candidates, so this keeps one op to seconds
 * (docs/trace-format.md "Ranges").  An op inside the op range has fewer
 * than 2^58 steps under any tiling, so the count itself cannot wrap. */
#define AB_MAP_MAX_STEPS ((uint64_t)1 << 24)

typedef struct plan {
    ab_tiling t;
    double est;
    uint64_t steps;
} plan;

static uint64_t gcd_u64(uint64_t x, uint64_t y)
{
    while (y) {
        const uint64_t r = x % y;
        x = y;
        y = r;
    }
    return x;
}

static uint64_t k_align(const ab_accel *a, const ab_pe_op *po, uint64_t K)
{
    uint64_t align = ab_pe_kslice(a);
    if (a->dataflow == AB_DF_WS)
        align *= a->cols;
    else if (a->dataflow == AB_DF_WS_SYSTOLIC || a->dataflow == AB_DF_IS_SYSTOLIC)
        align = a->rows; /* whole folds along K */
    if (po->group < K)
        align = align / gcd_u64(align, po->group) * po->group;
    return align;
}

typedef struct fit {
    uint64_t w, a, o;
} fit;

static bool fits(const ab_accel *a, const ab_pe_op *po, uint64_t tm, uint64_t tn, uint64_t tk,
                 fit *need)
{
    need->w = ab_tile_weight_bytes(po, tn, 0, tk);
    need->a = ab_tile_act_bytes(po, tm, tk);
    need->o = ab_tile_partials_in_obuf(a) ? tm * tn * 4 : ab_tile_out_bytes(po, tm, tn);
    return need->w <= a->wbuf.bytes / 2 && need->a <= a->abuf.bytes / 2 &&
           need->o <= a->obuf.bytes / 2;
}

static void estimate(const ab_accel *a, const ab_pe_op *po, plan *pl)
{
    const ab_tiling *t = &pl->t;
    const uint64_t nn = ab_ceil_div(t->N, t->tn), nm = ab_ceil_div(t->M, t->tm),
                   nk = ab_ceil_div(t->K, t->tk);
    const double W = (double)ab_tile_weight_bytes(po, t->N, 0, t->K);
    const double A = (double)ab_tile_act_bytes(po, t->M, t->K);
    const double O = (double)ab_tile_out_bytes(po, t->M, t->N);
    double wf, af;
    if (!t->m_outer) {
        wf = nk == 1 ? 1.0 : (double)nm;
        af = (nm == 1 && nk == 1) ? 1.0 : (double)nn;
    } else {
        af = nk == 1 ? 1.0 : (double)nn;
        wf = (nn == 1 && nk == 1) ? 1.0 : (double)nm;
    }
    const double bw = a->dram.bytes_per_cycle;
    const double dram = (double)t->reps * (W * wf + A * af + O) / bw;
    /* compute of one full tile, from the first step of the program */
    ab_tile_prog p;
    ab_tile_prog_init(&p, a, po, t);
    ab_tile_step s;
    ab_tile_prog_next(&p, &s);
    pl->steps = p.total;
    const double compute = (double)s.compute_cycles * (double)p.total;
    /* under SCALE-Sim's convention the first load was prefetched: free */
    const double first = a->convention == AB_CONV_SCALESIM
                             ? 0.0
                             : (double)(s.load_w_bytes + s.load_a_bytes) / bw;
    pl->est = (compute > dram ? compute : dram) + first;
}

static int plan_cmp(const void *x, const void *y)
{
    const plan *p = x, *q = y;
    if (p->est != q->est)
        return p->est < q->est ? -1 : 1;
    if (p->steps != q->steps)
        return p->steps < q->steps ? -1 : 1;
    return (int)p->t.m_outer - (int)q->t.m_outer;
}

static bool better(const plan *x, const plan *best, bool have)
{
    if (!have)
        return true;
    if (x->est != best->est)
        return x->est < best->est;
    if (x->steps != best->steps)
        return x->steps < best->steps;
    return !x->t.m_outer && best->t.m_outer;
}

/* Sizes to try along one dimension: multiples of unit doubling, and the
 * whole dimension. */
static size_t size_candidates(uint64_t dim, uint64_t unit, uint64_t *out, size_t cap)
{
    size_t n = 0;
    for (uint64_t s = unit; n + 1 < cap; s *= 2) {
        if (s >= dim)
            break;
        out[n++] = s;
        if (s > UINT64_MAX / 2)
            break;
    }
    out[n++] = dim;
    return n;
}

int ab_map_op(const ab_accel *a, const ab_op *op, const ab_pe_op *po, ab_tiling *out,
              ab_error *err)
{
    ab_op_timing tm;
    return ab_map_op_timed(a, op, po, out, &tm, err);
}

int ab_map_op_timed(const ab_accel *a, const ab_op *op, const ab_pe_op *po, ab_tiling *out,
                    ab_op_timing *best_tm, ab_error *err)
{
    uint32_t blk_n, blk_m;
    ab_pe_block(a, &blk_n, &blk_m);
    const uint64_t share = op->weight_share ? op->weight_share : 1u;
    ab_tiling base = {0};
    base.M = op->M * share;
    base.N = op->N;
    base.K = op->K;
    base.reps = ab_ceil_div(op->count, share);
    /* tiles of whole array passes (systolic: whole folds) */
    uint64_t unit_n = (uint64_t)a->rows * blk_n;
    uint64_t unit_m = a->dataflow == AB_DF_WS ? 1u : (uint64_t)a->cols * blk_m;
    switch (a->dataflow) {
    case AB_DF_OS_SYSTOLIC:
        unit_n = a->cols;
        unit_m = a->rows;
        break;
    case AB_DF_WS_SYSTOLIC:
        unit_n = a->cols;
        unit_m = 1;
        break;
    case AB_DF_IS_SYSTOLIC:
        unit_n = 1;
        unit_m = a->cols;
        break;
    default:
        break;
    }
    const uint64_t align = k_align(a, po, base.K);
    fit need;

    if (a->force_tm || a->force_tn || a->force_tk) {
        ab_tiling t = base;
        t.forced = true;
        t.tm = a->force_tm ? (a->force_tm < t.M ? a->force_tm : t.M) : t.M;
        t.tn = a->force_tn ? (a->force_tn < t.N ? a->force_tn : t.N) : t.N;
        t.tk = a->force_tk ? (a->force_tk < t.K ? a->force_tk : t.K) : t.K;
        if (t.tk < t.K && t.tk % align)
            return ab_error_set(err,
                                "%s: tiling.tk: op %s needs a multiple of %llu (whole weight "
                                "groups and PE K slices), found %llu",
                                a->file, op->name, (unsigned long long)align,
                                (unsigned long long)t.tk);
        const uint64_t steps = t.reps * ab_ceil_div(t.M, t.tm) * ab_ceil_div(t.N, t.tn) *
                               ab_ceil_div(t.K, t.tk);
        if (steps > AB_MAP_MAX_STEPS)
            return ab_error_set(err,
                                "%s: tiling: op %s: the forced tile (tm %llu, tn %llu, tk %llu) "
                                "walks %llu tile steps, expected at most %llu (2^24) per op",
                                a->file, op->name, (unsigned long long)t.tm,
                                (unsigned long long)t.tn, (unsigned long long)t.tk,
                                (unsigned long long)steps, (unsigned long long)AB_MAP_MAX_STEPS);
        if (!fits(a, po, t.tm, t.tn, t.tk, &need))
            return ab_error_set(err,
                                "%s: tiling: op %s: the forced tile (tm %llu, tn %llu, tk %llu) "
                                "needs %llu / %llu / %llu bytes of weight / activation / output "
                                "buffer, one half of each holds %llu / %llu / %llu",
                                a->file, op->name, (unsigned long long)t.tm,
                                (unsigned long long)t.tn, (unsigned long long)t.tk,
                                (unsigned long long)need.w, (unsigned long long)need.a,
                                (unsigned long long)need.o, (unsigned long long)(a->wbuf.bytes / 2),
                                (unsigned long long)(a->abuf.bytes / 2),
                                (unsigned long long)(a->obuf.bytes / 2));
        *out = t;
        memset(best_tm, 0, sizeof *best_tm);
        return ab_engine_fast(a, po, &t, best_tm, err);
    }

    uint64_t tns[64], tms[64], tks[64];
    const size_t ntn = size_candidates(base.N, unit_n, tns, 64);
    const size_t ntm = size_candidates(base.M, unit_m, tms, 64);
    static const uint64_t divs[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128};
    size_t ntk = 0;
    for (size_t d = 0; d < sizeof divs / sizeof divs[0]; d++) {
        uint64_t tk = ab_ceil_div(ab_ceil_div(base.K, divs[d]), align) * align;
        if (tk > base.K)
            tk = base.K;
        if (ntk && tks[ntk - 1] == tk)
            continue;
        tks[ntk++] = tk;
    }
    /* A long K beside a small M x N (one output of a 2^30-long dot product)
     * may not fit even cut in 128: then halve the cut, whole alignment
     * units, down to one unit, until the smallest tile fits.  Only then:
     * where a cut of at most 128 fits, the candidates are as above. */
    while (tks[ntk - 1] > align && ntk < sizeof tks / sizeof tks[0] &&
           !fits(a, po, tms[0], tns[0], tks[ntk - 1], &need)) {
        const uint64_t half = tks[ntk - 1] / 2 / align * align;
        tks[ntk] = half > align ? half : align;
        ntk++;
    }
    /* every tiling that fits, ranked by the estimate */
    const size_t cap = ntk * ntn * ntm * 2;
    plan *plans = malloc(cap * sizeof *plans);
    if (!plans)
        return ab_error_set(err, "out of memory mapping op %s", op->name);
    size_t np = 0;
    uint64_t fewest_steps = UINT64_MAX; /* of the tilings that fit */
    for (size_t i = 0; i < ntk; i++)
        for (size_t j = 0; j < ntn; j++)
            for (size_t k = 0; k < ntm; k++) {
                if (!fits(a, po, tms[k], tns[j], tks[i], &need))
                    continue;
                for (int order = 0; order < 2; order++) {
                    plan *pl = &plans[np++];
                    memset(pl, 0, sizeof *pl);
                    pl->t = base;
                    pl->t.tk = tks[i];
                    pl->t.tn = tns[j];
                    pl->t.tm = tms[k];
                    pl->t.m_outer = order == 1;
                    estimate(a, po, pl);
                    if (pl->steps < fewest_steps)
                        fewest_steps = pl->steps;
                    if (pl->steps > AB_MAP_MAX_STEPS)
                        np--; /* fits, but too long to simulate */
                }
            }
    qsort(plans, np, sizeof *plans, plan_cmp);
    /* the estimate cannot see how loads bunch up between tiles: the best
     * few are timed exactly by the fast mode and the fastest is taken */
    plan best = {0};
    bool have = false;
    for (size_t i = 0; i < np; i++) {
        /* the first AB_MAP_EXACT, and the first of each K cut */
        bool first_of_tk = true;
        for (size_t j = 0; j < i && first_of_tk; j++)
            first_of_tk = plans[j].t.tk != plans[i].t.tk;
        if (i >= AB_MAP_EXACT && !first_of_tk)
            continue;
        if (i > 0 && plans[i].est > AB_MAP_SLACK * plans[0].est)
            break; /* sorted: the rest are further off */
        ab_op_timing tm;
        memset(&tm, 0, sizeof tm);
        if (ab_engine_fast(a, po, &plans[i].t, &tm, err) != 0) {
            free(plans);
            return -1;
        }
        plans[i].est = (double)tm.cycles;
        if (better(&plans[i], &best, have)) {
            best = plans[i];
            *best_tm = tm;
            have = true;
        }
    }
    free(plans);
    if (!have && fewest_steps != UINT64_MAX)
        return ab_error_set(err,
                            "%s: op %s: every tiling that fits the buffers walks more than %llu "
                            "(2^24) tile steps (the fewest: %llu), the most one op may take "
                            "(docs/trace-format.md \"Ranges\")",
                            a->file, op->name, (unsigned long long)AB_MAP_MAX_STEPS,
                            (unsigned long long)fewest_steps);
    if (!have) {
        const uint64_t tk = align < base.K ? align : base.K;
        const uint64_t tn = unit_n < base.N ? unit_n : base.N;
        const uint64_t tm = unit_m < base.M ? unit_m : base.M;
        fits(a, po, tm, tn, tk, &need);
        return ab_error_set(err,
                            "%s: buffers: no tile of op %s fits: the smallest (tm %llu, tn %llu, "
                            "tk %llu) needs %llu / %llu / %llu bytes of weight / activation / "
                            "output buffer, one half of each holds %llu / %llu / %llu",
                            a->file, op->name, (unsigned long long)tm, (unsigned long long)tn,
                            (unsigned long long)tk, (unsigned long long)need.w,
                            (unsigned long long)need.a, (unsigned long long)need.o,
                            (unsigned long long)(a->wbuf.bytes / 2),
                            (unsigned long long)(a->abuf.bytes / 2),
                            (unsigned long long)(a->obuf.bytes / 2));
    }
    *out = best.t;
    return 0;
}
