// test_plot.cpp - `anybit pareto`, `plot` and `report` on sweep
// directories built by tests/sweep_fixture.h: the front on hand-made CSVs
// (dominance, ties, maximize flags) and against brute force, the
// results.csv reader's quoting and errors, the eight plot files with every
// ok point findable by its <title>, and the HTML report opened in headless
// Chromium.
#include <gtest/gtest.h>

#include <cjson/cJSON.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "results/pareto.h"
#include "results/results.h"
#include "sweep_fixture.h"
#include "test_util.h"

using namespace anybit_test;

namespace {

// A sweep directory holding only results.csv (all pareto reads).
std::string csv_dir(const std::string &name, const std::string &csv)
{
    const std::string dir = tmp_dir("pareto-" + name);
    spit(dir + "/results.csv", csv);
    return dir;
}

const char kHeader[] = "point,status,reason,config,config.array.rows,seconds,energy_pj\r\n";

// p2 is dominated by p1 (same energy, slower); p3 ties p1 exactly; p5 is
// dominated; p7/p8 are not ok (and their empty outputs are never read).
// CRLF line ends and a quoted reason holding a comma, a quote and a line
// break, as RFC 4180 allows.
std::string hand_csv()
{
    return std::string(kHeader) +
           "0,ok,,bitmod,16,1,10\r\n"
           "1,ok,,bitmod,32,2,5\r\n"
           "2,ok,,bitmod,48,3,5\r\n"
           "3,ok,,bitmod,64,2,5\r\n"
           "4,ok,,bitmod,80,4,1\r\n"
           "5,ok,,bitmod,96,5,6\r\n"
           "6,ok,,bitmod,112,0.5,20\r\n"
           "7,dropped,\"no tile fits, \"\"weight\"\"\r\nbuffer\",bitmod,128,,\r\n"
           "8,constraint,PE budget,bitmod,256,,\r\n"
           "\r\n"; // a trailing blank line is skipped
}

// The points of a pareto --csv file, in file order.
std::vector<int> front_points(const std::string &csv)
{
    std::vector<int> pts;
    size_t p = csv.find('\n');
    while (p != std::string::npos && p + 1 < csv.size()) {
        pts.push_back(std::stoi(csv.substr(p + 1)));
        p = csv.find('\n', p + 1);
    }
    return pts;
}

std::vector<int> front_of(const std::string &dir, const std::string &flags)
{
    const std::string out = dir + "/front.csv";
    std::remove(out.c_str());
    CliRun r = anybit("pareto " + dir + " --x latency --y energy " + flags + " --csv " + out, dir);
    EXPECT_EQ(r.status, 0) << flags << "\n" << r.err;
    return front_points(slurp(out));
}

} // namespace

