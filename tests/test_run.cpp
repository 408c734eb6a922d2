// test_run.cpp - `anybit run` and `anybit compare` end to end: tables,
// JSON and CSV, fast == cycle through the CLI, and bad input (exit 2,
// one message naming the file or field, no output file written).
#include <gtest/gtest.h>

#include <cjson/cJSON.h>

#include <string>

#include "test_json.h"
#include "test_util.h"

using namespace anybit_test;

namespace {

const std::string kTiny = std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny.yaml";


} // namespace

TEST(Run, TableJsonAndCsv)
{
    const std::string dir = tmp_dir("run-basic");
    const std::string json = dir + "/r.json", csv = dir + "/r.csv";
    CliRun r = anybit("run --config bitmod --model " + kTiny + " --phase decode:16 --json " + json +
                          " --csv " + csv,
                      dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("total:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("energy:"), std::string::npos);
    EXPECT_NE(r.out.find("tokens/s"), std::string::npos);
    cJSON *root = cJSON_Parse(slurp(json).c_str());
    ASSERT_NE(root, nullptr);
    const double cycles = json_num(root, "cycles");
    EXPECT_GT(cycles, 0);
    EXPECT_GT(json_num(root, "energy_pj"), 0);
    EXPECT_GT(json_num(root, "area_mm2"), 0);
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(root, "ops");
    ASSERT_TRUE(cJSON_IsArray(ops));
    double sum = 0, esum = 0;
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        EXPECT_TRUE(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(op, "name")));
        sum += json_num(op, "cycles");
        esum += json_num(op, "energy_pj");
    }
    EXPECT_EQ(sum, cycles); // ops run back to back
    EXPECT_NEAR(esum, json_num(root, "energy_pj"), 1e-6 * esum);
    // CSV: a header and one row per op
    EXPECT_EQ(count_lines(slurp(csv)), (size_t)cJSON_GetArraySize(ops) + 1);
    cJSON_Delete(root);
}

TEST(Run, CycleModeMatchesFastModeThroughTheCli)
{
    const std::string dir = tmp_dir("run-modes");
    for (const char *cfg : {"bitmod", "btc", "fp16", "int8", "ant", "olive"}) {
        std::string c[2];
        for (int m = 0; m < 2; m++) {
            const std::string json = dir + "/" + cfg + std::to_string(m) + ".json";
            CliRun r = anybit(std::string("run --config ") + cfg + " --model " + kTiny +
                                  " --phase prefill:8 --mode " + (m ? "cycle" : "fast") +
                                  " --json " + json,
                              dir);
            ASSERT_EQ(r.status, 0) << cfg << ": " << r.err;
            cJSON *root = cJSON_Parse(slurp(json).c_str());
            ASSERT_NE(root, nullptr);
            c[m] = std::to_string((long long)json_num(root, "cycles"));
            cJSON_Delete(root);
        }
        EXPECT_EQ(c[0], c[1]) << cfg;
    }
}

