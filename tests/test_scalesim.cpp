// test_scalesim.cpp - SCALE-Sim interop (docs/scalesim.md): the systolic
// dataflows against SCALE-Sim v2's cycle counts, written here from its
// compute modules' logic (scalesim/compute/systolic_compute_{os,ws,is}.py,
// scalesim/memory/double_buffered_scratchpad_mem.py; docs/references.md
// #scale-sim), not from anybit's code; the systolic events; the .cfg and
// topology readers, good files and one test per bad input; the CLI.
#include <gtest/gtest.h>

#include <cjson/cJSON.h>

#include <cstdio>
#include <string>
#include <vector>

#include "test_ops.h"
#include "test_util.h"

extern "C" {
#include "accel/accel.h"
#include "engine/engine.h"
#include "workload/topology.h"
}

namespace {

using anybit_test::Rng;

uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// SCALE-Sim v2's total for one layer on a stall-free run.  Its demand
// matrices have one row per array cycle; per fold:
//   os: T = K rows of operands plus C - 1 drain rows, skewed over R columns
//       (R - 1 more): K + R + C - 2; folds ceil(M / R) x ceil(N / C)
//       (Sr = ofmap pixels on the rows, Sc = filters on the columns);
//   ws: R rows of weight fill, T = M rows of inputs, C - 1 drain rows,
//       skewed over R: 2R + C + M - 2; folds ceil(K / R) x ceil(N / C);
//   is: R rows of input fill, T = N, C - 1 drain, skewed over R:
//       2R + C + N - 2; folds ceil(K / R) x ceil(M / C).
// The memory system serves demand row i at cycle i (+ stalls: none here,
// the first buffer fill was prefetched before cycle 0) and reports the
// cycle of the last row: the row count minus one.
uint64_t scalesim_cycles(char df, uint64_t R, uint64_t C, uint64_t M, uint64_t N, uint64_t K)
{
    uint64_t rows = 0;
    switch (df) {
    case 'o': rows = cdiv(M, R) * cdiv(N, C) * (K + R + C - 2); break;
    case 'w': rows = cdiv(K, R) * cdiv(N, C) * (2 * R + C + M - 2); break;
    default: rows = cdiv(K, R) * cdiv(M, C) * (2 * R + C + N - 2); break;
    }
    return rows - 1;
}

std::string cfg_text(const std::string &name, uint64_t R, uint64_t C, uint64_t ifkb,
                     uint64_t fkb, uint64_t okb, char df, const std::string &bw_mode,
                     const std::string &bw)
{
    std::string s = "[general]\nrun_name = " + name + "\n\n[architecture_presets]\n";
    s += "ArrayHeight:    " + std::to_string(R) + "\n";
    s += "ArrayWidth:     " + std::to_string(C) + "\n";
    s += "IfmapSramSzkB:   " + std::to_string(ifkb) + "\n";
    s += "FilterSramSzkB:  " + std::to_string(fkb) + "\n";
    s += "OfmapSramSzkB:   " + std::to_string(okb) + "\n";
    s += "IfmapOffset:    0\nFilterOffset:   10000000\nOfmapOffset:    20000000\n";
    if (!bw.empty())
        s += "Bandwidth : " + bw + "\n";
    s += std::string("Dataflow : ") + (df == 'o' ? "os" : df == 'w' ? "ws" : "is") + "\n";
    s += "MemoryBanks:   1\n\n[run_presets]\nInterfaceBandwidth: " + bw_mode + "\n";
    return s;
}

std::string write_tmp(const std::string &name, const std::string &text)
{
    static const std::string dir = anybit_test::tmp_dir("scalesim"); // one mkdir, not 600
    const std::string path = dir + "/" + name;
    anybit_test::spit(path, text);
    return path;
}

ab_op int8_gemm(uint64_t M, uint64_t N, uint64_t K)
{
    // recipes/int8.yaml: int8 weights, one FP16 scale per row, int8 inputs
    return anybit_test::make_op("op", AB_OP_GEMM, M, N, K, "int8", "fp16", 0, "int8");
}

// A stall-free SCALE-Sim config for the GEMM: every operand fits half its
// SRAM (SCALE-Sim's active buffer; anybit's double-buffer half, 32-bit
// partials for ws and is) and the bandwidth moves any operand at once.
void stall_free_accel(Rng &r, char df, uint64_t M, uint64_t N, uint64_t K, ab_accel *a,
                      uint64_t *R, uint64_t *C)
{
    *R = r.in(1, 12);
    *C = r.in(1, 12);
    if (df == 'o' && *R == 1 && *C == 1)
        *C = 2; // keep PE-cycles within the count (docs/simulator.md, the 1 x 1 note)
    const uint64_t ifkb = 2 * cdiv(M * K, 1024) + 1, fkb = 2 * cdiv(N * (K + 2), 1024) + 1;
    const uint64_t okb = 2 * cdiv(M * N * 4, 1024) + 1;
    const bool user = r.in(0, 1);
    const std::string text = cfg_text("rand", *R, *C, ifkb, fkb, okb, df, user ? "USER" : "CALC",
                                      user ? "1000000" : "");
    const std::string path = write_tmp(std::string("rand_") + df + ".cfg", text);
    ab_error e;
    ASSERT_EQ(ab_accel_load(path.c_str(), a, &e), 0) << e.msg;
}

} // namespace

