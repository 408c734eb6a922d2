// test_model.cpp - model zoo, quantization recipes and workload expansion
// (sim/workload/model.c, sim/workload/recipe.c, sim/workload/workload.c).  Expected shapes and MAC
// totals are written here from the published configs, not from the code.
#include <gtest/gtest.h>

#include "test_util.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "workload/model.h"
#include "workload/recipe.h"
#include "workload/workload.h"
}

namespace {

using anybit_test::replace;

void use_source_zoo() { setenv("ANYBIT_HOME", ANYBIT_SOURCE_DIR, 1); }

std::vector<ab_op> expand(const std::string &model, const std::string &recipe,
                          const std::string &phase, uint32_t batch)
{
    use_source_zoo();
    ab_op_list l = {0, 0, nullptr};
    ab_error err = {{0}};
    const int rc = ab_workload_expand(model.c_str(), recipe.c_str(), phase.c_str(), batch, &l, &err);
    EXPECT_EQ(rc, 0) << err.msg;
    std::vector<ab_op> ops(l.ops, l.ops + l.n);
    ab_op_list_free(&l);
    return ops;
}

// The error message of a failing expansion ("" if it succeeded).
std::string expand_error(const std::string &model, const std::string &recipe,
                         const std::string &phase = "decode:256", uint32_t batch = 1)
{
    use_source_zoo();
    ab_op_list l = {0, 0, nullptr};
    ab_error err = {{0}};
    const int rc = ab_workload_expand(model.c_str(), recipe.c_str(), phase.c_str(), batch, &l, &err);
    const size_t nops = l.n;
    ab_op_list_free(&l);
    if (rc == 0)
        return "";
    EXPECT_EQ(nops, 0u); // nothing half-made
    EXPECT_EQ(rc, -1);
    return err.msg;
}

std::map<std::string, ab_op> by_name(const std::vector<ab_op> &ops)
{
    std::map<std::string, ab_op> m;
    for (const ab_op &op : ops)
        m[op.name] = op;
    return m;
}

uint64_t total_macs(const std::vector<ab_op> &ops)
{
    uint64_t t = 0;
    for (const ab_op &op : ops)
        t += ab_op_macs(&op);
    return t;
}

std::string write_tmp(const std::string &name, const std::string &text)
{
    const std::string path = anybit_test::tmp_dir("model") + "/" + name + ".yaml";
    anybit_test::spit(path, text);
    return path;
}

// Published decoder configs (HF config.json of each model).
struct Decoder {
    const char *name;
    uint64_t hidden, inter, layers, heads, kv, hd, vocab;
    bool gated;
    const char *out_proj;
};

const Decoder kDecoders[] = {
    {"opt-1.3b", 2048, 8192, 24, 32, 32, 64, 50272, false, "out_proj"},
    {"opt-6.7b", 4096, 16384, 32, 32, 32, 128, 50272, false, "out_proj"},
    {"phi-2", 2560, 10240, 32, 32, 32, 80, 51200, false, "dense"},
    {"yi-6b", 4096, 11008, 32, 32, 4, 128, 64000, true, "o_proj"},
    {"llama2-7b", 4096, 11008, 32, 32, 32, 128, 32000, true, "o_proj"},
    {"llama2-13b", 5120, 13824, 40, 40, 40, 128, 32000, true, "o_proj"},
    {"llama3-8b", 4096, 14336, 32, 32, 8, 128, 128256, true, "o_proj"},
    {"mistral-7b", 4096, 14336, 32, 32, 8, 128, 32000, true, "o_proj"},
};

void expect_shape(const std::map<std::string, ab_op> &m, const std::string &name, uint64_t M,
                  uint64_t N, uint64_t K, uint32_t count = 1, uint32_t share = 1)
{
    auto it = m.find(name);
    ASSERT_NE(it, m.end()) << "no op " << name;
    EXPECT_EQ(it->second.M, M) << name;
    EXPECT_EQ(it->second.N, N) << name;
    EXPECT_EQ(it->second.K, K) << name;
    EXPECT_EQ(it->second.count, count) << name;
    EXPECT_EQ(it->second.weight_share, share) << name;
}

} // namespace

// ---- Model: published shapes of every zoo network -------------------------

class ModelDecoder : public ::testing::TestWithParam<Decoder> {};

