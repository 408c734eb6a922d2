// test_lab6_fpga.cpp - lab 6, FPGA bring-up without a board (sim/lab/lab6_fpga.c):
// the synthesis questions are graded against the student's own fpga.json,
// which is refused (with its reason, costing exactly the synthesis part)
// when its build hash is not the sources', its clk_div not the seed's, or
// it is missing or broken; a wrong synthesis answer loses exactly its
// points; the grader's hash is fpga/flow/build_hash.py's; and the board
// numbers the grader expects are those the Verilated board over a
// pseudo-terminal and `anybit run` really print.  No test synthesizes: the
// reference solution carries one build's fpga.json (labs/solutions/lab6-fpga/).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "test_json.h"
#include "test_util.h"

extern "C" {
#include "lab/lab.h"
}

namespace {

using namespace anybit_test;

const std::string kSrc = ANYBIT_SOURCE_DIR;
const std::string kTrace = kSrc + "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";

const ab_lab *lab6()
{
    const ab_lab *l = ab_lab_find(6);
    EXPECT_NE(l, nullptr);
    return l;
}

// A student's folder holding a copy of the reference solution (its fpga/ too).
std::string copy_solution(const std::string &name)
{
    const std::string d = tmp_dir("lab6") + "/" + name;
    EXPECT_EQ(std::system(("rm -rf '" + d + "' && mkdir -p '" + d + "' && cp -R '" + kSrc +
                           "/labs/solutions/lab6-fpga/.' '" + d + "/'")
                              .c_str()),
              0);
    return d;
}

long report_field(const std::string &report, const std::string &key)
{
    std::smatch m;
    if (!std::regex_search(report, m, std::regex("\n" + key + ": ([0-9]+)\n")))
        return -1;
    return std::stol(m[1].str());
}

// The one-line reason of question `id` in a grade report.
std::string reason_of(const std::string &report, const std::string &id)
{
    std::smatch m;
    if (!std::regex_search(report, m,
                           std::regex("\n  " + id + ":\n(    [^\n]*\n)*?    reason: ([^\n]*)\n")))
        return "";
    return m[2].str();
}

uint32_t points_of(const ab_lab *l, size_t first, size_t last)
{
    uint32_t p = 0;
    for (size_t i = first; i < last; i++)
        p += l->questions[i].points;
    return p;
}

#ifdef ANYBIT_TEST_FPGA_BOARD // only the board-less runs need it
size_t index_of(const ab_lab *l, const std::string &id)
{
    for (size_t i = 0; i < l->nquestions; i++)
        if (id == l->questions[i].id)
            return i;
    ADD_FAILURE() << id;
    return 0;
}
#endif

struct Graded {
    int status;
    std::string report, out;
};

Graded check(const std::string &d)
{
    std::remove((d + "/grade_report.yaml").c_str());
    const CliRun r = anybit("lab check 6 '" + d + "'");
    return {r.status, slurp(d + "/grade_report.yaml"), r.out + r.err};
}

// The synthesis part: q1_fpga_build .. q6_slack_ns (the questions of kind
// check, in table order).
size_t synth_end(const ab_lab *l)
{
    size_t n = 0;
    while (n < l->nquestions && l->questions[n].kind == AB_LAB_Q_CHECK)
        n++;
    return n;
}

TEST(Lab6Fpga, SolutionCopyGetsFullMarks)
{
    const ab_lab *l = lab6();
    ASSERT_NE(l, nullptr);
    ASSERT_EQ(synth_end(l), 6u);
    const std::string d = copy_solution("full");
    const Graded g = check(d);
    EXPECT_EQ(g.status, 0) << g.out;
    EXPECT_EQ(report_field(g.report, "points"), static_cast<long>(points_of(l, 0, l->nquestions)))
        << g.report;
}

// The hash the grader holds fpga.json to is the sources' (fpga/flow/build_hash.py).
TEST(Lab6Fpga, GraderHashIsTheSourcesHash)
{
    const CliRun h =
        run_command("python3 '" + kSrc + "/fpga/flow/build_hash.py' '" + kSrc + "'", tmp_dir("lab6"));
    ASSERT_EQ(h.status, 0) << h.err;
    const std::string hash = h.out.substr(0, 8);
    const std::string d = copy_solution("hash");
    const Graded g = check(d);
    EXPECT_NE(reason_of(g.report, "q1_fpga_build").find("build hash " + hash), std::string::npos)
        << g.report;
    EXPECT_NE(slurp(d + "/fpga/fpga.json").find("\"build_hash\": \"" + hash + "\""),
              std::string::npos)
        << "the reference fpga.json is stale: rebuild it (labs/solutions/lab6-fpga/README.md)";
}

// A stale build (another build hash), a build for another clk_div, a
// broken fpga.json and none at all: q1 fails with its reason, and every
// synthesis question with it, nothing else.
TEST(Lab6Fpga, BadBuildIsRefusedWithItsReasonCostingTheSynthesisPart)
{
    const ab_lab *l = lab6();
    ASSERT_NE(l, nullptr);
    const long max = points_of(l, 0, l->nquestions), synth = points_of(l, 0, synth_end(l));
    const std::string d = copy_solution("bad-build");
    const std::string json = slurp(d + "/fpga/fpga.json");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(json, m, std::regex("\"build_hash\": \"([0-9a-f]{8})\"")));
    const std::string hash = m[1].str();
    std::string other = hash;
    other[7] = other[7] == '0' ? '1' : '0';
    struct Case {
        std::string what, text, reason;
        bool remove;
    };
    const Case cases[] = {
        {"stale hash", replace(json, "\"" + hash + "\"", "\"" + other + "\""),
         "build_hash " + other + " is not the current sources' (" + hash + ")", false},
        {"clk_div", std::regex_replace(json, std::regex("\"clk_div\": [0-9]+"), "\"clk_div\": 7"),
         "clk_div 7, your seed's is", false},
        {"broken", json.substr(0, json.size() / 2), "not a JSON object", false},
        {"no Fmax", std::regex_replace(json, std::regex("\"fmax_mhz\": "), "\"fmax\": "),
         "clocks.clk_sys.fmax_mhz: missing or not a number", false},
        {"missing", "", "no fpga/fpga.json: run `anybit fpga build fpga`", true},
    };
    for (const Case &c : cases) {
        if (c.remove)
            ASSERT_EQ(std::system(("rm -f '" + d + "/fpga/fpga.json'").c_str()), 0);
        else
            spit(d + "/fpga/fpga.json", c.text);
        const Graded g = check(d);
        EXPECT_EQ(g.status, 1) << c.what << "\n" << g.out;
        EXPECT_EQ(report_field(g.report, "points"), max - synth) << c.what << "\n" << g.report;
        EXPECT_NE(reason_of(g.report, "q1_fpga_build").find(c.reason), std::string::npos)
            << c.what << "\n" << g.report;
        EXPECT_NE(reason_of(g.report, "q5_fmax_sys_mhz").find("needs a valid fpga build"),
                  std::string::npos)
            << c.what << "\n" << g.report;
    }
}

