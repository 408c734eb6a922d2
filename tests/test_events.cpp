// test_events.cpp - the counts a run reports besides its cycles, each
// written here from the op's shape, its formats and the mapping described
// in docs/simulator.md: DRAM bytes of grouped weights (codes, group scales,
// the FP16 second level), output bytes, dequantizer cycles, buffer reads of
// both dataflows, the weight-stationary adder chain, busy and idle PE
// cycles, grouped-query instances, and the run's totals.  Both timing modes
// take these from one tile program, so fast == cycle cannot check them;
// the numbers below do not come from the code under test.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "test_ops.h"

extern "C" {
#include "accel/accel.h"
#include "engine/engine.h"
}

namespace {

using anybit_test::make_op;
using anybit_test::roomy_accel;

ab_op gemm(const char *w, const char *a, uint64_t M, uint64_t N, uint64_t K, uint32_t group = 0,
           const char *scale = "fp16")
{
    return make_op("op", AB_OP_GEMM, M, N, K, w, scale, group, a);
}

ab_op_stats sim(const ab_accel &a, const ab_op &op)
{
    ab_op_stats st;
    ab_error e;
    EXPECT_EQ(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
    return st;
}

} // namespace

// int4 codes in groups of 128 with int8 scales and an FP16 scale per row
// (docs/formats.md "Scales"): a row of K = 256 stores 256 x 4 + 2 x 8 + 16
// = 1056 bits = 132 bytes, however K is cut into tiles.  Activations are
// FP16 (2 bytes each), outputs leave as FP16.  Each output has two groups,
// each dequantized one scale bit per cycle: 16 dequantizer cycles.
TEST(Events, GroupedWeightBytesAndDequantFromTheFormat)
{
    for (uint64_t tk : {128u, 256u}) { // one group per K tile, then both in one
        ab_accel a = roomy_accel(AB_PE_BITMOD);
        a.force_tk = tk;
        const uint64_t M = a.cols, N = a.rows, K = 256;
        const ab_op op = gemm("int4", "fp16", M, N, K, 128, "int8");
        const ab_op_stats st = sim(a, op);
        EXPECT_EQ(st.tiling.tk, tk);
        EXPECT_EQ(st.ev.dram_read_bytes, N * 132 + M * K * 2) << "tk " << tk;
        EXPECT_EQ(st.ev.dram_write_bytes, M * N * 2) << "tk " << tk;
        EXPECT_EQ(st.ev.dequant_cycles, M * N * 2 * 8) << "tk " << tk;
        EXPECT_DOUBLE_EQ(st.energy.dequant_pj, (double)(M * N * 2 * 8) * a.pe_costs.dequant_pj);
    }
}

// Output-stationary: a row of PEs shares one weight vector, a column one
// activation vector (docs/references.md#bitmod-mapping).  A tile of 3 x cols
// tokens takes three passes down the columns, each reading the weight tile
// once; the activations are read once per pass along N (one here).
TEST(Events, OutputStationaryBufferReadsFollowThePasses)
{
    ab_accel a = roomy_accel(AB_PE_FP16);
    a.dataflow = AB_DF_OS;
    const uint64_t M = 3ull * a.cols, N = a.rows, K = 64;
    a.force_tm = M; // one tile (the mapper may cut M when nothing limits)
    const ab_op_stats st = sim(a, gemm("fp16", "fp16", M, N, K));
    ASSERT_EQ(st.tiles, 1u);
    EXPECT_EQ(st.ev.sram_read_bytes[0], 3 * N * K * 2);
    EXPECT_EQ(st.ev.sram_read_bytes[1], M * K * 2);
    EXPECT_EQ(st.ev.sram_read_bytes[2], M * N * 2); // the store reads the outputs once
}

// Weight-stationary, K cut in two: the first K tile writes 32-bit partials,
// the second reads them back and writes its own; the last also writes the
// FP16 outputs, which the store reads.  Nothing is read back before it was
// written.
TEST(Events, WeightStationaryPartialsAreReadAfterTheyAreWritten)
{
    ab_accel a = roomy_accel(AB_PE_FP16);
    a.dataflow = AB_DF_WS;
    const uint64_t M = 8, N = a.rows, K = 4ull * a.cols;
    a.force_tk = K / 2;
    const ab_op_stats st = sim(a, gemm("fp16", "fp16", M, N, K));
    ASSERT_EQ(st.tiles, 2u);
    EXPECT_EQ(st.ev.sram_read_bytes[2], M * N * 4 + M * N * 2);
    EXPECT_EQ(st.ev.sram_write_bytes[2], 2 * M * N * 4 + M * N * 2);
}

// A weight-stationary pass streams its tokens through the row's PEs and
// drains the partial sums through a chain of cols adders: tokens + cols - 1
// cycles a pass; K = 3 x cols (one K element per PE of a MAC kind) is three
// passes.
TEST(Events, WeightStationaryPassesPayTheAdderChain)
{
    ab_accel a = roomy_accel(AB_PE_FP16);
    a.dataflow = AB_DF_WS;
    ASSERT_GT(a.cols, 1u);
    const uint64_t M = 10, N = a.rows, K = 3ull * a.cols;
    const ab_op_stats st = sim(a, gemm("fp16", "fp16", M, N, K));
    ASSERT_EQ(st.tiles, 1u);
    EXPECT_EQ(st.compute_cycles, 3 * (M + a.cols - 1));
}

// Weight-stationary partial sums are 32 bits wide: a tile whose FP16
// outputs would fit one half of the output buffer but whose partials do not
// must be cut smaller.
TEST(Events, WeightStationaryPartialsMustFitTheOutputBuffer)
{
    ab_accel a = roomy_accel(AB_PE_FP16);
    a.dataflow = AB_DF_WS;
    const uint64_t M = 64, N = a.rows, K = a.cols;
    a.obuf.bytes = 2 * (M * N * 3); // a half holds 3 bytes per output
    const ab_op_stats st = sim(a, gemm("fp16", "fp16", M, N, K));
    EXPECT_LE(st.tiling.tm * st.tiling.tn * 4, a.obuf.bytes / 2)
        << "tm " << st.tiling.tm << " tn " << st.tiling.tn;
}

// A MAC PE (one lane) is busy one cycle per MAC, each MAC once: eight
// attention heads sharing two KV operands (weight_share 4) are four heads
// stacked along M, twice, not eight times.  The PEs not busy are idle: busy
// + idle = PEs x cycles.
TEST(Events, BusyCyclesCountEachMacOnceAndIdleFillsTheRest)
{
    ab_accel a = roomy_accel(AB_PE_FP16);
    a.dataflow = AB_DF_OS;
    ab_op op = make_op("qk", AB_OP_ATTN_QK, 16, a.rows, 64, "fp16", "fp16", 0);
    op.count = 8;
    op.weight_share = 4;
    const ab_op_stats st = sim(a, op);
    const uint64_t macs = 8ull * 16 * a.rows * 64;
    EXPECT_EQ(st.macs, macs);
    EXPECT_EQ(st.ev.pe_busy_cycles, macs);
    EXPECT_EQ(st.ev.pe_busy_cycles + st.ev.pe_idle_cycles,
              (uint64_t)a.rows * a.cols * st.cycles);
    EXPECT_GT(st.ev.pe_idle_cycles, 0u); // the load and the store leave the PEs idle
}

// A run's totals: ops of one shape but different weight formats are timed
// apart (identical ops only are simulated once), the run's cycles are the
// sum of its ops', its time is cycles at the config's clock.
TEST(Events, RunTotalsKeepFormatsApartAndFollowTheClock)
{
    ab_accel a = roomy_accel(AB_PE_BITMOD);
    a.clock_ghz = 0.5;
    ab_op ops[3] = {gemm("int4", "fp16", a.cols, a.rows, 512, 128, "int8"),
                    gemm("int8", "fp16", a.cols, a.rows, 512, 128, "int8"),
                    gemm("int4", "fp16", a.cols, a.rows, 512, 128, "int8")};
    std::snprintf(ops[1].name, sizeof ops[1].name, "wide");
    std::snprintf(ops[2].name, sizeof ops[2].name, "again");
    const ab_op_list list = {3, 3, ops};
    ab_run_stats rs;
    ab_error e;
    ASSERT_EQ(ab_sim_ops(&a, &list, 1.0, AB_MODE_FAST, &rs, &e), 0) << e.msg;
    ASSERT_EQ(rs.nops, 3u);
    const ab_op_stats narrow = sim(a, ops[0]), wide = sim(a, ops[1]);
    EXPECT_GT(wide.cycles, narrow.cycles); // 4 cycles a step at 8 bits, 2 at 4
    EXPECT_EQ(rs.ops[0].cycles, narrow.cycles);
    EXPECT_EQ(rs.ops[1].cycles, wide.cycles);
    EXPECT_EQ(rs.ops[2].cycles, narrow.cycles);
    EXPECT_EQ(std::string(rs.ops[1].name), "wide");
    EXPECT_EQ(rs.cycles, 2 * narrow.cycles + wide.cycles);
    EXPECT_DOUBLE_EQ(rs.seconds, (double)rs.cycles / 0.5e9);
    EXPECT_DOUBLE_EQ(rs.tokens_per_s, 1.0 / rs.seconds);
    ab_run_stats_free(&rs);
}

// Identical ops are simulated once, found through a hash table: an op that
// differs only in its weight format must not take another's result, even
// where their hashes meet (54 ops, six shapes x nine formats, in a table of
// 128 slots: several of them probe past one another).
TEST(Events, RunReusesOnlyIdenticalOps)
{
    const ab_accel a = roomy_accel(AB_PE_BITMOD);
    const char *formats[] = {"int2", "int3", "int4", "int5", "int6", "int7", "int8",
                             "bitmod_fp3_mix", "bitmod_fp4_mix"};
    std::vector<ab_op> ops;
    for (uint64_t M = 1; M <= 6; M++)
        for (const char *f : formats) {
            ops.push_back(gemm(f, "fp16", M, a.rows, 256, 128, "int8"));
            std::snprintf(ops.back().name, sizeof ops.back().name, "%s-%llu", f,
                          (unsigned long long)M);
        }
    const ab_op_list list = {ops.size(), ops.size(), ops.data()};
    ab_run_stats rs;
    ab_error e;
    ASSERT_EQ(ab_sim_ops(&a, &list, 1.0, AB_MODE_FAST, &rs, &e), 0) << e.msg;
    for (size_t i = 0; i < ops.size(); i++) {
        const ab_op_stats alone = sim(a, ops[i]);
        EXPECT_EQ(rs.ops[i].cycles, alone.cycles) << ops[i].name;
        EXPECT_EQ(rs.ops[i].ev.dram_read_bytes, alone.ev.dram_read_bytes) << ops[i].name;
    }
    ab_run_stats_free(&rs);
}
