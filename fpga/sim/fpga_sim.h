/* fpga_sim.h - C entry of `anybit fpga sim`: the Verilated board top
 * (fpga/rtl/icebreaker_top.v) behind a pseudo-terminal (pty_bridge.hpp),
 * with fault switches.  C++17 inside, part of anybit_rtl.
 *
 * Contract: ab_fpga_sim_main prints the pty's path on stdout ("port
 * /dev/pts/N"), then either runs until killed (cmd NULL) or runs cmd with
 * every "{port}" argument replaced by the path and returns cmd's exit
 * status (128 + signal when it was killed).  A statistics line goes to
 * stderr at the end (with stats).  2 on a setup failure (message on
 * stderr).
 */
#ifndef AB_FPGA_SIM_H
#define AB_FPGA_SIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_fpga_sim_opts {
    uint64_t drop_rx, flip_rx;   /* the N-th byte host -> board dropped / bit 0 flipped (0: never) */
    uint64_t drop_tx, flip_tx;   /* the N-th byte board -> host */
    int64_t mute_after;          /* after N replies the board's TX is not bridged (-1: never) */
    int32_t baud_error_permille; /* the host's line runs this much off its nominal rate, per mille (-100 .. 100) */
    bool plant_fault;            /* board_core's fault_plant */
    bool stats;                  /* the statistics line on stderr */
    char **cmd;                  /* NULL-terminated, or NULL */
} ab_fpga_sim_opts;

int ab_fpga_sim_main(const ab_fpga_sim_opts *o);

/* The Verilated board's parameters (CMake's ANYBIT_FPGA_* cache, docs/fpga.md). */
typedef struct ab_fpga_sim_params {
    unsigned clk_div, rows, cols, lanes, steps, groups;
    uint32_t build_hash;
} ab_fpga_sim_params;
void ab_fpga_sim_board_params(ab_fpga_sim_params *p);

#ifdef __cplusplus
}
#endif

#endif
