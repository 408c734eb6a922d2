// test_synth.cpp - `anybit synth` (sim/cli/cmd_synth.c, sim/accel/synth_yosys.c,
// sim/accel/synth_json.c), area_source: yosys in accelerator configs
// (sim/accel/accel_load.c), and functional checks of the baseline MAC PEs
// (rtl/mac_int8.v, rtl/fp16_mul_fp32_add.v) through Yosys' `sat` and `eval`
// commands (no Verilated targets: no build cost).  Tests that need Yosys
// skip where it is not installed.
#include <gtest/gtest.h>

#include "test_util.h"

#include <cjson/cJSON.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "accel/accel.h"
#include "accel/energy.h"
#include "accel/rtl_synth.h"
}

namespace {

using anybit_test::anybit;
using anybit_test::exists;
using anybit_test::replace;
using anybit_test::run_command;
using anybit_test::slurp;
using anybit_test::spit;
using anybit_test::tmp_dir;

const std::string kRtl = std::string(ANYBIT_SOURCE_DIR) + "/rtl";

bool have_yosys()
{
    return std::system("command -v yosys >/dev/null 2>&1") == 0;
}

#define NEED_YOSYS()                                                                   \
    do {                                                                               \
        if (!have_yosys())                                                             \
            GTEST_SKIP() << "yosys not installed (scripts/deps.sh installs it)";       \
    } while (0)

double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    EXPECT_TRUE(cJSON_IsNumber(v)) << k;
    return cJSON_IsNumber(v) ? v->valuedouble : -1.0;
}

// One Yosys run of every top present (the slow part: a few seconds each,
// concurrently), checked as a whole.
TEST(Synth, JsonForEveryTopPresent)
{
    NEED_YOSYS();
    const std::string dir = tmp_dir("synth");
    const std::string json = dir + "/synth.json";
    std::remove(json.c_str());
    const auto r = anybit("synth -o '" + json + "'", dir);
    ASSERT_EQ(r.status, 0) << r.err;
    cJSON *j = cJSON_Parse(slurp(json).c_str());
    ASSERT_NE(j, nullptr);
    const cJSON *tops = cJSON_GetObjectItemCaseSensitive(j, "tops");
    ASSERT_TRUE(cJSON_IsObject(tops));
    size_t n = 0;
    const ab_synth_top *tab = ab_synth_tops(&n);
    size_t present = 0;
    for (size_t i = 0; i < n; i++) {
        const bool here = exists(kRtl + "/" + tab[i].file) && tab[i].by_default;
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(tops, tab[i].top);
        EXPECT_EQ(t != nullptr, here) << tab[i].top;
        if (!t)
            continue;
        present++;
        EXPECT_NE(r.out.find(tab[i].top), std::string::npos) << r.out;
        EXPECT_GT(num(t, "cells"), 0) << tab[i].top;
        EXPECT_GT(num(t, "flip_flops"), 0) << tab[i].top;
        EXPECT_GT(num(t, "transistors"), num(t, "cells")) << tab[i].top;
        EXPECT_NEAR(num(t, "area_um2_estimate"),
                    num(t, "transistors") * AB_SYNTH_UM2_PER_TRANSISTOR_28NM, 1e-6);
        const cJSON *by = cJSON_GetObjectItemCaseSensitive(t, "cells_by_type");
        ASSERT_TRUE(cJSON_IsObject(by));
        double sum = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, by) sum += it->valuedouble;
        EXPECT_EQ(sum, num(t, "cells")) << tab[i].top;
    }
    EXPECT_GE(present, 3u);
    const cJSON *bm = cJSON_GetObjectItemCaseSensitive(tops, "pe_bitmod");
    const cJSON *i8 = cJSON_GetObjectItemCaseSensitive(tops, "mac_int8");
    const cJSON *f16 = cJSON_GetObjectItemCaseSensitive(tops, "mac_fp16");
    ASSERT_TRUE(bm && i8 && f16);
    EXPECT_GT(num(bm, "area_um2_estimate"), num(i8, "area_um2_estimate"));
    EXPECT_GT(num(f16, "area_um2_estimate"), num(i8, "area_um2_estimate"));
    // registers: the accumulator and dequantizer state (docs/rtl.md), the
    // 32-bit accumulators of the MACs
    EXPECT_EQ(num(bm, "flip_flops"), 66);
    EXPECT_EQ(num(i8, "flip_flops"), 32);
    EXPECT_EQ(num(f16, "flip_flops"), 32);
    // the array (default 2 x 2): its PEs' registers plus its buffers and
    // controller; more transistors than its four PEs alone
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(tops, "array_bitmod");
    ASSERT_TRUE(arr);
    EXPECT_EQ(num(arr, "rows"), AB_SYNTH_ARRAY_ROWS);
    EXPECT_EQ(num(arr, "lanes"), 4);
    EXPECT_EQ(num(bm, "lanes"), 4);
    EXPECT_EQ(num(arr, "cols"), AB_SYNTH_ARRAY_COLS);
    const double pes = AB_SYNTH_ARRAY_ROWS * AB_SYNTH_ARRAY_COLS;
    EXPECT_GT(num(arr, "flip_flops"), pes * num(bm, "flip_flops"));
    EXPECT_GT(num(arr, "transistors"), pes * num(bm, "transistors"));
    const cJSON *setup = cJSON_GetObjectItemCaseSensitive(arr, "yosys_setup");
    ASSERT_TRUE(cJSON_IsString(setup));
    EXPECT_NE(std::string(setup->valuestring).find("-set ROWS 2 -set COLS 2 -set LANES 4"),
              std::string::npos);
    EXPECT_NE(r.out.find("bitmod 2x2"), std::string::npos) << r.out;
    // the JSON reader the config loader uses agrees
    double um2 = 0;
    ab_error err;
    ASSERT_EQ(ab_synth_json_area(json.c_str(), "mac_fp16", 0, &um2, &err), 0) << err.msg;
    EXPECT_EQ(um2, num(f16, "area_um2_estimate"));
    cJSON_Delete(j);
}

