/* engine_impl.h - the two timing modes behind ab_sim_op (not public). */
#ifndef AB_ENGINE_IMPL_H
#define AB_ENGINE_IMPL_H

#include <stdint.h>

#include "ab_error.h"
#include "engine.h"
#include "tile_prog.h"

/* What timing an op produces, whichever mode computed it. */
typedef struct ab_op_timing {
    uint64_t cycles;         /* op start (0) to the last store done */
    uint64_t compute_cycles; /* sum of the tiles' compute phases */
    uint64_t tiles;
    ab_energy_events ev;     /* cycles and pe_idle filled by ab_sim_op */
} ab_op_timing;

/* Add a tile's events (SRAM, DRAM, PE busy and dequant) to tm->ev. */
void ab_timing_add_step(ab_op_timing *tm, const ab_tile_step *s);

/* DMA transfer cycles of `bytes` at the accelerator's DRAM bandwidth. */
uint64_t ab_dma_transfer_cycles(uint64_t bytes, uint64_t milli_bytes_per_cycle);

int ab_engine_fast(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t, ab_op_timing *tm,
                   ab_error *err);
int ab_engine_cycle(const ab_accel *a, const ab_pe_op *po, const ab_tiling *t,
                    ab_op_timing *tm, ab_error *err);

#endif
