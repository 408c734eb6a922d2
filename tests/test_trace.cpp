// test_trace.cpp - traces (sim/trace.*, docs/trace-format.md): bit packing,
// the reference GEMM, reconstruction of weights from stored tensors equal
// to the quantizer's dequant, write -> read -> identical, `anybit trace
// gen|info|verify`, and every bad-input class: exit 2 with one message.
#include <gtest/gtest.h>

#include "test_ops.h"
#include "test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <cjson/cJSON.h>

#include "gemm.h"
#include "pack.h"
#include "quant.h"
#include "synth.h"
#include "tensor_io.h"
#include "workload/trace.h"
}

namespace {

using namespace anybit_test;

std::string tmp_dir()
{
    return anybit_test::tmp_dir("trace");
}

std::string tmp_path(const std::string &name)
{
    return tmp_dir() + "/" + std::to_string(getpid()) + "-" + name;
}


// Quantize seeded weights for op i of t (its formats) and give it values.
void give_values(ab_trace *t, size_t i, uint64_t seed, bool asym = false,
                 std::vector<float> *dequant = nullptr, bool with_act = true)
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
    ab_quant_result q;
    ASSERT_EQ(ab_quantize(&spec, w.data(), op.N, op.K, &q, &err), 0) << err.msg;
    if (dequant)
        dequant->assign(q.dequant, q.dequant + op.N * op.K);
    EXPECT_EQ(ab_trace_set_values(t, i, &q, asym, with_act ? a.data() : nullptr, &err), 0)
        << err.msg;
    ab_quant_result_free(&q);
}

// A small trace: a shapes-only attention op and gemm ops with values.
void make_trace(ab_trace *t)
{
    ab_error err{};
    ASSERT_EQ(ab_trace_init(t, "unit", "decode:8", "handmade", 2, &err), 0);
    ab_op ops[] = {
        make_op("l0.q_proj", AB_OP_GEMM, 2, 16, 64, "bitmod_fp4_mix", "int8", 32),
        make_op("l0.qk", AB_OP_ATTN_QK, 1, 9, 16, "int8", "fp16", 0),
        make_op("l0.fc", AB_OP_GEMM, 3, 8, 64, "int4", "fp16", 16, "bf16"),
        make_op("l0.shapes", AB_OP_GEMM, 1, 4096, 4096, "int4", "fp16", 128),
    };
    ops[1].count = 8;
    ops[1].weight_share = 2;
    for (const ab_op &op : ops)
        ASSERT_EQ(ab_trace_add_op(t, &op, &err), 0);
    give_values(t, 0, 11);
    give_values(t, 2, 12);
}

// Write the trace's tensors (minus `drop`) with a given anybit metadata text.
void write_raw(const std::string &path, const ab_trace *t, const std::string &meta,
               const std::string &drop = "", bool swap_shape_of_codes = false)
{
    std::vector<ab_st_write_entry> e;
    std::vector<std::vector<size_t>> shapes;
    for (size_t i = 0; i < t->ntensors; i++)
        shapes.emplace_back(t->tensors[i].shape, t->tensors[i].shape + t->tensors[i].ndim);
    for (size_t i = 0; i < t->ntensors; i++) {
        const ab_trace_tensor &x = t->tensors[i];
        if (drop == x.name)
            continue;
        if (swap_shape_of_codes && std::strstr(x.name, "weight_codes"))
            std::swap(shapes[i][0], shapes[i][1]);
        e.push_back({x.name, x.dtype, x.ndim, shapes[i].data(), x.data});
    }
    const char *key = "anybit";
    const char *val = meta.c_str();
    ab_error err{};
    ASSERT_EQ(ab_safetensors_write(path.c_str(), e.data(), e.size(), &key, &val, 1, &err), 0)
        << err.msg;
}

std::string meta_of(const std::string &path)
{
    ab_safetensors st;
    ab_error err{};
    EXPECT_EQ(ab_safetensors_open(path.c_str(), &st, &err), 0) << err.msg;
    char *m = ab_safetensors_metadata(&st, "anybit");
    std::string s = m ? m : "";
    std::free(m);
    ab_safetensors_free(&st);
    return s;
}

