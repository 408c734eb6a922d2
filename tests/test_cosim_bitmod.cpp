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
// At the first mismatch the checker stops, replays the stimulus from reset
// with an FST waveform open, and reports the cycle, the vector (group,
// format, step, inputs), every differing signal (name, RTL, C) and the
// waveform's path.  CosimBitmod.FaultInjectionIsCaught proves that it does.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

extern "C" {
#include "bitmod_pe.h"
#include "bitmod_terms.h"
#include "format.h"
#include "rtl_pe_bitmod.h"
}

namespace {

// ---- stimulus ---------------------------------------------------------------

struct Cycle {
    ab_rtl_pe_bitmod_in in{};
    uint32_t group = 0;   // vector: which group ...
    uint32_t step = 0;    // ... and which of its compute cycles (0 when none)
    int fmt = -1;         // index into formats(), -1 for raw terms
};

const std::vector<std::string> &formats()
{
    // every weight format the PE supports (kernels/bitmod_terms.h)
    static const std::vector<std::string> names = {
        "int2", "int3", "int4", "int5", "int6", "int7", "int8", "int3s", "int4s", "int8s",
        "bitmod_int3", "bitmod_int4", "bitmod_fp3", "bitmod_fp3_er+", "bitmod_fp3_er-",
        "bitmod_fp3_ea+", "bitmod_fp3_ea-", "bitmod_fp4", "bitmod_fp4_er+", "bitmod_fp4_er-",
        "bitmod_fp4_ea+", "bitmod_fp4_ea-"};
    return names;
}

const std::vector<ab_format> &parsed_formats()
{
    static const std::vector<ab_format> fmts = [] {
        std::vector<ab_format> v;
        for (const std::string &n : formats()) {
            ab_format f;
            ab_error err{};
            if (ab_format_parse(n.c_str(), &f, &err) != 0)
                ADD_FAILURE() << n << ": " << err.msg;
            v.push_back(f);
        }
        return v;
    }();
    return fmts;
}

// FP16 activation around a group's exponent centre: zeros, subnormals,
// normals near the centre (so lanes align and sums normalize), anywhere,
// and a few exponent-31 patterns (inf/NaN: the PE and the model both treat
// 31 as an ordinary exponent).
uint16_t random_act(std::mt19937_64 &rng, int centre)
{
    const unsigned r = unsigned(rng() % 100);
    const uint16_t sign = uint16_t((rng() & 1u) << 15);
    const uint16_t frac = uint16_t(rng() & 0x3ffu);
    unsigned e;
    if (r < 5)
        return sign;
    if (r < 15)
        return uint16_t(sign | (frac ? frac : 1u));
    if (r < 85) {
        const int d = int(rng() % 7) - 3;
        const int c = centre + d;
        e = unsigned(c < 1 ? 1 : c > 30 ? 30 : c);
    } else if (r < 98) {
        e = 1u + unsigned(rng() % 30);
    } else {
        e = 31;
    }
    return uint16_t(sign | (e << 10) | frac);
}

// Dequantization of one finished group: begin, then one bit per cycle.
struct DqOp {
    bool begin;
    uint8_t v; // scale_sign for begin, scale bit otherwise
};

// Groups of random weights of every supported format, scheduled as the
// hardware runs them: group_begin with the first step, the previous
// group's dequantization (random scale of 1..8 bits, random sign) behind
// the next group's steps, plus random bubbles and separate clear cycles.
std::vector<Cycle> terms_stimulus(uint64_t seed, size_t min_cycles)
{
    std::mt19937_64 rng(seed);
    std::vector<Cycle> out;
    std::vector<DqOp> dq;        // pending dequantization ops
    size_t dq_next = 0;
    bool dq_begin_due = false;   // begin must issue no later than the next group's first edge
    const auto &fmts = parsed_formats();

    auto issue_dq = [&](Cycle &c, bool force) {
        if (dq_next >= dq.size() || (!force && rng() % 100 < 15))
            return;
        const DqOp op = dq[dq_next++];
        if (op.begin) {
            c.in.dequant_begin = true;
            c.in.scale_sign = op.v;
            dq_begin_due = false;
            // begin and the first bit may share a cycle
            if (dq_next < dq.size() && rng() % 100 < 30) {
                c.in.dequant_step = true;
                c.in.scale_bit = dq[dq_next++].v;
            }
        } else {
            c.in.dequant_step = true;
            c.in.scale_bit = op.v;
        }
    };

    for (uint32_t g = 0; out.size() < min_cycles; g++) {
        const int fi = int(rng() % fmts.size());
        const ab_format &f = fmts[size_t(fi)];
        const unsigned cpw = ab_bitmod_cycles_per_weight(&f);
        const size_t n = rng() % 4 == 0 ? 128 : 1 + rng() % 160;
        const int centre = rng() % 8 == 0 ? 1 : 1 + int(rng() % 30);

        bool clear_pending = true;
        if (rng() % 10 == 0) { // a clear-only cycle (with the begin, reading the old sum)
            Cycle c;
            c.group = g;
            c.in.group_begin = true;
            issue_dq(c, true);
            out.push_back(c);
            clear_pending = false;
        }

        uint32_t step_no = 0;
        for (size_t base = 0; base < n; base += 4) {
            uint16_t a[4];
            ab_bitmod_term t[4][AB_BITMOD_MAX_TERMS];
            for (unsigned i = 0; i < 4; i++) {
                if (base + i < n) {
                    a[i] = random_act(rng, centre);
                    const uint32_t code = uint32_t(rng() & ((1u << f.bits) - 1u));
                    ab_error err{};
                    if (ab_bitmod_terms(&f, code, t[i], &err) < 0)
                        ADD_FAILURE() << formats()[size_t(fi)] << ": " << err.msg;
                } else { // padding as ab_bitmod_pe_group does it
                    a[i] = 0;
                    for (unsigned k = 0; k < cpw; k++)
                        t[i][k] = ab_bitmod_term{0, 0, 0, t[0][k].sig};
                }
            }
            for (unsigned k = 0; k < cpw; k++) {
                while (rng() % 100 < 4) { // bubble: no step
                    Cycle b;
                    b.group = g;
                    issue_dq(b, dq_begin_due);
                    out.push_back(b);
                }
                Cycle c;
                c.group = g;
                c.step = step_no++;
                c.fmt = fi;
                c.in.step = true;
                c.in.group_begin = clear_pending;
                for (unsigned i = 0; i < 4; i++) {
                    c.in.act[i] = a[i];
                    c.in.term[i] = t[i][k];
                }
                issue_dq(c, dq_begin_due);
                clear_pending = false;
                out.push_back(c);
            }
        }
        // the previous group's dequantization finishes (idle cycles if the
        // group was shorter than its scale), then this group's is queued:
        // its begin goes no later than the next group's first edge
        while (dq_next < dq.size()) {
            Cycle c;
            c.group = g;
            issue_dq(c, true);
            out.push_back(c);
        }
        dq.clear();
        dq_next = 0;
        const unsigned sb = 1 + unsigned(rng() % 8);
        const uint32_t scale = uint32_t(rng() & ((1u << sb) - 1u));
        dq.push_back(DqOp{true, uint8_t(rng() & 1u)});
        for (unsigned b = sb; b-- > 0;)
            dq.push_back(DqOp{false, uint8_t((scale >> b) & 1u)});
        dq_begin_due = true;
    }
    // drain the last dequantization
    while (dq_next < dq.size()) {
        Cycle c;
        c.group = uint32_t(out.empty() ? 0 : out.back().group + 1);
        issue_dq(c, true);
        out.push_back(c);
    }
    return out;
}

// Anything the ports can take: random 16-bit activations (every exponent),
// random sign/exp/man/sig per lane (sig 0..7; now and then the lanes'
// sig differ: the PE and the model take lane 0's), random controls.
std::vector<Cycle> raw_stimulus(uint64_t seed, size_t cycles)
{
    std::mt19937_64 rng(seed);
    std::vector<Cycle> out(cycles);
    uint32_t g = 0, s = 0;
    for (Cycle &c : out) {
        const uint64_t r = rng();
        c.in.step = (r & 7u) != 0;
        c.in.group_begin = ((r >> 3) & 31u) == 0;
        c.in.dequant_begin = ((r >> 8) & 15u) == 0;
        c.in.scale_sign = uint8_t((r >> 12) & 1u);
        c.in.dequant_step = ((r >> 13) & 3u) != 0;
        c.in.scale_bit = uint8_t((r >> 15) & 1u);
        const uint8_t common_sig = uint8_t((r >> 16) & 7u);
        const bool mixed = ((r >> 19) & 15u) == 0;
        const unsigned centre = 1u + unsigned((r >> 23) % 31u);
        for (unsigned i = 0; i < 4; i++) {
            const uint64_t q = rng();
            c.in.act[i] = (q & 3u) == 0 ? uint16_t(q >> 16)
                                        : uint16_t(((q >> 2) & 0x83ffu) |
                                                   (((centre + ((q >> 20) & 3u)) & 31u) << 10));
            c.in.term[i].sign = uint8_t((q >> 32) & 1u);
            c.in.term[i].exp = uint8_t((q >> 33) & 3u);
            c.in.term[i].man = uint8_t(((q >> 35) & 7u) != 0);
            c.in.term[i].sig = mixed ? uint8_t((q >> 38) & 7u) : common_sig;
        }
        if (c.in.group_begin) {
            g++;
            s = 0;
        }
        c.group = g;
        c.step = c.in.step ? s++ : 0;
    }
    return out;
}

// ---- the checker ------------------------------------------------------------

struct Diff {
    std::string name;
    long long rtl, c;
};

struct Report {
    bool ok = true;
    size_t cycle = 0;        // stimulus index of the first mismatch
    std::vector<Diff> diffs;
    std::string text;        // the whole human-readable report
    std::string fst;         // waveform of the failing run ("" when ok)
    size_t cycles_run = 0;
    double seconds = 0;      // the lock-step loop alone
};

// What the stimulus reached (from the C model's side of each cycle), so a
// passing run is known to have exercised the corners of the datapath.
struct Coverage {
    size_t steps = 0;
    size_t term_aligned = 0;    // E > M with a nonzero term: the two alignment rules differ
    size_t acc_aligned = 0;     // accumulator shifted right (E > acc_exp, acc_man != 0)
    size_t acc_flushed = 0;     // ... by more than 13: flushed to 0
    size_t lane_flushed = 0;    // a nonzero lane product shifted out (delta >= 14)
    size_t negative_sums = 0;
    size_t norm_hist[9] = {};   // norm_shift 0..8
    size_t exp31 = 0, subnormal = 0;
    size_t dq_steps = 0, dq_wraps = 0; // dequantizer steps, of which wrapped in 21 bits
    size_t overlapped = 0;      // dequant_begin in the same cycle as a step
};

std::string describe(const Cycle &c)
{
    std::ostringstream o;
    o << "group " << c.group;
    if (c.fmt >= 0)
        o << " (" << formats()[size_t(c.fmt)] << ")";
    o << ", step " << c.step << "; inputs: step_valid=" << c.in.step
      << " group_begin=" << c.in.group_begin << " dequant_begin=" << c.in.dequant_begin
      << " scale_sign=" << unsigned(c.in.scale_sign) << " dequant_step=" << c.in.dequant_step
      << " scale_bit=" << unsigned(c.in.scale_bit) << " fault_flip=" << c.in.fault_flip
      << "\n    act  =";
    char buf[64];
    for (unsigned i = 0; i < 4; i++) {
        std::snprintf(buf, sizeof buf, " 0x%04x", c.in.act[i]);
        o << buf;
    }
    o << "\n    terms (sign exp man sig) =";
    for (unsigned i = 0; i < 4; i++) {
        const ab_bitmod_term &t = c.in.term[i];
        std::snprintf(buf, sizeof buf, " (%u %u %u %u)", t.sign, t.exp, t.man, t.sig);
        o << buf;
    }
    return o.str();
}

void cmp(std::vector<Diff> &d, const char *name, long long rtl, long long c)
{
    if (rtl != c)
        d.push_back(Diff{name, rtl, c});
}

// The C model's side of one cycle, in the RTL's per-cycle order.
void c_cycle(ab_bitmod_pe &pe, const ab_rtl_pe_bitmod_in &in, ab_bitmod_cycle_info *info)
{
    if (in.dequant_begin)
        ab_bitmod_pe_dequant_begin(&pe, in.scale_sign);
    if (in.dequant_step)
        ab_bitmod_pe_dequant_step(&pe, in.scale_bit);
    if (in.group_begin)
        ab_bitmod_pe_group_begin(&pe);
    if (in.step)
        ab_bitmod_pe_step(&pe, in.act, in.term, info);
}

std::vector<Diff> compare(const ab_rtl_pe_bitmod_state &r, const ab_bitmod_pe &c,
                          const ab_rtl_pe_bitmod_in &in, const ab_rtl_pe_bitmod_dbg &rd,
                          const ab_bitmod_cycle_info &ci)
{
    std::vector<Diff> d;
    cmp(d, "acc_exp", r.acc_exp, c.acc_exp);
    cmp(d, "acc_man", r.acc_man, c.acc_man);
    cmp(d, "acc_sign", r.acc_sign, c.acc_sign);
    cmp(d, "dq_in_exp", r.dq_in_exp, c.dq_in_exp);
    cmp(d, "dq_in_man", r.dq_in_man, c.dq_in_man);
    cmp(d, "dq_scale_sign", r.dq_scale_sign, c.dq_scale_sign);
    cmp(d, "dq_exp", r.dq_exp, c.dq_exp);
    cmp(d, "dq_man", r.dq_man, c.dq_man);
    cmp(d, "dq_sign", r.dq_sign, c.dq_sign);
    if (in.step) {
        static const char *const delta_n[4] = {"dbg_delta[0]", "dbg_delta[1]", "dbg_delta[2]",
                                               "dbg_delta[3]"};
        static const char *const lane_n[4] = {"dbg_lane[0]", "dbg_lane[1]", "dbg_lane[2]",
                                              "dbg_lane[3]"};
        cmp(d, "dbg_max_exp", rd.max_exp, ci.max_exp);
        for (unsigned i = 0; i < 4; i++) {
            cmp(d, delta_n[i], rd.delta[i], ci.delta[i]);
            cmp(d, lane_n[i], rd.lane[i], ci.lane[i]);
        }
        cmp(d, "dbg_bs_out", rd.bs_out, ci.bs_out);
        cmp(d, "dbg_acc_sum", rd.acc_sum, ci.acc_sum);
        cmp(d, "dbg_norm_shift", rd.norm_shift, ci.norm_shift);
        bool conflict = false;
        for (unsigned i = 1; i < 4; i++)
            conflict |= (in.term[i].sig & 7u) != (in.term[0].sig & 7u);
        cmp(d, "dbg_sig_conflict", rd.sig_conflict, conflict);
    }
    return d;
}

// Replays stim[0 .. last] from reset with a waveform open.
bool write_waveform(const std::vector<Cycle> &stim, size_t last, bool literal,
                    const std::string &path)
{
    std::remove(path.c_str());
    ab_rtl_pe_bitmod *rtl = ab_rtl_pe_bitmod_create(literal);
    if (!rtl)
        return false;
    const bool opened = ab_rtl_pe_bitmod_trace_open(rtl, path.c_str()) == 0;
    if (opened) {
        for (size_t n = 0; n <= last && n < stim.size(); n++)
            ab_rtl_pe_bitmod_clock(rtl, &stim[n].in, nullptr);
        const ab_rtl_pe_bitmod_in idle{};
        ab_rtl_pe_bitmod_clock(rtl, &idle, nullptr); // one idle cycle after
        ab_rtl_pe_bitmod_trace_close(rtl);
    }
    ab_rtl_pe_bitmod_destroy(rtl);
    return opened;
}

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
    for (unsigned i = 0; i < 4; i++) {
        const unsigned ex = (in.act[i] >> 10) & 31u;
        cv.exp31 += ex == 31;
        cv.subnormal += ex == 0 && (in.act[i] & 0x3ffu) != 0;
        cv.lane_flushed += ci.delta[i] >= 14 && in.term[i].man && (in.act[i] & 0x7fffu) != 0;
    }
    cv.negative_sums += ci.acc_sum < 0;
    cv.norm_hist[ci.norm_shift < 9 ? ci.norm_shift : 8]++;
}

