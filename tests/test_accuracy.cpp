// test_accuracy.cpp - the accuracy estimate (sim/accuracy/): one op's weight
// and output errors against numbers worked out by hand in this file, the
// totals as MAC- and element-weighted NMSE (not averages of dB), identical
// ops and repeated recipes estimated once without mixing formats up,
// determinism and labels, the CLI options and their bad values, the JSON and
// CSV fields, and `pareto --y error` on a small sweep.
#include <gtest/gtest.h>

#include <cjson/cJSON.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "test_ops.h"
#include "test_json.h"
#include "test_util.h"

extern "C" {
#include "accuracy/accuracy.h"
#include "tensor_io.h"
#include "workload/workload.h"
}

using namespace anybit_test;

namespace {

ab_op tiny_op(const char *wfmt, uint32_t group, const char *scale, const char *act)
{
    return make_op("t", AB_OP_GEMM, 1, 2, 4, wfmt, scale, group, act);
}

// W[2][4] and act[2][4], quantized by hand below.
const float kW[8] = {1.0f, -0.5f, 0.3f, -0.8f, 0.2f, 0.4f, -0.6f, 0.1f};
const float kAct[8] = {1, 1, 1, 1, 1, 0, -1, 2};




} // namespace

// int4 per channel, fp32 scales, fp32 activations (exact): the scale of a
// row is absmax / 8 (int4's largest magnitude, -8: kernels/quant.c), codes
// clamp to [-8, 7].
//   row 0: absmax 1.0, scale 0.125: 1.0 -> 8 -> 7 (0.875), -0.5 -> -4,
//          0.3 -> 2.4 -> 2 (0.25), -0.8 -> -6.4 -> -6 (-0.75)
//   row 1: absmax 0.6, scale 0.075: 0.2 -> 2.67 -> 3 (0.225), 0.4 -> 5.33
//          -> 5 (0.375), -0.6 -> -8, 0.1 -> 1.33 -> 1 (0.075)
// errors 0.125, 0, 0.05, -0.05, -0.025, 0.025, 0, 0.025: sum of squares
// 0.0225, signal 2.55: MSE 0.0225 / 8, SQNR 10 log10(2.55 / 0.0225).
// Outputs (token x row) float 0, 0.1, -0.9, 1.0; quantized -0.125, 0.075,
// -0.875, 0.975: noise 0.0175, signal 1.82.
TEST(Accuracy, Int4PerChannelMatchesHandArithmetic)
{
    const ab_op op = tiny_op("int4", 0, "fp32", "fp32");
    ab_op_accuracy a;
    ab_error e;
    ASSERT_EQ(ab_accuracy_measure(&op, kW, 2, kAct, 2, AB_ACC_SYNTHETIC, &a, &e), 0) << e.msg;
    EXPECT_NEAR(a.weight_mse, 0.0225 / 8, 1e-8);
    EXPECT_NEAR(a.weight_sqnr_db, 10 * std::log10(2.55 / 0.0225), 1e-5);
    EXPECT_NEAR(a.output_nmse, 0.0175 / 1.82, 1e-7);
    EXPECT_NEAR(a.output_sqnr_db, 10 * std::log10(1.82 / 0.0175), 1e-5);
    EXPECT_EQ(a.rows, 2u);
    EXPECT_EQ(a.tokens, 2u);
}

