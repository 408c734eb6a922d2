// test_cosim_array.cpp - lock-step co-simulation of the BitMoD PE array
// (rtl/array_bitmod.v, Verilated as anybit_rtl behind
// rtl/sim/rtl_array_bitmod.h) against the C models:
//   - values: one C PE (kernels/bitmod_pe.h) per array PE, driven by this
//     file's own schedule of the documented controller timing (docs/rtl.md,
//     "Array"); after every clock all 9 registered fields of every PE are
//     compared; and each group result the array reports (out_valid) is
//     compared with ab_bitmod_pe_group run on the same codes, activations
//     and scale (an independent call path: padding, term order, dequant);
//   - timing: the tile's working cycles (start to done) must equal the C
//     rule, ab_pe_cycles (sim/pe.h, the bitmod model of sim/pe_bitmod.c:
//     per group max(ceil(len/4) * cpw, scale bits)) plus the engine's
//     delay of the last group's dequantization (po.dequant_cycles).
// At the first mismatch the checker stops, replays the tile from reset with
// an FST waveform open, and names the cycle, the PE and every differing
// signal.  CosimArray.FaultInjectionIsCaught proves that it does.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cosim_bitmod.hpp"
#include "test_util.h"

extern "C" {
#include "accel.h"
#include "bitmod_pe.h"
#include "bitmod_terms.h"
#include "engine.h"
#include "format.h"
#include "pe.h"
#include "rtl_array_bitmod.h"
#include "trace.h"
#include "values_impl.h"
}

namespace {

// ---- a tile ---------------------------------------------------------------

struct Tile {
    unsigned R = 0, C = 0;            // rows / columns used (the array's)
    unsigned G = 0, L = 0, S = 0;     // groups, group length, steps per group
    unsigned cpw = 0, dq = 0;         // term cycles per step (max), scale bits
    std::vector<ab_format> fmt;       // [r][g]
    std::vector<uint32_t> codes;      // [r][G*L]
    std::vector<uint16_t> act;        // [c][G*L]
    std::vector<uint32_t> scale;      // [r][G]
    std::vector<uint8_t> ssign;       // [r][G]
    std::string what;                 // for messages
};

// every weight format the PE supports: the list the PE cosim uses
const std::vector<std::string> &format_names() { return ab_cosim_bitmod::formats(); }
const std::vector<ab_format> &formats() { return ab_cosim_bitmod::parsed_formats(); }

uint16_t random_act(std::mt19937_64 &rng, int centre)
{
    const unsigned r = unsigned(rng() % 100);
    const uint16_t sign = uint16_t((rng() & 1u) << 15);
    const uint16_t frac = uint16_t(rng() & 0x3ffu);
    unsigned e;
    if (r < 5)
        return sign;
    if (r < 12)
        return uint16_t(sign | (frac ? frac : 1u));
    if (r < 90) {
        const int c = centre + int(rng() % 7) - 3;
        e = unsigned(c < 1 ? 1 : c > 30 ? 30 : c);
    } else {
        e = 1u + unsigned(rng() % 31);
    }
    return uint16_t(sign | (e << 10) | frac);
}

ab_rtl_array_dims dims_of_model()
{
    ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create(false);
    ab_rtl_array_dims d{};
    ab_rtl_array_bitmod_dims(m, &d);
    ab_rtl_array_bitmod_destroy(m);
    return d;
}

// Random tile: random group count and length (a quarter 128), one format
// for the whole tile or (half the tiles) a random format per row and group
// (the tile's cpw is then the maximum, rows with fewer terms idle), random
// FP16 activations, random 1..6-bit scales with random signs.
Tile random_tile(std::mt19937_64 &rng, const ab_rtl_array_dims &d, uint64_t index)
{
    const auto &fmts = formats();
    Tile t;
    t.R = d.rows;
    t.C = d.cols;
    t.L = rng() % 4 == 0 ? 128 : unsigned(1 + rng() % 160);
    t.S = (t.L + 3) / 4;
    t.G = unsigned(1 + rng() % 6);
    t.G = std::min({t.G, d.steps / t.S, d.groups});
    t.dq = unsigned(1 + rng() % 6);
    // short groups sometimes, so that the dequantizer paces the PE
    if (rng() % 5 == 0) {
        t.L = unsigned(1 + rng() % 8);
        t.S = (t.L + 3) / 4;
    }
    const bool mixed = rng() % 2 == 0;
    const size_t one = size_t(rng() % fmts.size());
    t.fmt.resize(size_t(t.R) * t.G);
    t.cpw = 0;
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned g = 0; g < t.G; g++) {
            const ab_format &f = fmts[mixed ? size_t(rng() % fmts.size()) : one];
            t.fmt[size_t(r) * t.G + g] = f;
            t.cpw = std::max(t.cpw, ab_bitmod_cycles_per_weight(&f));
        }
    const size_t K = size_t(t.G) * t.L;
    t.codes.resize(size_t(t.R) * K);
    for (unsigned r = 0; r < t.R; r++)
        for (size_t k = 0; k < K; k++) {
            const ab_format &f = t.fmt[size_t(r) * t.G + k / t.L];
            t.codes[r * K + k] = uint32_t(rng() & ((1u << f.bits) - 1u));
        }
    t.act.resize(size_t(t.C) * K);
    for (unsigned c = 0; c < t.C; c++)
        for (unsigned g = 0; g < t.G; g++) {
            const int centre = 1 + int(rng() % 30);
            for (unsigned k = 0; k < t.L; k++)
                t.act[c * K + size_t(g) * t.L + k] = random_act(rng, centre);
        }
    t.scale.resize(size_t(t.R) * t.G);
    t.ssign.resize(size_t(t.R) * t.G);
    for (size_t i = 0; i < t.scale.size(); i++) {
        t.scale[i] = uint32_t(rng() & ((1u << t.dq) - 1u));
        t.ssign[i] = uint8_t(rng() & 1u);
    }
    std::ostringstream o;
    o << "tile " << index << " (G=" << t.G << " L=" << t.L << " cpw=" << t.cpw << " dq=" << t.dq
      << (mixed ? " mixed formats" : (" " + format_names()[one])) << ")";
    t.what = o.str();
    return t;
}

