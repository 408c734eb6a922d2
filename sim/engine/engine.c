/* engine.c - ab_sim_op / ab_sim_ops: prepare, map, time (fast or cycle
 * mode), count events, price energy; and the run totals. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "ab_math.h"
#include "pe/pe.h"

uint64_t ab_dma_transfer_cycles(uint64_t bytes, uint64_t milli_bytes_per_cycle)
{
    return ab_ceil_div(bytes * 1000u, milli_bytes_per_cycle);
}

uint64_t ab_op_end(const ab_accel *a, uint64_t last_store_done, uint64_t array_end)
{
    if (a->convention == AB_CONV_SCALESIM)
        return array_end ? array_end - 1 : 0;
    return last_store_done;
}

void ab_timing_add_step(ab_op_timing *tm, const ab_tile_step *s)
{
    tm->tiles++;
    tm->compute_cycles += s->compute_cycles;
    tm->ev.pe_busy_cycles += s->pe_busy;
    tm->ev.dequant_cycles += s->dequant;
    for (int b = 0; b < 3; b++) {
        tm->ev.sram_read_bytes[b] += s->sram_read[b];
        tm->ev.sram_write_bytes[b] += s->sram_write[b];
    }
    tm->ev.dram_read_bytes += s->load_w_bytes + s->load_a_bytes;
    tm->ev.dram_write_bytes += s->store_bytes;
}

/* *to += v; false when the sum does not fit (the caller refuses the run:
 * a total that wrapped would be a wrong number, not a large one). */
static bool add_u64(uint64_t *to, uint64_t v)
{
    if (v > UINT64_MAX - *to)
        return false;
    *to += v;
    return true;
}

static bool add_events(ab_energy_events *to, const ab_energy_events *e)
{
    bool ok = add_u64(&to->cycles, e->cycles) && add_u64(&to->pe_busy_cycles, e->pe_busy_cycles) &&
              add_u64(&to->pe_idle_cycles, e->pe_idle_cycles) &&
              add_u64(&to->dequant_cycles, e->dequant_cycles);
    for (int b = 0; b < 3 && ok; b++)
        ok = add_u64(&to->sram_read_bytes[b], e->sram_read_bytes[b]) &&
             add_u64(&to->sram_write_bytes[b], e->sram_write_bytes[b]);
    return ok && add_u64(&to->dram_read_bytes, e->dram_read_bytes) &&
           add_u64(&to->dram_write_bytes, e->dram_write_bytes);
}

