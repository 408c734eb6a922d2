// test_compare.cpp - what `anybit compare` (and the run/formats outputs it
// shares conventions with) promise a pipeline: unique CSV headers, names
// never cut, the ratios in CSV and JSON, one number format (9 significant
// digits), --iso-area's per-mm2 figures and scaled arrays, images/s for
// image workloads, and `formats --json FILE` (docs/cli.md, docs/simulator.md
// "Compare outputs", "Iso-area", "Throughput").  Every expected number is
// computed here from the configs' own fields and the per-config cycles.
#include <gtest/gtest.h>

#include "test_json.h"
#include "test_util.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <cjson/cJSON.h>

namespace {

using namespace anybit_test;

const std::string kTrace =
    std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";

// A BitMoD-PE config (configs/bitmod.yaml's buffers) with the fields a test
// varies; every area is given, so that the test knows it without the model.
struct Cfg {
    std::string name;
    unsigned rows, cols;
    double clock_ghz;
    std::string dram;
    double pe_um2, sram_mm2[3]; // weight, activation, output
    double area_mm2() const
    {
        return rows * cols * pe_um2 * 1e-6 + sram_mm2[0] + sram_mm2[1] + sram_mm2[2];
    }
};

std::string write_cfg(const std::string &dir, const Cfg &c)
{
    char text[2048];
    std::snprintf(text, sizeof text,
                  "name: %s\nrecipe: bitmod\npe: {kind: bitmod, lanes: 4, scale_bits: 8}\n"
                  "array: {rows: %u, cols: %u, dataflow: os}\nclock_ghz: %.17g\ntech: 28nm\n"
                  "buffers:\n"
                  "  weight:     {kb: 512, banks: 8, bank_bytes_per_cycle: 16}\n"
                  "  activation: {kb: 512, banks: 8, bank_bytes_per_cycle: 16}\n"
                  "  output:     {kb: 64, banks: 8, bank_bytes_per_cycle: 16}\n"
                  "dram: {preset: %s}\n"
                  "area: {pe_um2: %.17g, weight_sram_mm2: %.17g, activation_sram_mm2: %.17g, "
                  "output_sram_mm2: %.17g}\n",
                  c.name.c_str(), c.rows, c.cols, c.clock_ghz, c.dram.c_str(), c.pe_um2,
                  c.sram_mm2[0], c.sram_mm2[1], c.sram_mm2[2]);
    const std::string path = dir + "/" + c.name + ".yaml";
    spit(path, text);
    return path;
}

// RFC 4180 lines as the writers emit them (quotes only around fields with
// a comma or quote; no line breaks inside fields here).
std::vector<std::vector<std::string>> parse_csv(const std::string &text)
{
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (size_t i = 0; i < text.size(); i++) {
        const char ch = text[i];
        if (quoted) {
            if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"')
                field += '"', i++;
            else if (ch == '"')
                quoted = false;
            else
                field += ch;
        } else if (ch == '"') {
            quoted = true;
        } else if (ch == ',') {
            row.push_back(field), field.clear();
        } else if (ch == '\n') {
            row.push_back(field), field.clear();
            rows.push_back(row), row.clear();
        } else {
            field += ch;
        }
    }
    return rows;
}

// The CSV's column -> field map of each data line.
std::vector<std::map<std::string, std::string>> csv_records(const std::string &text)
{
    const auto rows = parse_csv(text);
    std::vector<std::map<std::string, std::string>> out;
    for (size_t r = 1; r < rows.size(); r++) {
        EXPECT_EQ(rows[r].size(), rows[0].size()) << "line " << r + 1;
        std::map<std::string, std::string> m;
        for (size_t k = 0; k < rows[0].size() && k < rows[r].size(); k++)
            m[rows[0][k]] = rows[r][k];
        out.push_back(m);
    }
    return out;
}

// The project's one CSV number format, written out here on its own: a
// whole number below 1e15 in full, else 9 significant digits.
std::string nine_digits(double v)
{
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}



void expect_rel(double got, double want, const std::string &what)
{
    EXPECT_NEAR(got, want, 1e-9 * std::fabs(want)) << what;
}

// A base and a second config with a long name, another clock, DRAM and area.
struct Pair {
    Cfg base{"base", 64, 16, 1.0, "bitmod", 150.0, {0.6, 0.6, 0.1}};
    Cfg other{"a-long-accelerator-name-that-no-column-may-cut-x", 32, 16, 1.5, "hbm2", 210.0,
              {0.5, 0.5, 0.08}};
    std::string configs;
    explicit Pair(const std::string &dir)
    {
        configs = write_cfg(dir, base) + "," + write_cfg(dir, other);
    }
};

} // namespace

