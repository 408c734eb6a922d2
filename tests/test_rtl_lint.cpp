// test_rtl_lint.cpp - every RTL top lint-clean under `verilator --lint-only
// -Wall` (docs/rtl.md), across the parameter values the tops take: the
// BitMoD PE at every LANES, the array at several sizes and lane counts, the
// binary tensor core at several tile shapes, and the two baseline MACs
// (which nothing else Verilates).  The Verilated models are also built with
// -Wall (a warning fails the build); this covers what they do not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace {

const std::string kRtl = std::string(ANYBIT_SOURCE_DIR) + "/rtl";
const std::string kBitmodFiles = kRtl + "/pe_bitmod.v " + kRtl + "/bitmod_bs_mul.v " + kRtl +
                                 "/bitmod_dequant.v " + kRtl + "/bitmod_exp_match.v " + kRtl +
                                 "/bitmod_grp_accum.v";

void expect_lint_clean(const std::string &top, const std::string &files, const std::string &params)
{
    const std::string cmd = std::string(ANYBIT_VERILATOR) + " --lint-only -Wall --top-module " +
                            top + " " + params + " " + files;
    const anybit_test::CliRun r = anybit_test::run_command(cmd, anybit_test::tmp_dir("rtl_lint"));
    EXPECT_EQ(r.status, 0) << cmd << "\n" << r.out << r.err;
    EXPECT_EQ(r.err, "") << cmd;
}

TEST(RtlLint, BitmodPeEveryLaneCount)
{
    for (const char *lanes : {"1", "2", "4", "8", "16"})
        for (const char *align : {"0", "1", "2"})
            expect_lint_clean("pe_bitmod", kBitmodFiles,
                              std::string("-GLANES=") + lanes + " -GRTL_LITERAL_ALIGN=" + align);
    // with the work-unit counter, as Verilated, and the late-counting model
    // the cycle check's self-test Verilates
    for (const char *lanes : {"1", "4", "16"})
        expect_lint_clean("pe_bitmod", kBitmodFiles,
                          std::string("-GUNIT_COUNTER=1 -GLANES=") + lanes);
    expect_lint_clean("pe_bitmod", kBitmodFiles, "-GUNIT_COUNTER=1 -GFAULT_LATE_COUNT=1");
}

TEST(RtlLint, BitmodArraySizesAndLanes)
{
    const std::string files = kRtl + "/array_bitmod.v " + kBitmodFiles;
    for (const char *p : {"", "-GROWS=1 -GCOLS=1", "-GROWS=2 -GCOLS=3 -GSTEPS=16 -GGROUPS=4",
                          "-GROWS=8 -GCOLS=2 -GLANES=8", "-GLANES=1 -GSTEPS=512",
                          "-GLANES=16 -GROWS=2 -GCOLS=2"})
        expect_lint_clean("array_bitmod", files, p);
}

TEST(RtlLint, BinaryTensorCoreShapes)
{
    for (const char *p : {"", "-GM=1 -GN=1 -GK=64", "-GM=16 -GN=8 -GK=256", "-GM=4 -GN=16 -GK=128",
                          "-GUNIT_COUNTER=1", "-GUNIT_COUNTER=1 -GM=1 -GN=1 -GK=64",
                          "-GUNIT_COUNTER=1 -GFAULT_LATE_COUNT=1"})
        expect_lint_clean("pe_btc", kRtl + "/pe_btc.v", p);
}

TEST(RtlLint, BaselineMacs)
{
    expect_lint_clean("mac_fp16", kRtl + "/mac_fp16.v " + kRtl + "/fp16_mul_fp32_add.v", "");
    expect_lint_clean("mac_int8", kRtl + "/mac_int8.v", "");
}

// The iCEBreaker board top and everything under it (fpga/flow/sources.txt's
// files), at the board's parameters and at other array shapes, clock
// dividers and lane counts.
TEST(RtlLint, BoardTopShapes)
{
    const std::string src = std::string(ANYBIT_SOURCE_DIR);
    std::string files;
    for (const char *f : {"rtl/bitmod_exp_match.v", "rtl/bitmod_bs_mul.v", "rtl/bitmod_grp_accum.v",
                          "rtl/bitmod_dequant.v", "rtl/pe_bitmod.v", "rtl/array_bitmod.v",
                          "fpga/rtl/uart_rx.v", "fpga/rtl/uart_tx.v", "fpga/rtl/crc16_ccitt.v",
                          "fpga/rtl/board_link.v", "fpga/rtl/board_core.v",
                          "fpga/rtl/icebreaker_top.v"})
        files += src + "/" + f + " ";
    for (const char *p : {"", "-GCLK_DIV=3", "-GROWS=2 -GCOLS=2", "-GROWS=2 -GCOLS=1 -GLANES=2",
                          "-GSTEPS=64 -GGROUPS=4 -GBUILD_HASH=305419896"})
        expect_lint_clean("icebreaker_top", files, p);
}

} // namespace
