// cosim_array.cpp - lock-step co-simulation of the BitMoD PE array
// (cosim_array.hpp): tiles, the controller schedule, the checker.
#include "cosim_array.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>

#include "cosim_bitmod.hpp"

namespace ab_cosim_array {

namespace {

// FP16 activations of a random tile's column.  Not ab_cosim_bitmod's
// random_act: no exponent 31 and more normals near the centre (a tile's
// columns feed every PE of the array), and the seeded tiles of
// CosimArray.* stay the ones they have always been.
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

} // namespace

const ab_rtl_array_dims &dims(unsigned model)
{
    static const std::vector<ab_rtl_array_dims> d = [] {
        std::vector<ab_rtl_array_dims> x(ab_rtl_array_bitmod_models());
        for (unsigned i = 0; i < x.size(); i++)
            ab_rtl_array_bitmod_model_dims(i, &x[i]);
        return x;
    }();
    return d.at(model);
}

namespace {

// A C PE of the tile's lanes (a Verilated model's: always a valid count).
ab_bitmod_pe c_pe(const Tile &t, bool literal)
{
    ab_bitmod_pe p;
    ab_error err{};
    if (ab_bitmod_pe_init_lanes(&p, literal, t.lanes, &err) != 0)
        ab_bitmod_pe_init(&p, literal);
    return p;
}

} // namespace

std::vector<ab_bitmod_pe> c_pes(const Tile &t, bool literal)
{
    return std::vector<ab_bitmod_pe>(size_t(t.R) * t.C, c_pe(t, literal));
}

// Random tile: random group count and length (a quarter 128), one format
// for the whole tile or (half the tiles) a random format per row and group
// (the tile's cpw is then the maximum, rows with fewer terms idle), random
// FP16 activations, random 1..6-bit scales with random signs.
Tile random_tile(std::mt19937_64 &rng, unsigned model, uint64_t index)
{
    Tile t = random_tile(rng, dims(model), index);
    t.model = model;
    return t;
}

Tile random_tile(std::mt19937_64 &rng, const ab_rtl_array_dims &d, uint64_t index)
{
    const auto &fmts = ab_cosim_bitmod::parsed_formats();
    Tile t;
    t.model = 0;
    t.lanes = d.lanes;
    t.R = d.rows;
    t.C = d.cols;
    t.L = rng() % 4 == 0 ? 128 : unsigned(1 + rng() % 160);
    t.L = std::min(t.L, d.steps * t.lanes); // a shallow buffer (a board's): one group fits
    t.S = (t.L + t.lanes - 1) / t.lanes;
    t.G = unsigned(1 + rng() % 6);
    t.G = std::min({t.G, d.steps / t.S, d.groups});
    t.dq = unsigned(1 + rng() % 6);
    // short groups sometimes, so that the dequantizer paces the PE
    if (rng() % 5 == 0) {
        t.L = unsigned(1 + rng() % 8);
        t.S = (t.L + t.lanes - 1) / t.lanes;
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
      << (mixed ? " mixed formats" : (" " + ab_cosim_bitmod::formats()[one])) << ")";
    t.what = o.str();
    return t;
}

namespace {

std::string err_msg(unsigned r, unsigned g, unsigned k, const char *msg)
{
    return "row " + std::to_string(r) + " group " + std::to_string(g) + " weight " +
           std::to_string(k) + ": " + msg;
}

// The terms of weight k of row r's group g, lane-padded as the C model pads
// (a zero activation and a zero term with lane 0's sig, past the group end).
struct TileTerms {
    std::vector<ab_bitmod_term> t; // [r][G*S*lanes][4 terms]
    std::vector<unsigned> cpw;     // [r][g]
};

// err: the first code ab_bitmod_terms refuses (none for validated codes)
TileTerms tile_terms(const Tile &t, std::string *err)
{
    TileTerms tt;
    const size_t K = size_t(t.G) * t.L, KP = size_t(t.G) * t.S * t.lanes;
    tt.t.assign(size_t(t.R) * KP * AB_BITMOD_MAX_TERMS, ab_bitmod_term{0, 0, 0, 0});
    tt.cpw.resize(size_t(t.R) * t.G);
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned g = 0; g < t.G; g++) {
            const ab_format &f = t.fmt[size_t(r) * t.G + g];
            tt.cpw[size_t(r) * t.G + g] = ab_bitmod_cycles_per_weight(&f);
            for (unsigned s = 0; s < t.S; s++)
                for (unsigned i = 0; i < t.lanes; i++) {
                    const unsigned k = t.lanes * s + i;
                    ab_bitmod_term *dst =
                        &tt.t[(r * KP + (size_t(g) * t.S + s) * t.lanes + i) * AB_BITMOD_MAX_TERMS];
                    if (k < t.L) {
                        ab_error e{};
                        if (ab_bitmod_terms(&f, t.codes[r * K + size_t(g) * t.L + k], dst, &e) < 0 &&
                            err->empty())
                            *err = err_msg(r, g, k, e.msg);
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
void step_act(const Tile &t, unsigned c, unsigned g, unsigned s, uint16_t *a)
{
    const size_t K = size_t(t.G) * t.L;
    for (unsigned i = 0; i < t.lanes; i++) {
        const unsigned k = t.lanes * s + i;
        a[i] = k < t.L ? t.act[c * K + size_t(g) * t.L + k] : uint16_t(0);
    }
}

} // namespace

int tile_buffers(const Tile &t, TileBuffers *b, std::string *err)
{
    if (t.lanes > 4)
        return *err = "a term word of " + std::to_string(t.lanes) + " lanes is wider than 32 bits",
               -1;
    std::string terr;
    const TileTerms tt = tile_terms(t, &terr);
    if (!terr.empty())
        return *err = t.what + ": " + terr, -1;
    const size_t KP = size_t(t.G) * t.S * t.lanes, steps = size_t(t.G) * t.S;
    b->words_per_step = t.cpw;
    b->terms.assign(size_t(t.R) * steps * t.cpw, 0);
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned g = 0; g < t.G; g++) {
            const unsigned cf = tt.cpw[size_t(r) * t.G + g];
            for (unsigned s = 0; s < t.S; s++)
                for (unsigned term = 0; term < t.cpw && term < cf; term++) {
                    uint32_t w = 1u << (7 * t.lanes); // valid
                    for (unsigned i = 0; i < t.lanes; i++) {
                        const ab_bitmod_term &x =
                            tt.t[(r * KP + (size_t(g) * t.S + s) * t.lanes + i) *
                                     AB_BITMOD_MAX_TERMS + term];
                        // rtl/sim/verilated_bits.hpp term_bits: {sig[2:0], man, exp[1:0], sign}
                        const uint32_t bits = (x.sign & 1u) | ((x.exp & 3u) << 1) |
                                              ((x.man & 1u) << 3) | ((x.sig & 7u) << 4);
                        w |= bits << (7 * i);
                    }
                    b->terms[(size_t(r) * steps + size_t(g) * t.S + s) * t.cpw + term] = w;
                }
        }
    b->act.assign(size_t(t.C) * steps * t.lanes, 0);
    for (unsigned c = 0; c < t.C; c++)
        for (unsigned g = 0; g < t.G; g++)
            for (unsigned s = 0; s < t.S; s++)
                step_act(t, c, g, s, &b->act[(size_t(c) * steps + size_t(g) * t.S + s) * t.lanes]);
    b->scale.resize(size_t(t.R) * t.G);
    for (size_t i = 0; i < b->scale.size(); i++)
        b->scale[i] = (t.scale[i] & 0xffffu) | (uint32_t(t.ssign[i] & 1u) << 16);
    return 0;
}

namespace {

// ---- the checker -------------------------------------------------------------------

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

bool same_state(const ab_rtl_pe_bitmod_state &r, const ab_rtl_pe_bitmod_state &c)
{
    return r.acc_exp == c.acc_exp && r.acc_man == c.acc_man && r.acc_sign == c.acc_sign &&
           r.dq_in_exp == c.dq_in_exp && r.dq_in_man == c.dq_in_man &&
           r.dq_scale_sign == c.dq_scale_sign && r.dq_exp == c.dq_exp && r.dq_man == c.dq_man &&
           r.dq_sign == c.dq_sign;
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

} // namespace

// Load the tile into the array's buffers, start it, and run it in lock
// step with one C PE per array PE.  cpes persist across tiles (as the
// RTL's PEs do).  fst: open a waveform first (a replay).
Report run_tile(ab_rtl_array_bitmod *m, std::vector<ab_bitmod_pe> &cpes, const Tile &t,
                bool literal, const Fault &fault)
{
    Report rep;
    std::string terr;
    const TileTerms tt = tile_terms(t, &terr);
    if (!terr.empty()) {
        rep.ok = false;
        rep.msg = t.what + ": " + terr + "\n";
        return rep;
    }
    const size_t KP = size_t(t.G) * t.S * t.lanes;
    // the group results by the other C call path
    std::vector<ab_bitmod_group_result> ref(size_t(t.R) * t.C * t.G);
    const size_t K = size_t(t.G) * t.L;
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned c = 0; c < t.C; c++)
            for (unsigned g = 0; g < t.G; g++) {
                ab_bitmod_pe p = c_pe(t, literal);
                ab_error err{};
                const size_t gi = size_t(r) * t.G + g;
                if (ab_bitmod_pe_group(&p, &t.fmt[gi], &t.act[c * K + size_t(g) * t.L],
                                       &t.codes[r * K + size_t(g) * t.L], t.L, t.scale[gi], t.dq,
                                       &ref[(size_t(r) * t.C + c) * t.G + g], &err) != 0) {
                    rep.ok = false;
                    rep.msg = t.what + ": ab_bitmod_pe_group: " + err_msg(r, g, 0, err.msg) + "\n";
                    return rep;
                }
            }
    rep.group_value.assign(size_t(t.R) * t.C * t.G, 0.0);

    // buffers
    for (unsigned r = 0; r < t.R; r++) {
        for (unsigned g = 0; g < t.G; g++) {
            const unsigned cf = tt.cpw[size_t(r) * t.G + g];
            for (unsigned s = 0; s < t.S; s++)
                for (unsigned term = 0; term < t.cpw; term++) {
                    ab_bitmod_term l4[AB_BITMOD_LANES_MAX];
                    for (unsigned i = 0; i < t.lanes; i++)
                        l4[i] = term < cf ? tt.t[(r * KP + (size_t(g) * t.S + s) * t.lanes + i) *
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
                uint16_t a4[AB_BITMOD_LANES_MAX];
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
                ab_bitmod_term l4[AB_BITMOD_LANES_MAX];
                if (row_step)
                    for (unsigned i = 0; i < t.lanes; i++)
                        l4[i] = tt.t[(r * KP + (size_t(g) * t.S + s) * t.lanes + i) * AB_BITMOD_MAX_TERMS +
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
                        uint16_t a4[AB_BITMOD_LANES_MAX];
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
                    if (!want_out && same_state(rs, cs))
                        continue; // the common case, without building a report
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
                        rep.group_checks++;
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
                if (flip)
                    h << " [test hook this clock: fault_en=1 -> PE (" << fault.row << ","
                      << fault.col << ") fault_flip=1]";
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
    ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create_model(t.model, literal);
    std::vector<ab_bitmod_pe> cpes = c_pes(t, literal);
    Report rep = run_tile(m, cpes, t, literal, fault);
    ab_rtl_array_bitmod_destroy(m);
    if (!rep.ok) {
        ab_rtl_array_bitmod *w = ab_rtl_array_bitmod_create_model(t.model, literal);
        cpes = c_pes(t, literal);
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


uint64_t c_rule_cycles(const ab_accel &accel, const Tile &t)
{
    ab_accel a = accel; // the PE model of the tile's lanes
    a.lanes = a.tile_k = t.lanes;
    ab_pe_op po;
    std::memset(&po, 0, sizeof po);
    po.group = t.L;
    po.cycles_per_step = t.cpw;
    po.dequant_cycles = t.dq;
    ab_pe_work w{};
    w.k0 = 0;
    w.kt = uint64_t(t.G) * t.L;
    return ab_pe_cycles(&a, &po, &w) + po.dequant_cycles;
}

// ---- the tiles of a trace op -----------------------------------------------------

int op_tiling(const ab_vop &v, const ab_pe_op &po, unsigned model, OpTiling *tl, ab_error *err)
{
    return op_tiling(v, po, dims(model), tl, err);
}

int op_tiling(const ab_vop &v, const ab_pe_op &po, const ab_rtl_array_dims &d, OpTiling *tl,
              ab_error *err)
{
    if (v.a->lanes != d.lanes)
        return ab_error_set(err, "op '%s': the accelerator's PEs have %u lanes, the array's %u",
                            v.name, v.a->lanes, d.lanes);
    const size_t steps = (v.glen + d.lanes - 1) / d.lanes;
    if (!v.gscale_int || v.scale_bits == 0)
        return ab_error_set(err, "op '%s': the array dequantizes integer group scales; this op "
                                 "has none", v.name);
    if (steps > d.steps)
        return ab_error_set(err, "op '%s': a group of %zu weights takes %zu steps; the Verilated "
                                 "array buffers %u steps per column",
                            v.name, v.glen, steps, d.steps);
    if (po.cycles_per_step < 1 || po.cycles_per_step > AB_BITMOD_MAX_TERMS)
        return ab_error_set(err, "op '%s': %u term cycles per step; the controller runs 1..%d",
                            v.name, unsigned(po.cycles_per_step), AB_BITMOD_MAX_TERMS);
    for (unsigned i = 0; i < v.ncand; i++)
        if (ab_bitmod_cycles_per_weight(&v.cand[i]) > po.cycles_per_step)
            return ab_error_set(err, "op '%s': weight format '%s' takes %u term cycles, more "
                                     "than the op's %u", v.name, v.cand[i].name,
                                ab_bitmod_cycles_per_weight(&v.cand[i]),
                                unsigned(po.cycles_per_step));
    if (po.dequant_cycles < 1 || po.dequant_cycles > 16)
        return ab_error_set(err, "op '%s': %u scale bits; the array's dequantizer takes 1..16",
                            v.name, unsigned(po.dequant_cycles));
    for (size_t i = 0; i < v.N * v.G; i++)
        if ((v.gscale_int[i] >> po.dequant_cycles) != 0)
            return ab_error_set(err, "op '%s': the scale of row %zu group %zu (%u) needs more "
                                     "than the op's %u scale bits",
                                v.name, i / v.G, i % v.G, v.gscale_int[i],
                                unsigned(po.dequant_cycles));
    tl->groups_per_chunk = unsigned(std::min<size_t>({v.G, d.groups, d.steps / steps}));
    tl->k_chunks = (v.G + tl->groups_per_chunk - 1) / tl->groups_per_chunk;
    tl->row_blocks = (v.N + d.rows - 1) / d.rows;
    tl->col_blocks = (v.M + d.cols - 1) / d.cols;
    return 0;
}

OpTile op_tile(const ab_vop &v, const ab_pe_op &po, unsigned model, const OpTiling &tl,
               uint64_t i)
{
    OpTile ot = op_tile(v, po, dims(model), tl, i);
    ot.t.model = model;
    return ot;
}

OpTile op_tile(const ab_vop &v, const ab_pe_op &po, const ab_rtl_array_dims &d,
               const OpTiling &tl, uint64_t i)
{
    OpTile ot;
    const size_t kc = size_t(i % tl.k_chunks);
    const size_t cb = size_t(i / tl.k_chunks % tl.col_blocks);
    const size_t rb = size_t(i / tl.k_chunks / tl.col_blocks);
    ot.n0 = rb * d.rows;
    ot.m0 = cb * d.cols;
    ot.g0 = kc * tl.groups_per_chunk;
    Tile &t = ot.t;
    t.model = 0;
    t.lanes = d.lanes;
    t.R = d.rows;
    t.C = d.cols;
    t.G = unsigned(std::min<size_t>(tl.groups_per_chunk, v.G - ot.g0));
    t.L = unsigned(v.glen);
    t.S = (t.L + t.lanes - 1) / t.lanes;
    t.cpw = unsigned(po.cycles_per_step);
    t.dq = unsigned(po.dequant_cycles);
    const size_t K = size_t(t.G) * t.L, k0 = ot.g0 * v.glen;
    t.fmt.resize(size_t(t.R) * t.G);
    t.codes.assign(size_t(t.R) * K, 0);
    t.scale.assign(size_t(t.R) * t.G, 0);
    t.ssign.assign(size_t(t.R) * t.G, 0);
    for (unsigned r = 0; r < t.R; r++) {
        const size_t n = ot.n0 + r;
        const bool real = n < v.N;
        for (unsigned g = 0; g < t.G; g++) {
            const size_t vg = (real ? n : ot.n0) * v.G + ot.g0 + g;
            t.fmt[size_t(r) * t.G + g] = v.cand[v.type_ids[vg]];
            if (real)
                t.scale[size_t(r) * t.G + g] = v.gscale_int[vg];
        }
        if (real)
            std::copy(v.codes + n * v.K + k0, v.codes + n * v.K + k0 + K, t.codes.begin() + r * K);
    }
    t.act.assign(size_t(t.C) * K, 0);
    for (unsigned c = 0; c < t.C; c++) {
        const size_t m = ot.m0 + c;
        if (m < v.M)
            std::copy(v.act_h + m * v.K + k0, v.act_h + m * v.K + k0 + K, t.act.begin() + c * K);
    }
    std::ostringstream o;
    o << "tile " << i << " (rows n " << ot.n0 << ".." << ot.n0 + t.R - 1 << ", columns m "
      << ot.m0 << ".." << ot.m0 + t.C - 1 << ", groups " << ot.g0 << ".." << ot.g0 + t.G - 1
      << " of " << t.L << " weights, cpw " << t.cpw << ", " << t.dq << " scale bits)";
    t.what = o.str();
    return ot;
}

// ---- speed ---------------------------------------------------------------------------

double rtl_cycles_per_second(const Tile &t, double min_seconds)
{
    ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create_model(t.model, false);
    std::vector<ab_bitmod_pe> cpes = c_pes(t, false);
    if (!run_tile(m, cpes, t, false, Fault{}).ok) { // loads the buffers
        ab_rtl_array_bitmod_destroy(m);
        return 0;
    }
    const ab_rtl_array_tile desc{t.G, t.S, t.cpw, t.dq};
    uint64_t cycles = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double s = 0;
    do {
        for (int i = 0; i < 20; i++) {
            ab_rtl_array_bitmod_start(m, &desc);
            ab_rtl_array_status st{};
            do {
                ab_rtl_array_bitmod_clock(m, false, 0, 0);
                ab_rtl_array_bitmod_status(m, &st);
            } while (!st.done);
            cycles += st.cycles + 1; // + the start clock
        }
        s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (s < min_seconds);
    ab_rtl_array_bitmod_destroy(m);
    return double(cycles) / s;
}

} // namespace ab_cosim_array