// The terms of weight k of row r's group g, lane-padded as the C model pads
// (a zero activation and a zero term with lane 0's sig, past the group end).
struct TileTerms {
    std::vector<ab_bitmod_term> t; // [r][G*S*4 lanes][4 terms]
    std::vector<unsigned> cpw;     // [r][g]
};

TileTerms tile_terms(const Tile &t)
{
    TileTerms tt;
    const size_t K = size_t(t.G) * t.L, KP = size_t(t.G) * t.S * 4;
    tt.t.assign(size_t(t.R) * KP * AB_BITMOD_MAX_TERMS, ab_bitmod_term{0, 0, 0, 0});
    tt.cpw.resize(size_t(t.R) * t.G);
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned g = 0; g < t.G; g++) {
            const ab_format &f = t.fmt[size_t(r) * t.G + g];
            tt.cpw[size_t(r) * t.G + g] = ab_bitmod_cycles_per_weight(&f);
            for (unsigned s = 0; s < t.S; s++)
                for (unsigned i = 0; i < 4; i++) {
                    const unsigned k = 4 * s + i;
                    ab_bitmod_term *dst =
                        &tt.t[(r * KP + (size_t(g) * t.S + s) * 4 + i) * AB_BITMOD_MAX_TERMS];
                    if (k < t.L) {
                        ab_error err{};
                        if (ab_bitmod_terms(&f, t.codes[r * K + size_t(g) * t.L + k], dst, &err) < 0)
                            ADD_FAILURE() << err.msg;
                    } else {
                        const ab_bitmod_term *l0 = dst - i * AB_BITMOD_MAX_TERMS;
                        for (unsigned c = 0; c < AB_BITMOD_MAX_TERMS; c++)
                            dst[c] = ab_bitmod_term{0, 0, 0, l0[c].sig};
                    }
                }
        }
    return tt;
}

// Activations of step (g, s) of column c (zeros past the group end).
void step_act(const Tile &t, unsigned c, unsigned g, unsigned s, uint16_t a[4])
{
    const size_t K = size_t(t.G) * t.L;
    for (unsigned i = 0; i < 4; i++) {
        const unsigned k = 4 * s + i;
        a[i] = k < t.L ? t.act[c * K + size_t(g) * t.L + k] : uint16_t(0);
    }
}

// ---- the C rule ---------------------------------------------------------------

const ab_accel &bitmod_accel()
{
    static const ab_accel a = [] {
        ab_accel x;
        ab_error err{};
        if (ab_accel_load(ANYBIT_SOURCE_DIR "/configs/bitmod.yaml", &x, &err) != 0)
            ADD_FAILURE() << err.msg;
        return x;
    }();
    return a;
}

