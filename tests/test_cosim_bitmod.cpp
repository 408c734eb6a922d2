// test_cosim_bitmod.cpp - lock-step co-simulation of the BitMoD PE RTL
// (rtl/pe_bitmod.v, Verilated as anybit_rtl behind rtl/sim/rtl_pe_bitmod.h)
// against the bit-exact C model (kernels/bitmod_pe.h).
//
// Every clock cycle the same stimulus goes to both: the RTL gets one
// ab_rtl_pe_bitmod_clock, the C model the calls dequant_begin,
// dequant_step, group_begin, step in that order (the RTL's documented
// per-cycle semantics).  After each cycle every registered field is compared
// (acc_exp/man/sign, dq_in_exp/in_man/scale_sign, dq_exp/man/sign), and on
// step cycles the combinational debug view of the cycle too (max_exp,
// delta[4], lane[4], bs_out, acc_sum, norm_shift, sig_conflict).  Both term
// alignment rules run on the one Verilated model (the literal_align port).
//
// The stimulus generators, the C model's per-cycle calls, the comparison
// and the checker live in rtl/sim/cosim_bitmod.{hpp,cpp} (shared with
// `anybit cosim --rtl pe_bitmod`).
//
// At the first mismatch the checker stops, replays the stimulus from reset
// with an FST waveform open, and reports the cycle, the vector (group,
// format, step, inputs), every differing signal (name, RTL, C) and the
// waveform's path.  CosimBitmod.FaultInjectionIsCaught proves that it does.
//
// The PE counts its own work units' cycles (unit_done, unit_cycles); the
// checker compares each count with sim/pe/pe_bitmod.c's cycle rule
// (CosimBitmod.RandomUnitsCountTheirCycles), and a counter that starts one
// cycle late (the FAULT_LATE_COUNT model) is caught
// (CosimBitmod.LateCycleCounterIsCaught).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cosim_bitmod.hpp"
#include "test_util.h"

using namespace ab_cosim_bitmod;

