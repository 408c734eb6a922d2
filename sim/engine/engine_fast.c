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
 *     cycle (ab_op_end). */
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

int ab_engine_fast(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t, ab_op_timing *tm,
                   ab_error *err)
{
    (void)err;
    ab_tile_prog p;
    ab_tile_prog_init(&p, a, po, t);
    dma d = {0, ab_dram_milli_bytes_per_cycle(a), a->dram.latency_cycles};
    ab_tile_step cur, nxt;
    ab_timeline *tl = tm->timeline;
    uint64_t xfer_start = 0;
    bool have = ab_tile_prog_next(&p, &cur);
    /* SCALE-Sim's convention: the first load was prefetched before cycle 0 */
    const bool scalesim = a->convention == AB_CONV_SCALESIM;
    uint64_t ldone_cur =
        have && !scalesim ? dma_issue(&d, cur.load_w_bytes + cur.load_a_bytes, 0, &xfer_start)
                          : 0;
    if (have && tl && ldone_cur)
        timeline_load(tl, &cur, xfer_start, d.free_at);
    else if (have && tl && scalesim) /* prefetched: its bytes at cycle 0 */
        timeline_load(tl, &cur, 0, 0);
    uint64_t cend_prev = 0, end = 0, array_end = 0;
    uint64_t sdone[2] = {0, 0}; /* store done of output tiles o-2, o-1 (by o % 2) */
    while (have) {
        const bool have_next = ab_tile_prog_next(&p, &nxt);
        const uint64_t slot = (cur.stores && cur.out_index >= 2) ? sdone[cur.out_index % 2] : 0;
        const uint64_t cstart = max_u64(max_u64(cend_prev, ldone_cur), slot);
        const uint64_t cend = cstart + cur.compute_cycles;
        uint64_t ldone_next = 0;
        if (have_next) {
            ldone_next = dma_issue(&d, nxt.load_w_bytes + nxt.load_a_bytes, cend_prev,
                                   &xfer_start);
            if (tl && ldone_next)
                timeline_load(tl, &nxt, xfer_start, d.free_at);
        }
        if (tl)
            timeline_compute(tl, &cur, cstart, cend);
        if (cur.stores) {
            const uint64_t sd = dma_issue(&d, cur.store_bytes, cend + po->dequant_cycles,
                                          &xfer_start);
            if (tl && sd)
                timeline_store(tl, &cur, xfer_start, d.free_at);
            sdone[cur.out_index % 2] = sd;
            end = max_u64(end, sd);
        }
        end = max_u64(end, cend + po->dequant_cycles);
        array_end = max_u64(array_end, cend + po->dequant_cycles);
        ab_timing_add_step(tm, &cur);
        cend_prev = cend;
        cur = nxt;
        ldone_cur = ldone_next;
        have = have_next;
    }
    tm->cycles = ab_op_end(a, end, array_end);
    return 0;
}