TEST_P(ModelDecoder, PublishedShapesAndDecodeMacs)
{
    const Decoder &d = GetParam();
    const uint64_t C = 256, ctx = C + 1, B = 2;
    const auto ops = expand(d.name, "fp16", "decode:256", (uint32_t)B);
    const uint64_t per_layer = 6 + (d.gated ? 3 : 2);
    EXPECT_EQ(ops.size(), d.layers * per_layer + 1);
    const auto m = by_name(ops);
    const std::string l0 = "layers.0.", last = "layers." + std::to_string(d.layers - 1) + ".";
    expect_shape(m, l0 + "self_attn.q_proj", B, d.heads * d.hd, d.hidden);
    expect_shape(m, l0 + "self_attn.k_proj", B, d.kv * d.hd, d.hidden);
    expect_shape(m, last + "self_attn.v_proj", B, d.kv * d.hd, d.hidden);
    expect_shape(m, l0 + "self_attn." + d.out_proj, B, d.hidden, d.heads * d.hd);
    expect_shape(m, l0 + "self_attn.qk", 1, ctx, d.hd, (uint32_t)(B * d.heads),
                 (uint32_t)(d.heads / d.kv));
    expect_shape(m, l0 + "self_attn.av", 1, d.hd, ctx, (uint32_t)(B * d.heads),
                 (uint32_t)(d.heads / d.kv));
    if (d.gated) {
        expect_shape(m, l0 + "mlp.gate_proj", B, d.inter, d.hidden);
        expect_shape(m, l0 + "mlp.up_proj", B, d.inter, d.hidden);
        expect_shape(m, last + "mlp.down_proj", B, d.hidden, d.inter);
    } else {
        expect_shape(m, l0 + "mlp.fc1", B, d.inter, d.hidden);
        expect_shape(m, last + "mlp.fc2", B, d.hidden, d.inter);
    }
    expect_shape(m, "lm_head", B, d.vocab, d.hidden);
    EXPECT_EQ(m.at("lm_head").kind, AB_OP_GEMM);
    EXPECT_EQ(m.at(l0 + "self_attn.qk").kind, AB_OP_ATTN_QK);
    EXPECT_EQ(m.at(l0 + "self_attn.av").kind, AB_OP_ATTN_AV);

    const uint64_t q = d.heads * d.hd, kv = d.kv * d.hd;
    const uint64_t linear = d.hidden * q + 2 * d.hidden * kv + q * d.hidden +
                            (d.gated ? 3 : 2) * d.hidden * d.inter;
    const uint64_t attn = 2 * B * d.heads * ctx * d.hd;
    EXPECT_EQ(total_macs(ops), d.layers * (B * linear + attn) + B * d.hidden * d.vocab);
}

TEST_P(ModelDecoder, PrefillMacs)
{
    const Decoder &d = GetParam();
    const uint64_t L = 128;
    const auto ops = expand(d.name, "fp16", "prefill:128", 1);
    const uint64_t q = d.heads * d.hd, kv = d.kv * d.hd;
    const uint64_t linear = d.hidden * q + 2 * d.hidden * kv + q * d.hidden +
                            (d.gated ? 3 : 2) * d.hidden * d.inter;
    const uint64_t attn = 2 * d.heads * L * L * d.hd; // full L x L, no causal halving
    EXPECT_EQ(total_macs(ops), d.layers * (L * linear + attn) + L * d.hidden * d.vocab);
    expect_shape(by_name(ops), "layers.3.self_attn.qk", L, L, d.hd, (uint32_t)d.heads,
                 (uint32_t)(d.heads / d.kv));
}

INSTANTIATE_TEST_SUITE_P(Model, ModelDecoder, ::testing::ValuesIn(kDecoders),
                         [](const ::testing::TestParamInfo<Decoder> &i) {
                             std::string s = i.param.name;
                             for (char &c : s)
                                 if (c == '-' || c == '.')
                                     c = '_';
                             return s;
                         });

TEST(ModelZoo, Llama2_7bDecodeHandComputed)
{
    // BitMoD's generative setting: decode with 256 context, batch 1.
    const auto ops = expand("llama2-7b", "bitmod", "decode:256", 1);
    const uint64_t per_layer = 4ull * 4096 * 4096 + 3ull * 4096 * 11008 + 32ull * 257 * 128 * 2;
    EXPECT_EQ(total_macs(ops), 32 * per_layer + 4096ull * 32000);
    EXPECT_EQ(total_macs(ops), 6674448384ull);
}

TEST(ModelZoo, Llama2_7bPrefillHandComputed)
{
    const auto ops = expand("llama2-7b", "bitmod", "prefill:256", 1);
    const uint64_t per_layer =
        256ull * (4ull * 4096 * 4096 + 3ull * 4096 * 11008) + 32ull * 256 * 256 * 128 * 2;
    EXPECT_EQ(total_macs(ops), 32 * per_layer + 256ull * 4096 * 32000);
}

TEST(ModelZoo, Llama3_8bGqa)
{
    const auto m = by_name(expand("llama3-8b", "bitmod", "decode:256", 1));
    // 8 KV heads of 128: k/v projections are 1024 wide, 4 query heads per KV head
    expect_shape(m, "layers.0.self_attn.k_proj", 1, 8 * 128, 4096);
    expect_shape(m, "layers.0.self_attn.qk", 1, 257, 128, 32, 4);
    expect_shape(m, "layers.0.self_attn.av", 1, 128, 257, 32, 4);
}

TEST(ModelZoo, BertBase)
{
    const uint64_t L = 128, B = 2;
    const auto ops = expand("bert-base", "fp16", "prefill:128", (uint32_t)B);
    EXPECT_EQ(ops.size(), 12u * 8u);
    const auto m = by_name(ops);
    expect_shape(m, "layers.0.self_attn.q_proj", B * L, 768, 768);
    expect_shape(m, "layers.11.self_attn.qk", L, L, 64, 24, 1);
    expect_shape(m, "layers.11.mlp.fc1", B * L, 3072, 768);
    const uint64_t layer = B * L * (4 * 768 * 768 + 2 * 768 * 3072) + 2 * B * 12 * L * L * 64;
    EXPECT_EQ(total_macs(ops), 12 * layer);
    EXPECT_NE(expand_error("bert-base", "fp16", "decode:16").find("decoder"), std::string::npos);
}

