// test_bounds.cpp - the simulator never vouches for a wrong number, and
// every size is checked once, at the reader: `run --trace` checks a trace's
// stored expected outputs as `trace verify` does; inputs that are not
// regular files are refused before a byte is read; op shapes, tile steps,
// sweep points and phase tokens outside their documented ranges are
// refused with the range in the message (docs/trace-format.md "Ranges",
// docs/sweeps.md, docs/models.md); non-finite activations and scales are
// refused; the duplicate-name check of a 100k-op trace still names both ops.
//
// Children that could eat the machine in a regression run under an address
// space limit (an ASan build: a resident-set limit instead, ASan reserves
// terabytes of shadow) and `timeout` as a hang guard only.
#include <gtest/gtest.h>

#include "test_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <cjson/cJSON.h>

#include "workload/trace.h"
}

namespace {

using namespace anybit_test;

#if defined(__SANITIZE_ADDRESS__)
#define BOUNDS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOUNDS_ASAN 1
#endif
#endif

std::string dir()
{
    static const std::string d = tmp_dir("bounds/" + std::to_string(getpid()));
    return d;
}

std::string path(const std::string &name)
{
    return dir() + "/" + name;
}

// `anybit ARGS` with at most `mb` MB and 60 s (hang guard, not a speed
// check): a reader that slurps /dev/zero fails on memory, one that waits on
// a FIFO fails on the timeout (status 124).
CliRun bounded(const std::string &args, unsigned mb = 300)
{
#ifdef BOUNDS_ASAN
    const std::string limit =
        "ASAN_OPTIONS=hard_rss_limit_mb=" + std::to_string(mb) + ":$ASAN_OPTIONS ";
#else
    const std::string limit = "ulimit -v " + std::to_string(mb * 1000) + "; ";
#endif
    return run_command("(" + limit + "exec timeout 60 " + std::string(ANYBIT_BIN) + " " + args +
                           ")",
                       dir());
}

std::string q(const std::string &s)
{
    return "'" + s + "'";
}

// A shapes-only trace of these ops, written by the trace writer.
void write_ops(const std::string &file, const std::vector<ab_op> &ops)
{
    ab_trace t;
    ab_error err;
    ASSERT_EQ(ab_trace_init(&t, "bounds", "decode:1", "bitmod", 1, &err), 0);
    for (const ab_op &op : ops)
        ASSERT_EQ(ab_trace_add_op(&t, &op, &err), 0) << err.msg;
    ASSERT_EQ(ab_trace_write(file.c_str(), &t, &err), 0) << err.msg;
    ab_trace_free(&t);
}

ab_op gemm(const std::string &name, uint64_t M, uint64_t N, uint64_t K, uint32_t count = 1)
{
    ab_op op;
    std::memset(&op, 0, sizeof op);
    snprintf(op.name, sizeof op.name, "%s", name.c_str());
    op.kind = AB_OP_GEMM;
    op.M = M;
    op.N = N;
    op.K = K;
    op.count = count;
    op.weight_share = 1;
    snprintf(op.weight_format, sizeof op.weight_format, "int4s");
    snprintf(op.act_format, sizeof op.act_format, "fp16");
    snprintf(op.acc_format, sizeof op.acc_format, "fp32");
    snprintf(op.scale_format, sizeof op.scale_format, "fp16");
    op.group_size = 0;
    return op;
}

// The example full trace, and where tensor `name` lies in its bytes.
const std::string kExample =
    std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";

struct Span {
    size_t begin, end;
};

Span tensor_span(const std::string &bytes, const std::string &name)
{
    uint64_t n = 0;
    for (int b = 0; b < 8; b++)
        n |= (uint64_t)(uint8_t)bytes[b] << (8 * b);
    cJSON *h = cJSON_ParseWithLength(bytes.data() + 8, n);
    EXPECT_NE(h, nullptr);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(h, name.c_str());
    EXPECT_NE(e, nullptr) << name;
    Span s{0, 0};
    if (e) {
        const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
        s.begin = 8 + n + (size_t)cJSON_GetArrayItem(off, 0)->valuedouble;
        s.end = 8 + n + (size_t)cJSON_GetArrayItem(off, 1)->valuedouble;
    }
    cJSON_Delete(h);
    return s;
}

const char *const kOps[] = {"layers.0.self_attn.q_proj", "layers.0.self_attn.k_proj"};

// ---- 1. run --trace checks the stored expected outputs -------------------

TEST(BoundsStoredOutputs, RunRefusesWhatVerifyRefuses)
{
    std::string bytes = slurp(kExample);
    ASSERT_FALSE(bytes.empty());
    // control: the example as shipped agrees with itself
    CliRun r = anybit("run --config bitmod --trace " + q(kExample), dir());
    ASSERT_EQ(r.status, 0) << r.err;

    // every stored expected output of every op overwritten with 1000.0
    float thousand = 1000.0f;
    size_t patched = 0;
    uint64_t hlen = 0;
    for (int b = 0; b < 8; b++)
        hlen |= (uint64_t)(uint8_t)bytes[b] << (8 * b);
    cJSON *h = cJSON_ParseWithLength(bytes.data() + 8, hlen);
    ASSERT_NE(h, nullptr);
    for (const cJSON *e = h->child; e; e = e->next) {
        const std::string name = e->string;
        if (name.size() < 8 || name.compare(name.size() - 8, 8, ".outputs") != 0)
            continue;
        const Span s = tensor_span(bytes, name);
        for (size_t k = s.begin; k + 4 <= s.end; k += 4)
            std::memcpy(&bytes[k], &thousand, 4);
        patched++;
    }
    cJSON_Delete(h);
    ASSERT_GE(patched, 2u);
    const std::string bad = path("outputs-1000.safetensors");
    spit(bad, bytes);
    r = anybit("trace verify " + q(bad), dir());
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    r = anybit("run --config bitmod --trace " + q(bad) + " --json " + q(path("o.json")), dir());
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    // op, output index, expected and got
    EXPECT_NE(r.err.find("op '" + std::string(kOps[0]) + "': stored expected output 0 [m 0, n 0] "
                         "is 1000, the reference GEMM"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("anybit trace verify"), std::string::npos) << r.err;
    // nothing that would vouch for the numbers
    EXPECT_EQ(r.out.find("SQNR"), std::string::npos) << r.out;
    EXPECT_FALSE(exists(path("o.json")));
}

// ---- 2. only regular files are read --------------------------------------

TEST(BoundsInputFiles, DevicesFifosAndDirectoriesAreRefusedBeforeReading)
{
    const std::string zero_npy = path("zero.npy"), zero_st = path("zero.safetensors");
    const std::string fifo = path("fifo.npy"), folder = path("folder.safetensors");
    unlink(zero_npy.c_str());
    unlink(zero_st.c_str());
    unlink(fifo.c_str());
    ASSERT_EQ(symlink("/dev/zero", zero_npy.c_str()), 0);
    ASSERT_EQ(symlink("/dev/zero", zero_st.c_str()), 0);
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    mkdir(folder.c_str(), 0700);
    struct Case {
        std::string file, kind;
    };
    const Case cases[] = {
        {zero_npy, "is a character device"},
        {zero_st, "is a character device"},
        {fifo, "is a FIFO (named pipe)"},
        {folder, "is a directory"},
    };
    for (const Case &c : cases) {
        for (const std::string &cmd :
             {"quant --format int4 " + q(c.file), "run --config bitmod --trace " + q(c.file),
              "trace info " + q(c.file)}) {
            const CliRun r = bounded(cmd);
            EXPECT_EQ(r.status, 2) << cmd << ": " << r.err;
            EXPECT_NE(r.err.find(c.file + ": " + c.kind + ", expected a regular file"),
                      std::string::npos)
                << cmd << ": " << r.err;
        }
    }
    // control: the same reader on a regular file behind a symlink
    const std::string link = path("example-link.safetensors");
    unlink(link.c_str());
    ASSERT_EQ(symlink(kExample.c_str(), link.c_str()), 0);
    const CliRun r = bounded("trace info " + q(link));
    EXPECT_EQ(r.status, 0) << r.err;
}

// ---- 3. ranges, refused at the reader ------------------------------------

TEST(BoundsRanges, OpShapesOutsideTheRangeAreRefusedByTheTraceReader)
{
    struct Case {
        ab_op op;
        std::string needle;
    };
    const uint64_t two53 = (uint64_t)1 << 53, two31 = (uint64_t)1 << 31;
    const Case cases[] = {
        // (a) inside the old reader range: wrapped MACs and bytes to 0
        {gemm("cube53", two53, two53, two53), "ops[0].M: expected an integer in [1, 2147483648]"},
        // every dimension in range, the product not
        {gemm("cube31", two31, two31, two31),
         "ops[0].M x N x K x count: expected at most 72057594037927936 (2^56) MACs, found more "
         "than 2^64"},
        {gemm("wide", 1u << 20, 1u << 20, 1u << 17),
         "ops[0].M x N x K x count: expected at most 72057594037927936 (2^56) MACs, found "
         "144115188075855872"},
        // (b) ran for minutes in fast mode
        {gemm("tall", (uint64_t)1 << 32, 64, 64), "ops[0].M: expected an integer in [1, "
                                                  "2147483648], found 4294967296"},
    };
    for (const Case &c : cases) {
        const std::string f = path(std::string(c.op.name) + ".safetensors");
        write_ops(f, {c.op});
        for (const std::string &cmd :
             {"run --config bitmod --trace " + q(f), "trace info " + q(f)}) {
            const CliRun r = bounded(cmd);
            EXPECT_EQ(r.status, 2) << cmd << ": " << r.out << r.err;
            EXPECT_NE(r.err.find(f + ": __metadata__.anybit." + c.needle), std::string::npos)
                << cmd << ": " << r.err;
            EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        }
    }
    // weight_share beyond count
    ab_op share = gemm("share", 4, 64, 64, 2);
    share.weight_share = 3;
    write_ops(path("share.safetensors"), {share});
    const CliRun r = bounded("trace info " + q(path("share.safetensors")));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("ops[0].weight_share: expected an integer in [1, count = 2], found 3"),
              std::string::npos)
        << r.err;
}

TEST(BoundsRanges, ALegalLargeOpGivesExactCounts)
{
    // 2^32 MACs: a 32-bit count would wrap to 0
    const uint64_t M = (uint64_t)1 << 20;
    write_ops(path("legal.safetensors"), {gemm("legal", M, 64, 64)});
    const CliRun r = bounded("run --config bitmod --trace " + q(path("legal.safetensors")) +
                             " --json " + q(path("legal.json")));
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *j = cJSON_Parse(slurp(path("legal.json")).c_str());
    ASSERT_NE(j, nullptr);
    const cJSON *op = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "ops"), 0);
    ASSERT_NE(op, nullptr);
    EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(op, "macs")->valuedouble, 4294967296.0);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(op, "events");
    // every activation byte is read from DRAM at least once: M x K x 2
    EXPECT_GE(cJSON_GetObjectItemCaseSensitive(ev, "dram_read_bytes")->valuedouble,
              (double)(M * 64 * 2));
    // and every output written: M x N x 2 (fp16)
    EXPECT_GE(cJSON_GetObjectItemCaseSensitive(ev, "dram_write_bytes")->valuedouble,
              (double)(M * 64 * 2));
    EXPECT_GT(cJSON_GetObjectItemCaseSensitive(op, "cycles")->valuedouble, 1e6);
    cJSON_Delete(j);
}

