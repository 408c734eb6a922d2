// test_cosim_array.cpp - lock-step co-simulation of the BitMoD PE array
// (rtl/array_bitmod.v, Verilated as anybit_rtl behind
// rtl/sim/rtl_array_bitmod.h) against the C models, through the shared
// checker rtl/sim/cosim_array.hpp (values: one C PE per array PE, every
// registered field after every clock, every group result against
// ab_bitmod_pe_group; timing: start to done equals the C rule
// ab_pe_cycles + the last group's dequantization):
//   (a) random tiles of every weight format family, both alignment rules;
//   (b) every tile of op 0 of the BitMoD example trace, whose outputs (the
//       RTL's group results summed in FP32 as sim/values/values_bitmod.c does)
//       must equal ab_values_bitmod_datapath bit for bit;
//   (c) a one-bit fault forced into one PE's accumulator is caught, named,
//       and a waveform written.
// The array's speed against the C cycle mode is bench/bench_cosim.cpp's.
#include <gtest/gtest.h>

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cosim_array.hpp"
#include "test_util.h"

extern "C" {
#include "accel/accel.h"
#include "engine/engine.h"
#include "pe/pe.h"
#include "workload/trace.h"
#include "values/values_op.h"
}

namespace {

using namespace ab_cosim_array;

const ab_accel &bitmod_accel()
{
    static const ab_accel a = [] {
        ab_accel x;
        ab_error err{};
        if (ab_accel_load(ANYBIT_SOURCE_DIR "/configs/bitmod.yaml", &x, &err) != 0)
            ADD_FAILURE() << err.msg;
        return x;
    }();
    return a;
}

std::string fst_path(const std::string &name)
{
    return anybit_test::tmp_dir("cosim_array") + "/" + name + ".fst";
}

// ---- (a) random tiles -------------------------------------------------------------

// n_term / n_literal random tiles back to back on one Verilated model under
// each alignment rule, in lock step with one C PE per array PE.
void random_tiles_lock_step(unsigned model, uint64_t seed, int n_term, int n_literal)
{
    const ab_rtl_array_dims &d = dims(model);
    ASSERT_GE(d.rows, 1u);
    std::mt19937_64 rng(seed);
    uint64_t pe_steps = 0, pad = 0, idle = 0, tiles = 0, cycles = 0;
    bool cpw_seen[5] = {};
    bool literal_seen[2] = {};
    const auto t0 = std::chrono::steady_clock::now();
    for (int literal = 0; literal < 2; literal++) {
        // one model and one set of C PEs for many tiles back to back
        ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create_model(model, literal != 0);
        ASSERT_NE(m, nullptr);
        std::vector<ab_bitmod_pe> cpes;
        const int n = literal ? n_literal : n_term;
        for (int i = 0; i < n; i++, tiles++) {
            const Tile t = random_tile(rng, model, tiles);
            if (cpes.empty())
                cpes = c_pes(t, literal != 0);
            Report r = run_tile(m, cpes, t, literal != 0, Fault{});
            if (!r.ok) {
                // replay on a fresh model for the waveform
                ab_rtl_array_bitmod_destroy(m);
                r = check_tile(t, literal != 0, Fault{}, fst_path("random_tile"));
                FAIL() << r.msg;
            }
            ASSERT_EQ(r.cycles, c_rule_cycles(bitmod_accel(), t)) << t.what;
            pe_steps += r.pe_steps;
            pad += r.pad_cycles;
            idle += r.idle_terms;
            cycles += r.cycles;
            cpw_seen[t.cpw] = true;
            literal_seen[literal] = true;
        }
        ab_rtl_array_bitmod_destroy(m);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ array ] model %u (%u x %u, %u lanes, %u steps, %u groups): %" PRIu64
                " tiles, %" PRIu64 " working cycles, %" PRIu64
                " PE-steps checked (%" PRIu64 " dequantizer-paced slot cycles, %" PRIu64
                " idle row-terms of mixed-cpw tiles), %.2f s\n",
                model, d.rows, d.cols, d.lanes, d.steps, d.groups, tiles, cycles, pe_steps, pad,
                idle, s);
    EXPECT_GE(pe_steps, 10000u);
    EXPECT_GT(pad, 0u);
    EXPECT_GT(idle, 0u);
    for (unsigned c = 1; c <= 4; c++)
        EXPECT_TRUE(cpw_seen[c]) << "no tile with cpw " << c;
    EXPECT_TRUE(literal_seen[0] && literal_seen[1]);
}

TEST(CosimArray, RandomTilesLockStep)
{
    random_tiles_lock_step(0, 0xa77a7b17ull, 60, 20);
}

// The second Verilated array: 2 x 3 PEs of 8 lanes, 64-step buffers, 8
// groups (every parameter away from model 0's).
TEST(CosimArray, RandomTilesLockStepModel1)
{
    ASSERT_GE(ab_rtl_array_bitmod_models(), 2u);
    const ab_rtl_array_dims &d = dims(1);
    EXPECT_EQ(d.lanes, 8u);
    EXPECT_NE(d.rows, d.cols);
    random_tiles_lock_step(1, 0x2a3b8ull, 60, 20);
}

// ---- (b) every tile of a real trace op ---------------------------------------------