TEST(Pareto, FrontOnHandMadeCsv)
{
    const std::string dir = csv_dir("hand", hand_csv());
    EXPECT_EQ(front_of(dir, ""), (std::vector<int>{6, 0, 1, 3, 4})); // ties 1 and 3 both kept
    EXPECT_EQ(front_of(dir, "--maximize-x"), (std::vector<int>{4, 5}));
    EXPECT_EQ(front_of(dir, "--maximize-x --maximize-y"), (std::vector<int>{6, 0, 5}));
    EXPECT_EQ(front_of(dir, "--maximize-y"), (std::vector<int>{6}));

    // the table: sorted by x, the varying input column shown, the constant
    // one (config) not
    const std::string json = dir + "/front.json";
    CliRun r = anybit("pareto " + dir + " --x seconds --y energy_pj --json " + json, dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("5 of 7 ok points"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("config.array.rows"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("config "), std::string::npos) << r.out;
    const size_t p6 = r.out.find("\n6 "), p0 = r.out.find("\n0 "), p4 = r.out.find("\n4 ");
    ASSERT_NE(p6, std::string::npos) << r.out;
    EXPECT_LT(p6, p0);
    EXPECT_LT(p0, p4);
    EXPECT_EQ(r.out.find("\n2 "), std::string::npos) << r.out; // dominated
    EXPECT_EQ(r.out.find("\n5 "), std::string::npos) << r.out;

    cJSON *root = cJSON_Parse(slurp(json).c_str());
    ASSERT_NE(root, nullptr);
    EXPECT_STREQ(cJSON_GetObjectItem(root, "x")->valuestring, "seconds");
    EXPECT_EQ(cJSON_GetObjectItem(root, "ok_points")->valuedouble, 7);
    const cJSON *front = cJSON_GetObjectItem(root, "front");
    ASSERT_EQ(cJSON_GetArraySize(front), 5);
    const cJSON *first = cJSON_GetArrayItem(front, 0);
    EXPECT_EQ(cJSON_GetObjectItem(first, "point")->valuedouble, 6);
    EXPECT_EQ(cJSON_GetObjectItem(first, "seconds")->valuedouble, 0.5);
    EXPECT_EQ(cJSON_GetObjectItem(first, "energy_pj")->valuedouble, 20);
    const cJSON *in = cJSON_GetObjectItem(first, "inputs");
    EXPECT_EQ(cJSON_GetObjectItem(in, "config.array.rows")->valuedouble, 112);
    EXPECT_STREQ(cJSON_GetObjectItem(in, "config")->valuestring, "bitmod");
    cJSON_Delete(root);
}

// --where: the front of the rows that meet every condition (a budget),
// the others neither on it nor counted; bad conditions exit 2 naming them.
TEST(Pareto, WhereKeepsOnlyTheRowsThatMeetEveryCondition)
{
    const std::string dir = csv_dir("where", hand_csv());
    // without p6 (rows 112) and p4 (rows 80), p5 (x 5, y 6) is still
    // dominated by p1/p3, so the front is 0, 1, 3
    EXPECT_EQ(front_of(dir, "--where 'config.array.rows<=64'"), (std::vector<int>{0, 1, 3}));
    EXPECT_EQ(front_of(dir, "--where 'config.array.rows < 64'"), (std::vector<int>{0, 1}));
    EXPECT_EQ(front_of(dir, "--where 'config.array.rows>=80' --where 'energy<10'"),
              (std::vector<int>{4}));
    EXPECT_EQ(front_of(dir, "--where 'config.array.rows>80'"), (std::vector<int>{6, 5}));
    EXPECT_EQ(front_of(dir, "--where 'latency==2'"), (std::vector<int>{1, 3}));
    CliRun r = anybit("pareto " + dir + " --where 'config.array.rows<=64' --json " + dir +
                          "/w.json",
                      dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("3 of 4 ok points"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("where config.array.rows<=64: 4 of 7 ok points"), std::string::npos)
        << r.out;
    cJSON *root = cJSON_Parse(slurp(dir + "/w.json").c_str());
    ASSERT_NE(root, nullptr);
    EXPECT_EQ(cJSON_GetObjectItem(root, "ok_points")->valuedouble, 4);
    EXPECT_STREQ(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "where"), 0)->valuestring,
                 "config.array.rows<=64");
    cJSON_Delete(root);

    const std::pair<std::string, std::string> bad[] = {
        {"'rows<=64'", "no column 'rows'"},
        {"'area 4'", "expected COLUMN OP NUMBER"},
        {"'energy<=ten'", "'ten' is not a finite number"},
        {"'<=3'", "no column before '<='"},
        {"'config.array.rows>999'", "none of the 7 ok points meets --where"},
        {"", "--where needs a condition"},
    };
    for (const auto &b : bad) {
        const std::string out = dir + "/bad.csv";
        CliRun e = anybit("pareto " + dir + " --csv " + out + " --where " + b.first, dir);
        EXPECT_EQ(e.status, 2) << b.first << "\n" << e.err;
        EXPECT_NE(e.err.find(b.second), std::string::npos) << b.first << "\n" << e.err;
        EXPECT_EQ(count_lines(e.err), 1u) << e.err;
        EXPECT_FALSE(exists(out)) << b.first;
    }
}

// The reader: quoting undone, line numbers count the line break inside
// the quoted reason, inputs are the columns between reason and the outputs.
TEST(Pareto, ResultsReaderQuotingAndInputs)
{
    const std::string dir = csv_dir("reader", hand_csv());
    ab_results r;
    ab_error err;
    ASSERT_EQ(ab_results_load(dir.c_str(), &r, &err), 0) << err.msg;
    ASSERT_EQ(r.nrows, 9u);
    EXPECT_STREQ(r.rows[7].cells[r.col_reason], "no tile fits, \"weight\"\r\nbuffer");
    EXPECT_EQ(r.rows[7].status, AB_ROW_DROPPED);
    EXPECT_EQ(r.rows[8].line, 11u); // row 7 spans lines 9 and 10
    ASSERT_EQ(r.ninputs, 2u);
    EXPECT_STREQ(r.cols[r.inputs[0]], "config");
    EXPECT_STREQ(r.cols[r.inputs[1]], "config.array.rows");
    EXPECT_EQ(ab_results_find(&r, "latency"), ab_results_find(&r, "seconds"));
    EXPECT_EQ(ab_results_find(&r, "energy"), 6);
    EXPECT_EQ(ab_results_find(&r, "throughput"), -1);
    EXPECT_TRUE(ab_results_varies(&r, r.inputs[1]));
    EXPECT_FALSE(ab_results_varies(&r, r.inputs[0]));
    EXPECT_EQ(ab_results_count(&r, AB_ROW_OK), 7u);
    ab_results_free(&r);
}

// ab_pareto_front against the O(n^2) definition on random points with
// many exact ties (small integer grid), under all four direction flags.
TEST(Pareto, MatchesBruteForce)
{
    std::mt19937 rng(12345);
    for (int trial = 0; trial < 200; trial++) {
        const size_t n = 1 + rng() % 40;
        std::vector<double> x(n), y(n);
        for (size_t i = 0; i < n; i++) {
            x[i] = (double)(rng() % 8);
            y[i] = (double)(rng() % 8) * 0.5;
        }
        for (int flags = 0; flags < 4; flags++) {
            const bool mx = flags & 1, my = flags & 2;
            auto better_eq = [](double a, double b, bool mx_) { return mx_ ? a >= b : a <= b; };
            std::set<size_t> expect;
            for (size_t i = 0; i < n; i++) {
                bool dominated = false;
                for (size_t j = 0; j < n && !dominated; j++)
                    dominated = better_eq(x[j], x[i], mx) && better_eq(y[j], y[i], my) &&
                                (x[j] != x[i] || y[j] != y[i]);
                if (!dominated)
                    expect.insert(i);
            }
            std::vector<size_t> front(n);
            size_t nf = 0;
            ab_error err;
            ASSERT_EQ(ab_pareto_front(x.data(), y.data(), n, mx, my, front.data(), &nf, &err), 0);
            front.resize(nf);
            EXPECT_EQ(std::set<size_t>(front.begin(), front.end()), expect)
                << "trial " << trial << " flags " << flags;
            for (size_t k = 1; k < nf; k++)
                EXPECT_LE(x[front[k - 1]], x[front[k]]); // sorted by x
        }
    }
}

TEST(Pareto, BadInputExitsTwoAndWritesNothing)
{
    const std::string base = tmp_dir("pareto-bad");
    struct Case {
        std::string name, csv, args, expect;
    };
    const std::string head = "point,status,reason,config.array.rows,seconds,energy_pj\n";
    const Case cases[] = {
        {"missing", "", "--x latency --y energy", "results.csv: cannot open"},
        {"unknown", head + "0,ok,,16,1,2\n", "--x latency --y joules", "no column 'joules'"},
        {"fields", head + "0,ok,,16,1,2\n1,ok,,32,1\n", "", "results.csv:3: 5 fields"},
        {"quote", head + "0,ok,\"never closed,16,1,2\n", "", "results.csv:2: field 3: quoted"},
        {"stray", head + "0,ok,a\"b,16,1,2\n", "", "results.csv:2: field 3: '\"'"},
        {"status", head + "0,fine,,16,1,2\n", "", "results.csv:2: column status"},
        {"order", head + "1,ok,,16,1,2\n0,ok,,32,1,2\n", "", "results.csv:3: column point"},
        {"number", head + "0,ok,,16,1,2\n1,ok,,32,fast,2\n", "", "results.csv:3: column seconds"},
        {"header", "point,status\n0,ok\n", "", "results.csv:1: column reason"},
        {"empty", "", "", "results.csv:1: empty file"},
        {"noneok", head + "0,dropped,why,16,,\n", "", "no row has status ok"},
    };
    for (const Case &c : cases) {
        const std::string dir = base + "/" + c.name;
        std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
        if (c.name != "missing")
            spit(dir + "/results.csv", c.csv);
        const std::string out = dir + "/front.csv", json = dir + "/front.json";
        CliRun r = anybit("pareto " + dir + " " + c.args + " --csv " + out + " --json " + json,
                          base);
        EXPECT_EQ(r.status, 2) << c.name << "\n" << r.out << r.err;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.name << "\n" << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << c.name << "\n" << r.err;
        EXPECT_FALSE(exists(out)) << c.name;
        EXPECT_FALSE(exists(json)) << c.name;
    }
    // the unknown-column message lists what there is
    const std::string dir = base + "/unknown";
    CliRun r = anybit("pareto " + dir + " --x latency --y joules", base);
    EXPECT_NE(r.err.find("columns: point, status, reason, config.array.rows, seconds, energy_pj"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("latency=seconds"), std::string::npos) << r.err;
    // usage
    EXPECT_EQ(anybit("pareto", base).status, 2);
    EXPECT_EQ(anybit("pareto " + dir + " --bogus", base).status, 2);
}

namespace {

std::string svg_point_title(uint64_t point) { return "<title>point " + std::to_string(point); }

// Whether text holds "<title>point N" followed by a non-digit (so point 1
// is not found inside point 10).
bool has_point_title(const std::string &text, uint64_t point)
{
    const std::string key = svg_point_title(point);
    for (size_t p = text.find(key); p != std::string::npos; p = text.find(key, p + 1)) {
        const char next = p + key.size() < text.size() ? text[p + key.size()] : 0;
        if (!(next >= '0' && next <= '9'))
            return true;
    }
    return false;
}

size_t count_of(const std::string &text, const std::string &what)
{
    size_t n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
        n++;
    return n;
}

const char *const kPlots[] = {"pareto", "accuracy", "energy", "speedup", "roofline"};

} // namespace

TEST(Plot, WritesTenFilesWithEveryPointInATitle)
{
    const std::string dir = tmp_dir("plot-files") + "/sweep";
    ASSERT_TRUE(write_sweep_fixture(dir, standard_points()));
    CliRun r = anybit("plot " + dir, dir + "/..");
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char *p : kPlots) {
        const std::string svg = slurp(dir + "/plots/" + p + ".svg");
        const std::string png = slurp(dir + "/plots/" + p + ".png");
        EXPECT_EQ(svg.compare(0, 5, "<?xml"), 0) << p;
        EXPECT_NE(svg.find("</svg>"), std::string::npos) << p;
        EXPECT_EQ(png.compare(0, 8, "\x89PNG\r\n\x1a\n"), 0) << p;
        EXPECT_GT(png.size(), 5000u) << p;
        // gnuplot's script-driven hypertext is rewritten to plain <title>s
        EXPECT_EQ(svg.find("gnuplot_svg"), std::string::npos) << p;
        EXPECT_EQ(svg.find("<script"), std::string::npos) << p;
        for (uint64_t pt = 0; pt < 8; pt++)
            EXPECT_TRUE(has_point_title(svg, pt)) << p << " lacks point " << pt;
        for (uint64_t pt = 8; pt < 11; pt++) // constraint, dropped
            EXPECT_FALSE(has_point_title(svg, pt)) << p << " shows point " << pt;
    }
    // nothing else in the plot directory (the temporary one is gone)
    CliRun ls = run_command("ls -A '" + dir + "/plots' | wc -l", dir + "/..");
    EXPECT_EQ(ls.out, "10\n");
    // the tooltips carry the values: point 6 is on the front, with its latency
    const std::string pareto = slurp(dir + "/plots/pareto.svg");
    const size_t t6 = pareto.find(svg_point_title(6) + "\n");
    ASSERT_NE(t6, std::string::npos);
    EXPECT_NE(pareto.find("(on the Pareto front)", t6), std::string::npos);
    EXPECT_LT(pareto.find("(on the Pareto front)", t6), pareto.find("</title>", t6));
    // one roofline mark per op role of the tiny model per ok point
    const std::string roof = slurp(dir + "/plots/roofline.svg");
    EXPECT_EQ(count_of(roof, "<title>point "), 8u * 10u);
    // the memory roof measured from the runs is the bitmod preset's DRAM:
    // 256 bits/cycle at the fastest clock of the sweep, 1 GHz
    EXPECT_NE(roof.find("DRAM 32 GB/s"), std::string::npos);
    // a mark's place: 2 MACs per DRAM byte, 2 MACs per cycle at the clock
    cJSON *p6 = cJSON_Parse(slurp(dir + "/points/000006.json").c_str());
    ASSERT_NE(p6, nullptr);
    const cJSON *run = cJSON_GetObjectItem(p6, "run");
    const double clock = jnum(run, "cycles") / jnum(run, "seconds");
    const cJSON *op;
    bool found = false;
    cJSON_ArrayForEach(op, cJSON_GetObjectItem(run, "ops"))
    {
        if (std::string(cJSON_GetObjectItem(op, "name")->valuestring) != "lm_head")
            continue;
        found = true;
        const cJSON *ev = cJSON_GetObjectItem(op, "events");
        const double macs = jnum(op, "macs");
        const double bytes = jnum(ev, "dram_read_bytes") + jnum(ev, "dram_write_bytes");
        char want[96];
        std::snprintf(want, sizeof want, "<title>point 6: lm_head (x1)\n%.3g ops/byte, %.3g Gops/s",
                      2 * macs / bytes, 2 * macs * clock / jnum(op, "cycles") * 1e-9);
        EXPECT_NE(roof.find(want), std::string::npos) << want;
    }
    EXPECT_TRUE(found);
    cJSON_Delete(p6);
}

TEST(Plot, BaselineSpeedup)
{
    const std::string dir = tmp_dir("plot-baseline") + "/sweep";
    ASSERT_TRUE(write_sweep_fixture(dir, standard_points()));
    const std::string out = dir + "/../baseline-plots";
    CliRun r = anybit("plot " + dir + " --baseline config.array.rows=32 -o " + out, dir + "/..");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string svg = slurp(out + "/speedup.svg");
    // point 4 (64 rows, 0.5 GHz, decode) against point 0 (32 rows, same rest)
    ab_results res;
    ab_error err;
    ASSERT_EQ(ab_results_load(dir.c_str(), &res, &err), 0) << err.msg;
    double s0, s4;
    const size_t sec = (size_t)ab_results_find(&res, "seconds");
    ASSERT_EQ(ab_results_number(&res, 0, sec, &s0, &err), 0);
    ASSERT_EQ(ab_results_number(&res, 4, sec, &s4, &err), 0);
    ab_results_free(&res);
    char expect[64];
    std::snprintf(expect, sizeof expect, "speedup %.3gx vs point 0 ", s0 / s4);
    const size_t t4 = svg.find(svg_point_title(4) + "\n");
    ASSERT_NE(t4, std::string::npos);
    EXPECT_EQ(svg.find(expect, t4), svg.find('\n', t4) + 1) << expect;
    EXPECT_NE(svg.find("Speedup vs baseline config.array.rows=32"), std::string::npos);

    // bad baselines: exit 2, one message, no plot directory made
    const std::string never = dir + "/../never";
    const std::pair<std::string, std::string> bad[] = {
        {"config.array.cols=32", "not an input column"},
        {"seconds=1", "not an input column"},
        {"config.array.rows=33", "no ok row has config.array.rows=33"},
        {"config.array.rows", "expected COL=VALUE"},
    };
    for (const auto &b : bad) {
        CliRun e = anybit("plot " + dir + " --baseline " + b.first + " -o " + never, dir + "/..");
        EXPECT_EQ(e.status, 2) << b.first;
        EXPECT_NE(e.err.find(b.second), std::string::npos) << b.first << "\n" << e.err;
        EXPECT_EQ(count_lines(e.err), 1u) << e.err;
        EXPECT_FALSE(exists(never)) << b.first;
    }
}

TEST(Plot, ManyPointsArePanelsNotDropped)
{
    std::vector<FixturePoint> pts;
    for (int rep = 0; rep < 9; rep++) // 72 ok points, 8 distinct runs
        for (const FixturePoint &p : standard_points())
            if (p.status == "ok")
                pts.push_back(p);
    const std::string dir = tmp_dir("plot-many") + "/sweep";
    ASSERT_TRUE(write_sweep_fixture(dir, pts));
    CliRun r = anybit("plot " + dir, dir + "/..");
    ASSERT_EQ(r.status, 0) << r.err;
    // more bars than fit (60): panels of one figure, no point left out
    const std::string energy = slurp(dir + "/plots/energy.svg");
    const std::string speedup = slurp(dir + "/plots/speedup.svg");
    EXPECT_NE(energy.find("72 ok points in 2 panels); bars 1-36"), std::string::npos);
    EXPECT_NE(energy.find("bars 37-72"), std::string::npos);
    EXPECT_NE(energy.find("height=\"720\""), std::string::npos); // 2 x 360 px
    const std::string pareto = slurp(dir + "/plots/pareto.svg");
    for (const std::string *svg : {&energy, &speedup, &pareto}) {
        EXPECT_EQ(count_of(*svg, "<title>point "), 72u);
        for (uint64_t pt = 0; pt < 72; pt++)
            EXPECT_TRUE(has_point_title(*svg, pt)) << pt;
    }
    EXPECT_EQ(slurp(dir + "/plots/energy.png").substr(1, 3), "PNG");
}

TEST(Plot, BadInputExitsTwoAndWritesNothing)
{
    const std::string base = tmp_dir("plot-bad");
    const std::string dir = base + "/sweep";
    ASSERT_TRUE(write_sweep_fixture(dir, standard_points()));
    const std::string out = base + "/never";
    auto expect_bad = [&](const std::string &args, const std::string &what) {
        CliRun r = anybit("plot " + args + " -o " + out, base);
        EXPECT_EQ(r.status, 2) << args << "\n" << r.out << r.err;
        EXPECT_NE(r.err.find(what), std::string::npos) << args << "\n" << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_FALSE(exists(out)) << args;
    };
    expect_bad(base + "/nosuchdir", "nosuchdir/results.csv: cannot open");
    // an ok point without its point file
    const std::string p3 = dir + "/points/000003.json", saved = slurp(p3);
    std::remove(p3.c_str());
    expect_bad(dir, "points/000003.json: missing");
    // a point file whose run has a bad field
    cJSON *pj = cJSON_Parse(saved.c_str());
    ASSERT_NE(pj, nullptr);
    cJSON *op6 = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(pj, "run"), "ops"), 6);
    ASSERT_NE(op6, nullptr);
    cJSON_ReplaceItemInObject(op6, "macs", cJSON_CreateString("many"));
    char *text = cJSON_Print(pj);
    spit(p3, text);
    cJSON_free(text);
    cJSON_Delete(pj);
    expect_bad(dir, "points/000003.json: run.ops[6].macs: expected a number");
    spit(p3, "{\"point\": 3, \"run\": [1, 2");
    expect_bad(dir, "points/000003.json:1: not valid JSON");
    spit(p3, saved);
    // no gnuplot on PATH: the install hint, and the plot directory is taken back
    CliRun np = run_command("PATH=/nonexistent " + std::string(ANYBIT_BIN) + " plot " + dir +
                                " -o " + out,
                            base);
    EXPECT_EQ(np.status, 2) << np.err;
    EXPECT_NE(np.err.find("gnuplot-nox"), std::string::npos) << np.err;
    EXPECT_FALSE(exists(out));
    // a non-number where the plots need one
    const std::string csv = slurp(dir + "/results.csv");
    spit(dir + "/results.csv", replace(csv, ",0.3674364598,", ",n/a,"));
    CliRun ok = anybit("plot " + dir + " -o " + out, base); // utilization is not plotted
    EXPECT_EQ(ok.status, 0) << ok.err;
    std::system(("rm -rf '" + out + "'").c_str());
    spit(dir + "/results.csv", replace(csv, ",1.5502e-05,", ",soon,"));
    expect_bad(dir, "results.csv:5: column seconds: expected a finite number (point 3)");
    // nothing ok
    std::string none = "point,status,reason,config.array.rows\n0,dropped,why,16\n";
    spit(dir + "/results.csv", none);
    expect_bad(dir, "no row has status ok");
    spit(dir + "/results.csv", csv);
}