TEST(ModelZoo, VitB16)
{
    const auto ops = expand("vit-b16", "fp16", "prefill:7", 1); // L is ignored: 197 tokens
    const auto m = by_name(ops);
    expect_shape(m, "patch_embed", 196, 768, 3 * 16 * 16);
    EXPECT_EQ(m.at("patch_embed").kind, AB_OP_CONV);
    expect_shape(m, "layers.0.self_attn.qk", 197, 197, 64, 12, 1);
    expect_shape(m, "classifier", 1, 1000, 768);
    const uint64_t T = 197;
    const uint64_t layer = T * (4 * 768 * 768 + 2 * 768 * 3072) + 2 * 12 * T * T * 64;
    const uint64_t total = 196ull * 768 * 768 + 12 * layer + 768ull * 1000;
    EXPECT_EQ(total_macs(ops), total);
    EXPECT_EQ(total, 17563828224ull);
    // published cost of ViT-B/16 at 224: 17.58 GMACs (timm vit_base_patch16_224; fvcore "GFLOPs")
    EXPECT_NEAR((double)total, 17.58e9, 0.01 * 17.58e9);
}

TEST(ModelZoo, Resnet50)
{
    const auto ops = expand("resnet50", "int8", "prefill:1", 1);
    EXPECT_EQ(ops.size(), 54u); // 53 convolutions + fc
    const auto m = by_name(ops);
    expect_shape(m, "conv1", 112 * 112, 64, 3 * 7 * 7);
    expect_shape(m, "layer2.0.conv2", 28 * 28, 128, 128 * 9); // v1.5: stride on the 3x3
    expect_shape(m, "layer4.2.conv3", 7 * 7, 2048, 512);
    expect_shape(m, "fc", 1, 1000, 2048);
    // Independent recount of the architecture (He et al. Table 1, torchvision v1.5).
    uint64_t t = 3ull * 64 * 49 * 112 * 112, in = 64, s = 56;
    const uint64_t blocks[4] = {3, 4, 6, 3}, width[4] = {64, 128, 256, 512};
    for (int st = 0; st < 4; st++)
        for (uint64_t b = 0; b < blocks[st]; b++) {
            const uint64_t w = width[st], o = (st > 0 && b == 0) ? s / 2 : s;
            t += in * w * s * s + w * w * 9 * o * o + w * 4 * w * o * o;
            if (b == 0)
                t += in * 4 * w * o * o;
            in = 4 * w;
            s = o;
        }
    t += 2048ull * 1000;
    EXPECT_EQ(total_macs(ops), t);
    EXPECT_EQ(total_macs(ops), 4089184256ull);
    EXPECT_NEAR((double)total_macs(ops), 4.09e9, 0.02 * 4.09e9);
    EXPECT_EQ(total_macs(expand("resnet50", "int8", "prefill:1", 4)), 4 * t);
    EXPECT_NE(expand_error("resnet50", "int8", "decode:1").find("cnn"), std::string::npos);
}

TEST(ModelZoo, UnknownNameListsAvailable)
{
    const std::string e = expand_error("llama9-1b", "bitmod");
    EXPECT_NE(e.find("unknown model 'llama9-1b'"), std::string::npos) << e;
    EXPECT_NE(e.find("llama2-7b"), std::string::npos) << e;
    EXPECT_NE(e.find("resnet50"), std::string::npos) << e;
    const std::string r = expand_error("llama2-7b", "nope");
    EXPECT_NE(r.find("unknown recipe 'nope'"), std::string::npos) << r;
    EXPECT_NE(r.find("bitmod"), std::string::npos) << r;
}

TEST(ModelZoo, EveryZooModelWithEveryPreset)
{
    const char *models[] = {"opt-1.3b", "opt-6.7b", "phi-2", "yi-6b", "llama2-7b", "llama2-13b",
                            "llama3-8b", "mistral-7b", "bert-base", "vit-b16", "resnet50"};
    const char *recipes[] = {"bitmod", "bitmod-w3", "ant", "ant5", "olive", "fp16", "int8",
                             "btc-w4a4", "btc-w2a8"};
    for (const char *mo : models)
        for (const char *re : recipes) {
            const auto ops = expand(mo, re, "prefill:64", 1);
            EXPECT_FALSE(ops.empty()) << mo << " " << re;
            for (const ab_op &op : ops)
                EXPECT_GT(ab_op_weight_bytes(&op), 0.0) << mo << " " << re << " " << op.name;
        }
}

// ---- Model: bad YAML ------------------------------------------------------

namespace {

const char *kGoodDecoder = "name: tiny\nkind: decoder\nsource: test\nhidden: 64\n"
                           "intermediate: 128\nlayers: 2\nheads: 4\nkv_heads: 2\n"
                           "vocab: 100\nmlp: gated\ntied_lm_head: false\n";

void expect_model_error(const std::string &tag, const std::string &yaml,
                        const std::string &expected)
{
    const std::string path = write_tmp(tag, yaml);
    const std::string e = expand_error(path, "fp16");
    EXPECT_NE(e.find(path), std::string::npos) << e;
    EXPECT_NE(e.find(expected), std::string::npos) << "message: " << e;
}

} // namespace

