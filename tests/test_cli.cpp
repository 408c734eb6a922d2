// test_cli.cpp - the anybit binary as a user runs it: output, exit status
// (0 ok, 1 check failed, 2 bad input), one clear message, nothing written on
// failure.
#include <gtest/gtest.h>

#include "sweep_fixture.h"
#include "test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <cjson/cJSON.h>

#include "simd.h"
#include "synth.h"
#include "tensor_io.h"
}

namespace {

using namespace anybit_test;

std::string tmp_dir()
{
    return anybit_test::tmp_dir("cli");
}

std::string write_weights(const std::string &name, size_t rows, size_t cols, uint64_t seed)
{
    std::vector<float> w(rows * cols);
    ab_synth_params p = ab_synth_defaults();
    ab_synth_weights(&p, seed, w.data(), rows, cols);
    const std::string path = tmp_dir() + "/" + name;
    const size_t shape[2] = {rows, cols};
    ab_error err{};
    EXPECT_EQ(ab_npy_write_f32(path.c_str(), w.data(), 2, shape, &err), 0) << err.msg;
    return path;
}

TEST(Cli, VersionAndHelp)
{
    CliRun r = anybit("--version");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out.rfind("anybit ", 0), 0u) << r.out;
    // the build tree's binary reads the presets of the source tree it was
    // built from (an installed one: its prefix's share/anybit, InstallTree)
    EXPECT_NE(r.out.find(std::string("\npresets: ") + ANYBIT_SOURCE_DIR + "\n"), std::string::npos)
        << r.out;
    r = anybit("--help");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("formats"), std::string::npos);
    EXPECT_NE(r.out.find("quant"), std::string::npos);
    for (const char *cmd : {"formats", "quant", "demo"}) {
        r = anybit(std::string(cmd) + " --help");
        EXPECT_EQ(r.status, 0) << cmd;
        EXPECT_NE(r.out.find("usage: anybit"), std::string::npos) << cmd;
    }
    r = anybit("");
    EXPECT_EQ(r.status, 2);
    r = anybit("frobnicate");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

// run -j N: the value checks on N threads write the same JSON (every
// value column) as on one; a bad N is a usage error naming -j.
TEST(Cli, RunJobsGiveTheSameReportAndABadCountIsRefused)
{
    const std::string d = tmp_dir();
    const std::string base = "run --config btc --no-accuracy --trace " +
                             std::string(ANYBIT_SOURCE_DIR) +
                             "/traces/examples/tiny-prefill4-btc-w4a4-synthetic.safetensors";
    CliRun r = anybit(base + " -j 1 --json '" + d + "/j1.json'");
    ASSERT_EQ(r.status, 0) << r.err;
    r = anybit(base + " -j 3 --json '" + d + "/j3.json'");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string j1 = slurp(d + "/j1.json");
    EXPECT_NE(j1.find("\"sqnr_db\""), std::string::npos) << "no value columns in the report";
    EXPECT_EQ(j1, slurp(d + "/j3.json"));
    for (const char *bad : {"0", "257", "two"}) {
        r = anybit(base + " -j " + bad);
        EXPECT_EQ(r.status, 2) << bad;
        EXPECT_NE(r.err.find("-j: expected an integer in [1, 256], got '" + std::string(bad) + "'"),
                  std::string::npos)
            << r.err;
    }
}

// ANYBIT_SIMD (kernels/simd.h): --version names the path taken; a forced
// path is taken; an unknown name is one message and exit 2 before any
// command runs.
TEST(Cli, SimdPathIsNamedForcedAndABadOneRefused)
{
    CliRun r = run_command("env -u ANYBIT_SIMD " + std::string(ANYBIT_BIN) + " --version",
                           tmp_dir());
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string best = ab_simd_name(ab_simd_best());
    EXPECT_NE(r.out.find("\nsimd: " + best + " (best on this CPU: " + best), std::string::npos)
        << r.out;
    r = run_command("ANYBIT_SIMD=scalar " + std::string(ANYBIT_BIN) + " --version",
                    tmp_dir());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("\nsimd: scalar ("), std::string::npos) << r.out;
    r = run_command("ANYBIT_SIMD=avx3 " + std::string(ANYBIT_BIN) + " formats", tmp_dir());
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "anybit: environment variable ANYBIT_SIMD='avx3' is unknown: expected "
                     "scalar, avx2 or avx512 (or unset for the best this CPU has, " +
                         best + ")\n");
}

