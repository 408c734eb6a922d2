// test_cosim_btc.cpp - lock-step co-simulation of the binary tensor core PE
// RTL (rtl/pe_btc.v, Verilated in anybit_rtl behind rtl/sim/rtl_pe_btc.h)
// against the simulator's models of it:
//   values  kernels/gemm_bitplane.h (ab_bp_gemm, wrapped with
//           ab_bp_wrap_int32), per output tile and weight group;
//   timing  sim/pe_btc.c through sim/pe.h: its cycles() for the work unit,
//           and its per-cycle stepper advanced with the RTL, whose plane
//           pair / k step counters must name the pair the controller feeds.
//
// The controller (the plane-pair sequencer an accelerator puts around the
// PE) is this file's `drive`: per output tile (tile_m x tile_n outputs,
// row-major over the problem), per weight-group piece of K, per tile_k step
// of the piece, per activation plane i (0..q-1), per weight plane j
// (0..p-1, fastest) one cycle with the two plane tiles, shift = i + j,
// negate = [signed X and i = q-1] XOR [signed W and j = p-1], clear on the
// piece's first cycle; bin x bin runs in XOR mode (p = q = 1, k_valid = the
// step's valid K).  Rows and K beyond the problem are zero padding.
//
// Every cycle the checker also compares the RTL's popcounts and all M x N
// accumulators with a C shadow of the datapath fed the same tiles (plane
// weight from ab_bp_plane_weight, arithmetic mod 2^32), so a fault is
// caught at the cycle it happens.  At the first mismatch it stops, replays
// the stimulus from reset with an FST waveform open, and reports the cycle,
// the vector (problem, output tile, group piece, k step, plane pair), the
// inputs, every differing signal (name, RTL, C) and the waveform's path.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_ops.h"
#include "test_util.h"

extern "C" {
#include "accel.h"
#include "gemm_bitplane.h"
#include "pe.h"
#include "rtl_pe_btc.h"
}