void expect_bad(const std::string &path, const std::string &needle)
{
    for (const char *cmd : {"trace info", "trace verify"}) {
        CliRun r = anybit(std::string(cmd) + " '" + path + "'");
        EXPECT_EQ(r.status, 2) << cmd << " " << needle << "\n" << r.out << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(needle), std::string::npos) << "want '" << needle << "' in " << r.err;
        EXPECT_EQ(r.out, "") << cmd;
    }
    ab_trace t;
    ab_error err{};
    EXPECT_EQ(ab_trace_read(path.c_str(), &t, &err), -1);
}

} // namespace

TEST(TracePack, RoundTripEveryWidth)
{
    ab_rng rng;
    ab_rng_seed(&rng, 5);
    for (unsigned bits = 1; bits <= 32; bits++) {
        for (size_t n : {1u, 3u, 7u, 8u, 9u, 64u, 131u}) {
            std::vector<uint32_t> c(n), back(n);
            for (auto &x : c)
                x = (uint32_t)ab_rng_next(&rng) & (bits == 32 ? 0xffffffffu : (1u << bits) - 1);
            std::vector<uint8_t> p(ab_pack_row_bytes(n, bits));
            ASSERT_EQ(p.size(), (n * bits + 7) / 8);
            ab_pack_row(c.data(), n, bits, p.data());
            ab_unpack_row(p.data(), n, bits, back.data());
            EXPECT_EQ(c, back) << bits << " bits, n " << n;
            EXPECT_TRUE(ab_pack_row_padding_clear(p.data(), n, bits));
        }
    }
    // every width against a bit-by-bit layout (bit j of code i is bit
    // i * bits + j of the row, LSB first): the general loop and the
    // byte-aligned ones (1, 2, 4, 8, 16 bits) alike, both directions
    for (unsigned bits = 1; bits <= 32; bits++) {
        for (size_t n : {0u, 1u, 2u, 5u, 8u, 33u, 100u}) {
            std::vector<uint32_t> c(n), back(n, 0xdeadbeefu);
            for (auto &x : c)
                x = (uint32_t)ab_rng_next(&rng); // high bits beyond `bits` must be dropped
            std::vector<uint8_t> want(ab_pack_row_bytes(n, bits), 0), got(want.size(), 0xa5);
            for (size_t i = 0; i < n; i++)
                for (unsigned j = 0; j < bits; j++)
                    if (c[i] >> j & 1u)
                        want[(i * bits + j) / 8] |= (uint8_t)(1u << ((i * bits + j) % 8));
            ab_pack_row(c.data(), n, bits, got.data());
            EXPECT_EQ(want, got) << "pack, " << bits << " bits, n " << n;
            ab_unpack_row(want.data(), n, bits, back.data());
            for (size_t i = 0; i < n; i++)
                EXPECT_EQ(back[i], bits == 32 ? c[i] : c[i] & ((1u << bits) - 1))
                    << "unpack, " << bits << " bits, code " << i << " of " << n;
        }
    }
    // LSB first: codes 1, 2, 3 at 3 bits = 0b011'010'001
    const uint32_t c[3] = {1, 2, 3};
    uint8_t p[2];
    ab_pack_row(c, 3, 3, p);
    EXPECT_EQ(p[0], 0xd1);
    EXPECT_EQ(p[1], 0x00);
    p[1] = 0x02; // a stray bit past the last code
    EXPECT_FALSE(ab_pack_row_padding_clear(p, 3, 3));
}

TEST(TraceGemm, DoubleAccumulationRoundedOnce)
{
    // float accumulation would lose the 1: 2^24 + 1 - 2^24
    const float act[3] = {16777216.0f, 1.0f, -16777216.0f};
    const float w[3] = {1.0f, 1.0f, 1.0f};
    float out = 0;
    ab_gemm_ref(act, w, &out, 1, 1, 3);
    EXPECT_EQ(out, 1.0f);
    const float a2[4] = {1, 2, 3, 4}, w2[6] = {1, 0, 0, 1, 1, 1};
    float o2[6];
    ab_gemm_ref(a2, w2, o2, 2, 3, 2);
    const float want[6] = {1, 2, 3, 3, 4, 7};
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(o2[i], want[i]);
}