int ab_sim_op(const ab_accel *a, const ab_op *op, ab_sim_mode mode, ab_op_stats *st,
              ab_error *err)
{
    memset(st, 0, sizeof *st);
    ab_pe_op po;
    if (ab_pe_prepare(a, op, &po, err) != 0)
        return -1;
    ab_tiling t;
    ab_op_timing tm; /* the fast mode's, from the mapper's exact timing of its choice */
    if (ab_map_op_timed(a, op, &po, &t, &tm, err) != 0)
        return -1;
    if (mode == AB_MODE_CYCLE) {
        /* the cycle mode steps every cycle the fast mode counts (tens of
         * millions a second): past the cap it would run for hours */
        if (tm.cycles > AB_CYCLE_MODE_MAX_CYCLES)
            return ab_error_set(err,
                                "%s: op %s: %llu cycles, past the %llu (2^32) the cycle mode steps "
                                "per op; --mode fast gives the identical count "
                                "(docs/simulator.md, \"Two modes, identical cycles\")",
                                a->file, op->name, (unsigned long long)tm.cycles,
                                (unsigned long long)AB_CYCLE_MODE_MAX_CYCLES);
        memset(&tm, 0, sizeof tm);
        if (ab_engine_cycle(a, &po, &t, &tm, err) != 0)
            return -1;
    }
    snprintf(st->name, sizeof st->name, "%s", op->name);
    st->kind = op->kind;
    st->M = op->M;
    st->N = op->N;
    st->K = op->K;
    st->count = op->count;
    st->macs = ab_op_macs(op);
    st->tiling = t;
    st->tiles = tm.tiles;
    st->cycles = tm.cycles;
    st->compute_cycles = tm.compute_cycles;
    st->stall_cycles = tm.cycles > tm.compute_cycles ? tm.cycles - tm.compute_cycles : 0;
    const uint64_t pes = (uint64_t)a->rows * a->cols;
    if (tm.cycles > UINT64_MAX / pes)
        return ab_error_set(err, "op %s: %llu cycles on %llu PEs: PE-cycles exceed 64 bits",
                            op->name, (unsigned long long)tm.cycles, (unsigned long long)pes);
    st->ev = tm.ev;
    st->ev.cycles = tm.cycles;
    /* SCALE-Sim's count (the last cycle's index) is one below the array's
     * cycles, so a stall-free op computes one cycle longer than it counts:
     * the PEs' time is the longer of the two (the same as the count under
     * anybit's convention), so that idle cycles never wrap and utilization
     * never passes 1 (found by fuzz_scalesim_cfg on a 1 x 1 array) */
    const uint64_t span = tm.cycles > tm.compute_cycles ? tm.cycles : tm.compute_cycles;
    if (span > UINT64_MAX / pes)
        return ab_error_set(err, "op %s: %llu cycles on %llu PEs: PE-cycles exceed 64 bits",
                            op->name, (unsigned long long)span, (unsigned long long)pes);
    st->ev.pe_idle_cycles =
        pes * span > tm.ev.pe_busy_cycles ? pes * span - tm.ev.pe_busy_cycles : 0;
    st->utilization = span ? (double)tm.ev.pe_busy_cycles / ((double)pes * span) : 0;
    st->weight_bits = po.w_bits + po.w_meta_bits_per_group / (double)po.group;
    st->peak_macs_per_cycle = ab_pe_peak_macs_per_cycle(a, &po, op->K);
    ab_energy_compute(a, &st->ev, &st->energy);
    return 0;
}

/* ---- whole runs: identical ops are simulated once ----------------------- */

static uint64_t op_key_hash(const ab_op *op)
{
    uint64_t h = 1469598103934665603ull;
    const uint64_t nums[] = {op->M, op->N, op->K, op->count, op->weight_share, op->group_size};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        for (int b = 0; b < 8; b++)
            h = (h ^ ((nums[i] >> (8 * b)) & 0xff)) * 1099511628211ull;
    const char *strs[] = {op->weight_format, op->act_format, op->scale_format};
    for (size_t i = 0; i < 3; i++)
        for (const char *c = strs[i]; *c; c++)
            h = (h ^ (uint8_t)*c) * 1099511628211ull;
    return h;
}

static bool same_timing(const ab_op *x, const ab_op *y)
{
    return x->M == y->M && x->N == y->N && x->K == y->K && x->count == y->count &&
           x->weight_share == y->weight_share && x->group_size == y->group_size &&
           strcmp(x->weight_format, y->weight_format) == 0 &&
           strcmp(x->act_format, y->act_format) == 0 &&
           strcmp(x->scale_format, y->scale_format) == 0;
}

void ab_run_stats_free(ab_run_stats *rs)
{
    if (!rs)
        return;
    free(rs->ops);
    rs->ops = NULL;
    rs->nops = 0;
}

int ab_sim_ops(const ab_accel *a, const ab_op_list *ops, double tokens, ab_sim_mode mode,
               ab_run_stats *rs, ab_error *err)
{
    return ab_sim_ops_progress(a, ops, tokens, mode, NULL, rs, err);
}

