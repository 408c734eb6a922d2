// test_lab1_formats.cpp - lab 1 (number formats, sim/lab/lab1_formats.c):
// what a seed draws (the grid's shape, grid.txt beside lab.yaml); the
// expected SQNRs against the CLI path a student takes (anybit demo --save,
// anybit quant --csv); the code part on the solved grid_quant.c for several
// seeds and on broken ones (ties rounded up, the last code of a repeated
// value, a zero scale, a crash, a compile error, a missing file, no cc).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

extern "C" {
#include "lab/lab.h"
}

namespace {

using namespace anybit_test;

const std::string kSrc = ANYBIT_SOURCE_DIR;
const std::string kSolved = kSrc + "/labs/solutions/lab1-formats/grid_quant.c";

const ab_lab *lab1()
{
    const ab_lab *l = ab_lab_find(1);
    EXPECT_NE(l, nullptr);
    return l;
}

std::string param(const ab_lab *l, uint64_t seed, const std::string &key)
{
    ab_lab_params p;
    l->params(seed, &p);
    for (size_t i = 0; i < p.n; i++)
        if (key == p.p[i].key)
            return p.p[i].value;
    ADD_FAILURE() << "no parameter " << key;
    return "";
}

std::vector<int> grid16(const ab_lab *l, uint64_t seed)
{
    std::string t = param(l, seed, "grid_sixteenths");
    for (char &c : t)
        if (c == '[' || c == ']' || c == ',')
            c = ' ';
    std::istringstream in(t);
    std::vector<int> v;
    for (int k; in >> k;)
        v.push_back(k);
    return v;
}

using Verdicts = std::map<std::string, std::pair<bool, std::string>>;

// The lab's check on a folder holding `source` as grid_quant.c (none when
// empty): per question id, pass and reason.  rc: what check returned;
// path: $PATH while it runs (nullptr: unchanged).
Verdicts check_source(const std::string &source, uint64_t seed, int *rc = nullptr,
                      std::string *errmsg = nullptr, const char *path = nullptr)
{
    const ab_lab *l = lab1();
    static int n = 0;
    const std::string d = tmp_dir("lab1/student" + std::to_string(getpid()) + "-" +
                                  std::to_string(n++));
    std::remove((d + "/grid_quant.c").c_str());
    if (!source.empty())
        spit(d + "/grid_quant.c", source);
    ab_error err{};
    char scratch[4096];
    EXPECT_EQ(ab_lab_scratch_make(scratch, sizeof scratch, &err), 0) << err.msg;
    const std::string root = kSrc + "/labs/" + l->dir;
    ab_lab_answers a{};
    std::vector<double> expected(AB_LAB_MAX_QUESTIONS, 0.0);
    const ab_lab_check_ctx ctx = {seed, d.c_str(), root.c_str(), scratch, &a, expected.data()};
    std::vector<ab_lab_result> r(AB_LAB_MAX_QUESTIONS);
    const char *old = std::getenv("PATH");
    const std::string saved = old ? old : "";
    if (path)
        setenv("PATH", path, 1);
    const int got = l->check(&ctx, r.data(), &err);
    if (path)
        setenv("PATH", saved.c_str(), 1);
    ab_lab_scratch_remove(scratch);
    if (rc)
        *rc = got;
    else
        EXPECT_EQ(got, 0) << err.msg;
    if (errmsg)
        *errmsg = err.msg;
    Verdicts out;
    for (size_t i = 0; i < l->nquestions; i++)
        if (l->questions[i].kind == AB_LAB_Q_CHECK)
            out[l->questions[i].id] = {r[i].pass, r[i].reason};
    return out;
}

// The solution with one change, which must apply.
std::string solved_with(const std::string &from, const std::string &to)
{
    return replace(slurp(kSolved), from, to);
}

} // namespace

