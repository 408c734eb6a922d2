/* engine_cycle.c - the cycle timing mode: the DMA engine, the SRAM read
 * ports and the PEs advanced one cycle at a time, under the rules that
 * engine_fast.c evaluates in closed form (read them there).
 *
 * Per cycle t, in this order:
 *   1. an idle DMA engine takes the next request in program order and
 *      starts it if its dependency is met by t;
 *   2. an idle array starts the next tile if its load is done, and the
 *      output buffer half it will fill is free, by t;
 *   3. the DMA moves bandwidth bytes (in thousandths of a byte); a transfer
 *      whose last byte moved is done `latency` cycles after this cycle;
 *      the array advances the PE stepper of its current pass (or the
 *      pass's fill cycles; for a systolic dataflow the wavefront of its
 *      current fold, wave_cycle) and drains its SRAM port counters; a tile
 *      whose passes and SRAM reads are finished ends after this cycle.
 * Completion times are recorded when they become known and tested as
 * "t >= time"; nothing reads a time before the cycle it refers to. */
#include <string.h>

#include "engine_impl.h"
#include "systolic.h"

#define WIN 8u /* steps in flight: the DMA runs at most 2 tiles ahead of the array */

typedef struct win_step {
    ab_tile_step st;
    uint64_t ldone, cend;
    bool ldone_known, cend_known;
} win_step;

typedef enum req_kind { REQ_LOAD, REQ_STORE } req_kind;

typedef struct req {
    req_kind kind;
    uint64_t step;
    uint64_t bytes;
} req;

typedef struct cyc {
    const ab_accel *a;
    const ab_pe_op *po;
    ab_tile_prog prog;
    win_step win[WIN];
    uint64_t fetched;
    bool exhausted;
    uint64_t sdone[4];
    bool sdone_known[4];
    /* request generator: phase 0 = L0, 1 = L(gs+1), 2 = S(gs) */
    int gphase;
    uint64_t gs;
    bool gen_done;
    bool prefetched_l0; /* cycle_convention scalesim: L0 done before cycle 0 */
} cyc;

static bool fetch(cyc *c, uint64_t j)
{
    while (c->fetched <= j && !c->exhausted) {
        win_step *w = &c->win[c->fetched % WIN];
        memset(w, 0, sizeof *w);
        if (!ab_tile_prog_next(&c->prog, &w->st)) {
            c->exhausted = true;
            break;
        }
        if (w->st.load_w_bytes + w->st.load_a_bytes == 0 || (c->fetched == 0 && c->prefetched_l0)) {
            w->ldone = 0;
            w->ldone_known = true;
        }
        c->fetched++;
    }
    return j < c->fetched;
}

static win_step *at(cyc *c, uint64_t j) { return &c->win[j % WIN]; }

static bool gen_next(cyc *c, req *r)
{
    while (!c->gen_done) {
        if (c->gphase == 0) {
            c->gphase = 1;
            c->gs = 0;
            if (!fetch(c, 0)) {
                c->gen_done = true;
                return false;
            }
            const ab_tile_step *s = &at(c, 0)->st;
            if (s->load_w_bytes + s->load_a_bytes && !c->prefetched_l0) {
                *r = (req){REQ_LOAD, 0, s->load_w_bytes + s->load_a_bytes};
                return true;
            }
        } else if (c->gphase == 1) {
            c->gphase = 2;
            if (fetch(c, c->gs + 1)) {
                const ab_tile_step *s = &at(c, c->gs + 1)->st;
                if (s->load_w_bytes + s->load_a_bytes) {
                    *r = (req){REQ_LOAD, c->gs + 1, s->load_w_bytes + s->load_a_bytes};
                    return true;
                }
            }
        } else {
            if (!fetch(c, c->gs)) {
                c->gen_done = true;
                return false;
            }
            const uint64_t s = c->gs++;
            c->gphase = 1;
            if (at(c, s)->st.stores) {
                *r = (req){REQ_STORE, s, at(c, s)->st.store_bytes};
                return true;
            }
        }
    }
    return false;
}

static bool req_ready(cyc *c, const req *r, uint64_t t)
{
    if (r->kind == REQ_LOAD) {
        if (r->step < 2)
            return true;
        const win_step *w = at(c, r->step - 2);
        return w->cend_known && t >= w->cend;
    }
    const win_step *w = at(c, r->step);
    return w->cend_known && t >= w->cend + c->po->dequant_cycles;
}

/* One fold of a systolic dataflow as its wavefront moves (systolic.h):
 * the stationary operand shifts in a row per cycle, then the stream enters
 * PE (0, 0), whose stepper runs the PE's work unit, and reaches
 * anti-diagonal d of the array d cycles later; a PE streams as long as the
 * edge PE did, so diagonal d is busy from d to d + stream - 1.  The fold
 * is over when the last diagonal (the far corner) has finished. */