namespace {

// PNG width and height from the IHDR chunk (0, 0 when it is not a PNG).
std::pair<uint32_t, uint32_t> png_size(const std::string &png)
{
    if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 ||
        png.compare(12, 4, "IHDR") != 0)
        return {0, 0};
    auto be32 = [&](size_t o) {
        return (uint32_t)(uint8_t)png[o] << 24 | (uint32_t)(uint8_t)png[o + 1] << 16 |
               (uint32_t)(uint8_t)png[o + 2] << 8 | (uint32_t)(uint8_t)png[o + 3];
    };
    return {be32(16), be32(20)};
}

bool have_chromium()
{
    return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

} // namespace

TEST(Report, SelfContainedPageRendersInChromium)
{
    const std::string base = tmp_dir("report-chromium");
    const std::string dir = base + "/sweep";
    ASSERT_TRUE(write_sweep_fixture(dir, standard_points(), "decode-bits",
                                    "weight bits <x> group size & array shape"));
    const std::string html = base + "/out/report.html";
    std::system(("rm -rf '" + base + "/out'").c_str());
    CliRun r = anybit("report " + dir + " -o " + html + " --baseline config.array.rows=32", base);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string page = slurp(html);
    // self-contained: no scripts, no external resources
    for (const char *banned : {"<script", "src=", "<link", "@import", "http://", "https://"}) {
        if (std::string(banned) == "http://") // the SVG namespaces are names, not fetches
            EXPECT_EQ(count_of(page, "http://"), count_of(page, "http://www.w3.org/")) << banned;
        else
            EXPECT_EQ(page.find(banned), std::string::npos) << banned;
    }
    EXPECT_NE(page.find("<h1>decode-bits</h1>"), std::string::npos);
    EXPECT_NE(page.find("weight bits &lt;x&gt; group size &amp; array shape"), std::string::npos);
    EXPECT_NE(page.find("<td>PE budget</td>"), std::string::npos);
    EXPECT_NE(page.find("pe.kind &quot;btc&quot; cannot run"), std::string::npos);
    EXPECT_NE(page.find("Pareto front"), std::string::npos);
    EXPECT_NE(page.find("Top 8 of 8 ok points"), std::string::npos);
    EXPECT_NE(page.find("<h2>Pareto front: energy vs error</h2>"), std::string::npos);
    EXPECT_NE(page.find("id=\"plot-accuracy\""), std::string::npos);
    EXPECT_EQ(count_of(page, "<svg"), 5u);
    EXPECT_EQ(page.find("<?xml"), std::string::npos);
    EXPECT_EQ(count_of(page, "id='gpPt"), 0u); // every id carries its plot's prefix
    // no temporary directory left beside the page
    CliRun ls = run_command("ls -A '" + base + "/out'", base);
    EXPECT_EQ(ls.out, "report.html\n");

    if (!have_chromium())
        GTEST_SKIP() << "chromium not found: install it with `apt-get install chromium` "
                        "(Debian; scripts/deps.sh does it) to check the page in a browser";
    // one DOM dump, one screenshot of the page and one of a blank page, in
    // parallel (each Chromium start takes seconds); separate profiles so
    // the three do not wait on one profile lock
    const std::string blank = base + "/blank.html", shot = base + "/report.png",
                      blank_shot = base + "/blank.png", dom = base + "/dom.html";
    spit(blank, "<!DOCTYPE html><html><body></body></html>\n");
    for (const std::string &f : {shot, blank_shot, dom})
        std::remove(f.c_str());
    const std::string chrome = "chromium --headless --no-sandbox --disable-gpu "
                               "--window-size=1280,2000 --user-data-dir='" + base + "/profile-";
    CliRun c = run_command("(" + chrome + "1' --screenshot='" + shot + "' 'file://" + html +
                               "' >/dev/null 2>&1 & " + chrome + "2' --screenshot='" +
                               blank_shot + "' 'file://" + blank + "' >/dev/null 2>&1 & " +
                               chrome + "3' --dump-dom 'file://" + html + "' >'" + dom +
                               "' 2>/dev/null & wait)",
                           base);
    ASSERT_EQ(c.status, 0) << c.err;
    // the browser's DOM holds the five plots and every ok point's title
    const std::string d = slurp(dom);
    EXPECT_EQ(count_of(d, "<svg"), 5u) << d.substr(0, 500);
    for (uint64_t pt = 0; pt < 8; pt++) {
        // pareto, accuracy, energy, speedup: one each; roofline: one per op role
        EXPECT_GE(count_of(d, svg_point_title(pt) + "\n"), 4u) << pt;
        EXPECT_GE(count_of(d, svg_point_title(pt) + ":"), 1u) << pt;
    }
    EXPECT_EQ(d.find("<title>point 8"), std::string::npos);
    // the screenshot is the page drawn: the window's size, and far more
    // detail (bytes of compressed image) than a blank page of that size
    const std::string png = slurp(shot), blank_png = slurp(blank_shot);
    EXPECT_EQ(png_size(png), (std::pair<uint32_t, uint32_t>(1280, 2000)));
    EXPECT_EQ(png_size(blank_png), (std::pair<uint32_t, uint32_t>(1280, 2000)));
    EXPECT_GT(png.size(), 50000u);
    EXPECT_GT(png.size(), 4 * blank_png.size()) << png.size() << " vs blank " << blank_png.size();
}

