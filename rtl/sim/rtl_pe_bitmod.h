/* rtl_pe_bitmod.h - C seam to the Verilated BitMoD PE (rtl/pe_bitmod.v).
 *
 * Built only when CMake finds Verilator (target anybit_rtl, a static
 * library; C callers link it like any other, CMake picks the C++ linker).
 * One handle = one Verilated model with its own VerilatedContext.
 *
 * Lanes: ab_rtl_pe_bitmod_create gives the published 4-lane PE; CMake also
 * Verilates the PE at LANES = 1, 2, 8 and 16 (rtl/pe_bitmod.v's LANES
 * parameter), which ab_rtl_pe_bitmod_create_lanes returns.  The inputs and
 * the debug view hold up to AB_BITMOD_LANES_MAX lanes; a model reads and
 * writes its first `lanes`.
 *
 * Every call that takes inputs runs exactly one clock cycle: inputs applied
 * with clk low, evaluated (the combinational dbg_* outputs are read then),
 * rising edge, evaluated (the registered state is read then).  The controls
 * of one cycle act like the C model calls dequant_begin, dequant_step,
 * group_begin, step, in that order (rtl/pe_bitmod.v, docs/rtl.md).
 *
 * Work-unit timing: the PE counts its own cycles (unit_begin, unit_last and
 * scale_len in; unit_done and unit_cycles out, ab_rtl_pe_bitmod_unit_get;
 * rtl/pe_bitmod.v "Work-unit timing" defines the count).
 */
#ifndef AB_RTL_PE_BITMOD_H
#define AB_RTL_PE_BITMOD_H

#include <stdbool.h>
#include <stdint.h>

#include "bitmod_pe.h"
#include "bitmod_terms.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_rtl_pe_bitmod ab_rtl_pe_bitmod;

/* Inputs of one clock cycle (everything not set is 0 / inactive). */
typedef struct ab_rtl_pe_bitmod_in {
    bool step;                  /* step_valid */
    uint16_t act[AB_BITMOD_LANES_MAX];        /* FP16 bits, lane 0..lanes-1 */
    ab_bitmod_term term[AB_BITMOD_LANES_MAX]; /* the PE uses term[0].sig */
    bool group_begin;
    bool dequant_begin;
    uint8_t scale_sign;
    bool dequant_step;
    uint8_t scale_bit;
    bool unit_begin;            /* first cycle of a work unit */
    bool unit_last;             /* with dequant_begin: the unit's last group */
    uint8_t scale_len;          /* with dequant_begin: its scale bits, 1..16 */
    bool fault_flip;            /* test only: XOR bit 0 of acc_man at this edge */
} ab_rtl_pe_bitmod_in;

/* Registered state, the fields of ab_bitmod_pe (dq_in_exp is dq_exp: one
 * register holds both, as the C model keeps them equal). */
typedef struct ab_rtl_pe_bitmod_state {
    uint8_t acc_exp;
    int16_t acc_man;  /* sign-extended from 15 bits */
    uint8_t acc_sign;
    uint8_t dq_in_exp;
    int16_t dq_in_man;
    uint8_t dq_scale_sign;
    uint8_t dq_exp;
    int32_t dq_man;   /* sign-extended from 21 bits */
    uint8_t dq_sign;
} ab_rtl_pe_bitmod_state;

/* The PE's own timing of its last finished work unit (registered). */
typedef struct ab_rtl_pe_bitmod_unit {
    bool done;       /* unit_done: a unit finished at the last edge */
    uint32_t cycles; /* unit_cycles: its cycles, counted by the RTL */
} ab_rtl_pe_bitmod_unit;

/* The combinational debug view of a cycle (ab_bitmod_cycle_info's fields,
 * sign-extended), sampled before the clock edge. */
typedef struct ab_rtl_pe_bitmod_dbg {
    uint8_t max_exp;
    uint8_t delta[AB_BITMOD_LANES_MAX];
    int16_t lane[AB_BITMOD_LANES_MAX];
    int32_t bs_out;
    int32_t acc_sum;
    uint8_t norm_shift;
    uint8_t sig_conflict; /* the lanes' sig differ */
} ab_rtl_pe_bitmod_dbg;

/* A model in reset state (reset already applied); literal_align selects
 * the term-alignment rule (the C model's rtl_literal_align).  NULL on
 * allocation failure. */
ab_rtl_pe_bitmod *ab_rtl_pe_bitmod_create(bool literal_align);
/* The same for a PE of `lanes` lanes: NULL when no model of that lane
 * count is Verilated (1, 2, 4, 8, 16 are) or on allocation failure. */
ab_rtl_pe_bitmod *ab_rtl_pe_bitmod_create_lanes(unsigned lanes, bool literal_align);
/* Test only: the 4-lane PE Verilated with FAULT_LATE_COUNT = 1, whose
 * unit_cycles starts one cycle late (the planted off-by-one the cosim's
 * cycle check must catch).  NULL on allocation failure. */
ab_rtl_pe_bitmod *ab_rtl_pe_bitmod_create_late_count(bool literal_align);
unsigned ab_rtl_pe_bitmod_lanes(const ab_rtl_pe_bitmod *pe);
void ab_rtl_pe_bitmod_destroy(ab_rtl_pe_bitmod *pe);

/* Assert rst_n for one cycle (state back to ab_bitmod_pe_init's zeros). */
void ab_rtl_pe_bitmod_reset(ab_rtl_pe_bitmod *pe);
void ab_rtl_pe_bitmod_set_literal_align(ab_rtl_pe_bitmod *pe, bool literal_align);

/* One clock cycle with any combination of controls; dbg may be NULL. */
void ab_rtl_pe_bitmod_clock(ab_rtl_pe_bitmod *pe, const ab_rtl_pe_bitmod_in *in,
                            ab_rtl_pe_bitmod_dbg *dbg);

/* One-control cycles (each is one clock); step takes the model's lanes. */
void ab_rtl_pe_bitmod_step(ab_rtl_pe_bitmod *pe, const uint16_t *act,
                           const ab_bitmod_term *term, ab_rtl_pe_bitmod_dbg *dbg);
void ab_rtl_pe_bitmod_group_begin(ab_rtl_pe_bitmod *pe);
void ab_rtl_pe_bitmod_dequant_begin(ab_rtl_pe_bitmod *pe, uint8_t scale_sign);
void ab_rtl_pe_bitmod_dequant_step(ab_rtl_pe_bitmod *pe, uint8_t scale_bit);

/* The registered outputs now. */
void ab_rtl_pe_bitmod_state_get(const ab_rtl_pe_bitmod *pe, ab_rtl_pe_bitmod_state *st);

/* The work-unit timing outputs now. */
void ab_rtl_pe_bitmod_unit_get(const ab_rtl_pe_bitmod *pe, ab_rtl_pe_bitmod_unit *u);

/* Clock cycles run since create (reset cycles included). */
uint64_t ab_rtl_pe_bitmod_cycles(const ab_rtl_pe_bitmod *pe);

/* Waveform: every later cycle goes to an FST file (two time steps per
 * cycle, 1 ns each: clk low with the inputs, clk high with the new state).
 * Returns 0, or -1 when the file cannot be opened.  Close flushes; destroy
 * closes too. */
int ab_rtl_pe_bitmod_trace_open(ab_rtl_pe_bitmod *pe, const char *path);
void ab_rtl_pe_bitmod_trace_close(ab_rtl_pe_bitmod *pe);

#ifdef __cplusplus
}
#endif

#endif
