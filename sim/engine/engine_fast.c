/* engine_fast.c - the fast timing mode: the tile sequence's timing rules
 * evaluated in closed form, one tile at a time (docs/simulator.md).
 *
 * Rules (engine_cycle.c steps exactly these, cycle by cycle):
 *   - One DMA engine serves requests strictly in program order
 *       L0, L1, S0, L2, S1, ..., L(s+1), S(s), ..., S(last)
 *     (load the next tile before storing the current one).  A request of
 *     b bytes starts at max(DMA free, ready), occupies the DMA for
 *     ceil(b / bandwidth) cycles and is done `latency` cycles later.
 *     Empty requests (resident tiles) are not issued and wait for nothing.
 *   - L(s) is ready when compute s-2 has ended (double buffer: tile s
 *     reuses the half tile s-2 computed from).
 *   - Compute s starts at max(compute s-1 end, L(s) done, and, if s
 *     completes output tile o >= 2, the store of output tile o-2 done)
 *     and lasts the tile's compute cycles.
 *   - S(s) is ready dequant_cycles after compute s ends (the PE's output
 *     delay: bitmod's bit-serial dequantization of the last group).
 *   - The op ends when its last store is done (the anybit convention);
 *     under cycle_convention scalesim the first load takes no time (it
 *     was prefetched) and the op's count is the index of the array's last
 *     cycle (ab_op_end).
 *
 * Period skipping.  The rules are max-plus: every time is a max of earlier
 * times plus constants, so shifting every time of a state by D shifts every
 * later time by D (0, "nothing to wait for", stays 0, and so does a done
 * time that can no longer delay anything).  Between two units
 * of a loop level whose steps are alike (tile_prog.h "loop levels") the
 * state moves by one transition that depends only on the steps.  When the
 * state at the end of unit u equals the one at the end of unit u - 2
 * shifted by D (u - 1 and u alike, so a transition of two units), each
 * further two alike units add D to every time and the same events to the
 * totals: the walk jumps over them at once.  Two units, not one, so the
 * output tiles' store slots (by parity) line up and a schedule that
 * alternates between two shapes is caught too.  The result is the walk's,
 * exactly (Engine.FastSkipsPeriodsExactly compares every field with the
 * walk that visits every step). */
#include <string.h>

#include "engine_impl.h"
#include "timeline.h"

static uint64_t max_u64(uint64_t x, uint64_t y) { return x > y ? x : y; }

typedef struct dma {
    uint64_t free_at, milli_bw, latency;
} dma;

/* Issue a request; returns its done time (0 for an empty one) and, when
 * asked, the cycle its transfer starts (it ends at d->free_at). */
static uint64_t dma_issue(dma *d, uint64_t bytes, uint64_t ready, uint64_t *started)
{
    if (bytes == 0)
        return 0;
    const uint64_t start = max_u64(d->free_at, ready);
    d->free_at = start + ab_dma_transfer_cycles(bytes, d->milli_bw);
    if (started)
        *started = start;
    return d->free_at + d->latency;
}

/* A load's bytes over its transfer: DRAM reads and the buffers' fills. */
static void timeline_load(ab_timeline *tl, const ab_tile_step *s, uint64_t start, uint64_t end)
{
    const double bytes = (double)(s->load_w_bytes + s->load_a_bytes);
    ab_timeline_spread(tl, AB_TL_DRAM_READ, start, end, bytes);
    ab_timeline_spread(tl, AB_TL_SRAM_WRITE, start, end,
                       (double)(s->sram_write[0] + s->sram_write[1]));
}

/* A tile's compute phase (the array's buffer reads and output writes, PE
 * work) and its store (the output buffer read out to DRAM). */
static void timeline_compute(ab_timeline *tl, const ab_tile_step *s, uint64_t cstart,
                             uint64_t cend)
{
    ab_timeline_spread(tl, AB_TL_SRAM_READ, cstart, cend,
                       (double)(s->sram_read[0] + s->sram_read[1] + s->sram_read[2] -
                                s->store_bytes));
    ab_timeline_spread(tl, AB_TL_SRAM_WRITE, cstart, cend, (double)s->sram_write[2]);
    ab_timeline_spread(tl, AB_TL_PE_BUSY, cstart, cend, (double)s->pe_busy);
}

static void timeline_store(ab_timeline *tl, const ab_tile_step *s, uint64_t start, uint64_t end)
{
    ab_timeline_spread(tl, AB_TL_DRAM_WRITE, start, end, (double)s->store_bytes);
    ab_timeline_spread(tl, AB_TL_SRAM_READ, start, end, (double)s->store_bytes);
}