// Working cycles of a tile: the PE model's cycles for the work unit (one
// output-stationary pass over K = G * L) plus the last group's
// dequantization, which the engine adds as the output delay.
uint64_t c_rule_cycles(const Tile &t)
{
    ab_pe_op po;
    std::memset(&po, 0, sizeof po);
    po.group = t.L;
    po.cycles_per_step = t.cpw;
    po.dequant_cycles = t.dq;
    ab_pe_work w{};
    w.k0 = 0;
    w.kt = uint64_t(t.G) * t.L;
    return ab_pe_cycles(&bitmod_accel(), &po, &w) + po.dequant_cycles;
}

// ---- the checker -------------------------------------------------------------------

struct Fault {
    bool on = false;
    uint64_t cycle = 0; // working cycle (0 = the first after start)
    unsigned row = 0, col = 0;
};

struct Report {
    bool ok = true;
    std::string msg;
    uint64_t cycle = 0;            // working cycle of the first mismatch
    int pe_row = -1, pe_col = -1;
    std::vector<std::string> signals;
    std::string fst;
    uint64_t cycles = 0;           // working cycles of the tile (RTL)
    uint64_t pe_steps = 0;         // PE compute cycles checked
    uint64_t pad_cycles = 0;       // slot cycles where the dequantizer paced the PE
    uint64_t idle_terms = 0;       // row-cycles with an invalid term (mixed cpw)
    std::vector<double> group_value; // [r][c][g] dequantized values (RTL)
};

void state_of(const ab_bitmod_pe &p, ab_rtl_pe_bitmod_state &s)
{
    s.acc_exp = p.acc_exp;
    s.acc_man = p.acc_man;
    s.acc_sign = p.acc_sign;
    s.dq_in_exp = p.dq_in_exp;
    s.dq_in_man = p.dq_in_man;
    s.dq_scale_sign = p.dq_scale_sign;
    s.dq_exp = p.dq_exp;
    s.dq_man = p.dq_man;
    s.dq_sign = p.dq_sign;
}

