// test_lab5_dse.cpp - lab 5 (design-space exploration, sim/lab/lab5_dse.c):
// its expected numbers against a brute force over the space swept by the
// CLI and read here from results.csv; every budget and target a seed can
// draw is reachable, lies clear of the space's area and error levels and
// is not met by the starting design; the design check on good, dominated,
// over-budget, malformed and refused designs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
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

struct Point {
    std::string format, group, wkb, akb;
    double energy_pj, area_mm2, nmse;
};

// results.csv's ok rows (these rows have no quoted fields).
std::vector<Point> read_points(const std::string &csv_path)
{
    std::ifstream in(csv_path);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> head;
    std::stringstream hs(line);
    for (std::string c; std::getline(hs, c, ',');)
        head.push_back(c);
    auto col = [&](const std::string &name) {
        const auto it = std::find(head.begin(), head.end(), name);
        EXPECT_NE(it, head.end()) << name;
        return static_cast<size_t>(it - head.begin());
    };
    const size_t cs = col("status"), cf = col("recipe.weights.format"),
                 cg = col("recipe.weights.group_size"), cw = col("config.buffers.weight.kb"),
                 ca = col("config.buffers.activation.kb"), ce = col("energy_pj"),
                 car = col("area_mm2"), cn = col("output_nmse");
    std::vector<Point> pts;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::stringstream ls(line);
        for (std::string c; std::getline(ls, c, ',');)
            f.push_back(c);
        if (f.size() < head.size() || f[cs] != "ok")
            continue;
        pts.push_back({f[cf], f[cg], f[cw], f[ca], std::stod(f[ce]), std::stod(f[car]),
                       std::stod(f[cn])});
    }
    return pts;
}

const ab_lab *lab5()
{
    const ab_lab *l = ab_lab_find(5);
    EXPECT_NE(l, nullptr);
    return l;
}

double param(const ab_lab *l, uint64_t seed, const std::string &key)
{
    ab_lab_params p;
    l->params(seed, &p);
    for (size_t i = 0; i < p.n; i++)
        if (key == p.p[i].key)
            return std::stod(p.p[i].value);
    ADD_FAILURE() << key;
    return 0;
}

// One sweep of the lab's space, shared by the tests.
class Lab5 : public ::testing::Test {
  protected:
    static void SetUpTestSuite()
    {
        dir_ = tmp_dir("lab5") + "/space";
        ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0);
        CliRun r = anybit("lab start 5 '" + dir_ + "' --student reference");
        ASSERT_EQ(r.status, 0) << r.err;
        r = anybit("sweep '" + dir_ + "/space.yaml' -o '" + dir_ + "/sweep' -j 2 --quiet");
        ASSERT_EQ(r.status, 0) << r.err;
        points_ = read_points(dir_ + "/sweep/results.csv");
    }
    static std::string dir_;
    static std::vector<Point> points_;

    static bool is_start(const Point &p)
    {
        return p.format == "int8" && p.group == "32" && p.wkb == "1024" && p.akb == "64";
    }
    static double best(double budget, double target)
    {
        double b = 0;
        for (const Point &p : points_)
            if (p.area_mm2 <= budget && p.nmse <= target && (b == 0 || p.energy_pj < b))
                b = p.energy_pj;
        return b;
    }
};
std::string Lab5::dir_;
std::vector<Point> Lab5::points_;

// The lab's real check on folder d (its design.yaml) for seed `seed`, with
// the expected values computed once: per question id, pass and reason.
std::map<std::string, std::pair<bool, std::string>> check(const std::string &d, uint64_t seed,
                                                          const std::vector<double> &expected)
{
    const ab_lab *l = lab5();
    ab_error err{};
    char scratch[4096];
    EXPECT_EQ(ab_lab_scratch_make(scratch, sizeof scratch, &err), 0) << err.msg;
    const std::string root = kSrc + "/labs/" + l->dir;
    ab_lab_answers a{};
    const ab_lab_check_ctx ctx = {seed, d.c_str(), root.c_str(), scratch, &a, expected.data()};
    std::vector<ab_lab_result> r(AB_LAB_MAX_QUESTIONS);
    EXPECT_EQ(l->check(&ctx, r.data(), &err), 0) << err.msg;
    ab_lab_scratch_remove(scratch);
    std::map<std::string, std::pair<bool, std::string>> out;
    for (size_t i = 0; i < l->nquestions; i++)
        out[l->questions[i].id] = {r[i].pass, r[i].reason};
    return out;
}

} // namespace