// Groups of 2: row 0 [1, -0.5] scale 0.125 -> 0.875, -0.5; [0.3, -0.8]
// scale 0.1 -> 0.3, -0.8; row 1 [0.2, 0.4] scale 0.05 -> 0.2, 0.4 -> 8
// -> 7 (0.35); [-0.6, 0.1] scale 0.075 -> -0.6, 0.075.  Errors 0.125, 0.05
// and 0.025.  int8 activations per token (absmax /
// 127): act row 0 is exact (1 -> 127 x 1/127), row 1 [1, 0, -1, 2] has
// scale 2/127: 1 -> 63.5 -> 64 (ties to even) x 2/127 = 1.00787..., -1 ->
// -64 (-1.00787...), 2 -> 127 (2).
TEST(Accuracy, GroupScalesAndInt8ActivationsMatchHandArithmetic)
{
    const ab_op op = tiny_op("int4", 2, "fp32", "int8");
    ab_op_accuracy a;
    ab_error e;
    ASSERT_EQ(ab_accuracy_measure(&op, kW, 2, kAct, 2, AB_ACC_SYNTHETIC, &a, &e), 0) << e.msg;
    EXPECT_NEAR(a.weight_mse, (0.125 * 0.125 + 0.05 * 0.05 + 0.025 * 0.025) / 8, 1e-8);
    const double q0[4] = {0.875, -0.5, 0.3, -0.8}, q1[4] = {0.2, 0.35, -0.6, 0.075};
    const double s = 2.0 / 127, a1[4] = {64 * s, 0, -64 * s, 2};
    const double ref[4] = {0.0, 0.1, -0.9, 1.0};
    double got[4] = {0, 0, 0, 0};
    for (int k = 0; k < 4; k++) {
        got[0] += 1.0 * q0[k];
        got[1] += 1.0 * q1[k];
        got[2] += a1[k] * q0[k];
        got[3] += a1[k] * q1[k];
    }
    double noise = 0;
    for (int i = 0; i < 4; i++)
        noise += (ref[i] - got[i]) * (ref[i] - got[i]);
    EXPECT_NEAR(a.output_nmse, noise / 1.82, 1e-6);
}

// Two ops of different sizes and errors: the totals weight each op's own
// NMSE by its MACs (outputs) and weight elements, never average dB.
TEST(Accuracy, TotalsAreWeightedNmseNotAveragedDb)
{
    ab_op_list ops = {0, 0, nullptr};
    ab_error e;
    ab_op a = tiny_op("int3", 64, "fp16", "fp16"), b = tiny_op("int8", 64, "fp16", "fp16");
    a.N = 64, a.K = 256, a.M = 1, a.count = 4;
    b.N = 128, b.K = 512, b.M = 3, b.count = 1;
    std::snprintf(b.name, sizeof b.name, "u");
    ASSERT_EQ(ab_op_list_push(&ops, &a, &e), 0);
    ASSERT_EQ(ab_op_list_push(&ops, &b, &e), 0);
    ab_accuracy_opts o = ab_accuracy_defaults();
    ab_accuracy acc;
    ASSERT_EQ(ab_accuracy_estimate(&ops, nullptr, &o, nullptr, &acc, &e), 0) << e.msg;
    ASSERT_EQ(acc.nops, 2u);
    const ab_op_accuracy &x = acc.ops[0], &y = acc.ops[1];
    const double mx = 1.0 * 64 * 256 * 4, my = 3.0 * 128 * 512; // MACs
    const double ex = 64.0 * 256 * 4, ey = 128.0 * 512;          // weight elements
    const double nmse = (mx * x.output_nmse + my * y.output_nmse) / (mx + my);
    EXPECT_DOUBLE_EQ(acc.output_nmse, nmse);
    EXPECT_NEAR(acc.output_sqnr_db, -10 * std::log10(nmse), 1e-9);
    const double wn = (ex * x.weight_mse / x.weight_signal + ey * y.weight_mse / y.weight_signal) /
                      (ex + ey);
    EXPECT_NEAR(acc.weight_sqnr_db, -10 * std::log10(wn), 1e-9);
    EXPECT_NEAR(acc.weight_mse, (ex * x.weight_mse + ey * y.weight_mse) / (ex + ey), 1e-15);
    // the two ops are far apart (3 vs 8 bits): an average of dB is not this
    EXPECT_GT(std::fabs(acc.output_sqnr_db - (x.output_sqnr_db + y.output_sqnr_db) / 2), 1.0);
    EXPECT_STREQ(acc.source, "synthetic");
    ab_accuracy_free(&acc);
    ab_op_list_free(&ops);
}

