/* rtl_array_bitmod.h - C seam to the Verilated BitMoD PE array
 * (rtl/array_bitmod.v): R x C pe_bitmod instances, their tile buffers and
 * the controller that executes one tile (docs/rtl.md, "Array").
 *
 * Built only when CMake finds Verilator (target anybit_rtl, with the PE's
 * seam rtl_pe_bitmod.h).  An array's size, lanes and buffer depths are
 * fixed when it is Verilated; two models are: model 0 (CMake
 * ANYBIT_ARRAY_ROWS / _COLS, default 4 x 4, 4 lanes, 256 steps, 16 groups:
 * the one `anybit cosim --rtl array` runs) and model 1 (2 x 3, 8 lanes, 64
 * steps, 8 groups: the parameters away from their defaults).
 * ab_rtl_array_bitmod_dims() reports a model's.
 *
 * Every call that takes inputs runs exactly one clock cycle (inputs applied
 * with clk low and evaluated, rising edge, evaluated; the outputs are read
 * after the edge).  Waveform time: clock n after create's reset clock
 * occupies times 2n+2 (clk low) and 2n+3 (clk high).
 */
#ifndef AB_RTL_ARRAY_BITMOD_H
#define AB_RTL_ARRAY_BITMOD_H

#include <stdbool.h>
#include <stdint.h>

#include "bitmod_terms.h"
#include "rtl_pe_bitmod.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_rtl_array_bitmod ab_rtl_array_bitmod;

typedef struct ab_rtl_array_dims {
    unsigned rows, cols;
    unsigned lanes;  /* per PE (rtl/pe_bitmod.v LANES) */
    unsigned steps;  /* activation buffer depth per column (and weight buffer: steps x 4 terms per row) */
    unsigned groups; /* scale buffer depth per row */
} ab_rtl_array_dims;

/* The tile description the controller samples with start. */
typedef struct ab_rtl_array_tile {
    unsigned groups;  /* 1 .. dims.groups */
    unsigned steps;   /* steps per group, groups * steps <= dims.steps */
    unsigned cpw;     /* term cycles per step, 1 .. 4 */
    unsigned dq_bits; /* integer scale bits, 1 .. 16 */
} ab_rtl_array_tile;

/* Status after a clock. */
typedef struct ab_rtl_array_status {
    bool busy;
    bool done;        /* one cycle after the last working edge */
    bool out_valid;   /* every PE's dq_* hold group out_group's result */
    unsigned out_group;
    uint32_t cycles;  /* working cycles of the current / last tile */
} ab_rtl_array_status;

/* Model 0 in reset state; NULL on allocation failure. */
ab_rtl_array_bitmod *ab_rtl_array_bitmod_create(bool literal_align);
/* How many models are Verilated, a model's dims, and one in reset state
 * (NULL for a model index past the count or on allocation failure). */
unsigned ab_rtl_array_bitmod_models(void);
void ab_rtl_array_bitmod_model_dims(unsigned model, ab_rtl_array_dims *d);
ab_rtl_array_bitmod *ab_rtl_array_bitmod_create_model(unsigned model, bool literal_align);
void ab_rtl_array_bitmod_destroy(ab_rtl_array_bitmod *a);
void ab_rtl_array_bitmod_dims(const ab_rtl_array_bitmod *a, ab_rtl_array_dims *d);
void ab_rtl_array_bitmod_reset(ab_rtl_array_bitmod *a);

/* Buffer writes, one clock each.  Weight terms: row, step, term slot 0..3,
 * the lanes' terms (dims.lanes of them); valid = 0 makes the row's PEs idle
 * in that term cycle.  Activations: dims.lanes FP16 values.  Scale:
 * unsigned integer (16 bits) and its sign. */
void ab_rtl_array_bitmod_write_terms(ab_rtl_array_bitmod *a, unsigned row, unsigned step,
                                     unsigned term, const ab_bitmod_term *t, bool valid);
void ab_rtl_array_bitmod_write_act(ab_rtl_array_bitmod *a, unsigned col, unsigned step,
                                   const uint16_t *act);
void ab_rtl_array_bitmod_write_scale(ab_rtl_array_bitmod *a, unsigned row, unsigned group,
                                     uint32_t scale, uint8_t sign);

/* One clock with start and the tile description. */
void ab_rtl_array_bitmod_start(ab_rtl_array_bitmod *a, const ab_rtl_array_tile *t);

/* One clock; fault (test only) flips bit 0 of PE (row, col)'s acc_man at
 * this edge when fault_en is set. */
void ab_rtl_array_bitmod_clock(ab_rtl_array_bitmod *a, bool fault_en, unsigned fault_row,
                               unsigned fault_col);

void ab_rtl_array_bitmod_status(const ab_rtl_array_bitmod *a, ab_rtl_array_status *s);
/* The registered fields of PE (row, col) now. */
void ab_rtl_array_bitmod_pe_state(const ab_rtl_array_bitmod *a, unsigned row, unsigned col,
                                  ab_rtl_pe_bitmod_state *st);

/* Clocks run since create (reset and buffer writes included). */
uint64_t ab_rtl_array_bitmod_clocks(const ab_rtl_array_bitmod *a);

/* FST waveform of every later clock; 0, or -1 if the file cannot be opened. */
int ab_rtl_array_bitmod_trace_open(ab_rtl_array_bitmod *a, const char *path);
void ab_rtl_array_bitmod_trace_close(ab_rtl_array_bitmod *a);

#ifdef __cplusplus
}
#endif

#endif