TEST(ModelYaml, TinyGoodModelExpands)
{
    const std::string path = write_tmp("good", kGoodDecoder);
    const auto m = by_name(expand(path, "fp16", "decode:3", 1));
    expect_shape(m, "layers.1.self_attn.k_proj", 1, 2 * 16, 64);
    expect_shape(m, "layers.1.self_attn.qk", 1, 4, 16, 4, 2);
}

TEST(ModelYaml, BadFieldsNameFileFieldAndLine)
{
    expect_model_error("abc", replace(kGoodDecoder, "layers: 2", "layers: abc"),
                       ":6: layers: expected a positive integer, found \"abc\"");
    expect_model_error("zero", replace(kGoodDecoder, "layers: 2", "layers: 0"),
                       "layers: expected a positive integer, found \"0\"");
    expect_model_error("neg", replace(kGoodDecoder, "hidden: 64", "hidden: -64"),
                       "hidden: expected a positive integer");
    expect_model_error("unknown", std::string(kGoodDecoder) + "hiden: 3\n",
                       ":12: hiden: unknown field");
    expect_model_error("missing", replace(kGoodDecoder, "vocab: 100\n", ""),
                       "vocab: missing required field");
    expect_model_error("heads", replace(kGoodDecoder, "heads: 4\n", "heads: 5\n"),
                       "heads: expected a divisor of hidden (64), found 5");
    expect_model_error("kv", replace(kGoodDecoder, "kv_heads: 2", "kv_heads: 3"),
                       "kv_heads: expected a divisor of heads (4), found 3");
    expect_model_error("mlp", replace(kGoodDecoder, "mlp: gated", "mlp: swiglu"),
                       "mlp: expected gated (gate/up/down) or fc (fc1/fc2), found \"swiglu\"");
    expect_model_error("kind", replace(kGoodDecoder, "kind: decoder", "kind: rnn"),
                       "kind: expected decoder, encoder or cnn");
    expect_model_error("type", replace(kGoodDecoder, "layers: 2", "layers: [2]"),
                       "layers: expected a positive integer, found a sequence");
    expect_model_error("bool", replace(kGoodDecoder, "tied_lm_head: false", "tied_lm_head: 3"),
                       "tied_lm_head: expected true or false");
    expect_model_error("syntax", "name: [unclosed\n", "invalid YAML");
    expect_model_error("seq", "- 1\n- 2\n", "expected a mapping of fields at the top level");
    expect_model_error("conv",
                       "name: c\nkind: cnn\nsource: t\ninput: {size: 8, channels: 3}\n"
                       "convs:\n  - {name: a, in: 3, out: 4, kernel: 3, stride: 1, padding: 1, input: 8}\n"
                       "  - {name: b, in: 4, out: 4, kernel: 3, stride: x, padding: 1, input: 8}\n",
                       ":7: convs[1].stride: expected a positive integer, found \"x\"");
}

TEST(ModelYaml, MissingFileAndBadPhase)
{
    const std::string e = expand_error("/nonexistent/m.yaml", "fp16");
    EXPECT_NE(e.find("/nonexistent/m.yaml: cannot open"), std::string::npos) << e;
    EXPECT_NE(expand_error("llama2-7b", "fp16", "decode").find("phase"), std::string::npos);
    EXPECT_NE(expand_error("llama2-7b", "fp16", "prefill:0").find("phase"), std::string::npos);
    EXPECT_NE(expand_error("llama2-7b", "fp16", "prefill:12x").find("phase"), std::string::npos);
    EXPECT_NE(expand_error("llama2-7b", "fp16", "decode:4", 0).find("batch"), std::string::npos);
}

// ---- Recipe ----------------------------------------------------------------

TEST(RecipePresets, FormatsFilled)
{
    auto m = by_name(expand("llama2-7b", "bitmod", "decode:256", 1));
    const ab_op &q = m.at("layers.0.self_attn.q_proj");
    EXPECT_STREQ(q.weight_format, "bitmod_fp4_mix");
    EXPECT_EQ(q.group_size, 128u);
    EXPECT_STREQ(q.scale_format, "int6");
    EXPECT_STREQ(q.act_format, "fp16");
    EXPECT_STREQ(q.acc_format, "fp32");
    const ab_op &qk = m.at("layers.0.self_attn.qk");
    EXPECT_STREQ(qk.weight_format, "int8"); // the KV cache
    EXPECT_EQ(qk.group_size, 0u);
    EXPECT_STREQ(qk.scale_format, "fp16");

    m = by_name(expand("llama2-7b", "btc-w2a8", "decode:256", 1));
    EXPECT_STREQ(m.at("layers.0.mlp.up_proj").weight_format, "int2");
    EXPECT_STREQ(m.at("layers.0.mlp.up_proj").act_format, "int8");
    EXPECT_STREQ(m.at("layers.0.mlp.up_proj").acc_format, "int32");
    m = by_name(expand("llama2-7b", "bitmod-w3", "decode:256", 1));
    EXPECT_STREQ(m.at("lm_head").weight_format, "bitmod_fp3_mix");
    m = by_name(expand("resnet50", "bitmod", "prefill:1", 1));
    EXPECT_EQ(m.at("conv1").group_size, 0u); // K = 147: group_fallback: channel
    EXPECT_EQ(m.at("fc").group_size, 128u);
}