// Identical ops are estimated once, ops that differ only in a format are
// not, and a cache shared by two estimates (a sweep's points) keeps each
// recipe's formats apart.
TEST(Accuracy, IdenticalOpsOnceDifferentFormatsApart)
{
    ab_op_list ops = {0, 0, nullptr};
    ab_error e;
    ab_op a = tiny_op("int4", 64, "fp16", "fp16");
    a.N = 32, a.K = 256;
    ab_op same = a, other = a;
    std::snprintf(same.name, sizeof same.name, "same");
    std::snprintf(other.name, sizeof other.name, "other");
    other.group_size = 128;
    ASSERT_EQ(ab_op_list_push(&ops, &a, &e), 0);
    ASSERT_EQ(ab_op_list_push(&ops, &same, &e), 0);
    ASSERT_EQ(ab_op_list_push(&ops, &other, &e), 0);
    ab_accuracy_opts o = ab_accuracy_defaults();
    ab_accuracy_cache *cache = ab_accuracy_cache_new();
    ab_accuracy acc, again;
    ASSERT_EQ(ab_accuracy_estimate(&ops, nullptr, &o, cache, &acc, &e), 0) << e.msg;
    EXPECT_EQ(acc.estimates, 2u);
    EXPECT_EQ(acc.ops[1].same_as, 0u);
    EXPECT_DOUBLE_EQ(acc.ops[1].output_nmse, acc.ops[0].output_nmse);
    EXPECT_NE(acc.ops[2].output_nmse, acc.ops[0].output_nmse);
    EXPECT_GT(acc.ops[2].weight_mse, acc.ops[0].weight_mse); // larger groups, more error
    // the same list again through the warm cache: the same numbers
    ASSERT_EQ(ab_accuracy_estimate(&ops, nullptr, &o, cache, &again, &e), 0) << e.msg;
    for (size_t i = 0; i < 3; i++)
        EXPECT_DOUBLE_EQ(again.ops[i].output_nmse, acc.ops[i].output_nmse) << i;
    // the cache answers another act format with other operands
    for (size_t i = 0; i < ops.n; i++)
        std::snprintf(ops.ops[i].act_format, sizeof ops.ops[i].act_format, "int4");
    ab_accuracy int4_acts;
    ASSERT_EQ(ab_accuracy_estimate(&ops, nullptr, &o, cache, &int4_acts, &e), 0) << e.msg;
    EXPECT_GT(int4_acts.ops[0].output_nmse, 2 * acc.ops[0].output_nmse);
    EXPECT_DOUBLE_EQ(int4_acts.ops[0].weight_mse, acc.ops[0].weight_mse);
    ab_accuracy_free(&acc);
    ab_accuracy_free(&again);
    ab_accuracy_free(&int4_acts);
    ab_accuracy_cache_free(cache);
    ab_op_list_free(&ops);
}

// Same seed, same numbers; another seed, other operands; a larger sample
// extends a smaller one row for row; the synthetic weights have the
// documented statistics (std 0.02 with spread, a few outlier channels in
// activations).
TEST(Accuracy, SeededDeterministicAndNested)
{
    ab_op op = tiny_op("int4", 128, "fp16", "fp16");
    op.N = 64, op.K = 4096;
    ab_op_accuracy a, b, c;
    ab_error e;
    ASSERT_EQ(ab_accuracy_op(&op, 4, 7, nullptr, 0, nullptr, &a, &e), 0) << e.msg;
    ASSERT_EQ(ab_accuracy_op(&op, 4, 7, nullptr, 0, nullptr, &b, &e), 0) << e.msg;
    ASSERT_EQ(ab_accuracy_op(&op, 4, 8, nullptr, 0, nullptr, &c, &e), 0) << e.msg;
    EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
    EXPECT_NE(a.output_nmse, c.output_nmse);
    std::vector<float> w2(2 * 4096), w4(4 * 4096);
    std::vector<uint8_t> mask(4096);
    ab_accuracy_synth_weights(&op, 7, 2, w2.data(), mask.data());
    ab_accuracy_synth_weights(&op, 7, 4, w4.data(), mask.data());
    EXPECT_EQ(std::memcmp(w2.data(), w4.data(), w2.size() * sizeof(float)), 0);
    double ss = 0;
    for (float v : w4)
        ss += (double)v * v;
    EXPECT_NEAR(std::sqrt(ss / w4.size()), 0.02, 0.01);
    std::vector<float> act(16 * 4096);
    ab_accuracy_synth_acts(&op, 7, 16, act.data(), mask.data());
    size_t outliers = 0;
    for (uint8_t m : mask)
        outliers += m;
    EXPECT_EQ(outliers, 6u); // 6 of 4096 (docs/references.md#llm-outliers)
    EXPECT_EQ(ab_accuracy_outlier_channels(11008), 16u);
}