TEST(TraceDequant, StoredTensorsGiveTheQuantizersValues)
{
    struct C {
        const char *wf, *sf;
        uint32_t group;
        bool asym;
    } cases[] = {
        {"int4", "fp16", 32, false},          {"int3", "fp32", 0, false},
        {"bitmod_fp4_mix", "int8", 32, false}, {"bitmod_fp3_mix", "int4", 64, false},
        {"ant4", "fp16", 0, false},            {"mxfp4", "fp16", 0, false},
        {"mxint8", "fp16", 0, false},          {"uint4", "fp16", 32, true},
        {"fp8_e4m3", "e8m0", 32, false},       {"fp16", "fp16", 0, false},
        {"int12", "int12", 64, false},         {"uint10", "fp16", 64, true},
    };
    for (const C &c : cases) {
        ab_trace t;
        ab_error err{};
        ASSERT_EQ(ab_trace_init(&t, "m", "p", "r", 1, &err), 0);
        ab_op op = make_op("w", AB_OP_GEMM, 2, 24, 128, c.wf, c.sf, c.group);
        ASSERT_EQ(ab_trace_add_op(&t, &op, &err), 0);
        std::vector<float> dq, w(24 * 128);
        give_values(&t, 0, 3, c.asym, &dq);
        ASSERT_TRUE(ab_trace_op_has_values(&t, 0)) << c.wf;
        ASSERT_EQ(ab_trace_dequant_weights(&t, 0, w.data(), &err), 0) << err.msg;
        EXPECT_EQ(std::memcmp(w.data(), dq.data(), w.size() * sizeof(float)), 0)
            << c.wf << " " << c.sf;
        // and it survives the file
        const std::string path = tmp_path("dq.safetensors");
        ASSERT_EQ(ab_trace_write(path.c_str(), &t, &err), 0) << err.msg;
        ab_trace r;
        ASSERT_EQ(ab_trace_read(path.c_str(), &r, &err), 0) << c.wf << ": " << err.msg;
        std::vector<float> w2(w.size());
        ASSERT_EQ(ab_trace_dequant_weights(&r, 0, w2.data(), &err), 0) << err.msg;
        EXPECT_EQ(std::memcmp(w2.data(), dq.data(), w.size() * sizeof(float)), 0) << c.wf;
        ab_trace_free(&r);
        ab_trace_free(&t);
    }
}