TEST(RecipeOverrides, LaterRulesWinFieldByField)
{
    const std::string path = write_tmp(
        "overrides",
        "name: mixed\nsource: test\n"
        "weights: {format: bitmod_fp4_mix, group_size: 128, scale: int8}\n"
        "activations: fp16\nkv_cache: {format: int8, group_size: 0, scale: fp16}\n"
        "accumulator: fp32\n"
        "overrides:\n"
        "  - match: lm_head\n    weights: {format: int8, group_size: 0, scale: fp16}\n"
        "  - match: 'layers.*.mlp.*'\n    activations: int8\n    weights: {format: int4}\n"
        "  - match: layers.1.mlp.down_proj\n    weights: {format: bitmod_fp3_mix, group_size: 64}\n"
        "  - match: 'layers.[0-1].self_attn.qk'\n    kv_cache: {format: int4, group_size: 32}\n");
    const auto m = by_name(expand("llama2-7b", path, "decode:256", 1));
    EXPECT_STREQ(m.at("lm_head").weight_format, "int8");
    EXPECT_EQ(m.at("lm_head").group_size, 0u);
    EXPECT_STREQ(m.at("lm_head").scale_format, "fp16");
    EXPECT_STREQ(m.at("layers.0.mlp.up_proj").weight_format, "int4");
    EXPECT_EQ(m.at("layers.0.mlp.up_proj").group_size, 128u); // untouched by the rule
    EXPECT_STREQ(m.at("layers.0.mlp.up_proj").act_format, "int8");
    EXPECT_STREQ(m.at("layers.1.mlp.down_proj").weight_format, "bitmod_fp3_mix");
    EXPECT_EQ(m.at("layers.1.mlp.down_proj").group_size, 64u);
    EXPECT_STREQ(m.at("layers.1.mlp.down_proj").act_format, "int8");
    EXPECT_STREQ(m.at("layers.2.mlp.down_proj").weight_format, "int4");
    EXPECT_STREQ(m.at("layers.0.self_attn.q_proj").weight_format, "bitmod_fp4_mix");
    EXPECT_STREQ(m.at("layers.0.self_attn.q_proj").act_format, "fp16");
    EXPECT_STREQ(m.at("layers.1.self_attn.qk").weight_format, "int4");
    EXPECT_EQ(m.at("layers.1.self_attn.qk").group_size, 32u);
    EXPECT_STREQ(m.at("layers.2.self_attn.qk").weight_format, "int8");
}

namespace {

const char *kGoodRecipe = "name: r\nsource: test\n"
                          "weights: {format: int4, group_size: 128, scale: fp16}\n"
                          "activations: fp16\n"
                          "kv_cache: {format: int8, group_size: 0, scale: fp16}\n"
                          "accumulator: fp32\n";

void expect_recipe_error(const std::string &tag, const std::string &yaml,
                         const std::string &expected, const std::string &model = "llama2-7b")
{
    const std::string path = write_tmp("recipe_" + tag, yaml);
    const std::string e = expand_error(model, path);
    EXPECT_NE(e.find(path), std::string::npos) << e;
    EXPECT_NE(e.find(expected), std::string::npos) << "message: " << e;
}

} // namespace

TEST(RecipeYaml, BadFields)
{
    expect_recipe_error("fmt", replace(kGoodRecipe, "format: int4", "format: int99"),
                        ":3: weights.format: expected a format or a selector");
    expect_recipe_error("act", replace(kGoodRecipe, "activations: fp16", "activations: ant4"),
                        "activations: expected a format name, found \"ant4\"");
    expect_recipe_error("scale", replace(kGoodRecipe, "scale: fp16}\nact", "scale: int1}\nact"),
                        "weights.scale: expected fp32, fp16, e8m0 or intK");
    expect_recipe_error("group", replace(kGoodRecipe, "group_size: 128", "group_size: -1"),
                        "weights.group_size: expected a non-negative integer");
    expect_recipe_error("missing", replace(kGoodRecipe, "accumulator: fp32\n", ""),
                        "accumulator: missing required field");
    expect_recipe_error("unknown", std::string(kGoodRecipe) + "weight_bits: 4\n",
                        ":7: weight_bits: unknown field");
    expect_recipe_error("fallback", std::string(kGoodRecipe) + "group_fallback: maybe\n",
                        "group_fallback: expected error or channel");
    expect_recipe_error("rule", std::string(kGoodRecipe) + "overrides:\n  - {match: lm_head}\n",
                        "overrides[0].match: rule changes nothing");
    expect_recipe_error("rulekey",
                        std::string(kGoodRecipe) + "overrides:\n  - {match: x, weight: {format: int4}}\n",
                        "overrides[0].weight: unknown field");
    expect_recipe_error("acc", replace(kGoodRecipe, "accumulator: fp32", "accumulator: int33"),
                        "accumulator: expected a format name");
    // a group that does not divide K names the op (no fallback by default)
    expect_recipe_error("divide", replace(kGoodRecipe, "group_size: 128", "group_size: 96"),
                        "op layers.0.self_attn.q_proj: group_size 96 does not divide K = 4096");
    expect_recipe_error("gt_k", replace(kGoodRecipe, "group_size: 128", "group_size: 8192"),
                        "group_size 8192 does not divide K = 4096");
}

