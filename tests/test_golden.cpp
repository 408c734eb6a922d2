// test_golden.cpp - the golden models (golden/golden.h, docs/values.md
// "Golden models") against what they check: every PE kind's simulated
// datapath (sim/values/pe_values.h ab_values_datapath) bit for bit, on
// seeded random ops (quantized weights, and raw random codes, type ids,
// integer scales and activations) and on every op with values of the
// example traces with their preset configs; the kernels' BitMoD terms,
// format decoding, activation quantizer, bit-plane packing and plane
// weights against the golden ones, code by code.  The golden side shares
// no arithmetic with the side under test: Golden.CallsNoArithmeticOutside
// ItsRoom checks the golden library's undefined symbols.
#include <gtest/gtest.h>

#include "test_ops.h"
#include "test_util.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "act_quant.h"
#include "bitmod_terms.h"
#include "format.h"
#include "gemm_bitplane.h"
#include "golden/golden.h"
#include "pack.h"
#include "quant.h"
#include "synth.h"
#include "tensor_io.h"
#include "values/pe_values.h"
#include "workload/trace.h"
}

namespace {

using namespace anybit_test;

uint32_t bits_of(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

// An accelerator of kind k by hand (the values datapaths and the golden
// model read pe, lanes, tile_k, scale_bits, bitmod_rtl_literal_align).
ab_accel make_accel(ab_pe_kind k, uint32_t lanes, uint32_t tile_k, uint32_t scale_bits,
                    bool literal)
{
    ab_accel a;
    std::memset(&a, 0, sizeof a);
    std::snprintf(a.name, sizeof a.name, "golden-test-%d", (int)k);
    a.pe = k;
    a.rows = a.cols = 4;
    a.lanes = lanes;
    a.tile_m = a.tile_n = 8;
    a.tile_k = tile_k;
    a.scale_bits = scale_bits;
    a.bitmod_rtl_literal_align = literal;
    a.dataflow = AB_DF_OS;
    a.clock_ghz = 1.0;
    return a;
}

// Both computations of op i; the number of outputs whose bits differ, and
// the first of them described.
size_t mismatches(const ab_accel &a, const ab_trace &t, size_t i, std::string *first)
{
    const size_t n = (size_t)(t.ops[i].op.M * t.ops[i].op.N);
    std::vector<float> dp(n), gd(n);
    ab_error err{};
    EXPECT_EQ(ab_values_datapath(&a, &t, i, dp.data(), &err), 0) << err.msg;
    EXPECT_EQ(ab_golden_op(&a, &t, i, gd.data(), &err), 0) << err.msg;
    size_t bad = 0;
    for (size_t k = 0; k < n; k++)
        if (bits_of(dp[k]) != bits_of(gd[k]) && bad++ == 0 && first) {
            char buf[400];
            std::snprintf(buf, sizeof buf, "op %s m=%zu n=%zu: datapath 0x%08x (%.9g), golden "
                          "0x%08x (%.9g)", t.ops[i].op.name, k / t.ops[i].op.N,
                          k % t.ops[i].op.N, (unsigned)bits_of(dp[k]), (double)dp[k],
                          (unsigned)bits_of(gd[k]), (double)gd[k]);
            *first = buf;
        }
    return bad;
}

// ---- seeded random ops ---------------------------------------------------

struct Combo {
    ab_pe_kind pe;
    const char *wf, *sf, *af;
    bool asym;
};

// Every PE kind with formats it runs (docs/values.md "What each PE runs").
const std::vector<Combo> &combos()
{
    static const std::vector<Combo> c = {
        {AB_PE_BITMOD, "int2", "int6", "fp16", false},
        {AB_PE_BITMOD, "int3", "int4", "fp16", false},
        {AB_PE_BITMOD, "int4", "int6", "fp16", false},
        {AB_PE_BITMOD, "int5", "int6", "fp16", false},
        {AB_PE_BITMOD, "int8", "int8", "fp16", false},
        {AB_PE_BITMOD, "int4s", "int6", "fp16", false},
        {AB_PE_BITMOD, "bitmod_int3", "int6", "fp16", false},
        {AB_PE_BITMOD, "bitmod_fp3", "int6", "fp16", false},
        {AB_PE_BITMOD, "bitmod_fp4", "int6", "fp16", false},
        {AB_PE_BITMOD, "bitmod_fp4_ea-", "int6", "fp16", false},
        {AB_PE_BITMOD, "bitmod_fp3_mix", "int6", "fp16", false},
        {AB_PE_BITMOD, "bitmod_fp4_mix", "int6", "fp16", false},
        {AB_PE_BITMOD, "bitmod_fp4_mix", "int8", "fp16", false},
        {AB_PE_BTC, "int4", "fp16", "int4", false},
        {AB_PE_BTC, "int2", "fp16", "int8", false},
        {AB_PE_BTC, "int8", "int8", "int8", false},
        {AB_PE_BTC, "int4s", "fp32", "int4s", false},
        {AB_PE_BTC, "uint4", "fp16", "int8", true},
        {AB_PE_BTC, "uint3", "e8m0", "uint4", true},
        {AB_PE_BTC, "uint2", "fp32", "int4", false},
        {AB_PE_BTC, "uint8", "fp16", "uint8", false},
        {AB_PE_BTC, "bin", "fp16", "int4", false},
        {AB_PE_BTC, "int4", "fp16", "bin", false},
        {AB_PE_BTC, "bin", "fp16", "bin", false}, // XOR mode
        {AB_PE_BTC, "uint1", "fp16", "bin", false},
        {AB_PE_INT8, "int8", "fp16", "int8", false},
        {AB_PE_INT8, "int4", "int8", "int8", false},
        {AB_PE_INT8, "int8s", "e8m0", "int4", false},
        {AB_PE_INT8, "int3", "fp32", "int2", false},
        {AB_PE_INT8, "int8", "int12", "int8", false}, // U16 integer scales
        {AB_PE_FP16, "fp16", "fp16", "fp16", false},
        {AB_PE_FP16, "fp16", "int8", "fp16", false},
        {AB_PE_FP16, "fp16", "e8m0", "fp16", false},
        {AB_PE_FP16, "fp16", "int16", "fp16", false}, // U16 integer scales
        {AB_PE_ANT, "ant3", "fp16", "fp16", false},
        {AB_PE_ANT, "ant4", "fp16", "fp16", false},
        {AB_PE_ANT, "ant5", "int8", "fp16", false},
        {AB_PE_ANT, "ant6", "fp32", "fp16", false},
        {AB_PE_ANT, "ant8", "fp32", "fp16", false},
        {AB_PE_ANT, "flint4", "fp16", "fp16", false},
        {AB_PE_ANT, "flint7", "fp16", "fp16", false},
        {AB_PE_ANT, "pot4", "int8", "fp16", false},
        {AB_PE_ANT, "pot6", "fp16", "fp16", false},
        {AB_PE_ANT, "fp4_e2m1", "fp16", "fp16", false},
        {AB_PE_ANT, "fp8_e4m3", "fp16", "fp16", false},
        {AB_PE_ANT, "fp8_e5m2", "fp16", "fp16", false},
        {AB_PE_ANT, "int6", "fp16", "fp16", false},
        {AB_PE_OLIVE, "int4", "fp16", "fp16", false},
        {AB_PE_OLIVE, "flint4", "fp16", "fp16", false},
        {AB_PE_OLIVE, "int8", "fp32", "fp16", false},
    };
    return c;
}

std::string combo_name(const Combo &c)
{
    static const char *const kinds[] = {"bitmod", "btc", "fp16", "int8", "ant", "olive"};
    return std::string(kinds[c.pe]) + ":" + c.wf + "/" + c.sf + "/" + c.af +
           (c.asym ? "/asym" : "");
}

// Weights quantized with the op's formats and Gaussian activations (|x|
// for an unsigned act_format).
void give_values(ab_trace *t, size_t i, uint64_t seed, bool asym)
{
    const ab_op &op = t->ops[i].op;
    ab_quant_spec spec;
    ab_error err{};
    ASSERT_EQ(ab_op_quant_spec(&op, asym, &spec, &err), 0) << err.msg;
    std::vector<float> w(op.N * op.K), a(op.M * op.K);
    ab_synth_params p = ab_synth_defaults();
    ab_synth_weights(&p, seed, w.data(), op.N, op.K);
    ab_synth_params ap = {AB_SYNTH_GAUSSIAN, 1.0, 0.0, 0.0, 1.0};
    ab_synth_weights(&ap, seed + 1, a.data(), op.M, op.K);
    if (std::strncmp(op.act_format, "uint", 4) == 0)
        for (float &x : a)
            x = std::fabs(x);
    ab_quant_result q;
    ASSERT_EQ(ab_quantize(&spec, w.data(), op.N, op.K, &q, &err), 0) << op.weight_format << ": "
                                                                       << err.msg;
    ASSERT_EQ(ab_trace_set_values(t, i, &q, asym, a.data(), &err), 0) << err.msg;
    ab_quant_result_free(&q);
}

ab_trace_tensor *tensor(ab_trace &t, size_t i, ab_trace_role r)
{
    const int32_t idx = t.ops[i].tensor[r];
    return idx >= 0 ? &t.tensors[idx] : nullptr;
}

// A random finite FP16 value: any sign, exponent field 0..30 (subnormals
// and zeros included), any fraction.
uint16_t random_half(std::mt19937_64 &rng)
{
    const uint16_t e = (uint16_t)(rng() % 31), f = (uint16_t)(rng() % 1024);
    return (uint16_t)((rng() & 1) << 15 | e << 10 | f);
}

// Replace op i's stored operands by raw random ones the formats allow:
// codes (no NaN code where the PE multiplies floats), type ids, intK
// integers, FP16 activation bits or float activations with a zero row,
// ties and subnormals (NaN and infinities are the trace reader's to refuse;
// the quantizers meet them in Golden.ActivationQuantizerEqualsKernels).
// Expected outputs go stale; nothing here reads them.
void randomize(ab_trace &t, size_t i, const Combo &c, std::mt19937_64 &rng)
{
    const ab_op &op = t.ops[i].op;
    const size_t N = op.N, K = op.K, M = op.M, G = op.group_size ? K / op.group_size : 1;
    ab_selector sel;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint8_t ncand = 0;
    ab_error err{};
    ASSERT_EQ(ab_quant_candidates(op.weight_format, &sel, cand, &ncand, &err), 0) << err.msg;
    unsigned bits = 0;
    for (unsigned k = 0; k < ncand; k++)
        bits = cand[k].bits > bits ? cand[k].bits : bits;
    ab_trace_tensor *ti = tensor(t, i, AB_TROLE_TYPE_IDS);
    std::vector<uint8_t> type(N * G, 0);
    for (size_t s = 0; s < N * G && ti; s++)
        type[s] = ti->owned[s] = (uint8_t)(rng() % ncand);
    const bool float_pe = c.pe == AB_PE_FP16 || c.pe == AB_PE_ANT || c.pe == AB_PE_OLIVE;
    ab_trace_tensor *codes = tensor(t, i, AB_TROLE_WEIGHT_CODES);
    const size_t rb = ab_pack_row_bytes(K, bits);
    std::vector<uint32_t> row(K);
    for (size_t n = 0; n < N; n++) {
        for (size_t k = 0; k < K; k++) {
            const ab_format &f = cand[type[n * G + k / (K / G)]];
            uint32_t code;
            do
                code = (uint32_t)(rng() % ((uint64_t)1 << f.bits));
            while (float_pe && std::isnan(ab_format_decode(&f, code)));
            row[k] = code;
        }
        ab_pack_row(row.data(), K, bits, codes->owned + n * rb);
    }
    if (std::strncmp(op.scale_format, "int", 3) == 0) {
        const unsigned sb = (unsigned)std::atoi(op.scale_format + 3);
        ab_trace_tensor *sc = tensor(t, i, AB_TROLE_SCALES);
        for (size_t s = 0; s < N * G; s++) {
            const uint32_t v = (uint32_t)(rng() % ((uint64_t)1 << sb));
            if (sc->dtype == AB_DTYPE_U8) {
                sc->owned[s] = (uint8_t)v;
            } else {
                sc->owned[2 * s] = (uint8_t)v;
                sc->owned[2 * s + 1] = (uint8_t)(v >> 8);
            }
        }
    }
    ab_trace_tensor *at = tensor(t, i, AB_TROLE_ACTIVATIONS);
    if (at->dtype == AB_DTYPE_F16) {
        for (size_t k = 0; k < M * K; k++) {
            const uint16_t h = random_half(rng);
            at->owned[2 * k] = (uint8_t)h;
            at->owned[2 * k + 1] = (uint8_t)(h >> 8);
        }
        return;
    }
    ASSERT_EQ(at->dtype, AB_DTYPE_F32);
    ab_format af;
    ASSERT_EQ(ab_format_parse(c.af, &af, &err), 0) << err.msg;
    const int qmax = (int)ab_format_max(&af);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < K; k++) {
            float x = gauss(rng);
            if (m == 1)
                x = 0.0f; // a row of zeros: scale 1
            else if (m == 2 && k == 0)
                x = (float)qmax; // absmax qmax: scale 1, so that ...
            else if (m == 2 && qmax > 1)
                x = (float)((int)(rng() % (uint64_t)(2 * qmax)) - qmax) + 0.5f; // ... halves tie
            else if (m == 3 && k % 5 == 0)
                x = std::fabs(x) * 1e-41f; // subnormal floats
            if (c.af[0] == 'u')
                x = std::fabs(x);
            std::memcpy(at->owned + 4 * (m * K + k), &x, sizeof x);
        }
}

void check_random_ops(bool raw)
{
    std::mt19937_64 rng(raw ? 20250712 : 20250711);
    const uint32_t tile_ks[] = {128, 64, 256, 100};
    const uint32_t lanes[] = {4, 1, 2, 8, 16};
    size_t checked = 0;
    for (const Combo &c : combos()) {
        for (int rep = 0; rep < 5; rep++) {
            const uint64_t M = rep == 0 ? 1 : 1 + rng() % 5, N = 1 + rng() % 9;
            // (K, group): per channel odd, several groups, odd, group 60, one group
            const uint64_t shapes[5][2] = {{37, 0}, {390, 130}, {257, 0}, {300, 60}, {6, 6}};
            const uint64_t K = shapes[rep][0];
            const uint32_t group = (uint32_t)shapes[rep][1];
            ab_trace t;
            ab_error err{};
            ASSERT_EQ(ab_trace_init(&t, "unit", "prefill:1", "handmade", 1, &err), 0);
            ab_op op = make_op("l0.golden", AB_OP_GEMM, M, N, K, c.wf, c.sf, group, c.af);
            ASSERT_EQ(ab_trace_add_op(&t, &op, &err), 0);
            give_values(&t, 0, rng(), c.asym);
            if (raw)
                randomize(t, 0, c, rng);
            const bool bitmod = c.pe == AB_PE_BITMOD;
            const uint32_t sb = !bitmod ? 0 : std::string(c.sf) == "int8" ? (rep & 2 ? 16 : 8) : 6;
            const ab_accel a = make_accel(c.pe, bitmod ? lanes[rep] : 1, tile_ks[rep % 4], sb,
                                          bitmod && (rep & 1));
            std::string first;
            EXPECT_EQ(mismatches(a, t, 0, &first), 0u)
                << combo_name(c) << " K " << K << " lanes " << a.lanes << " literal "
                << a.bitmod_rtl_literal_align << ": " << first;
            ab_trace_free(&t);
            checked++;
        }
    }
    EXPECT_EQ(checked, 5 * combos().size());
}

// Quantized weights, Gaussian activations: what traces carry.
TEST(Golden, EqualsDatapathOnRandomQuantizedOps)
{
    check_random_ops(false);
}

// Raw random codes (every code a format has, special values and intNs's
// reserved code included), type ids, integer scales up to the scale width
// (the 21-bit dequantizer wraps), FP16 activations over the whole finite
// range, float activations with a zero row, ties and subnormals.
TEST(Golden, EqualsDatapathOnRawRandomOperands)
{
    check_random_ops(true);
}

// Both BitMoD term-alignment rules at every lane count on the same op:
// golden and datapath agree under each, and the rule changes the values
// (the golden model does not ignore it).
TEST(Golden, BitmodAlignmentRulesAndLanes)
{
    std::mt19937_64 rng(7);
    ab_trace t;
    ab_error err{};
    ASSERT_EQ(ab_trace_init(&t, "unit", "prefill:3", "handmade", 1, &err), 0);
    ab_op op = make_op("l1.align", AB_OP_GEMM, 3, 6, 256, "bitmod_fp4_mix", "int6", 128, "fp16");
    ASSERT_EQ(ab_trace_add_op(&t, &op, &err), 0);
    give_values(&t, 0, 11, false);
    const size_t n = 3 * 6;
    for (uint32_t lanes : {1u, 2u, 4u, 8u, 16u}) {
        std::vector<float> literal(n), aligned(n);
        for (bool lit : {false, true}) {
            const ab_accel a = make_accel(AB_PE_BITMOD, lanes, lanes, 8, lit);
            std::string first;
            EXPECT_EQ(mismatches(a, t, 0, &first), 0u) << lanes << " lanes: " << first;
            ASSERT_EQ(ab_golden_op(&a, &t, 0, lit ? literal.data() : aligned.data(), &err), 0)
                << err.msg;
        }
        size_t differ = 0;
        for (size_t k = 0; k < n; k++)
            differ += bits_of(literal[k]) != bits_of(aligned[k]);
        EXPECT_GT(differ, 0u) << lanes << " lanes";
    }
    ab_trace_free(&t);
}

// ---- the example traces with their presets ---------------------------------

TEST(Golden, EqualsDatapathOnExampleTraces)
{
    const std::string src = ANYBIT_SOURCE_DIR;
    const struct {
        const char *trace, *config;
        size_t with_values;
    } cases[] = {
        {"tiny-decode16-bitmod-synthetic", "bitmod", 4},
        {"tiny-prefill4-fp16-synthetic", "fp16", 2},
        {"tiny-prefill4-btc-w4a4-synthetic", "btc", 3},
    };
    for (const auto &c : cases) {
        ab_trace t;
        ab_accel a;
        ab_error err{};
        const std::string path = src + "/traces/examples/" + c.trace + ".safetensors";
        ASSERT_EQ(ab_trace_read(path.c_str(), &t, &err), 0) << err.msg;
        const std::string cfg = src + "/configs/" + c.config + ".yaml";
        ASSERT_EQ(ab_accel_load(cfg.c_str(), &a, &err), 0) << err.msg;
        size_t checked = 0;
        for (size_t i = 0; i < t.nops; i++) {
            if (!ab_values_present(&t, i))
                continue;
            std::string first;
            EXPECT_EQ(mismatches(a, t, i, &first), 0u) << c.trace << ": " << first;
            checked++;
        }
        EXPECT_EQ(checked, c.with_values) << c.trace;
        ab_trace_free(&t);
    }
}

// Guards against an INT32 register that does not wrap an exact 2^31: one
// output whose group dot product is exactly 2^31 (hand-computed: int8
// activations 127 then 2^18 x -64 at scale 1, int8 weights 0 then 2^18 x
// -128 at scale 2^-7, so 2^18 x 8192 = 2^31), which the register holds as
// -2^31: out = -2^31 x 1 x 2^-7 = -2^24, golden and datapath, int8 and btc.
TEST(Golden, IntegerRegisterWrapsAnExact2To31)
{
    const uint64_t K = ((uint64_t)1 << 18) + 1;
    for (ab_pe_kind pe : {AB_PE_INT8, AB_PE_BTC}) {
        ab_trace t;
        ab_error err{};
        ASSERT_EQ(ab_trace_init(&t, "unit", "prefill:1", "handmade", 1, &err), 0);
        ab_op op = make_op("l0.wrap", AB_OP_GEMM, 1, 1, K, "int8", "fp16", 0, "int8");
        ASSERT_EQ(ab_trace_add_op(&t, &op, &err), 0);
        ab_quant_spec spec;
        ASSERT_EQ(ab_op_quant_spec(&op, false, &spec, &err), 0) << err.msg;
        std::vector<float> w(K, -1.0f), a(K, -64.0f);
        w[0] = 0.0f;
        a[0] = 127.0f;
        ab_quant_result q;
        ASSERT_EQ(ab_quantize(&spec, w.data(), 1, K, &q, &err), 0) << err.msg;
        ASSERT_EQ(q.codes[1], 0x80u); // -128
        ASSERT_EQ(q.scales[0], 1.0f / 128);
        ASSERT_EQ(ab_trace_set_values(&t, 0, &q, false, a.data(), &err), 0) << err.msg;
        ab_quant_result_free(&q);
        const ab_accel acc = make_accel(pe, 1, 128, 0, false);
        float gd = 0.0f, dp = 0.0f;
        ASSERT_EQ(ab_golden_op(&acc, &t, 0, &gd, &err), 0) << err.msg;
        ASSERT_EQ(ab_values_datapath(&acc, &t, 0, &dp, &err), 0) << err.msg;
        EXPECT_EQ(gd, -16777216.0f) << pe;
        EXPECT_EQ(dp, -16777216.0f) << pe;
        ab_trace_free(&t);
    }
}

// ---- what the golden model refuses ------------------------------------------

TEST(Golden, RefusesWhatAPeDoesNotRunNamingOpAndField)
{
    struct Case {
        ab_pe_kind pe;
        const char *wf, *sf, *af, *field;
    } cases[] = {
        {AB_PE_BITMOD, "fp16", "int6", "fp16", "weight_format"},
        {AB_PE_BITMOD, "int4", "fp16", "fp16", "scale_format"},
        {AB_PE_INT8, "int8", "fp16", "fp16", "act_format"},
        {AB_PE_FP16, "int8", "fp16", "fp16", "weight_format"},
        {AB_PE_ANT, "bitmod_fp4_mix", "int6", "fp16", "weight_format"},
        {AB_PE_OLIVE, "pot4", "fp16", "fp16", "weight_format"},
    };
    for (const Case &c : cases) {
        ab_trace t;
        ab_error err{};
        ASSERT_EQ(ab_trace_init(&t, "unit", "prefill:2", "handmade", 1, &err), 0);
        ab_op op = make_op("l2.refused", AB_OP_GEMM, 2, 3, 64, c.wf, c.sf, 0, c.af);
        ASSERT_EQ(ab_trace_add_op(&t, &op, &err), 0);
        give_values(&t, 0, 3, false);
        const ab_accel a = make_accel(c.pe, c.pe == AB_PE_BITMOD ? 4 : 1, 128,
                                      c.pe == AB_PE_BITMOD ? 8 : 0, false);
        std::vector<float> out(6);
        err.msg[0] = '\0';
        EXPECT_EQ(ab_golden_op(&a, &t, 0, out.data(), &err), -1) << c.wf;
        EXPECT_NE(std::string(err.msg).find("op 'l2.refused'"), std::string::npos) << err.msg;
        EXPECT_NE(std::string(err.msg).find(c.field), std::string::npos) << err.msg;
        ab_trace_free(&t);
    }
    // an op without values
    ab_trace t;
    ab_error err{};
    ASSERT_EQ(ab_trace_init(&t, "unit", "prefill:2", "handmade", 1, &err), 0);
    ab_op op = make_op("l2.shapes", AB_OP_GEMM, 2, 3, 64, "int4", "fp16", 0, "fp16");
    ASSERT_EQ(ab_trace_add_op(&t, &op, &err), 0);
    const ab_accel a = make_accel(AB_PE_OLIVE, 1, 128, 0, false);
    std::vector<float> out(6);
    EXPECT_EQ(ab_golden_op(&a, &t, 0, out.data(), &err), -1);
    EXPECT_NE(std::string(err.msg).find("op 'l2.shapes' carries no weights"), std::string::npos)
        << err.msg;
    ab_trace_free(&t);
}

// ---- the kernels' building blocks, code by code -------------------------------

// The BitMoD weight formats and integer widths.
std::vector<std::string> bitmod_formats()
{
    std::vector<std::string> names = {"ternary", "bitmod_int3", "bitmod_int4"};
    for (int b = 2; b <= 8; b++) {
        names.push_back("int" + std::to_string(b));
        names.push_back("int" + std::to_string(b) + "s");
    }
    for (const char *fp : {"bitmod_fp3", "bitmod_fp4"})
        for (const char *suffix : {"", "_er+", "_er-", "_ea+", "_ea-"})
            names.push_back(std::string(fp) + suffix);
    return names;
}

TEST(Golden, BitmodTermsEqualKernelsEveryCode)
{
    size_t codes = 0;
    for (const std::string &name : bitmod_formats()) {
        ab_format f;
        ab_error err{};
        ASSERT_EQ(ab_format_parse(name.c_str(), &f, &err), 0) << err.msg;
        for (uint32_t code = 0; code < (1u << f.bits); code++) {
            ab_bitmod_term kt[AB_BITMOD_MAX_TERMS];
            ab_golden_term gt[AB_GOLDEN_MAX_TERMS];
            const int nk = ab_bitmod_terms(&f, code, kt, &err);
            const int ng = ab_golden_bitmod_terms(name.c_str(), code, gt, &err);
            ASSERT_EQ(nk, ng) << name << " code " << code << ": " << err.msg;
            ASSERT_GT(ng, 0) << name;
            for (int c = 0; c < ng; c++) {
                EXPECT_EQ(kt[c].sign, gt[c].sign) << name << " code " << code << " term " << c;
                EXPECT_EQ(kt[c].exp, gt[c].exp) << name << " code " << code << " term " << c;
                EXPECT_EQ(kt[c].man, gt[c].man) << name << " code " << code << " term " << c;
                EXPECT_EQ(kt[c].sig, gt[c].sig) << name << " code " << code << " term " << c;
            }
            codes++;
        }
    }
    EXPECT_EQ(codes, 2u * (4 + 8 + 16 + 32 + 64 + 128 + 256) + 4 + 8 + 16 + 5 * (8 + 16));
}

// Every code of every weight format a PE runs decodes to the same value
// (NaN where both say NaN); fp16 over all 65536 codes.
TEST(Golden, FormatValuesEqualKernelsEveryCode)
{
    std::vector<std::string> names = bitmod_formats();
    for (int b = 1; b <= 8; b++)
        names.push_back("uint" + std::to_string(b));
    for (int b = 3; b <= 8; b++)
        names.push_back("flint" + std::to_string(b));
    for (int b = 2; b <= 8; b++)
        names.push_back("pot" + std::to_string(b));
    for (const char *f : {"bin", "fp16", "fp4_e2m1", "fp6_e2m3", "fp6_e3m2", "fp8_e4m3",
                          "fp8_e5m2", "e2m0f", "e2m1f", "e3m1f", "e3m2f", "e3m3f", "e3m4f",
                          "e4m3", "e4m3fn", "e3m0fn", "e2m0", "e5m2fn", "e1m2f"})
        names.push_back(f);
    for (const std::string &name : names) {
        ab_format f;
        ab_error err{};
        ASSERT_EQ(ab_format_parse(name.c_str(), &f, &err), 0) << err.msg;
        for (uint32_t code = 0; code < (1u << f.bits); code++) {
            double g;
            ASSERT_EQ(ab_golden_format_value(name.c_str(), code, &g, &err), 0) << err.msg;
            const double k = ab_format_decode(&f, code);
            if (std::isnan(k) || std::isnan(g)) {
                EXPECT_TRUE(std::isnan(k) && std::isnan(g)) << name << " code " << code;
            } else {
                EXPECT_EQ(k, g) << name << " code " << code;
            }
        }
    }
    // the tensor reader's FP16 conversion against the golden decoding
    for (uint32_t h = 0; h < 65536; h++) {
        double g;
        ab_error err{};
        ASSERT_EQ(ab_golden_format_value("fp16", h, &g, &err), 0);
        const float k = ab_half_to_float((uint16_t)h);
        if (std::isnan(k)) {
            EXPECT_TRUE(std::isnan(g)) << h;
        } else {
            EXPECT_EQ((double)k, g) << h;
        }
    }
}

// kernels/act_quant.h against the golden quantizer: codes' values and
// scales bit for bit, on rows with ties, zeros, NaN, infinities, tiny and
// huge values.
TEST(Golden, ActivationQuantizerEqualsKernels)
{
    std::mt19937_64 rng(99);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    const size_t rows = 8, cols = 97;
    std::vector<float> x(rows * cols);
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < cols; k++) {
            float v = gauss(rng) * (r == 5 ? 1e-30f : r == 6 ? 1e30f : 1.0f);
            if (r == 1)
                v = 0.0f;
            if (r == 2)
                v = (float)((int)(rng() % 33) - 16) * 0.5f; // halves of the grid: ties
            if (r == 3 && k % 11 == 0)
                v = k % 2 ? NAN : INFINITY;
            if (r == 4 && k == 0)
                v = -0.0f;
            x[r * cols + k] = v;
        }
    std::vector<std::string> names = {"bin", "int4s", "int8s"};
    for (int b = 2; b <= 8; b++)
        names.push_back("int" + std::to_string(b));
    for (int b = 1; b <= 8; b++)
        names.push_back("uint" + std::to_string(b));
    for (const std::string &name : names) {
        ab_format f;
        ab_error err{};
        ASSERT_EQ(ab_format_parse(name.c_str(), &f, &err), 0);
        std::vector<int32_t> kv(rows * cols), gv(rows * cols);
        std::vector<float> ks(rows), gs(rows);
        ASSERT_EQ(ab_act_quant_rows(&f, x.data(), rows, cols, nullptr, kv.data(), ks.data(), &err),
                  0);
        ASSERT_EQ(ab_golden_act_quant(name.c_str(), x.data(), rows, cols, gv.data(), gs.data(),
                                      &err), 0) << err.msg;
        for (size_t r = 0; r < rows; r++)
            EXPECT_EQ(bits_of(ks[r]), bits_of(gs[r])) << name << " row " << r;
        for (size_t k = 0; k < rows * cols; k++)
            EXPECT_EQ(kv[k], gv[k]) << name << " element " << k << " x " << x[k];
    }
}

