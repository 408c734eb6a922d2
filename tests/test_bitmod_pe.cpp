// test_bitmod_pe.cpp - BitMoD weight terms and the bit-exact PE datapath
// (kernels/bitmod_terms.h, kernels/bitmod_pe.h).
//
// Error bound (derived from the truncation widths, see bitmod_pe.h), in
// units of the real value, for one group (dequantization is exact for
// scales of at most 6 bits, so the final bound is this times the scale):
//   - bs_mul: each lane's aligned product floor(prod * 2^(3 - delta)) loses
//     less than one unit 2^(M + sig - 28) (M = the cycle's max exponent):
//     at most 4 * 2^(M + sig - 28) per cycle.
//   - grp_accum: the accumulator alignment (floor, or the flush beyond a
//     shift of 13, where |acc| < 2^(E - 28)), the term alignment and the
//     normalization (floor) each lose less than one unit 2^(E_new - 28) of
//     the new accumulator: at most 3 * 2^(E_new - 28) per cycle.  The
//     exponent only grows past the largest M by normalization, which leaves
//     |acc_man| >= 2^13, so 2^(E_new - 28) <= U = max(2^(A - 28),
//     P * 2^-13) with A = the largest M of the group and P a bound on the
//     partial sums: P = 2 * S, S = sum |a_i * w_i| (valid while the
//     accumulated error stays below S, which the test asserts).
//   bound = sum over cycles of 4 * 2^(M + sig - 28)  +  3 * cycles * U.
// At 4 bits (64 cycles per 128-weight group) this is about 5% of S, at
// 8 bits about 10%; the observed error is far smaller (printed by
// BitmodPe.RandomGroupsWithinBound; seeds as below, 300 groups per format:
// max |err| / sum|a*w*s| = 0.073% for bitmod_fp4*, 0.053% for bitmod_fp3*,
// 0.15% for int8s).  Every truncation is a floor, so the error is biased
// (grows linearly with the number of cycles rather than as a random walk).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "bitmod_pe.h"
#include "bitmod_terms.h"
#include "format.h"
}