TEST(RecipeYaml, GroupFallbackChannel)
{
    const std::string path = write_tmp(
        "recipe_fallback",
        replace(kGoodRecipe, "group_size: 128", "group_size: 96") + "group_fallback: channel\n");
    const auto m = by_name(expand("llama2-7b", path, "decode:16", 1));
    EXPECT_EQ(m.at("layers.0.self_attn.q_proj").group_size, 0u);
}

// ---- Workload: op kinds, storage -------------------------------------------

TEST(WorkloadOp, KindNames)
{
    const ab_op_kind all[] = {AB_OP_GEMM, AB_OP_CONV, AB_OP_ATTN_QK, AB_OP_ATTN_AV};
    const char *names[] = {"gemm", "conv", "attn_qk", "attn_av"};
    for (int i = 0; i < 4; i++) {
        EXPECT_STREQ(ab_op_kind_name(all[i]), names[i]);
        ab_op_kind k;
        ASSERT_EQ(ab_op_kind_parse(names[i], &k), 0);
        EXPECT_EQ(k, all[i]);
    }
    ab_op_kind k;
    EXPECT_EQ(ab_op_kind_parse("matmul", &k), -1);
    EXPECT_EQ(ab_op_kind_parse(nullptr, &k), -1);
}

TEST(WorkloadOp, ListPushGrows)
{
    ab_op_list l = {0, 0, nullptr};
    ab_op op = {};
    ab_error err;
    for (int i = 0; i < 1000; i++) {
        op.M = (uint64_t)i;
        ASSERT_EQ(ab_op_list_push(&l, &op, &err), 0);
    }
    ASSERT_EQ(l.n, 1000u);
    EXPECT_EQ(l.ops[999].M, 999u);
    ab_op_list_free(&l);
    EXPECT_EQ(l.n, 0u);
    EXPECT_EQ(l.ops, nullptr);
}

TEST(WorkloadOp, WeightBytes)
{
    auto m = by_name(expand("llama3-8b", "bitmod", "decode:256", 1));
    const double N = 4096, K = 4096;
    // 4-bit codes, an 8-bit scale per 128-weight group (type id inside), FP16 per row
    EXPECT_DOUBLE_EQ(ab_op_weight_bytes(&m.at("layers.0.self_attn.q_proj")),
                     (N * K * 4 + N * (K / 128) * 8 + N * 16) / 8);
    // KV cache: 8 distinct KV heads (32 query heads share 4 ways), int8 per row + FP16 scale
    EXPECT_DOUBLE_EQ(ab_op_weight_bytes(&m.at("layers.0.self_attn.qk")),
                     8 * (257.0 * 128 * 8 + 257.0 * 16) / 8);
    EXPECT_DOUBLE_EQ(ab_op_weight_bytes(&m.at("layers.0.self_attn.av")),
                     8 * (128.0 * 257 * 8 + 128.0 * 16) / 8);
    EXPECT_EQ(ab_op_macs(&m.at("layers.0.self_attn.av")), 32ull * 128 * 257);

    m = by_name(expand("llama2-7b", "fp16", "decode:256", 1));
    EXPECT_DOUBLE_EQ(ab_op_weight_bytes(&m.at("layers.0.mlp.down_proj")), 2.0 * 4096 * 11008);
    m = by_name(expand("llama2-7b", "ant", "decode:256", 1));
    EXPECT_DOUBLE_EQ(ab_op_weight_bytes(&m.at("layers.0.mlp.down_proj")),
                     (4096.0 * 11008 * 4 + 4096.0 * 16 + 2) / 8);
    m = by_name(expand("llama2-7b", "btc-w2a8", "decode:256", 1));
    EXPECT_DOUBLE_EQ(ab_op_weight_bytes(&m.at("lm_head")), (32000.0 * 4096 * 2 + 32000.0 * 16) / 8);

    ab_op op = {};
    op.N = 8;
    op.K = 256;
    op.count = 1;
    op.weight_share = 1;
    snprintf(op.weight_format, sizeof op.weight_format, "bitmod_fp3_mix");
    snprintf(op.scale_format, sizeof op.scale_format, "fp16");
    op.group_size = 128;
    EXPECT_DOUBLE_EQ(ab_op_weight_bytes(&op), (8.0 * 256 * 3 + 8 * 2 * (16 + 2)) / 8);
    snprintf(op.weight_format, sizeof op.weight_format, "mxfp4");
    EXPECT_DOUBLE_EQ(ab_op_weight_bytes(&op), (8.0 * 256 * 4 + 8 * 8 * 8) / 8);
}