// compare --csv - and --json -: unique headers, the long name whole in the
// table, the CSV and the JSON, the PE column with dataflow and DRAM, the
// three ratios equal to those of the per-config cycles, energies and the
// configs' areas, and every CSV number the 9-digit text of the JSON's.
TEST(Compare, CsvJsonRatiosNamesAndNumberFormat)
{
    const std::string d = tmp_dir("compare");
    const Pair p(d);
    const std::string args = "compare --configs " + p.configs + " --trace " + kTrace;
    const CliRun c = anybit(args + " --csv -", d), j = anybit(args + " --json -", d);
    ASSERT_EQ(c.status, 0) << c.err;
    ASSERT_EQ(j.status, 0) << j.err;

    const auto lines = parse_csv(c.out);
    ASSERT_EQ(lines.size(), 3u) << c.out;
    std::set<std::string> heads(lines[0].begin(), lines[0].end());
    EXPECT_EQ(heads.size(), lines[0].size()) << c.out.substr(0, c.out.find('\n'));
    for (const char *col : {"speedup", "energy_ratio", "area_ratio", "dataflow", "dram",
                            "tokens_per_s", "cycles", "seconds", "energy_pj", "area_mm2"})
        EXPECT_EQ(heads.count(col), 1u) << col;

    // the table (on stderr here): unique headers too, the name uncut, the
    // PE column with the dataflow and the DRAM preset
    const std::string table = c.err;
    EXPECT_NE(table.find(p.other.name + "  "), std::string::npos) << table;
    EXPECT_NE(table.find("32x16 bitmod os, DRAM hbm2"), std::string::npos) << table;
    EXPECT_NE(table.find("64x16 bitmod os, DRAM bitmod"), std::string::npos) << table;
    const size_t h = table.find("config");
    ASSERT_NE(h, std::string::npos) << table;
    const std::string header = table.substr(h, table.find('\n', h) - h);
    for (const char *word : {"speedup", "energy ratio", "area ratio", "tokens/s"})
        EXPECT_NE(header.find(word), std::string::npos) << header;
    // every header word group once: split on runs of 2+ spaces
    std::vector<std::string> cols;
    for (size_t i = 0; i < header.size();) {
        const size_t e = header.find("  ", i);
        cols.push_back(header.substr(i, e == std::string::npos ? std::string::npos : e - i));
        if (e == std::string::npos)
            break;
        i = header.find_first_not_of(' ', e);
    }
    EXPECT_EQ(std::set<std::string>(cols.begin(), cols.end()).size(), cols.size()) << header;

    cJSON *doc = cJSON_Parse(j.out.c_str());
    ASSERT_TRUE(cJSON_IsArray(doc)) << j.out.substr(0, 300);
    ASSERT_EQ(cJSON_GetArraySize(doc), 2);
    const cJSON *jb = cJSON_GetArrayItem(doc, 0), *jo = cJSON_GetArrayItem(doc, 1);
    EXPECT_EQ(json_str(jo, "accel"), p.other.name);
    EXPECT_EQ(json_str(jo, "dataflow"), "os");
    EXPECT_EQ(json_str(jo, "dram"), "hbm2");
    const auto recs = csv_records(c.out);
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[1].at("accel"), p.other.name);

    // the ratios from the cycles, the clocks, the energies and the areas
    const double cb = json_num(jb, "cycles"), co = json_num(jo, "cycles");
    ASSERT_GT(cb, 0);
    ASSERT_GT(co, 0);
    const double tb = cb / (p.base.clock_ghz * 1e9), to = co / (p.other.clock_ghz * 1e9);
    expect_rel(json_num(jb, "seconds"), tb, "base seconds");
    expect_rel(json_num(jo, "seconds"), to, "other seconds");
    expect_rel(json_num(jo, "area_mm2"), p.other.area_mm2(), "other area");
    expect_rel(json_num(jb, "area_mm2"), p.base.area_mm2(), "base area");
    const double want_speedup = tb / to;
    const double want_energy = json_num(jo, "energy_pj") / json_num(jb, "energy_pj");
    const double want_area = p.other.area_mm2() / p.base.area_mm2();
    expect_rel(json_num(jo, "speedup"), want_speedup, "json speedup");
    expect_rel(json_num(jo, "energy_ratio"), want_energy, "json energy_ratio");
    expect_rel(json_num(jo, "area_ratio"), want_area, "json area_ratio");
    EXPECT_EQ(json_num(jb, "speedup"), 1.0);
    EXPECT_EQ(json_num(jb, "energy_ratio"), 1.0);
    EXPECT_NEAR(std::stod(recs[1].at("speedup")), want_speedup, 1e-8 * want_speedup);
    EXPECT_NEAR(std::stod(recs[1].at("energy_ratio")), want_energy, 1e-8 * want_energy);
    EXPECT_NEAR(std::stod(recs[1].at("area_ratio")), want_area, 1e-8 * want_area);
    ASSERT_NE(want_speedup, 1.0); // the ratios must be able to tell base from other

    // one number format: each CSV number is the 9-digit text of the JSON's
    for (size_t r = 0; r < 2; r++) {
        const cJSON *o = cJSON_GetArrayItem(doc, (int)r);
        for (const char *col : {"cycles", "seconds", "energy_pj", "area_mm2", "tokens_per_s",
                                "edp_pj_s", "utilization", "stall_cycles", "dram_bytes",
                                "speedup", "energy_ratio", "area_ratio", "rows", "cols"})
            EXPECT_EQ(recs[r].at(col), nine_digits(json_num(o, col))) << "row " << r << " " << col;
    }
    cJSON_Delete(doc);
}