TEST(Report, NoOkPointsStillReports)
{
    const std::string base = tmp_dir("report-none");
    const std::string dir = base + "/sweep";
    std::vector<FixturePoint> pts = standard_points();
    pts.erase(pts.begin(), pts.begin() + 8); // only constraint and dropped
    ASSERT_TRUE(write_sweep_fixture(dir, pts));
    const std::string html = base + "/r.html";
    std::remove(html.c_str());
    CliRun r = anybit("report " + dir + " -o " + html, base);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string page = slurp(html);
    EXPECT_NE(page.find("No point finished with status ok"), std::string::npos);
    EXPECT_EQ(page.find("<svg"), std::string::npos);
    EXPECT_NE(page.find("<td class=n>3</td><td class=n>0</td><td class=n>2</td>"
                        "<td class=n>1</td>"),
              std::string::npos)
        << page;
}

TEST(Report, BadInputExitsTwoAndWritesNothing)
{
    const std::string base = tmp_dir("report-bad");
    const std::string dir = base + "/sweep";
    ASSERT_TRUE(write_sweep_fixture(dir, standard_points()));
    const std::string html = base + "/out/never.html";
    struct Case {
        std::string args, expect;
    };
    const Case cases[] = {
        {base + "/nosuchdir", "nosuchdir/results.csv: cannot open"},
        {dir + " --sort joules", "--sort: no column 'joules'"},
        {dir + " --sort config", "column config: expected a finite number"},
        {dir + " --top 0", "--top"},
        {dir + " --baseline nosuch=1", "not an input column"},
    };
    for (const Case &c : cases) {
        CliRun r = anybit("report " + c.args + " -o " + html, base);
        EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out << r.err;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << "\n" << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_FALSE(exists(base + "/out")) << c.args;
    }
    spit(dir + "/sweep.json", "{\"name\": ");
    CliRun r = anybit("report " + dir + " -o " + html, base);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("sweep.json:1: not valid JSON"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(html));
}