TEST(Lab1, EveryDrawIsAGridOfFifteenValuesReachingOne)
{
    const ab_lab *l = lab1();
    for (uint64_t seed : {0ull, 1ull, 7ull, 42ull, 123456789ull, 17808589529089ull,
                          (1ull << 48) - 1}) {
        const std::vector<int> g = grid16(l, seed);
        ASSERT_EQ(g.size(), 16u) << seed;
        std::multiset<int> all(g.begin(), g.end());
        EXPECT_EQ(all.count(0), 2u) << seed;
        EXPECT_EQ(std::set<int>(g.begin(), g.end()).size(), 15u) << seed << ": distinct values";
        EXPECT_GE(all.count(16) + all.count(-16), 1u) << seed << ": largest magnitude 1";
        for (int k : g)
            EXPECT_LE(std::abs(k), 16) << seed;
        const long ws = std::stol(param(l, seed, "weights_seed"));
        EXPECT_GE(ws, 1);
        EXPECT_LE(ws, 1000000);
    }
    EXPECT_NE(grid16(l, 1), grid16(l, 2));
}

TEST(Lab1, StartWritesTheGridBesideLabYaml)
{
    const std::string d = tmp_dir("lab1") + "/start" + std::to_string(getpid());
    std::system(("rm -rf '" + d + "'").c_str());
    CliRun r = anybit("lab start 1 '" + d + "' --seed 7");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::vector<int> g = grid16(lab1(), 7);
    std::istringstream in(slurp(d + "/grid.txt"));
    std::string line;
    std::getline(in, line); // comment
    for (unsigned c = 0; c < 16; c++) {
        unsigned code;
        double v;
        ASSERT_TRUE(in >> code >> v) << c;
        EXPECT_EQ(code, c);
        EXPECT_EQ(v, g[c] / 16.0) << c;
    }
    EXPECT_TRUE(exists(d + "/grid_quant.c"));
}

// The expected numbers are what a student's commands print.
TEST(Lab1, ExpectedNumbersAreWhatTheCliPrints)
{
    const ab_lab *l = lab1();
    const uint64_t seed = 7;
    std::vector<double> e(AB_LAB_MAX_QUESTIONS);
    ab_error err{};
    ASSERT_EQ(l->expected(seed, e.data(), &err), 0) << err.msg;
    const std::string d = tmp_dir("lab1"), w = d + "/w7.npy";
    CliRun r = anybit("demo --rows 64 --cols 4096 --seed " + param(l, seed, "weights_seed") +
                      " --laplace --save " + w);
    ASSERT_EQ(r.status, 0) << r.err;
    r = anybit("quant --compare int4,fp4_e2m1,bitmod_fp4_mix,mxfp4,nf4,int3,int8 --csv - " + w);
    ASSERT_EQ(r.status, 0) << r.err;
    std::map<std::string, double> sqnr;
    std::istringstream in(r.out);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::stringstream ls(line);
        for (std::string c; std::getline(ls, c, ',');)
            f.push_back(c);
        ASSERT_GE(f.size(), 7u) << line;
        sqnr[f[0]] = std::stod(f[6]);
    }
    const std::map<std::string, std::string> q = {
        {"int4", "q1_sqnr_int4"}, {"fp4_e2m1", "q2_sqnr_fp4_e2m1"},
        {"bitmod_fp4_mix", "q3_sqnr_bitmod_fp4_mix"}, {"mxfp4", "q4_sqnr_mxfp4"},
        {"nf4", "q5_sqnr_nf4"}, {"int3", "q7_sqnr_int3"}, {"int8", "q8_sqnr_int8"}};
    double best = -1e9;
    for (size_t i = 0; i < l->nquestions; i++)
        for (const auto &[fmt, id] : q)
            if (id == l->questions[i].id) {
                EXPECT_NEAR(e[i], sqnr.at(fmt), 1e-5) << id;
                if (i < 5)
                    best = std::max(best, sqnr.at(fmt));
            }
    EXPECT_NEAR(e[5], best - sqnr.at("int4"), 1e-5);
    EXPECT_NEAR(e[8], (sqnr.at("int8") - sqnr.at("int3")) / 5, 1e-5);
    // the lesson holds on this seed: a 4-bit non-uniform format beats int4
    // by dB, and a bit is worth close to 6 dB
    EXPECT_GT(e[5], 1.0);
    EXPECT_GT(e[8], 5.0);
    EXPECT_LT(e[8], 6.5);
}