// run --csv - writes each op's real numbers as 9 significant digits too
// (the same format as compare's and sweep's results.csv).
TEST(Compare, RunCsvNumbersHaveNineDigits)
{
    const std::string d = tmp_dir("compare");
    const std::string args = "run --config bitmod --trace " + kTrace;
    const CliRun c = anybit(args + " --csv -", d), j = anybit(args + " --json -", d);
    ASSERT_EQ(c.status, 0) << c.err;
    ASSERT_EQ(j.status, 0) << j.err;
    cJSON *doc = cJSON_Parse(j.out.c_str());
    ASSERT_NE(doc, nullptr);
    const cJSON *ops = cJSON_GetObjectItem(doc, "ops");
    const auto recs = csv_records(c.out);
    ASSERT_EQ((int)recs.size(), cJSON_GetArraySize(ops));
    size_t fractional = 0;
    for (size_t r = 0; r < recs.size(); r++) {
        const cJSON *op = cJSON_GetArrayItem(ops, (int)r);
        const cJSON *e = cJSON_GetObjectItem(op, "energy");
        EXPECT_EQ(recs[r].at("utilization"), nine_digits(json_num(op, "utilization"))) << r;
        EXPECT_EQ(recs[r].at("energy_pj"), nine_digits(json_num(op, "energy_pj"))) << r;
        for (const char *k : {"pe_pj", "sram_read_pj", "dram_pj"})
            EXPECT_EQ(recs[r].at(k), nine_digits(json_num(e, k))) << r << " " << k;
        fractional += recs[r].at("energy_pj").find('.') != std::string::npos;
    }
    EXPECT_GT(fractional, 0u); // the check saw digits after a point
    cJSON_Delete(doc);
}

