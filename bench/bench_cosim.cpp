// bench_cosim.cpp - how fast the Verilated BitMoD PE array runs against
// the C simulator's cycle mode on the same tile.
//
// The tile: tile 0 of op 0 of the BitMoD example trace (output channels
// 0..R-1 of 'layers.0.self_attn.q_proj' over K = 256, two groups of 128,
// bitmod_fp4_mix, int6 scales), as `anybit cosim --rtl array` runs it.
//   1. Verilated array alone (rtl/array_bitmod.v, R x C PEs): the tile's
//      buffers loaded once, the tile started and clocked to done again and
//      again: clocks per second, and PE-cycles per second (x R x C);
//   2. lock-step (`anybit cosim --rtl array`): the same tile checked
//      against one C PE per array PE every clock: cycles per second;
//   3. C cycle mode (sim/engine/engine_cycle.c) and fast mode on an op of exactly
//      that tile's shape (M = C tokens, N = R channels, same K and formats)
//      on the bitmod preset resized to R x C: simulated cycles per second
//      (one tile per call: the engine's per-op set-up, mapper and prepare,
//      weighs in); and cycle mode on the whole op (N / R tiles).
// The ratios C cycle mode / Verilated array go to docs/performance.md.
// Prints figures; never fails on time.  Usage: bench_cosim [SECONDS] (0.5 per figure).
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cosim_array.hpp"

extern "C" {
#include "accel/accel.h"
#include "engine/engine.h"
#include "pe/pe.h"
#include "workload/trace.h"
#include "values/values_op.h"
}

namespace {

double now_s()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int die(const ab_error &e)
{
    std::fprintf(stderr, "bench_cosim: %s\n", e.msg);
    return 2;
}

// Simulated cycles per second of ab_sim_op in one mode, over >= seconds.
double sim_rate(const ab_accel &a, const ab_op &op, ab_sim_mode mode, double seconds,
                uint64_t *cycles_per_op, ab_error *err)
{
    uint64_t cycles = 0;
    const double t0 = now_s();
    double s = 0;
    do {
        ab_op_stats st;
        if (ab_sim_op(&a, &op, mode, &st, err) != 0)
            return -1;
        cycles += st.cycles;
        *cycles_per_op = st.cycles;
        s = now_s() - t0;
    } while (s < seconds);
    return double(cycles) / s;
}

} // namespace

int main(int argc, char **argv)
{
    using namespace ab_cosim_array;
    const double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
    const ab_rtl_array_dims &d = dims();
    ab_accel a;
    ab_error err{};
    if (ab_accel_load("bitmod", &a, &err) != 0)
        return die(err);
    ab_trace tr;
    std::memset(&tr, 0, sizeof tr);
    const char *path = ANYBIT_SOURCE_DIR "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";
    if (ab_trace_read(path, &tr, &err) != 0)
        return die(err);
    ab_vop v{};
    ab_pe_op po;
    OpTiling tl;
    if (ab_vop_load(&a, &tr, 0, &v, &err) != 0 || ab_pe_prepare(&a, &tr.ops[0].op, &po, &err) != 0 ||
        op_tiling(v, po, 0, &tl, &err) != 0)
        return die(err);
    const Tile t = op_tile(v, po, 0, tl, 0).t;
    std::printf("tile: %s of op 0 '%s'\n", t.what.c_str(), v.name);
    std::printf("array: %u x %u BitMoD PEs (Verilated with ANYBIT_ARRAY_ROWS/COLS), buffers %u "
                "steps, %u groups\n\n", d.rows, d.cols, d.steps, d.groups);

    // 1. the Verilated array alone
    const double rtl = rtl_cycles_per_second(t, seconds);
    if (rtl <= 0) {
        std::fprintf(stderr, "bench_cosim: the array disagrees with the C model on the tile\n");
        return 1;
    }
    // 2. lock-step
    ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create(a.bitmod_rtl_literal_align);
    std::vector<ab_bitmod_pe> cpes = c_pes(t, a.bitmod_rtl_literal_align);
    uint64_t ls_cycles = 0, tile_cycles = 0;
    const uint64_t clocks0 = ab_rtl_array_bitmod_clocks(m);
    uint64_t tiles = 0;
    double t0 = now_s(), ls_s = 0;
    do {
        const Report r = run_tile(m, cpes, t, a.bitmod_rtl_literal_align, Fault{});
        if (!r.ok) {
            std::fprintf(stderr, "bench_cosim: %s", r.msg.c_str());
            return 1;
        }
        tile_cycles = r.cycles;
        ls_cycles += r.cycles;
        tiles++;
        ls_s = now_s() - t0;
    } while (ls_s < seconds);
    const uint64_t ls_clocks = ab_rtl_array_bitmod_clocks(m) - clocks0;
    ab_rtl_array_bitmod_destroy(m);

    // 3. the C simulator on an op of the tile's shape, on an R x C bitmod
    ab_accel ac = a;
    ac.rows = d.rows;
    ac.cols = d.cols;
    if (ab_accel_validate(&ac, &err) != 0)
        return die(err);
    ab_op op = tr.ops[0].op;
    op.M = d.cols;
    op.N = d.rows;
    op.count = 1;
    uint64_t c_op = 0, f_op = 0, w_op = 0;
    const double cyc = sim_rate(ac, op, AB_MODE_CYCLE, seconds, &c_op, &err);
    const double fast = sim_rate(ac, op, AB_MODE_FAST, seconds, &f_op, &err);
    // and the whole op (N / R tiles): the engine's per-op set-up (mapper,
    // prepare) spread over many tiles
    const double whole = sim_rate(ac, tr.ops[0].op, AB_MODE_CYCLE, seconds, &w_op, &err);
    if (cyc < 0 || fast < 0 || whole < 0)
        return die(err);

    const unsigned pes = d.rows * d.cols;
    std::printf("%-44s %14s %16s\n", "", "cycles/s", "PE-cycles/s");
    std::printf("%-44s %14.3g %16.3g   (%" PRIu64 " working cycles per tile)\n",
                "Verilated array alone", rtl, rtl * pes, tile_cycles);
    std::printf("%-44s %14.3g %16.3g   (working cycles; with the %" PRIu64
                " buffer-write clocks per tile: %.3g clocks/s)\n",
                "lock-step: array + one C PE per PE", double(ls_cycles) / ls_s,
                double(ls_cycles) / ls_s * pes, (ls_clocks - ls_cycles) / tiles,
                double(ls_clocks) / ls_s);
    std::printf("%-44s %14.3g %16.3g   (%" PRIu64 " cycles: load, tile, store)\n",
                "C --mode cycle, op of the tile's shape", cyc, cyc * pes, c_op);
    std::printf("%-44s %14.3g %16.3g   (%" PRIu64 " cycles)\n", "C --mode fast, same op", fast,
                fast * pes, f_op);
    std::printf("%-44s %14.3g %16.3g   (%" PRIu64 " cycles, %" PRIu64 " x %" PRIu64 " x %" PRIu64
                ")\n", "C --mode cycle, the whole op", whole, whole * pes, w_op,
                uint64_t(tr.ops[0].op.M), uint64_t(tr.ops[0].op.N), uint64_t(tr.ops[0].op.K));
    std::printf("\nratio C cycle mode / Verilated array: %.1f x on the tile's op (one tile: "
                "set-up dominates), %.1f x on the whole op\n", cyc / rtl, whole / rtl);
    ab_vop_free(&v);
    ab_trace_free(&tr);
    return 0;
}