TEST(Lab1, SolvedQuantizerIsBitExactOnEverySeed)
{
    const std::string src = slurp(kSolved);
    for (uint64_t seed : {7ull, 1ull, 99ull, 17808589529089ull}) {
        const Verdicts v = check_source(src, seed);
        EXPECT_TRUE(v.at("q10_grid_codes").first) << seed << ": " << v.at("q10_grid_codes").second;
        EXPECT_TRUE(v.at("q11_grid_scales").first) << seed << ": " << v.at("q11_grid_scales").second;
    }
}

TEST(Lab1, TiesRoundedUpFailTheCodes)
{
    // round half up instead of the grid's tie rule: only exact ties differ
    const Verdicts v = check_source(solved_with("(y == mid && up)", "y == mid"), 7);
    EXPECT_FALSE(v.at("q10_grid_codes").first);
    EXPECT_NE(v.at("q10_grid_codes").second.find("group 257"), std::string::npos)
        << v.at("q10_grid_codes").second; // the tie group, the last one
    EXPECT_TRUE(v.at("q11_grid_scales").first) << v.at("q11_grid_scales").second;
}

TEST(Lab1, TheLastCodeOfARepeatedValueFails)
{
    const Verdicts v = check_source(
        solved_with("continue; /* a value seen before keeps its first code */",
                    "{ code_of[i] = c; continue; }"), 7);
    EXPECT_FALSE(v.at("q10_grid_codes").first);
    EXPECT_NE(v.at("q10_grid_codes").second.find("group 0 element 0"), std::string::npos)
        << v.at("q10_grid_codes").second; // the zero group
}

TEST(Lab1, AZeroScaleFailsTheScales)
{
    const Verdicts v =
        check_source(solved_with("float scale = s > 0.0 ? (float)s : 1.0f;", "float scale = (float)s;"), 7);
    EXPECT_FALSE(v.at("q11_grid_scales").first);
    EXPECT_NE(v.at("q11_grid_scales").second.find("group 0:"), std::string::npos)
        << v.at("q11_grid_scales").second;
}

TEST(Lab1, BrokenFilesFailWithAReason)
{
    // a compile error: the compiler's first error line
    Verdicts v = check_source(solved_with("return scale;", "return scale"), 7);
    EXPECT_FALSE(v.at("q10_grid_codes").first);
    EXPECT_FALSE(v.at("q11_grid_scales").first);
    EXPECT_NE(v.at("q10_grid_codes").second.find("does not compile"), std::string::npos)
        << v.at("q10_grid_codes").second;
    EXPECT_NE(v.at("q10_grid_codes").second.find("error"), std::string::npos)
        << v.at("q10_grid_codes").second;
    // a crash
    v = check_source(solved_with("return scale;", "__builtin_trap();"), 7);
    EXPECT_FALSE(v.at("q10_grid_codes").first);
    EXPECT_NE(v.at("q10_grid_codes").second.find("exited with status"), std::string::npos)
        << v.at("q10_grid_codes").second;
    // the starter: compiles, scores nothing
    v = check_source(slurp(kSrc + "/labs/lab1-formats/starter/grid_quant.c"), 7);
    EXPECT_FALSE(v.at("q10_grid_codes").first);
    EXPECT_FALSE(v.at("q11_grid_scales").first);
    // no file
    v = check_source("", 7);
    EXPECT_FALSE(v.at("q10_grid_codes").first);
    EXPECT_NE(v.at("q10_grid_codes").second.find("missing"), std::string::npos)
        << v.at("q10_grid_codes").second;
}

TEST(Lab1, NoCompilerIsAnInstallationError)
{
    int rc = 0;
    std::string msg;
    check_source(slurp(kSolved), 7, &rc, &msg, "/nonexistent-anybit-test");
    EXPECT_EQ(rc, -1);
    EXPECT_NE(msg.find("cc"), std::string::npos) << msg;
}
