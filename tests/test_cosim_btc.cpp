// test_cosim_btc.cpp - lock-step co-simulation of the binary tensor core PE
// RTL (rtl/pe_btc.v, Verilated in anybit_rtl behind rtl/sim/rtl_pe_btc.h)
// against the simulator's models of it.  The controller, the C shadow of
// the datapath, the checker and the random problems live in
// rtl/sim/cosim_btc.{hpp,cpp} (shared with `anybit cosim --rtl pe_btc`);
// this file drives them and checks coverage and the fault path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cosim_btc.hpp"
#include "test_util.h"

using namespace ab_cosim_btc;

namespace {

std::string fst_path(const std::string &name)
{
    return anybit_test::tmp_dir("cosim_btc") + "/" + name + ".fst";
}

} // namespace

// ---- tests -------------------------------------------------------------------------------

// Random WpAq problems (p, q = 1..8, signed/unsigned, bin x bin in XOR
// mode; K mostly not a multiple of tile_k; per-channel and grouped) through
// the plane-pair controller, lock-step with the C shadow every cycle and
// with ab_bp_gemm at the end of every group piece of every output tile;
// the cycles used per output tile equal sim/pe/pe_btc.c's cycles(), and its
// stepper walks the same (k step, i, j) sequence.
TEST(CosimBtc, RandomProblemsLockStep)
{
    const Dims &d = dims();
    const ab_accel a = accel_for(d);
    const std::vector<Problem> probs = random_problems(20261129, 150000, a);
    TimingError terr;
    const Report r = lockstep(probs, problem_source(probs, a, &terr), Fault{},
                              fst_path("random_problems"));
    ASSERT_TRUE(r.ok) << r.msg;
    ASSERT_FALSE(terr.set) << "timing: at cycle " << terr.cycle << ": " << terr.msg;
    // every output tile's cycles as the RTL counted them (unit_cycles)
    // against sim/pe/pe_btc.c's cycles(); no stalls, so they fill the run
    EXPECT_EQ(r.units, r.out_tiles);
    EXPECT_EQ(r.rtl_unit_cycles, r.model_unit_cycles);
    EXPECT_EQ(r.rtl_unit_cycles, r.cycles);
    // the streamed source is the same stimulus, generated as it runs
    TimingError sterr;
    const Report rs = lockstep({}, random_problem_source(20261129, 150000, a, &sterr), Fault{},
                               fst_path("random_stream"));
    ASSERT_TRUE(rs.ok) << rs.msg;
    EXPECT_FALSE(sterr.set) << sterr.msg;
    EXPECT_EQ(rs.cycles, r.cycles);
    EXPECT_EQ(rs.gemm_checks, r.gemm_checks);
    EXPECT_EQ(rs.rtl_unit_cycles, r.rtl_unit_cycles);
    // coverage of the stimulus
    bool pq[9][9] = {};
    bool xor_seen = false, ragged_k = false, grouped = false, signs[2][2] = {}, pad_rows = false;
    for (const Problem &pr : probs) {
        if (pr.xor_mode()) {
            xor_seen = true;
        } else {
            pq[pr.p][pr.q] = true;
            signs[pr.wk == AB_BP_SIGNED][pr.xk == AB_BP_SIGNED] = true;
        }
        ragged_k |= pr.K % d.k != 0;
        grouped |= pr.po.group < pr.K;
        pad_rows |= pr.M % d.m != 0 && pr.N % d.n != 0;
    }
    for (unsigned p = 1; p <= 8; p++)
        for (unsigned q = 1; q <= 8; q++)
            EXPECT_TRUE(pq[p][q]) << "W" << p << "A" << q << " not reached";
    EXPECT_TRUE(xor_seen && ragged_k && grouped && pad_rows);
    EXPECT_TRUE(signs[0][0] && signs[0][1] && signs[1][0] && signs[1][1]);
    EXPECT_GE(r.cycles, 10000u); // each cycle is one binary MMA tile pair
    std::printf("[ cosim    ] pe_btc %ux%ux%u: %zu problems, %" PRIu64 " cycles (tile MMAs), %"
                PRIu64 " output tiles, %" PRIu64 " group pieces, %" PRIu64
                " accumulators checked against ab_bp_gemm, %.2f s (%.0f cycles/s)\n",
                d.m, d.n, d.k, probs.size(), r.cycles, r.out_tiles, r.pieces, r.gemm_checks,
                r.seconds, double(r.cycles) / r.seconds);
}