TEST(Cli, FormatsListsRegistryAndFamilies)
{
    CliRun r = anybit("formats");
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char *name : {"fp8_e4m3", "bitmod_fp4_ea+", "flint4", "mxfp4", "olive4", "e8m0",
                             "bin", "ternary", "eXmYfn"})
        EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

TEST(Cli, FormatsPrintsTheWholeGrid)
{
    CliRun r = anybit("formats fp4_e2m1");
    ASSERT_EQ(r.status, 0) << r.err;
    // header lines start with '#', then 15 distinct finite values
    std::istringstream in(r.out);
    std::vector<double> values;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#')
            values.push_back(std::stod(line));
    const std::vector<double> want = {-6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6};
    EXPECT_EQ(values, want);

    r = anybit("formats fp16");
    ASSERT_EQ(r.status, 0);
    // 63487 finite distinct values (65536 codes - 2048 inf/NaN - one -0... )
    size_t header = 0;
    for (size_t i = 0; i < r.out.size();) {
        if (r.out[i] == '#')
            header++;
        i = r.out.find('\n', i) + 1;
        if (i == 0)
            break;
    }
    EXPECT_EQ(count_lines(r.out) - header, 65536u - 2048u - 1u);
}

TEST(Cli, FormatsJson)
{
    CliRun r = anybit("formats bitmod_fp4_ea- --json -");
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *doc = cJSON_Parse(r.out.c_str());
    ASSERT_NE(doc, nullptr) << r.out;
    EXPECT_STREQ(cJSON_GetObjectItem(doc, "name")->valuestring, "bitmod_fp4_ea-");
    EXPECT_EQ(cJSON_GetObjectItem(doc, "bits")->valueint, 4);
    const cJSON *values = cJSON_GetObjectItem(doc, "values");
    ASSERT_EQ(cJSON_GetArraySize(values), 16);
    EXPECT_EQ(cJSON_GetArrayItem(values, 0)->valuedouble, -16.0);
    cJSON_Delete(doc);

    const std::string path = tmp_dir() + "/formats.json";
    std::remove(path.c_str());
    r = anybit("formats --json=" + path);
    ASSERT_EQ(r.status, 0) << r.err;
    doc = cJSON_Parse(slurp(path).c_str());
    ASSERT_NE(doc, nullptr);
    EXPECT_GT(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "formats")), 50);
    cJSON_Delete(doc);
}

TEST(Cli, FormatsBadNames)
{
    struct Case {
        const char *args, *needle;
    } cases[] = {
        {"formats nosuch", "unknown format 'nosuch'"},
        {"formats e9m1", "exponent bits must be 1..8, got 9"},
        {"formats e4m12", "mantissa bits must be 0..10, got 12"},
        {"formats int40", "integer width must be 1..32, got 40"},
        {"formats fp32", "too wide to list"},
        {"formats --bogus", "unknown option '--bogus'"},
        {"formats int4 int8", "one format name at a time"},
    };
    for (const Case &c : cases) {
        CliRun r = anybit(c.args);
        EXPECT_EQ(r.status, 2) << c.args;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << c.args << ": one message, got: " << r.err;
    }
}

TEST(Cli, QuantReportsErrorOfOneFormat)
{
    const std::string w = write_weights("w1.npy", 32, 1024, 3);
    CliRun r = anybit("quant --format int4s --group 128 " + w);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("int4s"), std::string::npos);
    EXPECT_NE(r.out.find("SQNR"), std::string::npos);
    EXPECT_NE(r.out.find("32 rows x K 1024"), std::string::npos) << r.out;
}