std::vector<std::string> diff(const ab_rtl_pe_bitmod_state &r, const ab_rtl_pe_bitmod_state &c,
                              std::ostringstream &o)
{
    std::vector<std::string> names;
#define AB_CMP(f)                                                                          \
    if ((long)r.f != (long)c.f) {                                                          \
        names.push_back(#f);                                                               \
        o << "    " #f ": RTL " << (long)r.f << ", C " << (long)c.f << "\n";              \
    }
    AB_CMP(acc_exp)
    AB_CMP(acc_man)
    AB_CMP(acc_sign)
    AB_CMP(dq_in_exp)
    AB_CMP(dq_in_man)
    AB_CMP(dq_scale_sign)
    AB_CMP(dq_exp)
    AB_CMP(dq_man)
    AB_CMP(dq_sign)
#undef AB_CMP
    return names;
}

// Load the tile into the array's buffers, start it, and run it in lock
// step with one C PE per array PE.  cpes persist across tiles (as the
// RTL's PEs do).  fst: open a waveform first (a replay).
Report run_tile(ab_rtl_array_bitmod *m, std::vector<ab_bitmod_pe> &cpes, const Tile &t,
                bool literal, const Fault &fault)
{
    Report rep;
    const TileTerms tt = tile_terms(t);
    const size_t KP = size_t(t.G) * t.S * 4;
    // the group results by the other C call path
    std::vector<ab_bitmod_group_result> ref(size_t(t.R) * t.C * t.G);
    const size_t K = size_t(t.G) * t.L;
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned c = 0; c < t.C; c++)
            for (unsigned g = 0; g < t.G; g++) {
                ab_bitmod_pe p;
                ab_bitmod_pe_init(&p, literal);
                ab_error err{};
                const size_t gi = size_t(r) * t.G + g;
                if (ab_bitmod_pe_group(&p, &t.fmt[gi], &t.act[c * K + size_t(g) * t.L],
                                       &t.codes[r * K + size_t(g) * t.L], t.L, t.scale[gi], t.dq,
                                       &ref[(size_t(r) * t.C + c) * t.G + g], &err) != 0)
                    ADD_FAILURE() << err.msg;
            }
    rep.group_value.assign(size_t(t.R) * t.C * t.G, 0.0);

    // buffers
    for (unsigned r = 0; r < t.R; r++) {
        for (unsigned g = 0; g < t.G; g++) {
            const unsigned cf = tt.cpw[size_t(r) * t.G + g];
            for (unsigned s = 0; s < t.S; s++)
                for (unsigned term = 0; term < t.cpw; term++) {
                    ab_bitmod_term l4[4];
                    for (unsigned i = 0; i < 4; i++)
                        l4[i] = term < cf ? tt.t[(r * KP + (size_t(g) * t.S + s) * 4 + i) *
                                                     AB_BITMOD_MAX_TERMS + term]
                                          : ab_bitmod_term{0, 0, 0, 0};
                    ab_rtl_array_bitmod_write_terms(m, r, g * t.S + s, term, l4, term < cf);
                }
            ab_rtl_array_bitmod_write_scale(m, r, g, t.scale[size_t(r) * t.G + g],
                                            t.ssign[size_t(r) * t.G + g]);
        }
    }
    for (unsigned c = 0; c < t.C; c++)
        for (unsigned g = 0; g < t.G; g++)
            for (unsigned s = 0; s < t.S; s++) {
                uint16_t a4[4];
                step_act(t, c, g, s, a4);
                ab_rtl_array_bitmod_write_act(m, c, g * t.S + s, a4);
            }
    const ab_rtl_array_tile desc{t.G, t.S, t.cpw, t.dq};
    ab_rtl_array_bitmod_start(m, &desc);
    ab_rtl_array_status st{};
    ab_rtl_array_bitmod_status(m, &st);
    std::ostringstream o;
    if (!st.busy || st.cycles != 0) {
        rep.ok = false;
        o << t.what << ": after start busy=" << st.busy << " cycles=" << st.cycles << "\n";
        rep.msg = o.str();
        return rep;
    }

    const uint64_t compute = uint64_t(t.S) * t.cpw;
    uint64_t cyc = 0;
    for (unsigned g = 0; g <= t.G; g++) {
        const uint64_t len = g < t.G ? std::max<uint64_t>(compute, t.dq) : t.dq;
        for (uint64_t k = 0; k < len; k++, cyc++) {
            const bool comp = g < t.G && k < compute;
            const unsigned s = comp ? unsigned(k / t.cpw) : 0, term = comp ? unsigned(k % t.cpw) : 0;
            const bool dqa = g > 0 && k < t.dq;
            if (g < t.G && k >= compute)
                rep.pad_cycles++;
            for (unsigned r = 0; r < t.R; r++) {
                const bool row_step = comp && term < tt.cpw[size_t(r) * t.G + g];
                if (comp && !row_step)
                    rep.idle_terms++;
                ab_bitmod_term l4[4];
                if (row_step)
                    for (unsigned i = 0; i < 4; i++)
                        l4[i] = tt.t[(r * KP + (size_t(g) * t.S + s) * 4 + i) * AB_BITMOD_MAX_TERMS +
                                     term];
                for (unsigned c = 0; c < t.C; c++) {
                    ab_bitmod_pe &p = cpes[size_t(r) * t.C + c];
                    if (dqa) {
                        const size_t gi = size_t(r) * t.G + g - 1;
                        if (k == 0)
                            ab_bitmod_pe_dequant_begin(&p, t.ssign[gi]);
                        ab_bitmod_pe_dequant_step(&p, uint8_t((t.scale[gi] >> (t.dq - 1 - k)) & 1u));
                    }
                    if (g < t.G && k == 0)
                        ab_bitmod_pe_group_begin(&p);
                    if (row_step) {
                        uint16_t a4[4];
                        step_act(t, c, g, s, a4);
                        ab_bitmod_pe_step(&p, a4, l4, nullptr);
                        rep.pe_steps++;
                    }
                }
            }
            const bool flip = fault.on && fault.cycle == cyc;
            ab_rtl_array_bitmod_clock(m, flip, fault.row, fault.col);
            ab_rtl_array_bitmod_status(m, &st);
            const bool last = g == t.G && k == len - 1;
            const bool want_out = dqa && k == t.dq - 1u;
            bool bad = false;
            if (st.busy != !last || st.done != last || st.out_valid != want_out ||
                (want_out && st.out_group != g - 1) || st.cycles != cyc + 1) {
                bad = true;
                o << "    controller: busy " << st.busy << " (C " << !last << "), done " << st.done
                  << " (C " << last << "), out_valid " << st.out_valid << " (C " << want_out
                  << "), out_group " << st.out_group << ", cycles " << st.cycles << " (C "
                  << cyc + 1 << ")\n";
                rep.signals.push_back("controller");
            }
            for (unsigned r = 0; r < t.R && !bad; r++)
                for (unsigned c = 0; c < t.C && !bad; c++) {
                    ab_rtl_pe_bitmod_state rs, cs;
                    ab_rtl_array_bitmod_pe_state(m, r, c, &rs);
                    state_of(cpes[size_t(r) * t.C + c], cs);
                    std::ostringstream d;
                    std::vector<std::string> names = diff(rs, cs, d);
                    if (want_out && names.empty()) {
                        const size_t gi = (size_t(r) * t.C + c) * t.G + g - 1;
                        const ab_bitmod_group_result &e = ref[gi];
                        const uint8_t ss = t.ssign[size_t(r) * t.G + g - 1];
                        if (rs.dq_man != e.dq_man || rs.dq_exp != e.dq_exp ||
                            rs.dq_sign != (e.dq_sign ^ ss)) {
                            names.push_back("group_result");
                            d << "    group result: RTL man " << rs.dq_man << " exp " << int(rs.dq_exp)
                              << " sign " << int(rs.dq_sign) << "; ab_bitmod_pe_group man "
                              << e.dq_man << " exp " << int(e.dq_exp) << " sign "
                              << int(e.dq_sign ^ ss) << "\n";
                        }
                        const double v = std::ldexp(double(rs.dq_man),
                                                    int(rs.dq_exp) - AB_BITMOD_VALUE_EXP_OFFSET);
                        rep.group_value[gi] = rs.dq_scale_sign ? -v : v;
                    }
                    if (!names.empty()) {
                        bad = true;
                        rep.pe_row = int(r);
                        rep.pe_col = int(c);
                        rep.signals = names;
                        o << "    PE (" << r << "," << c << "):\n" << d.str();
                    }
                }
            if (bad) {
                rep.ok = false;
                rep.cycle = cyc;
                std::ostringstream h;
                h << "cosim mismatch (literal_align=" << literal << ") in " << t.what
                  << " at working cycle " << cyc << " (group slot " << g << ", slot cycle " << k;
                if (comp)
                    h << ", step " << s << " term " << term;
                if (dqa)
                    h << ", dequantizing group " << g - 1 << " bit " << (t.dq - 1 - k);
                h << "; clock " << ab_rtl_array_bitmod_clocks(m) - 1 << " since reset)";
                if (rep.pe_row >= 0)
                    h << ", PE (" << rep.pe_row << "," << rep.pe_col << ")";
                h << "\n";
                rep.msg = h.str() + o.str();
                return rep;
            }
        }
    }
    rep.cycles = st.cycles;
    return rep;
}