TEST(Run, CompareTableAndRatios)
{
    const std::string dir = tmp_dir("compare");
    const std::string json = dir + "/c.json";
    CliRun r = anybit("compare --configs bitmod,fp16,btc --model " + kTiny +
                          " --phase prefill:16,decode:16 --json " + json,
                      dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("speedup"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1.00x"), std::string::npos);
    cJSON *root = cJSON_Parse(slurp(json).c_str());
    ASSERT_TRUE(cJSON_IsArray(root));
    ASSERT_EQ(cJSON_GetArraySize(root), 6);
    // speedup of row i is the first config's time over row i's time
    for (int p = 0; p < 2; p++) {
        const double t0 = json_num(cJSON_GetArrayItem(root, 3 * p), "seconds");
        for (int c = 0; c < 3; c++) {
            const cJSON *row = cJSON_GetArrayItem(root, 3 * p + c);
            EXPECT_NEAR(json_num(row, "speedup"), t0 / json_num(row, "seconds"), 1e-9);
        }
    }
    cJSON_Delete(root);
}

TEST(Run, BadInputExitsTwoAndWritesNothing)
{
    const std::string dir = tmp_dir("run-bad");
    const std::string json = dir + "/never.json";
    struct Case {
        std::string args, expect;
    };
    spit(dir + "/badkind.yaml", replace(slurp(std::string(ANYBIT_SOURCE_DIR) + "/configs/bitmod.yaml"),
                                        "kind: bitmod", "kind: bitsy"));
    spit(dir + "/negative.yaml", replace(slurp(std::string(ANYBIT_SOURCE_DIR) + "/configs/bitmod.yaml"),
                                         "rows: 64", "rows: -64"));
    spit(dir + "/tiny-buffers.yaml",
         replace(slurp(std::string(ANYBIT_SOURCE_DIR) + "/configs/bitmod.yaml"),
                 "weight:     {kb: 512,", "weight:     {kb: 1,"));
    spit(dir + "/garbage.safetensors", "this is not a trace");
    const Case cases[] = {
        {"run --config nosuchconfig --model " + kTiny + " --phase decode:4", "nosuchconfig"},
        {"run --config " + dir + "/badkind.yaml --model " + kTiny + " --phase decode:4", "pe.kind"},
        {"run --config " + dir + "/negative.yaml --model " + kTiny + " --phase decode:4",
         "array.rows"},
        {"run --config " + dir + "/tiny-buffers.yaml --model llama2-7b --phase decode:4",
         "no tile"},
        {"run --config fp16 --recipe bitmod --model " + kTiny + " --phase decode:4",
         "weight_format"},
        {"run --config btc --recipe fp16 --model " + kTiny + " --phase decode:4", "format"},
        {"run --config bitmod --trace " + dir + "/garbage.safetensors", "garbage.safetensors"},
        {"run --config bitmod --model " + kTiny + " --phase decode:4 --mode slow", "--mode"},
        {"run --config bitmod --model " + kTiny, "--phase"},
        {"run --model " + kTiny + " --phase decode:4", "--config"},
        {"compare --configs bitmod,nosuch --model " + kTiny + " --phase decode:4", "nosuch"},
    };
    for (const Case &c : cases) {
        CliRun r = anybit(c.args + " --json " + json, dir);
        EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out << r.err;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << "\n" << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << c.args << "\n" << r.err;
        EXPECT_FALSE(exists(json)) << c.args;
    }
}

// The example traces with values run on their PE kinds: every op that
// carries values agrees bit for bit with the kernels/ datapath model, and
// the error against the float reference is reported.
// --golden: the datapath against the golden model (golden/), which shares
// no arithmetic with it; the example traces agree bit for bit.
TEST(Run, GoldenModelAgreesOnTheExampleTraces)
{
    const std::string dir = tmp_dir("run-golden");
    const std::string ex = std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/";
    const struct {
        const char *config, *trace, *summary;
    } cases[] = {
        {"bitmod", "tiny-decode16-bitmod-synthetic.safetensors", "golden model: 4 ops, "},
        {"fp16", "tiny-prefill4-fp16-synthetic.safetensors", "golden model: 2 ops, "},
        {"btc", "tiny-prefill4-btc-w4a4-synthetic.safetensors", "golden model: 3 ops, "},
    };
    for (const auto &c : cases) {
        const CliRun r = anybit(std::string("run --config ") + c.config + " --trace " + ex + c.trace +
                                    " --golden",
                                dir);
        EXPECT_EQ(r.status, 0) << c.config << ": " << r.err;
        EXPECT_NE(r.err.find(c.summary), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(" 0 ops differ"), std::string::npos) << r.err;
    }
    const CliRun r = anybit("run --config bitmod --model llama2-7b --phase decode:16 --golden", dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--golden needs --trace"), std::string::npos) << r.err;
}

TEST(Run, ExampleTracesAreBitExact)
{
    const std::string dir = tmp_dir("run-values");
    const std::string ex = std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/";
    struct Case {
        const char *config, *trace;
        size_t ops;
    } cases[] = {
        {"bitmod", "tiny-decode16-bitmod-synthetic.safetensors", 4},
        {"fp16", "tiny-prefill4-fp16-synthetic.safetensors", 2},
        {"btc", "tiny-prefill4-btc-w4a4-synthetic.safetensors", 3},
    };
    for (const Case &c : cases) {
        const std::string json = dir + "/" + c.config + ".json";
        CliRun r = anybit(std::string("run --config ") + c.config + " --trace " + ex + c.trace +
                              " --json " + json,
                          dir);
        ASSERT_EQ(r.status, 0) << c.config << ": " << r.err;
        EXPECT_NE(r.out.find("values: " + std::to_string(c.ops) + " ops"), std::string::npos)
            << r.out;
        EXPECT_NE(r.out.find(" 0 mismatches"), std::string::npos) << r.out;
        cJSON *root = cJSON_Parse(slurp(json).c_str());
        ASSERT_NE(root, nullptr);
        size_t with_values = 0;
        const cJSON *op;
        cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(root, "ops"))
        {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, "values");
            if (!v)
                continue;
            with_values++;
            EXPECT_EQ(json_num(v, "mismatches"), 0);
            EXPECT_GT(json_num(v, "sqnr_db"), 10); // quantized, not garbage
        }
        EXPECT_EQ(with_values, c.ops) << c.config;
        cJSON_Delete(root);
    }
    // a trace whose formats the PE cannot run is refused before any output
    CliRun r = anybit("run --config fp16 --trace " + ex + "tiny-decode16-bitmod-synthetic.safetensors",
                      dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("weight_format"), std::string::npos) << r.err;
}
