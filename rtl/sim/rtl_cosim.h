/* rtl_cosim.h - C entry of `anybit cosim`: the Verilated PEs in lock-step
 * with the C models (rtl/sim/cosim_bitmod.hpp, rtl/sim/cosim_btc.hpp, the
 * drivers and checkers the Cosim tests use too).  Part of anybit_rtl (C++17
 * inside); sim/cli/cmd_cosim.c calls it when the project is built with RTL.
 */
#ifndef AB_RTL_COSIM_H
#define AB_RTL_COSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "workload/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ab_cosim_pe {
    AB_COSIM_PE_BITMOD = 0, /* rtl/pe_bitmod.v */
    AB_COSIM_PE_BTC = 1,    /* rtl/pe_btc.v */
    AB_COSIM_PE_ARRAY = 2   /* rtl/array_bitmod.v: R x C BitMoD PEs, buffers, controller */
} ab_cosim_pe;

typedef struct ab_cosim_opts {
    ab_cosim_pe pe;
    /* trace mode (trace != NULL): the first `tiles` work units of op `op`
     * (bitmod: one output (m, n) over K; btc: one tile_m x tile_n output
     * tile; array: R x C outputs over the groups that fit its buffers),
     * with the op's values */
    const ab_trace *trace;
    size_t op;
    uint64_t tiles;
    /* random mode (trace == NULL): at least `random_cycles` cycles, streamed
     * (generated as they run: memory does not grow with the count) */
    uint64_t random_cycles, seed;
    unsigned lanes;        /* pe_bitmod: the PE's lanes (1, 2, 4, 8, 16; 0: 4) */
    const char *wave;      /* FST written at the first mismatch */
    int64_t fault_cycle;   /* test hook: drive the fault port at this cycle; -1: never */
} ab_cosim_opts;

typedef struct ab_cosim_result {
    bool agree;
    uint64_t cycles;       /* pe_bitmod, pe_btc: the cycles the RTL counted itself, summed
                              over the work units (its unit_cycles port at each unit_done);
                              array: its controller's cycles port, summed over the tiles */
    uint64_t model_cycles; /* what the C timing model says for the same work units */
    uint64_t driven_cycles; /* clock cycles the run drove (reset excluded) */
    uint64_t vectors;      /* bitmod: weight groups; btc: output tiles (random: problems);
                              array: tiles */
    uint64_t outputs;      /* results compared besides the per-cycle fields (array:
                              trace: op outputs, random: group results) */
    uint64_t group_checks; /* array: group results vs ab_bitmod_pe_group */
    double seconds;        /* the lock-step loop */
    double rtl_cycles_per_s; /* the Verilated model alone over the same stimulus */
    bool wave_written;
    char unit[256];        /* "op 3 'blk0.q_proj' (gemm 16 x 64 x 64)", or "random, seed 1" */
    char *report;          /* mismatch report (malloc'd; NULL when they agree) */
} ab_cosim_result;

/* Runs the co-simulation.  0: it ran (r->agree says whether RTL and C
 * agreed); -1: bad input (err names the field: no values, formats the
 * RTL PE cannot run, op out of range, a fault cycle past the run). */
int ab_cosim_run(const ab_cosim_opts *o, ab_cosim_result *r, ab_error *err);
void ab_cosim_result_free(ab_cosim_result *r);

#ifdef __cplusplus
}
#endif

#endif