namespace {

// lock-step with the coverage of the stimulus collected (cover below)
struct Coverage;
void cover(Coverage &cv, const ab_bitmod_pe &before, const ab_bitmod_pe &after,
           const ab_rtl_pe_bitmod_in &in, const ab_bitmod_cycle_info &ci);
Report lockstep_cov(const std::vector<Cycle> &stim, bool literal, const std::string &fst,
                    Coverage &cv, unsigned lanes = AB_BITMOD_LANES)
{
    return lockstep(stim, literal, fst,
                    [&cv](const ab_bitmod_pe &b, const ab_bitmod_pe &a,
                          const ab_rtl_pe_bitmod_in &in, const ab_bitmod_cycle_info &ci) {
                        cover(cv, b, a, in, ci);
                    },
                    lanes);
}

// What the stimulus reached (from the C model's side of each cycle), so a
// passing run is known to have exercised the corners of the datapath.
struct Coverage {
    size_t steps = 0;
    size_t term_aligned = 0;    // E > M with a nonzero term: the two alignment rules differ
    size_t acc_aligned = 0;     // accumulator shifted right (E > acc_exp, acc_man != 0)
    size_t acc_flushed = 0;     // ... by more than 13: flushed to 0
    size_t lane_flushed = 0;    // a nonzero lane product shifted out (delta >= 14)
    size_t negative_sums = 0;
    size_t norm_hist[11] = {};  // norm_shift 0..10 (0..8 for 4 lanes: ACC_WIDTH - 15)
    size_t exp31 = 0, subnormal = 0;
    size_t dq_steps = 0, dq_wraps = 0; // dequantizer steps, of which wrapped in 21 bits
    size_t overlapped = 0;      // dequant_begin in the same cycle as a step
};

void cover(Coverage &cv, const ab_bitmod_pe &before, const ab_bitmod_pe &after,
           const ab_rtl_pe_bitmod_in &in, const ab_bitmod_cycle_info &ci)
{
    if (in.dequant_step) {
        const int64_t man0 = in.dequant_begin ? 0 : before.dq_man;
        const int64_t inm = in.dequant_begin ? before.acc_man : before.dq_in_man;
        cv.dq_steps++;
        cv.dq_wraps += man0 * 2 + (in.scale_bit ? inm : 0) != after.dq_man;
    }
    if (!in.step)
        return;
    cv.steps++;
    cv.overlapped += in.dequant_begin;
    const unsigned acc_exp = in.group_begin ? 0 : before.acc_exp;
    const int acc_man = in.group_begin ? 0 : before.acc_man;
    const unsigned e = acc_exp > ci.max_exp ? acc_exp : ci.max_exp;
    cv.term_aligned += e > ci.max_exp && ci.bs_out != 0;
    cv.acc_aligned += e > acc_exp && acc_man != 0;
    cv.acc_flushed += e - acc_exp > 13 && acc_man != 0;
    for (unsigned i = 0; i < after.lanes; i++) {
        const unsigned ex = (in.act[i] >> 10) & 31u;
        cv.exp31 += ex == 31;
        cv.subnormal += ex == 0 && (in.act[i] & 0x3ffu) != 0;
        cv.lane_flushed += ci.delta[i] >= 14 && in.term[i].man && (in.act[i] & 0x7fffu) != 0;
    }
    cv.negative_sums += ci.acc_sum < 0;
    cv.norm_hist[ci.norm_shift < 11 ? ci.norm_shift : 10]++;
}

std::string coverage_text(const Coverage &cv)
{
    std::ostringstream o;
    o << "steps " << cv.steps << ", term aligned " << cv.term_aligned << ", acc aligned "
      << cv.acc_aligned << " (flushed " << cv.acc_flushed << "), lane flushed " << cv.lane_flushed
      << ", negative sums " << cv.negative_sums << ", exp-31 acts " << cv.exp31
      << ", subnormal acts " << cv.subnormal << ", dequant steps " << cv.dq_steps << " (wrapped "
      << cv.dq_wraps << "), dequant_begin with a step " << cv.overlapped << ", norm_shift 0..10:";
    for (size_t k : cv.norm_hist)
        o << " " << k;
    return o.str();
}

std::string fst_path(const std::string &name)
{
    return anybit_test::tmp_dir("cosim_bitmod") + "/" + name + ".fst";
}

// ---- tests ------------------------------------------------------------------

constexpr uint64_t kSeed = 0xB17D0D;
constexpr size_t kTermCycles = 300000; // per alignment rule
constexpr size_t kRawCycles = 150000;

TEST(CosimBitmod, RandomGroupsLockStep)
{
    const std::vector<Cycle> stim = terms_stimulus(kSeed, kTermCycles);
    size_t steps = 0, groups = stim.empty() ? 0 : stim.back().group + 1;
    for (const Cycle &c : stim)
        steps += c.in.step;
    for (int literal = 0; literal <= 1; literal++) {
        Coverage cv;
        const Report r = lockstep_cov(
            stim, literal != 0, fst_path("random_groups_literal" + std::to_string(literal)), cv);
        ASSERT_TRUE(r.ok) << r.text;
        std::printf("[cosim] literal_align=%d: %zu cycles (%zu steps, %zu groups) in lock-step, "
                    "%.3f s, %.2f M cycles/s (RTL + C model + compare)\n[cosim]   coverage: %s\n",
                    literal, r.cycles_run, steps, groups, r.seconds,
                    double(r.cycles_run) / r.seconds / 1e6, coverage_text(cv).c_str());
        // the corners were reached (a stimulus change that loses one fails here)
        EXPECT_GT(cv.term_aligned, 1000u);
        EXPECT_GT(cv.acc_aligned, 1000u);
        EXPECT_GT(cv.acc_flushed, 10u);
        EXPECT_GT(cv.lane_flushed, 1000u);
        EXPECT_GT(cv.negative_sums, 1000u);
        EXPECT_GT(cv.exp31, 100u);
        EXPECT_GT(cv.subnormal, 1000u);
        EXPECT_GT(cv.dq_wraps, 10u);
        EXPECT_GT(cv.overlapped, 500u);
        // shifts of 6..8 need |sum| >= 2^19 after the accumulator has
        // caught up with the lanes: rare with real weights (the raw test
        // below covers them)
        for (unsigned k = 0; k < 6; k++)
            EXPECT_GT(cv.norm_hist[k], 10u) << "norm_shift " << k;
    }
    std::printf("[cosim] Verilated PE alone: %.2f M cycles/s (best of 3 passes)\n",
                rtl_cycles_per_second(stim, 3) / 1e6);
}

TEST(CosimBitmod, RawTermsAndControlsLockStep)
{
    const std::vector<Cycle> stim = raw_stimulus(kSeed + 1, kRawCycles);
    for (int literal = 0; literal <= 1; literal++) {
        Coverage cv;
        const Report r = lockstep_cov(stim, literal != 0,
                                      fst_path("raw_literal" + std::to_string(literal)), cv);
        ASSERT_TRUE(r.ok) << r.text;
        std::printf("[cosim] raw, literal_align=%d: %zu cycles in lock-step\n[cosim]   coverage: %s\n",
                    literal, r.cycles_run, coverage_text(cv).c_str());
        EXPECT_GT(cv.term_aligned, 1000u);
        EXPECT_GT(cv.acc_flushed, 100u);
        EXPECT_GT(cv.dq_wraps, 1000u);
        for (unsigned k = 0; k < 9; k++)
            EXPECT_GT(cv.norm_hist[k], 50u) << "norm_shift " << k;
    }
}

// The one-control calls of the seam against the C model's whole-group
// function: same accumulator and dequantized result per group.
TEST(CosimBitmod, GroupFunctionMatches)
{
    std::mt19937_64 rng(kSeed + 2);
    const auto &fmts = parsed_formats();
    for (int literal = 0; literal <= 1; literal++) {
        ab_rtl_pe_bitmod *rtl = ab_rtl_pe_bitmod_create(literal != 0);
        ASSERT_NE(rtl, nullptr);
        ab_bitmod_pe c;
        ab_bitmod_pe_init(&c, literal != 0);
        for (int g = 0; g < 200; g++) {
            const ab_format &f = fmts[size_t(g) % fmts.size()];
            const size_t n = 1 + rng() % 130;
            const int centre = 1 + int(rng() % 30);
            std::vector<uint16_t> act(n);
            std::vector<uint32_t> codes(n);
            for (size_t i = 0; i < n; i++) {
                act[i] = random_act(rng, centre);
                codes[i] = uint32_t(rng() & ((1u << f.bits) - 1u));
            }
            const unsigned sb = 1 + unsigned(rng() % 8);
            const uint32_t scale = uint32_t(rng() & ((1u << sb) - 1u));
            ab_bitmod_group_result res;
            ab_error err{};
            ASSERT_EQ(ab_bitmod_pe_group(&c, &f, act.data(), codes.data(), n, scale, sb, &res, &err),
                      0)
                << err.msg;

            const unsigned cpw = ab_bitmod_cycles_per_weight(&f);
            ab_rtl_pe_bitmod_group_begin(rtl);
            for (size_t base = 0; base < n; base += 4) {
                uint16_t a[4];
                ab_bitmod_term t[4][AB_BITMOD_MAX_TERMS];
                for (unsigned i = 0; i < 4; i++) {
                    if (base + i < n) {
                        a[i] = act[base + i];
                        ASSERT_GE(ab_bitmod_terms(&f, codes[base + i], t[i], &err), 0);
                    } else {
                        a[i] = 0;
                        for (unsigned k = 0; k < cpw; k++)
                            t[i][k] = ab_bitmod_term{0, 0, 0, t[0][k].sig};
                    }
                }
                for (unsigned k = 0; k < cpw; k++) {
                    const ab_bitmod_term tk[4] = {t[0][k], t[1][k], t[2][k], t[3][k]};
                    ab_rtl_pe_bitmod_step(rtl, a, tk, nullptr);
                }
            }
            ab_rtl_pe_bitmod_dequant_begin(rtl, 0);
            for (unsigned b = sb; b-- > 0;)
                ab_rtl_pe_bitmod_dequant_step(rtl, uint8_t((scale >> b) & 1u));
            ab_rtl_pe_bitmod_state st;
            ab_rtl_pe_bitmod_state_get(rtl, &st);
            SCOPED_TRACE("group " + std::to_string(g) + " " + formats()[size_t(g) % fmts.size()] +
                         " literal_align=" + std::to_string(literal));
            ASSERT_EQ(st.acc_exp, res.acc_exp);
            ASSERT_EQ(st.acc_man, res.acc_man);
            ASSERT_EQ(st.acc_sign, res.acc_sign);
            ASSERT_EQ(st.dq_exp, res.dq_exp);
            ASSERT_EQ(st.dq_man, res.dq_man);
            ASSERT_EQ(st.dq_sign, res.dq_sign);
        }
        ab_rtl_pe_bitmod_destroy(rtl);
    }
}

// Hand-picked corners, for every lane count: the one sum no normalization
// pattern matches (-2^(ACC_WIDTH-1): 23 bits for 4 lanes), the wrap of a
// sig-7 term, the largest products, the smallest subnormal, and
// dequantization of a large accumulator.
TEST(CosimBitmod, DirectedCorners)
{
    for (unsigned lanes : {1u, 2u, 4u, 8u, 16u}) {
        SCOPED_TRACE(std::to_string(lanes) + " lanes");
        auto step = [lanes](uint16_t a, ab_bitmod_term t, bool begin) {
            Cycle c;
            c.in.step = true;
            c.in.group_begin = begin;
            for (unsigned i = 0; i < lanes; i++) {
                c.in.act[i] = a;
                c.in.term[i] = t;
            }
            return c;
        };
        std::vector<Cycle> stim;
        stim.push_back(step(0xbc00, ab_bitmod_term{0, 0, 1, 7}, true));  // L x -1.0 << 7: sum = -2^(W-1)
        stim.push_back(step(0x3c00, ab_bitmod_term{0, 0, 1, 7}, true));  // L x +1.0 << 7: wraps there
        stim.push_back(step(0x3fff, ab_bitmod_term{0, 3, 1, 6}, true));  // largest lanes, sig 6
        stim.push_back(step(0x3fff, ab_bitmod_term{1, 3, 1, 6}, false)); // and back
        stim.push_back(step(0x0001, ab_bitmod_term{0, 3, 1, 0}, true));  // smallest subnormal
        stim.push_back(step(0x7bff, ab_bitmod_term{1, 0, 1, 6}, true));  // largest finite, negative
        Cycle dq;
        dq.in.dequant_begin = true;
        dq.in.scale_sign = 1;
        dq.in.dequant_step = true;
        dq.in.scale_bit = 1;
        stim.push_back(dq);
        dq.in.dequant_begin = false;
        for (int b = 0; b < 10; b++) // scale 2^11 - 1 into 21 bits: wraps
            stim.push_back(dq);
        for (int literal = 0; literal <= 1; literal++) {
            const Report r = lockstep(stim, literal != 0, fst_path("directed"), nullptr, lanes);
            ASSERT_TRUE(r.ok) << r.text;
        }
        // the C model reaches the corner it is meant to (so the RTL did too)
        ab_bitmod_pe c;
        ab_error err{};
        ASSERT_EQ(ab_bitmod_pe_init_lanes(&c, false, lanes, &err), 0) << err.msg;
        const int32_t most_negative = -(int32_t(1) << (ab_bitmod_acc_width(lanes) - 1));
        ab_bitmod_cycle_info ci;
        c_cycle(c, stim[0].in, &ci);
        EXPECT_EQ(ci.acc_sum, most_negative);
        EXPECT_EQ(ci.norm_shift, 0);
        EXPECT_EQ(c.acc_man, 0);
        EXPECT_EQ(c.acc_sign, 1);
        c_cycle(c, stim[1].in, &ci);
        EXPECT_EQ(ci.acc_sum, most_negative);
    }
    EXPECT_EQ(ab_bitmod_acc_width(4), unsigned(AB_BITMOD_ACC_WIDTH));
    EXPECT_EQ(ab_bitmod_bs_out_bits(4), unsigned(AB_BITMOD_BS_OUT_BITS));
}

// The PE at the other lane counts its LANES parameter takes (Verilated
// as Vpe_bitmod_l1/_l2/_l8/_l16) against the C model of the same lanes:
// random groups of every format under both alignment rules, and raw
// port values, every field every cycle, with the lane-dependent corners
// reached (the normalizer's every shift, 0 .. ACC_WIDTH - 15).
TEST(CosimBitmod, OtherLaneCountsLockStep)
{
    for (unsigned lanes : {1u, 2u, 8u, 16u}) {
        SCOPED_TRACE(std::to_string(lanes) + " lanes");
        const std::vector<Cycle> stim = terms_stimulus(kSeed + 10 + lanes, 20000, lanes);
        for (int literal = 0; literal <= 1; literal++) {
            Coverage cv;
            const Report r = lockstep_cov(stim, literal != 0, fst_path("lanes_groups"), cv, lanes);
            ASSERT_TRUE(r.ok) << r.text;
            EXPECT_GT(cv.term_aligned, 100u);
            EXPECT_GT(cv.negative_sums, 100u);
        }
        const std::vector<Cycle> raw = raw_stimulus(kSeed + 20 + lanes, 30000, lanes);
        Coverage cv;
        const Report r = lockstep_cov(raw, false, fst_path("lanes_raw"), cv, lanes);
        ASSERT_TRUE(r.ok) << r.text;
        const unsigned top = ab_bitmod_acc_width(lanes) - 15;
        for (unsigned k = 0; k <= top; k++)
            EXPECT_GT(cv.norm_hist[k], 5u) << "norm_shift " << k;
        std::printf("[cosim] %u lanes: %zu + %zu cycles in lock-step; raw coverage: %s\n", lanes,
                    stim.size(), raw.size(), coverage_text(cv).c_str());
    }
    // and no model for a lane count LANES does not take
    EXPECT_EQ(ab_rtl_pe_bitmod_create_lanes(3, false), nullptr);
}

// The checker must catch a one-bit fault in the accumulator, name acc_man,
// and leave a waveform behind.
TEST(CosimBitmod, FaultInjectionIsCaught)
{
    std::vector<Cycle> stim = terms_stimulus(kSeed + 3, 3000);
    size_t at = 0;
    for (size_t n = 1500; n < stim.size(); n++)
        if (stim[n].in.step) {
            at = n;
            break;
        }
    ASSERT_GT(at, 0u);
    stim[at].in.fault_flip = true;
    const std::string path = fst_path("fault_injection");
    std::remove(path.c_str());

    const Report r = lockstep(stim, false, path);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.cycle, at);
    ASSERT_FALSE(r.diffs.empty());
    EXPECT_EQ(r.diffs[0].name, "acc_man");
    EXPECT_EQ(r.diffs.size(), 1u) << r.text; // bit 0 of the mantissa only
    EXPECT_EQ(r.diffs[0].rtl ^ r.diffs[0].c, 1);
    EXPECT_NE(r.text.find("acc_man: RTL "), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("at cycle " + std::to_string(at)), std::string::npos) << r.text;
    EXPECT_EQ(r.fst, path);
    EXPECT_NE(r.text.find(path), std::string::npos) << r.text;
    ASSERT_TRUE(anybit_test::exists(path));
    const std::string fst = anybit_test::slurp(path);
    EXPECT_GT(fst.size(), 100u);
}