// Each synthesis answer: just outside its tolerance loses exactly its
// points, just inside keeps them.  The solution's answers are the values
// of its fpga.json (so they are the expected ones).
TEST(Lab6Fpga, WrongSynthesisAnswerLosesExactlyItsPoints)
{
    const ab_lab *l = lab6();
    ASSERT_NE(l, nullptr);
    const long max = points_of(l, 0, l->nquestions);
    const std::string d = copy_solution("wrong-synth");
    const std::string answers = slurp(d + "/answers.yaml");
    for (size_t q = 1; q < synth_end(l); q++) {
        const ab_lab_question *qq = &l->questions[q];
        const std::regex re("(\n" + std::string(qq->id) + ":\n  answer: )([^\n]*)");
        std::smatch m;
        ASSERT_TRUE(std::regex_search(answers, m, re)) << qq->id;
        const double v = std::stod(m[2].str());
        const double slack = qq->tol_kind == AB_LAB_TOL_REL   ? qq->tol * std::fabs(v)
                             : qq->tol_kind == AB_LAB_TOL_ABS ? qq->tol
                                                              : 0.0;
        char out[64], in[64];
        std::snprintf(out, sizeof out, "%.10g", slack > 0 ? v + 2.0 * slack : v + 1.0);
        std::snprintf(in, sizeof in, "%.10g", v + 0.5 * slack);
        spit(d + "/answers.yaml", m.prefix().str() + m[1].str() + out + m.suffix().str());
        Graded g = check(d);
        EXPECT_EQ(g.status, 1) << qq->id << "\n" << g.out;
        EXPECT_EQ(report_field(g.report, "points"), max - static_cast<long>(qq->points))
            << qq->id << "\n" << g.report;
        EXPECT_NE(reason_of(g.report, qq->id).find("does not match your fpga/fpga.json"),
                  std::string::npos)
            << g.report;
        spit(d + "/answers.yaml", m.prefix().str() + m[1].str() + in + m.suffix().str());
        g = check(d);
        EXPECT_EQ(report_field(g.report, "points"), max) << qq->id << " inside\n" << g.report;
    }
}