TEST(BoundsRanges, AnOpWithTooManyTileStepsIsRefusedByTheMapper)
{
    // in the op range, but 2^25 repetitions of a one-tile GEMM: more tile
    // steps than the mapper simulates for one op
    write_ops(path("reps.safetensors"), {gemm("reps", 16, 16, 16, 1u << 25)});
    const CliRun r = bounded("run --config bitmod --trace " + q(path("reps.safetensors")));
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("op reps: every tiling that fits the buffers walks more than 16777216 "
                         "(2^24) tile steps (the fewest: 33554432)"),
              std::string::npos)
        << r.err;
}

TEST(BoundsRanges, SweepSpacesAboveTheMillionPointsAreRefusedAtLoad)
{
    struct Case {
        int axes, values;
        std::string found;
    };
    // (c) 2^61 points wrapped the todo allocation; (d) 10^9 points were
    // each looked up before one ran
    const Case cases[] = {{61, 2, "found 2.30584e+18"}, {9, 10, "found 1e+09"}};
    for (const Case &c : cases) {
        std::string y = "name: big\ndescription: too many points\nbase:\n  config: bitmod\n"
                        "  model: llama2-7b\n  recipe: bitmod\n  phase: decode:16\naxes:\n";
        for (int a = 0; a < c.axes; a++) {
            y += "  - field: config.array.f" + std::to_string(a) + "\n    values: [";
            for (int v = 0; v < c.values; v++)
                y += (v ? ", " : "") + std::to_string(v + 1);
            y += "]\n";
        }
        const std::string space = path("space" + std::to_string(c.axes) + ".yaml");
        const std::string out = path("sweep" + std::to_string(c.axes));
        spit(space, y);
        const CliRun r = bounded("sweep " + q(space) + " -o " + q(out));
        EXPECT_EQ(r.status, 2) << r.out << r.err;
        EXPECT_NE(r.err.find(space + ":8: axes: expected at most 1000000 points (the product of "
                                     "the axis groups' lengths), " + c.found),
                  std::string::npos)
            << r.err;
        EXPECT_FALSE(exists(out)); // nothing half-written
    }
}