TEST(TraceRoundTrip, WriteReadIdentical)
{
    ab_trace t;
    make_trace(&t);
    const std::string a = tmp_path("rt-a.safetensors"), b = tmp_path("rt-b.safetensors");
    ab_error err{};
    ASSERT_EQ(ab_trace_write(a.c_str(), &t, &err), 0) << err.msg;
    ab_trace r;
    ASSERT_EQ(ab_trace_read(a.c_str(), &r, &err), 0) << err.msg;
    EXPECT_STREQ(r.model, "unit");
    EXPECT_STREQ(r.phase, "decode:8");
    EXPECT_STREQ(r.recipe, "handmade");
    EXPECT_EQ(r.batch, 2u);
    EXPECT_EQ(r.version_major, 1u);
    EXPECT_EQ(r.version_minor, 0u);
    ASSERT_EQ(r.nops, t.nops);
    for (size_t i = 0; i < t.nops; i++) {
        const ab_op &x = t.ops[i].op, &y = r.ops[i].op;
        EXPECT_STREQ(x.name, y.name);
        EXPECT_EQ(x.kind, y.kind);
        EXPECT_EQ(x.M, y.M);
        EXPECT_EQ(x.N, y.N);
        EXPECT_EQ(x.K, y.K);
        EXPECT_EQ(x.count, y.count);
        EXPECT_EQ(x.weight_share, y.weight_share);
        EXPECT_STREQ(x.weight_format, y.weight_format);
        EXPECT_STREQ(x.act_format, y.act_format);
        EXPECT_STREQ(x.acc_format, y.acc_format);
        EXPECT_STREQ(x.scale_format, y.scale_format);
        EXPECT_EQ(x.group_size, y.group_size);
        for (int k = 0; k < AB_TROLE_COUNT; k++) {
            ASSERT_EQ(t.ops[i].tensor[k] < 0, r.ops[i].tensor[k] < 0) << i << " " << k;
            if (t.ops[i].tensor[k] < 0)
                continue;
            const ab_trace_tensor &p = t.tensors[t.ops[i].tensor[k]];
            const ab_trace_tensor &q = r.tensors[r.ops[i].tensor[k]];
            EXPECT_STREQ(p.name, q.name);
            EXPECT_EQ(p.dtype, q.dtype);
            EXPECT_EQ(p.ndim, q.ndim);
            EXPECT_EQ(p.shape[0], q.shape[0]);
            EXPECT_EQ(p.nbytes, q.nbytes);
            EXPECT_EQ(std::memcmp(p.data, q.data, p.nbytes), 0) << p.name;
        }
    }
    EXPECT_TRUE(ab_trace_op_has_values(&r, 0));
    EXPECT_FALSE(ab_trace_op_has_values(&r, 1));
    EXPECT_FALSE(ab_trace_op_has_values(&r, 3));
    // what was read writes the same bytes again
    ASSERT_EQ(ab_trace_write(b.c_str(), &r, &err), 0) << err.msg;
    EXPECT_EQ(slurp(a), slurp(b));
    ab_trace_free(&r);
    ab_trace_free(&t);

    // from memory: a failed parse leaves the buffer with the caller
    std::string bytes = slurp(a);
    std::vector<uint8_t> buf(bytes.begin(), bytes.end());
    buf[8] = '['; // no longer a JSON object
    uint8_t *heap = (uint8_t *)std::malloc(buf.size());
    std::memcpy(heap, buf.data(), buf.size());
    EXPECT_EQ(ab_trace_parse(heap, buf.size(), "mem", &r, &err), -1);
    std::free(heap);
}

TEST(TraceRoundTrip, SetValuesRejectsWhatFormatOneCannotHold)
{
    ab_trace t;
    ab_error err{};
    ASSERT_EQ(ab_trace_init(&t, "m", "p", "r", 1, &err), 0);
    ab_op qk = make_op("qk", AB_OP_ATTN_QK, 1, 16, 64, "int8", "fp16", 0);
    ab_op ol = make_op("ol", AB_OP_GEMM, 1, 16, 64, "olive4", "fp16", 0);
    // fp8 activations have no storage in 1.x (integer ones do since 1.1)
    ab_op i8 = make_op("f8", AB_OP_GEMM, 1, 16, 64, "int4", "fp16", 0, "fp8_e4m3");
    ASSERT_EQ(ab_trace_add_op(&t, &qk, &err), 0);
    ASSERT_EQ(ab_trace_add_op(&t, &ol, &err), 0);
    ASSERT_EQ(ab_trace_add_op(&t, &i8, &err), 0);
    std::vector<float> w(16 * 64, 0.01f), a(64, 1.0f);
    ab_quant_spec spec{};
    std::snprintf(spec.format, sizeof spec.format, "int8");
    spec.granularity = AB_GRAN_CHANNEL;
    spec.scale = AB_SCALE_FP16;
    ab_quant_result q;
    ASSERT_EQ(ab_quantize(&spec, w.data(), 16, 64, &q, &err), 0);
    EXPECT_EQ(ab_trace_set_values(&t, 0, &q, false, nullptr, &err), -1);
    EXPECT_NE(std::string(err.msg).find("attn_qk"), std::string::npos) << err.msg;
    EXPECT_EQ(ab_trace_set_values(&t, 1, &q, false, nullptr, &err), -1);
    EXPECT_NE(std::string(err.msg).find("OliVe"), std::string::npos) << err.msg;
    ab_quant_result_free(&q);
    std::snprintf(spec.format, sizeof spec.format, "int4");
    ASSERT_EQ(ab_quantize(&spec, w.data(), 16, 64, &q, &err), 0);
    EXPECT_EQ(ab_trace_set_values(&t, 2, &q, false, a.data(), &err), -1);
    EXPECT_NE(std::string(err.msg).find("fp8_e4m3"), std::string::npos) << err.msg;
    EXPECT_FALSE(ab_trace_op_has_values(&t, 2)); // left shapes-only
    EXPECT_EQ(t.ntensors, 0u);
    ab_quant_result_free(&q);
    ab_trace_free(&t);
}