namespace {

ab_format parse(const std::string &name)
{
    ab_format f;
    ab_error err{};
    EXPECT_EQ(ab_format_parse(name.c_str(), &f, &err), 0) << name << ": " << err.msg;
    return f;
}

const std::vector<std::string> &supported_names()
{
    static const std::vector<std::string> names = {
        "int2", "int3", "int4", "int5", "int6", "int7", "int8", "int3s", "int4s", "int8s",
        "bitmod_int3", "bitmod_int4", "bitmod_fp3", "bitmod_fp3_er+", "bitmod_fp3_er-",
        "bitmod_fp3_ea+", "bitmod_fp3_ea-", "bitmod_fp4", "bitmod_fp4_er+", "bitmod_fp4_er-",
        "bitmod_fp4_ea+", "bitmod_fp4_ea-"};
    return names;
}

double code_value(const ab_format &f, uint32_t code)
{
    const double v = ab_format_decode(&f, ab_format_canonical(&f, code));
    return std::isnan(v) ? 0.0 : v;
}

double fp16_value(uint16_t h)
{
    static const ab_format f16 = parse("fp16");
    return ab_format_decode(&f16, h);
}

uint16_t to_fp16(double x)
{
    static const ab_format f16 = parse("fp16");
    return (uint16_t)ab_format_encode(&f16, x);
}

// ---- terms ---------------------------------------------------------------

TEST(BitmodPeTerms, EveryCodeSumsToItsGridValue)
{
    for (const std::string &name : supported_names()) {
        const ab_format f = parse(name);
        ASSERT_TRUE(ab_bitmod_supports(&f)) << name;
        const unsigned cycles = ab_bitmod_cycles_per_weight(&f);
        for (uint32_t code = 0; code < (1u << f.bits); code++) {
            ab_bitmod_term t[AB_BITMOD_MAX_TERMS];
            ab_error err{};
            ASSERT_EQ(ab_bitmod_terms(&f, code, t, &err), (int)cycles) << name << " " << err.msg;
            int64_t sum = 0;
            for (unsigned c = 0; c < cycles; c++) {
                EXPECT_LE(t[c].exp, AB_BITMOD_TERM_EXP_MAX) << name;
                EXPECT_LE(t[c].sig, AB_BITMOD_TERM_SIG_MAX) << name;
                EXPECT_LE(t[c].man, 1) << name;
                EXPECT_LE(t[c].sign, 1) << name;
                // the 4 lanes of a cycle share one significance: it depends
                // on the cycle only (Booth: 2c, FP: c)
                EXPECT_EQ(t[c].sig, f.family == AB_FAMILY_INT ? 2 * c : c) << name;
                if (!t[c].man) {
                    EXPECT_EQ(t[c].exp, 0) << name << " empty slot keeps exp 0";
                }
                sum += ab_bitmod_term_value(t[c]);
            }
            EXPECT_EQ((double)sum, code_value(f, code)) << name << " code " << code;
        }
    }
}

TEST(BitmodPeTerms, CycleRuleIsCeilHalfBitsAndBoundsTheTerms)
{
    EXPECT_EQ(ab_bitmod_cycles_for_bits(0), 0u);
    EXPECT_EQ(ab_bitmod_cycles_for_bits(3), 2u);
    EXPECT_EQ(ab_bitmod_cycles_for_bits(4), 2u);
    EXPECT_EQ(ab_bitmod_cycles_for_bits(6), 3u);
    EXPECT_EQ(ab_bitmod_cycles_for_bits(8), 4u);
    for (const std::string &name : supported_names()) {
        const ab_format f = parse(name);
        const unsigned cycles = ab_bitmod_cycles_per_weight(&f);
        EXPECT_EQ(cycles, (f.bits + 1u) / 2u) << name;
        int max_nz = 0;
        for (uint32_t code = 0; code < (1u << f.bits); code++)
            max_nz = std::max(max_nz, ab_bitmod_nonzero_terms(&f, code));
        // bitmod_fp3 = {0, +-1, +-2, +-4}: single powers of two
        const int expect_nz = name == "bitmod_fp3" ? 1 : (int)cycles;
        EXPECT_EQ(max_nz, expect_nz) << name;
    }
}

TEST(BitmodPeTerms, BoothDigitsAndFpSlotsByHand)
{
    ab_bitmod_term t[AB_BITMOD_MAX_TERMS];
    const ab_format i8 = parse("int8");
    ASSERT_EQ(ab_bitmod_terms(&i8, 0x80u, t, nullptr), 4); // -128 = -2 * 4^3
    EXPECT_EQ(t[3].sign, 1);
    EXPECT_EQ(t[3].exp, 1);
    EXPECT_EQ(t[3].man, 1);
    EXPECT_EQ(t[0].man + t[1].man + t[2].man, 0);
    ASSERT_EQ(ab_bitmod_terms(&i8, 127u, t, nullptr), 4); // 127 = 2 * 64 - 1
    EXPECT_EQ(ab_bitmod_term_value(t[0]), -1);
    EXPECT_EQ(ab_bitmod_term_value(t[3]), 128);
    const ab_format ea = parse("bitmod_fp4_ea+");
    ASSERT_EQ(ab_bitmod_terms(&ea, ab_format_encode(&ea, 16.0), t, nullptr), 2);
    EXPECT_EQ(t[0].man, 0);
    EXPECT_EQ(t[1].man, 1); // bit 4 only fits the second window: exp 3, sig 1
    EXPECT_EQ(t[1].exp, 3);
    ASSERT_EQ(ab_bitmod_terms(&ea, ab_format_encode(&ea, -12.0), t, nullptr), 2);
    EXPECT_EQ(ab_bitmod_term_value(t[0]), -4);
    EXPECT_EQ(ab_bitmod_term_value(t[1]), -8);
}

TEST(BitmodPeTerms, UnsupportedFormatsAreRefused)
{
    for (const char *name : {"uint4", "flint4", "fp16", "int16", "e2m1", "uint4_zp8"}) {
        const ab_format f = parse(name);
        EXPECT_FALSE(ab_bitmod_supports(&f)) << name;
        EXPECT_EQ(ab_bitmod_cycles_per_weight(&f), 0u) << name;
        ab_bitmod_term t[AB_BITMOD_MAX_TERMS];
        ab_error err{};
        EXPECT_EQ(ab_bitmod_terms(&f, 1, t, &err), -1) << name;
        EXPECT_NE(std::string(err.msg).find("not supported"), std::string::npos) << err.msg;
        ab_bitmod_pe pe;
        ab_bitmod_pe_init(&pe, false);
        uint16_t a[4] = {0, 0, 0, 0};
        uint32_t w[4] = {0, 0, 0, 0};
        EXPECT_EQ(ab_bitmod_pe_group(&pe, &f, a, w, 4, 1, 6, nullptr, &err), -1) << name;
    }
}

// ---- datapath ------------------------------------------------------------

struct Group {
    std::vector<uint16_t> act;
    std::vector<uint32_t> w;
    uint32_t scale = 1;
};

Group random_group(const ab_format &f, std::mt19937_64 &rng, size_t n = 128)
{
    std::normal_distribution<double> nd(0.0, 1.0);
    std::uniform_real_distribution<double> ud(-10.0, 6.0);
    std::uniform_int_distribution<uint32_t> code(0, (1u << f.bits) - 1);
    std::uniform_int_distribution<uint32_t> sc(1, 63);
    Group g;
    const double mag = std::exp2(ud(rng));
    for (size_t i = 0; i < n; i++) {
        double x = nd(rng) * mag;
        if (rng() % 16 == 0)
            x = 0.0;
        g.act.push_back(to_fp16(x));
        g.w.push_back(code(rng));
    }
    g.scale = sc(rng);
    return g;
}

double exact_dot(const ab_format &f, const Group &g)
{
    double s = 0.0;
    for (size_t i = 0; i < g.act.size(); i++)
        s += fp16_value(g.act[i]) * code_value(f, g.w[i]);
    return s * g.scale;
}

// Bound of the header comment, from the inputs and the term decomposition.
struct Bound {
    double bound = 0.0, S = 0.0;
};

Bound error_bound(const ab_format &f, const Group &g)
{
    const unsigned cpw = ab_bitmod_cycles_per_weight(&f);
    const size_t n = g.act.size();
    Bound b;
    double lane = 0.0;
    int A = 0;
    uint64_t cycles = 0;
    for (size_t base = 0; base < n; base += 4) {
        ab_bitmod_term t[4][AB_BITMOD_MAX_TERMS] = {};
        uint8_t ae[4] = {1, 1, 1, 1};
        for (size_t i = 0; i < 4 && base + i < n; i++) {
            uint8_t s;
            uint16_t m;
            ab_bitmod_fp16_unpack(g.act[base + i], &s, &ae[i], &m);
            ab_bitmod_terms(&f, g.w[base + i], t[i], nullptr);
            b.S += std::fabs(fp16_value(g.act[base + i]) * code_value(f, g.w[base + i]));
        }
        for (unsigned c = 0; c < cpw; c++) {
            int M = 0;
            for (int i = 0; i < 4; i++)
                M = std::max(M, ae[i] + t[i][c].exp);
            A = std::max(A, M);
            lane += 4.0 * std::ldexp(1.0, M + t[0][c].sig - 28);
            cycles++;
        }
    }
    const double U = std::max(std::ldexp(1.0, A - 28), 2.0 * b.S * std::ldexp(1.0, -13));
    b.bound = (lane + 3.0 * (double)cycles * U) * g.scale;
    b.S *= g.scale;
    return b;
}

ab_bitmod_group_result run_group(const ab_format &f, const Group &g, bool literal = false)
{
    ab_bitmod_pe pe;
    ab_bitmod_pe_init(&pe, literal);
    ab_bitmod_group_result r{};
    ab_error err{};
    EXPECT_EQ(ab_bitmod_pe_group(&pe, &f, g.act.data(), g.w.data(), g.act.size(), g.scale, 6, &r,
                                 &err),
              0)
        << err.msg;
    return r;
}

TEST(BitmodPe, DeterministicAndEqualToManualStepping)
{
    std::mt19937_64 rng(42);
    for (const std::string &name : supported_names()) {
        const ab_format f = parse(name);
        const unsigned cpw = ab_bitmod_cycles_per_weight(&f);
        for (int rep = 0; rep < 10; rep++) {
            const Group g = random_group(f, rng);
            const ab_bitmod_group_result r1 = run_group(f, g), r2 = run_group(f, g);
            EXPECT_EQ(r1.acc_exp, r2.acc_exp);
            EXPECT_EQ(r1.acc_man, r2.acc_man);
            EXPECT_EQ(r1.dq_man, r2.dq_man);
            EXPECT_EQ(r1.dq_exp, r2.dq_exp);
            EXPECT_EQ(r1.value, r2.value);

            // the same group through the step API, one PE reused across groups
            ab_bitmod_pe pe;
            ab_bitmod_pe_init(&pe, false);
            for (int twice = 0; twice < 2; twice++) {
                ab_bitmod_pe_group_begin(&pe);
                for (size_t base = 0; base < g.act.size(); base += 4) {
                    ab_bitmod_term t[4][AB_BITMOD_MAX_TERMS];
                    for (int i = 0; i < 4; i++)
                        ASSERT_EQ(ab_bitmod_terms(&f, g.w[base + i], t[i], nullptr), (int)cpw);
                    for (unsigned c = 0; c < cpw; c++) {
                        const ab_bitmod_term tc[4] = {t[0][c], t[1][c], t[2][c], t[3][c]};
                        ab_bitmod_cycle_info info;
                        ab_bitmod_pe_step(&pe, &g.act[base], tc, &info);
                        EXPECT_EQ(info.bs_out, (info.lane[0] + info.lane[1]) +
                                                   (info.lane[2] + info.lane[3]));
                    }
                }
                ab_bitmod_pe_dequant_begin(&pe, 0);
                for (int b = 5; b >= 0; b--)
                    ab_bitmod_pe_dequant_step(&pe, (uint8_t)((g.scale >> b) & 1u));
                EXPECT_EQ(pe.acc_man, r1.acc_man) << name;
                EXPECT_EQ(pe.acc_exp, r1.acc_exp) << name;
                EXPECT_EQ(pe.dq_man, r1.dq_man) << name;
                EXPECT_EQ(ab_bitmod_pe_dequant_value(&pe), r1.value) << name;
            }
        }
    }
}

TEST(BitmodPe, RandomGroupsWithinBound)
{
    std::mt19937_64 rng(2025);
    double worst_rel_S = 0.0, worst_rel_bound = 0.0;
    for (const std::string &name : supported_names()) {
        const ab_format f = parse(name);
        double fmt_worst = 0.0;
        for (int rep = 0; rep < 300; rep++) {
            const Group g = random_group(f, rng);
            const ab_bitmod_group_result r = run_group(f, g);
            const double exact = exact_dot(f, g);
            const Bound b = error_bound(f, g);
            const double err = std::fabs(r.value - exact);
            ASSERT_LE(err, b.bound) << name << " rep " << rep << " exact " << exact << " got "
                                    << r.value;
            EXPECT_LE(b.bound, b.S + 1e-300) << "bound derivation needs error < S";
            if (b.S > 0) {
                fmt_worst = std::max(fmt_worst, err / b.S);
                worst_rel_bound = std::max(worst_rel_bound, b.bound / b.S);
            }
            EXPECT_DOUBLE_EQ(r.value, r.acc_value * g.scale) << "6-bit dequant is exact";
        }
        worst_rel_S = std::max(worst_rel_S, fmt_worst);
        std::printf("[ BitmodPe ] %-16s max |err| / sum|a*w*s| = %.3g\n", name.c_str(), fmt_worst);
    }
    std::printf("[ BitmodPe ] overall max |err| / sum|a*w*s| = %.3g (bound up to %.3g)\n",
                worst_rel_S, worst_rel_bound);
    RecordProperty("max_rel_err", std::to_string(worst_rel_S));
}

TEST(BitmodPe, AllZeroWeightsGiveExactlyZero)
{
    std::mt19937_64 rng(7);
    for (const std::string &name : supported_names()) {
        const ab_format f = parse(name);
        Group g = random_group(f, rng);
        std::fill(g.w.begin(), g.w.end(), ab_format_encode(&f, 0.0));
        g.act[3] = 0x7bff; // the largest activation too
        const ab_bitmod_group_result r = run_group(f, g);
        EXPECT_EQ(r.acc_man, 0) << name;
        EXPECT_EQ(r.dq_man, 0) << name;
        EXPECT_EQ(r.value, 0.0) << name;
    }
}

// One nonzero lane in a group of 128: no other lane competes for the
// exponent maximum with a nonzero term, so there is no truncation.
TEST(BitmodPe, SingleNonzeroLaneIsExactWithSigns)
{
    struct Case {
        const char *fmt;
        double a, w;
    };
    const Case cases[] = {
        {"bitmod_fp4_er+", 1.5, 3},     {"bitmod_fp4_er+", -1.5, 3},
        {"bitmod_fp4_er-", 1.5, -10},   {"bitmod_fp4_er-", -1.5, -10},
        {"bitmod_fp4_ea+", 0.3, 16},    {"bitmod_fp4_ea+", -0.3, -12},
        {"bitmod_fp3_ea-", 2.75, -6},   {"bitmod_fp3_er+", -1024.5, 3},
        {"int8", -3.25, -128},          {"int8", 7.0, 127},
        {"int4s", -0.125, -7},          {"int3", 5.0e-8, 3}, // subnormal activation
    };
    for (const Case &c : cases) {
        const ab_format f = parse(c.fmt);
        for (size_t pos : {0u, 5u, 66u, 127u}) {
            Group g;
            g.act.assign(128, 0);
            g.w.assign(128, ab_format_encode(&f, 0.0));
            g.act[pos] = to_fp16(c.a);
            g.w[pos] = ab_format_encode(&f, c.w);
            ASSERT_EQ(code_value(f, g.w[pos]), c.w);
            g.scale = 37;
            const ab_bitmod_group_result r = run_group(f, g);
            const double expect = fp16_value(g.act[pos]) * c.w * 37;
            EXPECT_EQ(r.value, expect) << c.fmt << " " << c.a << " x " << c.w << " @" << pos;
            EXPECT_EQ(r.acc_sign, expect < 0 ? 1 : 0);
            EXPECT_EQ(r.dq_sign, expect < 0 ? 1 : 0);
        }
    }
}

// Largest FP16 magnitude (65504 = 2047 * 2^5) times the largest weights on
// all 128 lanes: no overflow of the 17-bit tree, the 23-bit sum or the
// 6-bit exponent (the 15-bit mantissa truncates 3 * 2047 * 2^k etc., so
// the group is not exact, but one 4-lane step is).
TEST(BitmodPe, LargestActivationsDoNotOverflow)
{
    struct Case {
        const char *fmt;
        double w;
    };
    for (const Case &c : {Case{"bitmod_fp4_ea+", 16}, Case{"bitmod_fp4_ea-", -16},
                          Case{"bitmod_fp4", 12}, Case{"int8", -128}, Case{"bitmod_fp3_ea+", 6}}) {
        const ab_format f = parse(c.fmt);
        for (uint16_t a : {(uint16_t)0x7bff, (uint16_t)0xfbff}) {
            Group g;
            g.act.assign(128, a);
            g.w.assign(128, ab_format_encode(&f, c.w));
            g.scale = 63;
            const ab_bitmod_group_result r = run_group(f, g);
            const double expect = 128.0 * fp16_value(a) * c.w * 63;
            // no wrap: right sign, within the truncation bound, and close
            EXPECT_EQ(r.value < 0, expect < 0) << c.fmt << " a=" << fp16_value(a);
            EXPECT_LE(std::fabs(r.value - expect), error_bound(f, g).bound) << c.fmt;
            EXPECT_LE(std::fabs(r.value - expect), 1e-2 * std::fabs(expect)) << c.fmt; // floor bias: ~0.24% seen
            EXPECT_GE(r.acc_exp, 40) << c.fmt; // ~2^27..2^30 needs exponent 41..44 of 63
            // one 4-lane step alone is exact (delta 0 on every lane, no normalization loss)
            Group one = g;
            one.act.resize(4);
            one.w.resize(4);
            EXPECT_EQ(run_group(f, one).value, expect / 32) << c.fmt;
        }
    }
    // int8 127 (= 128 - 1: the -1 term is truncated once the accumulator is
    // large): within the bound and of the right sign
    const ab_format i8 = parse("int8");
    Group g;
    g.act.assign(128, 0x7bff);
    g.w.assign(128, 127u);
    g.scale = 63;
    const ab_bitmod_group_result r = run_group(i8, g);
    const double exact = exact_dot(i8, g);
    EXPECT_GT(r.value, 0.0);
    EXPECT_LE(std::fabs(r.value - exact), error_bound(i8, g).bound);
}

TEST(BitmodPe, EventCountsFollowTheCycleRule)
{
    std::mt19937_64 rng(11);
    for (const std::string &name : supported_names()) {
        const ab_format f = parse(name);
        const Group g = random_group(f, rng);
        const ab_bitmod_group_result r = run_group(f, g);
        const uint64_t cyc = ab_bitmod_group_cycles(&f, 128);
        EXPECT_EQ(cyc, 32u * ab_bitmod_cycles_per_weight(&f)) << name;
        EXPECT_EQ(r.events.cycles, cyc) << name;
        EXPECT_EQ(r.events.tree_adds, 3 * cyc);
        EXPECT_EQ(r.events.exp_adds, 8 * cyc);
        EXPECT_EQ(r.events.lane_shifts, 4 * cyc);
        EXPECT_GE(r.events.acc_shifts, 3 * cyc);
        EXPECT_LE(r.events.acc_shifts, 4 * cyc);
        EXPECT_EQ(r.events.dequant_cycles, 6u);
        EXPECT_EQ(r.events.dequant_adds, 6u);
        uint64_t nz = 0;
        for (uint32_t w : g.w)
            nz += (uint64_t)ab_bitmod_nonzero_terms(&f, w);
        EXPECT_EQ(r.events.active_lanes, nz) << name;
    }
    // a partial group is padded to whole 4-lane steps
    const ab_format f = parse("bitmod_fp4_er+");
    EXPECT_EQ(ab_bitmod_group_cycles(&f, 5), 4u);
    uint16_t a[5] = {0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x4000};
    uint32_t w[5];
    for (uint32_t &c : w)
        c = ab_format_encode(&f, 3.0);
    ab_bitmod_pe pe;
    ab_bitmod_pe_init(&pe, false);
    ab_bitmod_group_result r{};
    ASSERT_EQ(ab_bitmod_pe_group(&pe, &f, a, w, 5, 1, 1, &r, nullptr), 0);
    EXPECT_EQ(r.value, 18.0);
    EXPECT_EQ(r.events.cycles, 4u);
}

TEST(BitmodPe, BadScaleIsRefused)
{
    const ab_format f = parse("int4s");
    uint16_t a[4] = {0x3c00, 0, 0, 0};
    uint32_t w[4] = {1, 0, 0, 0};
    ab_bitmod_pe pe;
    ab_bitmod_pe_init(&pe, false);
    ab_error err{};
    EXPECT_EQ(ab_bitmod_pe_group(&pe, &f, a, w, 4, 64, 6, nullptr, &err), -1);
    EXPECT_NE(std::string(err.msg).find("does not fit"), std::string::npos) << err.msg;
    EXPECT_EQ(ab_bitmod_pe_group(&pe, &f, a, w, 4, 1, 0, nullptr, &err), -1);
}

// The RTL as written (term not aligned when the accumulator exponent is the
// larger) agrees with the default on the first cycle of a group and differs
// once the accumulator has grown: documents the inferred fix.
TEST(BitmodPe, LiteralRtlAlignmentOnlyDiffersOnceTheAccumulatorLeads)
{
    const ab_format f = parse("bitmod_fp4_er+");
    Group g;
    g.act.assign(4, to_fp16(1.0));
    g.w.assign(4, ab_format_encode(&f, 1.0));
    EXPECT_EQ(run_group(f, g, true).value, 4.0);
    EXPECT_EQ(run_group(f, g, false).value, 4.0);
    g.act.assign(128, to_fp16(1.0));
    g.w.assign(128, ab_format_encode(&f, 1.0));
    EXPECT_EQ(run_group(f, g, false).value, 128.0);
    EXPECT_NE(run_group(f, g, true).value, 128.0);
}

} // namespace