TEST(Accuracy, RunReportsAndLabelsTheEstimate)
{
    const auto r = anybit("run --config bitmod --model " + std::string(ANYBIT_SOURCE_DIR) +
                          "/traces/examples/tiny.yaml --phase decode:16 --json -");
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *j = json_parse(r.out);
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(j, "accuracy");
    ASSERT_TRUE(cJSON_IsObject(acc));
    EXPECT_EQ(json_str(acc, "accuracy_source"), "synthetic");
    EXPECT_EQ(json_num(acc, "sample_rows"), (double)AB_ACCURACY_SAMPLE_DEFAULT);
    const double err = json_num(acc, "output_nmse");
    EXPECT_GT(err, 0);
    EXPECT_NEAR(json_num(acc, "output_sqnr_db"), -10 * std::log10(err), 1e-9);
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(j, "ops");
    ASSERT_GT(cJSON_GetArraySize(ops), 0);
    const cJSON *op0 = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ops, 0), "accuracy");
    ASSERT_TRUE(cJSON_IsObject(op0));
    EXPECT_EQ(json_str(op0, "weights_source"), "synthetic");
    EXPECT_EQ(json_str(op0, "activations_source"), "synthetic");
    EXPECT_GT(json_num(op0, "weight_sqnr_db"), 5);
    cJSON_Delete(j);
    // the same run twice: the same document
    const auto r2 = anybit("run --config bitmod --model " + std::string(ANYBIT_SOURCE_DIR) +
                           "/traces/examples/tiny.yaml --phase decode:16 --json -");
    EXPECT_EQ(r2.out, r.out);
    // CSV: the columns after the others, every op labelled
    const auto c = anybit("run --config bitmod --model " + std::string(ANYBIT_SOURCE_DIR) +
                          "/traces/examples/tiny.yaml --phase decode:16 --csv -");
    ASSERT_EQ(c.status, 0) << c.err;
    EXPECT_NE(c.out.find(",sqnr_db,weight_sqnr_db,weight_mse,output_sqnr_db,output_nmse,"
                         "accuracy_source\n"),
              std::string::npos);
    EXPECT_NE(c.out.find(",synthetic\n"), std::string::npos);
    // off: no accuracy object, the table says so
    const auto off = anybit("run --config bitmod --model " + std::string(ANYBIT_SOURCE_DIR) +
                            "/traces/examples/tiny.yaml --phase decode:16 --no-accuracy");
    ASSERT_EQ(off.status, 0) << off.err;
    EXPECT_NE(off.out.find("accuracy: not estimated"), std::string::npos);
}

TEST(Accuracy, TraceActivationsAreUsedAndLabelled)
{
    const std::string trace =
        std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";
    const auto r = anybit("run --config bitmod --trace " + trace + " --json -");
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *j = json_parse(r.out);
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(j, "accuracy");
    const std::string source = json_str(acc, "accuracy_source");
    EXPECT_TRUE(source == "trace" || source == "mixed") << source;
    size_t from_trace = 0;
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(j, "ops"))
    {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(op, "accuracy");
        from_trace += json_str(a, "activations_source") == "trace";
        EXPECT_EQ(json_str(a, "weights_source"), "synthetic"); // traces hold codes, not float weights
    }
    EXPECT_GT(from_trace, 0u);
    cJSON_Delete(j);
}