TEST(Synth, BadTopIsUsageError)
{
    const std::string dir = tmp_dir("synth");
    const std::string json = dir + "/bad-top.json";
    std::remove(json.c_str());
    const auto r = anybit("synth --top pe_nope -o '" + json + "'", dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("unknown top 'pe_nope'"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(json));
    const auto t = anybit("synth --tech xilinx", dir);
    EXPECT_EQ(t.status, 2);
    EXPECT_NE(t.err.find("--tech"), std::string::npos) << t.err;
    const auto both = anybit("synth --all --top mac_int8", dir);
    EXPECT_EQ(both.status, 2);
    EXPECT_NE(both.err.find("--all and --top"), std::string::npos) << both.err;
    for (const char *bad : {"0x2", "4", "4x4x4", "axb", "65x1"}) {
        const auto a = anybit(std::string("synth --top array_bitmod --array ") + bad, dir);
        EXPECT_EQ(a.status, 2) << bad;
        EXPECT_NE(a.err.find("--array"), std::string::npos) << a.err;
        EXPECT_EQ(anybit_test::count_lines(a.err), 1u) << a.err;
    }
}

TEST(Synth, TopWithoutItsFileIsUsageError)
{
    const std::string dir = tmp_dir("synth/only-int8");
    spit(dir + "/mac_int8.v", slurp(kRtl + "/mac_int8.v"));
    const auto r = anybit("synth --rtl '" + dir + "' --top pe_btc", dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("pe_btc.v does not exist"), std::string::npos) << r.err;
}

TEST(Synth, MissingYosysIsUsageError)
{
    const std::string dir = tmp_dir("synth");
    const auto r = anybit("synth --top mac_int8 --yosys /nonexistent/yosys", dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("cannot start Yosys"), std::string::npos) << r.err;
}

TEST(Synth, FailingTopIsNamedWithYosysError)
{
    NEED_YOSYS();
    const std::string dir = tmp_dir("synth/broken");
    spit(dir + "/mac_int8.v", "module mac_int8(input wire a, output wire y);\n"
                              "  assign y = a +;\nendmodule\n");
    const std::string json = dir + "/out.json";
    std::remove(json.c_str());
    const auto r = anybit("synth --rtl '" + dir + "' -o '" + json + "'", dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("synth mac_int8: Yosys failed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ERROR"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mac_int8.v:2"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(json));
}

// ---- area_source: yosys ---------------------------------------------------

std::string fixture_json(const std::string &dir)
{
    const std::string p = dir + "/fixture.json";
    spit(p, "{\"tool\": \"yosys\", \"tops\": {"
            "\"pe_bitmod\": {\"area_um2_estimate\": 2000.0},"
            "\"mac_int8\": {\"area_um2_estimate\": 500.0}}}\n");
    return p;
}

// configs/<preset>.yaml with `extra` appended, written to dir/name.
std::string config_with(const std::string &preset, const std::string &extra,
                        const std::string &dir, const std::string &name)
{
    const std::string p = dir + "/" + name;
    spit(p, slurp(std::string(ANYBIT_SOURCE_DIR) + "/configs/" + preset + ".yaml") + "\n" +
                extra);
    return p;
}

TEST(Synth, ConfigAreaSourceYosysUsesTheJson)
{
    const std::string dir = tmp_dir("synth/config");
    const std::string fx = fixture_json(dir);
    ab_accel a;
    ab_error err;
    std::string p = config_with("int8", "area_source: yosys\narea: {synth_json: " + fx + "}\n",
                                dir, "int8-yosys.yaml");
    ASSERT_EQ(ab_accel_load(p.c_str(), &a, &err), 0) << err.msg;
    EXPECT_DOUBLE_EQ(a.pe_costs.area_um2, 500.0 * 1.5); // 28 nm, place-and-route x 1.5
    ab_accel t;
    ASSERT_EQ(ab_accel_load("int8", &t, &err), 0) << err.msg;
    EXPECT_NE(t.pe_costs.area_um2, a.pe_costs.area_um2);
    EXPECT_DOUBLE_EQ(ab_accel_area_mm2(&a) - ab_accel_area_mm2(&t),
                     (500.0 * 1.5 - t.pe_costs.area_um2) * a.rows * a.cols * 1e-6);

    p = config_with("bitmod", "area_source: yosys\narea: {synth_json: " + fx + "}\n", dir,
                    "bitmod-yosys.yaml");
    std::string y = replace(slurp(p), "tech: 28nm", "tech: 45nm");
    spit(p, y);
    ASSERT_EQ(ab_accel_load(p.c_str(), &a, &err), 0) << err.msg;
    EXPECT_NEAR(a.pe_costs.area_um2, 2000.0 * (45.0 / 28.0) * (45.0 / 28.0) * 1.5, 1e-9);

    // an 8-lane bitmod PE with a synthesis of the 8-lane PE
    const std::string fx8 = dir + "/fixture-l8.json";
    spit(fx8, "{\"tops\": {\"pe_bitmod\": {\"area_um2_estimate\": 3000.0, \"lanes\": 8}}}\n");
    p = config_with("bitmod", "area_source: yosys\narea: {synth_json: " + fx8 + "}\n", dir,
                    "bitmod8-yosys.yaml");
    spit(p, replace(slurp(p), "lanes: 4 ", "lanes: 8 "));
    ASSERT_EQ(ab_accel_load(p.c_str(), &a, &err), 0) << err.msg;
    EXPECT_DOUBLE_EQ(a.pe_costs.area_um2, 3000.0 * 1.5);

    // the CLI reports the area that follows from it
    const auto r = anybit("run --config '" +
                              config_with("int8", "area_source: yosys\narea: {synth_json: " +
                                                      fx + "}\n", dir, "int8-cli.yaml") +
                              "' --model llama2-7b --phase decode:256",
                          dir);
    EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Synth, ConfigAreaSourceErrorsNameTheField)
{
    const std::string dir = tmp_dir("synth/config");
    const std::string fx = fixture_json(dir);
    struct Case {
        std::string preset, extra, needle, from = "", to = ""; // from -> to: an edit of the preset
    } cases[] = {
        {"fp16", "area_source: yosys\narea: {synth_json: " + fx + "}\n",
         "area.synth_json: " + fx + ": no top \"mac_fp16\""},
        {"int8", "area_source: yosys\narea: {synth_json: " + dir + "/none.json}\n",
         "area.synth_json: " + dir + "/none.json: cannot read"},
        {"int8", "area_source: yosys\narea: {synth_json: " + fx + ", pe_um2: 10}\n",
         "area.pe_um2: expected no pe_um2 with area_source: yosys"},
        {"int8", "area_source: magic\n", "area_source: expected table or yosys, found \"magic\""},
        {"int8", "area: {synth_json: " + fx + "}\n",
         "area.synth_json: expected no synth_json unless area_source is yosys"},
        {"ant", "area_source: yosys\n", "area_source: expected table for a ant PE"},
        // a bitmod PE of 8 lanes against a JSON of the 4-lane PE (no
        // "lanes": a JSON from before LANES)
        {"bitmod", "area_source: yosys\narea: {synth_json: " + fx + "}\n",
         "tops.pe_bitmod.lanes: synthesized with 4 lanes, the config's pe.lanes is 8",
         "lanes: 4 ", "lanes: 8 "},
    };
    int k = 0;
    for (const auto &c : cases) {
        const std::string p = config_with(c.preset, c.extra, dir, "bad" + std::to_string(k++) +
                                                                      ".yaml");
        if (!c.from.empty())
            spit(p, replace(slurp(p), c.from, c.to));
        ab_accel a;
        ab_error err;
        EXPECT_EQ(ab_accel_load(p.c_str(), &a, &err), -1) << c.extra;
        EXPECT_NE(std::string(err.msg).find(c.needle), std::string::npos) << err.msg;
        const auto r = anybit("run --config '" + p + "' --model llama2-7b --phase decode:256",
                              dir);
        EXPECT_EQ(r.status, 2) << c.extra;
    }
    // the default path is out/synth.json under the working directory
    const std::string p = config_with("int8", "area_source: yosys\n", dir, "default.yaml");
    const auto r = run_command("cd '" + dir + "' && " + std::string(ANYBIT_BIN) +
                                   " run --config '" + p + "' --model llama2-7b --phase decode:256",
                               dir);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("area_source: out/synth.json: cannot read"), std::string::npos) << r.err;
}

// ---- the baseline MACs compute what they should ----------------------------

// Values of a Yosys `sat -seq` / `eval` run: "Eval result: \d = N." lines
// (decimal or N'bits), or the sat table's "  T \acc  DEC  HEX  BIN" rows.
std::vector<int64_t> eval_results(const std::string &log)
{
    std::vector<int64_t> out;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        const std::string key = "Eval result: \\d = ";
        const size_t p = line.find(key);
        if (p == std::string::npos)
            continue;
        std::string v = line.substr(p + key.size());
        if (!v.empty() && v.back() == '.')
            v.pop_back();
        const size_t q = v.find('\'');
        out.push_back(q == std::string::npos ? std::stoll(v) : std::stoll(v.substr(q + 1), 0, 2));
    }
    return out;
}

float f16_to_float(uint16_t h)
{
    const int e = (h >> 10) & 31, m = h & 1023;
    const float mag = e == 0 ? std::ldexp((float)m, -24) : std::ldexp((float)(m | 1024), e - 25);
    return (h & 0x8000) ? -mag : mag;
}

uint32_t bits_of(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

float float_of(uint32_t u)
{
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

TEST(Synth, Fp16MacDatapathIsFp32RoundToNearestEven)
{
    NEED_YOSYS();
    const std::string dir = tmp_dir("synth/fp16");
    std::mt19937 rng(7);
    struct V {
        uint16_t a, b;
        uint32_t c;
    };
    std::vector<V> vs = {{0x3c00, 0x4000, 0x3f800000}, // 1 * 2 + 1
                         {0x3c00, 0xc000, 0x3f800000}, // -2 + 1
                         {0x0001, 0x0001, 0},          // subnormal x subnormal = 2^-48
                         {0x7bff, 0x7bff, 0x4f800000}, // 65504^2 + 2^32
                         {0x3c01, 0x3c01, 0xbf800000}, // cancellation
                         {0x3c00, 0x3c00, 0x4b800000}}; // 1 + 2^24: a tie, to even
    while (vs.size() < 160) {
        V v;
        v.a = (uint16_t)(rng() & 0xffff);
        v.b = (uint16_t)(rng() & 0xffff);
        if (((v.a >> 10) & 31) == 31 || ((v.b >> 10) & 31) == 31)
            continue; // exponent 31 is not IEEE here (docs/rtl.md)
        const float p = f16_to_float(v.a) * f16_to_float(v.b); // exact in FP32
        const int mode = (int)(rng() % 3);
        if (mode == 0 && p != 0.0f) {
            // near cancellation: -p perturbed in its last bits
            v.c = bits_of(-p) ^ (uint32_t)(rng() & 0x7);
        } else {
            int e = p == 0.0f ? 127 : std::ilogb(p) + 127;
            e += (int)(rng() % 61) - 30;
            e = e < 1 ? 1 : e > 254 ? 254 : e;
            v.c = (uint32_t)(rng() & 0x80000000u) | ((uint32_t)e << 23) | (rng() & 0x7fffff);
        }
        vs.push_back(v);
    }
    std::string ys = "read_verilog -sv " + kRtl + "/fp16_mul_fp32_add.v\n"
                     "hierarchy -top fp16_mul_fp32_add\nproc\nopt_clean\n";
    for (const V &v : vs)
        ys += "eval -set a 16'd" + std::to_string(v.a) + " -set b 16'd" + std::to_string(v.b) +
              " -set c 32'd" + std::to_string(v.c) + " -show d\n";
    spit(dir + "/eval.ys", ys);
    const auto r = run_command("yosys -s '" + dir + "/eval.ys'", dir);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto got = eval_results(r.out);
    ASSERT_EQ(got.size(), vs.size());
    for (size_t i = 0; i < vs.size(); i++) {
        const V &v = vs[i];
        const float p = f16_to_float(v.a) * f16_to_float(v.b);
        const float sum = float_of(v.c) + p; // FP32 add, round to nearest even
        const uint32_t want = p == 0.0f ? v.c : sum == 0.0f ? 0u : bits_of(sum);
        EXPECT_EQ((uint32_t)got[i], want)
            << std::hex << "a=" << v.a << " b=" << v.b << " c=" << v.c;
    }
}

TEST(Synth, Int8MacAccumulatesAndClears)
{
    NEED_YOSYS();
    const std::string dir = tmp_dir("synth/int8");
    std::mt19937 rng(11);
    const int steps = 24;
    struct S {
        int a, b, en, clear;
    };
    std::vector<S> s(steps + 1);
    std::string cmd = "sat -seq " + std::to_string(steps + 1) + " -set-at 1 rst_n 0";
    for (int t = 2; t <= steps + 1; t++) {
        S &x = s[t - 1];
        x.a = (int)(rng() % 256) - 128;
        x.b = (int)(rng() % 256) - 128;
        if (t % 7 == 0)
            x.a = x.b = -128;
        x.en = rng() % 5 != 0;
        x.clear = rng() % 6 == 0;
        cmd += " -set-at " + std::to_string(t) + " rst_n 1 -set-at " + std::to_string(t) +
               " en " + std::to_string(x.en) + " -set-at " + std::to_string(t) + " clear " +
               std::to_string(x.clear) + " -set-at " + std::to_string(t) + " a " +
               std::to_string(x.a) + " -set-at " + std::to_string(t) + " b " +
               std::to_string(x.b);
    }
    cmd += " -show acc";
    spit(dir + "/sat.ys", "read_verilog -sv " + kRtl + "/mac_int8.v\nhierarchy -top mac_int8\n"
                          "proc\nopt_clean\n" + cmd + "\n");
    const auto r = run_command("yosys -s '" + dir + "/sat.ys'", dir);
    ASSERT_EQ(r.status, 0) << r.err;
    // rows "  T \acc  DEC ..." : acc at step T (state before that step's edge)
    std::vector<int64_t> acc(steps + 2, INT64_MIN);
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string t, name;
        long long dec;
        if ((ls >> t >> name >> dec) && name == "\\acc" && t != "init")
            acc[std::stoi(t)] = dec;
    }
    int32_t model = 0;
    for (int t = 2; t <= steps + 1; t++) {
        EXPECT_EQ(acc[t], model) << "step " << t;
        const S &x = s[t - 1];
        if (x.en)
            model = (int32_t)((uint32_t)(x.clear ? 0 : model) + (uint32_t)(x.a * x.b));
    }
}

} // namespace

// A config's area.synth_json is read like every input: a device (here
// /dev/zero, which an unbounded read would follow for gigabytes) is
// refused before a byte is read, naming the path.
TEST(Synth, JsonAreaRefusesADevice)
{
    double um2 = 0;
    ab_error err;
    EXPECT_EQ(ab_synth_json_area("/dev/zero", "pe_bitmod", 4, &um2, &err), -1);
    EXPECT_NE(std::string(err.msg).find("/dev/zero"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("regular file"), std::string::npos) << err.msg;
}