// The model's sixteen-groups-at-once path (kernels/bitmod_pe_simd.c,
// ab_bitmod_groups16_run) against ab_bitmod_pe_group_table per lane, bit
// for bit: each lane its own format (so its own cycles per weight: lanes
// idle while others still step), activations (zeros, subnormals, the
// largest FP16 values, infinities' bit patterns), scale and scale width;
// every lane count, both alignment rules, group lengths that do not fill
// the last PE step.  Skipped where the CPU has no AVX-512.
TEST(BitmodPe, SixteenGroupsAtOnceEqualTheScalarGroups)
{
    if (!ab_bitmod_block16_supported())
        GTEST_SKIP() << "no AVX-512 on this CPU";
    std::mt19937_64 rng(20261204);
    const std::vector<std::string> &names = supported_names();
    std::vector<ab_bitmod_term_table> tabs(names.size());
    for (size_t i = 0; i < names.size(); i++) {
        const ab_format f = parse(names[i]);
        ab_error err{};
        ASSERT_EQ(ab_bitmod_term_table_init(&f, &tabs[i], &err), 0) << err.msg;
    }
    const unsigned lane_counts[] = {4, 1, 2, 8, 16};
    const size_t glens[] = {128, 1, 7, 30, 64, 129};
    size_t compared = 0, mixed_cycles = 0;
    for (int rep = 0; rep < 300; rep++) {
        const unsigned lanes = lane_counts[rep % 5];
        const bool literal = (rep / 5) % 2;
        const size_t glen = glens[rep % 6];
        const unsigned scale_bits = 1 + (unsigned)(rng() % 16);
        const unsigned used = rep % 7 == 0 ? 1 + (unsigned)(rng() % 16) : 16;
        std::vector<uint16_t> act(glen * 16, 0);
        std::vector<uint32_t> terms(glen * 16, 0);
        std::vector<uint8_t> cycles(16, 0);
        std::vector<uint32_t> scale(16, 0);
        std::vector<size_t> fmt(16, 0);
        std::vector<std::vector<uint32_t>> codes(16, std::vector<uint32_t>(glen, 0));
        std::vector<std::vector<uint16_t>> lane_act(16, std::vector<uint16_t>(glen, 0));
        for (unsigned i = 0; i < used; i++) {
            fmt[i] = rng() % names.size();
            const ab_bitmod_term_table &t = tabs[fmt[i]];
            cycles[i] = t.cycles;
            scale[i] = (uint32_t)(rng() & ((1u << scale_bits) - 1u));
            for (size_t j = 0; j < glen; j++) {
                const uint64_t r = rng();
                uint16_t h;
                switch (r % 8) {
                case 0: h = 0; break;
                case 1: h = (uint16_t)(r >> 8) & 0x83ffu; break; // subnormal or zero
                case 2: h = (uint16_t)(0x7bffu | ((r >> 8) & 0x8000u)); break; // largest
                case 3: h = (uint16_t)(0x7c00u | ((r >> 8) & 0x83ffu)); break; // exponent 31
                default: h = (uint16_t)(r >> 16); break;
                }
                lane_act[i][j] = h;
                act[j * 16 + i] = h;
                codes[i][j] = (uint32_t)(rng() % t.ncodes);
                const ab_bitmod_term *tt = ab_bitmod_table_terms(&t, codes[i][j]);
                for (unsigned c = 0; c < AB_BITMOD_MAX_TERMS; c++)
                    terms[j * 16 + i] |= (uint32_t)ab_bitmod_term_pack(tt[c]) << (8 * c);
            }
        }
        mixed_cycles += *std::min_element(cycles.begin(), cycles.begin() + used) !=
                        *std::max_element(cycles.begin(), cycles.begin() + used);
        const ab_bitmod_groups16 g = {lanes,        literal,      glen,          scale_bits,
                                      act.data(),   terms.data(), cycles.data(), scale.data()};
        int32_t acc_man[16], dq_man[16];
        uint8_t acc_exp[16];
        ab_bitmod_groups16_run(&g, acc_man, acc_exp, dq_man);
        for (unsigned i = 0; i < used; i++) {
            ab_bitmod_pe pe;
            ab_error err{};
            ASSERT_EQ(ab_bitmod_pe_init_lanes(&pe, literal, lanes, &err), 0) << err.msg;
            ab_bitmod_group_result r;
            ASSERT_EQ(ab_bitmod_pe_group_table(&pe, &tabs[fmt[i]], lane_act[i].data(),
                                               codes[i].data(), glen, scale[i], scale_bits, &r,
                                               &err),
                      0)
                << err.msg;
            const std::string where = names[fmt[i]] + " lane " + std::to_string(i) + " lanes " +
                                      std::to_string(lanes) + " glen " + std::to_string(glen) +
                                      " literal " + std::to_string(literal) + " rep " +
                                      std::to_string(rep);
            ASSERT_EQ(acc_man[i], r.acc_man) << where;
            ASSERT_EQ(acc_exp[i], r.acc_exp) << where;
            ASSERT_EQ(dq_man[i], r.dq_man) << where;
            ASSERT_EQ(std::ldexp((double)dq_man[i], (int)acc_exp[i] - AB_BITMOD_VALUE_EXP_OFFSET),
                      r.value)
                << where;
            compared++;
        }
        for (unsigned i = used; i < 16; i++) { // lanes not in use stay zero
            EXPECT_EQ(acc_man[i], 0) << i;
            EXPECT_EQ(dq_man[i], 0) << i;
        }
    }
    EXPECT_GT(compared, 4000u);
    EXPECT_GT(mixed_cycles, 200u);
}