// Format 1.1: integer activations are stored as floats the PE quantizes;
// a file using them says 1.1, one without them stays 1.0.
TEST(TraceRoundTrip, IntegerActivationsAreVersionOnePointOne)
{
    ab_trace t;
    ab_error err{};
    ASSERT_EQ(ab_trace_init(&t, "unit", "prefill:3", "handmade", 1, &err), 0);
    ab_op i8 = make_op("l0.i8", AB_OP_GEMM, 3, 8, 64, "int8", "fp16", 0, "int8");
    ab_op b = make_op("l0.bin", AB_OP_GEMM, 2, 4, 64, "int4", "fp16", 32, "bin");
    ASSERT_EQ(ab_trace_add_op(&t, &i8, &err), 0);
    ASSERT_EQ(ab_trace_add_op(&t, &b, &err), 0);
    give_values(&t, 0, 21);
    give_values(&t, 1, 22);
    const ab_trace_tensor &act = t.tensors[t.ops[0].tensor[AB_TROLE_ACTIVATIONS]];
    EXPECT_EQ(act.dtype, AB_DTYPE_F32);
    const std::string p = tmp_path("int-act.safetensors");
    ASSERT_EQ(ab_trace_write(p.c_str(), &t, &err), 0) << err.msg;
    const std::string meta = meta_of(p);
    EXPECT_NE(meta.find("\"version\":\"1.1\""), std::string::npos) << meta;
    ab_trace r;
    ASSERT_EQ(ab_trace_read(p.c_str(), &r, &err), 0) << err.msg;
    EXPECT_EQ(r.version_minor, 1u);
    std::vector<float> x(3 * 64);
    ASSERT_EQ(ab_trace_activations(&r, 0, x.data(), &err), 0);
    EXPECT_EQ(std::memcmp(x.data(), act.data, x.size() * sizeof(float)), 0);
    ab_trace_free(&r);
    CliRun run = anybit("trace verify '" + p + "'");
    EXPECT_EQ(run.status, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("2 of 2 ops agree"), std::string::npos) << run.out;

    const std::string bad = tmp_path("int-act-bad.safetensors");
    // a 1.0 file cannot carry them
    write_raw(bad, &t, replace(meta, "\"version\":\"1.1\"", "\"version\":\"1.0\""));
    expect_bad(bad, "activations of act_format 'int8' need trace format 1.1");
    // F16 floats are read too; BF16 is not (finite F16 values: the F32
    // bytes read as F16 hold NaN codes, which the reader refuses)
    const std::vector<uint16_t> finite_f16(3 * 64, 0x3c00);
    for (ab_dtype d : {AB_DTYPE_F16, AB_DTYPE_BF16}) {
        std::vector<ab_st_write_entry> e;
        for (size_t i = 0; i < t.ntensors; i++) {
            const ab_trace_tensor &tt = t.tensors[i];
            const bool a = std::string(tt.name) == "l0.i8.activations";
            e.push_back({tt.name, a ? d : tt.dtype, tt.ndim, tt.shape,
                         a && d == AB_DTYPE_F16 ? (const void *)finite_f16.data() : tt.data});
        }
        const char *key = "anybit";
        const char *val = meta.c_str();
        ASSERT_EQ(ab_safetensors_write(bad.c_str(), e.data(), e.size(), &key, &val, 1, &err), 0);
        if (d == AB_DTYPE_F16) {
            run = anybit("trace info '" + bad + "'");
            EXPECT_EQ(run.status, 0) << run.err;
        } else {
            expect_bad(bad, "must be F32 or F16 [3, 64]");
        }
    }
    ab_trace_free(&t);

    // without integer activations the writer still writes 1.0
    make_trace(&t);
    ASSERT_EQ(ab_trace_write(p.c_str(), &t, &err), 0) << err.msg;
    EXPECT_NE(meta_of(p).find("\"version\":\"1.0\""), std::string::npos);
    ab_trace_free(&t);
}