namespace {

// libfyaml 0.7.12 loops forever on this directive line (NUL and a stray
// 0x91 byte; found by tests/fuzz/fuzz_yaml.c): the loaders must refuse
// non-text input before the parser sees it.
TEST(ModelYaml, BinaryBytesAreRefusedBeforeParsing)
{
    const std::string hang("%\x91:\x00" "e\n\x00z ", 9);
    struct Case {
        std::string text, needle;
    } cases[] = {
        {hang, "byte 1: 0x91 is not UTF-8"},
        {std::string("layers: 2\x00\n", 11), "control character 0x00"},
        {"name: caf\xc3", "cut off by the end of the file"},
        {"name: \xed\xa0\x80\n", "U+D800 is not allowed"},
        {"name: \xc0\xafx\n", "U+002F is not allowed"}, // overlong '/'
        {"name: \x7f\n", "control character 0x7f"},
    };
    int i = 0;
    for (const Case &c : cases) {
        const std::string path = write_tmp("binary" + std::to_string(i++), c.text);
        ab_model m;
        ab_error err{};
        EXPECT_EQ(ab_model_load(path.c_str(), &m, &err), -1) << c.needle;
        EXPECT_NE(std::string(err.msg).find(c.needle), std::string::npos) << err.msg;
        EXPECT_NE(std::string(err.msg).find(path), std::string::npos) << err.msg;
        ab_recipe r;
        EXPECT_EQ(ab_recipe_load(path.c_str(), &r, &err), -1) << c.needle;
    }
    // UTF-8 text (a comment in another script) is fine for the checker.
    const std::string ok = write_tmp("utf8", "# Größe — 大小\nfoo: 1\n");
    ab_model m;
    ab_error err{};
    EXPECT_EQ(ab_model_load(ok.c_str(), &m, &err), -1); // not a model, but parsed
    EXPECT_EQ(std::string(err.msg).find("UTF-8"), std::string::npos) << err.msg;
}

} // namespace

// A grouped convolution (depthwise: groups = in = out) is `groups`
// instances of a (in/groups) -> (out/groups) convolution: each output
// channel sees in/groups x kernel^2 inputs (PyTorch Conv2d's groups).
TEST(ModelYaml, GroupedConvolutionIsGroupsSmallConvolutions)
{
    const std::string path = write_tmp(
        "depthwise", "name: dw\nkind: cnn\nsource: t\ninput: {size: 8, channels: 32}\n"
                     "convs:\n  - {name: dw, in: 32, out: 32, kernel: 3, stride: 1, padding: 1, "
                     "input: 8, groups: 32}\n"
                     "  - {name: g4, in: 32, out: 64, kernel: 1, stride: 1, padding: 0, "
                     "input: 8, groups: 4}\n");
    const auto m = by_name(expand(path, "int8", "prefill:1", 2));
    expect_shape(m, "dw", 2 * 8 * 8, 1, 9, 32);
    expect_shape(m, "g4", 2 * 8 * 8, 16, 8, 4);
    EXPECT_EQ(ab_op_macs(&m.at("dw")), 2ull * 64 * 32 * 9);
}

// Tokens a phase produces: prefill:L makes L per sequence, decode one.
TEST(WorkloadOp, PhaseTokensCountEverySequence)
{
    EXPECT_DOUBLE_EQ(ab_phase_tokens("prefill:256", 4), 1024.0);
    EXPECT_DOUBLE_EQ(ab_phase_tokens("prefill:256", 1), 256.0);
    EXPECT_DOUBLE_EQ(ab_phase_tokens("decode:256", 4), 4.0);
}

// A double-quoted scalar left open across a line, at an exact length
// (found by tests/fuzz/fuzz_sweep_dir in CI): Debian 12's libfyaml crashed
// (SIGSEGV) formatting its own report of it, in every command that read
// such a YAML; the loader collects the error instead and says where it is.
TEST(ModelYaml, UnclosedQuoteAcrossALineIsAnErrorNotACrash)
{
    const std::string seed =
        std::string(ANYBIT_SOURCE_DIR) + "/tests/fuzz/seeds/fuzz_yaml/libfyaml-diag-crash";
    const std::string out = anybit_test::tmp_dir("model") + "/unclosed-sweep";
    for (const std::string &args : {"run --config bitmod --model " + seed + " --phase decode:1",
                                    "run --config " + seed + " --model llama2-7b --phase decode:1",
                                    "sweep " + seed + " -o " + out}) {
        const anybit_test::CliRun r = anybit_test::anybit(args);
        EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
        EXPECT_NE(r.err.find(seed + ":1:589: error: double-quoted scalar without closing quote"),
                  std::string::npos)
            << args << "\n" << r.err;
    }
}

// ---- Maximum context -------------------------------------------------------

