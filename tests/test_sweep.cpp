// test_sweep.cpp - `anybit sweep` and `anybit merge`: expansion of a space
// (products, zips, ranges), constraints and dropped points counted, -j and
// shards giving the same rows, a killed sweep resuming to the identical CSV,
// a finished sweep doing nothing, and bad spaces refused with exit 2.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <fcntl.h>

#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <cjson/cJSON.h>

#include "results/results.h"
#include "sweep/sweep.h"
}

#include "test_util.h"

using namespace anybit_test;

namespace {

const std::string kTiny = std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny.yaml";

std::string space(const std::string &axes, const std::string &extra = "",
                  const std::string &phase = "decode:16")
{
    return "name: t\nbase:\n  config: bitmod\n  model: " + kTiny + "\n  phase: " + phase +
           "\naxes:\n" + axes + extra;
}

size_t count_files(const std::string &dir, const std::string &suffix)
{
    size_t n = 0;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *e = readdir(d)) {
            const std::string name = e->d_name;
            n += name.size() > suffix.size() &&
                 name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        }
        closedir(d);
    }
    return n;
}

} // namespace

TEST(Sweep, ExpandsProductsZipsAndRanges)
{
    const std::string dir = tmp_dir("sweep-expand");
    const std::string spec = dir + "/s.yaml";
    spit(spec, space("  - field: recipe.weights.format\n    values: [int2, int4, int8]\n"
                     "  - zip:\n      - {field: config.array.rows, values: [32, 64]}\n"
                     "      - {field: config.array.cols, values: [32, 16]}\n"
                     "  - field: config.buffers.weight.kb\n    range: {from: 128, to: 512, factor: 2}\n"));
    ab_sweep_spec s;
    ab_error e;
    ASSERT_EQ(ab_sweep_load(spec.c_str(), &s, &e), 0) << e.msg;
    EXPECT_EQ(s.npoints, 3u * 2 * 3);
    ASSERT_EQ(s.ncols, (size_t)AB_SWEEP_NBASE + 4);
    std::vector<const char *> v(s.ncols);
    ab_sweep_point_values(&s, 0, v.data());
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 0], "int2");
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 1], "32");
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 2], "32");
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 3], "128");
    ab_sweep_point_values(&s, 17, v.data()); // the last: int8, (64, 16), 512
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 0], "int8");
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 1], "64");
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 2], "16");
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 3], "512");
    ab_sweep_point_values(&s, 4, v.data()); // int2, (64, 16), 256
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 1], "64");
    EXPECT_STREQ(v[AB_SWEEP_NBASE + 3], "256");
    // constraints
    EXPECT_EQ(ab_sweep_eval(&s, "config.array.rows * config.array.cols <= 1024", v.data(), &e), 1);
    EXPECT_EQ(ab_sweep_eval(&s, "recipe.weights.format == 'int2' && !(config.array.rows > 64)",
                            v.data(), &e), 1);
    EXPECT_EQ(ab_sweep_eval(&s, "workload.phase != 'decode:16' || config.buffers.weight.kb < 200",
                            v.data(), &e), 0);
    EXPECT_EQ(ab_sweep_eval(&s, "-config.array.rows + 2 * (3 - 1) == -60", v.data(), &e), 1);
    EXPECT_EQ(ab_sweep_eval(&s, "nosuch.field > 1", v.data(), &e), -1);
    EXPECT_NE(std::string(e.msg).find("unknown field"), std::string::npos) << e.msg;
    EXPECT_EQ(ab_sweep_eval(&s, "recipe.weights.format < 3", v.data(), &e), -1);
    EXPECT_EQ(ab_sweep_eval(&s, "(1 + 2", v.data(), &e), -1);
    ab_sweep_free(&s);
}