std::string coverage_text(const Coverage &cv)
{
    std::ostringstream o;
    o << "steps " << cv.steps << ", term aligned " << cv.term_aligned << ", acc aligned "
      << cv.acc_aligned << " (flushed " << cv.acc_flushed << "), lane flushed " << cv.lane_flushed
      << ", negative sums " << cv.negative_sums << ", exp-31 acts " << cv.exp31
      << ", subnormal acts " << cv.subnormal << ", dequant steps " << cv.dq_steps << " (wrapped "
      << cv.dq_wraps << "), dequant_begin with a step " << cv.overlapped << ", norm_shift 0..8:";
    for (size_t k : cv.norm_hist)
        o << " " << k;
    return o.str();
}

Report lockstep(const std::vector<Cycle> &stim, bool literal, const std::string &fst_path,
                Coverage *cov = nullptr)
{
    Report rep;
    ab_rtl_pe_bitmod *rtl = ab_rtl_pe_bitmod_create(literal);
    if (!rtl) {
        rep.ok = false;
        rep.text = "ab_rtl_pe_bitmod_create failed";
        return rep;
    }
    ab_bitmod_pe c;
    ab_bitmod_pe_init(&c, literal);

    const auto t0 = std::chrono::steady_clock::now();
    for (size_t n = 0; n < stim.size(); n++) {
        const ab_rtl_pe_bitmod_in &in = stim[n].in;
        ab_rtl_pe_bitmod_dbg rd{};
        ab_bitmod_cycle_info ci{};
        ab_rtl_pe_bitmod_clock(rtl, &in, &rd);
        const ab_bitmod_pe before = c;
        c_cycle(c, in, &ci);
        if (cov)
            cover(*cov, before, c, in, ci);
        ab_rtl_pe_bitmod_state rs;
        ab_rtl_pe_bitmod_state_get(rtl, &rs);
        std::vector<Diff> d = compare(rs, c, in, rd, ci);
        rep.cycles_run = n + 1;
        if (!d.empty()) {
            rep.ok = false;
            rep.cycle = n;
            rep.diffs = std::move(d);
            break;
        }
    }
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ab_rtl_pe_bitmod_destroy(rtl);

    if (!rep.ok) {
        std::ostringstream o;
        o << "cosim mismatch (literal_align=" << literal << ") at cycle " << rep.cycle
          << " (FST time " << 2 * (rep.cycle + 1) << "-" << 2 * (rep.cycle + 1) + 1
          << ": the reset cycle comes first), " << describe(stim[rep.cycle]) << "\n";
        for (const Diff &d : rep.diffs)
            o << "    " << d.name << ": RTL " << d.rtl << ", C " << d.c << "\n";
        if (write_waveform(stim, rep.cycle, literal, fst_path)) {
            rep.fst = fst_path;
            o << "    waveform: " << fst_path << "\n";
        } else {
            o << "    (could not write the waveform " << fst_path << ")\n";
        }
        rep.text = o.str();
        std::fputs(rep.text.c_str(), stderr);
    }
    return rep;
}

