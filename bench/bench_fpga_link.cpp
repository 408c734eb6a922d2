// bench_fpga_link.cpp - the host <-> board link over the simulated board
// (docs/fpga.md "Host program and board-less path"): random tiles through
// `anybit fpga run`'s driver (fpga/host/fpga_run.h) against the Verilated
// board behind its pty (fpga/sim/pty_bridge.hpp), in one process (the
// bridge in a thread), at 115200 baud and at the fastest rate the board's
// divisor allows: tiles/s and bytes/s of the link, and the Verilated
// board's own speed in 12 MHz clocks per second.  Prints figures; never
// passes or fails on time.
//
// usage: bench_fpga_link [TILES_AT_115200 [TILES_FAST]]   (default 4 and 40)
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>

#include "fpga/sim/board_model.hpp"
#include "fpga/sim/pty_bridge.hpp"

extern "C" {
#include "fpga/host/fpga_link.h"
#include "fpga/host/fpga_run.h"
#include "fpga/sim/fpga_sim.h"
}

namespace {

struct Figures {
    int rc = 0;
    ab_fpga_run_stats run{};
    ab_fpga_sim::BridgeStats bridge{};
};

Figures measure(uint32_t baud, uint64_t tiles)
{
    Figures f;
    std::unique_ptr<ab_fpga_sim::Board> board(ab_fpga_sim::make_icebreaker_board());
    if (!board) {
        std::fprintf(stderr, "bench_fpga_link: no Verilated board in this build\n");
        f.rc = 2;
        return f;
    }
    ab_fpga_sim::PtyBridge bridge(*board, ab_fpga_sim::BridgeOptions{});
    std::string err;
    int stop[2];
    if (bridge.open(&err) != 0 || pipe(stop) != 0) {
        std::fprintf(stderr, "bench_fpga_link: %s\n", err.c_str());
        f.rc = 2;
        return f;
    }
    std::thread sim([&] { bridge.run(stop[0], &err); });
    ab_fpga_sim_params p;
    ab_fpga_sim_board_params(&p);
    const std::string port = bridge.slave_path();
    const std::string config = std::string(ANYBIT_SOURCE_DIR) + "/configs/icebreaker.yaml";
    ab_fpga_run_opts o{};
    o.port = port.c_str();
    o.random_tiles = tiles;
    o.seed = 7;
    o.baud = baud;
    o.timeout_ms = 2000;
    o.retries = 2;
    o.config = config.c_str();
    o.expect_build = p.build_hash;
    o.quiet = true;
    o.stats = &f.run;
    f.rc = ab_fpga_run(&o);
    (void)!write(stop[1], "x", 1);
    sim.join();
    close(stop[0]);
    close(stop[1]);
    f.bridge = bridge.stats();
    return f;
}

void print(const char *label, uint32_t baud, const Figures &f)
{
    const ab_fpga_run_stats &r = f.run;
    const double bytes = double(r.bytes_sent + r.bytes_received);
    const double wire = bytes * 10.0 / baud; // seconds the bytes take on a real 8N1 line
    std::printf("%-8s %8u baud: %4llu tiles in %7.3f s: %7.2f tiles/s, %9.0f bytes/s "
                "(%llu bytes; a real line would take %.3f s: %.0f %%); board sim %.2f M "
                "clocks/s (%.3fx real time)%s\n",
                label, baud, (unsigned long long)r.tiles, r.seconds,
                r.seconds > 0 ? double(r.tiles) / r.seconds : 0.0,
                r.seconds > 0 ? bytes / r.seconds : 0.0, (unsigned long long)bytes, wire,
                r.seconds > 0 ? 100.0 * wire / r.seconds : 0.0,
                f.bridge.busy_seconds > 0 ? double(f.bridge.clocks) / f.bridge.busy_seconds / 1e6
                                          : 0.0,
                f.bridge.busy_seconds > 0
                    ? double(f.bridge.clocks) / f.bridge.busy_seconds / 12e6
                    : 0.0,
                f.rc ? "  [RUN FAILED]" : "");
}

} // namespace

int main(int argc, char **argv)
{
    const uint64_t slow = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4;
    const uint64_t fast = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 40;
    ab_fpga_sim_params p;
    ab_fpga_sim_board_params(&p);
    std::printf("bench_fpga_link: the Verilated iCEBreaker board (%u x %u PEs of %u lanes, "
                "%u steps, %u groups, 12 MHz / %u) behind a pty, random tiles (seed 7)\n",
                p.rows, p.cols, p.lanes, p.steps, p.groups, p.clk_div);
    const uint32_t top = ab_fpga_fastest_baud(12000000u / (p.clk_div ? p.clk_div : 1));
    const Figures a = measure(115200, slow);
    print("boot", 115200, a);
    const Figures b = measure(top, fast);
    print("fastest", top, b);
    return a.rc || b.rc ? 1 : 0;
}