// The Must-show property: on >= 200 seeded random stall-free GEMMs per
// systolic dataflow, anybit's cycles (SCALE-Sim convention, from a .cfg)
// equal SCALE-Sim's count.
TEST(ScaleSim, SystolicCyclesEqualScaleSimOnRandomStallFreeGemms)
{
    for (char df : {'o', 'w', 'i'}) {
        Rng r{df == 'o' ? 11u : df == 'w' ? 22u : 33u};
        int checked = 0;
        for (int i = 0; i < 200; i++) {
            const uint64_t M = r.in(1, 70), N = r.in(1, 70), K = r.in(1, 90);
            ab_accel a;
            uint64_t R, C;
            stall_free_accel(r, df, M, N, K, &a, &R, &C);
            const ab_op op = int8_gemm(M, N, K);
            ab_op_stats st;
            ab_error e;
            ASSERT_EQ(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
            ASSERT_EQ(st.cycles, scalesim_cycles(df, R, C, M, N, K))
                << df << "s " << R << "x" << C << " M " << M << " N " << N << " K " << K;
            EXPECT_EQ(st.ev.pe_busy_cycles, M * N * K); // one MAC per PE-cycle
            checked++;
        }
        EXPECT_EQ(checked, 200);
    }
}

// A few shapes the report evaluates by hand from SCALE-Sim's code, in both
// modes (docs/scalesim.md "Worked example" has the same numbers).
TEST(ScaleSim, HandEvaluatedShapesInBothModes)
{
    struct Case {
        char df;
        uint64_t M, N, K, want;
    } cases[] = {
        // 32 x 32 array: os (M/32)(N/32)(K + 62) - 1; ws (K/32)(N/32)(M + 94) - 1;
        // is (K/32)(M/32)(N + 94) - 1
        {'o', 64, 48, 40, 2 * 2 * 102 - 1},  {'o', 200, 32, 96, 7 * 1 * 158 - 1},
        {'o', 1, 100, 256, 1 * 4 * 318 - 1}, {'w', 64, 48, 40, 2 * 2 * 158 - 1},
        {'w', 200, 32, 96, 3 * 1 * 294 - 1}, {'w', 1, 100, 256, 8 * 4 * 95 - 1},
        {'i', 64, 48, 40, 2 * 2 * 142 - 1},  {'i', 200, 32, 96, 3 * 7 * 126 - 1},
        {'i', 1, 100, 256, 8 * 1 * 194 - 1},
    };
    for (const Case &c : cases) {
        const std::string path = write_tmp(
            "hand.cfg", cfg_text("hand", 32, 32, 512, 512, 512, c.df, "USER", "64"));
        ab_accel a;
        ab_error e;
        ASSERT_EQ(ab_accel_load(path.c_str(), &a, &e), 0) << e.msg;
        const ab_op op = int8_gemm(c.M, c.N, c.K);
        for (ab_sim_mode mode : {AB_MODE_FAST, AB_MODE_CYCLE}) {
            ab_op_stats st;
            ASSERT_EQ(ab_sim_op(&a, &op, mode, &st, &e), 0) << e.msg;
            EXPECT_EQ(st.cycles, c.want) << c.df << " M " << c.M << " N " << c.N << " K " << c.K;
            EXPECT_EQ(st.cycles, scalesim_cycles(c.df, 32, 32, c.M, c.N, c.K));
        }
    }
}

// Systolic events, written from the mapping (docs/simulator.md "Systolic
// dataflows"): a 4 x 4 array, M 6, N 5, K 7, int8 with FP16 row scales
// (a weight row of 7 codes + 2 scale bytes = 9 bytes, weights 45 bytes;
// inputs 6 x 7 = 42 bytes; outputs leave as FP16, 60 bytes; 32-bit
// partials 6 x 5 x 4 = 120 bytes).  SCALE-Sim convention, roomy memory.
TEST(ScaleSim, SystolicEventsFollowTheFolds)
{
    struct Case {
        ab_dataflow df;
        uint64_t cycles, w_reads, a_reads, o_reads, o_writes;
    } cases[] = {
        // os: 2 x 2 folds of 7 + 6; a row fold reads the weights, a column
        // fold the inputs; outputs finished in the PEs
        {AB_DF_OS_SYSTOLIC, 4 * 13 - 1, 2 * 45, 2 * 42, 60, 60},
        // ws: 2 K-folds x 2 column folds of 4 + 6 + 6; weights read once,
        // inputs once per column fold; partials written by both K-folds,
        // read back by the second, then the output read for the store
        {AB_DF_WS_SYSTOLIC, 4 * 16 - 1, 45, 2 * 42, 120 + 60, 2 * 120 + 60},
        // is: 2 K-folds x 2 column (token) folds of 4 + 6 + 5; inputs read
        // once, weights once per column fold
        {AB_DF_IS_SYSTOLIC, 4 * 15 - 1, 2 * 45, 42, 120 + 60, 2 * 120 + 60},
    };
    for (const Case &c : cases) {
        ab_accel a = anybit_test::roomy_accel(AB_PE_INT8);
        a.rows = 4;
        a.cols = 4;
        a.dataflow = c.df;
        a.convention = AB_CONV_SCALESIM;
        const ab_op op = int8_gemm(6, 5, 7);
        for (ab_sim_mode mode : {AB_MODE_FAST, AB_MODE_CYCLE}) {
            ab_op_stats st;
            ab_error e;
            ASSERT_EQ(ab_sim_op(&a, &op, mode, &st, &e), 0) << e.msg;
            const char *n = ab_dataflow_name(c.df);
            EXPECT_EQ(st.tiles, 1u) << n;
            EXPECT_EQ(st.cycles, c.cycles) << n;
            EXPECT_EQ(st.ev.pe_busy_cycles, 6u * 5 * 7) << n;
            // the PEs are clocked for the array's cycles, one past SCALE-Sim's
            // count (the index of its last cycle) on this stall-free op
            const uint64_t clocked = c.cycles + 1;
            EXPECT_EQ(st.ev.pe_idle_cycles, 16 * clocked - 6 * 5 * 7) << n;
            EXPECT_DOUBLE_EQ(st.utilization, 210.0 / (16.0 * clocked)) << n;
            EXPECT_EQ(st.ev.sram_read_bytes[0], c.w_reads) << n;
            EXPECT_EQ(st.ev.sram_read_bytes[1], c.a_reads) << n;
            EXPECT_EQ(st.ev.sram_read_bytes[2], c.o_reads) << n;
            EXPECT_EQ(st.ev.sram_write_bytes[2], c.o_writes) << n;
            EXPECT_EQ(st.ev.dram_read_bytes, 45u + 42) << n; // the prefetched load still moves
            EXPECT_EQ(st.ev.dram_write_bytes, 60u) << n;
            EXPECT_DOUBLE_EQ(st.energy.pe_pj, 210.0 * a.pe_costs.cycle_pj +
                                                  (double)(16 * clocked - 210) *
                                                      a.pe_costs.idle_pj)
                << n;
        }
    }
}

// anybit's own convention counts the first load and the last store: with
// 1 byte/cycle and no latency, one os_systolic fold of 4 x 4 over K 7
// (7 + 3 + 3 = 13 cycles) is preceded by its load and followed by the
// store of the 4 x 4 outputs as FP16.
TEST(ScaleSim, AnybitConventionAddsFirstLoadAndLastStore)
{
    ab_accel a = anybit_test::roomy_accel(AB_PE_INT8);
    a.rows = 4;
    a.cols = 4;
    a.dataflow = AB_DF_OS_SYSTOLIC;
    a.dram.bytes_per_cycle = 1.0;
    const ab_op op = int8_gemm(4, 4, 7);
    ab_op_stats st;
    ab_error e;
    ASSERT_EQ(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
    // weights 4 x (7 + 2) = 36 bytes, inputs 28: 64 load cycles; fold 13;
    // store 4 x 4 x 2 = 32
    EXPECT_EQ(st.cycles, 64u + 13 + 32);
    a.convention = AB_CONV_SCALESIM;
    ASSERT_EQ(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
    EXPECT_EQ(st.cycles, 13u - 1);
}

// PE kinds: the MAC PEs run systolic dataflows, bitmod and btc are refused
// naming the field.
TEST(ScaleSim, SystolicDataflowsNeedAMacPe)
{
    for (ab_pe_kind k : {AB_PE_INT8, AB_PE_FP16, AB_PE_ANT, AB_PE_OLIVE}) {
        ab_accel a;
        ab_accel_default(k, &a);
        a.dataflow = AB_DF_IS_SYSTOLIC;
        ab_error e;
        EXPECT_EQ(ab_accel_validate(&a, &e), 0) << ab_pe_kind_name(k) << ": " << e.msg;
    }
    for (ab_pe_kind k : {AB_PE_BITMOD, AB_PE_BTC}) {
        ab_accel a;
        ab_accel_default(k, &a);
        a.dataflow = AB_DF_WS_SYSTOLIC;
        ab_error e;
        ASSERT_NE(ab_accel_validate(&a, &e), 0);
        EXPECT_NE(std::string(e.msg).find("array.dataflow: expected os"), std::string::npos)
            << e.msg;
    }
}

// ---- the .cfg reader ----------------------------------------------------

// SCALE-Sim's own configs/scale.cfg layout (its fields, [sparsity] and the
// layout fields inside [architecture_presets]), written here.
TEST(ScaleSimCfg, ReadsScaleCfgFields)
{
    const std::string path = std::string(ANYBIT_SOURCE_DIR) + "/examples/scalesim/scale_os.cfg";
    ab_accel a;
    ab_error e;
    ASSERT_EQ(ab_accel_load(path.c_str(), &a, &e), 0) << e.msg;
    EXPECT_STREQ(a.name, "scale_example_run_32x32_os");
    EXPECT_EQ(a.pe, AB_PE_INT8);
    EXPECT_EQ(a.lanes, 1u);
    EXPECT_EQ(a.rows, 32u);
    EXPECT_EQ(a.cols, 32u);
    EXPECT_EQ(a.dataflow, AB_DF_OS_SYSTOLIC);
    EXPECT_EQ(a.convention, AB_CONV_SCALESIM);
    EXPECT_EQ(a.abuf.bytes, 64u * 1024);
    EXPECT_EQ(a.wbuf.bytes, 64u * 1024);
    EXPECT_EQ(a.obuf.bytes, 64u * 1024);
    EXPECT_DOUBLE_EQ(a.dram.bytes_per_cycle, 64.0);
    EXPECT_EQ(a.dram.latency_cycles, 0u);
    EXPECT_STREQ(a.recipe, "int8");
    for (const char *df : {"ws", "is"}) {
        const std::string p = std::string(ANYBIT_SOURCE_DIR) + "/examples/scalesim/scale_" + df + ".cfg";
        ASSERT_EQ(ab_accel_load(p.c_str(), &a, &e), 0) << e.msg;
        EXPECT_EQ(a.dataflow, df[0] == 'w' ? AB_DF_WS_SYSTOLIC : AB_DF_IS_SYSTOLIC);
    }
    // configparser's rules: keys in any case, '=' or ':', comments, CALC mode
    const std::string calc = write_tmp(
        "calc.cfg", "# a comment\n[general]\nrun_name=c\n[architecture_presets]\n"
                    "arrayheight = 8\nARRAYWIDTH: 4\nIfmapSramSzkB: 16\nFilterSramSzkB: 32\n"
                    "OfmapSramSzkB: 48\n; another\nIfmapOffset: 0\nFilterOffset: 1\n"
                    "OfmapOffset: 2\nDataflow: ws\n[run_presets]\nInterfaceBandwidth: CALC\n");
    ASSERT_EQ(ab_accel_load(calc.c_str(), &a, &e), 0) << e.msg;
    EXPECT_EQ(a.rows, 8u);
    EXPECT_EQ(a.cols, 4u);
    EXPECT_EQ(a.dataflow, AB_DF_WS_SYSTOLIC);
    EXPECT_EQ(a.abuf.bytes, 16u * 1024); // ifmap: activations
    EXPECT_EQ(a.wbuf.bytes, 32u * 1024); // filter: weights
    EXPECT_EQ(a.obuf.bytes, 48u * 1024);
    EXPECT_DOUBLE_EQ(a.dram.bytes_per_cycle, (16.0 + 32 + 48) * 1024); // all three buffers a cycle
}

namespace {

// The one message of a bad input file: PATH followed by `want`.
template <typename Read>
void expect_file_error(const std::string &name, const std::string &text, const std::string &want,
                       Read read)
{
    const std::string path = write_tmp(name, text);
    ab_error e;
    ASSERT_NE(read(path.c_str(), &e), 0) << name;
    EXPECT_NE(std::string(e.msg).find(path + want), std::string::npos)
        << name << ": " << e.msg << "\nwanted: " << want;
}

// A bad .cfg: FILE:LINE: FIELD: ...
void expect_cfg_error(const std::string &name, const std::string &text, const std::string &want)
{
    expect_file_error(name, text, want, [](const char *p, ab_error *e) {
        ab_accel a;
        return ab_accel_load(p, &a, e);
    });
}

const std::string k_good = cfg_text("good", 8, 8, 64, 64, 64, 'o', "USER", "10");

} // namespace

TEST(ScaleSimCfg, BadInputNamesFileLineAndField)
{
    using anybit_test::replace;
    expect_cfg_error("unknown_section.cfg", k_good + "[extras]\nfoo = 1\n",
                     ":19: extras: unknown section");
    expect_cfg_error("unknown_field.cfg", replace(k_good, "MemoryBanks:   1", "WordSize: 2"),
                     ":15: architecture_presets.WordSize: unknown field of [architecture_presets]");
    expect_cfg_error("malformed.cfg", replace(k_good, "ArrayWidth:     8", "ArrayWidth 8"),
                     ":6: architecture_presets: expected KEY = VALUE or KEY: VALUE");
    expect_cfg_error("bad_header.cfg", replace(k_good, "[run_presets]", "[run_presets"),
                     ":17: section: expected [NAME]");
    expect_cfg_error("non_numeric.cfg", replace(k_good, "ArrayHeight:    8", "ArrayHeight: eight"),
                     ":5: architecture_presets.ArrayHeight: expected an integer, found \"eight\"");
    expect_cfg_error("zero.cfg", replace(k_good, "ArrayHeight:    8", "ArrayHeight: 0"),
                     ":5: architecture_presets.ArrayHeight: expected an integer of at least 1");
    expect_cfg_error("bad_bw.cfg", replace(k_good, "Bandwidth : 10", "Bandwidth : fast"),
                     ":13: architecture_presets.Bandwidth: expected positive words per cycle");
    expect_cfg_error("missing.cfg", replace(k_good, "Dataflow : os\n", ""),
                     ":4: architecture_presets.Dataflow: missing required field");
    expect_cfg_error("missing_section.cfg", replace(k_good, "[general]\nrun_name = good\n", ""),
                     ":1: general.run_name: missing required field (the file has no [general]");
    // a bandwidth no memory has, which the DMA's rate would overflow (found
    // by fuzz_scalesim_cfg: UB converting it to 64 bits)
    expect_cfg_error("huge_bw.cfg",
                     replace(k_good, "Bandwidth : 10", "Bandwidth : 6777777777777777777777774"),
                     ":13: Bandwidth: expected at most 1e+12 bytes per cycle");
    expect_cfg_error("missing_bw.cfg", replace(k_good, "Bandwidth : 10\n", ""),
                     ":17: architecture_presets.Bandwidth: missing required field");
    expect_cfg_error("bad_df.cfg", replace(k_good, "Dataflow : os", "Dataflow : rs"),
                     ":14: architecture_presets.Dataflow: expected os, ws or is, found \"rs\"");
    expect_cfg_error("bad_mode.cfg", replace(k_good, "InterfaceBandwidth: USER", "InterfaceBandwidth: AUTO"),
                     ":18: run_presets.InterfaceBandwidth: expected CALC or USER");
    expect_cfg_error("twice.cfg", replace(k_good, "MemoryBanks:   1", "ArrayWidth: 4"),
                     ":15: architecture_presets.ArrayWidth: field given twice (first at line 6)");
    expect_cfg_error("banks.cfg", replace(k_good, "MemoryBanks:   1", "MemoryBanks: 2"),
                     ":15: architecture_presets.MemoryBanks: expected 1");
    expect_cfg_error("sparse.cfg", k_good + "[sparsity]\nSparsitySupport : true\n",
                     ":20: sparsity.SparsitySupport: expected False");
    expect_cfg_error("no_section.cfg", "run_name = x\n" + k_good,
                     ":1: run_name: expected a [section] header before the first field");
    expect_cfg_error("indented.cfg", replace(k_good, "ArrayWidth:     8", "ArrayWidth:     8\n    9"),
                     ":7: architecture_presets: expected no indented line");
    expect_cfg_error("tiny_sram.cfg", replace(replace(k_good, "ArrayHeight:    8", "ArrayHeight: 4096"),
                                              "FilterSramSzkB:  64", "FilterSramSzkB: 1"),
                     ":8: FilterSramSzkB: expected room for 2 x 4096 bytes");
}

// ---- topologies -----------------------------------------------------------

namespace {

void expect_layer(const ab_op &op, const char *name, ab_op_kind kind, uint64_t M, uint64_t N,
                  uint64_t K)
{
    EXPECT_STREQ(op.name, name);
    EXPECT_EQ(op.kind, kind) << name;
    EXPECT_EQ(op.M, M) << name;
    EXPECT_EQ(op.N, N) << name;
    EXPECT_EQ(op.K, K) << name;
    EXPECT_STREQ(op.weight_format, "int8") << name; // from the recipe
}

} // namespace

TEST(ScaleSimTopology, ConvAndGemmFormsLowerAsScaleSimDoes)
{
    ab_op_list ops;
    ab_error e;
    const std::string conv = std::string(ANYBIT_SOURCE_DIR) + "/examples/scalesim/conv.csv";
    ASSERT_EQ(ab_topology_read(conv.c_str(), "int8", &ops, &e), 0) << e.msg;
    ASSERT_EQ(ops.n, 3u);
    // Conv1 18x18, 3x3, 3 ch, 32 filters, stride 1: (18-3)/1+1 = 16 -> 256 px, K 27
    expect_layer(ops.ops[0], "Conv1", AB_OP_CONV, 256, 32, 27);
    // Conv2 16x16, 3x3, 32 ch, stride 2: (16-3)/2+1 = 7 -> 49 px, K 288
    expect_layer(ops.ops[1], "Conv2", AB_OP_CONV, 49, 64, 288);
    // Conv3_1x1 7x7, 1x1, 64 ch, 16 filters
    expect_layer(ops.ops[2], "Conv3_1x1", AB_OP_CONV, 49, 16, 64);
    ab_op_list_free(&ops);

    const std::string gemm = std::string(ANYBIT_SOURCE_DIR) + "/examples/scalesim/gemm.csv";
    ASSERT_EQ(ab_topology_read(gemm.c_str(), "int8", &ops, &e), 0) << e.msg;
    ASSERT_EQ(ops.n, 3u);
    expect_layer(ops.ops[0], "proj_small", AB_OP_GEMM, 64, 48, 40);
    expect_layer(ops.ops[2], "fc", AB_OP_GEMM, 1, 100, 256);
    ab_op_list_free(&ops);

    // a non-square layer: H and W, and the two strides, are not swapped;
    // no trailing comma; a depthwise layer is one layer per channel
    const std::string odd = write_tmp(
        "odd.csv", "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                   "Num Filter, Stride height, Stride width\n"
                   "tall, 20, 9, 5, 3, 2, 4, 3, 1\nDP_sep, 6, 6, 3, 3, 3, 1, 1, 1\n");
    ASSERT_EQ(ab_topology_read(odd.c_str(), "int8", &ops, &e), 0) << e.msg;
    ASSERT_EQ(ops.n, 4u);
    EXPECT_EQ(ops.ops[0].M, ((20u - 5) / 3 + 1) * ((9u - 3) / 1 + 1)); // 6 x 7
    EXPECT_EQ(ops.ops[0].K, 5u * 3 * 2);
    EXPECT_STREQ(ops.ops[1].name, "DP_sepChannel_0");
    EXPECT_STREQ(ops.ops[3].name, "DP_sepChannel_2");
    EXPECT_EQ(ops.ops[3].K, 9u);
    EXPECT_EQ(ops.ops[3].M, 16u);
    ab_op_list_free(&ops);
}

namespace {

// A bad topology: FILE:LINE:COLUMN: FIELD: ...
void expect_topo_error(const std::string &name, const std::string &text, const std::string &want)
{
    expect_file_error(name, text, want, [](const char *p, ab_error *e) {
        ab_op_list ops;
        return ab_topology_read(p, "int8", &ops, e);
    });
}

const std::string k_conv_header =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
    "Strides,\n";

} // namespace

TEST(ScaleSimTopology, BadInputNamesFileLineColumnAndField)
{
    expect_topo_error("empty.csv", "", ":1:1: header: expected a header line");
    expect_topo_error("header.csv", "Layer, M, N,\n", ":1:1: header: expected the conv form's 8");
    expect_topo_error("no_rows.csv", "Layer, M, N, K,\n", ":1:1: row: expected at least one layer");
    expect_topo_error("short_row.csv", "Layer, M, N, K,\nfc, 4, 5,\n",
                      ":2:8: row: expected 4 columns like the header, found 3");
    expect_topo_error("non_numeric.csv", "Layer, M, N, K,\nfc, 4, five, 6,\n",
                      ":2:8: N: expected a positive integer");
    expect_topo_error("zero.csv", "Layer, M, N, K,\nfc, 4, 5, 0,\n",
                      ":2:11: K: expected a positive integer");
    expect_topo_error("no_name.csv", "Layer, M, N, K,\n, 4, 5, 6,\n",
                      ":2:1: Layer: expected a layer name");
    expect_topo_error("filter_h.csv", k_conv_header + "c, 3, 9, 5, 3, 2, 4, 1,\n",
                      ":2:10: Filter Height: expected at most the IFMAP Height (3), found 5");
    expect_topo_error("filter_w.csv", k_conv_header + "c, 9, 3, 3, 5, 2, 4, 1,\n",
                      ":2:13: Filter Width: expected at most the IFMAP Width (3), found 5");
    expect_topo_error("stride.csv", k_conv_header + "c, 9, 9, 3, 3, 2, 4, 0,\n",
                      ":2:22: Strides: expected a positive integer");
    expect_topo_error("huge.csv", "Layer, M, N, K,\nfc, 99999999999, 5, 6,\n",
                      ":2:5: M: expected a positive integer of at most");
}

// ---- the CLI ----------------------------------------------------------------

TEST(ScaleSimCli, RunCfgWithTopologyAsJson)
{
    const std::string ex = std::string(ANYBIT_SOURCE_DIR) + "/examples/scalesim/";
    const auto r = anybit_test::anybit("run --config " + ex + "scale_ws.cfg --topology " + ex +
                                       "gemm.csv --json -");
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *doc = cJSON_Parse(r.out.c_str());
    ASSERT_NE(doc, nullptr) << r.out;
    EXPECT_STREQ(cJSON_GetObjectItem(doc, "accel")->valuestring, "scale_example_run_32x32_ws");
    const cJSON *ops = cJSON_GetObjectItem(doc, "ops");
    ASSERT_EQ(cJSON_GetArraySize(ops), 3);
    // the layers' SCALE-Sim counts on 32 x 32 (ws): (K/32)(N/32)(M + 94) - 1
    const double want[3] = {2 * 2 * 158 - 1, 3 * 1 * 294 - 1, 8 * 4 * 95 - 1};
    double total = 0;
    for (int i = 0; i < 3; i++) {
        const double c = cJSON_GetObjectItem(cJSON_GetArrayItem(ops, i), "cycles")->valuedouble;
        EXPECT_EQ(c, want[i]) << i;
        total += want[i];
    }
    EXPECT_EQ(cJSON_GetObjectItem(doc, "cycles")->valuedouble, total);
    cJSON_Delete(doc);

    // any config with a topology; compare takes it too
    const auto b = anybit_test::anybit("run --config int8 --topology " + ex + "conv.csv");
    EXPECT_EQ(b.status, 0) << b.err;
    EXPECT_NE(b.out.find("Conv2"), std::string::npos) << b.out;
    const auto c = anybit_test::anybit("compare --configs " + ex + "scale_os.cfg,int8 --topology " +
                                       ex + "gemm.csv");
    EXPECT_EQ(c.status, 0) << c.err;
}

TEST(ScaleSimCli, TopologyIsExclusiveWithOtherWorkloads)
{
    const std::string ex = std::string(ANYBIT_SOURCE_DIR) + "/examples/scalesim/";
    for (const std::string &extra :
         {std::string("--model llama2-7b --phase decode:8"), std::string("--trace x.safetensors"),
          std::string("--phase decode:8"), std::string("--batch 2")}) {
        const auto r = anybit_test::anybit("run --config int8 --topology " + ex + "gemm.csv " + extra);
        EXPECT_EQ(r.status, 2) << extra;
        EXPECT_NE(r.err.find("--topology"), std::string::npos) << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
    const auto bad = anybit_test::anybit("run --config " + ex + "gemm.csv.cfg --topology " + ex +
                                         "gemm.csv");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("cannot open the SCALE-Sim config"), std::string::npos) << bad.err;
}