// Run a tile on a fresh model; on a mismatch replay it with an FST
// waveform open and add the path to the report.
Report check_tile(const Tile &t, bool literal, const Fault &fault, const std::string &fst_path)
{
    ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create(literal);
    std::vector<ab_bitmod_pe> cpes(size_t(t.R) * t.C);
    for (auto &p : cpes)
        ab_bitmod_pe_init(&p, literal);
    Report rep = run_tile(m, cpes, t, literal, fault);
    ab_rtl_array_bitmod_destroy(m);
    if (!rep.ok) {
        ab_rtl_array_bitmod *w = ab_rtl_array_bitmod_create(literal);
        for (auto &p : cpes)
            ab_bitmod_pe_init(&p, literal);
        if (ab_rtl_array_bitmod_trace_open(w, fst_path.c_str()) == 0) {
            (void)run_tile(w, cpes, t, literal, fault);
            ab_rtl_array_bitmod_trace_close(w);
            rep.fst = fst_path;
            rep.msg += "    waveform: " + fst_path + " (signals under TOP.array_bitmod)\n";
        } else {
            rep.msg += "    (could not write the waveform " + fst_path + ")\n";
        }
        ab_rtl_array_bitmod_destroy(w);
    }
    return rep;
}

std::string fst_path(const std::string &name)
{
    return anybit_test::tmp_dir("cosim_array") + "/" + name + ".fst";
}

// ---- (a) random tiles -------------------------------------------------------------