// RTL alone over the stimulus (through the seam, no trace open, debug
// outputs not read): Verilator cycles per second, best of `reps` passes.
double rtl_cycles_per_second(const std::vector<Cycle> &stim, int reps)
{
    ab_rtl_pe_bitmod *rtl = ab_rtl_pe_bitmod_create(false);
    double best = 0;
    for (int r = 0; r < reps; r++) {
        const auto t0 = std::chrono::steady_clock::now();
        for (const Cycle &c : stim)
            ab_rtl_pe_bitmod_clock(rtl, &c.in, nullptr);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, double(stim.size()) / s);
    }
    ab_rtl_pe_bitmod_destroy(rtl);
    return best;
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
        const Report r = lockstep(stim, literal != 0,
                                  fst_path("random_groups_literal" + std::to_string(literal)), &cv);
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
        const Report r = lockstep(stim, literal != 0,
                                  fst_path("raw_literal" + std::to_string(literal)), &cv);
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

// Hand-picked corners: the one 23-bit sum no normalization pattern matches
// (-2^22), the 23-bit wrap of a sig-7 term, the largest products, the
// smallest subnormal, and dequantization of a large accumulator.
TEST(CosimBitmod, DirectedCorners)
{
    auto step = [](uint16_t a, ab_bitmod_term t, bool begin) {
        Cycle c;
        c.in.step = true;
        c.in.group_begin = begin;
        for (unsigned i = 0; i < 4; i++) {
            c.in.act[i] = a;
            c.in.term[i] = t;
        }
        return c;
    };
    std::vector<Cycle> stim;
    stim.push_back(step(0xbc00, ab_bitmod_term{0, 0, 1, 7}, true));  // 4 x -1.0 << 7: sum = -2^22
    stim.push_back(step(0x3c00, ab_bitmod_term{0, 0, 1, 7}, true));  // 4 x +1.0 << 7: wraps to -2^22
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
        const Report r = lockstep(stim, literal != 0, fst_path("directed"));
        ASSERT_TRUE(r.ok) << r.text;
    }
    // the C model reaches the corner it is meant to (so the RTL did too)
    ab_bitmod_pe c;
    ab_bitmod_pe_init(&c, false);
    ab_bitmod_cycle_info ci;
    c_cycle(c, stim[0].in, &ci);
    EXPECT_EQ(ci.acc_sum, -(1 << 22));
    EXPECT_EQ(ci.norm_shift, 0);
    EXPECT_EQ(c.acc_man, 0);
    EXPECT_EQ(c.acc_sign, 1);
    c_cycle(c, stim[1].in, &ci);
    EXPECT_EQ(ci.acc_sum, -(1 << 22));
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

} // namespace
