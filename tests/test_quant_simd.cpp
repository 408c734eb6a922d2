// The quantizers' element loop on every SIMD path (kernels/quant_encode_simd.c)
// against its scalar path: codes, dequantized floats and the error sum bit
// for bit, on every grid format of the registry and on user grids, at the
// decision points themselves, on saturating scales, and through the whole
// quantizers (BitMoD's selection, ANT's search) under ANYBIT_SIMD.
#include <gtest/gtest.h>

#include <cmath>
#include <cfloat>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "format.h"
#include "quant.h"
#include "simd.h"

namespace {

std::vector<ab_simd_path> vector_paths()
{
    std::vector<ab_simd_path> p;
    for (ab_simd_path q : {AB_SIMD_AVX2, AB_SIMD_AVX512})
        if (ab_simd_supported(q))
            p.push_back(q);
    return p;
}

uint64_t bits_of(double v)
{
    uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
}

uint32_t bits_of(float v)
{
    uint32_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
}

// The registry's grid formats (and generic examples that are grids).
std::vector<ab_format> grid_formats()
{
    std::vector<ab_format> out;
    for (size_t i = 0; const char *name = ab_format_registry_name(i); i++) {
        ab_format f;
        ab_error err;
        if (ab_format_parse(name, &f, &err) == 0 && f.family == AB_FAMILY_GRID)
            out.push_back(f);
    }
    return out;
}

// Values that land on, just beside and far beyond the grid's decision
// points and values at this scale, and random ones in and out of range.
std::vector<float> probe_values(const ab_format &f, double scale, std::mt19937_64 &rng)
{
    std::vector<float> x;
    std::vector<double> pts(f.grid_sorted, f.grid_sorted + f.grid_nsorted);
    pts.insert(pts.end(), f.grid_mid, f.grid_mid + (f.grid_nsorted - 1));
    for (double p : pts) {
        const float v = static_cast<float>(p * scale);
        x.push_back(v);
        x.push_back(std::nextafter(v, INFINITY));
        x.push_back(std::nextafter(v, -INFINITY));
        x.push_back(-v);
    }
    const float extremes[] = {0.0f, -0.0f, FLT_MIN, -FLT_MIN, 1e-45f, -1e-45f, FLT_MAX, -FLT_MAX};
    x.insert(x.end(), std::begin(extremes), std::end(extremes));
    std::uniform_real_distribution<double> u(-1.5, 1.5);
    const double span = ab_format_absmax(&f) * scale;
    for (int i = 0; i < 331; i++)
        x.push_back(static_cast<float>(u(rng) * span));
    return x;
}

// One run on path p against the scalar path: everything bit for bit.
void expect_same_run(const ab_format &f, ab_simd_path p, const std::vector<float> &x,
                     double scale, const std::string &what)
{
    const size_t n = x.size();
    std::vector<uint32_t> c0(n, 0xdeadu), c1(n, 0xbeefu);
    std::vector<float> d0(n, -7.0f), d1(n, 7.0f);
    const double e0 = ab_quant_encode_run(&f, AB_SIMD_SCALAR, x.data(), n, scale, c0.data(),
                                          d0.data());
    const double e1 = ab_quant_encode_run(&f, p, x.data(), n, scale, c1.data(), d1.data());
    const double e2 = ab_quant_encode_run(&f, p, x.data(), n, scale, nullptr, nullptr);
    EXPECT_EQ(bits_of(e0), bits_of(e1)) << what << ": error sum " << e0 << " vs " << e1;
    EXPECT_EQ(bits_of(e0), bits_of(e2)) << what << ": error sum without outputs";
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ(c0[i], c1[i]) << what << ": code of x[" << i << "] = " << x[i];
        ASSERT_EQ(bits_of(d0[i]), bits_of(d1[i]))
            << what << ": dequantized x[" << i << "] = " << x[i] << ": " << d0[i] << " vs "
            << d1[i];
    }
}

} // namespace

TEST(QuantSimd, GridRunsEqualTheScalarLoopOnEveryGridFormat)
{
    const auto paths = vector_paths();
    if (paths.empty())
        GTEST_SKIP() << "this CPU has no vector path";
    const auto grids = grid_formats();
    ASSERT_GE(grids.size(), 8u) << "the registry's grid formats (BitMoD, flint, pot, ...)";
    std::mt19937_64 rng(20261204);
    size_t fast = 0;
    // scales: exact powers of two (decision points land exactly), odd ones,
    // one that overflows x / scale to infinity, one whose products saturate
    const double scales[] = {1.0, 0.0625, 0.0123456789, 3.0e-39, 1e-300, 7.5e37};
    for (const ab_format &f : grids) {
        fast += ab_format_grid(&f, nullptr, 0) <= 16 && f.grid_nan_code < 0;
        for (double s : scales) {
            const auto x = probe_values(f, s, rng);
            for (ab_simd_path p : paths)
                for (size_t len : {x.size(), size_t{1}, size_t{7}, size_t{13}, size_t{128}}) {
                    const std::vector<float> xs(x.begin(), x.begin() + std::min(len, x.size()));
                    expect_same_run(f, p, xs, s,
                                    std::string(f.name) + " on " + ab_simd_name(p) +
                                        " scale " + std::to_string(s) + " len " +
                                        std::to_string(xs.size()));
                }
        }
    }
    EXPECT_GE(fast, 8u) << "grid formats the vector loop takes";
}

