// test_cosim_cli.cpp - `anybit cosim` end to end (built only with RTL):
// trace ops of both example traces and random stimulus agree (exit 0),
// bad input is one line and exit 2, and an injected fault (the hidden
// --inject-fault test hook, which drives the RTL's fault port) is caught:
// exit 1, the signal named, the FST waveform written.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "test_util.h"

namespace {

// Under AddressSanitizer a run's resident memory is the sanitizer's
// (shadow, quarantine) and the lock-step runs 30-40x slower: the memory
// bounds are checked in the plain build only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

using anybit_test::anybit;
using anybit_test::CliRun;

const std::string kBitmodTrace =
    std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";
const std::string kBtcTrace =
    std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny-prefill4-btc-w4a4-synthetic.safetensors";

std::string dir()
{
    return anybit_test::tmp_dir("cosim_cli");
}

CliRun cosim(const std::string &args)
{
    return anybit("cosim " + args, dir());
}

void expect_agree(const CliRun &r)
{
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("agree"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("RTL cycles"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("outputs compared"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("M cycles/s"), std::string::npos) << r.out;
}

void expect_bad_input(const CliRun &r, const std::string &needle)
{
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_EQ(anybit_test::count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(CosimCli, BitmodTraceAgrees)
{
    const CliRun r = cosim("--rtl pe_bitmod --trace " + kBitmodTrace);
    expect_agree(r);
    // the first op with values; cycles equal the timing model's
    EXPECT_NE(r.out.find("op 0 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("134 (C timing model: 134)"), std::string::npos) << r.out;
}

TEST(CosimCli, BitmodTraceSeveralTiles)
{
    expect_agree(cosim("--rtl pe_bitmod --trace " + kBitmodTrace + " --op 2 --tiles 40"));
}

TEST(CosimCli, BtcTraceOp6Agrees)
{
    const CliRun r = cosim("--rtl pe_btc --trace " + kBtcTrace + " --op 6");
    expect_agree(r);
    EXPECT_NE(r.out.find("32 (C timing model: 32)"), std::string::npos) << r.out;
    const CliRun r3 = cosim("--rtl pe_btc --trace " + kBtcTrace + " --op 6 --tiles 3");
    expect_agree(r3);
}

TEST(CosimCli, RandomAgrees)
{
    expect_agree(cosim("--rtl pe_bitmod --random 2000 --seed 1"));
    expect_agree(cosim("--rtl pe_btc --random 2000 --seed 1"));
    expect_agree(cosim("--rtl array --random 2000 --seed 1"));
}

// pe_bitmod at the other lane counts (rtl/pe_bitmod.v LANES): the same op,
// the C timing model with the same lanes (cycles scale as ceil(128 / L))
// Random stimulus is drawn as the run goes: the array's tiles (about 500
// bytes of stimulus a cycle when they were all built up front: 100 MB for
// these 200 000 cycles, 2 GB for 4 M) cost the run nothing that grows.
TEST(CosimCli, ArrayRandomTilesAreStreamed)
{
    if (kAsan)
        GTEST_SKIP() << "memory bounds: the plain build's (ASan keeps freed memory)";
    expect_agree(cosim("--rtl array --random 200000 --seed 4"));
    rusage ru{};
    ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &ru), 0);
    EXPECT_LT(ru.ru_maxrss, 50 * 1024) << "KB, the largest child of this test";
}

// The peak resident memory of `anybit ARGS` alone, in KB (-1 if it could
// not run), and its exit status.
long anybit_max_rss_kb(const std::string &args, int *status)
{
    const std::string cmd = "exec " + std::string(ANYBIT_BIN) + " " + args + " >/dev/null 2>&1";
    const pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd.c_str(), (char *)nullptr);
        _exit(127);
    }
    rusage ru{};
    int st = 0;
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
        return -1;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return ru.ru_maxrss;
}

// A trace op's stimulus is made as the run goes: 2000 outputs of OPT-1.3B's
// q_proj are 2.2 M cycles, 270 MB of stimulus when it was built up front;
// the run holds the trace (16 MB) and little else.
TEST(CosimCli, BitmodTraceStimulusIsStreamed)
{
    if (kAsan)
        GTEST_SKIP() << "memory bounds: the plain build's (ASan keeps freed memory)";
    const std::string trace = dir() + "/opt-q.safetensors";
    const CliRun gen = anybit("trace gen --model opt-1.3b --recipe bitmod --phase decode:16 "
                              "--values synthetic --ops layers.0.self_attn.q_proj -o " + trace,
                              dir());
    ASSERT_EQ(gen.status, 0) << gen.err;
    int status = -1;
    const long kb = anybit_max_rss_kb("cosim --rtl pe_bitmod --trace " + trace + " --tiles 2000",
                                      &status);
    EXPECT_EQ(status, 0);
    EXPECT_GT(kb, 0);
    EXPECT_LT(kb, 120 * 1024) << "KB";
}

TEST(CosimCli, BitmodOtherLanesAgree)
{
    // 20 outputs, each its K's cycles plus its last group's 6-bit dequantization,
    // as the RTL's unit_cycles counted them
    const std::string want[] = {"10360 (C timing model: 10360)", "5240 (C timing model: 5240)",
                                "1400 (C timing model: 1400)", "760 (C timing model: 760)"};
    const char *lanes[] = {"1", "2", "8", "16"};
    for (int i = 0; i < 4; i++) {
        const CliRun r =
            cosim(std::string("--rtl pe_bitmod --lanes ") + lanes[i] + " --trace " + kBitmodTrace +
                  " --tiles 20");
        expect_agree(r);
        EXPECT_NE(r.out.find(want[i]), std::string::npos) << r.out;
        EXPECT_NE(r.out.find(std::string("(") + lanes[i] + " lanes)"), std::string::npos) << r.out;
    }
    expect_agree(cosim("--rtl pe_bitmod --lanes 16 --random 3000 --seed 2"));
}

TEST(CosimCli, ArrayTraceOpAgrees)
{
    // one tile (4 x 4 outputs over K = 256), then the whole op
    const CliRun r = cosim("--rtl array --trace " + kBitmodTrace);
    expect_agree(r);
    EXPECT_NE(r.out.find("134 (C timing model: 134)"), std::string::npos) << r.out;
    const CliRun all = cosim("--rtl array --trace " + kBitmodTrace + " --tiles 1000");
    expect_agree(all);
    EXPECT_NE(all.out.find("vectors             64 "), std::string::npos) << all.out;
    EXPECT_NE(all.out.find("outputs compared    256 "), std::string::npos) << all.out;
}

// An op whose K does not fit the array's buffers in one tile (group 16:
// 32 groups, 16 per tile) and whose tokens do not fill the columns (5):
// K chunks summed outside the array, padded columns.
TEST(CosimCli, ArrayTraceOpInKChunksAgrees)
{
    const std::string recipe = dir() + "/bitmod-g16.yaml";
    anybit_test::spit(recipe, "name: bitmod-g16\n"
                              "weights: {format: bitmod_fp4_mix, group_size: 16, scale: int6}\n"
                              "activations: fp16\n"
                              "kv_cache: {format: int8, group_size: 0, scale: fp16}\n"
                              "accumulator: fp32\n");
    const std::string trace = dir() + "/g16.safetensors";
    const CliRun gen = anybit("trace gen --model " + std::string(ANYBIT_SOURCE_DIR) +
                                  "/traces/examples/tiny.yaml --recipe " + recipe +
                                  " --phase prefill:5 --values synthetic --ops "
                                  "'layers.0.mlp.down_proj' -o " + trace,
                              dir());
    ASSERT_EQ(gen.status, 0) << gen.out << gen.err;
    const CliRun r = cosim("--rtl array --trace " + trace + " --tiles 100000");
    expect_agree(r);
    // 256 / 4 row blocks x 2 column blocks x 2 K chunks
    EXPECT_NE(r.out.find("vectors             256 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("outputs compared    1280 "), std::string::npos) << r.out;
    // a few tiles: the datapath computes only the rows they cover (a view
    // of the op's first rows), and every token of those rows still agrees
    const CliRun few = cosim("--rtl array --trace " + trace + " --tiles 9");
    expect_agree(few);
    EXPECT_NE(few.out.find("vectors             9 "), std::string::npos) << few.out;
    EXPECT_NE(few.out.find("outputs compared    40 "), std::string::npos) << few.out;
}

TEST(CosimCli, BadInputIsOneLineExit2)
{
    const std::string garbage = dir() + "/garbage.safetensors";
    anybit_test::spit(garbage, "\x7f" "ELF not a trace at all, just some bytes\n");
    expect_bad_input(cosim("--rtl pe_bitmod --trace " + garbage), garbage);
    expect_bad_input(cosim("--rtl pe_btc --trace " + kBitmodTrace), "pe_btc cannot run op");
    expect_bad_input(cosim("--rtl pe_btc --trace " + kBtcTrace + " --op 99"), "--op 99");
    expect_bad_input(cosim("--rtl pe_nope --random 10"), "pe_nope");
    expect_bad_input(cosim("--rtl pe_bitmod --lanes 3 --random 10"), "--lanes");
    expect_bad_input(cosim("--rtl pe_btc --lanes 4 --random 10"), "--lanes");
    const std::string fp16 = std::string(ANYBIT_SOURCE_DIR) +
                             "/traces/examples/tiny-prefill4-fp16-synthetic.safetensors";
    expect_bad_input(cosim("--rtl array --trace " + fp16), "--rtl array cannot run op");
    expect_bad_input(cosim("--rtl array --trace " + kBtcTrace), "--rtl array cannot run op");
    expect_bad_input(cosim("--rtl pe_bitmod"), "--trace");
    expect_bad_input(cosim("--rtl pe_bitmod --trace " + kBitmodTrace + " --op 3"),
                     "carries no values");
}

void expect_fault(const std::string &args, const std::string &signal, const std::string &name)
{
    const std::string wave = dir() + "/" + name + ".fst";
    std::remove(wave.c_str());
    const CliRun r = cosim(args + " --wave " + wave);
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("MISMATCH"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(signal + ": RTL "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("fault_flip=1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("waveform: " + wave), std::string::npos) << r.out;
    ASSERT_TRUE(anybit_test::exists(wave));
    EXPECT_GT(anybit_test::slurp(wave).size(), 100u);
}

TEST(CosimCli, InjectedFaultIsCaught)
{
    expect_fault("--rtl pe_bitmod --trace " + kBitmodTrace + " --inject-fault 40", "acc_man",
                 "bitmod_fault");
    expect_fault("--rtl pe_btc --trace " + kBtcTrace + " --op 6 --inject-fault 10", "acc[0][0]",
                 "btc_fault");
    expect_fault("--rtl pe_bitmod --random 2000 --seed 1 --inject-fault 500", "acc_man",
                 "bitmod_random_fault");
    expect_fault("--rtl array --trace " + kBitmodTrace + " --tiles 3 --inject-fault 140",
                 "acc_man", "array_fault");
    expect_fault("--rtl array --random 2000 --seed 1 --inject-fault 700", "acc_man",
                 "array_random_fault");
}

// --random's documented maximum is 2^32 cycles (the stimulus streams, so a
// run that long is bounded in memory): one more is refused naming --random.
TEST(CosimCli, RandomAboveItsMaximumIsBadInput)
{
    expect_bad_input(cosim("--rtl pe_bitmod --random 4294967297"), "--random");
    expect_bad_input(cosim("--rtl pe_btc --random 4294967297"), "--random");
}

TEST(CosimCli, FaultPastTheRunIsBadInput)
{
    expect_bad_input(cosim("--rtl pe_bitmod --trace " + kBitmodTrace + " --inject-fault 100000"),
                     "--inject-fault");
    expect_bad_input(cosim("--rtl array --trace " + kBitmodTrace + " --inject-fault 134"),
                     "--inject-fault");
    expect_bad_input(cosim("--rtl pe_bitmod --random 2000 --inject-fault 2000"), "--inject-fault");
    expect_bad_input(cosim("--rtl pe_btc --random 2000 --inject-fault 2000"), "--inject-fault");
}

} // namespace