// --iso-area: throughput and energy per mm2 of each config's area; with
// scale, the second config's array becomes the largest of its aspect ratio
// (rows and cols times one factor, each rounded down) whose PEs and SRAMs
// fit the first config's area, and it runs as that array would on its own.
TEST(Compare, IsoAreaPerMm2AndScaledArray)
{
    const std::string d = tmp_dir("compare");
    const Pair p(d);
    const std::string base = "compare --configs " + p.configs + " --trace " + kTrace;

    const CliRun dens = anybit(base + " --iso-area --json -", d);
    ASSERT_EQ(dens.status, 0) << dens.err;
    cJSON *doc = cJSON_Parse(dens.out.c_str());
    ASSERT_EQ(cJSON_GetArraySize(doc), 2);
    const Cfg *cfgs[] = {&p.base, &p.other};
    for (int r = 0; r < 2; r++) {
        const cJSON *o = cJSON_GetArrayItem(doc, r);
        const double area = cfgs[r]->area_mm2();
        const double secs = json_num(o, "cycles") / (cfgs[r]->clock_ghz * 1e9);
        expect_rel(json_num(o, "tokens_per_s_per_mm2"), 1.0 / secs / area, "tokens/s/mm2");
        expect_rel(json_num(o, "energy_pj_per_mm2"), json_num(o, "energy_pj") / area, "energy/mm2");
        EXPECT_EQ(json_num(o, "rows"), cfgs[r]->rows);
    }
    cJSON_Delete(doc);
    EXPECT_NE(dens.err.find("tokens/s/mm2"), std::string::npos) << dens.err;

    const CliRun sc = anybit(base + " --iso-area scale --json -", d);
    ASSERT_EQ(sc.status, 0) << sc.err;
    doc = cJSON_Parse(sc.out.c_str());
    ASSERT_EQ(cJSON_GetArraySize(doc), 2);
    // the rule of docs/simulator.md "Iso-area", written out here
    const Cfg &o = p.other;
    const double target = p.base.area_mm2();
    const double srams = o.sram_mm2[0] + o.sram_mm2[1] + o.sram_mm2[2];
    const double budget = std::floor((target - srams) / (o.pe_um2 * 1e-6) + 1e-6);
    const double f = std::sqrt(budget / (o.rows * o.cols));
    unsigned rows = (unsigned)std::floor(o.rows * f + 1e-9);
    unsigned cols = (unsigned)std::floor(o.cols * f + 1e-9);
    while ((double)rows * cols > budget)
        (rows >= cols ? rows : cols)--;
    ASSERT_NE(rows, o.rows); // the scaling changes the array
    const cJSON *b0 = cJSON_GetArrayItem(doc, 0), *s1 = cJSON_GetArrayItem(doc, 1);
    EXPECT_EQ(json_num(b0, "rows"), p.base.rows); // the first config is the reference
    EXPECT_EQ(json_num(s1, "rows"), rows);
    EXPECT_EQ(json_num(s1, "cols"), cols);
    EXPECT_EQ(json_num(s1, "given_rows"), o.rows);
    EXPECT_EQ(json_num(s1, "given_cols"), o.cols);
    Cfg scaled = o;
    scaled.rows = rows;
    scaled.cols = cols;
    expect_rel(json_num(s1, "area_mm2"), scaled.area_mm2(), "scaled area");
    EXPECT_LE(scaled.area_mm2(), target * (1 + 1e-9));
    // the scaled array is what ran: a config of that array gives its cycles
    scaled.name = "scaled-by-hand";
    const CliRun alone =
        anybit("run --config " + write_cfg(d, scaled) + " --trace " + kTrace + " --json -", d);
    ASSERT_EQ(alone.status, 0) << alone.err;
    cJSON *a = cJSON_Parse(alone.out.c_str());
    EXPECT_EQ(json_num(a, "cycles"), json_num(s1, "cycles"));
    cJSON_Delete(a);
    const double secs = json_num(s1, "cycles") / (o.clock_ghz * 1e9);
    expect_rel(json_num(s1, "tokens_per_s_per_mm2"), 1.0 / secs / scaled.area_mm2(), "scaled /mm2");
    expect_rel(json_num(s1, "speedup"), json_num(b0, "cycles") / (p.base.clock_ghz * 1e9) / secs, "speedup");
    cJSON_Delete(doc);
    char shown[64];
    std::snprintf(shown, sizeof shown, "%ux%u (was %ux%u) bitmod os, DRAM hbm2", rows, cols,
                  o.rows, o.cols);
    EXPECT_NE(sc.err.find(shown), std::string::npos) << sc.err;

    // CSV: the per-mm2 and given-array columns
    const CliRun csv = anybit(base + " --iso-area scale --csv -", d);
    ASSERT_EQ(csv.status, 0) << csv.err;
    const auto recs = csv_records(csv.out);
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[1].at("rows"), std::to_string(rows));
    EXPECT_EQ(recs[1].at("given_rows"), std::to_string(o.rows));
    EXPECT_EQ(recs[1].count("energy_pj_per_mm2"), 1u);
}

// Bad --iso-area values and an impossible scaling: one message, exit 2,
// nothing written.
TEST(Compare, IsoAreaBadValuesAreOneError)
{
    const std::string d = tmp_dir("compare");
    const Pair p(d);
    Cfg fat = p.other; // SRAMs alone larger than the base's whole area
    fat.name = "fat-srams";
    fat.sram_mm2[0] = 9.0;
    const std::string json = d + "/iso-bad.json";
    const std::string wl = " --trace " + kTrace + " --json " + json;
    struct Case {
        std::string args, needle;
    } const cases[] = {
        {"--configs " + p.configs + wl + " --iso-area bogus", "--iso-area: expected density or scale, found 'bogus'"},
        {"--configs " + p.configs + wl + " --iso-area=", "expected density or scale, found ''"},
        {"--configs " + p.configs + wl + " --iso-area --iso-area scale", "--iso-area given twice"},
        {"--configs " + p.configs.substr(0, p.configs.find(',')) + "," + write_cfg(d, fat) + wl +
             " --iso-area scale",
         "its SRAMs take 9.58 mm2"},
    };
    for (const Case &c : cases) {
        std::remove(json.c_str());
        const CliRun r = anybit("compare " + c.args, d);
        EXPECT_EQ(r.status, 2) << c.args;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
        EXPECT_EQ(r.out, "");
        EXPECT_FALSE(exists(json)) << c.args;
    }
}