typedef struct wave {
    uint64_t preload_left; /* rows of the stationary operand still to shift in */
    uint64_t u;            /* cycles since the stream entered PE (0, 0) */
    uint64_t stream;       /* the edge PE's stream cycles, once its stepper is done (0 before) */
    uint64_t used_r, used_c; /* the fold's mapped corner of the array */
    uint64_t diagonals;    /* rows + cols - 1 */
    uint64_t busy_now;     /* mapped PEs streaming in this cycle */
    uint64_t cycles;       /* cycles of the fold so far */
} wave;

typedef struct array_state {
    bool active;
    uint64_t step;   /* next tile to compute / the one computing */
    uint64_t pass;
    bool in_fill;
    uint64_t fill_left;
    uint64_t pe_cycles; /* stepper cycles of the current pass */
    int64_t sram_left[2];
    ab_pe_stepper stepper;
    wave wv;          /* systolic dataflows: the current fold */
    uint64_t busy;    /* systolic: PE busy cycles of the tile, as the wavefronts stepped them */
} array_state;

static void wave_begin(const ab_accel *a, const ab_tile_step *s, uint64_t pass, wave *w)
{
    const uint64_t R = a->rows, C = a->cols;
    const uint64_t folds_r = (s->fold_rows + R - 1) / R;
    const uint64_t fr = pass % folds_r, fc = pass / folds_r;
    memset(w, 0, sizeof *w);
    w->preload_left = ab_systolic_preload(a);
    w->used_r = s->fold_rows - fr * R < R ? s->fold_rows - fr * R : R;
    w->used_c = s->fold_cols - fc * C < C ? s->fold_cols - fc * C : C;
    w->diagonals = R + C - 1;
}

/* One cycle of a fold: 1 when the fold has finished with it, 0 when not,
 * -1 with err when the stepper or the fold broke its cycle rule. */
static int wave_cycle(const ab_accel *a, const ab_pe_op *po, const ab_tile_step *s,
                      array_state *ar, ab_error *err)
{
    const ab_pe_model *pm = ab_pe_model_of(a->pe);
    wave *w = &ar->wv;
    w->cycles++;
    if (w->preload_left) {
        w->preload_left--;
        return 0;
    }
    if (w->u < w->diagonals)
        w->busy_now += ab_systolic_diagonal_pes(w->u, w->used_r, w->used_c);
    if (w->stream && w->u >= w->stream && w->u - w->stream < w->diagonals)
        w->busy_now -= ab_systolic_diagonal_pes(w->u - w->stream, w->used_r, w->used_c);
    if (!w->stream) {
        ar->pe_cycles++;
        if (pm->step(a, po, &ar->stepper)) {
            if (ar->pe_cycles != s->pass_pe_cycles)
                return ab_error_set(err, "internal: the %s PE stepper took %llu cycles, its "
                                    "cycle rule says %llu", ab_pe_kind_name(a->pe),
                                    (unsigned long long)ar->pe_cycles,
                                    (unsigned long long)s->pass_pe_cycles);
            w->stream = ar->pe_cycles;
        }
    }
    ar->busy += w->busy_now;
    w->u++;
    if (!w->stream || w->u < w->diagonals - 1 + w->stream)
        return 0;
    const uint64_t rule = ab_systolic_fold_cycles(a, w->stream);
    if (w->cycles != rule)
        return ab_error_set(err, "internal: a %s fold's wavefront took %llu cycles, the "
                            "systolic rule says %llu", ab_dataflow_name(a->dataflow),
                            (unsigned long long)w->cycles, (unsigned long long)rule);
    return 1;
}

static bool can_start(cyc *c, const array_state *ar, uint64_t t)
{
    if (!fetch(c, ar->step))
        return false;
    const win_step *w = at(c, ar->step);
    if (!w->ldone_known || t < w->ldone)
        return false;
    if (w->st.stores && w->st.out_index >= 2) {
        const uint64_t o = (w->st.out_index - 2) % 4;
        if (!c->sdone_known[o] || t < c->sdone[o])
            return false;
    }
    return true;
}