// Op 0 of the tiny bitmod example trace (1 x 256 x 256, bitmod_fp4_mix,
// group 128, int6 scales): tiled as `anybit cosim --rtl array` tiles it
// (rows = output channels, columns = tokens; the op has one token, so
// columns 1.. get zero activations and are checked against the C PEs, not
// against the op's outputs).
void trace_op_tiles(unsigned model)
{
    const ab_rtl_array_dims &d = dims(model);
    ab_accel a = bitmod_accel(); // with the array's lanes
    a.lanes = a.tile_k = d.lanes;
    ab_trace tr;
    std::memset(&tr, 0, sizeof tr);
    ab_error err{};
    ASSERT_EQ(ab_trace_read(ANYBIT_SOURCE_DIR
                            "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors",
                            &tr, &err), 0) << err.msg;
    ab_vop v{};
    ASSERT_EQ(ab_vop_load(&a, &tr, 0, &v, &err), 0) << err.msg;
    ab_pe_op po;
    ASSERT_EQ(ab_pe_prepare(&a, &tr.ops[0].op, &po, &err), 0) << err.msg;
    OpTiling tl;
    ASSERT_EQ(op_tiling(v, po, model, &tl, &err), 0) << err.msg;
    ASSERT_EQ(tl.k_chunks, 1u) << "the example op's K fits the array's buffers";
    std::vector<float> datapath(v.M * v.N);
    ASSERT_EQ(ab_values_bitmod_datapath(&v, datapath.data(), &err), 0) << err.msg;

    // the PE model's rule for the work unit, as the engine uses it, plus
    // the last group's dequantization
    ab_pe_work w{};
    w.kt = v.K;
    const uint64_t want = ab_pe_cycles(&a, &po, &w) + po.dequant_cycles;

    ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create_model(model, a.bitmod_rtl_literal_align);
    std::vector<ab_bitmod_pe> cpes;
    size_t outputs = 0;
    uint64_t cycles = 0;
    for (uint64_t i = 0; i < tl.tiles(); i++) {
        const OpTile ot = op_tile(v, po, model, tl, i);
        const Tile &t = ot.t;
        if (cpes.empty())
            cpes = c_pes(t, a.bitmod_rtl_literal_align);
        const Report r = run_tile(m, cpes, t, a.bitmod_rtl_literal_align, Fault{});
        ASSERT_TRUE(r.ok) << r.msg;
        ASSERT_EQ(r.cycles, want) << t.what;
        EXPECT_EQ(r.group_checks, uint64_t(t.R) * t.C * t.G);
        cycles += r.cycles;
        // the op's outputs from the RTL's group results (the FP32 part
        // outside the PE, as sim/values/values_bitmod.c)
        for (unsigned row = 0; row < t.R && ot.n0 + row < v.N; row++)
            for (unsigned c = 0; c < t.C && ot.m0 + c < v.M; c++) {
                float acc = 0.0f;
                for (unsigned g = 0; g < t.G; g++)
                    acc = acc + float(r.group_value[(size_t(row) * t.C + c) * t.G + g]);
                const float y = acc * v.row_scale[ot.n0 + row];
                const float e = datapath[(ot.m0 + c) * v.N + ot.n0 + row];
                uint32_t yb, eb;
                std::memcpy(&yb, &y, 4);
                std::memcpy(&eb, &e, 4);
                EXPECT_EQ(yb, eb) << "output (" << ot.m0 + c << "," << ot.n0 + row << "): RTL "
                                  << y << ", C " << e;
                outputs++;
            }
    }
    ab_rtl_array_bitmod_destroy(m);
    EXPECT_EQ(outputs, v.M * v.N);
    std::printf("[ array ] model %u, trace op 0 '%s': %" PRIu64 " tiles of %u x %u PEs of %u "
                "lanes, %" PRIu64 " working cycles (C rule %" PRIu64
                " per tile), %zu outputs bit-exact\n",
                model, v.name, tl.tiles(), d.rows, d.cols, d.lanes, cycles, want, outputs);
    ab_vop_free(&v);
    ab_trace_free(&tr);
}

TEST(CosimArray, TraceOpTilesBitExact)
{
    trace_op_tiles(0);
}

// The same op on the 2 x 3 array of 8-lane PEs (the datapath model and the
// cycle rule with pe.lanes 8).
TEST(CosimArray, TraceOpTilesBitExactModel1)
{
    trace_op_tiles(1);
}

// ---- (c) fault injection ----------------------------------------------------------------

Tile fault_tile()
{
    std::mt19937_64 rng(77);
    Tile t;
    do
        t = random_tile(rng, 0, 0);
    while (t.G < 2 || t.S < 4);
    return t;
}

TEST(CosimArray, FaultInjectionIsCaught)
{
    const Tile t = fault_tile();
    const ab_rtl_array_dims &d = dims();
    Fault f;
    f.on = true;
    f.cycle = 5;
    f.row = d.rows > 1 ? 1 : 0;
    f.col = d.cols > 2 ? 2 : 0;
    const std::string path = fst_path("fault_injection");
    std::remove(path.c_str());
    const Report r = check_tile(t, false, f, path);
    ASSERT_FALSE(r.ok);
    std::printf("%s", r.msg.c_str());
    EXPECT_EQ(r.cycle, f.cycle);
    EXPECT_EQ(r.pe_row, int(f.row));
    EXPECT_EQ(r.pe_col, int(f.col));
    ASSERT_EQ(r.signals.size(), 1u);
    EXPECT_EQ(r.signals[0], "acc_man");
    std::ostringstream pe;
    pe << "PE (" << f.row << "," << f.col << ")";
    EXPECT_NE(r.msg.find(pe.str()), std::string::npos) << r.msg;
    EXPECT_NE(r.msg.find("acc_man: RTL"), std::string::npos) << r.msg;
    EXPECT_EQ(r.fst, path);
    const std::string fst = anybit_test::slurp(path);
    EXPECT_GT(fst.size(), 100u);
}

TEST(CosimArray, FaultFreeRunOfTheSameTilePasses)
{
    const Report r = check_tile(fault_tile(), false, Fault{}, fst_path("fault_free"));
    EXPECT_TRUE(r.ok) << r.msg;
}

} // namespace