// `anybit plot --timeline`: the CSV `run --timeline` wrote becomes
// timeline.svg (titled, one step line per series, no gnuplot script left in
// it) and a PNG; a CSV that is not one (header, a cell) is one message
// naming file:line and column, exit 2, nothing written.
TEST(Plot, TimelineOfARun)
{
    const std::string base = tmp_dir("plot-timeline");
    const std::string csv = base + "/t.csv";
    CliRun r = anybit("run --config bitmod --model llama2-7b --phase prefill:16 --timeline " + csv +
                          " --timeline-buckets 40",
                      base);
    ASSERT_EQ(r.status, 0) << r.err;
    r = anybit("plot --timeline " + csv + " -o " + base + "/plots", base);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("wrote timeline.svg timeline.png"), std::string::npos) << r.out;
    const std::string svg = slurp(base + "/plots/timeline.svg");
    EXPECT_NE(svg.find("<title>anybit: timeline of " + csv + "</title>"), std::string::npos);
    for (const char *series : {"DRAM", "SRAM", "PE utilization"})
        EXPECT_NE(svg.find(series), std::string::npos) << series;
    EXPECT_EQ(svg.find("gnuplot_svg"), std::string::npos);
    EXPECT_EQ(slurp(base + "/plots/timeline.png").substr(1, 3), "PNG");
    // default directory: the CSV's own
    r = anybit("plot --timeline " + csv, base);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(exists(base + "/timeline.svg"));

    const std::string text = slurp(csv), out = base + "/never";
    std::system(("rm -rf '" + out + "'").c_str()); // an earlier run's
    auto expect_bad = [&](const std::string &content, const std::string &what) {
        spit(base + "/bad.csv", content);
        CliRun b = anybit("plot --timeline " + base + "/bad.csv -o " + out, base);
        EXPECT_EQ(b.status, 2) << b.err;
        EXPECT_NE(b.err.find(what), std::string::npos) << b.err;
        EXPECT_EQ(count_lines(b.err), 1u) << b.err;
        EXPECT_FALSE(exists(out));
    };
    expect_bad("point,status\n0,ok\n", "bad.csv:1: expected the header of anybit run --timeline");
    const size_t l2 = text.find('\n') + 1, l3 = text.find('\n', l2) + 1;
    std::string cell = text.substr(0, l3); // header and one row, its DRAM GB/s replaced
    const size_t c10 = [&] {
        size_t p = l2;
        for (int i = 0; i < 10; i++)
            p = cell.find(',', p) + 1;
        return p;
    }();
    cell.replace(c10, cell.find(',', c10) - c10, "fast");
    expect_bad(cell, "bad.csv:2: column dram_gb_per_s: expected a number >= 0, found 'fast'");
    expect_bad(text.substr(0, l2), "bad.csv: no buckets after the header");
    r = anybit("plot " + base + " --timeline " + csv, base);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("no sweep directory or --baseline with it"), std::string::npos) << r.err;
}