int ab_engine_cycle(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t, ab_op_timing *tm,
                    ab_error *err)
{
    const ab_pe_model *pm = ab_pe_model_of(a->pe);
    cyc c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.po = po;
    ab_tile_prog_init(&c.prog, a, po, t);
    const uint64_t milli_bw = ab_dram_milli_bytes_per_cycle(a);
    const uint64_t latency = a->dram.latency_cycles;
    const bool systolic = ab_dataflow_systolic(a->dataflow);
    c.prefetched_l0 = a->convention == AB_CONV_SCALESIM;

    bool dma_active = false, have_head = false;
    req head = {0}, cur = {0};
    int64_t dma_left = 0;
    array_state ar;
    memset(&ar, 0, sizeof ar);
    uint64_t end = 0, idle = 0, array_end = 0;

    for (uint64_t now = 0;; now++) {
        /* 1. DMA issue */
        if (!dma_active) {
            if (!have_head)
                have_head = gen_next(&c, &head);
            if (have_head && req_ready(&c, &head, now)) {
                cur = head;
                have_head = false;
                dma_active = true;
                dma_left = (int64_t)(cur.bytes * 1000u);
            }
        }
        /* 2. array start */
        if (!ar.active && can_start(&c, &ar, now)) {
            const ab_tile_step *s = &at(&c, ar.step)->st;
            ar.active = true;
            ar.pass = 0;
            ar.in_fill = false;
            ar.pe_cycles = 0;
            ar.sram_left[0] = (int64_t)s->sram_read[0];
            ar.sram_left[1] = (int64_t)s->sram_read[1];
            ar.busy = 0;
            pm->step_begin(a, po, &s->work, &ar.stepper);
            if (systolic)
                wave_begin(a, s, 0, &ar.wv);
        }
        const bool busy = dma_active || ar.active;
        /* 3. advance one cycle */
        if (dma_active) {
            dma_left -= (int64_t)milli_bw;
            if (dma_left <= 0) {
                dma_active = false;
                const uint64_t done = now + 1 + latency;
                if (cur.kind == REQ_LOAD) {
                    at(&c, cur.step)->ldone = done;
                    at(&c, cur.step)->ldone_known = true;
                } else {
                    const uint64_t o = at(&c, cur.step)->st.out_index % 4;
                    c.sdone[o] = done;
                    c.sdone_known[o] = true;
                    end = done > end ? done : end;
                }
            }
        }
        if (ar.active) {
            win_step *w = at(&c, ar.step);
            const ab_tile_step *s = &w->st;
            if (ar.pass < s->passes && systolic) {
                const int r = wave_cycle(a, po, s, &ar, err);
                if (r < 0)
                    return -1;
                if (r > 0) {
                    ar.pe_cycles = 0;
                    if (++ar.pass < s->passes) {
                        pm->step_begin(a, po, &s->work, &ar.stepper);
                        wave_begin(a, s, ar.pass, &ar.wv);
                    }
                }
            } else if (ar.pass < s->passes) {
                if (!ar.in_fill) {
                    ar.pe_cycles++;
                    if (pm->step(a, po, &ar.stepper)) {
                        if (ar.pe_cycles != s->pass_pe_cycles)
                            return ab_error_set(err,
                                                "internal: the %s PE stepper took %llu cycles, "
                                                "its cycle rule says %llu",
                                                ab_pe_kind_name(a->pe),
                                                (unsigned long long)ar.pe_cycles,
                                                (unsigned long long)s->pass_pe_cycles);
                        ar.in_fill = true;
                        ar.fill_left = s->pass_fill;
                    }
                } else {
                    ar.fill_left--;
                }
                if (ar.in_fill && ar.fill_left == 0) {
                    ar.in_fill = false;
                    ar.pe_cycles = 0;
                    if (++ar.pass < s->passes)
                        pm->step_begin(a, po, &s->work, &ar.stepper);
                }
            }
            ar.sram_left[0] -= (int64_t)s->sram_port[0];
            ar.sram_left[1] -= (int64_t)s->sram_port[1];
            if (ar.pass >= s->passes && ar.sram_left[0] <= 0 && ar.sram_left[1] <= 0) {
                if (systolic && ar.busy != s->pe_busy)
                    return ab_error_set(err, "internal: the %s wavefronts kept PEs busy for "
                                        "%llu PE-cycles, the tile program counts %llu",
                                        ab_dataflow_name(a->dataflow),
                                        (unsigned long long)ar.busy,
                                        (unsigned long long)s->pe_busy);
                w->cend = now + 1;
                w->cend_known = true;
                const uint64_t ready = w->cend + po->dequant_cycles;
                end = ready > end ? ready : end;
                array_end = ready > array_end ? ready : array_end;
                ab_timing_add_step(tm, s);
                ar.active = false;
                ar.step++;
            }
        }
        if (c.exhausted && ar.step >= c.fetched && !dma_active && !have_head && c.gen_done &&
            now + 1 >= end)
            break;
        /* a stuck machine is a bug in the rules, not a long op */
        idle = busy ? 0 : idle + 1;
        if (idle > 2 * (latency + po->dequant_cycles) + 8)
            return ab_error_set(err, "internal: cycle engine stalled at cycle %llu (tile %llu)",
                                (unsigned long long)now, (unsigned long long)ar.step);
    }
    tm->cycles = ab_op_end(a, end, array_end);
    return 0;
}