// Anything the ports take: random tiles, shift 0..15, negate, XOR mode with
// any k_valid, valid/clear in any combination, lock-step with the shadow;
// long runs without clear and large shifts wrap the int32 accumulators.
TEST(CosimBtc, RawControlsLockStep)
{
    const Dims &d = dims();
    const uint64_t cycles = 48000;
    uint64_t wraps = 0;
    auto source = [&](const std::function<bool(Cycle &)> &emit) {
        std::mt19937_64 rng(77);
        Cycle c;
        c.x.assign(size_t(d.m) * d.kw, 0);
        c.w.assign(size_t(d.n) * d.kw, 0);
        c.where.raw = true;
        for (uint64_t n = 0; n < cycles; n++) {
            const int density = int(rng() % 3);
            for (uint64_t &v : c.x)
                v = density == 0 ? rng() : density == 1 ? (rng() & rng() & rng()) : ~uint64_t(0);
            for (uint64_t &v : c.w)
                v = density == 2 ? ~(rng() & rng()) : rng();
            if (d.k % 64) { // bits beyond K are not ports
                for (unsigned r = 0; r < d.m; r++)
                    c.x[r * d.kw + d.kw - 1] &= (uint64_t(1) << (d.k % 64)) - 1u;
                for (unsigned s = 0; s < d.n; s++)
                    c.w[s * d.kw + d.kw - 1] &= (uint64_t(1) << (d.k % 64)) - 1u;
            }
            ab_rtl_pe_btc_in &in = c.in;
            in = ab_rtl_pe_btc_in{};
            in.valid = rng() % 8 != 0;
            // clear rarely and let the sign drift one way for stretches of
            // 16000 cycles, so the sums run past int32 both ways
            in.clear = rng() % 16384 == 0;
            in.shift = uint8_t(rng() % 4 ? 12 + rng() % 4 : rng() % 16);
            in.negate = ((n / 16000) % 2) ? rng() % 16 != 0 : rng() % 16 == 0;
            in.xor_mode = rng() % 3 == 0;
            in.k_valid = uint32_t(rng() % (d.k + 1));
            in.x = c.x.data();
            in.w = c.w.data();
            if (!emit(c))
                return;
        }
    };
    // count the wraps the stimulus reaches (a shadow in int64)
    {
        Shadow sh(d);
        source([&](Cycle &c) {
            const std::vector<uint32_t> before = sh.acc;
            sh.clock(c);
            const ab_rtl_pe_btc_in &in = c.in;
            for (size_t e = 0; e < before.size(); e++) {
                const int64_t pc = sh.popc[e];
                const int64_t term = in.xor_mode ? int64_t(in.k_valid) - 2 * pc : pc;
                const int64_t mag = term * (int64_t(1) << in.shift);
                const int64_t add = in.valid ? (in.negate ? -mag : mag) : 0;
                const int64_t v = (in.clear ? 0 : int64_t(int32_t(before[e]))) + add;
                wraps += v > INT32_MAX || v < INT32_MIN;
            }
            return true;
        });
    }
    EXPECT_GT(wraps, 100u) << "the stimulus must wrap the int32 accumulators";
    const Report r = lockstep({}, source, Fault{}, fst_path("raw_controls"));
    ASSERT_TRUE(r.ok) << r.msg;
    EXPECT_EQ(r.cycles, cycles);
    std::printf("[ cosim    ] raw controls: %" PRIu64 " cycles, %" PRIu64
                " accumulator wraps, %.2f s\n", r.cycles, wraps, r.seconds);
}

// Directed: the largest magnitudes (all ones, W8A8 signed and unsigned),
// an empty-K-step bin x bin (k_valid = K, all equal / all different), a
// tile with K exactly tile_k and K = 1.
TEST(CosimBtc, DirectedCorners)
{
    const Dims &d = dims();
    const ab_accel a = accel_for(d);
    std::vector<Problem> probs;
    auto add = [&](unsigned p, unsigned q, ab_bp_kind wk, ab_bp_kind xk, size_t M, size_t N,
                   size_t K, uint8_t xc, uint8_t wc) {
        Problem pr;
        pr.p = p;
        pr.q = q;
        pr.wk = wk;
        pr.xk = xk;
        pr.M = M;
        pr.N = N;
        pr.K = K;
        pr.X.assign(M * K, xc);
        pr.W.assign(N * K, wc);
        std::string error;
        ASSERT_TRUE(finish(pr, a, &error)) << error;
        probs.push_back(std::move(pr));
    };
    add(8, 8, AB_BP_UNSIGNED, AB_BP_UNSIGNED, d.m, d.n, 3 * d.k + 5, 255, 255);
    add(8, 8, AB_BP_SIGNED, AB_BP_SIGNED, d.m, d.n, 2 * d.k, 128, 128);  // (-128)^2
    add(8, 8, AB_BP_SIGNED, AB_BP_SIGNED, d.m, d.n, 2 * d.k, 128, 127);  // -128 * 127
    add(8, 1, AB_BP_SIGNED, AB_BP_UNSIGNED, d.m + 1, d.n - 1, 1, 1, 255);
    add(1, 1, AB_BP_PM1, AB_BP_PM1, d.m, d.n, d.k, 1, 1);                // all +1 * +1
    add(1, 1, AB_BP_PM1, AB_BP_PM1, d.m, d.n, d.k + 3, 1, 0);            // all -1
    TimingError terr;
    const Report r = lockstep(probs, problem_source(probs, a, &terr), Fault{},
                              fst_path("directed"));
    ASSERT_TRUE(r.ok) << r.msg;
    ASSERT_FALSE(terr.set) << terr.msg;
    EXPECT_GT(r.gemm_checks, 0u);
}