TEST(CosimArray, RandomTilesLockStep)
{
    const ab_rtl_array_dims d = dims_of_model();
    ASSERT_GE(d.rows, 1u);
    std::mt19937_64 rng(0xa77a7b17ull);
    uint64_t pe_steps = 0, pad = 0, idle = 0, tiles = 0, cycles = 0;
    bool cpw_seen[5] = {};
    bool literal_seen[2] = {};
    const auto t0 = std::chrono::steady_clock::now();
    for (int literal = 0; literal < 2; literal++) {
        // one model and one set of C PEs for many tiles back to back
        ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create(literal != 0);
        std::vector<ab_bitmod_pe> cpes(size_t(d.rows) * d.cols);
        for (auto &p : cpes)
            ab_bitmod_pe_init(&p, literal != 0);
        const int n = literal ? 20 : 60;
        for (int i = 0; i < n; i++, tiles++) {
            const Tile t = random_tile(rng, d, tiles);
            Report r = run_tile(m, cpes, t, literal != 0, Fault{});
            if (!r.ok) {
                // replay on a fresh model for the waveform
                ab_rtl_array_bitmod_destroy(m);
                r = check_tile(t, literal != 0, Fault{}, fst_path("random_tile"));
                FAIL() << r.msg;
            }
            ASSERT_EQ(r.cycles, c_rule_cycles(t)) << t.what;
            pe_steps += r.pe_steps;
            pad += r.pad_cycles;
            idle += r.idle_terms;
            cycles += r.cycles;
            cpw_seen[t.cpw] = true;
            literal_seen[literal] = true;
        }
        ab_rtl_array_bitmod_destroy(m);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ array ] %" PRIu64 " tiles, %" PRIu64 " working cycles, %" PRIu64
                " PE-steps checked (%" PRIu64 " dequantizer-paced slot cycles, %" PRIu64
                " idle row-terms of mixed-cpw tiles), %.2f s\n",
                tiles, cycles, pe_steps, pad, idle, s);
    EXPECT_GE(pe_steps, 10000u);
    EXPECT_GT(pad, 0u);
    EXPECT_GT(idle, 0u);
    for (unsigned c = 1; c <= 4; c++)
        EXPECT_TRUE(cpw_seen[c]) << "no tile with cpw " << c;
    EXPECT_TRUE(literal_seen[0] && literal_seen[1]);
}

// ---- (b) one tile of a real trace op ------------------------------------------------

struct TraceTile {
    Tile t;
    ab_vop v{};
    ab_op op{};
    std::vector<float> datapath; // ab_values_bitmod_datapath's out[M][N]
};

// Op 0 of the tiny bitmod example trace (1 x 256 x 256, bitmod_fp4_mix,
// group 128, int6 scales): rows 0..R-1 are output channels 0..R-1; the op
// has one token (M = 1), so every column gets token 0 (replicated: all
// PEs of a row compute the same output, each checked).
bool load_trace_tile(TraceTile &tt, const ab_rtl_array_dims &d, ab_trace &tr)
{
    ab_error err{};
    if (ab_trace_read(ANYBIT_SOURCE_DIR "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors",
                      &tr, &err) != 0) {
        ADD_FAILURE() << err.msg;
        return false;
    }
    if (ab_vop_load(&bitmod_accel(), &tr, 0, &tt.v, &err) != 0) {
        ADD_FAILURE() << err.msg;
        return false;
    }
    tt.op = tr.ops[0].op;
    const ab_vop &v = tt.v;
    Tile &t = tt.t;
    t.R = d.rows;
    t.C = d.cols;
    t.G = unsigned(v.G);
    t.L = unsigned(v.glen);
    t.S = (t.L + 3) / 4;
    // The PE dequantizes the op's int6 scales in 6 cycles (ab_pe_prepare's
    // dequant_cycles, the timing); sim/values_bitmod.c steps the
    // accelerator's scale_bits (8) instead: the 2 extra leading zero bits
    // leave the result unchanged ((0 <<< 1) + 0), so both give the same
    // values and the tile uses the timing's 6.
    ab_pe_op po;
    if (ab_pe_prepare(&bitmod_accel(), &tr.ops[0].op, &po, &err) != 0) {
        ADD_FAILURE() << err.msg;
        return false;
    }
    t.dq = po.dequant_cycles;
    t.fmt.resize(size_t(t.R) * t.G);
    t.cpw = 0;
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned g = 0; g < t.G; g++) {
            t.fmt[size_t(r) * t.G + g] = v.cand[v.type_ids[r * v.G + g]];
            t.cpw = std::max(t.cpw, ab_bitmod_cycles_per_weight(&t.fmt[size_t(r) * t.G + g]));
        }
    const size_t K = v.K;
    t.codes.assign(v.codes, v.codes + size_t(t.R) * K);
    t.act.resize(size_t(t.C) * K);
    for (unsigned c = 0; c < t.C; c++) {
        const size_t m = std::min<size_t>(c, v.M - 1);
        std::copy(v.act_h + m * K, v.act_h + (m + 1) * K, t.act.begin() + c * K);
    }
    t.scale.resize(size_t(t.R) * t.G);
    t.ssign.assign(size_t(t.R) * t.G, 0);
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned g = 0; g < t.G; g++) {
            t.scale[size_t(r) * t.G + g] = v.gscale_int[r * v.G + g];
            EXPECT_EQ(t.scale[size_t(r) * t.G + g] >> t.dq, 0u) << "scale wider than int6";
        }
    t.what = std::string("trace op 0 '") + v.name + "' rows 0.." + std::to_string(t.R - 1);
    tt.datapath.resize(v.M * v.N);
    if (ab_values_bitmod_datapath(&v, tt.datapath.data(), &err) != 0) {
        ADD_FAILURE() << err.msg;
        return false;
    }
    return true;
}

