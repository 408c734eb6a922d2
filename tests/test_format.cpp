// test_format.cpp - the number-format registry, checked exhaustively.
//
// For every format of at most 12 bits: each code decodes and re-encodes to
// its canonical code, values survive decode(encode(v)), grids are strictly
// increasing; and encode() agrees with a brute-force nearest-value search
// (written independently here, tie rules included) on over 10^6 inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "format.h"
#include "quant.h"
}

namespace {

ab_format parse(const std::string &name)
{
    ab_format f;
    ab_error err{};
    EXPECT_EQ(ab_format_parse(name.c_str(), &f, &err), 0) << name << ": " << err.msg;
    return f;
}

// Every name the exhaustive tests cover: each generic family over its whole
// parameter range up to 12 bits, plus the fixed formats.
std::vector<std::string> small_format_names()
{
    std::vector<std::string> names;
    for (int n = 1; n <= 12; n++) {
        names.push_back("int" + std::to_string(n));
        names.push_back("uint" + std::to_string(n));
        if (n >= 2)
            names.push_back("int" + std::to_string(n) + "s");
    }
    names.push_back("uint4_zp8");
    names.push_back("uint3_zp5");
    names.push_back("uint8_zp128");
    for (int e = 1; e <= 8; e++)
        for (int m = 0; m <= 10 && 1 + e + m <= 12; m++)
            for (const char *suffix : {"", "fn", "f"})
                names.push_back("e" + std::to_string(e) + "m" + std::to_string(m) + suffix);
    for (int n = 3; n <= 8; n++)
        names.push_back("flint" + std::to_string(n));
    for (int n = 2; n <= 8; n++)
        names.push_back("pot" + std::to_string(n));
    for (size_t i = 0; const char *name = ab_format_registry_name(i); i++) {
        ab_format f = parse(name);
        if (f.bits <= 12)
            names.push_back(name);
    }
    return names;
}

bool same_value(double a, double b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

TEST(Format, EveryCodeRoundTripsCanonically)
{
    size_t formats = 0, codes = 0;
    for (const std::string &name : small_format_names()) {
        const ab_format f = parse(name);
        ASSERT_LE(f.bits, 12) << name;
        formats++;
        for (uint32_t c = 0; c < (1u << f.bits); c++, codes++) {
            const double v = ab_format_decode(&f, c);
            const uint32_t back = ab_format_encode(&f, v);
            ASSERT_EQ(back, ab_format_canonical(&f, c))
                << name << " code " << c << " value " << v;
            if (ab_format_canonical(&f, c) == c && !std::isnan(v)) {
                ASSERT_TRUE(same_value(ab_format_decode(&f, back), v)) << name << " code " << c;
            }
            ASSERT_EQ(std::isnan(v), ab_format_is_nan_code(&f, c)) << name << " code " << c;
            // A canonical code must be its own canonical code.
            ASSERT_EQ(ab_format_canonical(&f, back), back) << name << " code " << c;
        }
    }
    EXPECT_GT(formats, 250u);
    EXPECT_GT(codes, 100000u);
}

TEST(Format, GridsAreStrictlyIncreasingAndMatchDecode)
{
    for (const std::string &name : small_format_names()) {
        const ab_format f = parse(name);
        std::vector<double> g(1u << f.bits);
        const size_t n = ab_format_grid(&f, g.data(), g.size());
        ASSERT_GT(n, 0u) << name;
        ASSERT_LE(n, g.size()) << name;
        for (size_t i = 1; i < n; i++)
            ASSERT_LT(g[i - 1], g[i]) << name << " at " << i;
        EXPECT_EQ(g[n - 1], ab_format_max(&f)) << name;
        EXPECT_EQ(g[0], ab_format_min(&f)) << name;
        for (size_t i = 0; i < n; i++) // every grid value is exactly representable
            ASSERT_EQ(ab_format_decode(&f, ab_format_encode(&f, g[i])), g[i]) << name;
    }
}

double max_of(const char *name)
{
    const ab_format f = parse(name);
    return ab_format_max(&f);
}

TEST(Format, OcpAndIeeeMaxima)
{
    // OCP Microscaling Formats v1.0, section 5.3.
    EXPECT_EQ(max_of("fp4_e2m1"), 6.0);
    EXPECT_EQ(max_of("fp6_e2m3"), 7.5);
    EXPECT_EQ(max_of("fp6_e3m2"), 28.0);
    EXPECT_EQ(max_of("fp8_e4m3"), 448.0);
    EXPECT_EQ(max_of("fp8_e5m2"), 57344.0);
    // IEEE 754 binary16 / binary32, bfloat16.
    EXPECT_EQ(max_of("fp16"), 65504.0);
    EXPECT_EQ(max_of("fp32"), (double)FLT_MAX);
    EXPECT_EQ(max_of("bf16"), std::ldexp(255.0, 120));
    // the generic spellings are the same formats
    EXPECT_EQ(max_of("e2m1f"), 6.0);
    EXPECT_EQ(max_of("e4m3fn"), 448.0);
    EXPECT_EQ(max_of("e4m3"), 240.0); // IEEE-like E4M3 loses its top binade
}

TEST(Format, SpecialCodes)
{
    const ab_format e4m3 = parse("fp8_e4m3");
    EXPECT_TRUE(std::isnan(ab_format_decode(&e4m3, 0x7f)));
    EXPECT_TRUE(std::isnan(ab_format_decode(&e4m3, 0xff)));
    EXPECT_EQ(ab_format_decode(&e4m3, 0x7e), 448.0);
    EXPECT_EQ(ab_format_encode(&e4m3, NAN), 0x7fu);
    EXPECT_EQ(ab_format_encode(&e4m3, 1e9), 0x7eu);  // saturates
    EXPECT_EQ(ab_format_encode(&e4m3, -INFINITY), 0xfeu);
    EXPECT_EQ(ab_format_decode(&e4m3, 0x01), std::ldexp(1.0, -9)); // smallest subnormal

    const ab_format e5m2 = parse("fp8_e5m2");
    EXPECT_EQ(ab_format_decode(&e5m2, 0x7c), INFINITY);
    EXPECT_EQ(ab_format_decode(&e5m2, 0xfc), -INFINITY);
    EXPECT_EQ(ab_format_encode(&e5m2, 1e9), 0x7cu); // IEEE: overflow to inf
    EXPECT_EQ(ab_format_encode(&e5m2, 57344.0 + 4095.0), 0x7bu);
    EXPECT_EQ(ab_format_encode(&e5m2, 57344.0 + 4096.0), 0x7cu); // tie at max + ulp/2 -> inf

    const ab_format fp16 = parse("fp16");
    EXPECT_EQ(ab_format_encode(&fp16, 1.0), 0x3c00u);
    EXPECT_EQ(ab_format_encode(&fp16, -2.0), 0xc000u);
    EXPECT_EQ(ab_format_encode(&fp16, -0.0), 0x8000u);
    EXPECT_EQ(ab_format_encode(&fp16, NAN), 0x7e00u);
    EXPECT_EQ(ab_format_decode(&fp16, 0x0001), std::ldexp(1.0, -24));
    EXPECT_EQ(ab_format_encode(&fp16, 1.0 + std::ldexp(1.0, -11)), 0x3c00u); // tie to even
    EXPECT_EQ(ab_format_encode(&fp16, 1.0 + 3 * std::ldexp(1.0, -11)), 0x3c02u);

    const ab_format fp32 = parse("fp32");
    EXPECT_EQ(ab_format_encode(&fp32, 1.0), 0x3f800000u);
    EXPECT_EQ(ab_format_decode(&fp32, 0x7f800000u), INFINITY);

    const ab_format e2m1 = parse("fp4_e2m1");
    EXPECT_EQ(ab_format_encode(&e2m1, 2.5), 0x4u); // 2.0: even mantissa
    EXPECT_EQ(ab_format_encode(&e2m1, 3.5), 0x6u); // 4.0
    EXPECT_EQ(ab_format_encode(&e2m1, 0.25), 0x0u);
    EXPECT_EQ(ab_format_encode(&e2m1, 100.0), 0x7u);
    EXPECT_EQ(ab_format_encode(&e2m1, NAN), 0x0u); // no NaN: encodes as 0
}

TEST(Format, IntegersAndTies)
{
    const ab_format i4 = parse("int4");
    EXPECT_EQ(ab_format_min(&i4), -8.0);
    EXPECT_EQ(ab_format_encode(&i4, 2.5), 2u);
    EXPECT_EQ(ab_format_encode(&i4, 3.5), 4u);
    EXPECT_EQ(ab_format_encode(&i4, -2.5), 0xeu);
    EXPECT_EQ(ab_format_encode(&i4, -100.0), 0x8u);
    const ab_format i4s = parse("int4s");
    EXPECT_EQ(ab_format_min(&i4s), -7.0);
    EXPECT_EQ(ab_format_encode(&i4s, -100.0), 0x9u);
    EXPECT_TRUE(std::isnan(ab_format_decode(&i4s, 0x8)));
    const ab_format zp = parse("uint4_zp8");
    EXPECT_EQ(ab_format_decode(&zp, 0), -8.0);
    EXPECT_EQ(ab_format_decode(&zp, 15), 7.0);
    EXPECT_EQ(ab_format_encode(&zp, 0.0), 8u);
    const ab_format mxint8 = parse("mxint8");
    EXPECT_EQ(ab_format_max(&mxint8), 127.0 / 64.0);
    EXPECT_EQ(ab_format_min(&mxint8), -2.0);
    EXPECT_EQ(mxint8.block_size, 32);
    EXPECT_EQ(parse("mxfp4").block_size, 32);
    EXPECT_EQ(parse("mxfp8_e5m2").elem_emax, 15);
    const ab_format i32 = parse("int32"); // accumulators
    EXPECT_EQ(ab_format_max(&i32), 2147483647.0);
    EXPECT_EQ(ab_format_min(&i32), -2147483648.0);
    EXPECT_EQ(ab_format_encode(&i32, -1.0), 0xffffffffu);
    EXPECT_EQ(ab_format_decode(&i32, 0x80000000u), -2147483648.0);
    EXPECT_EQ(ab_format_encode(&i32, 1e12), 0x7fffffffu);
    const ab_format u32 = parse("uint32");
    EXPECT_EQ(ab_format_decode(&u32, 0xffffffffu), 4294967295.0);
    const ab_format ter = parse("ternary");
    EXPECT_EQ(ab_format_max(&ter), 1.0);
    EXPECT_EQ(ab_format_min(&ter), -1.0);
}

std::vector<double> grid_of(const ab_format &f)
{
    std::vector<double> g(1u << f.bits);
    g.resize(ab_format_grid(&f, g.data(), g.size()));
    return g;
}

std::vector<double> grid_of(const char *name)
{
    const ab_format f = parse(name);
    std::vector<double> g(1u << f.bits);
    g.resize(ab_format_grid(&f, g.data(), g.size()));
    return g;
}

std::vector<double> symmetric(std::vector<double> mags, std::vector<double> extra = {})
{
    std::vector<double> v;
    for (double m : mags) {
        v.push_back(m);
        if (m != 0)
            v.push_back(-m);
    }
    v.insert(v.end(), extra.begin(), extra.end());
    std::sort(v.begin(), v.end());
    return v;
}

TEST(Format, PaperGridsExactly)
{
    // BitMoD (HPCA'25) integer grids, as in docs/references.md#bitmod-data-types.
    const std::vector<double> fp3 = {0, 1, 2, 4};
    const std::vector<double> fp4 = {0, 1, 2, 3, 4, 6, 8, 12};
    EXPECT_EQ(grid_of("bitmod_fp3"), symmetric(fp3));
    EXPECT_EQ(grid_of("bitmod_fp3_er+"), symmetric(fp3, {3}));
    EXPECT_EQ(grid_of("bitmod_fp3_er-"), symmetric(fp3, {-3}));
    EXPECT_EQ(grid_of("bitmod_fp3_ea+"), symmetric(fp3, {6}));
    EXPECT_EQ(grid_of("bitmod_fp3_ea-"), symmetric(fp3, {-6}));
    EXPECT_EQ(grid_of("bitmod_fp4"), symmetric(fp4));
    EXPECT_EQ(grid_of("bitmod_fp4_er+"), symmetric(fp4, {10}));
    EXPECT_EQ(grid_of("bitmod_fp4_er-"), symmetric(fp4, {-10}));
    EXPECT_EQ(grid_of("bitmod_fp4_ea+"), symmetric(fp4, {16}));
    EXPECT_EQ(grid_of("bitmod_fp4_ea-"), symmetric(fp4, {-16}));
    EXPECT_EQ(grid_of("bitmod_int3"), symmetric({0, 1, 2, 3}));
    EXPECT_EQ(grid_of("bitmod_int4"), symmetric({0, 1, 2, 3, 4, 5, 6, 7}));
    // The special value sits in the -0 code.
    const ab_format ea = parse("bitmod_fp4_ea+");
    EXPECT_EQ(ab_format_decode(&ea, 0x8), 16.0);
    EXPECT_EQ(ab_format_encode(&ea, 15.0), 0x8u);
    // ANT flint4 and pot4; OliVe abfloat outliers.
    EXPECT_EQ(grid_of("flint4"), symmetric({0, 1, 2, 3, 4, 6, 8, 16}));
    EXPECT_EQ(grid_of("pot4"), symmetric({0, 1, 2, 4, 8, 16, 32, 64}));
    EXPECT_EQ(grid_of("olive_abfloat"), symmetric({0, 48, 64, 96, 128, 192, 256, 384}));
    EXPECT_EQ(grid_of("olive4"), symmetric({0, 1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(grid_of("bin"), std::vector<double>({-1, 1}));
    EXPECT_EQ(grid_of("ternary"), std::vector<double>({-1, 0, 1}));
    // flintN has 2^N codes with one duplicate zero.
    for (int n = 3; n <= 8; n++)
        EXPECT_EQ(grid_of(("flint" + std::to_string(n)).c_str()).size(), (1u << n) - 1) << n;
    const ab_format e8m0 = parse("e8m0");
    EXPECT_EQ(ab_format_decode(&e8m0, 127), 1.0);
    EXPECT_EQ(ab_format_decode(&e8m0, 0), std::ldexp(1.0, -127));
    EXPECT_TRUE(std::isnan(ab_format_decode(&e8m0, 255)));
    // Grid tie rule: smaller magnitude, then positive.
    const ab_format b4 = parse("bitmod_fp4");
    EXPECT_EQ(ab_format_decode(&b4, ab_format_encode(&b4, 5.0)), 4.0);
    EXPECT_EQ(ab_format_decode(&b4, ab_format_encode(&b4, -10.0)), -8.0);
    const ab_format bin = parse("bin");
    EXPECT_EQ(ab_format_encode(&bin, 0.0), 1u);
    EXPECT_EQ(ab_format_encode(&bin, -0.3), 0u);
}

// ---- brute-force nearest-value reference ----------------------------------

struct Ref {
    ab_format f;
    std::vector<uint32_t> codes;  // canonical finite codes
    std::vector<double> values;   // their values
    double overflow_at;           // |x| >= this rounds to inf (IEEE-like), else +inf
};

Ref make_ref(const std::string &name)
{
    Ref r;
    r.f = parse(name);
    for (uint32_t c = 0; c < (1u << r.f.bits); c++) {
        const double v = ab_format_decode(&r.f, c);
        if (std::isnan(v) || std::isinf(v) || ab_format_canonical(&r.f, c) != c)
            continue;
        r.codes.push_back(c);
        r.values.push_back(v);
    }
    r.overflow_at = INFINITY;
    if (r.f.family == AB_FAMILY_FLOAT && r.f.conv == AB_FLOAT_IEEE) {
        const double mx = ab_format_max(&r.f);
        int e;
        std::frexp(mx, &e);
        r.overflow_at = (mx + std::ldexp(1.0, e)) / 2; // max + half an ulp
    }
    return r;
}

// The reference tie rule of each family, written from the docs, not the code.
bool prefer_on_tie(const Ref &r, uint32_t ca, double a, uint32_t cb, double b)
{
    switch (r.f.family) {
    case AB_FAMILY_INT:
        return (cb & 1u) == 0 && (ca & 1u) == 1; // ties to the even code
    case AB_FAMILY_FLOAT: {
        // IEEE round-half-even: the neighbour whose significand, in units of
        // their spacing, is even.
        const double q = std::fabs(a - b);
        return std::fmod(std::fabs(b) / q, 2.0) == 0.0;
    }
    case AB_FAMILY_GRID:
    default:
        if (std::fabs(a) != std::fabs(b))
            return std::fabs(b) < std::fabs(a);
        return b > a;
    }
}

// |x - v| exactly, as an unevaluated sum hi + lo (Knuth's TwoSum is
// error-free), so that near-ties such as 1 +- 5e-324 are told apart.
struct Dist {
    double hi, lo;
    bool operator<(const Dist &o) const { return hi < o.hi || (hi == o.hi && lo < o.lo); }
    bool operator==(const Dist &o) const { return hi == o.hi && lo == o.lo; }
};

Dist exact_distance(double x, double v)
{
    const double s = x - v;
    const double bb = s - x;
    const double err = (x - (s - bb)) + (-v - bb);
    if (s < 0 || (s == 0 && err < 0))
        return {-s, -err};
    return {s, err};
}

double brute_force(const Ref &r, double x)
{
    if (std::isnan(x))
        x = 0.0; // formats without NaN encode it as 0 (checked separately)
    if (std::isfinite(r.overflow_at) && std::fabs(x) >= r.overflow_at)
        return std::copysign(INFINITY, x);
    // Saturating formats: beyond the ends the extreme on that side is the
    // nearest (said here, not left to distances that overflow precision).
    const double hi = *std::max_element(r.values.begin(), r.values.end());
    const double lo = *std::min_element(r.values.begin(), r.values.end());
    if (x >= hi)
        return hi;
    if (x <= lo)
        return lo;
    size_t best = 0;
    Dist best_d = {INFINITY, 0};
    for (size_t i = 0; i < r.values.size(); i++) {
        const Dist d = exact_distance(x, r.values[i]);
        if (d < best_d ||
            (d == best_d && prefer_on_tie(r, r.codes[best], r.values[best], r.codes[i], r.values[i]))) {
            best = i;
            best_d = d;
        }
    }
    return r.values[best];
}

size_t check_nearest(const std::string &name, size_t samples, std::mt19937_64 &rng)
{
    const Ref r = make_ref(name);
    const double mx = ab_format_absmax(&r.f);
    std::vector<double> sorted = r.values;
    std::sort(sorted.begin(), sorted.end());
    std::uniform_real_distribution<double> uni(-1.25 * mx, 1.25 * mx);
    std::uniform_int_distribution<size_t> pick(0, sorted.size() - 1);
    std::uniform_real_distribution<double> expo(-30.0, std::log2(mx) + 2);
    // Formats that encode NaN as NaN (format.h): IEEE-like floats with a
    // mantissa, FN floats, grids with a NaN code (E8M0).  intNs's reserved
    // code decodes to NaN but is never produced: NaN encodes as 0 there.
    const bool has_nan_code =
        (r.f.family == AB_FAMILY_FLOAT &&
         (r.f.conv == AB_FLOAT_FN || (r.f.conv == AB_FLOAT_IEEE && r.f.man_bits > 0))) ||
        (r.f.family == AB_FAMILY_GRID && r.f.grid_nan_code >= 0);

    for (size_t s = 0; s < samples; s++) {
        double x;
        switch (s % 6) {
        case 0: x = uni(rng); break;
        case 1: { // exact midpoint between neighbours: a tie
            const size_t i = pick(rng);
            x = i + 1 < sorted.size() ? (sorted[i] + sorted[i + 1]) / 2 : sorted[i] * 1.5;
            break;
        }
        case 2: x = sorted[pick(rng)]; break; // exact values
        case 3: x = std::copysign(std::exp2(expo(rng)), uni(rng)); break; // subnormals, big
        case 4: { // just beside a midpoint
            const size_t i = pick(rng);
            const double mid = i + 1 < sorted.size() ? (sorted[i] + sorted[i + 1]) / 2 : sorted[i];
            x = std::nextafter(mid, (s & 8) ? INFINITY : -INFINITY);
            break;
        }
        default: { // specials and overflow
            const double specials[] = {0.0, -0.0, INFINITY, -INFINITY, 4 * mx, -4 * mx, 1e300, NAN};
            x = specials[s / 6 % 8];
            break;
        }
        }
        const uint32_t code = ab_format_encode(&r.f, x);
        const double got = ab_format_decode(&r.f, code);
        if (std::isnan(x) && has_nan_code) {
            EXPECT_TRUE(std::isnan(got)) << name;
            continue;
        }
        const double want = brute_force(r, x);
        if (!(got == want)) {
            ADD_FAILURE() << name << ": encode(" << x << ") = " << got << " (code " << code
                          << "), nearest is " << want;
            return samples;
        }
        if (r.f.family == AB_FAMILY_FLOAT && got == 0.0 && !std::isnan(x)) {
            EXPECT_EQ(std::signbit(got), std::signbit(x)) << name << " sign of zero for " << x;
        }
    }
    return samples;
}

TEST(Format, NearestAgreesWithBruteForce)
{
    std::mt19937_64 rng(20261124);
    size_t total = 0;
    for (const std::string &name : small_format_names()) {
        const ab_format f = parse(name);
        // Keep the brute-force cost (samples x grid size) bounded: small grids
        // get the bulk of the million inputs.
        const size_t samples = f.bits <= 6 ? 8000 : f.bits <= 9 ? 3000 : 600;
        total += check_nearest(name, samples, rng);
    }
    EXPECT_GE(total, 1000000u);
}

TEST(Format, WideFormatsRoundLikeTheHardware)
{
    // fp16/bf16/fp32 are too wide to brute-force; check against the host's
    // own IEEE conversions (float casts round half to even).
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-70000.0, 70000.0);
    const ab_format fp32 = parse("fp32");
    for (int i = 0; i < 200000; i++) {
        const double x = u(rng) * std::exp2((i % 60) - 30);
        EXPECT_EQ(ab_format_decode(&fp32, ab_format_encode(&fp32, x)), (double)(float)x);
    }
    const ab_format bf16 = parse("bf16");
    for (uint32_t c = 0; c < 65536; c++) {
        float f;
        const uint32_t bits = c << 16;
        std::memcpy(&f, &bits, 4);
        if (std::isnan(f))
            continue;
        ASSERT_EQ(ab_format_decode(&bf16, c), (double)f) << c;
    }
}

TEST(Format, BadNamesSayWhatIsWrong)
{
    struct Case {
        const char *name, *needle;
    } cases[] = {
        {"int33", "integer width must be 1..32, got 33"},
        {"int0", "integer width must be 1..32, got 0"},
        {"uint17_zp3", "zero-point integers are 1..16 bits"},
        {"e9m2", "exponent bits must be 1..8, got 9"},
        {"e0m3", "exponent bits must be 1..8, got 0"},
        {"e4m11", "mantissa bits must be 0..10, got 11"},
        {"e4m3xx", "minifloat suffix"},
        {"flint9", "flint width must be 3..8"},
        {"pot1", "pot width must be 2..8"},
        {"uint4_zp16", "zero point must be 0..15, got 16"},
        {"int1s", "symmetric integers need at least 2 bits"},
        {"float4", "unknown format 'float4'"},
        {"bitmod_fp5", "unknown format 'bitmod_fp5'"},
        {"", "empty format name"},
    };
    for (const Case &c : cases) {
        ab_format f;
        ab_error err{};
        EXPECT_EQ(ab_format_parse(c.name, &f, &err), -1) << c.name;
        EXPECT_NE(std::string(err.msg).find(c.needle), std::string::npos)
            << c.name << ": " << err.msg;
    }
}

TEST(Format, RegistryNamesAllParseWithDescriptions)
{
    size_t n = 0;
    for (size_t i = 0; const char *name = ab_format_registry_name(i); i++, n++) {
        const ab_format f = parse(name);
        EXPECT_STREQ(f.name, name);
        EXPECT_GT(std::strlen(f.desc), 10u) << name;
    }
    EXPECT_GT(n, 50u);
    EXPECT_NE(ab_format_family_help(0), nullptr);
}

TEST(Format, Nf4IsQloraTable)
{
    // Dettmers et al. 2023 (arXiv:2305.14314), Appendix E; bitsandbytes' NF4.
    const double want[16] = {-1.0, -0.6961928009986877, -0.5250730514526367,
                             -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
                             -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                             0.24611230194568634, 0.33791524171829224, 0.44070982933044434,
                             0.5626170039176941, 0.7229568362236023, 1.0};
    const ab_format f = parse("nf4");
    EXPECT_EQ(f.bits, 4);
    EXPECT_EQ(f.family, AB_FAMILY_GRID);
    for (uint32_t c = 0; c < 16; c++)
        EXPECT_EQ(ab_format_decode(&f, c), want[c]) << c;
    EXPECT_EQ(ab_format_absmax(&f), 1.0);
    EXPECT_EQ(ab_format_encode(&f, 0.01), 7u);
}

// A table in shuffled code order with zero on two codes (and -0 on a third).
static const double kShuffled[8] = {0.5, 0.0, -0.25, 1.0, -0.0, -1.0, 0.25, 0.0};

TEST(Format, FromValuesSortsAndKeepsTheLowestCode)
{
    ab_format f;
    ab_error err{};
    ASSERT_EQ(ab_format_from_values("mygrid", kShuffled, 8, &f, &err), 0) << err.msg;
    EXPECT_STREQ(f.name, "mygrid");
    EXPECT_EQ(f.bits, 3);
    EXPECT_TRUE(f.is_signed);
    EXPECT_EQ(grid_of(f), std::vector<double>({-1.0, -0.25, 0.0, 0.25, 0.5, 1.0}));
    for (uint32_t c = 0; c < 8; c++)
        EXPECT_EQ(ab_format_decode(&f, c), kShuffled[c] == 0.0 ? 0.0 : kShuffled[c]) << c;
    // each value encodes to its lowest code: zero to code 1, not 4 or 7
    const uint32_t code_of[6] = {5, 2, 1, 6, 0, 3};
    const double sorted[6] = {-1.0, -0.25, 0.0, 0.25, 0.5, 1.0};
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(ab_format_encode(&f, sorted[i]), code_of[i]) << sorted[i];
    EXPECT_EQ(ab_format_canonical(&f, 7), 1u);
    // ties: the smaller magnitude wins; beside a midpoint, the nearer value
    EXPECT_EQ(ab_format_encode(&f, 0.125), 1u);
    EXPECT_EQ(ab_format_encode(&f, -0.125), 1u);
    EXPECT_EQ(ab_format_encode(&f, 0.375), 6u);
    EXPECT_EQ(ab_format_encode(&f, -0.625), 2u);
    EXPECT_EQ(ab_format_encode(&f, std::nextafter(0.375, 1.0)), 0u);
    EXPECT_EQ(ab_format_encode(&f, 7.0), 3u);
    EXPECT_EQ(ab_format_encode(&f, -7.0), 5u);
}

TEST(Format, FromValuesQuantizesLikeTheNamedGrid)
{
    // nf4's own table through ab_format_from_values and ab_quantize_format
    // gives ab_quantize("nf4")'s codes and scales bit for bit.
    const ab_format named = parse("nf4");
    double v[16];
    for (uint32_t c = 0; c < 16; c++)
        v[c] = ab_format_decode(&named, c);
    ab_format f;
    ab_error err{};
    ASSERT_EQ(ab_format_from_values("copy", v, 16, &f, &err), 0) << err.msg;
    std::mt19937_64 rng(7);
    std::normal_distribution<float> nd(0.0f, 0.02f);
    std::vector<float> x(8 * 256);
    for (float &e : x)
        e = nd(rng);
    ab_quant_spec spec{};
    std::snprintf(spec.format, sizeof spec.format, "nf4");
    spec.granularity = AB_GRAN_GROUP;
    spec.group_size = 64;
    spec.scale = AB_SCALE_FP16;
    ab_quant_result a, b;
    ASSERT_EQ(ab_quantize(&spec, x.data(), 8, 256, &a, &err), 0) << err.msg;
    std::snprintf(spec.format, sizeof spec.format, "not-read");
    ASSERT_EQ(ab_quantize_format(&spec, &f, x.data(), 8, 256, &b, &err), 0) << err.msg;
    EXPECT_EQ(std::memcmp(a.codes, b.codes, x.size() * sizeof *a.codes), 0);
    EXPECT_EQ(std::memcmp(a.scales, b.scales, 8 * 4 * sizeof *a.scales), 0);
    EXPECT_EQ(a.sqnr_db, b.sqnr_db);
    ab_quant_result_free(&a);
    ab_quant_result_free(&b);
    EXPECT_EQ(ab_quantize_format(&spec, nullptr, x.data(), 8, 256, &b, &err), -1);
}

TEST(Format, FromValuesRefusesBadTables)
{
    ab_format f;
    ab_error err{};
    double v[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    EXPECT_EQ(ab_format_from_values("g", v, 12, &f, &err), -1);
    EXPECT_NE(std::string(err.msg).find("got 12"), std::string::npos) << err.msg;
    EXPECT_EQ(ab_format_from_values("g", v, 1, &f, &err), -1);
    EXPECT_EQ(ab_format_from_values("", v, 16, &f, &err), -1);
    EXPECT_NE(std::string(err.msg).find("name"), std::string::npos) << err.msg;
    v[5] = NAN;
    EXPECT_EQ(ab_format_from_values("g", v, 16, &f, &err), -1);
    EXPECT_NE(std::string(err.msg).find("value 5"), std::string::npos) << err.msg;
    v[5] = INFINITY;
    EXPECT_EQ(ab_format_from_values("g", v, 16, &f, &err), -1);
    const double zeros[4] = {0, 0, -0.0, 0};
    EXPECT_EQ(ab_format_from_values("g", zeros, 4, &f, &err), -1);
    EXPECT_NE(std::string(err.msg).find("every value is 0"), std::string::npos) << err.msg;
}

} // namespace