// kernels/gemm_bitplane.h's packing and plane weights against the golden
// planes, and both against the values the codes stand for.
TEST(Golden, BitPlanesEqualKernelsPacking)
{
    std::mt19937_64 rng(4242);
    for (unsigned bits = 1; bits <= 8; bits++) {
        for (bool is_signed : {false, true}) {
            for (unsigned i = 0; i < bits; i++)
                EXPECT_EQ(ab_bp_plane_weight(i, bits, is_signed),
                          ab_golden_bp_plane_coef(i, bits, is_signed))
                    << bits << " bits plane " << i << " signed " << is_signed;
        }
        for (size_t k : {1ul, 63ul, 64ul, 127ul, 128ul, 129ul, 300ul}) {
            const size_t rows = 1 + rng() % 7;
            std::vector<uint32_t> codes(rows * k);
            std::vector<uint8_t> codes8(rows * k);
            for (size_t e = 0; e < rows * k; e++)
                codes8[e] = (uint8_t)(codes[e] = (uint32_t)(rng() % (1u << bits)));
            ASSERT_EQ(ab_golden_bp_words(k), ab_bp_words(k)) << k;
            const size_t words = (size_t)bits * rows * ab_bp_words(k);
            std::vector<uint64_t> kp(words, ~0ull), gp(words, ~0ull);
            ab_bp_pack(codes8.data(), rows, k, bits, kp.data());
            ab_golden_bp_planes(codes.data(), rows, k, bits, gp.data());
            for (size_t w = 0; w < words; w++)
                ASSERT_EQ(kp[w], gp[w]) << bits << " bits k " << k << " word " << w;
            // what the kernels' planes stand for, read the golden way
            const std::string sname = "int" + std::to_string(bits);
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < k; c++) {
                    const uint32_t code = codes[r * k + c];
                    const int64_t u = ab_golden_bp_element(kp.data(), rows, k, bits, false,
                                                           false, r, c);
                    EXPECT_EQ(u, (int64_t)code);
                    if (bits >= 2) {
                        double v;
                        ab_error err{};
                        ASSERT_EQ(ab_golden_format_value(sname.c_str(), code, &v, &err), 0);
                        EXPECT_EQ(ab_golden_bp_element(kp.data(), rows, k, bits, true, false, r,
                                                       c), (int64_t)v)
                            << sname << " code " << code;
                    } else {
                        EXPECT_EQ(ab_golden_bp_element(kp.data(), rows, k, 1, false, true, r, c),
                                  code ? 1 : -1);
                    }
                }
        }
    }
}

