// test_export.cpp - traces/export_torch.py against the C side: a small
// randomly initialized torch model defined in this test is quantized
// with a recipe and written as a trace; the C reader must read it, its
// dequantized weights must equal the exporter's bit for bit, the C
// quantizer must produce the same values from the same float weights, and
// `anybit trace verify` must agree with the stored outputs exactly.
#include <gtest/gtest.h>

#include "test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "quant.h"
#include "tensor_io.h"
#include "workload/trace.h"
}

namespace {

using namespace anybit_test;

// A fresh directory per test and process.
std::string fresh_dir(const std::string &sub)
{
    const std::string dir = tmp_dir("export") + "/" + sub + "-" + std::to_string(getpid());
    EXPECT_EQ(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()), 0);
    return dir;
}

std::string exporter(const std::string &args)
{
    return std::string(ANYBIT_PYTHON3) + " " + ANYBIT_SOURCE_DIR + "/traces/export_torch.py " + args;
}

const char *kRecipe =
    "name: export-test\n"
    "weights:     {format: fp4_e2m1, group_size: 32, scale: fp16}\n"
    "activations: fp16\n"
    "kv_cache:    {format: fp16, group_size: 0, scale: fp16}\n"
    "accumulator: fp32\n"
    "overrides:\n"
    "  - match: \"layers.1.*\"\n"
    "    weights: {format: int4s, group_size: 0}\n"
    "  - match: \"layers.1.down_proj\"\n"
    "    weights: {format: e3m2f, group_size: 64, scale: fp32}\n";

// Two blocks of three linears (with biases, which are not part of the GEMM
// op), seeded, on a [1, 6, 64] sample.
const char *kModel =
    "import torch\n"
    "class Block(torch.nn.Module):\n"
    "    def __init__(self, h, f):\n"
    "        super().__init__()\n"
    "        self.q_proj = torch.nn.Linear(h, h, bias=False)\n"
    "        self.up_proj = torch.nn.Linear(h, f)\n"
    "        self.down_proj = torch.nn.Linear(f, h)\n"
    "    def forward(self, x):\n"
    "        x = x + torch.tanh(self.q_proj(x))\n"
    "        return x + self.down_proj(torch.relu(self.up_proj(x)))\n"
    "class Net(torch.nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.layers = torch.nn.ModuleList([Block(64, 128), Block(64, 128)])\n"
    "    def forward(self, x):\n"
    "        for b in self.layers:\n"
    "            x = b(x)\n"
    "        return x\n"
    "def build():\n"
    "    torch.manual_seed(11)\n"
    "    return Net(), torch.randn(1, 6, 64)\n";