TEST_F(Lab5, SpaceIsTheSixtyPointsTheReadmeDescribes)
{
    ASSERT_EQ(points_.size(), 60u);
    std::set<std::string> formats;
    for (const Point &p : points_)
        formats.insert(p.format);
    EXPECT_EQ(formats, (std::set<std::string>{"int3", "int4", "int5", "int6", "int8"}));
    EXPECT_EQ(std::count_if(points_.begin(), points_.end(), is_start), 1);
}

// The grader's numbers for several seeds against the brute force here.
TEST_F(Lab5, ExpectedNumbersAreTheBruteForceOfTheSweep)
{
    const ab_lab *l = lab5();
    for (uint64_t seed : {1ull, 2ull, 3ull, 17808589529089ull}) {
        const double budget = param(l, seed, "budget_mm2"), target = param(l, seed, "error_target");
        std::vector<double> e(AB_LAB_MAX_QUESTIONS);
        ab_error err{};
        ASSERT_EQ(l->expected(seed, e.data(), &err), 0) << err.msg;
        std::vector<Point> in;
        for (const Point &p : points_)
            if (p.area_mm2 <= budget)
                in.push_back(p);
        size_t front = 0;
        for (const Point &p : in) {
            bool dominated = false;
            for (const Point &q : in)
                dominated = dominated || (q.energy_pj <= p.energy_pj && q.nmse <= p.nmse &&
                                          (q.energy_pj < p.energy_pj || q.nmse < p.nmse));
            front += !dominated;
        }
        const double b = best(budget, target);
        const auto start = std::find_if(points_.begin(), points_.end(), is_start);
        ASSERT_NE(start, points_.end());
        EXPECT_EQ(e[0], static_cast<double>(in.size())) << seed;
        EXPECT_EQ(e[1], static_cast<double>(front)) << seed;
        EXPECT_NEAR(e[2], b * 1e-12, 1e-9 * b * 1e-12) << seed;
        EXPECT_NEAR(e[3], (start->energy_pj - b) / start->energy_pj * 100.0, 1e-9) << seed;
    }
}

// Over many seeds: every budget and target drawn admits a design, sits
// clear of the space's levels (a 1% change of the simulator's area or
// error model does not move a point across it), and the starting design
// never dominates the threshold.
TEST_F(Lab5, EveryDrawIsReachableRobustAndNotMetByTheStart)
{
    const ab_lab *l = lab5();
    std::set<std::pair<double, double>> draws;
    for (uint64_t seed = 1; seed < 200; seed++)
        draws.insert({param(l, seed, "budget_mm2"), param(l, seed, "error_target")});
    EXPECT_GE(draws.size(), 9u); // the seeds spread over the lists
    const auto start = std::find_if(points_.begin(), points_.end(), is_start);
    ASSERT_NE(start, points_.end());
    for (const auto &d : draws) {
        const double b = best(d.first, d.second);
        EXPECT_GT(b, 0) << d.first << " " << d.second;
        EXPECT_GT(start->energy_pj, 1.01 * b) << d.first << " " << d.second;
        for (const Point &p : points_) {
            EXPECT_GT(std::fabs(p.area_mm2 - d.first), 0.01 * d.first) << d.first;
            EXPECT_GT(std::fabs(p.nmse - d.second), 0.01 * d.second) << d.second;
        }
    }
}

