/* timeline.c - bucketed traffic and PE activity of a run (timeline.h). */
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "timeline.h"

int ab_timeline_init(ab_timeline *t, uint64_t total_cycles, size_t nbuckets, ab_error *err)
{
    memset(t, 0, sizeof *t);
    if (nbuckets == 0 || nbuckets > AB_TIMELINE_BUCKETS_MAX)
        return ab_error_set(err, "timeline: expected 1 to %u buckets, found %zu",
                            AB_TIMELINE_BUCKETS_MAX, nbuckets);
    const uint64_t total = total_cycles ? total_cycles : 1;
    t->bucket_cycles = total / nbuckets + (total % nbuckets != 0);
    t->nbuckets = (size_t)(total / t->bucket_cycles + (total % t->bucket_cycles != 0));
    t->total_cycles = total_cycles;
    for (int s = 0; s < AB_TL_SERIES; s++) {
        t->series[s] = calloc(t->nbuckets, sizeof *t->series[s]);
        if (!t->series[s]) {
            ab_timeline_free(t);
            return ab_error_set(err, "timeline: out of memory for %zu buckets", nbuckets);
        }
    }
    return 0;
}

void ab_timeline_free(ab_timeline *t)
{
    for (int s = 0; s < AB_TL_SERIES; s++) {
        free(t->series[s]);
        t->series[s] = NULL;
    }
    t->nbuckets = 0;
}

void ab_timeline_spread(ab_timeline *t, ab_timeline_series s, uint64_t start, uint64_t end,
                        double amount)
{
    if (amount == 0)
        return;
    start += t->offset;
    end += t->offset;
    const uint64_t w = t->bucket_cycles;
    double *v = t->series[s];
    const size_t last = t->nbuckets - 1;
    if (end <= start) {
        const uint64_t b = start / w;
        v[b < last ? b : last] += amount;
        return;
    }
    const double per_cycle = amount / (double)(end - start);
    for (uint64_t c = start; c < end;) {
        const uint64_t b = c / w;
        const uint64_t stop = (b + 1) * w < end ? (b + 1) * w : end;
        v[b < last ? b : last] += per_cycle * (double)(stop - c);
        c = stop;
    }
}

int ab_sim_timeline(const ab_accel *a, const ab_op_list *ops, const ab_run_stats *rs,
                    ab_timeline *t, ab_error *err)
{
    if (rs->nops != ops->n)
        return ab_error_set(err, "timeline: %zu op statistics for %zu ops", rs->nops, ops->n);
    t->offset = 0;
    for (size_t i = 0; i < ops->n; i++) {
        const ab_op_stats *st = &rs->ops[i];
        ab_pe_op po;
        if (ab_pe_prepare(a, &ops->ops[i], &po, err) != 0)
            return -1;
        ab_op_timing tm;
        memset(&tm, 0, sizeof tm);
        tm.timeline = t;
        if (ab_engine_fast(a, &po, &st->tiling, &tm, err) != 0)
            return -1;
        if (tm.cycles != st->cycles)
            return ab_error_set(err, "timeline: op %s replays in %llu cycles, not %llu",
                                st->name, (unsigned long long)tm.cycles,
                                (unsigned long long)st->cycles);
        t->offset += st->cycles;
    }
    return 0;
}