TEST(Export, TorchTraceReadsBackExactly)
{
    const std::string dir = fresh_dir("ok");
    spit(dir + "/recipe.yaml", kRecipe);
    spit(dir + "/net.py", kModel);
    const std::string trace = dir + "/net.safetensors";
    CliRun r = run_command(exporter("--module " + dir + "/net.py:build --recipe " + dir +
                            "/recipe.yaml --dequant-dir " + dir + " -o " + trace),
                   dir);
    ASSERT_EQ(r.status, 0) << r.err;

    ab_trace t;
    ab_error err{};
    ASSERT_EQ(ab_trace_read(trace.c_str(), &t, &err), 0) << err.msg;
    ASSERT_EQ(t.nops, 6u);
    EXPECT_STREQ(t.phase, "prefill:6");
    size_t checked = 0;
    for (size_t i = 0; i < t.nops; i++) {
        const ab_op &op = t.ops[i].op;
        ASSERT_TRUE(ab_trace_op_has_values(&t, i)) << op.name;
        std::vector<float> w(op.N * op.K);
        ASSERT_EQ(ab_trace_dequant_weights(&t, i, w.data(), &err), 0) << err.msg;

        // 1. what the C reader reconstructs == what the exporter computed
        ab_tensor py{}, fw{};
        ASSERT_EQ(ab_npy_load((dir + "/" + op.name + ".npy").c_str(), &py, &err), 0) << err.msg;
        ASSERT_EQ(py.count, w.size());
        EXPECT_EQ(std::memcmp(py.data, w.data(), w.size() * sizeof(float)), 0) << op.name;

        // 2. the C quantizer on the same float weights gives the same values
        ASSERT_EQ(ab_npy_load((dir + "/" + op.name + ".weight.npy").c_str(), &fw, &err), 0);
        ab_quant_spec spec{};
        std::snprintf(spec.format, sizeof spec.format, "%s", op.weight_format);
        spec.granularity = op.group_size ? AB_GRAN_GROUP : AB_GRAN_CHANNEL;
        spec.group_size = op.group_size;
        ASSERT_EQ(ab_scale_parse(op.scale_format, &spec.scale, &spec.scale_bits, &err), 0);
        ab_quant_result q;
        ASSERT_EQ(ab_quantize(&spec, fw.data, op.N, op.K, &q, &err), 0) << err.msg;
        EXPECT_EQ(std::memcmp(q.dequant, w.data(), w.size() * sizeof(float)), 0) << op.name;
        ab_quant_result_free(&q);
        ab_tensor_free(&py);
        ab_tensor_free(&fw);
        checked++;
    }
    EXPECT_STREQ(t.ops[0].op.weight_format, "fp4_e2m1");
    EXPECT_STREQ(t.ops[3].op.weight_format, "int4s");
    EXPECT_STREQ(t.ops[5].op.weight_format, "e3m2f"); // the later override won
    EXPECT_EQ(t.ops[5].op.group_size, 64u);
    EXPECT_EQ(checked, 6u);
    ab_trace_free(&t);

    // 3. the stored expected outputs agree with the reference GEMM exactly
    r = run_command(std::string(ANYBIT_BIN) + " trace verify " + trace, dir);
    EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Export, PresetWithIntegerActivationsWritesWeightsOnly)
{
    const std::string dir = fresh_dir("btc");
    const std::string trace = dir + "/btc.safetensors";
    CliRun r = run_command(exporter("--tiny 3 --recipe btc-w4a4 -o " + trace), dir);
    ASSERT_EQ(r.status, 0) << r.err;
    ab_trace t;
    ab_error err{};
    ASSERT_EQ(ab_trace_read(trace.c_str(), &t, &err), 0) << err.msg;
    EXPECT_EQ(t.nops, 8u);
    EXPECT_STREQ(t.ops[0].op.weight_format, "int4");
    EXPECT_STREQ(t.ops[0].op.act_format, "int4");
    EXPECT_EQ(t.ops[0].tensor[AB_TROLE_ACTIVATIONS], -1); // v1 stores float activations only
    ab_trace_free(&t);
}

TEST(Export, BadRecipesExitTwoAndWriteNothing)
{
    const std::string dir = fresh_dir("bad");
    struct Case {
        std::string recipe, needle;
    } cases[] = {
        {"weights: {format: bitmod_fp4_mix, group_size: 128, scale: fp16}\n",
         "not supported by the exporter"},
        {"weights: {format: int4, group_size: 48, scale: fp16}\n", "does not divide"},
        {"weights: {format: int4, group_size: 0, scale: e8m0}\n", "weights.scale"},
        {"weights: {format: e9m1, group_size: 0, scale: fp16}\n", "exponent bits"},
        {"weights: [1, 2]\n", "weights: expected a mapping"},
        {"weights: {format: int4, scale: fp16}\n", "weights.group_size: missing"},
        {"weights: {format: int4\n", "invalid YAML"},
    };
    int i = 0;
    for (const Case &c : cases) {
        const std::string recipe = dir + "/r" + std::to_string(i++) + ".yaml";
        spit(recipe, c.recipe);
        const std::string out = dir + "/never.safetensors";
        CliRun r = run_command(exporter("--tiny 1 --recipe " + recipe + " -o " + out), dir);
        EXPECT_EQ(r.status, 2) << c.recipe << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.recipe << ": " << r.err;
        EXPECT_NE(r.err.find(recipe), std::string::npos) << "names the file: " << r.err;
        struct stat st;
        EXPECT_NE(stat(out.c_str(), &st), 0) << "left " << out;
    }
    CliRun r = run_command(exporter("--tiny 1 --recipe no-such-preset -o " + dir + "/x.safetensors"), dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("no-such-preset"), std::string::npos) << r.err;
    spit(dir + "/notmodel.py", "def build():\n    return 42\n");
    r = run_command(exporter("--module " + dir + "/notmodel.py:build --recipe fp16 -o " + dir +
                     "/x.safetensors"),
            dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("must return (torch.nn.Module, sample input tensor)"), std::string::npos)
        << r.err;
}

} // namespace