// The design check: the reference design passes; a dominated one fits but
// does not dominate; an over-budget one does not fit; a malformed file, a
// format the loaders refuse and an unknown key fail question 5 with a
// reason naming the file; a value outside the space still runs.
TEST_F(Lab5, DesignCheckSimulatesTheSubmittedPoint)
{
    const std::string d = tmp_dir("lab5") + "/design";
    ASSERT_EQ(std::system(("rm -rf '" + d + "' && mkdir -p '" + d + "' && cp -R '" + kSrc +
                           "/labs/solutions/lab5-dse/.' '" + d + "/'")
                              .c_str()),
              0);
    auto design = [&](const std::string &f, const std::string &g, const std::string &w,
                      const std::string &a) {
        spit(d + "/design.yaml", "format: " + f + "\ngroup_size: " + g + "\nweight_kb: " + w +
                                     "\nactivation_kb: " + a + "\n");
    };
    const uint64_t seed = 17808589529089ull; // the reference student's
    std::vector<double> e(AB_LAB_MAX_QUESTIONS);
    ab_error err{};
    ASSERT_EQ(lab5()->expected(seed, e.data(), &err), 0) << err.msg;
    auto grade = [&](const std::string &dir) { return check(dir, seed, e); };
    auto g = grade(d);
    EXPECT_TRUE(g["q5_design_runs"].first) << g["q5_design_runs"].second;
    EXPECT_TRUE(g["q6_design_fits"].first) << g["q6_design_fits"].second;
    EXPECT_TRUE(g["q7_design_dominates"].first) << g["q7_design_dominates"].second;

    // the reference seed: budget 6, target 0.003, best int5 g32 64/64; the
    // same with a 1024 KiB activation buffer fits and costs more than 1%
    design("int5", "32", "64", "1024");
    g = grade(d);
    EXPECT_TRUE(g["q6_design_fits"].first) << g["q6_design_fits"].second;
    EXPECT_FALSE(g["q7_design_dominates"].first);
    EXPECT_NE(g["q7_design_dominates"].second.find("above the best point"), std::string::npos)
        << g["q7_design_dominates"].second;

    design("int5", "32", "4096", "64"); // 9 mm^2
    g = grade(d);
    EXPECT_TRUE(g["q5_design_runs"].first);
    EXPECT_FALSE(g["q6_design_fits"].first);
    EXPECT_NE(g["q6_design_fits"].second.find("exceeds the budget"), std::string::npos)
        << g["q6_design_fits"].second;
    EXPECT_FALSE(g["q7_design_dominates"].first);

    design("int4", "32", "1024", "1024"); // cheapest, error 0.0088 over the target
    g = grade(d);
    EXPECT_FALSE(g["q6_design_fits"].first);
    EXPECT_NE(g["q6_design_fits"].second.find("exceeds the target"), std::string::npos)
        << g["q6_design_fits"].second;

    design("int5", "64", "64", "64"); // not a point of the space: simulated all the same
    g = grade(d);
    EXPECT_TRUE(g["q5_design_runs"].first) << g["q5_design_runs"].second;

    design("int99", "32", "64", "64");
    g = grade(d);
    EXPECT_FALSE(g["q5_design_runs"].first);
    EXPECT_NE(g["q5_design_runs"].second.find("int99"), std::string::npos)
        << g["q5_design_runs"].second;
    EXPECT_FALSE(g["q7_design_dominates"].first);

    spit(d + "/design.yaml", "format: int5\ngroup_size: 32\nweight_kb: 64\nactivation_kb: 64\n"
                             "config.energy.dram_pj_per_byte: 0\n");
    g = grade(d);
    EXPECT_FALSE(g["q5_design_runs"].first);
    EXPECT_NE(g["q5_design_runs"].second.find("design.yaml:5"), std::string::npos)
        << g["q5_design_runs"].second;

    spit(d + "/design.yaml", "format: [int5\n");
    g = grade(d);
    EXPECT_FALSE(g["q5_design_runs"].first);
    EXPECT_NE(g["q5_design_runs"].second.find("design.yaml"), std::string::npos)
        << g["q5_design_runs"].second;

    design("int5", "32", "64", "'64]'");
    g = grade(d);
    EXPECT_FALSE(g["q5_design_runs"].first);
    EXPECT_NE(g["q5_design_runs"].second.find("activation_kb"), std::string::npos)
        << g["q5_design_runs"].second;

    std::remove((d + "/design.yaml").c_str());
    g = grade(d);
    EXPECT_FALSE(g["q5_design_runs"].first);
}