TEST(TraceCli, GenInfoVerify)
{
    const std::string tiny = std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny.yaml";
    const std::string out = tmp_path("gen.safetensors");
    CliRun r = anybit("trace gen --model '" + tiny + "' --recipe bitmod --phase prefill:4 "
                      "--values synthetic --seed 3 --ops 'layers.0.mlp.*' -o '" + out + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    r = anybit("trace info '" + out + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("layers.0.mlp.gate_proj"), std::string::npos);
    EXPECT_NE(r.out.find("total: 10 ops (3 with values)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"kind\":\"synthetic\""), std::string::npos) << r.out;
    r = anybit("trace verify '" + out + "'");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("3 of 3 ops agree"), std::string::npos) << r.out;

    // same seed, same file; and the same for any -j (ops quantized at once
    // on threads, stored in op order): 1, 2, and more jobs than ops
    const std::string again = tmp_path("gen2.safetensors");
    for (const char *jobs : {"1", "2", "7"}) {
        r = anybit("trace gen --model '" + tiny + "' --recipe bitmod --phase prefill:4 "
                   "--values synthetic --seed 3 --ops 'layers.*' -j " + std::string(jobs) +
                   " -o '" + again + "'");
        ASSERT_EQ(r.status, 0) << r.err;
        const std::string all = slurp(again);
        if (std::string(jobs) == "1") {
            r = anybit("trace gen --model '" + tiny + "' --recipe bitmod --phase prefill:4 "
                       "--values synthetic --seed 3 --ops 'layers.*' -o '" + out + ".all'");
            ASSERT_EQ(r.status, 0) << r.err;
        }
        EXPECT_TRUE(all == slurp(out + ".all")) << "-j " << jobs << " wrote another file";
    }
    r = anybit("trace gen --model '" + tiny + "' --recipe bitmod --phase prefill:4 "
               "--values synthetic --seed 3 --ops 'layers.0.mlp.*' -o '" + again + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(out), slurp(again));
    r = anybit("trace gen --model '" + tiny + "' --recipe bitmod --phase prefill:4 "
               "--values synthetic -j 0 -o '" + again + "'");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("-j: expected an integer in [1, 256], got '0'"), std::string::npos)
        << r.err;

    // shapes only: verify has nothing to do and says so
    const std::string shapes = tmp_path("shapes.safetensors");
    r = anybit("trace gen --model llama2-7b --recipe bitmod --phase decode:256 -o '" + shapes +
               "'");
    ASSERT_EQ(r.status, 0) << r.err;
    r = anybit("trace verify '" + shapes + "'");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("nothing to verify"), std::string::npos);

    // integer activations (format 1.1): stored as floats the PE quantizes,
    // with expected outputs that verify
    const std::string w8 = tmp_path("int8.safetensors");
    r = anybit("trace gen --model '" + tiny + "' --recipe int8 --phase prefill:2 "
               "--values synthetic --max-ops 2 -o '" + w8 + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err.find("weights only"), std::string::npos) << r.err;
    r = anybit("trace info '" + w8 + "'");
    EXPECT_NE(r.out.find("(format 1.1)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(2 with values)"), std::string::npos) << r.out;
    r = anybit("trace verify '" + w8 + "'");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("2 of 2 ops agree"), std::string::npos) << r.out;

    for (const char *h : {"trace --help", "trace gen --help", "trace info --help",
                          "trace verify --help"}) {
        r = anybit(h);
        EXPECT_EQ(r.status, 0) << h;
        EXPECT_NE(r.out.find("usage: anybit trace"), std::string::npos) << h;
    }
}

TEST(TraceCli, ExamplesVerify)
{
    const std::string dir = std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/";
    size_t n = 0;
    for (const char *f : {"llama2-7b-decode256-bitmod.safetensors",
                          "tiny-decode16-bitmod-synthetic.safetensors",
                          "tiny-prefill4-fp16-synthetic.safetensors",
                          "tiny-prefill4-btc-w4a4-synthetic.safetensors"}) {
        const std::string p = dir + f;
        ASSERT_TRUE(exists(p)) << p;
        CliRun r = anybit("trace verify '" + p + "'");
        EXPECT_EQ(r.status, 0) << f << r.out << r.err;
        r = anybit("trace info '" + p + "'");
        EXPECT_EQ(r.status, 0) << f << r.err;
        n++;
    }
    EXPECT_EQ(n, 4u);
}