TEST(Cli, QuantCompareSortsBySqnrAndWritesFiles)
{
    const std::string w = write_weights("w2.npy", 16, 1024, 4);
    const std::string json = tmp_dir() + "/cmp.json", csv = tmp_dir() + "/cmp.csv";
    std::remove(json.c_str());
    std::remove(csv.c_str());
    CliRun r = anybit("quant --compare int3s,int8,fp4_e2m1,bitmod_fp4_mix --json " + json +
                   " --csv " + csv + " " + w);
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *doc = cJSON_Parse(slurp(json).c_str());
    ASSERT_NE(doc, nullptr);
    const cJSON *results = cJSON_GetObjectItem(doc, "results");
    ASSERT_EQ(cJSON_GetArraySize(results), 4);
    double prev = 1e300;
    for (int i = 0; i < 4; i++) {
        const double s = cJSON_GetObjectItem(cJSON_GetArrayItem(results, i), "sqnr_db")->valuedouble;
        EXPECT_LE(s, prev) << "row " << i << " not sorted by SQNR";
        prev = s;
    }
    EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 0), "format")->valuestring, "int8");
    EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 3), "format")->valuestring, "int3s");
    cJSON_Delete(doc);
    EXPECT_EQ(count_lines(slurp(csv)), 5u);
}

// quant -j N quantizes the formats on N threads: the same table, JSON and
// CSV for every N; a bad N is refused with one message.
TEST(Cli, QuantJobsGiveTheSameResults)
{
    const std::string w = write_weights("wj.npy", 16, 1024, 6);
    const char *formats = "int3s,int8,fp4_e2m1,bitmod_fp4_mix,mxfp4,int4";
    std::string first_csv, first_out;
    for (int jobs : {1, 2, 5, 16}) {
        CliRun r = anybit(std::string("quant --compare ") + formats + " -j " +
                          std::to_string(jobs) + " --csv - " + w);
        ASSERT_EQ(r.status, 0) << r.err;
        if (jobs == 1) {
            first_csv = r.out;
            first_out = r.err;
            EXPECT_EQ(count_lines(first_csv), 7u) << first_csv;
        } else {
            EXPECT_EQ(r.out, first_csv) << "-j " << jobs;
            EXPECT_EQ(r.err, first_out) << "-j " << jobs;
        }
    }
    for (const char *bad : {"0", "257", "two"}) {
        CliRun r = anybit(std::string("quant --compare int4,int8 -j ") + bad + " " + w);
        EXPECT_EQ(r.status, 2) << bad;
        EXPECT_NE(r.err.find("-j: expected 1..256"), std::string::npos) << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    }
}

TEST(Cli, QuantDequantOutputRoundTrips)
{
    const std::string w = write_weights("w3.npy", 8, 256, 5);
    const std::string out = tmp_dir() + "/dq.npy";
    std::remove(out.c_str());
    CliRun r = anybit("quant --format fp4_e2m1 --dequant " + out + " " + w);
    ASSERT_EQ(r.status, 0) << r.err;
    ab_tensor t{};
    ab_error err{};
    ASSERT_EQ(ab_npy_load(out.c_str(), &t, &err), 0) << err.msg;
    EXPECT_EQ(t.count, 8u * 256u);
    ab_tensor_free(&t);
    // Quantizing the dequantized tensor again changes nothing: SQNR is infinite.
    r = anybit("quant --format fp4_e2m1 --json - " + out);
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *doc = cJSON_Parse(r.out.c_str());
    ASSERT_NE(doc, nullptr) << r.out;
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "results"), 0);
    EXPECT_EQ(cJSON_GetObjectItem(row, "mse")->valuedouble, 0.0);
    cJSON_Delete(doc);
}