TEST(Accuracy, CompareCarriesTheEstimatePerRow)
{
    const auto r = anybit("compare --configs bitmod,fp16 --model " + std::string(ANYBIT_SOURCE_DIR) +
                          "/traces/examples/tiny.yaml --phase decode:16 --json -");
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *j = json_parse(r.out);
    ASSERT_EQ(cJSON_GetArraySize(j), 2);
    const double bitmod = json_num(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 0), "accuracy"),
                              "output_nmse");
    const double fp16 = json_num(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 1), "accuracy"),
                            "output_nmse");
    EXPECT_GT(bitmod, 1000 * fp16); // 4-bit weights against fp16
    cJSON_Delete(j);
    const auto c = anybit("compare --configs bitmod,fp16 --model " + std::string(ANYBIT_SOURCE_DIR) +
                          "/traces/examples/tiny.yaml --phase decode:16 --csv -");
    ASSERT_EQ(c.status, 0) << c.err;
    EXPECT_NE(c.out.find("area_ratio,weight_sqnr_db,weight_mse,output_sqnr_db,output_nmse,"
                         "accuracy_source\n"),
              std::string::npos);
}

TEST(Accuracy, BadOptionsExitTwoWithOneMessage)
{
    const std::string w =
        "--config bitmod --model " + std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny.yaml --phase decode:16 ";
    const char *bad[] = {"--accuracy-sample 0", "--accuracy-sample 65537", "--accuracy-sample x",
                         "--accuracy-sample -1", "--accuracy-sample 4 --accuracy-sample 8",
                         "--accuracy-sample", "--no-accuracy --accuracy-sample 8",
                         "--accuracy-seed 2 --no-accuracy", "--accuracy-seed 1e3",
                         "--no-accuracy --no-accuracy"};
    for (const char *b : bad)
        for (const char *cmd : {"run ", "compare --configs bitmod "}) {
            std::string args = std::string(cmd) + w + b;
            if (std::string(cmd) == "compare --configs bitmod ")
                args = replace(args, "--config bitmod ", "");
            const auto r = anybit(args);
            EXPECT_EQ(r.status, 2) << args;
            EXPECT_EQ(count_lines(r.err), 1u) << args << "\n" << r.err;
            EXPECT_NE(r.err.find("accuracy"), std::string::npos) << r.err;
            EXPECT_TRUE(r.out.empty()) << args;
        }
    EXPECT_EQ(anybit("run " + w + "--accuracy-sample 65536 --accuracy-seed 0").status, 0);
}

TEST(Accuracy, SweepColumnsParetoOnErrorAndBadSpec)
{
    const std::string dir = tmp_dir("accuracy-sweep");
    const std::string spec = dir + "/s.yaml", out = dir + "/out";
    spit(spec, "name: acc\nbase: {config: bitmod, model: " + std::string(ANYBIT_SOURCE_DIR) +
                   "/traces/examples/tiny.yaml, phase: 'decode:16'}\n"
                   "accuracy: {sample: 2, seed: 3}\n"
                   "axes:\n  - {field: recipe.weights.format, values: [int2, int4, int8]}\n");
    std::system(("rm -rf '" + out + "'").c_str());
    auto r = anybit("sweep " + spec + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string csv = slurp(out + "/results.csv");
    EXPECT_NE(csv.find(",weight_sqnr_db,weight_mse,output_sqnr_db,output_nmse,accuracy_source\n"),
              std::string::npos);
    const std::string point = slurp(out + "/points/000000.json");
    EXPECT_NE(point.find("--accuracy-sample 2 --accuracy-seed 3"), std::string::npos);
    r = anybit("pareto " + out + " --x energy --y error --json -");
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *j = json_parse(r.out);
    ASSERT_NE(j, nullptr);
    const std::string text = r.out;
    // int2 is the cheapest and int8 the most accurate: both on the front
    EXPECT_NE(text.find("int2"), std::string::npos);
    EXPECT_NE(text.find("int8"), std::string::npos);
    cJSON_Delete(j);
    EXPECT_EQ(anybit("pareto " + out + " --x latency --y error").status, 0);
    EXPECT_EQ(anybit("pareto " + out + " --x area --y error").status, 0);
    EXPECT_EQ(anybit("pareto " + out + " --x error --y energy").status, 0);
    // a bad accuracy section: exit 2 naming the field, nothing made
    spit(spec, replace(slurp(spec), "sample: 2", "sample: 70000"));
    r = anybit("sweep " + spec + " -o " + dir + "/bad");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("accuracy.sample"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(dir + "/bad/results.csv"));
    spit(spec, replace(slurp(spec), "sample: 70000", "samples: 2"));
    r = anybit("sweep " + spec + " -o " + dir + "/bad");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("accuracy"), std::string::npos) << r.err;
}