TEST(BoundsRanges, PhaseTokensAndModelFieldsAreBounded)
{
    // (e) ran for minutes
    for (const std::string phase : {"prefill:1000000", "prefill:32769", "decode:32769"}) {
        const CliRun r = bounded("run --config bitmod --model llama2-7b --phase " + phase);
        EXPECT_EQ(r.status, 2) << phase << ": " << r.err;
        EXPECT_NE(r.err.find("integer in [" + std::string(phase[0] == 'p' ? "1" : "0") +
                             ", 32768], found \"" + phase + "\""),
                  std::string::npos)
            << r.err;
    }
    // the bound itself is legal
    CliRun r = bounded("run --config bitmod --model llama2-7b --phase decode:32768 "
                       "--allow-long-context");
    EXPECT_EQ(r.status, 0) << r.err;
    // a model field beyond the op range, refused by the model reader
    std::string yaml = slurp(std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny.yaml");
    const std::string huge = path("huge-vocab.yaml");
    spit(huge, replace(yaml, "vocab: ", "vocab: 1099511627776 #"));
    r = bounded("run --config bitmod --model " + q(huge) + " --phase decode:4");
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("vocab: expected at most 2147483648, found 1099511627776"),
              std::string::npos)
        << r.err;
    // a product of legal fields beyond the op range, refused when the op is made
    r = bounded("run --config bitmod --model llama2-7b --phase prefill:32768 --batch 4294967295 "
                "--allow-long-context");
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("op layers.0.self_attn.q_proj: M: expected an integer in [1, "
                         "2147483648 (2^31)], found 140737488322560"),
              std::string::npos)
        << r.err;
}

