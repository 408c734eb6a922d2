/* rtl_pe_btc.h - C seam to the Verilated binary tensor core PE
 * (rtl/pe_btc.v).
 *
 * Built only when CMake finds Verilator (target anybit_rtl, with the BitMoD
 * PE).  One handle = one Verilated model with its own VerilatedContext.
 * The tile size is the one the model was Verilated with
 * (ab_rtl_pe_btc_dims; CMakeLists.txt sets it, docs/rtl.md says why).
 *
 * Every ab_rtl_pe_btc_clock runs exactly one clock cycle: inputs applied
 * with clk low, evaluated (the combinational popcounts are read then),
 * rising edge, evaluated (the accumulators are read then).  At the edge:
 *   acc = (clear ? 0 : acc) + (valid ? (+/-)(term << shift) : 0)  mod 2^32,
 *   term = xor_mode ? k_valid - 2 popc(x XOR w) : popc(x AND w).
 *
 * Tile rows use kernels/gemm_bitplane.h's packing: a row is kw =
 * ab_rtl_pe_btc_row_words() uint64 words, bit k of the row is bit k % 64
 * of word k / 64; x holds m rows, w holds n rows, back to back.
 *
 * Work-unit timing: the PE counts its own cycles (unit_begin on an output
 * tile's first cycle, unit_last on its last; unit_done and unit_cycles
 * out, ab_rtl_pe_btc_unit_get; rtl/pe_btc.v "Work-unit timing").
 */
#ifndef AB_RTL_PE_BTC_H
#define AB_RTL_PE_BTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_rtl_pe_btc ab_rtl_pe_btc;

/* Inputs of one clock cycle (everything not set is 0 / inactive). */
typedef struct ab_rtl_pe_btc_in {
    bool valid;
    bool clear;
    const uint64_t *x;   /* m rows x row_words; NULL: all zero */
    const uint64_t *w;   /* n rows x row_words; NULL: all zero */
    uint8_t shift;       /* 0..15 */
    bool negate;
    bool xor_mode;
    uint32_t k_valid;    /* 0..k */
    bool unit_begin;     /* first cycle of a work unit (an output tile) */
    bool unit_last;      /* its last binary MMA */
    bool fault_flip;     /* test only: at this edge, XOR bit fault_bit ... */
    uint32_t fault_acc;  /* ... of accumulator fault_acc (= row * n + col) */
    uint8_t fault_bit;   /* 0..31 */
} ab_rtl_pe_btc_in;

/* The PE's own timing of its last finished work unit (registered). */
typedef struct ab_rtl_pe_btc_unit {
    bool done;       /* unit_done: a unit finished at the last edge */
    uint32_t cycles; /* unit_cycles: its cycles, counted by the RTL */
} ab_rtl_pe_btc_unit;

/* A model in reset state (reset applied).  NULL on allocation failure. */
ab_rtl_pe_btc *ab_rtl_pe_btc_create(void);
void ab_rtl_pe_btc_destroy(ab_rtl_pe_btc *pe);

/* The tile of the Verilated model: M, N, K parameters and the popcount
 * width. */
void ab_rtl_pe_btc_dims(const ab_rtl_pe_btc *pe, unsigned *m, unsigned *n, unsigned *k,
                        unsigned *popc_bits);
/* uint64 words per tile row: ceil(k / 64). */
size_t ab_rtl_pe_btc_row_words(const ab_rtl_pe_btc *pe);

/* Assert rst_n for one cycle (every accumulator back to 0). */
void ab_rtl_pe_btc_reset(ab_rtl_pe_btc *pe);

/* One clock cycle; popc (m * n entries, row-major, may be NULL) gets the
 * cycle's popcounts, sampled before the edge. */
void ab_rtl_pe_btc_clock(ab_rtl_pe_btc *pe, const ab_rtl_pe_btc_in *in, uint32_t *popc);

/* The accumulators now, m * n entries row-major (acc[row * n + col]). */
void ab_rtl_pe_btc_acc(const ab_rtl_pe_btc *pe, int32_t *acc);

/* The work-unit timing outputs now. */
void ab_rtl_pe_btc_unit_get(const ab_rtl_pe_btc *pe, ab_rtl_pe_btc_unit *u);

/* Clock cycles run since create (reset cycles included). */
uint64_t ab_rtl_pe_btc_cycles(const ab_rtl_pe_btc *pe);

/* Waveform: every later cycle goes to an FST file (two time steps per
 * cycle, 1 ns each: clk low with the inputs, clk high with the new state).
 * Returns 0, or -1 when the file cannot be opened.  Close flushes; destroy
 * closes too. */
int ab_rtl_pe_btc_trace_open(ab_rtl_pe_btc *pe, const char *path);
void ab_rtl_pe_btc_trace_close(ab_rtl_pe_btc *pe);

#ifdef __cplusplus
}
#endif

#endif