// An op wider than the estimate takes is skipped, counted and left out of
// the totals, never a failure of the run (timing still runs it).
TEST(Accuracy, TooWideOpsAreSkippedNotFatal)
{
    ab_op_list ops = {0, 0, nullptr};
    ab_error e;
    ab_op wide = tiny_op("int4", 0, "fp16", "fp16"), small = tiny_op("int4", 0, "fp16", "fp16");
    wide.K = AB_ACCURACY_MAX_K * 2;
    small.N = 8, small.K = 64;
    ASSERT_EQ(ab_op_list_push(&ops, &wide, &e), 0);
    ASSERT_EQ(ab_op_list_push(&ops, &small, &e), 0);
    ab_accuracy_opts o = ab_accuracy_defaults();
    ab_accuracy acc;
    ASSERT_EQ(ab_accuracy_estimate(&ops, nullptr, &o, nullptr, &acc, &e), 0) << e.msg;
    EXPECT_EQ(acc.skipped, 1u);
    EXPECT_TRUE(acc.ops[0].skipped);
    EXPECT_DOUBLE_EQ(acc.output_nmse, acc.ops[1].output_nmse); // the small op alone
    ab_accuracy_free(&acc);
    ops.n = 1; // only the wide one: nothing estimated
    ASSERT_EQ(ab_accuracy_estimate(&ops, nullptr, &o, nullptr, &acc, &e), 0) << e.msg;
    EXPECT_TRUE(std::isnan(acc.output_nmse));
    ab_accuracy_free(&acc);
    ops.n = 2;
    ab_op_list_free(&ops);
}