int ab_sim_ops_progress(const ab_accel *a, const ab_op_list *ops, double tokens,
                        ab_sim_mode mode, const ab_sim_progress *progress, ab_run_stats *rs,
                        ab_error *err)
{
    memset(rs, 0, sizeof *rs);
    snprintf(rs->accel, sizeof rs->accel, "%s", a->name);
    rs->mode = mode;
    rs->ops = calloc(ops->n ? ops->n : 1, sizeof *rs->ops);
    size_t cap = 16;
    while (cap < 2 * ops->n)
        cap *= 2;
    int64_t *table = malloc(cap * sizeof *table);
    /* same_as[i]: an earlier op with the same timing, or -1 (simulated) */
    int64_t *same_as = malloc((ops->n ? ops->n : 1) * sizeof *same_as);
    if (!rs->ops || !table || !same_as) {
        free(table);
        free(same_as);
        ab_run_stats_free(rs);
        return ab_error_set(err, "out of memory for %zu ops", ops->n);
    }
    for (size_t i = 0; i < cap; i++)
        table[i] = -1;
    /* the work a progress report measures: the MACs of the ops simulated */
    uint64_t macs_total = 0, macs_done = 0;
    for (size_t i = 0; i < ops->n; i++) {
        const ab_op *op = &ops->ops[i];
        size_t h = (size_t)(op_key_hash(op) & (cap - 1));
        while (table[h] >= 0 && !same_timing(&ops->ops[table[h]], op))
            h = (h + 1) & (cap - 1);
        same_as[i] = table[h];
        if (table[h] < 0) {
            table[h] = (int64_t)i;
            if (!add_u64(&macs_total, ab_op_macs(op)))
                macs_total = UINT64_MAX;
        }
    }
    free(table);
    for (size_t i = 0; i < ops->n; i++) {
        const ab_op *op = &ops->ops[i];
        ab_op_stats *st = &rs->ops[i];
        if (same_as[i] >= 0) {
            *st = rs->ops[same_as[i]];
            snprintf(st->name, sizeof st->name, "%s", op->name);
            st->kind = op->kind;
        } else {
            if (ab_sim_op(a, op, mode, st, err) != 0) {
                free(same_as);
                ab_run_stats_free(rs);
                return -1;
            }
            if (!add_u64(&macs_done, st->macs))
                macs_done = UINT64_MAX;
        }
        rs->nops++;
        if (st->peak_macs_per_cycle > rs->peak_macs_per_cycle)
            rs->peak_macs_per_cycle = st->peak_macs_per_cycle;
        if (!add_u64(&rs->cycles, st->cycles) || !add_u64(&rs->compute_cycles, st->compute_cycles) ||
            !add_u64(&rs->stall_cycles, st->stall_cycles) || !add_u64(&rs->macs, st->macs) ||
            !add_events(&rs->ev, &st->ev)) {
            free(same_as);
            ab_run_stats_free(rs);
            return ab_error_set(err, "the run's totals exceed 64 bits at op %zu (%s): split the "
                                "workload", i, op->name);
        }
        if (progress)
            progress->op_done(progress->ctx, i + 1, ops->n, macs_done, macs_total);
    }
    free(same_as);
    ab_energy_compute(a, &rs->ev, &rs->energy);
    /* busy over busy + idle: PEs x the ops' spans (each op's cycles, or its
     * compute when SCALE-Sim's count is one below it) */
    const double pe_time = (double)rs->ev.pe_busy_cycles + (double)rs->ev.pe_idle_cycles;
    rs->utilization = pe_time > 0 ? (double)rs->ev.pe_busy_cycles / pe_time : 0;
    rs->seconds = (double)rs->cycles / (a->clock_ghz * 1e9);
    rs->area_mm2 = ab_accel_area_mm2(a);
    rs->unit = ab_ops_throughput_unit(ops);
    rs->tokens = tokens;
    rs->tokens_per_s = rs->seconds > 0 ? tokens / rs->seconds : 0;
    rs->edp_pj_s = rs->energy.total_pj * rs->seconds;
    return 0;
}
