// test_lab2_pe.cpp - lab 2, a bit-serial PE in RTL (sim/lab/lab2_pe.c,
// labs/lab2-pe/): the lab's RTL copies are the repository's; the seeded
// numbers follow the cycle rule written out; and the code part catches each
// bug it is there for: the starter's 4-lane adder tree, a flipped result
// bit, a unit counter one cycle short, a file that does not parse, a
// missing file, a missing Verilator, a ccache that cannot write (and the
// solution at 16 lanes).  Three Verilator builds in all (the other checks
// stop before one): ~25 s each cold, a second or two from ccache.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "test_util.h"

extern "C" {
#include "bitmod_terms.h"
#include "format.h"
#include "lab/lab.h"
}

namespace {

using namespace anybit_test;

const std::string kSrc = ANYBIT_SOURCE_DIR;
const char *const kRtl[] = {"pe_bitmod.v", "bitmod_bs_mul.v", "bitmod_dequant.v",
                            "bitmod_exp_match.v", "bitmod_grp_accum.v"};

std::string fresh(const std::string &name)
{
    const std::string d = tmp_dir("lab2") + "/" + name;
    EXPECT_EQ(std::system(("rm -rf '" + d + "'").c_str()), 0);
    return d;
}

// A lab 2 folder for seed 7 holding the starter, or the solution's RTL.
std::string folder(const std::string &name, bool solution)
{
    const std::string d = fresh(name);
    EXPECT_EQ(anybit("lab start 2 '" + d + "' --seed 7").status, 0);
    if (solution)
        for (const char *f : kRtl)
            spit(d + "/" + f, slurp(kSrc + "/labs/solutions/lab2-pe/" + f));
    return d;
}

std::string reason_of(const std::string &report, const std::string &id)
{
    const size_t p = report.find("\n  " + id + ":\n");
    if (p == std::string::npos)
        return "";
    const size_t r = report.find("reason: ", p);
    if (r == std::string::npos)
        return "";
    std::string v = report.substr(r + 8, report.find('\n', r) - r - 8);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
        v = v.substr(1, v.size() - 2);
    return v;
}

bool passes(const std::string &report, const std::string &id)
{
    const size_t p = report.find("\n  " + id + ":\n");
    const size_t q = report.find("pass: ", p);
    return p != std::string::npos && q != std::string::npos &&
           report.compare(q + 6, 4, "true") == 0;
}

TEST(Lab2Pe, LabRtlIsTheRepositorysRtl)
{
    for (const char *f : kRtl) {
        const std::string rtl = slurp(kSrc + "/rtl/" + f);
        ASSERT_FALSE(rtl.empty()) << f;
        EXPECT_EQ(slurp(kSrc + "/labs/solutions/lab2-pe/" + f), rtl) << f;
        if (std::string(f) != "bitmod_bs_mul.v") {
            EXPECT_EQ(slurp(kSrc + "/labs/lab2-pe/starter/" + f), rtl) << f;
        }
    }
    EXPECT_NE(slurp(kSrc + "/labs/lab2-pe/starter/bitmod_bs_mul.v"),
              slurp(kSrc + "/rtl/bitmod_bs_mul.v"));
}

// q1 is the cycle rule the README teaches, groups * max(ceil(G / L) *
// cycles per weight, scale bits) + scale bits; q2 is two reset cycles
// later, less one (the unit's last edge); every seed's schedule is
// checked against the rule inside expected().
TEST(Lab2Pe, NumbersFollowTheCycleRule)
{
    const ab_lab *l = ab_lab_find(2);
    ASSERT_NE(l, nullptr);
    unsigned lanes_seen = 0;
    for (uint64_t seed = 1; seed < 40; seed++) {
        ab_lab_params p;
        l->params(seed, &p);
        auto param = [&](const std::string &key) {
            for (size_t i = 0; i < p.n; i++)
                if (key == p.p[i].key)
                    return std::string(p.p[i].value);
            ADD_FAILURE() << key;
            return std::string("0");
        };
        const unsigned L = std::stoul(param("lanes")), G = std::stoul(param("group_size")),
                       n = std::stoul(param("groups_per_output")),
                       sb = std::stoul(param("scale_bits"));
        ab_format f;
        ab_error err{};
        ASSERT_EQ(ab_format_parse(param("weight_format").c_str(), &f, &err), 0) << err.msg;
        const unsigned compute = (G + L - 1) / L * ab_bitmod_cycles_per_weight(&f);
        const double unit = n * (compute > sb ? compute : sb) + sb;
        double e[AB_LAB_MAX_QUESTIONS] = {0};
        ASSERT_EQ(l->expected(seed, e, &err), 0) << seed << ": " << err.msg;
        EXPECT_EQ(e[0], unit) << seed;
        EXPECT_EQ(e[1], unit + 2 - 1) << seed;
        EXPECT_TRUE(L == 8 || L == 16) << seed;
        lanes_seen |= L;
    }
    EXPECT_EQ(lanes_seen, 8u | 16u); // both PEs among the seeds
}

// The folder's GTKWave view names dbg_bs_out at the width of the seed's
// PE; labs/lab2-pe/pe.gtkw is seed 7's, as `lab start` writes it.
TEST(Lab2Pe, WaveformViewFitsTheLanes)
{
    const ab_lab *l = ab_lab_find(2);
    ASSERT_NE(l->extra_file, nullptr);
    char name[64], text[4096];
    ASSERT_TRUE(l->extra_file(7, 0, name, sizeof name, text, sizeof text));
    EXPECT_STREQ(name, "pe.gtkw");
    EXPECT_EQ(std::string(text), slurp(kSrc + "/labs/lab2-pe/pe.gtkw"));
    EXPECT_FALSE(l->extra_file(7, 1, name, sizeof name, text, sizeof text));
    for (uint64_t seed = 1; seed < 40; seed++) {
        ab_lab_params p;
        l->params(seed, &p);
        ASSERT_STREQ(p.p[0].key, "lanes");
        const unsigned L = std::stoul(p.p[0].value);
        ASSERT_TRUE(l->extra_file(seed, 0, name, sizeof name, text, sizeof text));
        const std::string want = "TOP.pe_bitmod.dbg_bs_out[" + std::to_string(L == 8 ? 17 : 18) +
                                 ":0]\n";
        EXPECT_NE(std::string(text).find(want), std::string::npos) << seed << "\n" << text;
    }
}

// The code part against the bugs it is there for, in one test (one
// process under CTest: two Verilator builds in all).  The starter: its
// 4-lane adder tree.  A solution with two planted bugs: bit 0 of dq_man
// flipped on some dequantization steps, the unit counter started one cycle
// late.
TEST(Lab2Pe, CodePartCatchesPlantedBugs)
{
    if (!ab_lab_have_tool("verilator"))
        GTEST_SKIP() << "no verilator on PATH (scripts/deps.sh installs it)";
    {
        SCOPED_TRACE("the starter");
        const std::string s = folder("starter", false);
        EXPECT_EQ(anybit("lab check 2 '" + s + "'").status, 1);
        const std::string rep = slurp(s + "/grade_report.yaml");
        EXPECT_TRUE(passes(rep, "q_rtl_builds")) << rep;
        EXPECT_FALSE(passes(rep, "q_rtl_bit_exact")) << rep;
        EXPECT_NE(reason_of(rep, "q_rtl_bit_exact").find(": dbg_bs_out is "), std::string::npos)
            << rep;
        EXPECT_TRUE(passes(rep, "q_rtl_cycle_rule")) << rep; // its counter is untouched
    }
    SCOPED_TRACE("planted bugs");
    const std::string d = folder("faulty", true);
    spit(d + "/bitmod_dequant.v",
         replace(slurp(d + "/bitmod_dequant.v"), "dq_man <= man_next;",
                 "dq_man <= man_next ^ {20'd0, step && scale_bit && dq_exp[0]};"));
    spit(d + "/pe_bitmod.v", replace(slurp(d + "/pe_bitmod.v"),
                                     "(FAULT_LATE_COUNT != 0) ? 32'd0 : 32'd1;",
                                     "(FAULT_LATE_COUNT != 0) ? 32'd0 : 32'd0;"));
    EXPECT_EQ(anybit("lab check 2 '" + d + "'").status, 1);
    const std::string rep = slurp(d + "/grade_report.yaml");
    EXPECT_TRUE(passes(rep, "q_rtl_builds")) << rep;
    EXPECT_FALSE(passes(rep, "q_rtl_bit_exact")) << rep;
    const std::string why = reason_of(rep, "q_rtl_bit_exact");
    EXPECT_NE(why.find(": dq_man is "), std::string::npos) << rep;
    EXPECT_NE(why.find("(waveform pe.fst)"), std::string::npos) << rep;
    EXPECT_GT(slurp(d + "/pe.fst").size(), 1000u);

    EXPECT_FALSE(passes(rep, "q_rtl_cycle_rule")) << rep;
    const ab_lab *l = ab_lab_find(2);
    double e[AB_LAB_MAX_QUESTIONS] = {0};
    ab_error err{};
    ASSERT_EQ(l->expected(7, e, &err), 0) << err.msg;
    EXPECT_EQ(reason_of(rep, "q_rtl_cycle_rule"),
              "unit 0: unit_cycles is " + std::to_string(long(e[0]) - 1) +
                  ", the cycle rule gives " + std::to_string(long(e[0])))
        << rep;
}

// Neither needs a model build: Verilator stops at the parse error, the
// missing file is seen before Verilator runs.
TEST(Lab2Pe, BrokenOrMissingFileFailsItsQuestion)
{
    if (!ab_lab_have_tool("verilator"))
        GTEST_SKIP() << "no verilator on PATH (scripts/deps.sh installs it)";
    const std::string d = folder("broken", true);
    spit(d + "/bitmod_bs_mul.v",
         replace(slurp(d + "/bitmod_bs_mul.v"), "assign bs_out = g_node[0].v;",
                 "assign bs_out = g_node[0].v"));
    CliRun r = anybit("lab check 2 '" + d + "'");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    std::string rep = slurp(d + "/grade_report.yaml");
    EXPECT_FALSE(passes(rep, "q_rtl_builds")) << rep;
    const std::string why = reason_of(rep, "q_rtl_builds");
    EXPECT_NE(why.find("%Error"), std::string::npos) << rep;
    EXPECT_NE(why.find("bitmod_bs_mul.v"), std::string::npos) << rep;
    EXPECT_EQ(reason_of(rep, "q_rtl_bit_exact"), "not run: the RTL does not build") << rep;

    std::remove((d + "/bitmod_grp_accum.v").c_str());
    r = anybit("lab check 2 '" + d + "'");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    rep = slurp(d + "/grade_report.yaml");
    EXPECT_EQ(reason_of(rep, "q_rtl_builds"), d + "/bitmod_grp_accum.v: missing or unreadable")
        << rep;
}

// A ccache that cannot write its cache does not fail the student: the
// build is tried again without it.  On a 16-lane PE (seed 15), so that the
// solution is seen to pass at 16 lanes too (the generic tests' seeds have 8).
TEST(Lab2Pe, UnwritableCcacheFallsBackAt16Lanes)
{
    if (!ab_lab_have_tool("verilator") || !ab_lab_have_tool("ccache"))
        GTEST_SKIP() << "needs verilator and ccache on PATH";
    const std::string d = fresh("lanes16");
    ASSERT_EQ(anybit("lab start 2 '" + d + "' --seed 15").status, 0);
    ASSERT_NE(slurp(d + "/lab.yaml").find("\n  lanes: 16\n"), std::string::npos);
    for (const char *f : kRtl)
        spit(d + "/" + f, slurp(kSrc + "/labs/solutions/lab2-pe/" + f));
    const CliRun r = run_command("env CCACHE_DIR=/proc/anybit-no-cache " +
                                     std::string(ANYBIT_BIN) + " lab check 2 '" + d + "'",
                                 tmp_dir("lab2"));
    const std::string rep = slurp(d + "/grade_report.yaml");
    EXPECT_TRUE(passes(rep, "q_rtl_builds")) << rep;
    EXPECT_TRUE(passes(rep, "q_rtl_bit_exact")) << rep;
    EXPECT_TRUE(passes(rep, "q_rtl_cycle_rule")) << rep;
    EXPECT_EQ(r.status, 1) << r.out << r.err; // the answers are blank
}

// A Verilator that is not installed is the installation's fault: exit 2,
// one line naming the tool, no report.
TEST(Lab2Pe, MissingVerilatorExits2)
{
    const std::string d = folder("noverilator", true);
    const CliRun r =
        run_command("env PATH=/nonexistent " + std::string(ANYBIT_BIN) + " lab check 2 '" + d +
                        "'",
                    tmp_dir("lab2"));
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("verilator: cannot start"), std::string::npos) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_FALSE(exists(d + "/grade_report.yaml"));
}

} // namespace
