// cosim_btc.cpp - the pe_btc lock-step driver and checker (cosim_btc.hpp).
#include "cosim_btc.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>

namespace ab_cosim_btc {

Rtl make_rtl()
{
    return Rtl(ab_rtl_pe_btc_create());
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
// model's own prepare (so the formats' plane counts come from sim/pe/pe_btc.c).
bool finish(Problem &pr, const ab_accel &a, std::string *error)
{
    pr.kwp = ab_bp_words(pr.K);
    pr.xp.assign(ab_bp_packed_words(pr.M, pr.K, pr.q), 0);
    pr.wp.assign(ab_bp_packed_words(pr.N, pr.K, pr.p), 0);
    ab_bp_pack(pr.X.data(), pr.M, pr.K, pr.q, pr.xp.data());
    ab_bp_pack(pr.W.data(), pr.N, pr.K, pr.p, pr.wp.data());
    ab_op op;
    std::memset(&op, 0, sizeof op);
    std::snprintf(op.name, sizeof op.name, "%s", "cosim_btc");
    op.kind = AB_OP_GEMM;
    op.M = pr.M;
    op.N = pr.N;
    op.K = pr.K;
    op.count = 1;
    op.weight_share = 1;
    std::snprintf(op.weight_format, sizeof op.weight_format, "%s", kind_name(pr.wk, pr.p).c_str());
    std::snprintf(op.act_format, sizeof op.act_format, "%s", kind_name(pr.xk, pr.q).c_str());
    std::snprintf(op.acc_format, sizeof op.acc_format, "fp32");
    std::snprintf(op.scale_format, sizeof op.scale_format, "fp16");
    op.group_size = pr.group;
    ab_error err{};
    if (ab_pe_prepare(&a, &op, &pr.po, &err) != 0) {
        *error = describe(pr) + ": " + err.msg;
        return false;
    }
    if (pr.po.p != pr.p || pr.po.q != pr.q || pr.po.xor_mode != pr.xor_mode()) {
        *error = describe(pr) + ": sim/pe/pe_btc.c's prepare disagrees on p, q or the XOR mode";
        return false;
    }
    return true;
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




// ---- the controller: problems -> cycles --------------------------------------------------


bool drive(const std::vector<Problem> &probs, const ab_accel &a, const Dims &d,
           const std::function<bool(Cycle &)> &emit, TimingError *terr, uint64_t max_tiles,
           size_t first_problem, uint64_t first_unit)
{
    uint64_t tiles_done = 0;
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
                if (tiles_done++ >= max_tiles)
                    return true;
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
                                c.where = Where{first_problem + pi, tm, tn, piece, ks, i, j, false};
                                c.prob = &pr;
                                const bool done = model->step(&a, &pr.po, &st);
                                const bool last = ks + 1 == steps && i + 1 == pr.q &&
                                                  j + 1 == pr.p && stop == pr.K;
                                // the output tile is the work unit
                                in.unit_begin = used == 0;
                                in.unit_last = last;
                                c.unit_end = last;
                                c.unit = first_unit + tiles_done - 1;
                                c.unit_model = rule;
                                used++;
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
                    o << "output tile used " << used << " cycles, sim/pe/pe_btc.c's cycles() says "
                      << rule;
                    timing(o.str());
                }
            }
    }
    return true;
}

// ---- the checker ------------------------------------------------------------------------



std::string acc_name(const Dims &d, size_t idx)
{
    return "acc[" + std::to_string(idx / d.n) + "][" + std::to_string(idx % d.n) + "]";
}

std::string where_text(const Problem *pr, const Where &w)
{
    std::ostringstream o;
    if (w.raw || !pr)
        return "raw controls";
    o << "problem " << w.problem << " (" << describe(*pr) << "), output tile ("
      << w.tile_m << ", " << w.tile_n << "), group piece " << w.piece << ", k step " << w.kstep
      << ", plane pair (i " << w.i << ", j " << w.j << ")";
    return o.str();
}