TEST(CosimArray, TraceOpTileBitExact)
{
    const ab_rtl_array_dims d = dims_of_model();
    ab_trace tr;
    std::memset(&tr, 0, sizeof tr);
    TraceTile tt;
    ASSERT_TRUE(load_trace_tile(tt, d, tr));
    const Tile &t = tt.t;
    ASSERT_LE(size_t(t.G) * t.S, d.steps);
    ASSERT_LE(t.R, tt.v.N);
    ASSERT_NE(tt.v.gscale_int, nullptr);

    const Report r = check_tile(t, bitmod_accel().bitmod_rtl_literal_align, Fault{},
                                fst_path("trace_op0"));
    ASSERT_TRUE(r.ok) << r.msg;

    // cycles: the PE model's rule for this op (ab_pe_prepare, as the
    // engine uses it) plus the last group's dequantization
    ab_pe_op po;
    ab_error err{};
    ASSERT_EQ(ab_pe_prepare(&bitmod_accel(), &tt.op, &po, &err), 0) << err.msg;
    EXPECT_EQ(po.cycles_per_step, t.cpw);
    EXPECT_EQ(po.dequant_cycles, t.dq);
    ab_pe_work w{};
    w.kt = tt.v.K;
    const uint64_t want = ab_pe_cycles(&bitmod_accel(), &po, &w) + po.dequant_cycles;
    EXPECT_EQ(r.cycles, want);

    // the op's outputs from the RTL's group results (the FP32 part outside
    // the PE, as sim/values_bitmod.c): bit-exact with the datapath model
    for (unsigned row = 0; row < t.R; row++)
        for (unsigned c = 0; c < t.C; c++) {
            float acc = 0.0f;
            for (unsigned g = 0; g < t.G; g++)
                acc = acc + float(r.group_value[(size_t(row) * t.C + c) * t.G + g]);
            const float y = acc * tt.v.row_scale[row];
            const float e = tt.datapath[std::min<size_t>(c, tt.v.M - 1) * tt.v.N + row];
            uint32_t yb, eb;
            std::memcpy(&yb, &y, 4);
            std::memcpy(&eb, &e, 4);
            EXPECT_EQ(yb, eb) << "output (" << c << "," << row << "): RTL " << y << ", C " << e;
        }
    std::printf("[ array ] %s: %u groups x %u weights, cpw %u, %u scale bits: %" PRIu64
                " working cycles (C rule %" PRIu64 "), %u x %u outputs bit-exact\n",
                t.what.c_str(), t.G, t.L, t.cpw, t.dq, r.cycles, want, t.R, t.C);
    ab_vop_free(&tt.v);
    ab_trace_free(&tr);
}

// ---- (c) fault injection ----------------------------------------------------------------

Tile fault_tile()
{
    const ab_rtl_array_dims d = dims_of_model();
    std::mt19937_64 rng(77);
    Tile t;
    do
        t = random_tile(rng, d, 0);
    while (t.G < 2 || t.S < 4);
    return t;
}