TEST(Cli, QuantBadInputExitsTwoAndWritesNothing)
{
    const std::string dir = tmp_dir();
    const std::string w = write_weights("w4.npy", 4, 100, 6);
    {
        std::ofstream(dir + "/garbage.npy") << "this is not a numpy file at all";
        std::string truncated = slurp(w).substr(0, 90);
        std::ofstream(dir + "/trunc.npy", std::ios::binary) << truncated;
        std::ofstream(dir + "/bad.safetensors", std::ios::binary) << std::string("\xff\xff\xff\xff\xff\xff\x00\x00{}", 10);
    }
    const std::string json = dir + "/never.json";
    std::remove(json.c_str());
    struct Case {
        std::string args, needle;
    } cases[] = {
        {"quant --format nosuch " + w, "unknown format 'nosuch'"},
        {"quant --format e3m11 " + w, "mantissa bits must be 0..10"},
        {"quant --format int4 --group 128 " + w, "128"},
        {"quant --format int4 --group 0 " + w, "--group must be a positive integer"},
        {"quant --format int4 " + dir + "/garbage.npy", "garbage.npy"},
        {"quant --format int4 " + dir + "/trunc.npy", "trunc.npy"},
        {"quant --format int4 " + dir + "/bad.safetensors:w", "bad.safetensors"},
        {"quant --format int4 " + dir + "/missing.npy", "missing.npy"},
        {"quant --format int4 --scale int99 " + w, "int99"},
        {"quant --format int4 --scale fp8 " + w, "fp8"},
        {"quant " + w, "--format"},
        {"quant --format int4", "no input file"},
        {"quant --format int4 --frob " + w, "unknown option '--frob'"},
    };
    for (const Case &c : cases) {
        CliRun r = anybit(c.args + " --json " + json);
        EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << c.args << ": " << r.err;
        EXPECT_FALSE(exists(json)) << c.args << " left " << json;
        EXPECT_TRUE(r.out.empty()) << c.args << ": " << r.out;
    }
    // Names are checked before the file is read.
    CliRun bad = anybit("quant --format e9m1 " + dir + "/missing.npy");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("exponent bits must be 1..8"), std::string::npos) << bad.err;
    // The group-size message names both numbers.
    CliRun r = anybit("quant --format int4 --group 128 " + w);
    EXPECT_NE(r.err.find("100"), std::string::npos) << r.err;
}

TEST(Cli, DemoRuns)
{
    CliRun r = anybit("demo --rows 16 --cols 1024");
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char *name : {"bitmod_fp4_mix", "ant4", "olive4", "mxfp4", "int4s"})
        EXPECT_NE(r.out.find(name), std::string::npos) << name;
    r = anybit("demo --cols 100");
    EXPECT_EQ(r.status, 2);
}

TEST(Cli, DemoSavesHeavyTailedWeights)
{
    const std::string g = tmp_dir() + "/gauss.npy", l = tmp_dir() + "/laplace.npy";
    CliRun r = anybit("demo --rows 8 --cols 256 --seed 3 --save " + g);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Gaussian"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("bitmod_fp4_mix"), std::string::npos) << "no tables with --save";
    r = anybit("demo --rows 8 --cols 256 --seed 3 --laplace --save " + l);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Laplace"), std::string::npos) << r.out;
    // the files are what anybit quant reads, and the two draws differ
    CliRun a = anybit("quant --format int4 --csv - " + g), b = anybit("quant --format int4 --csv - " + l);
    ASSERT_EQ(a.status, 0) << a.err;
    ASSERT_EQ(b.status, 0) << b.err;
    EXPECT_NE(a.out.find("int4,group,128"), std::string::npos) << a.out;
    EXPECT_NE(a.out, b.out);
    r = anybit("demo --rows 8 --cols 256 --save " + tmp_dir() + "/no/such/dir/w.npy");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("w.npy"), std::string::npos) << r.err;
}

} // namespace

namespace {

// The fields of one CSV record (RFC 4180: quotes, doubled quotes).
std::vector<std::string> csv_record(const std::string &line)
{
    std::vector<std::string> f(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); i++) {
        const char c = line[i];
        if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
            f.back() += '"';
            i++;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            f.emplace_back();
        } else {
            f.back() += c;
        }
    }
    return f;
}

// stdout is one CSV document: a header and rows of as many fields, no
// blank or other line; returns the number of data rows (-1: not CSV).
int csv_rows(const std::string &text)
{
    std::istringstream in(text);
    std::string line;
    size_t width = 0;
    int rows = -1;
    while (std::getline(in, line)) {
        const size_t n = csv_record(line).size();
        if (line.empty() || n < 2 || (rows >= 0 && n != width))
            return -1;
        if (rows < 0)
            width = n;
        rows++;
    }
    return rows;
}