std::string inputs_text(const ab_rtl_pe_btc_in &in)
{
    std::ostringstream o;
    o << "valid=" << in.valid << " clear=" << in.clear << " shift=" << unsigned(in.shift)
      << " negate=" << in.negate << " xor_mode=" << in.xor_mode << " k_valid=" << in.k_valid
      << " unit_begin=" << in.unit_begin << " unit_last=" << in.unit_last
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
        if (ab_bp_gemm(&xm, &wm, y.data(), nullptr, &err) != 0)
            std::fill(y.begin(), y.end(), INT64_MIN); // cannot happen for valid problems
        std::vector<int32_t> y32(y.size());
        for (size_t e = 0; e < y.size(); e++)
            y32[e] = ab_bp_wrap_int32(y[e]);
        out.push_back(std::move(y32));
    }
    return out;
}


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
        // the PE's own count of the work unit against sim/pe/pe_btc.c's
        ab_rtl_pe_btc_unit u;
        ab_rtl_pe_btc_unit_get(rtl.get(), &u);
        if (c.unit_end) {
            rep.units++;
            rep.rtl_unit_cycles += u.cycles;
            rep.model_unit_cycles += c.unit_model;
            if (!u.done) {
                diff << "    unit_done: RTL 0, C 1\n";
                rep.signals.push_back("unit_done");
                bad = true;
            }
            if (u.cycles != uint32_t(c.unit_model)) {
                diff << "    unit_cycles: RTL " << u.cycles << ", C " << c.unit_model << "\n"
                     << "    work unit " << c.unit << ": the RTL's unit_cycles counted " << u.cycles
                     << " cycles; sim/pe/pe_btc.c's cycles() says " << c.unit_model << "\n";
                rep.signals.push_back("unit_cycles");
                bad = true;
            }
        } else if (u.done) {
            diff << "    unit_done: RTL 1, C 0\n";
            rep.signals.push_back("unit_done");
            bad = true;
        }
        // end of a group piece: the accumulators against ab_bp_gemm
        const Where &w = c.where;
        if (!bad && !w.raw) {
            const Problem &pr = c.prob ? *c.prob : probs[w.problem];
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
              << where_text(c.prob ? c.prob : w.raw ? nullptr : &probs[w.problem], w)
              << "; inputs: " << inputs_text(in) << "\n"
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

// The problems' cycles through the controller, as a replayable source; the
// timing checks land in *terr (first error only; the first pass records
// it, replays see the same).
std::function<void(const std::function<bool(Cycle &)> &)>
problem_source(const std::vector<Problem> &probs, const ab_accel &a, TimingError *terr,
               uint64_t max_tiles)
{
    return [&probs, a, terr, max_tiles](const std::function<bool(Cycle &)> &emit) {
        TimingError t;
        drive(probs, a, dims(), emit, &t, max_tiles);
        if (t.set && !terr->set)
            *terr = t;
    };
}

// ---- random stimulus (tests, `anybit cosim --random`) ---------------------------

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
    std::string error;
    finish(pr, a, &error); // cannot fail: every generated format is one pe_btc runs
    return pr;
}


Source random_problem_source(uint64_t seed, uint64_t min_cycles, const ab_accel &a,
                             TimingError *terr)
{
    return [seed, min_cycles, a, terr](const std::function<bool(Cycle &)> &emit) {
        std::mt19937_64 rng(seed);
        uint64_t cycles = 0, units = 0;
        std::vector<Problem> one(1);
        TimingError t;
        for (size_t pi = 0; cycles < min_cycles; pi++) {
            one[0] = random_problem(rng, dims(), a);
            const Problem &pr = one[0];
            const ab_pe_work work = {false, 0, pr.K, 0};
            const uint64_t tiles =
                ((pr.M + dims().m - 1) / dims().m) * ((pr.N + dims().n - 1) / dims().n);
            if (!drive(one, a, dims(), emit, &t, UINT64_MAX, pi, units))
                break;
            cycles += ab_pe_cycles(&a, &pr.po, &work) * tiles;
            units += tiles;
        }
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

} // namespace ab_cosim_btc