// ---- 4. non-finite activations and scales --------------------------------

TEST(BoundsValues, NonFiniteActivationsAndScalesAreRefused)
{
    const std::string clean = slurp(kExample);
    struct Case {
        std::string tensor;
        uint16_t code; // an F16 code written at element 3
        std::string needle;
    };
    const Case cases[] = {
        {std::string(kOps[0]) + ".activations", 0x7e00,
         "ops[0].tensors.activations: tensor 'layers.0.self_attn.q_proj.activations' element 3 "
         "[0, 3] is NaN; activations must be finite"},
        {std::string(kOps[1]) + ".activations", 0xfc00,
         "ops[1].tensors.activations: tensor 'layers.0.self_attn.k_proj.activations' element 3 "
         "[0, 3] is -inf"},
        {std::string(kOps[1]) + ".row_scales", 0x7c00,
         "ops[1].tensors.row_scales: tensor 'layers.0.self_attn.k_proj.row_scales' element 3 "
         "[0, 3] is +inf; row_scales must be finite"},
    };
    for (const Case &c : cases) {
        std::string bytes = clean;
        const Span s = tensor_span(bytes, c.tensor);
        ASSERT_GT(s.end, s.begin + 8);
        bytes[s.begin + 6] = (char)(c.code & 0xff);
        bytes[s.begin + 7] = (char)(c.code >> 8);
        const std::string f = path("nonfinite.safetensors");
        spit(f, bytes);
        for (const std::string &cmd :
             {"run --config bitmod --trace " + q(f), "trace info " + q(f)}) {
            const CliRun r = bounded(cmd);
            EXPECT_EQ(r.status, 2) << cmd << ": " << r.out << r.err;
            EXPECT_NE(r.err.find(c.needle), std::string::npos) << cmd << ": " << r.err;
        }
    }
}