#ifdef ANYBIT_TEST_FPGA_BOARD
// The numbers the grader expects for a seed are the board's and the
// simulator's: the seed's op and tile count on the Verilated board over a
// pseudo-terminal (fpga run --json's cycles), and `anybit run` on the
// icebreaker preset (its op's compute cycles, cycles and tiles).  Two
// seeds: the reference solution's (op 2) and the lab page's, 7 (op 5).
TEST(Lab6Fpga, ExpectedNumbersAreTheBoardsAndTheSimulators)
{
    const ab_lab *l = lab6();
    ASSERT_NE(l, nullptr);
    const std::string d = tmp_dir("lab6") + "/board";
    ASSERT_EQ(std::system(("rm -rf '" + d + "' && mkdir -p '" + d + "'").c_str()), 0);
    const std::string sim = d + "/sim.json";
    CliRun r =
        anybit("run --config icebreaker --no-accuracy --trace '" + kTrace + "' --json '" + sim + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    // held so that an ASSERT returning early does not leak it (LeakSanitizer)
    const std::unique_ptr<cJSON, decltype(&cJSON_Delete)> j(json_parse(slurp(sim)), cJSON_Delete);
    ASSERT_NE(j, nullptr);
    const std::string seed7 = d + "/seed7";
    r = anybit("lab start 6 '" + seed7 + "' --seed 7");
    ASSERT_EQ(r.status, 0) << r.err;
    std::vector<std::string> setups = {kSrc + "/labs/solutions/lab6-fpga/lab.yaml",
                                       seed7 + "/lab.yaml"};
#if defined(__SANITIZE_ADDRESS__)
    // The ASan-built Verilated board took two minutes for both seeds: the
    // sanitizer pass checks the solution's seed, the Release pass both (the
    // numbers do not depend on the build; the memory checks need one run).
    setups.resize(1);
#endif
    for (const std::string &setup_path : setups) {
        const std::string setup = slurp(setup_path);
        std::smatch m;
        ASSERT_TRUE(
            std::regex_search(setup, m, std::regex("\n  op: ([0-9]+)\n  tiles: ([0-9]+)\n")))
            << setup;
        const std::string op = m[1].str(), tiles = m[2].str();
        ab_lab_setup s;
        ab_error err{};
        ASSERT_EQ(ab_lab_read_setup(setup_path.c_str(), &s, &err), 0) << err.msg;
        double e[AB_LAB_MAX_QUESTIONS] = {0};
        ASSERT_EQ(l->expected(s.seed, e, &err), 0) << err.msg;

        const std::string board = d + "/board-" + op + ".json";
        // The reply timeout is wall-clock time while the board is simulated:
        // the ASan-built board on CI's two cores answers later than the
        // default 1 s allows (test_fpga.cpp waits the same 15 s bound).
        r = anybit("fpga sim -- " + std::string(ANYBIT_BIN) + " fpga run --port {port} --trace '" +
                   kTrace + "' --op " + op + " --tiles " + tiles + " --timeout-ms 15000 --json '" +
                   board + "'");
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        const std::unique_ptr<cJSON, decltype(&cJSON_Delete)> b(json_parse(slurp(board)),
                                                                  cJSON_Delete);
        ASSERT_NE(b, nullptr);
        EXPECT_EQ(json_num(b.get(), "cycles"), e[index_of(l, "q7_board_cycles")]) << setup_path;
        const double board_tiles = json_num(b.get(), "tiles");
        const double per_tile = json_num(b.get(), "cycles") / board_tiles;
        EXPECT_EQ(board_tiles, std::stod(tiles));

        const cJSON *o =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j.get(), "ops"), std::stoi(op));
        ASSERT_NE(o, nullptr);
        EXPECT_EQ(json_num(o, "compute_cycles"), e[index_of(l, "q8_sim_compute_cycles")]) << op;
        EXPECT_EQ(json_num(o, "cycles"), e[index_of(l, "q10_sim_cycles")]) << op;
        const double sim_tiles = json_num(cJSON_GetObjectItemCaseSensitive(o, "tiling"), "tiles");
        EXPECT_EQ(per_tile * sim_tiles, e[index_of(l, "q9_board_cycles_whole_op")]) << op;
        // the board's tiles take longer than the simulator's compute cycles
        // say (the last group's dequantization is not overlapped), never shorter
        EXPECT_GT(per_tile * sim_tiles, json_num(o, "compute_cycles")) << op;
    }
}
#endif

} // namespace
