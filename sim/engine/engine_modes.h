/* engine_modes.h - the two timing modes of one mapped op, each on its own:
 * the fast mode (closed form per tile) and the cycle mode (every cycle).
 * ab_sim_op (engine.h) picks one; benchmarks and tests call them directly
 * to time or compare one op in one mode.
 */
#ifndef AB_ENGINE_MODES_H
#define AB_ENGINE_MODES_H

#include <stdbool.h>
#include <stdint.h>

#include "ab_error.h"
#include "engine.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ab_timeline;

/* What timing an op produces, whichever mode computed it. */
typedef struct ab_op_timing {
    uint64_t cycles;         /* op start (0) to the last store done */
    uint64_t compute_cycles; /* sum of the tiles' compute phases */
    uint64_t tiles;
    ab_energy_events ev;     /* cycles and pe_idle filled by ab_sim_op */
    /* the fast mode adds its schedule here when set (timeline.h) */
    struct ab_timeline *timeline;
} ab_op_timing;

int ab_engine_fast(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t, ab_op_timing *tm,
                   ab_error *err);
/* The fast mode with its period skipping on or off (off: every tile step
 * visited, the reference the skipping is tested against), and how many
 * steps it skipped. */
int ab_engine_fast_walk(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t,
                        ab_op_timing *tm, bool skip, uint64_t *steps_skipped, ab_error *err);
int ab_engine_cycle(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t,
                    ab_op_timing *tm, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