// An image workload (resnet50: conv ops) counts images, one per batch
// element whatever the phase's L; run and compare say images/s in the
// table, the JSON and the CSV; an LLM keeps tokens/s.
TEST(Compare, CnnThroughputIsImagesPerSecond)
{
    const std::string d = tmp_dir("compare");
    const CliRun r = anybit("run --config bitmod --model resnet50 --phase prefill:4 --batch 2 --json -", d);
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *doc = cJSON_Parse(r.out.c_str());
    ASSERT_NE(doc, nullptr);
    EXPECT_EQ(json_str(doc, "throughput_unit"), "images");
    EXPECT_EQ(json_num(doc, "images"), 2.0);
    const double secs = json_num(doc, "cycles") / 1e9; // bitmod: 1 GHz
    expect_rel(json_num(doc, "images_per_s"), 2.0 / secs, "images/s");
    EXPECT_EQ(cJSON_GetObjectItem(doc, "tokens_per_s"), nullptr);
    cJSON_Delete(doc);
    EXPECT_NE(r.err.find(" images/s"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("tokens/s"), std::string::npos) << r.err;

    const std::string cmp = "compare --configs bitmod,fp16 --model resnet50 --phase prefill:1";
    const CliRun c = anybit(cmp + " --csv -", d);
    ASSERT_EQ(c.status, 0) << c.err;
    const auto recs = csv_records(c.out);
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0].count("images_per_s"), 1u) << c.out.substr(0, 300);
    EXPECT_EQ(recs[0].count("tokens_per_s"), 0u);
    const double s0 = std::stod(recs[0].at("cycles")) / 1e9;
    EXPECT_NEAR(std::stod(recs[0].at("images_per_s")), 1.0 / s0, 1e-8 / s0);
    EXPECT_NE(c.err.find("images/s"), std::string::npos) << c.err;
    EXPECT_EQ(c.err.find("tokens/s"), std::string::npos) << c.err;
    const CliRun cj = anybit(cmp + " --json -", d);
    ASSERT_EQ(cj.status, 0) << cj.err;
    doc = cJSON_Parse(cj.out.c_str());
    EXPECT_EQ(json_str(cJSON_GetArrayItem(doc, 1), "throughput_unit"), "images");
    EXPECT_GT(json_num(cJSON_GetArrayItem(doc, 1), "images_per_s"), 0);
    cJSON_Delete(doc);

    const CliRun llm = anybit("run --config bitmod --trace " + kTrace + " --json -", d);
    ASSERT_EQ(llm.status, 0) << llm.err;
    doc = cJSON_Parse(llm.out.c_str());
    EXPECT_EQ(json_str(doc, "throughput_unit"), "tokens");
    EXPECT_GT(json_num(doc, "tokens_per_s"), 0);
    cJSON_Delete(doc);
}

// formats --json FILE like every other --json: FILE written atomically with
// the table on stdout; '-': the JSON alone on stdout, the table on stderr;
// a missing value or an unwritable FILE is one message, exit 2.
TEST(Compare, FormatsJsonFileOrDash)
{
    const std::string d = tmp_dir("compare");
    const std::string path = d + "/formats-int4.json";
    std::remove(path.c_str());
    CliRun r = anybit("formats int4 --json " + path, d);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("# format: int4"), std::string::npos) << r.out;
    cJSON *doc = cJSON_Parse(slurp(path).c_str());
    ASSERT_NE(doc, nullptr) << slurp(path);
    EXPECT_EQ(json_str(doc, "name"), "int4");
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "values")), 16);
    cJSON_Delete(doc);

    r = anybit("formats --json -", d);
    ASSERT_EQ(r.status, 0) << r.err;
    doc = cJSON_Parse(r.out.c_str());
    ASSERT_NE(doc, nullptr) << r.out.substr(0, 200);
    EXPECT_GT(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "formats")), 50);
    cJSON_Delete(doc);
    EXPECT_NE(r.err.find("generic families"), std::string::npos);

    for (const std::string &bad : {std::string("formats int4 --json"),
                                   "formats --json " + d + "/no/such/dir/f.json",
                                   "formats --json - --json " + path}) {
        r = anybit(bad, d);
        EXPECT_EQ(r.status, 2) << bad;
        EXPECT_EQ(count_lines(r.err), 1u) << bad << ": " << r.err;
        EXPECT_EQ(r.out, "") << bad;
    }
}