namespace {

// ---- the Verilated model's tile --------------------------------------------------

struct Dims {
    unsigned m = 0, n = 0, k = 0, pcw = 0;
    size_t kw = 0; // uint64 words per tile row
};

struct RtlDeleter {
    void operator()(ab_rtl_pe_btc *p) const { ab_rtl_pe_btc_destroy(p); }
};
using Rtl = std::unique_ptr<ab_rtl_pe_btc, RtlDeleter>;

Rtl make_rtl()
{
    Rtl r(ab_rtl_pe_btc_create());
    EXPECT_NE(r.get(), nullptr);
    return r;
}

Dims dims_of(const ab_rtl_pe_btc *pe)
{
    Dims d;
    ab_rtl_pe_btc_dims(pe, &d.m, &d.n, &d.k, &d.pcw);
    d.kw = ab_rtl_pe_btc_row_words(pe);
    return d;
}

const Dims &dims()
{
    static const Dims d = [] {
        Rtl r = make_rtl();
        return dims_of(r.get());
    }();
    return d;
}

// ---- problems ------------------------------------------------------------------------

struct Problem {
    unsigned p = 1, q = 1;                        // weight, activation planes
    ab_bp_kind wk = AB_BP_UNSIGNED, xk = AB_BP_UNSIGNED;
    size_t M = 1, N = 1, K = 1;
    uint32_t group = 0;                           // 0: per-channel (one group)
    std::vector<uint8_t> X, W;                    // codes [M][K], [N][K]
    // derived
    std::vector<uint64_t> xp, wp;                 // packed planes (ab_bp_pack)
    size_t kwp = 0;
    ab_pe_op po{};
    bool xor_mode() const { return wk == AB_BP_PM1 && xk == AB_BP_PM1; }
};

std::string kind_name(ab_bp_kind k, unsigned bits)
{
    if (k == AB_BP_PM1)
        return "bin";
    return (k == AB_BP_SIGNED ? "int" : "uint") + std::to_string(bits);
}

std::string describe(const Problem &pr)
{
    std::ostringstream o;
    o << "W" << kind_name(pr.wk, pr.p) << " x A" << kind_name(pr.xk, pr.q) << ", M x N x K = "
      << pr.M << " x " << pr.N << " x " << pr.K << ", group "
      << (pr.group ? std::to_string(pr.group) : std::string("per-channel"));
    return o.str();
}

// The accelerator the PE model is asked about: the btc preset with the
// Verilated tile.
ab_accel accel_for(const Dims &d)
{
    ab_accel a;
    ab_accel_default(AB_PE_BTC, &a);
    a.tile_m = d.m;
    a.tile_n = d.n;
    a.tile_k = d.k;
    a.lanes = d.k;
    return a;
}

// Pack, and resolve p, q, the group and the cycle rule through the PE
// model's own prepare (so the formats' plane counts come from sim/pe_btc.c).
void finish(Problem &pr, const ab_accel &a)
{
    pr.kwp = ab_bp_words(pr.K);
    pr.xp.assign(ab_bp_packed_words(pr.M, pr.K, pr.q), 0);
    pr.wp.assign(ab_bp_packed_words(pr.N, pr.K, pr.p), 0);
    ab_bp_pack(pr.X.data(), pr.M, pr.K, pr.q, pr.xp.data());
    ab_bp_pack(pr.W.data(), pr.N, pr.K, pr.p, pr.wp.data());
    const ab_op op = anybit_test::make_op("cosim_btc", AB_OP_GEMM, pr.M, pr.N, pr.K,
                                          kind_name(pr.wk, pr.p).c_str(), "fp16", pr.group,
                                          kind_name(pr.xk, pr.q).c_str());
    ab_error err{};
    ASSERT_EQ(ab_pe_prepare(&a, &op, &pr.po, &err), 0) << describe(pr) << ": " << err.msg;
    ASSERT_EQ(pr.po.p, pr.p) << describe(pr);
    ASSERT_EQ(pr.po.q, pr.q) << describe(pr);
    ASSERT_EQ(pr.po.xor_mode, pr.xor_mode()) << describe(pr);
}

uint8_t random_code(std::mt19937_64 &rng, unsigned bits, int style)
{
    const unsigned top = (1u << bits) - 1u;
    switch (style) {
    case 0: return uint8_t(rng() & top);                            // uniform
    case 1: return uint8_t((rng() % 4) ? 0 : rng() & top);          // sparse
    case 2: return uint8_t((rng() % 4) ? top : rng() & top);        // dense (all ones: -1 / max)
    default: return uint8_t((rng() % 2) ? 1u << (bits - 1) : rng() & top); // sign plane only
    }
}

Problem random_problem(std::mt19937_64 &rng, const Dims &d, const ab_accel &a)
{
    Problem pr;
    if (rng() % 12 == 0) { // bin x bin, XOR mode
        pr.wk = pr.xk = AB_BP_PM1;
    } else {
        pr.p = 1u + unsigned(rng() % 8);
        pr.q = 1u + unsigned(rng() % 8);
        // int1 does not exist: a 1-bit operand is unsigned
        pr.wk = (pr.p > 1 && rng() % 2) ? AB_BP_SIGNED : AB_BP_UNSIGNED;
        pr.xk = (pr.q > 1 && rng() % 2) ? AB_BP_SIGNED : AB_BP_UNSIGNED;
    }
    pr.M = 1 + rng() % (2 * d.m + 2);
    pr.N = 1 + rng() % (2 * d.n + 2);
    // K: mostly not a multiple of tile_k (and sometimes one)
    pr.K = (rng() % 8 == 0) ? d.k * (1 + rng() % 3) : 1 + rng() % (3 * d.k + d.k / 2);
    switch (rng() % 4) {
    case 0: pr.group = uint32_t(1 + rng() % pr.K); break;              // any group length
    case 1: pr.group = uint32_t(std::min<size_t>(pr.K, d.k / 2)); break; // pieces < tile_k
    default: pr.group = 0; break;                                     // per-channel
    }
    const int sx = int(rng() % 4), sw = int(rng() % 4);
    pr.X.resize(pr.M * pr.K);
    pr.W.resize(pr.N * pr.K);
    for (uint8_t &c : pr.X)
        c = random_code(rng, pr.q, sx);
    for (uint8_t &c : pr.W)
        c = random_code(rng, pr.p, sw);
    finish(pr, a);
    return pr;
}

// bits [k0, k0 + kc) of a packed row into out[0 .. kw) (zero beyond kc).
void extract(const uint64_t *row, size_t k0, size_t kc, uint64_t *out, size_t kw)
{
    for (size_t w = 0; w < kw; w++) {
        const size_t b = 64 * w;
        uint64_t v = 0;
        if (b < kc) {
            const size_t src = k0 + b, sw = src / 64, sb = src % 64;
            v = row[sw] >> sb;
            if (sb && (64 - sb) < kc - b)
                v |= row[sw + 1] << (64 - sb);
            const size_t left = kc - b;
            if (left < 64)
                v &= (uint64_t(1) << left) - 1u;
        }
        out[w] = v;
    }
}

// ---- one cycle of stimulus, and its place in the schedule ------------------------------

struct Where {
    size_t problem = 0, tile_m = 0, tile_n = 0, piece = 0, kstep = 0;
    unsigned i = 0, j = 0;
    bool raw = false; // RawControls: no schedule
};

struct Cycle {
    ab_rtl_pe_btc_in in{};
    std::vector<uint64_t> x, w; // tile rows (owned; in.x / in.w point here)
    Where where;
};

// The C shadow of the datapath, fed the same tiles.
struct Shadow {
    Dims d;
    std::vector<uint32_t> acc, popc;
    explicit Shadow(const Dims &dd) : d(dd), acc(size_t(dd.m) * dd.n, 0), popc(acc.size(), 0) {}
    void clock(const Cycle &c)
    {
        const ab_rtl_pe_btc_in &in = c.in;
        for (unsigned r = 0; r < d.m; r++)
            for (unsigned s = 0; s < d.n; s++) {
                uint32_t pc = 0;
                for (size_t w = 0; w < d.kw; w++) {
                    const uint64_t a = c.x[r * d.kw + w], b = c.w[s * d.kw + w];
                    pc += uint32_t(__builtin_popcountll(in.xor_mode ? a ^ b : a & b));
                }
                const size_t idx = size_t(r) * d.n + s;
                popc[idx] = pc;
                const uint32_t term = in.xor_mode ? in.k_valid - 2u * pc : pc;
                const uint32_t mag = term << in.shift;
                const uint32_t add = in.negate ? 0u - mag : mag;
                // (fault_flip is ignored: the shadow is the fault-free datapath)
                acc[idx] = (in.clear ? 0u : acc[idx]) + (in.valid ? add : 0u);
            }
    }
};

// ---- the controller: problems -> cycles --------------------------------------------------

// Calls emit(cycle) for every cycle of the problems, in sim/pe_btc.c's
// order; checks the model's stepper against the schedule and the cycle
// count against the model's cycles() (failures go to *timing_error, the
// first one only, with the cycle index).  Returns false when emit asks to
// stop.
struct TimingError {
    bool set = false;
    uint64_t cycle = 0;
    std::string msg;
};

bool drive(const std::vector<Problem> &probs, const ab_accel &a, const Dims &d,
           const std::function<bool(Cycle &)> &emit, TimingError *terr)
{
    const ab_pe_model *model = ab_pe_model_of(AB_PE_BTC);
    Cycle c;
    c.x.assign(size_t(d.m) * d.kw, 0);
    c.w.assign(size_t(d.n) * d.kw, 0);
    uint64_t cyc = 0;
    auto timing = [&](const std::string &m) {
        if (!terr->set) {
            terr->set = true;
            terr->cycle = cyc;
            terr->msg = m;
        }
    };
    // plane tiles of one k step: [plane][rows][kw]
    std::vector<uint64_t> xt, wt;
    for (size_t pi = 0; pi < probs.size(); pi++) {
        const Problem &pr = probs[pi];
        const bool sx = pr.xk == AB_BP_SIGNED, sw = pr.wk == AB_BP_SIGNED;
        const uint64_t g = pr.po.group;
        for (size_t tm = 0; tm * d.m < pr.M; tm++)
            for (size_t tn = 0; tn * d.n < pr.N; tn++) {
                const ab_pe_work work = {false, 0, pr.K, 0};
                ab_pe_stepper st;
                model->step_begin(&a, &pr.po, &work, &st);
                const uint64_t rule = ab_pe_cycles(&a, &pr.po, &work);
                uint64_t used = 0;
                size_t piece = 0;
                for (size_t k0 = 0; k0 < pr.K; piece++) {
                    const size_t stop = std::min<size_t>((k0 / g + 1) * g, pr.K);
                    const size_t len = stop - k0;
                    const size_t steps = (len + d.k - 1) / d.k;
                    for (size_t ks = 0; ks < steps; ks++) {
                        const size_t kb = k0 + ks * d.k, kc = std::min<size_t>(d.k, stop - kb);
                        xt.assign(size_t(pr.q) * d.m * d.kw, 0);
                        wt.assign(size_t(pr.p) * d.n * d.kw, 0);
                        for (unsigned i = 0; i < pr.q; i++)
                            for (unsigned r = 0; r < d.m && tm * d.m + r < pr.M; r++)
                                extract(&pr.xp[(i * pr.M + tm * d.m + r) * pr.kwp], kb, kc,
                                        &xt[(size_t(i) * d.m + r) * d.kw], d.kw);
                        for (unsigned j = 0; j < pr.p; j++)
                            for (unsigned s = 0; s < d.n && tn * d.n + s < pr.N; s++)
                                extract(&pr.wp[(j * pr.N + tn * d.n + s) * pr.kwp], kb, kc,
                                        &wt[(size_t(j) * d.n + s) * d.kw], d.kw);
                        for (unsigned i = 0; i < pr.q; i++)
                            for (unsigned j = 0; j < pr.p; j++) {
                                // the PE model's stepper must be at this pair
                                if (st.done)
                                    timing("the PE model's stepper finished before the schedule");
                                else if (st.counters[2] != i || st.counters[3] != j ||
                                         st.counters[1] != ks || st.counters[0] != k0) {
                                    std::ostringstream o;
                                    o << "the PE model's stepper is at (k " << st.counters[0]
                                      << ", step " << st.counters[1] << ", i " << st.counters[2]
                                      << ", j " << st.counters[3] << "), the controller at (k "
                                      << k0 << ", step " << ks << ", i " << i << ", j " << j << ")";
                                    timing(o.str());
                                }
                                std::copy_n(&xt[size_t(i) * d.m * d.kw], c.x.size(), c.x.begin());
                                std::copy_n(&wt[size_t(j) * d.n * d.kw], c.w.size(), c.w.begin());
                                const int64_t cij = ab_bp_plane_weight(i, pr.q, sx) *
                                                    ab_bp_plane_weight(j, pr.p, sw);
                                ab_rtl_pe_btc_in &in = c.in;
                                in = ab_rtl_pe_btc_in{};
                                in.valid = true;
                                in.clear = ks == 0 && i == 0 && j == 0;
                                in.shift = uint8_t(i + j);
                                in.negate = (sx && i == pr.q - 1) != (sw && j == pr.p - 1);
                                in.xor_mode = pr.xor_mode();
                                in.k_valid = uint32_t(kc);
                                if ((in.negate ? -1 : 1) * (int64_t(1) << in.shift) != cij)
                                    timing("shift/negate do not give ab_bp_plane_weight's c_ij");
                                in.x = c.x.data();
                                in.w = c.w.data();
                                c.where = Where{pi, tm, tn, piece, ks, i, j, false};
                                const bool done = model->step(&a, &pr.po, &st);
                                used++;
                                const bool last = ks + 1 == steps && i + 1 == pr.q &&
                                                  j + 1 == pr.p && stop == pr.K;
                                if (done != last)
                                    timing(done ? "the PE model's stepper finished early"
                                                : "the PE model's stepper did not finish with the tile");
                                if (!emit(c))
                                    return false;
                                cyc++;
                            }
                    }
                    k0 = stop;
                }
                if (used != rule) {
                    std::ostringstream o;
                    o << "output tile used " << used << " cycles, sim/pe_btc.c's cycles() says "
                      << rule;
                    timing(o.str());
                }
            }
    }
    return true;
}

// ---- the checker ------------------------------------------------------------------------

struct Fault {
    bool on = false;
    uint64_t cycle = 0;  // index of the driven cycle (0 = first after reset)
    uint32_t acc = 0;
    uint8_t bit = 0;
};

struct Report {
    bool ok = true;
    uint64_t cycle = 0;
    std::string msg;
    std::vector<std::string> signals; // names of the differing signals
    std::string fst;
    uint64_t cycles = 0, out_tiles = 0, pieces = 0, gemm_checks = 0;
    double seconds = 0;
};

std::string acc_name(const Dims &d, size_t idx)
{
    return "acc[" + std::to_string(idx / d.n) + "][" + std::to_string(idx % d.n) + "]";
}

std::string where_text(const std::vector<Problem> &probs, const Where &w)
{
    std::ostringstream o;
    if (w.raw)
        return "raw controls";
    o << "problem " << w.problem << " (" << describe(probs[w.problem]) << "), output tile ("
      << w.tile_m << ", " << w.tile_n << "), group piece " << w.piece << ", k step " << w.kstep
      << ", plane pair (i " << w.i << ", j " << w.j << ")";
    return o.str();
}

std::string inputs_text(const ab_rtl_pe_btc_in &in)
{
    std::ostringstream o;
    o << "valid=" << in.valid << " clear=" << in.clear << " shift=" << unsigned(in.shift)
      << " negate=" << in.negate << " xor_mode=" << in.xor_mode << " k_valid=" << in.k_valid
      << " fault_flip=" << in.fault_flip;
    if (in.fault_flip)
        o << " fault_acc=" << in.fault_acc << " fault_bit=" << unsigned(in.fault_bit);
    return o.str();
}

// Exact per-group results of a problem: ys[piece_group][M*N] from ab_bp_gemm
// over the group's K slice, wrapped to int32.
std::vector<std::vector<int32_t>> group_results(const Problem &pr)
{
    std::vector<std::vector<int32_t>> out;
    const size_t g = pr.po.group;
    for (size_t k0 = 0; k0 < pr.K; k0 += g) {
        const size_t len = std::min(g, pr.K - k0);
        std::vector<uint8_t> xs(pr.M * len), ws(pr.N * len);
        for (size_t r = 0; r < pr.M; r++)
            std::copy_n(&pr.X[r * pr.K + k0], len, &xs[r * len]);
        for (size_t r = 0; r < pr.N; r++)
            std::copy_n(&pr.W[r * pr.K + k0], len, &ws[r * len]);
        std::vector<uint64_t> xp(ab_bp_packed_words(pr.M, len, pr.q)),
            wp(ab_bp_packed_words(pr.N, len, pr.p));
        ab_bp_pack(xs.data(), pr.M, len, pr.q, xp.data());
        ab_bp_pack(ws.data(), pr.N, len, pr.p, wp.data());
        const ab_bp_matrix xm = ab_bp_matrix_of(xp.data(), pr.M, len, pr.q, pr.xk);
        const ab_bp_matrix wm = ab_bp_matrix_of(wp.data(), pr.N, len, pr.p, pr.wk);
        std::vector<int64_t> y(pr.M * pr.N);
        ab_error err{};
        EXPECT_EQ(ab_bp_gemm(&xm, &wm, y.data(), nullptr, &err), 0) << err.msg;
        std::vector<int32_t> y32(y.size());
        for (size_t e = 0; e < y.size(); e++)
            y32[e] = ab_bp_wrap_int32(y[e]);
        out.push_back(std::move(y32));
    }
    return out;
}

// Replays `source` (a deterministic cycle generator) into a fresh model
// through cycle `upto`, with a waveform open for the last kWaveCycles
// cycles (every cycle of this PE traces ~40 000 bits: a whole long run
// would take seconds and tens of MB).  FST times stay absolute.
constexpr uint64_t kWaveCycles = 1000;

bool write_waveform(const std::function<void(const std::function<bool(Cycle &)> &)> &source,
                    const Fault &fault, uint64_t upto, const std::string &path)
{
    Rtl rtl = make_rtl();
    if (!rtl)
        return false;
    const uint64_t from = upto > kWaveCycles ? upto - kWaveCycles : 0;
    bool opened = false, failed = false;
    uint64_t n = 0;
    source([&](Cycle &c) {
        if (n == from) {
            opened = ab_rtl_pe_btc_trace_open(rtl.get(), path.c_str()) == 0;
            failed = !opened;
            if (failed)
                return false;
        }
        ab_rtl_pe_btc_in in = c.in;
        if (fault.on && fault.cycle == n) {
            in.fault_flip = true;
            in.fault_acc = fault.acc;
            in.fault_bit = fault.bit;
        }
        ab_rtl_pe_btc_clock(rtl.get(), &in, nullptr);
        return n++ < upto;
    });
    ab_rtl_pe_btc_trace_close(rtl.get());
    return opened && !failed;
}

// Lock-step run of a cycle source; `probs` (may be empty for raw
// stimulus) gives the per-piece ab_bp_gemm checks.
Report lockstep(const std::vector<Problem> &probs,
                const std::function<void(const std::function<bool(Cycle &)> &)> &source,
                const Fault &fault, const std::string &fst_path)
{
    const Dims &d = dims();
    Report rep;
    Rtl rtl = make_rtl();
    if (!rtl) {
        rep.ok = false;
        rep.msg = "no model";
        return rep;
    }
    Shadow sh(d);
    const size_t nacc = size_t(d.m) * d.n;
    std::vector<uint32_t> popc(nacc);
    std::vector<int32_t> acc(nacc);
    // per-problem group results, computed when the problem starts
    size_t cur = SIZE_MAX;
    std::vector<std::vector<int32_t>> ys;
    std::ostringstream diff;
    const auto t0 = std::chrono::steady_clock::now();
    uint64_t n = 0;
    source([&](Cycle &c) {
        ab_rtl_pe_btc_in in = c.in;
        if (fault.on && fault.cycle == n) {
            in.fault_flip = true;
            in.fault_acc = fault.acc;
            in.fault_bit = fault.bit;
        }
        ab_rtl_pe_btc_clock(rtl.get(), &in, popc.data());
        ab_rtl_pe_btc_acc(rtl.get(), acc.data());
        sh.clock(c);
        bool bad = false;
        for (size_t e = 0; e < nacc; e++) {
            if (popc[e] != sh.popc[e]) {
                const std::string name = "dbg_popc[" + std::to_string(e / d.n) + "][" +
                                         std::to_string(e % d.n) + "]";
                diff << "    " << name << ": RTL " << popc[e] << ", C " << sh.popc[e] << "\n";
                rep.signals.push_back(name);
                bad = true;
            }
            if (uint32_t(acc[e]) != sh.acc[e]) {
                diff << "    " << acc_name(d, e) << ": RTL " << acc[e] << ", C "
                     << int32_t(sh.acc[e]) << "\n";
                rep.signals.push_back(acc_name(d, e));
                bad = true;
            }
        }
        // end of a group piece: the accumulators against ab_bp_gemm
        const Where &w = c.where;
        if (!bad && !w.raw) {
            const Problem &pr = probs[w.problem];
            if (w.problem != cur) {
                cur = w.problem;
                ys = group_results(pr);
            }
            // the work unit starts at k = 0, so group piece w.piece is group w.piece
            const size_t g = pr.po.group;
            const size_t piece_end = std::min(pr.K, (w.piece + 1) * g);
            const size_t piece_len = piece_end - w.piece * g;
            const size_t steps = (piece_len + d.k - 1) / d.k;
            if (w.kstep + 1 == steps && w.i + 1 == pr.q && w.j + 1 == pr.p) {
                rep.pieces++;
                const std::vector<int32_t> &y = ys[w.piece];
                for (unsigned r = 0; r < d.m; r++)
                    for (unsigned s = 0; s < d.n; s++) {
                        const size_t gm = w.tile_m * d.m + r, gn = w.tile_n * d.n + s;
                        if (gm >= pr.M || gn >= pr.N)
                            continue; // padding (checked against the shadow only)
                        const size_t e = size_t(r) * d.n + s;
                        rep.gemm_checks++;
                        if (acc[e] != y[gm * pr.N + gn]) {
                            diff << "    " << acc_name(d, e) << " (output " << gm << ", " << gn
                                 << "): RTL " << acc[e] << ", ab_bp_gemm " << y[gm * pr.N + gn]
                                 << "\n";
                            rep.signals.push_back(acc_name(d, e));
                            bad = true;
                        }
                    }
                if (piece_end == pr.K)
                    rep.out_tiles++;
            }
        }
        if (bad) {
            rep.ok = false;
            rep.cycle = n;
            std::ostringstream o;
            o << "cosim mismatch at cycle " << n << " (FST time " << 2 * (n + 1) << "-"
              << 2 * (n + 1) + 1 << ": the reset cycle comes first), "
              << where_text(probs, w) << "; inputs: " << inputs_text(in) << "\n"
              << diff.str();
            rep.msg = o.str();
            return false;
        }
        n++;
        return true;
    });
    rep.cycles = n;
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!rep.ok) {
        if (write_waveform(source, fault, rep.cycle, fst_path)) {
            rep.fst = fst_path;
            rep.msg += "    waveform: " + fst_path + "\n";
        } else {
            rep.msg += "    (could not write the waveform " + fst_path + ")\n";
        }
    }
    return rep;
}