// A sweep over accelerators and models: by default every point's speedup is
// against the first accelerator (bitmod) on the same model and phase, even
// though each config runs its own recipe (the recipe column is a function
// of the config, not part of the workload); --baseline config=fp16 the same
// the other way round.
TEST(Plot, SpeedupBaselineIsTheSameWorkloadOnTheBaselineConfig)
{
    const std::string base = tmp_dir("plot-baseline-workload");
    std::system(("rm -rf '" + base + "/s'").c_str());
    spit(base + "/space.yaml", "name: bw\nbase:\n  config: bitmod\n  model: llama2-7b\n"
                               "  phase: decode:16\naxes:\n  - field: workload.model\n"
                               "    values: [llama2-7b, opt-1.3b]\n  - field: workload.config\n"
                               "    values: [bitmod, fp16]\n");
    CliRun r = anybit("sweep " + base + "/space.yaml -o " + base + "/s --quiet", base);
    ASSERT_EQ(r.status, 0) << r.err;
    // points: 0 llama bitmod, 1 llama fp16, 2 opt bitmod, 3 opt fp16
    auto baseline_of = [&](const std::string &svg, int point) {
        const std::string key = "<title>point " + std::to_string(point) + "\nspeedup ";
        const size_t p = svg.find(key);
        if (p == std::string::npos)
            return -1;
        const size_t v = svg.find(" vs point ", p);
        return std::stoi(svg.substr(v + 10));
    };
    r = anybit("plot " + base + "/s", base);
    ASSERT_EQ(r.status, 0) << r.err;
    std::string svg = slurp(base + "/s/plots/speedup.svg");
    EXPECT_NE(svg.find("Speedup vs baseline config=bitmod (same workload)"), std::string::npos);
    EXPECT_EQ(baseline_of(svg, 0), 0);
    EXPECT_EQ(baseline_of(svg, 1), 0);
    EXPECT_EQ(baseline_of(svg, 2), 2);
    EXPECT_EQ(baseline_of(svg, 3), 2);
    r = anybit("plot " + base + "/s --baseline config=fp16", base);
    ASSERT_EQ(r.status, 0) << r.err;
    svg = slurp(base + "/s/plots/speedup.svg");
    EXPECT_EQ(baseline_of(svg, 0), 1);
    EXPECT_EQ(baseline_of(svg, 2), 3);
}