namespace {
std::vector<Problem> fault_problems(const ab_accel &a)
{
    std::mt19937_64 rng(4242);
    std::vector<Problem> v;
    for (int i = 0; i < 12; i++)
        v.push_back(random_problem(rng, dims(), a));
    return v;
}
} // namespace

// The checker must catch a one-bit fault in one accumulator at the cycle it
// happens, name that accumulator (and nothing else) and write the waveform.
TEST(CosimBtc, FaultInjectionIsCaught)
{
    const Dims &d = dims();
    const ab_accel a = accel_for(d);
    const std::vector<Problem> probs = fault_problems(a);
    TimingError terr;
    const auto source = problem_source(probs, a, &terr);
    uint64_t total = 0;
    source([&](Cycle &) { return ++total, true; });
    ASSERT_GT(total, 100u);
    Fault f;
    f.on = true;
    f.cycle = total / 2;
    f.acc = std::min(d.m * d.n - 1, 2 * d.n + 1); // acc[2][1] on an 8 x 8 (or 4 x 4) tile
    f.bit = 7;
    const std::string path = fst_path("fault_injection");
    std::remove(path.c_str());
    const Report r = lockstep(probs, source, f, path);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.cycle, f.cycle);
    ASSERT_EQ(r.signals.size(), 1u) << r.msg;
    EXPECT_EQ(r.signals[0], acc_name(d, f.acc));
    EXPECT_NE(r.msg.find(acc_name(d, f.acc) + ": RTL"), std::string::npos) << r.msg;
    EXPECT_NE(r.msg.find("fault_flip=1"), std::string::npos) << r.msg;
    EXPECT_EQ(r.fst, path);
    const std::string fst = anybit_test::slurp(path);
    EXPECT_GT(fst.size(), 100u);
    std::printf("%s", r.msg.c_str());
}

// With no fault the same stimulus passes (the flip above is the only cause).
TEST(CosimBtc, FaultFreeRunOfTheSameStimulusPasses)
{
    const ab_accel a = accel_for(dims());
    const std::vector<Problem> probs = fault_problems(a);
    TimingError terr;
    const Report r = lockstep(probs, problem_source(probs, a, &terr), Fault{},
                              fst_path("fault_free"));
    EXPECT_TRUE(r.ok) << r.msg;
    EXPECT_FALSE(terr.set) << terr.msg;
}

// A controller that stalls an output tile for one cycle (valid low, nothing
// else) leaves every accumulator right, but the PE's own count of the tile
// is one more than sim/pe/pe_btc.c's cycles(): the checker must say so,
// naming unit_cycles, at the tile's last cycle.
TEST(CosimBtc, StalledTileIsCaughtByTheCycleCount)
{
    const ab_accel a = accel_for(dims());
    const std::vector<Problem> probs = fault_problems(a);
    TimingError terr;
    const auto inner = problem_source(probs, a, &terr);
    // the first output tile of two or more cycles: index of its last cycle
    uint64_t tile_end = 0, n = 0, in_tile = 0;
    inner([&](Cycle &c) {
        if (c.unit_end && in_tile >= 1) {
            tile_end = n;
            return false;
        }
        in_tile = c.unit_end ? 0 : in_tile + 1;
        n++;
        return true;
    });
    ASSERT_GT(tile_end, 0u);
    // a stall (nothing driven) just before that tile's last MMA
    const Source stalled = [&](const std::function<bool(Cycle &)> &emit) {
        uint64_t k = 0;
        inner([&](Cycle &c) {
            if (k++ == tile_end) {
                Cycle idle;
                idle.x.assign(c.x.size(), 0);
                idle.w.assign(c.w.size(), 0);
                idle.in.x = idle.x.data();
                idle.in.w = idle.w.data();
                idle.where.raw = true;
                if (!emit(idle))
                    return false;
            }
            return emit(c);
        });
    };
    const std::string path = fst_path("stalled_tile");
    std::remove(path.c_str());
    const Report r = lockstep(probs, stalled, Fault{}, path);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.cycle, tile_end + 1);
    ASSERT_EQ(r.signals.size(), 1u) << r.msg;
    EXPECT_EQ(r.signals[0], "unit_cycles");
    EXPECT_NE(r.msg.find("sim/pe/pe_btc.c's cycles() says"), std::string::npos) << r.msg;
}