TEST(QuantSimd, UserGridsWithTiesAndDuplicatesEqualTheScalarLoop)
{
    const auto paths = vector_paths();
    if (paths.empty())
        GTEST_SKIP() << "this CPU has no vector path";
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> step(-8, 8);
    for (int t = 0; t < 200; t++) {
        const size_t n = size_t{2} << (t % 4); // 2, 4, 8, 16 codes
        std::vector<double> v(n);
        for (auto &e : v)
            e = step(rng) * 0.25; // duplicates and exact midpoints on purpose
        if (std::all_of(v.begin(), v.end(), [](double e) { return e == 0.0; }))
            v[0] = 1.0;
        ab_format f;
        ab_error err;
        ASSERT_EQ(ab_format_from_values("user", v.data(), n, &f, &err), 0) << err.msg;
        const double s = t % 2 ? 0.5 : 0.3;
        const auto x = probe_values(f, s, rng);
        for (ab_simd_path p : paths)
            expect_same_run(f, p, x, s, "user grid " + std::to_string(t) + " on " +
                                            ab_simd_name(p));
    }
}

// The quantizers end to end under ANYBIT_SIMD (they read it once per call).
TEST(QuantSimd, SelectorsGiveTheSameResultOnEveryPath)
{
    const auto paths = vector_paths();
    if (paths.empty())
        GTEST_SKIP() << "this CPU has no vector path";
    const char *saved = std::getenv(AB_SIMD_ENV);
    const std::string restore = saved ? saved : "";
    std::mt19937_64 rng(11);
    std::student_t_distribution<double> heavy(3.0);
    const size_t rows = 24, cols = 512;
    std::vector<float> w(rows * cols);
    for (auto &e : w)
        e = static_cast<float>(0.02 * heavy(rng));
    struct Case {
        const char *format;
        ab_scale_kind scale;
        uint8_t scale_bits;
        ab_granularity gran;
    };
    const Case cases[] = {{"bitmod_fp4_mix", AB_SCALE_INTK, 8, AB_GRAN_GROUP},
                          {"bitmod_fp3_mix", AB_SCALE_FP16, 0, AB_GRAN_GROUP},
                          {"ant4", AB_SCALE_FP16, 0, AB_GRAN_CHANNEL},
                          {"flint4", AB_SCALE_FP32, 0, AB_GRAN_GROUP},
                          {"pot4", AB_SCALE_E8M0, 0, AB_GRAN_GROUP}};
    for (const Case &c : cases) {
        ab_quant_spec spec{};
        std::snprintf(spec.format, sizeof spec.format, "%s", c.format);
        spec.scale = c.scale;
        spec.scale_bits = c.scale_bits;
        spec.granularity = c.gran;
        spec.group_size = 128;
        ab_quant_result ref{};
        ab_error err;
        setenv(AB_SIMD_ENV, "scalar", 1);
        ASSERT_EQ(ab_quantize(&spec, w.data(), rows, cols, &ref, &err), 0) << c.format << ": "
                                                                            << err.msg;
        for (ab_simd_path p : paths) {
            setenv(AB_SIMD_ENV, ab_simd_name(p), 1);
            ab_quant_result got{};
            ASSERT_EQ(ab_quantize(&spec, w.data(), rows, cols, &got, &err), 0) << err.msg;
            const std::string what = std::string(c.format) + " on " + ab_simd_name(p);
            EXPECT_EQ(0, std::memcmp(ref.codes, got.codes, rows * cols * sizeof *ref.codes))
                << what;
            EXPECT_EQ(0, std::memcmp(ref.dequant, got.dequant, rows * cols * sizeof *ref.dequant))
                << what;
            const size_t slots = rows * ref.groups_per_row;
            EXPECT_EQ(0, std::memcmp(ref.type_ids, got.type_ids, slots)) << what;
            EXPECT_EQ(0, std::memcmp(ref.scales, got.scales, slots * sizeof *ref.scales)) << what;
            EXPECT_EQ(bits_of(ref.bits_per_value), bits_of(got.bits_per_value)) << what;
            ab_quant_result_free(&got);
        }
        ab_quant_result_free(&ref);
    }
    if (saved)
        setenv(AB_SIMD_ENV, restore.c_str(), 1);
    else
        unsetenv(AB_SIMD_ENV);
}