TEST(CosimArray, FaultInjectionIsCaught)
{
    const Tile t = fault_tile();
    const ab_rtl_array_dims d = dims_of_model();
    Fault f;
    f.on = true;
    f.cycle = 5;
    f.row = d.rows > 1 ? 1 : 0;
    f.col = d.cols > 2 ? 2 : 0;
    const std::string path = fst_path("fault_injection");
    std::remove(path.c_str());
    const Report r = check_tile(t, false, f, path);
    ASSERT_FALSE(r.ok);
    std::printf("%s", r.msg.c_str());
    EXPECT_EQ(r.cycle, f.cycle);
    EXPECT_EQ(r.pe_row, int(f.row));
    EXPECT_EQ(r.pe_col, int(f.col));
    ASSERT_EQ(r.signals.size(), 1u);
    EXPECT_EQ(r.signals[0], "acc_man");
    std::ostringstream pe;
    pe << "PE (" << f.row << "," << f.col << ")";
    EXPECT_NE(r.msg.find(pe.str()), std::string::npos) << r.msg;
    EXPECT_NE(r.msg.find("acc_man: RTL"), std::string::npos) << r.msg;
    EXPECT_EQ(r.fst, path);
    const std::string fst = anybit_test::slurp(path);
    EXPECT_GT(fst.size(), 100u);
}

TEST(CosimArray, FaultFreeRunOfTheSameTilePasses)
{
    const Report r = check_tile(fault_tile(), false, Fault{}, fst_path("fault_free"));
    EXPECT_TRUE(r.ok) << r.msg;
}

// ---- speed: the array's RTL on the trace tile vs the C cycle mode ----------------------

TEST(CosimArray, SpeedVersusCycleMode)
{
    const ab_rtl_array_dims d = dims_of_model();
    ab_trace tr;
    std::memset(&tr, 0, sizeof tr);
    TraceTile tt;
    ASSERT_TRUE(load_trace_tile(tt, d, tr));
    const Tile &t = tt.t;

    // RTL alone: the tile's buffers loaded once, the tile run repeatedly
    ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create(false);
    std::vector<ab_bitmod_pe> cpes(size_t(t.R) * t.C);
    for (auto &p : cpes)
        ab_bitmod_pe_init(&p, false);
    ASSERT_TRUE(run_tile(m, cpes, t, false, Fault{}).ok);
    const ab_rtl_array_tile desc{t.G, t.S, t.cpw, t.dq};
    uint64_t rtl_cycles = 0;
    auto t0 = std::chrono::steady_clock::now();
    double rtl_s = 0;
    do {
        for (int i = 0; i < 20; i++) {
            ab_rtl_array_bitmod_start(m, &desc);
            ab_rtl_array_status st{};
            do {
                ab_rtl_array_bitmod_clock(m, false, 0, 0);
                ab_rtl_array_bitmod_status(m, &st);
            } while (!st.done);
            rtl_cycles += st.cycles + 1; // + the start clock
        }
        rtl_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (rtl_s < 0.2);
    ab_rtl_array_bitmod_destroy(m);

    // C cycle mode: the same op on the bitmod preset resized to the array
    ab_accel a = bitmod_accel();
    a.rows = d.rows;
    a.cols = d.cols;
    ab_error err{};
    ASSERT_EQ(ab_accel_validate(&a, &err), 0) << err.msg;
    uint64_t c_cycles = 0;
    t0 = std::chrono::steady_clock::now();
    double c_s = 0;
    do {
        ab_op_stats st;
        ASSERT_EQ(ab_sim_op(&a, &tt.op, AB_MODE_CYCLE, &st, &err), 0) << err.msg;
        c_cycles += st.cycles;
        c_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (c_s < 0.2);
    const double rtl_rate = double(rtl_cycles) / rtl_s, c_rate = double(c_cycles) / c_s;
    std::printf("[ array ] speed: Verilated %ux%u array on the trace tile %.3g cycles/s "
                "(%u PEs: %.3g PE-cycles/s); C --mode cycle on op 0 (%ux%u bitmod) %.3g cycles/s; "
                "ratio C/RTL %.1f\n",
                d.rows, d.cols, rtl_rate, d.rows * d.cols, rtl_rate * d.rows * d.cols, d.rows,
                d.cols, c_rate, c_rate / rtl_rate);
    ab_vop_free(&tt.v);
    ab_trace_free(&tr);
}

} // namespace
