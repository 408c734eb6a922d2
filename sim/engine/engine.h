/* engine.h - replaying ops on an accelerator: the tiling mapper, the two
 * timing modes and the per-op / total statistics (docs/simulator.md).
 *
 * An op is lowered to a sequence of buffer tiles (mapper.c); each tile is
 * one DMA load (weights and activations not already resident), one compute
 * phase on the R x C array and, when it completes an output tile, one DMA
 * store.  The timing rules of that sequence are the same in both modes:
 *   --mode fast   evaluates them tile by tile in closed form (engine_fast.c),
 *   --mode cycle  steps the DMA engine, the SRAM ports and the PEs once per
 *                 cycle (engine_cycle.c).
 * Both must give identical cycle counts (tests/test_engine.cpp).
 */
#ifndef AB_ENGINE_H
#define AB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "accel/accel.h"
#include "accel/energy.h"
#include "pe/pe.h"
#include "workload/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ab_sim_mode { AB_MODE_FAST = 0, AB_MODE_CYCLE = 1 } ab_sim_mode;

/* The most cycles the cycle mode steps for one op (a minute or so at its
 * speed, docs/performance.md); a longer op is refused in cycle mode, the
 * fast mode times it (docs/simulator.md "Two modes"). */
#define AB_CYCLE_MODE_MAX_CYCLES ((uint64_t)1 << 32)

/* A buffer tiling of one op (M already includes the instances that share a
 * weight operand: GQA heads are stacked along M). */
typedef struct ab_tiling {
    uint64_t M, N, K, reps; /* effective GEMM and how many times it runs */
    uint64_t tm, tn, tk;    /* buffer tile: tokens, channels, inputs */
    bool m_outer;           /* loop order: m tiles outside n tiles */
    bool forced;            /* from the config's tiling: section */
} ab_tiling;

typedef struct ab_op_stats {
    char name[AB_OP_NAME_MAX];
    ab_op_kind kind;
    uint64_t M, N, K, count;
    uint64_t macs;
    ab_tiling tiling;
    uint64_t tiles;          /* buffer tiles (compute phases) */
    uint64_t cycles;         /* first load to last store */
    uint64_t compute_cycles; /* array busy */
    uint64_t stall_cycles;   /* cycles - compute_cycles */
    double utilization;      /* PE busy cycles / (PEs x cycles) */
    ab_energy_events ev;
    ab_energy energy;
    double weight_bits;      /* bits per weight moved (codes + metadata) */
    double peak_macs_per_cycle; /* the array's peak on this op's formats (pe.h) */
} ab_op_stats;

/* Simulate one op.  Fails with one message if the PE cannot run the op or
 * no tiling fits the buffers. */
int ab_sim_op(const ab_accel *a, const ab_op *op, ab_sim_mode mode, ab_op_stats *st,
              ab_error *err);

/* The mapper alone (tiling.c): the tiling the engine will use. */
int ab_map_op(const ab_accel *a, const ab_op *op, const ab_pe_op *po, ab_tiling *t,
              ab_error *err);

typedef struct ab_run_stats {
    char accel[AB_ACCEL_NAME_MAX];
    ab_sim_mode mode;
    size_t nops;
    ab_op_stats *ops;      /* owned */
    uint64_t cycles, compute_cycles, stall_cycles;
    uint64_t macs;
    double seconds;
    double utilization;
    ab_energy_events ev;
    ab_energy energy;
    double area_mm2;
    /* throughput: items produced, in `unit` (tokens: prefill L x batch,
     * decode batch; images: batch), and items per second */
    ab_throughput_unit unit;
    double tokens;
    double tokens_per_s;
    double edp_pj_s;       /* energy x delay */
    double peak_macs_per_cycle; /* the highest of its ops' (the run's compute roof) */
} ab_run_stats;

/* Simulate every op in order (ops run back to back: an op starts when the
 * previous one has stored its last output).  Identical ops are simulated
 * once (same shape, formats and tiling give the same result). */
int ab_sim_ops(const ab_accel *a, const ab_op_list *ops, double tokens, ab_sim_mode mode,
               ab_run_stats *rs, ab_error *err);
void ab_run_stats_free(ab_run_stats *rs);

/* Told after each op of a run, for progress lines (sim/cli/cli_progress.c):
 * ops done of the total, and the MACs of the ops simulated so far of those
 * to simulate (a duplicate of an op already simulated costs nothing, so it
 * is not counted as work: an ETA from this share is an estimate). */
typedef struct ab_sim_progress {
    void (*op_done)(void *ctx, size_t ops_done, size_t ops_total, uint64_t macs_done,
                    uint64_t macs_total);
    void *ctx;
} ab_sim_progress;

/* ab_sim_ops with progress reports (progress may be NULL). */
int ab_sim_ops_progress(const ab_accel *a, const ab_op_list *ops, double tokens,
                        ab_sim_mode mode, const ab_sim_progress *progress, ab_run_stats *rs,
                        ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
