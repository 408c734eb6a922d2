// cosim_bitmod.cpp - the pe_bitmod lock-step driver and checker
// (cosim_bitmod.hpp).
#include "cosim_bitmod.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

extern "C" {
#include "pe/pe.h"
}

namespace ab_cosim_bitmod {

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
                std::memset(&f, 0, sizeof f); // cannot happen: all are registry names
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


// Groups of random weights of every supported format, scheduled as the
// hardware runs them: group_begin with the first step, the previous
// group's dequantization (random scale of 1..8 bits, random sign) behind
// the next group's steps, plus random bubbles and separate clear cycles.
std::vector<Cycle> terms_stimulus(uint64_t seed, size_t min_cycles, unsigned lanes)
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
        for (size_t base = 0; base < n; base += lanes) {
            uint16_t a[AB_BITMOD_LANES_MAX];
            ab_bitmod_term t[AB_BITMOD_LANES_MAX][AB_BITMOD_MAX_TERMS];
            for (unsigned i = 0; i < lanes; i++) {
                if (base + i < n) {
                    a[i] = random_act(rng, centre);
                    const uint32_t code = uint32_t(rng() & ((1u << f.bits) - 1u));
                    ab_error err{};
                    if (ab_bitmod_terms(&f, code, t[i], &err) < 0)
                        std::memset(t[i], 0, sizeof t[i]); // cannot happen: a supported format
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
                c.fmt = formats()[size_t(fi)].c_str();
                c.in.step = true;
                c.in.group_begin = clear_pending;
                for (unsigned i = 0; i < lanes; i++) {
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

// Random work units in the hardware schedule (cosim_bitmod.hpp).
namespace {

struct UnitOp {             // one random op: its units share all of this
    size_t fmt;             // index into formats()
    unsigned cpw, sb, groups, outputs;
    size_t glen;
    uint64_t model;         // C timing model cycles of one unit
};

bool random_op(std::mt19937_64 &rng, const ab_accel &a, UnitOp *op)
{
    op->fmt = size_t(rng() % formats().size());
    const ab_format &f = parsed_formats()[op->fmt];
    op->cpw = ab_bitmod_cycles_per_weight(&f);
    op->sb = 2 + unsigned(rng() % 7);
    op->groups = 1 + unsigned(rng() % 3);
    op->outputs = 1 + unsigned(rng() % 3);
    op->glen = rng() % 4 == 0 ? 128 : 1 + rng() % 160;
    ab_op o;
    std::memset(&o, 0, sizeof o);
    std::snprintf(o.name, sizeof o.name, "%s", "cosim_random");
    o.kind = AB_OP_GEMM;
    o.M = o.N = 1;
    o.K = op->glen * op->groups;
    o.count = 1;
    o.weight_share = 1;
    std::snprintf(o.weight_format, sizeof o.weight_format, "%s", formats()[op->fmt].c_str());
    std::snprintf(o.act_format, sizeof o.act_format, "fp16");
    std::snprintf(o.acc_format, sizeof o.acc_format, "fp32");
    std::snprintf(o.scale_format, sizeof o.scale_format, "int%u", op->sb);
    o.group_size = uint32_t(op->glen);
    ab_pe_op po;
    ab_error err{};
    if (ab_pe_prepare(&a, &o, &po, &err) != 0)
        return false;
    const ab_pe_work work = {false, 0, o.K, 0};
    op->model = ab_pe_cycles(&a, &po, &work) + po.dequant_cycles;
    return true;
}

bool emit_random_units(uint64_t seed, uint64_t min_cycles, unsigned lanes, const Emit &emit)
{
    std::mt19937_64 rng(seed);
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    a.lanes = a.tile_k = lanes;
    struct Open {           // a unit begun and not yet ended
        uint64_t unit, model, stalls;
    };
    std::vector<Open> open; // at most two: one computing, one dequantizing its last group
    std::vector<DqOp> dq;   // the pending dequantization
    size_t dq_next = 0;
    bool dq_ends_unit = false;
    unsigned dq_len = 0;
    uint64_t emitted = 0, units = 0;
    uint32_t group = 0;
    auto out = [&](Cycle &c) {
        emitted++;
        return emit(c);
    };
    auto issue = [&](Cycle &c) {
        if (dq_next >= dq.size())
            return;
        const DqOp op = dq[dq_next++];
        if (op.begin) {
            c.in.dequant_begin = true;
            c.in.scale_sign = op.v;
            c.in.scale_len = uint8_t(dq_len);
            c.in.unit_last = dq_ends_unit;
            c.in.dequant_step = true; // the MSB with the begin
            c.in.scale_bit = dq[dq_next++].v;
        } else {
            c.in.dequant_step = true;
            c.in.scale_bit = op.v;
        }
        if (dq_next == dq.size() && dq_ends_unit && !open.empty()) {
            c.unit_end = true;
            c.unit = open.front().unit;
            c.unit_model = open.front().model;
            c.unit_stalls = open.front().stalls;
            open.erase(open.begin());
        }
    };
    // a stall: nothing driven, every unit in flight one cycle longer
    auto stalls = [&]() {
        while (rng() % 100 < 2) {
            Cycle c;
            c.group = group;
            for (Open &u : open)
                u.stalls++;
            if (!out(c))
                return false;
        }
        return true;
    };
    while (emitted < min_cycles) {
        UnitOp op;
        if (!random_op(rng, a, &op))
            return false; // cannot happen: every format is one the PE runs
        const ab_format &f = parsed_formats()[op.fmt];
        for (unsigned u = 0; u < op.outputs; u++, units++)
            for (unsigned g = 0; g < op.groups; g++, group++) {
                const int centre = rng() % 8 == 0 ? 1 : 1 + int(rng() % 30);
                uint32_t step_no = 0;
                uint64_t used = 0;
                for (size_t base = 0; base < op.glen; base += lanes) {
                    uint16_t act[AB_BITMOD_LANES_MAX];
                    ab_bitmod_term t[AB_BITMOD_LANES_MAX][AB_BITMOD_MAX_TERMS];
                    for (unsigned i = 0; i < lanes; i++) {
                        if (base + i < op.glen) {
                            act[i] = random_act(rng, centre);
                            const uint32_t code = uint32_t(rng() & ((1u << f.bits) - 1u));
                            ab_error err{};
                            if (ab_bitmod_terms(&f, code, t[i], &err) < 0)
                                return false; // cannot happen: a supported format
                        } else { // padding as ab_bitmod_pe_group does it
                            act[i] = 0;
                            for (unsigned k = 0; k < op.cpw; k++)
                                t[i][k] = ab_bitmod_term{0, 0, 0, t[0][k].sig};
                        }
                    }
                    for (unsigned k = 0; k < op.cpw; k++) {
                        if (!stalls())
                            return false;
                        Cycle c;
                        c.group = group;
                        c.step = step_no++;
                        c.fmt = formats()[op.fmt].c_str();
                        c.tile = units;
                        c.in.step = true;
                        c.in.group_begin = step_no == 1;
                        if (g == 0 && step_no == 1) {
                            c.in.unit_begin = true;
                            open.push_back(Open{units, op.model, 0});
                        }
                        for (unsigned i = 0; i < lanes; i++) {
                            c.in.act[i] = act[i];
                            c.in.term[i] = t[i][k];
                        }
                        issue(c);
                        used++;
                        if (!out(c))
                            return false;
                    }
                }
                // the dequantizer paces the PE: a group takes max(compute, scale bits)
                for (; used < op.sb || dq_next < dq.size(); used++) {
                    if (!stalls())
                        return false;
                    Cycle c;
                    c.group = group;
                    c.tile = units;
                    issue(c);
                    if (!out(c))
                        return false;
                }
                // this group's dequantization, behind the next group
                dq.clear();
                dq_next = 0;
                dq_len = op.sb;
                dq_ends_unit = g + 1 == op.groups;
                const uint32_t scale = uint32_t(rng() & ((1u << op.sb) - 1u));
                dq.push_back(DqOp{true, uint8_t(rng() & 1u)});
                for (unsigned b = op.sb; b-- > 0;)
                    dq.push_back(DqOp{false, uint8_t((scale >> b) & 1u)});
            }
        // the op's last dequantization drains before the next op
        while (dq_next < dq.size()) {
            if (!stalls())
                return false;
            Cycle c;
            c.group = group - 1;
            c.tile = units - 1;
            issue(c);
            if (!out(c))
                return false;
        }
    }
    return true;
}

} // namespace

Source random_units(uint64_t seed, uint64_t min_cycles, unsigned lanes)
{
    return [seed, min_cycles, lanes](const Emit &emit) {
        emit_random_units(seed, min_cycles, lanes, emit);
    };
}

Source vector_source(const std::vector<Cycle> &stim)
{
    return [&stim](const Emit &emit) {
        for (const Cycle &c : stim) {
            Cycle copy = c;
            if (!emit(copy))
                return;
        }
    };
}

// Anything the ports can take: random 16-bit activations (every exponent),
// random sign/exp/man/sig per lane (sig 0..7; now and then the lanes'
// sig differ: the PE and the model take lane 0's), random controls.
std::vector<Cycle> raw_stimulus(uint64_t seed, size_t cycles, unsigned lanes)
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
        // now and then every lane's product has the same sign and exponent:
        // the largest sums, which reach the normalizer's top shifts
        const bool aligned = ((r >> 28) & 7u) == 0;
        for (unsigned i = 0; i < lanes; i++) {
            const uint64_t q = rng();
            c.in.act[i] = (q & 3u) == 0 && !aligned
                              ? uint16_t(q >> 16)
                              : uint16_t(((q >> 2) & 0x83ffu) |
                                         (((centre + (aligned ? 0u : (q >> 20) & 3u)) & 31u) << 10));
            c.in.term[i].sign = uint8_t((q >> 32) & 1u);
            c.in.term[i].exp = uint8_t((q >> 33) & 3u);
            c.in.term[i].man = uint8_t(((q >> 35) & 7u) != 0);
            c.in.term[i].sig = mixed ? uint8_t((q >> 38) & 7u) : common_sig;
            if (aligned) {
                c.in.term[i].sign = uint8_t(((c.in.act[i] >> 15) ^ (r >> 31)) & 1u);
                c.in.term[i].exp = 3;
                c.in.term[i].man = 1;
            }
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



std::string describe(const Cycle &c, unsigned lanes)
{
    std::ostringstream o;
    o << "group " << c.group;
    if (c.fmt)
        o << " (" << c.fmt << ")";
    o << ", step " << c.step << "; inputs: step_valid=" << c.in.step
      << " group_begin=" << c.in.group_begin << " dequant_begin=" << c.in.dequant_begin
      << " scale_sign=" << unsigned(c.in.scale_sign) << " dequant_step=" << c.in.dequant_step
      << " scale_bit=" << unsigned(c.in.scale_bit) << " unit_begin=" << c.in.unit_begin
      << " unit_last=" << c.in.unit_last << " scale_len=" << unsigned(c.in.scale_len)
      << " fault_flip=" << c.in.fault_flip
      << "\n    act  =";
    char buf[64];
    for (unsigned i = 0; i < lanes; i++) {
        std::snprintf(buf, sizeof buf, " 0x%04x", c.in.act[i]);
        o << buf;
    }
    o << "\n    terms (sign exp man sig) =";
    for (unsigned i = 0; i < lanes; i++) {
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

void cmp_lane(std::vector<Diff> &d, const char *name, unsigned i, long long rtl, long long c)
{
    if (rtl != c)
        d.push_back(Diff{std::string(name) + "[" + std::to_string(i) + "]", rtl, c});
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
    const unsigned lanes = c.lanes;
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
        cmp(d, "dbg_max_exp", rd.max_exp, ci.max_exp);
        for (unsigned i = 0; i < lanes; i++) {
            cmp_lane(d, "dbg_delta", i, rd.delta[i], ci.delta[i]);
            cmp_lane(d, "dbg_lane", i, rd.lane[i], ci.lane[i]);
        }
        cmp(d, "dbg_bs_out", rd.bs_out, ci.bs_out);
        cmp(d, "dbg_acc_sum", rd.acc_sum, ci.acc_sum);
        cmp(d, "dbg_norm_shift", rd.norm_shift, ci.norm_shift);
        bool conflict = false;
        for (unsigned i = 1; i < lanes; i++)
            conflict |= (in.term[i].sig & 7u) != (in.term[0].sig & 7u);
        cmp(d, "dbg_sig_conflict", rd.sig_conflict, conflict);
    }
    return d;
}

namespace {

ab_rtl_pe_bitmod *create(unsigned lanes, bool literal, Variant variant)
{
    return variant == Variant::LateCount ? ab_rtl_pe_bitmod_create_late_count(literal)
                                         : ab_rtl_pe_bitmod_create_lanes(lanes, literal);
}

} // namespace

// Replays the source's cycles 0 .. last from reset with a waveform open.
bool write_waveform(const Source &src, size_t last, bool literal, const std::string &path,
                    unsigned lanes, Variant variant)
{
    std::remove(path.c_str());
    ab_rtl_pe_bitmod *rtl = create(lanes, literal, variant);
    if (!rtl)
        return false;
    const bool opened = ab_rtl_pe_bitmod_trace_open(rtl, path.c_str()) == 0;
    if (opened) {
        size_t n = 0;
        src([&](Cycle &c) {
            ab_rtl_pe_bitmod_clock(rtl, &c.in, nullptr);
            return n++ < last;
        });
        const ab_rtl_pe_bitmod_in idle{};
        ab_rtl_pe_bitmod_clock(rtl, &idle, nullptr); // one idle cycle after
        ab_rtl_pe_bitmod_trace_close(rtl);
    }
    ab_rtl_pe_bitmod_destroy(rtl);
    return opened;
}

bool write_waveform(const std::vector<Cycle> &stim, size_t last, bool literal,
                    const std::string &path, unsigned lanes)
{
    return write_waveform(vector_source(stim), last, literal, path, lanes);
}

Report lockstep_stream(const Source &src, bool literal, const std::string &fst_path,
                       const Observer &observe, unsigned lanes, Variant variant)
{
    Report rep;
    ab_rtl_pe_bitmod *rtl = create(lanes, literal, variant);
    ab_bitmod_pe c;
    ab_error err{};
    if (!rtl || ab_bitmod_pe_init_lanes(&c, literal, lanes, &err) != 0) {
        ab_rtl_pe_bitmod_destroy(rtl);
        rep.ok = false;
        rep.text = "no Verilated pe_bitmod of " + std::to_string(lanes) + " lanes\n";
        return rep;
    }

    Cycle failing;
    size_t n = 0;
    const auto t0 = std::chrono::steady_clock::now();
    src([&](Cycle &cy) {
        const ab_rtl_pe_bitmod_in &in = cy.in;
        ab_rtl_pe_bitmod_dbg rd{};
        ab_bitmod_cycle_info ci{};
        ab_rtl_pe_bitmod_clock(rtl, &in, &rd);
        const ab_bitmod_pe before = c;
        c_cycle(c, in, &ci);
        if (observe)
            observe(before, c, in, ci);
        ab_rtl_pe_bitmod_state rs;
        ab_rtl_pe_bitmod_state_get(rtl, &rs);
        std::vector<Diff> d = compare(rs, c, in, rd, ci);
        // the PE's own count of the work unit against the C timing model's
        ab_rtl_pe_bitmod_unit u;
        ab_rtl_pe_bitmod_unit_get(rtl, &u);
        if (cy.unit_end) {
            const uint64_t want = cy.unit_model + cy.unit_stalls;
            rep.units++;
            rep.rtl_unit_cycles += u.cycles;
            rep.model_unit_cycles += want;
            cmp(d, "unit_done", u.done, 1);
            cmp(d, "unit_cycles", u.cycles, (long long)(want & 0xffffffffu));
        } else {
            cmp(d, "unit_done", u.done, 0);
        }
        rep.cycles_run = ++n;
        if (!d.empty()) {
            rep.ok = false;
            rep.cycle = n - 1;
            rep.diffs = std::move(d);
            failing = cy;
            return false;
        }
        return true;
    });
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ab_rtl_pe_bitmod_destroy(rtl);

    if (!rep.ok) {
        std::ostringstream o;
        o << "cosim mismatch (literal_align=" << literal << ") at cycle " << rep.cycle
          << " (FST time " << 2 * (rep.cycle + 1) << "-" << 2 * (rep.cycle + 1) + 1
          << ": the reset cycle comes first), " << describe(failing, lanes) << "\n";
        for (const Diff &d : rep.diffs)
            o << "    " << d.name << ": RTL " << d.rtl << ", C " << d.c << "\n";
        for (const Diff &d : rep.diffs)
            if (d.name == "unit_cycles" || (d.name == "unit_done" && failing.unit_end))
                o << "    work unit " << failing.unit << ": the RTL's unit_cycles counted "
                  << d.rtl << " cycles; sim/pe/pe_bitmod.c's cycles() + dequant_cycles say "
                  << failing.unit_model << " (+ " << failing.unit_stalls
                  << " stall cycles the stimulus inserted)\n";
        if (write_waveform(src, rep.cycle, literal, fst_path, lanes, variant)) {
            rep.fst = fst_path;
            o << "    waveform: " << fst_path << "\n";
        } else {
            o << "    (could not write the waveform " << fst_path << ")\n";
        }
        rep.text = o.str();
    }
    return rep;
}

Report lockstep(const std::vector<Cycle> &stim, bool literal, const std::string &fst_path,
                const Observer &observe, unsigned lanes)
{
    return lockstep_stream(vector_source(stim), literal, fst_path, observe, lanes);
}

double rtl_cycles_per_second(const Source &src, uint64_t max_cycles, unsigned lanes)
{
    // the stimulus' first cycles, made before the clock starts: the figure
    // is the RTL's, not the generator's
    std::vector<Cycle> head;
    src([&](Cycle &c) {
        head.push_back(c);
        return head.size() < max_cycles;
    });
    return rtl_cycles_per_second(head, 3, lanes);
}

// RTL alone over the stimulus (through the seam, no trace open, debug
// outputs not read): Verilator cycles per second, best of `reps` passes.
double rtl_cycles_per_second(const std::vector<Cycle> &stim, int reps, unsigned lanes)
{
    ab_rtl_pe_bitmod *rtl = ab_rtl_pe_bitmod_create_lanes(lanes, false);
    if (!rtl)
        return 0;
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

} // namespace ab_cosim_bitmod