// Without gnuplot the report still writes every table and says the plots are
// missing (one line on stderr, exit 0); a sweep over models and phases gets
// a table per (model, phase); and the page fits a 1400 px window (the
// widest table scrolls inside its box), measured in Chromium.
TEST(Report, TablesWithoutGnuplotGroupedByModelAndPhaseWithin1400px)
{
    const std::string base = tmp_dir("report-groups");
    std::system(("rm -rf '" + base + "/s'").c_str());
    spit(base + "/space.yaml",
         "name: groups\nbase:\n  config: bitmod\n  model: llama2-7b\n  phase: decode:16\naxes:\n"
         "  - field: workload.model\n    values: [llama2-7b, opt-1.3b]\n"
         "  - field: workload.phase\n    values: [prefill:16, decode:16]\n"
         "  - field: workload.config\n    values: [bitmod, fp16]\n"
         "  - field: config.buffers.weight.kb\n    values: [256, 512]\n");
    CliRun r = anybit("sweep " + base + "/space.yaml -o " + base + "/s --quiet", base);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string html = base + "/s/nogp.html";
    r = run_command("PATH=/nonexistent " + std::string(ANYBIT_BIN) + " report " + base + "/s -o " +
                        html,
                    base);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("the plots are missing from the page: gnuplot"), std::string::npos)
        << r.err;
    std::string page = slurp(html);
    EXPECT_NE(page.find("The plots are missing: gnuplot: "), std::string::npos);
    EXPECT_NE(page.find("gnuplot-nox"), std::string::npos);
    EXPECT_EQ(page.find("<svg"), std::string::npos);
    EXPECT_NE(page.find("Pareto front"), std::string::npos);
    EXPECT_NE(page.find("Top 16 of 16 ok points"), std::string::npos);
    // four (model, phase) tables of four points each
    EXPECT_NE(page.find("<h2>By model and phase</h2>"), std::string::npos);
    for (const char *h : {"<h3>llama2-7b, prefill:16 (4 points, by latency)</h3>",
                          "<h3>llama2-7b, decode:16 (4 points, by latency)</h3>",
                          "<h3>opt-1.3b, prefill:16 (4 points, by latency)</h3>",
                          "<h3>opt-1.3b, decode:16 (4 points, by latency)</h3>"})
        EXPECT_NE(page.find(h), std::string::npos) << h;
    // with gnuplot: the plots are there and nothing is said to be missing
    r = anybit("report " + base + "/s -o " + html, base);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    page = slurp(html);
    EXPECT_EQ(count_of(page, "<svg"), 5u);
    EXPECT_EQ(page.find("plots are missing"), std::string::npos);

    if (!have_chromium())
        GTEST_SKIP() << "chromium not found: install it with `apt-get install chromium` "
                        "(Debian; scripts/deps.sh does it) to measure the page";
    // a sweep whose names are too long to sit in a 1400 px table unbroken
    const std::string src = ANYBIT_SOURCE_DIR;
    std::system(("rm -rf '" + base + "/w'").c_str());
    spit(base + "/wide.yaml",
         "name: wide\nbase:\n  config: bitmod\n  model: llama2-7b\n  phase: decode:16\naxes:\n"
         "  - field: config.name\n    values: [design-point-with-a-long-descriptive-name-"
         "number-one-aaaaa, design-point-with-a-long-descriptive-name-number-two-bbbbb]\n"
         "  - field: workload.model\n    values: [" + src + "/models/llama2-7b.yaml, " + src +
             "/models/opt-1.3b.yaml]\n"
         "  - field: workload.recipe\n    values: [" + src + "/recipes/bitmod.yaml, " + src +
             "/recipes/bitmod-w3.yaml]\n");
    r = anybit("sweep " + base + "/wide.yaml -o " + base + "/w --quiet", base);
    ASSERT_EQ(r.status, 0) << r.err;
    r = anybit("report " + base + "/w -o " + base + "/w/r.html", base);
    ASSERT_EQ(r.status, 0) << r.err;
    page = slurp(base + "/w/r.html");
    // as the browser lays the page out in a 1400 px window: the page box
    // ends within the window and no table reaches past it (a wide one
    // scrolls inside its own box); measured by a script added to a copy
    const std::string probe = base + "/w/probe.html";
    spit(probe, replace(page, "</body>",
                        "<script>var m = 0; document.querySelectorAll('table').forEach("
                        "function (t) { m = Math.max(m, t.getBoundingClientRect().right); });"
                        "var b = document.body.getBoundingClientRect().right;"
                        "document.body.setAttribute('data-fit', Math.round(m) + ' ' + "
                        "Math.round(b));</script></body>"));
    CliRun c = run_command("chromium --headless --no-sandbox --disable-gpu --window-size=1400,900 "
                           "--user-data-dir='" + base + "/profile' --dump-dom 'file://" + probe +
                               "' 2>/dev/null",
                           base);
    ASSERT_EQ(c.status, 0);
    const size_t at = c.out.find("data-fit=\"");
    ASSERT_NE(at, std::string::npos) << c.out.substr(0, 300);
    int table_right = 0, body_right = 0;
    ASSERT_EQ(std::sscanf(c.out.c_str() + at + 10, "%d %d", &table_right, &body_right), 2);
    EXPECT_LE(body_right, 1400);
    EXPECT_LE(table_right, body_right) << "a table reaches past the page";
}