// ---- 5. duplicate names in a 100k-op trace --------------------------------

TEST(BoundsTrace, HundredThousandOpsDuplicatesNamedByBothIndices)
{
    const size_t n = 100000;
    std::vector<ab_op> ops;
    ops.reserve(n);
    for (size_t i = 0; i < n; i++)
        ops.push_back(gemm("op." + std::to_string(i), 1 + i % 7, 64, 64));
    const std::string good = path("100k.safetensors");
    write_ops(good, ops);
    CliRun r = bounded("trace info " + q(good), 1000);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("total: 100000 ops (0 with values)"), std::string::npos);
    EXPECT_NE(r.out.find("op.99999 "), std::string::npos);

    // the last op takes the name of op 3; then two early neighbours collide
    ops[n - 1] = gemm("op.3", 2, 64, 64);
    const std::string dup = path("100k-dup.safetensors");
    write_ops(dup, ops);
    r = bounded("trace info " + q(dup), 1000);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("ops[99999].name: 'op.3' is also the name of ops[3]"), std::string::npos)
        << r.err;
    ops[n - 1] = gemm("op.99999", 2, 64, 64);
    ops[1] = gemm("op.0", 2, 64, 64);
    write_ops(dup, ops);
    r = bounded("run --config bitmod --trace " + q(dup), 1000);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("ops[1].name: 'op.0' is also the name of ops[0]"), std::string::npos)
        << r.err;
}

} // namespace

// The range's edge, as documented: a dimension of exactly AB_OP_DIM_MAX is
// legal, one more is refused naming the field and the range (a check one
// off, or twice as wide, fails here; mutant op-range-off-by-one).
TEST(BoundsRanges, TheOpRangeEdgeIsExact)
{
    for (int d = 0; d < 3; d++) {
        ab_op op;
        std::memset(&op, 0, sizeof op);
        std::snprintf(op.name, sizeof op.name, "edge");
        op.M = op.N = op.K = 1;
        op.count = op.weight_share = 1;
        uint64_t *dim = d == 0 ? &op.M : d == 1 ? &op.N : &op.K;
        *dim = AB_OP_DIM_MAX;
        ab_error err;
        EXPECT_EQ(ab_op_check_range(&op, &err), 0) << err.msg;
        *dim = AB_OP_DIM_MAX + 1;
        EXPECT_EQ(ab_op_check_range(&op, &err), -1) << "dimension " << d;
        EXPECT_NE(std::string(err.msg).find(d == 0 ? "M" : d == 1 ? "N" : "K"), std::string::npos)
            << err.msg;
        EXPECT_NE(std::string(err.msg).find("2147483648"), std::string::npos) << err.msg;
    }
}

// The cycle mode steps every cycle: an op past its 2^32 is refused in a
// moment, naming the op and its count, while the fast mode times it.
TEST(BoundsRanges, TheCycleModeRefusesAnOpPastItsCap)
{
    // one output, K = 2^30 in int4 (2 cycles per 4 weights), 16 times: 2^33
    // cycles in 2^17 tile steps
    write_ops(path("long.safetensors"), {gemm("long", 1, 1, (uint64_t)1 << 30, 16)});
    CliRun r = bounded("run --config bitmod --mode cycle --trace " + q(path("long.safetensors")));
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_EQ(anybit_test::count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("op long: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("past the 4294967296 (2^32) the cycle mode steps per op"),
              std::string::npos)
        << r.err;
    r = bounded("run --config bitmod --trace " + q(path("long.safetensors")) + " --json " +
                q(path("long.json")));
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *j = cJSON_Parse(slurp(path("long.json")).c_str());
    ASSERT_NE(j, nullptr);
    const cJSON *op = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "ops"), 0);
    // mapped (K cut below 1/128th: 2^30 / 128 of int4 is more than half the buffer)
    EXPECT_GE(cJSON_GetObjectItemCaseSensitive(op, "cycles")->valuedouble, 8589934592.0);
    cJSON_Delete(j);
}