// stdout is exactly one JSON document (nothing before or after it).
bool one_json(const std::string &text)
{
    const char *end = nullptr;
    cJSON *j = cJSON_ParseWithOpts(text.c_str(), &end, 0);
    if (!j)
        return false;
    cJSON_Delete(j);
    while (*end == '\n' || *end == ' ')
        end++;
    return *end == '\0';
}

} // namespace

// `--json -` / `--csv -`: stdout carries that document and nothing else
// (a pipeline reads it as it is); the human table goes to stderr; both on
// stdout at once is one message, exit 2 (docs/cli.md "Output").
TEST(Cli, DashOutputsAreOneDocumentOnStdout)
{
    const std::string d = tmp_dir();
    const std::string trace =
        std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";
    const std::string weights = write_weights("dash.npy", 8, 256, 3);
    const std::string sweep = d + "/dash-sweep";
    std::system(("rm -rf '" + sweep + "'").c_str());
    ASSERT_TRUE(write_sweep_fixture(sweep, standard_points()));
    struct Case {
        std::string args, table_word; // the table's mark on stderr
        bool json;
    } const cases[] = {
        {"run --config bitmod --trace " + trace + " --json -", "cycles", true},
        {"run --config bitmod --trace " + trace + " --csv -", "cycles", false},
        {"compare --configs bitmod,fp16 --model llama2-7b --phase decode:16 --json -", "speedup", true},
        {"compare --configs bitmod,fp16 --model llama2-7b --phase decode:16 --csv -", "speedup", false},
        {"pareto " + sweep + " --json -", "Pareto front", true},
        {"pareto " + sweep + " --csv -", "Pareto front", false},
        {"quant --compare int4,int8 " + weights + " --json -", "SQNR", true},
        {"quant --compare int4,int8 " + weights + " --csv -", "SQNR", false},
        {"trace info " + trace + " --json -", "MACs", true},
    };
    for (const Case &c : cases) {
        const CliRun r = anybit(c.args, d);
        ASSERT_EQ(r.status, 0) << c.args << "\n" << r.err;
        if (c.json)
            EXPECT_TRUE(one_json(r.out)) << c.args << ":\n" << r.out.substr(0, 400);
        else
            EXPECT_GT(csv_rows(r.out), 0) << c.args << ":\n" << r.out.substr(0, 400);
        EXPECT_NE(r.err.find(c.table_word), std::string::npos) << c.args << ":\n" << r.err;
    }
    const std::string both[] = {"run --config bitmod --trace " + trace,
                                "compare --configs bitmod --model llama2-7b --phase decode:16",
                                "pareto " + sweep, "quant --format int4 " + weights,
                                "trace info " + trace + " --json - --csv"};
    for (const std::string &cmd : both) {
        const bool info = cmd.rfind("trace info", 0) == 0; // info has no --csv
        const CliRun r = anybit(info ? cmd : cmd + " --json - --csv -", d);
        EXPECT_EQ(r.status, 2) << cmd;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        if (!info) {
            EXPECT_NE(r.err.find("one document at a time on stdout"), std::string::npos) << r.err;
        }
        EXPECT_EQ(r.out, "");
    }
}

// `anybit help CMD` is `anybit CMD --help`, for every command; an unknown
// command or two of them is one message, exit 2.
TEST(Cli, HelpCmdIsCmdHelp)
{
    for (const char *cmd : {"formats", "quant", "trace", "run", "compare", "cosim", "synth",
                            "sweep", "merge", "pareto", "plot", "report", "demo"}) {
        const CliRun a = anybit(std::string("help ") + cmd), b = anybit(std::string(cmd) + " --help");
        EXPECT_EQ(a.status, 0) << cmd << a.err;
        EXPECT_EQ(a.out, b.out) << cmd;
        EXPECT_NE(a.out.find("usage: anybit"), std::string::npos) << cmd << a.out;
    }
    for (const char *args : {"help nope", "help run quant"}) {
        const CliRun r = anybit(args);
        EXPECT_EQ(r.status, 2) << args;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_EQ(r.out, "");
    }
}