// With no fault the same stimulus passes (the flip above is the only cause).
TEST(CosimBitmod, FaultFreeRunOfTheSameStimulusPasses)
{
    const std::vector<Cycle> stim = terms_stimulus(kSeed + 3, 3000);
    EXPECT_TRUE(lockstep(stim, false, fst_path("fault_free")).ok);
}

// Random work units, streamed: every unit's cycles as the RTL counted them
// (unit_cycles at unit_done) equal sim/pe/pe_bitmod.c's cycles() +
// dequant_cycles plus the stalls the stream inserted, for both alignment
// rules and at 1 and 16 lanes too; and the stream is the same on replay.
TEST(CosimBitmod, RandomUnitsCountTheirCycles)
{
    for (unsigned lanes : {4u, 1u, 16u}) {
        SCOPED_TRACE(std::to_string(lanes) + " lanes");
        const Source src = random_units(kSeed + 30 + lanes, lanes == 4 ? 60000 : 20000, lanes);
        uint64_t stalled_units = 0, units = 0, cycles = 0, begins = 0, paced = 0;
        src([&](Cycle &c) {
            cycles++;
            begins += c.in.unit_begin;
            units += c.unit_end;
            stalled_units += c.unit_end && c.unit_stalls > 0;
            paced += c.unit_end && c.in.step; // a unit ends while the next one computes
            return true;
        });
        EXPECT_GT(units, 50u);
        EXPECT_EQ(begins, units);
        EXPECT_GT(stalled_units, 5u);
        EXPECT_GT(paced, 5u);
        for (int literal = 0; literal <= 1; literal++) {
            const Report r = lockstep_stream(src, literal != 0, fst_path("units"), nullptr, lanes);
            ASSERT_TRUE(r.ok) << r.text;
            EXPECT_EQ(r.cycles_run, cycles);
            EXPECT_EQ(r.units, units);
            EXPECT_EQ(r.rtl_unit_cycles, r.model_unit_cycles);
            EXPECT_GT(r.rtl_unit_cycles, cycles / 2);
        }
    }
}