typedef struct fast_state {
    dma d;
    uint64_t ldone_cur, cend_prev, end, array_end;
    uint64_t sdone[2]; /* store done of output tiles o-2, o-1 (by o % 2) */
} fast_state;

/* The state at the end of one unit of a level, kept to compare with the
 * one two units later. */
typedef struct fast_snapshot {
    bool valid;
    uint64_t index, parent;
    fast_state st;
    ab_op_timing totals;
} fast_snapshot;

/* The times of a state that can still matter, 0 for the rest: the DMA's
 * free time, a load's or store's done time at or before the last compute
 * end can no longer delay anything (every later request is ready, and every
 * later compute starts, at or after that compute end), so it counts as
 * "nothing to wait for", like 0.  The ends are kept as they are. */
static void live_times(const fast_state *st, uint64_t out[6])
{
    const uint64_t base = st->cend_prev;
    const uint64_t waits[] = {st->d.free_at, st->ldone_cur, st->sdone[0], st->sdone[1]};
    for (int i = 0; i < 4; i++)
        out[i] = waits[i] > base ? waits[i] : 0;
    out[4] = st->end;
    out[5] = st->array_end;
}

/* *now's live times are *then's moved by *delta (0 in both, or both
 * nonzero).  A shift needs a real time base: the compute end, which every
 * later time waits for. */
static bool shifted_by(const fast_state *now, const fast_state *then, uint64_t *delta)
{
    if (now->cend_prev < then->cend_prev)
        return false;
    const uint64_t dt = now->cend_prev - then->cend_prev;
    if (dt > 0 && then->cend_prev == 0)
        return false;
    uint64_t x[6], y[6];
    live_times(now, x);
    live_times(then, y);
    for (size_t i = 0; i < 6; i++)
        if ((x[i] == 0) != (y[i] == 0) || x[i] < y[i] || (x[i] != 0 && x[i] - y[i] != dt))
            return false;
    *delta = dt;
    return true;
}

/* Move a time by `by` if it can still matter (a dead one stays dead). */
static void shift(uint64_t *v, uint64_t base, uint64_t by)
{
    if (*v > base)
        *v += by;
}

/* The totals of j more periods: tm += j x (tm - then). */
static void add_periods(ab_op_timing *tm, const ab_op_timing *then, uint64_t j)
{
    tm->tiles += j * (tm->tiles - then->tiles);
    tm->compute_cycles += j * (tm->compute_cycles - then->compute_cycles);
    ab_energy_events *e = &tm->ev;
    const ab_energy_events *f = &then->ev;
    e->pe_busy_cycles += j * (e->pe_busy_cycles - f->pe_busy_cycles);
    e->dequant_cycles += j * (e->dequant_cycles - f->dequant_cycles);
    for (int b = 0; b < 3; b++) {
        e->sram_read_bytes[b] += j * (e->sram_read_bytes[b] - f->sram_read_bytes[b]);
        e->sram_write_bytes[b] += j * (e->sram_write_bytes[b] - f->sram_write_bytes[b]);
    }
    e->dram_read_bytes += j * (e->dram_read_bytes - f->dram_read_bytes);
    e->dram_write_bytes += j * (e->dram_write_bytes - f->dram_write_bytes);
}

/* At the end of the step before *cur (the first step of the next unit,
 * its load issued): record the levels that ended, and jump over the alike
 * units ahead when the state repeats.  Returns the steps skipped. */