// A phase longer than the model's max_context (its HF config's
// max_position_embeddings, written in the zoo YAML) is refused naming both
// numbers; the boundary itself runs.  Decode C needs C + 1 positions: the
// cache and the new token.
TEST(ModelContext, PhaseBeyondMaxContextIsRefusedNamingBothNumbers)
{
    EXPECT_EQ(expand_error("llama2-7b", "fp16", "prefill:4096"), "");
    EXPECT_EQ(expand_error("llama2-7b", "fp16", "decode:4095"), "");
    std::string e = expand_error("llama2-7b", "fp16", "prefill:4097");
    EXPECT_NE(e.find("phase: prefill:4097 needs a context of 4097 tokens, longer than "
                     "llama2-7b's max_context 4096"),
              std::string::npos)
        << e;
    EXPECT_NE(e.find("models/llama2-7b.yaml"), std::string::npos) << e;
    EXPECT_NE(e.find("--allow-long-context"), std::string::npos) << e;
    e = expand_error("llama2-7b", "fp16", "decode:4096");
    EXPECT_NE(e.find("decode:4096 needs a context of 4097 tokens"), std::string::npos) << e;
    // the published windows of the other models
    EXPECT_NE(expand_error("opt-1.3b", "fp16", "prefill:2049").find("max_context 2048"),
              std::string::npos);
    EXPECT_NE(expand_error("bert-base", "fp16", "prefill:513").find("max_context 512"),
              std::string::npos);
    EXPECT_EQ(expand_error("llama3-8b", "fp16", "prefill:8192"), "");
    EXPECT_NE(expand_error("llama3-8b", "fp16", "prefill:8193").find("max_context 8192"),
              std::string::npos);
    // a vision encoder's tokens come from its image, not from the phase
    EXPECT_EQ(expand_error("vit-b16", "fp16", "prefill:32768"), "");
}

TEST(ModelContext, AllowLongContextRunsIt)
{
    use_source_zoo();
    ab_op_list l = {0, 0, nullptr};
    ab_error err = {{0}};
    const ab_expand_opts o = {1, true};
    ASSERT_EQ(ab_workload_expand_with("llama2-7b", "fp16", "decode:8191", &o, &l, &err), 0)
        << err.msg;
    const auto m = by_name(std::vector<ab_op>(l.ops, l.ops + l.n));
    ab_op_list_free(&l);
    expect_shape(m, "layers.0.self_attn.qk", 1, 8192, 128, 32, 1);
}

TEST(ModelContext, EveryZooTransformerNamesItsWindowAndBadValuesAreRefused)
{
    use_source_zoo();
    for (const char *name : {"opt-1.3b", "opt-6.7b", "phi-2", "yi-6b", "llama2-7b", "llama2-13b",
                             "llama3-8b", "mistral-7b", "bert-base"}) {
        ab_model m;
        ab_error err = {{0}};
        const std::string p = std::string(ANYBIT_SOURCE_DIR) + "/models/" + name + ".yaml";
        ASSERT_EQ(ab_model_load(p.c_str(), &m, &err), 0) << err.msg;
        EXPECT_GT(m.max_context, 0u) << name;
        ab_model_free(&m);
    }
    expect_model_error("ctx", std::string(kGoodDecoder) + "max_context: lots\n",
                       "max_context: expected a positive integer, found \"lots\"");
    expect_model_error("ctx0", std::string(kGoodDecoder) + "max_context: 0\n",
                       "max_context: expected a positive integer, found \"0\"");
    // a YAML without the field sets no bound
    const std::string path = write_tmp("noctx", kGoodDecoder);
    EXPECT_EQ(expand_error(path, "fp16", "prefill:32768"), "");
    const std::string bounded = write_tmp("ctx8", std::string(kGoodDecoder) + "max_context: 8\n");
    EXPECT_EQ(expand_error(bounded, "fp16", "decode:7"), "");
    EXPECT_NE(expand_error(bounded, "fp16", "decode:8").find("max_context 8"), std::string::npos);
}

// A generation expanded at once (the model and recipe loaded once) is the
// phases' own expansions one after the other; a bad phase anywhere in the
// list is refused before anything is expanded, naming it.
TEST(ModelZoo, ExpandPhasesIsEachPhaseInOrder)
{
    use_source_zoo();
    const char *phases[] = {"prefill:64", "decode:64", "decode:65"};
    const ab_expand_opts o = {1, false};
    ab_op_list all;
    ab_error err;
    ASSERT_EQ(ab_workload_expand_phases("llama2-7b", "bitmod", phases, 3, &o, &all, &err), 0)
        << err.msg;
    size_t at = 0;
    for (const char *ph : phases) {
        ab_op_list one;
        ASSERT_EQ(ab_workload_expand_with("llama2-7b", "bitmod", ph, &o, &one, &err), 0) << err.msg;
        ASSERT_LE(at + one.n, all.n) << ph;
        for (size_t i = 0; i < one.n; i++, at++) {
            EXPECT_STREQ(all.ops[at].name, one.ops[i].name) << ph;
            EXPECT_EQ(all.ops[at].M, one.ops[i].M) << ph << " " << one.ops[i].name;
            EXPECT_EQ(all.ops[at].N, one.ops[i].N) << ph << " " << one.ops[i].name;
            EXPECT_EQ(all.ops[at].K, one.ops[i].K) << ph << " " << one.ops[i].name;
            EXPECT_EQ(all.ops[at].count, one.ops[i].count) << ph;
            EXPECT_STREQ(all.ops[at].weight_format, one.ops[i].weight_format) << ph;
        }
        ab_op_list_free(&one);
    }
    EXPECT_EQ(at, all.n);
    ab_op_list_free(&all);

    const char *bad[] = {"prefill:64", "decode:x"};
    ab_op_list none;
    EXPECT_NE(ab_workload_expand_phases("llama2-7b", "bitmod", bad, 2, &o, &none, &err), 0);
    EXPECT_NE(std::string(err.msg).find("decode:x"), std::string::npos) << err.msg;
    EXPECT_EQ(none.n, 0u);
    EXPECT_EQ(none.ops, nullptr);
}