// The planted off-by-one: the PE Verilated with FAULT_LATE_COUNT = 1 (its
// counter starts one cycle late) agrees on every datapath field, and the
// checker catches it at the first unit's end, naming unit_cycles with the
// RTL's count one below the C timing model's.
TEST(CosimBitmod, LateCycleCounterIsCaught)
{
    const Source src = random_units(kSeed + 40, 5000);
    uint64_t first_end = 0, n = 0;
    src([&](Cycle &c) {
        if (c.unit_end) {
            first_end = n;
            return false;
        }
        n++;
        return true;
    });
    const std::string path = fst_path("late_count");
    std::remove(path.c_str());
    const Report r = lockstep_stream(src, false, path, nullptr, AB_BITMOD_LANES, Variant::LateCount);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.cycle, first_end);
    ASSERT_EQ(r.diffs.size(), 1u) << r.text;
    EXPECT_EQ(r.diffs[0].name, "unit_cycles");
    EXPECT_EQ(r.diffs[0].rtl + 1, r.diffs[0].c);
    EXPECT_NE(r.text.find("unit_cycles: RTL "), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("sim/pe/pe_bitmod.c's cycles() + dequant_cycles say"), std::string::npos)
        << r.text;
    EXPECT_EQ(r.fst, path);
    EXPECT_TRUE(anybit_test::exists(path));
    // the same stream on the PE proper passes: the counter is the only cause
    EXPECT_TRUE(lockstep_stream(src, false, fst_path("late_count_pe")).ok);
}

} // namespace