static uint64_t skip_periods(ab_tile_prog *p, const ab_tile_step *last, ab_tile_step *cur,
                             fast_state *st, ab_op_timing *tm,
                             fast_snapshot snaps[AB_TILE_UNIT_LEVELS][2])
{
    for (int level = AB_TILE_UNIT_LEVELS - 1; level >= 0; level--) {
        ab_tile_unit_pos pos;
        ab_tile_prog_unit(p, last, (ab_tile_unit)level, &pos);
        if (!pos.ends || !pos.alike)
            continue;
        const uint64_t u = pos.index;
        /* alike transitions (unit u, then the next unit's first load):
         * every unit but the first and the last two; every repetition but
         * the last */
        const uint64_t lo = level == AB_TILE_UNIT_REP ? 0 : 1;
        const uint64_t tail = level == AB_TILE_UNIT_REP ? 2 : 3;
        fast_snapshot *slot = &snaps[level][u % 2];
        uint64_t delta;
        if (u >= 2 && u - 1 >= lo && pos.count >= tail && u + tail <= pos.count && slot->valid &&
            slot->index == u - 2 && slot->parent == pos.parent &&
            shifted_by(st, &slot->st, &delta)) {
            const uint64_t hi = pos.count - tail, j = (hi - u) / 2;
            if (j > 0) {
                const uint64_t base = st->cend_prev, by = j * delta;
                shift(&st->d.free_at, base, by);
                shift(&st->ldone_cur, base, by);
                shift(&st->sdone[0], base, by);
                shift(&st->sdone[1], base, by);
                shift(&st->end, 0, by);
                shift(&st->array_end, 0, by);
                st->cend_prev += by;
                add_periods(tm, &slot->totals, j);
                ab_tile_prog_skip(p, cur, (ab_tile_unit)level, 2 * j);
                for (int l = 0; l <= level; l++)
                    snaps[l][0].valid = snaps[l][1].valid = false;
                return 2 * j * pos.steps;
            }
        }
        slot->valid = true;
        slot->index = u;
        slot->parent = pos.parent;
        slot->st = *st;
        slot->totals = *tm;
    }
    return 0;
}

int ab_engine_fast_walk(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t,
                        ab_op_timing *tm, bool skip, uint64_t *steps_skipped, ab_error *err)
{
    (void)err;
    ab_tile_prog p;
    ab_tile_prog_init(&p, a, po, t);
    fast_state st = {{0, ab_dram_milli_bytes_per_cycle(a), a->dram.latency_cycles}, 0, 0, 0, 0,
                     {0, 0}};
    ab_tile_step cur, nxt;
    ab_timeline *tl = tm->timeline;
    /* the timeline spreads every step's bytes over its own cycles */
    skip = skip && !tl;
    fast_snapshot snaps[AB_TILE_UNIT_LEVELS][2];
    memset(snaps, 0, sizeof snaps);
    uint64_t skipped = 0;
    uint64_t xfer_start = 0;
    bool have = ab_tile_prog_next(&p, &cur);
    /* SCALE-Sim's convention: the first load was prefetched before cycle 0 */
    const bool scalesim = a->convention == AB_CONV_SCALESIM;
    st.ldone_cur = have && !scalesim
                       ? dma_issue(&st.d, cur.load_w_bytes + cur.load_a_bytes, 0, &xfer_start)
                       : 0;
    if (have && tl && st.ldone_cur)
        timeline_load(tl, &cur, xfer_start, st.d.free_at);
    else if (have && tl && scalesim) /* prefetched: its bytes at cycle 0 */
        timeline_load(tl, &cur, 0, 0);
    while (have) {
        const bool have_next = ab_tile_prog_next(&p, &nxt);
        const uint64_t slot =
            (cur.stores && cur.out_index >= 2) ? st.sdone[cur.out_index % 2] : 0;
        const uint64_t cstart = max_u64(max_u64(st.cend_prev, st.ldone_cur), slot);
        const uint64_t cend = cstart + cur.compute_cycles;
        uint64_t ldone_next = 0;
        if (have_next) {
            ldone_next = dma_issue(&st.d, nxt.load_w_bytes + nxt.load_a_bytes, st.cend_prev,
                                   &xfer_start);
            if (tl && ldone_next)
                timeline_load(tl, &nxt, xfer_start, st.d.free_at);
        }
        if (tl)
            timeline_compute(tl, &cur, cstart, cend);
        if (cur.stores) {
            const uint64_t sd = dma_issue(&st.d, cur.store_bytes, cend + po->dequant_cycles,
                                          &xfer_start);
            if (tl && sd)
                timeline_store(tl, &cur, xfer_start, st.d.free_at);
            st.sdone[cur.out_index % 2] = sd;
            st.end = max_u64(st.end, sd);
        }
        st.end = max_u64(st.end, cend + po->dequant_cycles);
        st.array_end = max_u64(st.array_end, cend + po->dequant_cycles);
        ab_timing_add_step(tm, &cur);
        st.cend_prev = cend;
        const ab_tile_step last = cur;
        cur = nxt;
        st.ldone_cur = ldone_next;
        have = have_next;
        if (skip && have)
            skipped += skip_periods(&p, &last, &cur, &st, tm, snaps);
    }
    tm->cycles = ab_op_end(a, st.end, st.array_end);
    if (steps_skipped)
        *steps_skipped = skipped;
    return 0;
}

int ab_engine_fast(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t, ab_op_timing *tm,
                   ab_error *err)
{
    return ab_engine_fast_walk(a, po, t, tm, true, NULL, err);
}