// The accuracy plot: every ok point with an estimate placed by its energy
// and error (the recipe's output NMSE), the points on the energy/error
// Pareto front marked so in their tooltips, against a brute-force front of
// results.csv computed here; --log y makes its error axis logarithmic
// (every tick a power of ten) and --log none linear; a bad --log is exit 2.
TEST(Plot, AccuracyFrontAndLogAxes)
{
    const std::string dir = tmp_dir("plot-accuracy") + "/sweep";
    ASSERT_TRUE(write_sweep_fixture(dir, standard_points()));
    ab_results r;
    ab_error e;
    ASSERT_EQ(ab_results_load(dir.c_str(), &r, &e), 0) << e.msg;
    const int ce = ab_results_find(&r, "energy"), cr = ab_results_find(&r, "error");
    ASSERT_GE(ce, 0);
    ASSERT_GE(cr, 0); // the alias of output_nmse
    std::vector<std::pair<double, double>> pts;
    std::vector<uint64_t> ids;
    for (size_t i = 0; i < r.nrows; i++)
        if (r.rows[i].status == AB_ROW_OK) {
            pts.push_back({std::stod(r.rows[i].cells[ce]), std::stod(r.rows[i].cells[cr])});
            ids.push_back(r.rows[i].point);
        }
    ab_results_free(&r);
    ASSERT_EQ(pts.size(), 8u);
    std::set<uint64_t> front;
    for (size_t i = 0; i < pts.size(); i++) {
        bool dominated = false;
        for (size_t j = 0; j < pts.size() && !dominated; j++)
            dominated = pts[j].first <= pts[i].first && pts[j].second <= pts[i].second &&
                        (pts[j].first < pts[i].first || pts[j].second < pts[i].second);
        if (!dominated)
            front.insert(ids[i]);
    }
    ASSERT_FALSE(front.empty());
    auto plot = [&](const std::string &log) {
        CliRun c = anybit("plot " + dir + (log.empty() ? "" : " --log " + log), dir + "/..");
        EXPECT_EQ(c.status, 0) << c.err;
        return slurp(dir + "/plots/accuracy.svg");
    };
    std::string svg = plot("");
    EXPECT_NE(svg.find("Energy vs error: 8 points with an accuracy estimate, " +
                       std::to_string(front.size()) + " on the Pareto front"),
              std::string::npos);
    for (uint64_t id : ids) {
        const size_t t = svg.find(svg_point_title(id) + "\nenergy ");
        ASSERT_NE(t, std::string::npos) << id;
        const bool marked = svg.find("(on the Pareto front)", t) < svg.find("</title>", t);
        EXPECT_EQ(marked, front.count(id) == 1) << "point " << id;
    }
    // the y tick labels ("%.1e"): all powers of ten on a log axis
    auto mantissas = [](const std::string &s) {
        std::set<std::string> m;
        const std::regex tick(">\\s*(\\d\\.\\d)e[-+]\\d\\d\\s*<");
        for (auto it = std::sregex_iterator(s.begin(), s.end(), tick); it != std::sregex_iterator();
             ++it)
            m.insert((*it)[1]);
        return m;
    };
    svg = plot("y");
    EXPECT_EQ(mantissas(svg), std::set<std::string>{"1.0"});
    svg = plot("none");
    EXPECT_GT(mantissas(svg).size(), 1u);
    CliRun bad = anybit("plot " + dir + " --log z", dir + "/..");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("--log: expected auto, none, x, y or xy, got 'z'"), std::string::npos);
}
