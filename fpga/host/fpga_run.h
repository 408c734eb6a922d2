/* fpga_run.h - C entry of `anybit fpga run`: tiles on the board (or the
 * Verilated board behind a pty), every result word checked bit for bit
 * against kernels/bitmod_pe.h and every counter against the simulator's
 * cycle rule (fpga/host/fpga_run.cpp, C++17, part of anybit_rtl: it reuses
 * rtl/sim/cosim_array.hpp's tiles).  docs/fpga.md "Host program and
 * board-less path".
 *
 * Contract: ab_fpga_run returns the exit status: 0 every check passed
 * (summary on `out`), 1 the first mismatch (tile, output, expected, got on
 * stderr), 2 bad input or a board that is not this build's or does not
 * answer (one message on stderr).
 */
#ifndef AB_FPGA_RUN_H
#define AB_FPGA_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "workload/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a run did (filled when opts.stats is not NULL). */
typedef struct ab_fpga_run_stats {
    uint64_t tiles, result_words, op_outputs, cycles;
    uint64_t retries, requests, bytes_sent, bytes_received;
    double seconds; /* from IDENTIFY to the last check */
} ab_fpga_run_stats;

typedef struct ab_fpga_run_opts {
    const char *port;
    const ab_trace *trace; /* trace mode, else random */
    const char *trace_path;
    size_t op;
    bool op_given;          /* else the first op that carries values */
    uint64_t tiles;         /* trace mode: the first K tiles (0: all) */
    uint64_t random_tiles;  /* random mode: N tiles */
    uint64_t seed;
    uint32_t baud;
    unsigned timeout_ms, retries;
    const char *config;     /* accelerator preset name or path */
    uint32_t expect_build;  /* the board's build hash must be this */
    const char *json;       /* --json FILE ("-": stdout, the table on stderr); NULL: none */
    bool quiet;             /* no summary table */
    ab_fpga_run_stats *stats;
} ab_fpga_run_opts;

/* The fastest termios rate a board of system clock sysclk_hz takes
 * (divisor >= 4, within 2 %). */
uint32_t ab_fpga_fastest_baud(uint32_t sysclk_hz);

/* The build hash compiled in by CMake (first 4 bytes of the SHA-256 of
 * fpga/flow/sources.txt's files, little endian); *known false when the
 * sources were missing at configure time. */
uint32_t ab_fpga_build_hash(bool *known);

int ab_fpga_run(const ab_fpga_run_opts *o);

#ifdef __cplusplus
}
#endif

#endif
