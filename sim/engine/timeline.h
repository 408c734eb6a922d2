/* timeline.h - a run's traffic and PE activity over time: DRAM and SRAM
 * bytes and PE busy cycles per time bucket (`anybit run --timeline`,
 * docs/simulator.md "Timeline").
 *
 * Built from the fast mode's schedule of every op: each DMA transfer's
 * bytes are spread evenly over the cycles it occupies the DMA engine, each
 * tile's compute-phase quantities over its compute cycles.  The cycle mode
 * follows the same schedule (its cycle counts equal the fast mode's), so
 * one timeline serves both.
 */
#ifndef AB_TIMELINE_H
#define AB_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The series of a timeline (one double per bucket each). */
typedef enum ab_timeline_series {
    AB_TL_DRAM_READ = 0,  /* bytes DRAM -> SRAM (loads) */
    AB_TL_DRAM_WRITE,     /* bytes SRAM -> DRAM (stores) */
    AB_TL_SRAM_READ,      /* bytes read from the three buffers (array reads, store reads) */
    AB_TL_SRAM_WRITE,     /* bytes written (DMA fills, array writes of outputs/partials) */
    AB_TL_PE_BUSY,        /* PE-cycles of work */
    AB_TL_SERIES
} ab_timeline_series;

#define AB_TIMELINE_BUCKETS_MAX 1000000u

typedef struct ab_timeline {
    uint64_t bucket_cycles; /* width of a bucket; the last may extend past the run */
    size_t nbuckets;
    uint64_t total_cycles;  /* the run's cycles */
    uint64_t offset;        /* start cycle of the op being added */
    double *series[AB_TL_SERIES];
} ab_timeline;

/* Buckets of ceil(total / nbuckets) cycles (at least 1), as many as cover
 * the run (at most nbuckets, in [1, AB_TIMELINE_BUCKETS_MAX]). */
int ab_timeline_init(ab_timeline *t, uint64_t total_cycles, size_t nbuckets, ab_error *err);
void ab_timeline_free(ab_timeline *t);

/* Add `amount` of series s spread evenly over op-local cycles [start, end)
 * (an empty interval puts it all in start's bucket). */
void ab_timeline_spread(ab_timeline *t, ab_timeline_series s, uint64_t start, uint64_t end,
                        double amount);

/* The timeline of a run already simulated (rs from ab_sim_ops on the same
 * accelerator and ops): every op's schedule replayed in the fast mode at
 * its start cycle.  -1 with err when an op's replay disagrees with rs. */
int ab_sim_timeline(const ab_accel *a, const ab_op_list *ops, const ab_run_stats *rs,
                    ab_timeline *t, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