// --accuracy-weights: the ops a float checkpoint names are measured on its
// weights and labelled so, the others keep synthetic ones.  q_proj's rows
// are integers times 2^-7 with -128 in every row, so int8 per channel
// (scale = absmax / 128, docs/quantization.md) with an fp16 scale represents
// them exactly (MSE 0, no SQNR); up_proj's (under
// HuggingFace's "model." name) are (k mod 23)/7 - 1.4 on a 2^-6 scale, whose MSE
// is computed here by the rule of int8 per channel.  A tensor of the wrong
// shape or an integer dtype is one message, exit 2.
TEST(Accuracy, CheckpointWeightsAreMeasuredAndLabelled)
{
    const std::string d = tmp_dir("accuracy-ckpt");
    const size_t qs[2] = {256, 256}, us[2] = {512, 256};
    std::vector<float> q(256 * 256), u(512 * 256);
    for (size_t n = 0; n < 256; n++)
        for (size_t k = 0; k < 256; k++)
            q[n * 256 + k] =
                (k == n % 256 ? -128.0f : (float)((int)((n * 7 + k * 13) % 255) - 127)) / 128.0f;
    for (size_t n = 0; n < 512; n++)
        for (size_t k = 0; k < 256; k++)
            u[n * 256 + k] = k == 0 ? -2.0f : (float)((double)(k % 23) / 7.0 - 1.4) / 64;
    const ab_st_write_entry good[] = {
        {"layers.0.self_attn.q_proj.weight", AB_DTYPE_F32, 2, qs, q.data()},
        {"model.layers.0.mlp.up_proj.weight", AB_DTYPE_F32, 2, us, u.data()}};
    ab_error e;
    ASSERT_EQ(ab_safetensors_write((d + "/ck.safetensors").c_str(), good, 2, nullptr, nullptr, 0,
                                   &e),
              0)
        << e.msg;
    const std::string run = "run --config int8 --model " + std::string(ANYBIT_SOURCE_DIR) +
                            "/traces/examples/tiny.yaml --phase decode:16 --json - ";
    const auto r = anybit(run + "--accuracy-weights " + d + "/ck.safetensors", d);
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *j = json_parse(r.out);
    std::map<std::string, const cJSON *> acc;
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(j, "ops"))
        acc[json_str(op, "name")] = cJSON_GetObjectItemCaseSensitive(op, "accuracy");
    const cJSON *qa = acc["layers.0.self_attn.q_proj"], *ua = acc["layers.0.mlp.up_proj"],
                *ka = acc["layers.0.self_attn.k_proj"];
    ASSERT_TRUE(qa && ua && ka);
    EXPECT_EQ(json_str(qa, "weights_source"), "checkpoint");
    EXPECT_EQ(json_num(qa, "weight_mse"), 0.0);
    EXPECT_TRUE(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(qa, "weight_sqnr_db")));
    EXPECT_EQ(json_str(ua, "weights_source"), "checkpoint");
    EXPECT_EQ(json_str(ka, "weights_source"), "synthetic");
    // up_proj: the sampled rows (4 of 512, evenly spread) are all alike:
    // per channel int8, scale = absmax / 128 = 2 / 128 = 2^-6 exactly
    double noise = 0;
    for (size_t k = 0; k < 256; k++) {
        const double w = u[k], s = 1.0 / 64;
        const double qv = std::max(-128.0, std::min(127.0, std::nearbyint(w / s)));
        noise += (w - qv * s) * (w - qv * s);
    }
    EXPECT_NEAR(json_num(ua, "weight_mse"), noise / 256, 1e-15);
    EXPECT_GT(json_num(ua, "weight_mse"), 0);
    EXPECT_EQ(json_str(cJSON_GetObjectItemCaseSensitive(j, "accuracy"), "accuracy_source"),
              "mixed");
    cJSON_Delete(j);

    // refusals: a tensor that does not fit its op, an integer one, the
    // option beside --no-accuracy, a missing file
    const size_t bad_shape[2] = {128, 256};
    const std::vector<int32_t> ints(256 * 256, 1);
    const ab_st_write_entry wrong[] = {
        {"layers.0.self_attn.q_proj.weight", AB_DTYPE_F32, 2, bad_shape, q.data()}};
    const ab_st_write_entry integer[] = {
        {"layers.0.self_attn.q_proj.weight", AB_DTYPE_I32, 2, qs, ints.data()}};
    ASSERT_EQ(ab_safetensors_write((d + "/wrong.safetensors").c_str(), wrong, 1, nullptr, nullptr,
                                   0, &e),
              0);
    ASSERT_EQ(ab_safetensors_write((d + "/int.safetensors").c_str(), integer, 1, nullptr,
                                   nullptr, 0, &e),
              0);
    struct Bad {
        std::string args, needle;
    } const bad[] = {
        {"--accuracy-weights " + d + "/wrong.safetensors",
         "tensor layers.0.self_attn.q_proj.weight: shape [128 x 256] does not fit op "
         "'layers.0.self_attn.q_proj' (N 256 x K 256)"},
        {"--accuracy-weights " + d + "/int.safetensors", "dtype I32: expected float weights"},
        {"--accuracy-weights " + d + "/ck.safetensors --no-accuracy",
         "--no-accuracy and --accuracy-weights"},
        {"--accuracy-weights " + d + "/none.safetensors", "none.safetensors"},
    };
    for (const Bad &b : bad) {
        const auto x = anybit(run + b.args, d);
        EXPECT_EQ(x.status, 2) << b.args;
        EXPECT_EQ(x.out, "") << b.args;
        EXPECT_NE(x.err.find(b.needle), std::string::npos) << b.args << ": " << x.err;
    }
}