// `trace gen` says in one line what it wrote: the file, its ops, how many
// carry values, the workload and recipe, the size.
TEST(Cli, TraceGenSaysWhatItWrote)
{
    const std::string out = tmp_dir() + "/said.safetensors";
    const std::string tiny = std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny.yaml";
    const CliRun r = anybit("trace gen --model " + tiny + " --recipe bitmod --phase decode:16 "
                            "--values synthetic --ops 'layers.0.mlp.*' -o " + out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(count_lines(r.out), 1u) << r.out;
    // one layer of 9 ops and the LM head (tiny.yaml); layer 0's three MLP projections get values
    EXPECT_EQ(r.out.rfind("wrote " + out + ": 10 ops (3 with values) of " + tiny +
                          " decode:16 batch 1, recipe bitmod, ", 0),
              0u)
        << r.out;
    EXPECT_NE(r.out.find(" MiB\n"), std::string::npos) << r.out;
}

// Help texts that list presets name only presets that exist: each name of
// "(configs/C.yaml: a, b, ...)" and "(recipes/R.yaml: ...)" is a file there.
TEST(Cli, HelpNamesOnlyPresetsThatExist)
{
    struct Listing {
        const char *cmd, *dir;
    } const listings[] = {{"run --help", "configs"}, {"trace gen --help", "recipes"}};
    for (const Listing &l : listings) {
        const CliRun r = anybit(l.cmd);
        ASSERT_EQ(r.status, 0) << l.cmd;
        std::string text;
        for (char c : r.out) // one line, single spaces
            if (!(c == ' ' && !text.empty() && text.back() == ' '))
                text += c == '\n' ? ' ' : c;
        const std::string mark = std::string(l.dir) + (l.dir[0] == 'c' ? "/C.yaml: " : "/R.yaml: ");
        const size_t at = text.find(mark);
        ASSERT_NE(at, std::string::npos) << l.cmd << ": no '" << mark << "' in\n" << r.out;
        const std::string list = text.substr(at + mark.size(), text.find(')', at) - at - mark.size());
        size_t named = 0;
        std::istringstream names(list);
        for (std::string name; std::getline(names, name, ',');) {
            name.erase(0, name.find_first_not_of(' '));
            name.erase(name.find_last_not_of(' ') + 1);
            const std::string file = std::string(ANYBIT_SOURCE_DIR) + "/" + l.dir + "/" + name + ".yaml";
            struct stat st;
            EXPECT_EQ(stat(file.c_str(), &st), 0) << l.cmd << " names '" << name << "': no " << file;
            named++;
        }
        EXPECT_GE(named, 5u) << l.cmd << ": " << list;
    }
}

// An option given twice, or two that contradict each other, is one message
// and exit 2 before any work (the last one silently winning hid typos).
TEST(Cli, RepeatedAndConflictingFlagsAreErrors)
{
    const std::string w = write_weights("flags.npy", 4, 256, 5);
    const std::string wl = " --model llama2-7b --phase decode:1";
    struct Case {
        std::string args, needle;
    } const cases[] = {
        {"quant --format int4 --channel --tensor " + w, "--tensor after --channel"},
        {"quant --format int4 --group 64 --channel " + w, "--channel after --group"},
        {"quant --format int4 --group 64 --group 32 " + w, "--group after --group"},
        {"quant --format int4 --scale fp16 --scale e8m0 " + w, "--scale given twice"},
        {"quant --format int4 --format int8 " + w, "--format given twice"},
        {"quant --compare int4,int8 --json " + tmp_dir() + "/a.json --json " + tmp_dir() +
             "/b.json " + w,
         "--json given twice"},
        {"run --config bitmod" + wl + " --phase decode:2", "--phase given twice"},
        {"run --config bitmod --config fp16" + wl, "--config given twice"},
        {"run --config bitmod" + wl + " --batch 2 --batch 3", "--batch given twice"},
        {"run --config bitmod" + wl + " --mode fast --mode cycle", "--mode given twice"},
        {"run --config bitmod" + wl + " --model opt-1.3b", "--model given twice"},
        {"compare --configs bitmod --configs fp16" + wl, "--configs given twice"},
        {"compare --configs bitmod" + wl + " --csv " + tmp_dir() + "/a.csv --csv " + tmp_dir() +
             "/b.csv",
         "--csv given twice"},
        {"pareto . --x latency --y latency", "--x and --y both name 'latency'"},
        {"pareto . --x latency --x energy", "--x given twice"},
        {"run --config bitmod" + wl + " --allow-long-context --allow-long-context",
         "--allow-long-context given twice"},
    };
    for (const Case &c : cases) {
        const CliRun r = anybit(c.args, tmp_dir());
        EXPECT_EQ(r.status, 2) << c.args;
        EXPECT_EQ(count_lines(r.err), 1u) << c.args << ":\n" << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ":\n" << r.err;
        EXPECT_EQ(r.out, "") << c.args;
    }
}

// A phase longer than the model's max_context is refused by run, compare and
// trace gen (one line naming both numbers, exit 2, no output file), and runs
// with --allow-long-context; the flag means nothing for a trace.
TEST(Cli, LongContextNeedsAllowLongContext)
{
    const std::string d = tmp_dir();
    for (const std::string &cmd :
         {"run --config bitmod --model opt-1.3b --phase decode:2048 --json " + d + "/r.json",
          "compare --configs bitmod,fp16 --model opt-1.3b --phase decode:16,decode:2048 --json " +
              d + "/r.json",
          "trace gen --model opt-1.3b --recipe fp16 --phase decode:2048 -o " + d +
              "/r.safetensors"}) {
        CliRun r = anybit(cmd, d);
        EXPECT_EQ(r.status, 2) << cmd << ":\n" << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << cmd << ":\n" << r.err;
        EXPECT_NE(r.err.find("decode:2048 needs a context of 2049 tokens, longer than "
                             "opt-1.3b's max_context 2048"),
                  std::string::npos)
            << r.err;
        EXPECT_FALSE(anybit_test::exists(d + "/r.json")) << cmd;
        EXPECT_FALSE(anybit_test::exists(d + "/r.safetensors")) << cmd;
        r = anybit(cmd + " --allow-long-context", d);
        EXPECT_EQ(r.status, 0) << cmd << ":\n" << r.err;
        std::remove((d + "/r.json").c_str());
        std::remove((d + "/r.safetensors").c_str());
    }
    const CliRun r = anybit("run --config fp16 --trace " + std::string(ANYBIT_SOURCE_DIR) +
                                "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors "
                                "--allow-long-context",
                            d);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("--allow-long-context applies to --model"), std::string::npos) << r.err;
}