// The golden library calls nothing of kernels/ or sim/ but the I/O its
// README names: its undefined ab_* symbols (the ones no object of its own
// defines) are exactly that list or a part of it.
TEST(Golden, CallsNoArithmeticOutsideItsRoom)
{
    const std::string dir = tmp_dir("golden");
    const CliRun r = run_command(std::string("nm -g '") + ANYBIT_GOLDEN_LIB + "'", dir);
    ASSERT_EQ(r.status, 0) << r.err;
    std::set<std::string> defined, undefined;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::vector<std::string> w;
        for (std::string s; f >> s;)
            w.push_back(s);
        if (w.size() == 2 && w[0] == "U")
            undefined.insert(w[1]);
        else if (w.size() == 3)
            defined.insert(w[2]);
    }
    const std::set<std::string> io = {"ab_error_set", "ab_pack_row_bytes", "ab_unpack_row",
                                      "ab_dtype_name"};
    size_t own = 0;
    for (const std::string &s : defined)
        own += s.rfind("ab_golden_", 0) == 0;
    EXPECT_GE(own, 8u) << r.out;
    for (const std::string &s : undefined) {
        if (s.rfind("ab_", 0) == 0 && !defined.count(s)) {
            EXPECT_TRUE(io.count(s)) << s << " is called by golden/ and is not I/O";
        }
    }
}

} // namespace