// Every value of x is in y at the same place (objects: by key; arrays: by
// index, same length; numbers and strings: equal).
bool json_subset(const cJSON *x, const cJSON *y)
{
    if (cJSON_IsObject(x)) {
        if (!cJSON_IsObject(y))
            return false;
        for (const cJSON *c = x->child; c; c = c->next)
            if (!json_subset(c, cJSON_GetObjectItemCaseSensitive(y, c->string)))
                return false;
        return true;
    }
    if (cJSON_IsArray(x)) {
        if (!cJSON_IsArray(y) || cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
            return false;
        for (int i = 0; i < cJSON_GetArraySize(x); i++)
            if (!json_subset(cJSON_GetArrayItem(x, i), cJSON_GetArrayItem(y, i)))
                return false;
        return true;
    }
    return y && cJSON_Compare(x, y, true);
}

TEST(Sweep, RowsConstraintsDroppedPointsAndRerun)
{
    const std::string dir = tmp_dir("sweep-rows");
    const std::string spec = dir + "/s.yaml", out = dir + "/out";
    std::system(("rm -rf '" + out + "'").c_str());
    // configs x recipes: each PE runs its own recipe (ok) but not the other's
    // (dropped, with the simulator's reason); rows > 64 break a constraint
    spit(spec, space("  - field: workload.config\n    values: [bitmod, fp16]\n"
                     "  - field: workload.recipe\n    values: [bitmod, fp16]\n"
                     "  - field: config.array.rows\n    values: [16, 64, 128]\n",
                     "constraints:\n  - {when: \"config.array.rows <= 64\", reason: too tall}\n"));
    CliRun r = anybit("sweep " + spec + " -o " + out + " -j 2", dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("ok: 4\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("constraint: too tall: 4"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("dropped: weight_format \"fp16\": the bitmod PE runs"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("dropped: weight_format \"bitmod_fp4_mix\": the fp16 PE runs"),
              std::string::npos)
        << r.out;
    const std::string csv = slurp(out + "/results.csv");
    EXPECT_EQ(count_lines(csv), 12u + 1);
    EXPECT_NE(csv.find(",config.array.rows,"), std::string::npos);
    EXPECT_NE(csv.find(",constraint,too tall,"), std::string::npos);
    EXPECT_EQ(count_files(out + "/points", ".json"), 12u);
    // the directory carries the space as given (docs/sweeps.md "The sweep directory")
    EXPECT_EQ(slurp(out + "/sweep.yaml"), slurp(spec));
    // every ok row can be rerun by hand: its inputs are on disk
    EXPECT_EQ(count_files(out + "/inputs", ".config.yaml"), 12u);
    const std::string p0 = slurp(out + "/points/000000.json");
    const size_t at = p0.find("\"command\":\"");
    ASSERT_NE(at, std::string::npos) << p0;
    std::string cmd = p0.substr(at + 11);
    cmd = cmd.substr(0, cmd.find('"'));
    ASSERT_EQ(cmd.rfind("anybit run ", 0), 0u) << cmd;
    r = anybit(cmd.substr(7) + " --json " + dir + "/p0.json", dir);
    ASSERT_EQ(r.status, 0) << cmd << r.err;
    EXPECT_NE(csv.find("\n0,ok,,bitmod,"), std::string::npos) << csv;
    {
        // the rerun by hand gives what the sweep recorded: every result of the
        // point file's run object, and the cycles of its results.csv row
        cJSON *point = cJSON_Parse(p0.c_str()), *rerun = cJSON_Parse(slurp(dir + "/p0.json").c_str());
        ASSERT_TRUE(point && rerun);
        const cJSON *run = cJSON_GetObjectItemCaseSensitive(point, "run");
        ASSERT_TRUE(cJSON_IsObject(run));
        for (const char *key : {"cycles", "compute_cycles", "stall_cycles", "macs", "energy_pj",
                                "energy", "events", "area_mm2", "tokens", "ops"}) {
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(run, key),
                        *y = cJSON_GetObjectItemCaseSensitive(rerun, key);
            ASSERT_TRUE(x && y) << key;
            // the point file keeps a slimmer record per op (its DRAM events
            // only): every value it has must be the rerun's
            EXPECT_TRUE(json_subset(x, y)) << key << " differs between the sweep and the rerun";
        }
        const std::string row0 = csv.substr(csv.find("\n0,ok,") + 1);
        const double cycles = cJSON_GetObjectItemCaseSensitive(rerun, "cycles")->valuedouble;
        EXPECT_NE(row0.substr(0, row0.find('\n')).find("," + std::to_string((long long)cycles) + ","),
                  std::string::npos)
            << row0.substr(0, row0.find('\n'));
        cJSON_Delete(point);
        cJSON_Delete(rerun);
    }
    // a rerun does nothing and leaves the results as they were
    r = anybit("sweep " + spec + " -o " + out, dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("nothing to do"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(out + "/results.csv"), csv);
    // another space into the same directory is refused
    spit(spec + "2", replace(slurp(spec), "values: [16, 64, 128]", "values: [16, 64]"));
    r = anybit("sweep " + spec + "2 -o " + out, dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("another space"), std::string::npos) << r.err;
}

TEST(Sweep, ThreadsAndShardsGiveTheSameRows)
{
    const std::string dir = tmp_dir("sweep-shards");
    const std::string spec = dir + "/s.yaml";
    std::system(("rm -rf '" + dir + "/j1' '" + dir + "/j2' '" + dir + "/s0' '" + dir + "/s1' '" +
                 dir + "/s2' '" + dir + "/m' '" + dir + "/m2'")
                    .c_str());
    spit(spec, space("  - field: recipe.weights.format\n    values: [int2, int3, int4, int8]\n"
                     "  - field: config.array.cols\n    range: {from: 4, to: 16, step: 4}\n"));
    ASSERT_EQ(anybit("sweep " + spec + " -o " + dir + "/j1 -j 1 --quiet", dir).status, 0);
    ASSERT_EQ(anybit("sweep " + spec + " -o " + dir + "/j2 -j 2 --quiet", dir).status, 0);
    const std::string one = slurp(dir + "/j1/results.csv");
    EXPECT_EQ(count_lines(one), 16u + 1);
    EXPECT_EQ(slurp(dir + "/j2/results.csv"), one);
    for (int i = 0; i < 3; i++) {
        CliRun r = anybit("sweep " + spec + " -o " + dir + "/s" + std::to_string(i) +
                              " --shard " + std::to_string(i) + "/3 --quiet",
                          dir);
        ASSERT_EQ(r.status, 0) << r.err;
    }
    EXPECT_EQ(count_lines(slurp(dir + "/s1/results.csv")), 5u + 1); // points 1, 4, 7, 10, 13
    CliRun r = anybit("merge -o " + dir + "/m " + dir + "/s0 " + dir + "/s1 " + dir + "/s2", dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(dir + "/m/results.csv"), one);
    EXPECT_EQ(slurp(dir + "/m/sweep.yaml"), slurp(spec));
    // a missing shard: merged rows so far, exit 1
    r = anybit("merge -o " + dir + "/m2 " + dir + "/s0 " + dir + "/s2", dir);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("5 points are missing"), std::string::npos) << r.err;
    r = anybit("merge -o " + dir + "/m3 " + dir + "/nosuch", dir);
    EXPECT_EQ(r.status, 2);
}

// The acceptance property: kill a sweep mid-way, rerun it, and the final CSV
// equals that of an uninterrupted run; no partial row is ever read.
TEST(Sweep, KilledSweepResumesToTheIdenticalCsv)
{
    const std::string dir = tmp_dir("sweep-kill");
    const std::string spec = dir + "/s.yaml", full = dir + "/full", killed = dir + "/killed";
    std::system(("rm -rf '" + full + "' '" + killed + "'").c_str());
    spit(spec, space("  - field: recipe.weights.format\n    values: [int2, int3, int4, int5, int6, "
                     "int7, int8]\n"
                     "  - field: config.array.rows\n    range: {from: 8, to: 128, step: 8}\n"
                     "  - field: config.array.cols\n    values: [4, 8, 16, 32]\n",
                     "", "prefill:64"));
    const size_t total = 7 * 16 * 4;
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(ANYBIT_BIN, ANYBIT_BIN, "sweep", spec.c_str(), "-o", killed.c_str(), "-j", "2",
              (char *)nullptr);
        _exit(127);
    }
    size_t seen = 0;
    for (int i = 0; i < 20000 && seen < 40; i++) {
        usleep(1000);
        seen = count_files(killed + "/points", ".json");
    }
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    const size_t after_kill = count_files(killed + "/points", ".json");
    EXPECT_GE(after_kill, 40u);
    EXPECT_LT(after_kill, total) << "the sweep finished before it could be killed";
    EXPECT_FALSE(exists(killed + "/results.csv"));
    CliRun r = anybit("sweep " + spec + " -o " + killed + " --quiet", dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find(std::to_string(after_kill) + " done before"), std::string::npos) << r.out;
    r = anybit("sweep " + spec + " -o " + full + " --quiet", dir);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string csv = slurp(full + "/results.csv");
    EXPECT_EQ(count_lines(csv), total + 1);
    EXPECT_EQ(slurp(killed + "/results.csv"), csv);
    EXPECT_EQ(count_files(killed + "/points", ".json"), total);
}

// A damaged sweep.json (the fuzz_sweep_dir reproducers: a negative point
// count was undefined behaviour, a huge one made merge stat every point
// file) is refused by merge with one message naming the field.
TEST(Sweep, DamagedSweepJsonIsRefused)
{
    const std::string dir = tmp_dir("sweep-damaged");
    const struct {
        const char *points, *shard, *field;
    } cases[] = {{"-1", "0/1", "points"}, {"100000000", "0/1", "points"}, {"1.5", "0/1", "points"},
                 {"4", "0/0", "shard"}, {"4", "3/2", "shard"}};
    int i = 0;
    for (const auto &c : cases) {
        const std::string d = dir + "/d" + std::to_string(i++);
        std::system(("rm -rf '" + d + "' '" + d + "m' && mkdir -p '" + d + "/points'").c_str());
        spit(d + "/sweep.json", std::string("{\"name\":\"x\",\"hash\":\"0\",\"points\":") + c.points +
                                    ",\"columns\":[],\"shard\":\"" + c.shard + "\"}");
        spit(d + "/results.csv", "");
        const CliRun r = anybit("merge -o " + d + "m " + d, dir);
        EXPECT_EQ(r.status, 2) << c.points << " " << c.shard << r.err;
        EXPECT_NE(r.err.find(std::string("sweep.json: ") + c.field + ": expected"), std::string::npos)
            << r.err;
        EXPECT_FALSE(exists(d + "m/results.csv"));
    }
}

TEST(Sweep, BadSpacesExitTwo)
{
    const std::string dir = tmp_dir("sweep-bad");
    const std::string good_axis = "  - field: config.array.rows\n    values: [16, 32]\n";
    struct Case {
        std::string text, expect;
    } cases[] = {
        {space(good_axis, "colour: blue\n"), "colour"},
        {space("  - field: config.array.rows\n    values: []\n"), "empty"},
        {space("  - field: config.array.rows\n    values: 16\n"), "list"},
        {space("  - field: config.array.rows\n    range: {from: abc, to: 4, step: 1}\n"), "from"},
        {space("  - field: config.array.rows\n    range: {from: 8, to: 4, step: 1}\n"), "from <= to"},
        {space("  - field: config.array.rows\n    range: {from: 1, to: 4}\n"), "step"},
        {space("  - field: colour.red\n    values: [1]\n"), "config.PATH"},
        {space("  - zip:\n      - {field: config.array.rows, values: [1, 2]}\n"
               "      - {field: config.array.cols, values: [1]}\n"),
         "equal lengths"},
        {space(good_axis, "constraints:\n  - when: \"config.array.rowz > 1\"\n"), "unknown field"},
        {space("  - field: config.array.rowz\n    values: [16]\n"), "rowz"},
        {space("  - field: config.array.rows\n    values: [many]\n"), "array.rows"},
        {space("  - field: recipe.weights.format\n    values: [int99]\n"), "int99"},
        {"name: t\naxes:\n" + good_axis, "base"},
    };
    int i = 0;
    for (const Case &c : cases) {
        const std::string spec = dir + "/bad" + std::to_string(i) + ".yaml";
        const std::string out = dir + "/out" + std::to_string(i++);
        std::system(("rm -rf '" + out + "'").c_str());
        spit(spec, c.text);
        CliRun r = anybit("sweep " + spec + " -o " + out + " --quiet", dir);
        EXPECT_EQ(r.status, 2) << c.text << r.out << r.err;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.text << "\n" << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_FALSE(exists(out + "/results.csv")) << c.text;
        EXPECT_FALSE(exists(out)) << c.text; // a new directory is not left behind
    }
}

// Constraint expressions (docs/sweeps.md "Constraints") on numbers alone:
// each operator as spelled, && above ||, arithmetic inside comparisons.
TEST(Sweep, ConstraintOperatorsMeanWhatTheySay)
{
    const auto spec = std::make_unique<ab_sweep_spec>(); // no columns: numbers only
    const char *const none[] = {nullptr};
    struct Case {
        const char *expr;
        int want;
    } const cases[] = {
        {"1 < 1", 0},           {"1 <= 1", 1},         {"2 > 2", 0},           {"2 >= 2", 1},
        {"1 < 2", 1},           {"3 == 3", 1},         {"3 != 3", 0},          {"1 && 0", 0},
        {"0 && 1", 0},          {"1 && 1", 1},         {"0 || 1", 1},          {"0 || 0", 0},
        {"1 || 0 && 0", 1},     {"!1", 0},             {"!(1 < 1)", 1},        {"8 - 3 == 5", 1},
        {"2 * 3 + 1 == 7", 1},  {"8 / 2 / 2 == 2", 1}, {"-2 < 1", 1},          {"'a' == 'a'", 1},
        {"'a' != 'b'", 1},
    };
    for (const Case &c : cases) {
        ab_error e;
        EXPECT_EQ(ab_sweep_eval(spec.get(), c.expr, none, &e), c.want) << c.expr << ": " << e.msg;
    }
}

// A range is inclusive of `to` even where the steps do not add up exactly
// in binary: 0.1 + 6 x 0.1 is 0.7000000000000001.
TEST(Sweep, DecimalStepRangeKeepsItsLastValue)
{
    const std::string dir = tmp_dir("sweep-range");
    const std::string spec = dir + "/s.yaml";
    spit(spec, space("  - field: config.clock_ghz\n    range: {from: 0.1, to: 0.7, step: 0.1}\n"));
    const auto s = std::make_unique<ab_sweep_spec>();
    ab_error e;
    ASSERT_EQ(ab_sweep_load(spec.c_str(), s.get(), &e), 0) << e.msg;
    ASSERT_EQ(s->npoints, 7u);
    std::vector<const char *> vals(s->ncols);
    std::string got;
    for (size_t p = 0; p < s->npoints; p++) {
        ab_sweep_point_values(s.get(), p, vals.data());
        for (size_t c = 0; c < s->ncols; c++)
            if (std::string(s->cols[c]) == "config.clock_ghz")
                got += std::string(got.empty() ? "" : " ") + vals[c];
    }
    EXPECT_EQ(got, "0.1 0.2 0.3 0.4 0.5 0.6 0.7");
    ab_sweep_free(s.get());
}

// A sweep of an image workload counts images: ResNet-50 at batch 1 and 4
// gives images = batch and images_per_s = batch / seconds, tokens_per_s and
// tokens empty; the throughput alias then names images_per_s.  An LLM
// point keeps tokens and leaves the image pair empty.
TEST(Sweep, ImageWorkloadsCountImages)
{
    const std::string base = tmp_dir("sweep-images");
    std::system(("rm -rf '" + base + "/s'").c_str());
    spit(base + "/space.yaml", "name: img\nbase:\n  config: int8\n  model: resnet50\n"
                               "  phase: prefill:7\naccuracy: {enabled: false}\naxes:\n"
                               "  - field: workload.batch\n    values: [1, 4]\n");
    CliRun r = anybit("sweep " + base + "/space.yaml -o " + base + "/s --quiet", base);
    ASSERT_EQ(r.status, 0) << r.err;
    ab_results res;
    ab_error e;
    ASSERT_EQ(ab_results_load((base + "/s").c_str(), &res, &e), 0) << e.msg;
    const int ips = ab_results_find(&res, "images_per_s"), im = ab_results_find(&res, "images"),
              tps = ab_results_find(&res, "tokens_per_s"), tk = ab_results_find(&res, "tokens"),
              sec = ab_results_find(&res, "seconds"), bat = ab_results_find(&res, "batch");
    ASSERT_TRUE(ips >= 0 && im >= 0 && tps >= 0 && tk >= 0 && sec >= 0 && bat >= 0);
    ASSERT_EQ(res.nrows, 2u);
    for (size_t i = 0; i < res.nrows; i++) {
        const double batch = std::stod(res.rows[i].cells[bat]);
        EXPECT_EQ(std::stod(res.rows[i].cells[im]), batch); // not L x batch
        EXPECT_NEAR(std::stod(res.rows[i].cells[ips]), batch / std::stod(res.rows[i].cells[sec]),
                    1e-6 * std::stod(res.rows[i].cells[ips]));
        EXPECT_STREQ(res.rows[i].cells[tps], "");
        EXPECT_STREQ(res.rows[i].cells[tk], "");
    }
    EXPECT_EQ(ab_results_find(&res, "throughput"), ips);
    ab_results_free(&res);
    // a token workload: the other way round
    std::system(("rm -rf '" + base + "/t'").c_str());
    spit(base + "/llm.yaml", "name: llm\nbase:\n  config: int8\n  model: opt-1.3b\n"
                             "  phase: prefill:7\naccuracy: {enabled: false}\naxes:\n"
                             "  - field: workload.batch\n    values: [1, 2]\n");
    r = anybit("sweep " + base + "/llm.yaml -o " + base + "/t --quiet", base);
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(ab_results_load((base + "/t").c_str(), &res, &e), 0) << e.msg;
    const int t2 = ab_results_find(&res, "tokens"), i2 = ab_results_find(&res, "images_per_s");
    EXPECT_EQ(std::stod(res.rows[1].cells[t2]), 14.0); // prefill:7 x batch 2
    EXPECT_STREQ(res.rows[1].cells[i2], "");
    EXPECT_EQ(ab_results_find(&res, "throughput"), ab_results_find(&res, "tokens_per_s"));
    ab_results_free(&res);
}