// run and compare show a progress line on a terminal once a run has taken
// over a second (script(1) gives the command a pseudo-terminal), never in a
// pipe, and not for a run shorter than that; the line is erased before the
// table, which follows complete.  The slow run is a 4096-token prefill in
// cycle mode: about 4 s here (1024 tokens took 1.0 s on a quiet machine,
// too near the one-second mark to show the line every time).
TEST(Cli, ProgressLineOnATerminalOnlyAfterASecond)
{
    const std::string d = tmp_dir();
    const std::string slow =
        std::string(ANYBIT_BIN) + " run --config bitmod --model llama2-7b --phase prefill:4096 "
                                  "--mode cycle";
    CliRun r = run_command("script -qec '" + slow + "' /dev/null", d);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("bitmod: op "), std::string::npos) << r.out.substr(0, 400);
    EXPECT_NE(r.out.find("% done"), std::string::npos);
    EXPECT_NE(r.out.find(" ETA "), std::string::npos);
    // erased ("\r" then clear to the end of the line) before the table
    const size_t last = r.out.rfind("ETA ");
    const size_t table = r.out.find("op (x ops)");
    ASSERT_NE(table, std::string::npos);
    EXPECT_LT(last, table);
    EXPECT_NE(r.out.find("\r\033[K", last), std::string::npos);
    // the same in a pipe: nothing but the table
    r = run_command(slow, d);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out.find("ETA"), std::string::npos);
    // a short run on a terminal: no progress line
    r = run_command("script -qec '" + std::string(ANYBIT_BIN) +
                        " compare --configs bitmod,fp16 --model llama2-7b --phase decode:16' "
                        "/dev/null",
                    d);
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out.find("ETA"), std::string::npos) << r.out.substr(0, 400);
}