TEST(TraceCli, CorruptedOutputsAreAMismatch)
{
    ab_trace t;
    make_trace(&t);
    const std::string path = tmp_path("corrupt.safetensors");
    ab_error err{};
    ASSERT_EQ(ab_trace_write(path.c_str(), &t, &err), 0) << err.msg;
    CliRun r = anybit("trace verify '" + path + "'");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    // flip a byte inside l0.q_proj.outputs
    for (size_t i = 0; i < t.ntensors; i++)
        if (std::string(t.tensors[i].name) == "l0.q_proj.outputs")
            t.tensors[i].owned[5] ^= 0x40;
    ASSERT_EQ(ab_trace_write(path.c_str(), &t, &err), 0) << err.msg;
    r = anybit("trace verify '" + path + "'");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("MISMATCH"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 of 2 ops agree"), std::string::npos) << r.out;
    ab_trace_free(&t);
}

TEST(TraceBadInput, EveryClassExitsTwoWithOneMessage)
{
    ab_trace t;
    make_trace(&t);
    ab_error err{};
    const std::string good = tmp_path("good.safetensors");
    ASSERT_EQ(ab_trace_write(good.c_str(), &t, &err), 0) << err.msg;
    const std::string meta = meta_of(good);
    const std::string p = tmp_path("bad.safetensors");

    // header length past the end of the file
    std::string bytes = slurp(good);
    std::string cut = bytes;
    cut[0] = (char)0xff;
    cut[1] = (char)0xff;
    cut[2] = (char)0xff;
    spit(p, cut);
    expect_bad(p, "header");
    spit(p, bytes.substr(0, 5));
    expect_bad(p, p);

    // invalid JSON inside __metadata__.anybit
    write_raw(p, &t, meta.substr(0, meta.size() / 2));
    expect_bad(p, "invalid JSON");
    write_raw(p, &t, "[1,2]");
    expect_bad(p, "expected a JSON object");

    // offsets out of bounds and overlapping (hand-made container)
    {
        auto container = [](const std::string &hdr, size_t data) {
            std::string s(8, '\0');
            uint64_t n = hdr.size();
            for (int i = 0; i < 8; i++)
                s[i] = (char)(n >> (8 * i));
            return s + hdr + std::string(data, '\0');
        };
        const std::string m =
            "\"__metadata__\":{\"anybit\":\"{\\\"format\\\":\\\"anybit-trace\\\"}\"}";
        spit(p, container("{" + m + ",\"a\":{\"dtype\":\"U8\",\"shape\":[16],"
                          "\"data_offsets\":[0,16]}}", 8));
        expect_bad(p, "offset");
        spit(p, container("{" + m + ",\"a\":{\"dtype\":\"U8\",\"shape\":[8],"
                          "\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"U8\",\"shape\":[8],"
                          "\"data_offsets\":[4,12]}}", 16));
        expect_bad(p, "overlap");
    }

    // dtype / shape mismatch with the op
    write_raw(p, &t, meta, "", true);
    expect_bad(p, "weight_codes' must be U8 [16, 32]");
    {
        std::vector<ab_st_write_entry> e;
        for (size_t i = 0; i < t.ntensors; i++) {
            const ab_trace_tensor &x = t.tensors[i];
            ab_dtype d = x.dtype;
            if (std::string(x.name) == "l0.fc.activations")
                d = AB_DTYPE_F16; // the op says bf16
            e.push_back({x.name, d, x.ndim, x.shape, x.data});
        }
        const char *key = "anybit";
        const char *val = meta.c_str();
        ASSERT_EQ(ab_safetensors_write(p.c_str(), e.data(), e.size(), &key, &val, 1, &err), 0);
        expect_bad(p, "must be BF16 [3, 64], found F16 [3, 64]");
    }

    // unknown major version; unknown minor versions are read (new fields too)
    write_raw(p, &t, replace(meta, "\"version\":\"1.0\"", "\"version\":\"2.0\""));
    expect_bad(p, "version 2.0 is not supported");
    write_raw(p, &t, replace(meta, "\"version\":\"1.0\"",
                             "\"version\":\"1.7\",\"added_in_1_7\":true"));
    CliRun r = anybit("trace verify '" + p + "'");
    EXPECT_EQ(r.status, 0) << r.err;
    write_raw(p, &t, replace(meta, "\"version\":\"1.0\"", "\"version\":\"1.0\",\"extra\":1"));
    expect_bad(p, "unknown field 'extra'");

    // integer accumulators wider than element formats are names too
    write_raw(p, &t, replace(meta, "\"acc_format\":\"fp32\"", "\"acc_format\":\"int32\""));
    r = anybit("trace info '" + p + "'");
    EXPECT_EQ(r.status, 0) << r.err;

    // a tensor a full trace names is missing
    write_raw(p, &t, meta, "l0.q_proj.scales");
    expect_bad(p, "tensor 'l0.q_proj.scales' is missing");

    // field by field
    struct {
        const char *from, *to, *needle;
    } edits[] = {
        {"\"format\":\"anybit-trace\"", "\"format\":\"other\"", "format: expected"},
        {"\"batch\":2", "\"batch\":0", "batch: expected an integer"},
        {"\"batch\":2", "\"batch\":\"2\"", "batch: expected an integer, found a string"},
        {"\"kind\":\"gemm\"", "\"kind\":\"matmul\"", "ops[0].kind"},
        {"\"M\":2", "\"M\":2.5", "ops[0].M"},
        {"\"weight_format\":\"bitmod_fp4_mix\"", "\"weight_format\":\"int99x\"",
         "ops[0].weight_format"},
        {"\"scale_format\":\"int8\"", "\"scale_format\":\"int1\"", "ops[0].scale_format"},
        {"\"acc_format\":\"fp32\"", "\"acc_format\":\"int65\"", "ops[0].acc_format"},
        {"\"name\":\"l0.fc\"", "\"name\":\"l0.q_proj\"", "also the name of ops[0]"},
        {"\"values\":null", "\"values\":{\"kind\":\"made up\"}", "values.kind"},
        {"\"K\":64,", "", "ops[0].K: missing"},
        {"\"weight_format\":\"int4\"", "\"weight_format\":\"int8\"", "weight_codes' must be"},
        {"\"group_size\":32", "\"group_size\":48", "group_size: 48 does not divide K"},
    };
    for (const auto &ed : edits) {
        write_raw(p, &t, replace(meta, ed.from, ed.to));
        expect_bad(p, ed.needle);
    }
    // shapes-only traces are valid; a file without anybit metadata is not a trace
    {
        const char *key = "other";
        const char *val = "x";
        ASSERT_EQ(ab_safetensors_write(p.c_str(), nullptr, 0, &key, &val, 1, &err), 0);
        expect_bad(p, "not an anybit trace");
    }
    expect_bad(tmp_path("does-not-exist.safetensors"), "does-not-exist");
    ab_trace_free(&t);
}

TEST(TraceBadInput, GenWritesNothingOnBadInput)
{
    const std::string out = tmp_path("never.safetensors");
    std::remove(out.c_str());
    for (const char *args :
         {"--model no-such-model --recipe bitmod --phase decode:8",
          "--model llama2-7b --recipe bitmod --phase sideways:8",
          "--model llama2-7b --recipe bitmod --phase decode:8 --values maybe",
          "--model llama2-7b --recipe bitmod --phase decode:8 --max-ops 3",
          "--model llama2-7b --recipe bitmod --phase decode:8 --values synthetic --ops 'nope*'",
          "--model llama2-7b --recipe bitmod --phase decode:8 --batch 0"}) {
        CliRun r = anybit(std::string("trace gen ") + args + " -o '" + out + "'");
        EXPECT_EQ(r.status, 2) << args << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << args << r.err;
        EXPECT_FALSE(exists(out)) << args;
    }
    CliRun r = anybit("trace gen --model llama2-7b --recipe bitmod --phase decode:8");
    EXPECT_EQ(r.status, 2);
    r = anybit("trace frob");
    EXPECT_EQ(r.status, 2);
}