std::string fst_path(const std::string &name)
{
    return anybit_test::tmp_dir("cosim_btc") + "/" + name + ".fst";
}

// The problems' cycles through the controller, as a replayable source; the
// timing checks land in *terr (first error only; the first pass records
// it, replays see the same).
std::function<void(const std::function<bool(Cycle &)> &)>
problem_source(const std::vector<Problem> &probs, const ab_accel &a, TimingError *terr)
{
    return [&probs, a, terr](const std::function<bool(Cycle &)> &emit) {
        TimingError t;
        drive(probs, a, dims(), emit, &t);
        if (t.set && !terr->set)
            *terr = t;
    };
}

std::vector<Problem> random_problems(uint64_t seed, uint64_t min_cycles, const ab_accel &a)
{
    std::mt19937_64 rng(seed);
    std::vector<Problem> v;
    uint64_t cycles = 0;
    while (cycles < min_cycles) {
        v.push_back(random_problem(rng, dims(), a));
        const Problem &pr = v.back();
        const ab_pe_work work = {false, 0, pr.K, 0};
        cycles += ab_pe_cycles(&a, &pr.po, &work) * ((pr.M + dims().m - 1) / dims().m) *
                  ((pr.N + dims().n - 1) / dims().n);
    }
    return v;
}

} // namespace

// ---- tests -------------------------------------------------------------------------------

// Random WpAq problems (p, q = 1..8, signed/unsigned, bin x bin in XOR
// mode; K mostly not a multiple of tile_k; per-channel and grouped) through
// the plane-pair controller, lock-step with the C shadow every cycle and
// with ab_bp_gemm at the end of every group piece of every output tile;
// the cycles used per output tile equal sim/pe_btc.c's cycles(), and its
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
        finish(pr, a);
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
