/* engine_impl.h - what the engine files share (private to sim/engine). */
#ifndef AB_ENGINE_IMPL_H
#define AB_ENGINE_IMPL_H

#include <stdint.h>

#include "ab_error.h"
#include "engine.h"
#include "engine_modes.h"
#include "tile_prog.h"

/* The mapper (ab_map_op), also handing back the fast-mode timing of the
 * tiling it chose (it timed the candidates exactly), so ab_sim_op does not
 * time it again. */
int ab_map_op_timed(const ab_accel *a, const ab_op *op, const ab_pe_op *po, ab_tiling *out,
                    ab_op_timing *tm, ab_error *err);

/* Add a tile's events (SRAM, DRAM, PE busy and dequant) to tm->ev. */
void ab_timing_add_step(ab_op_timing *tm, const ab_tile_step *s);

/* An op's cycle count under the accelerator's convention, given the last
 * store's done time and the array's end (its last compute phase's end,
 * dequantization included): the first for anybit's convention, the
 * index of the array's last cycle (array_end - 1) for SCALE-Sim's. */
uint64_t ab_op_end(const ab_accel *a, uint64_t last_store_done, uint64_t array_end);

/* DMA transfer cycles of `bytes` at the accelerator's DRAM bandwidth. */
uint64_t ab_dma_transfer_cycles(uint64_t bytes, uint64_t milli_bytes_per_cycle);

#endif
