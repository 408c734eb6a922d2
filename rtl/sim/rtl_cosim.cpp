// rtl_cosim.cpp - `anybit cosim`'s engine (rtl_cosim.h): stimulus from a
// trace op's values or from a seed, through the shared lock-step checkers
// of rtl/sim/cosim_bitmod.hpp, rtl/sim/cosim_btc.hpp and
// rtl/sim/cosim_array.hpp.
#include "rtl_cosim.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cosim_array.hpp"
#include "cosim_bitmod.hpp"
#include "cosim_btc.hpp"

extern "C" {
#include "accel/accel.h"
#include "pe/pe.h"
#include "values/pe_values.h"
#include "values/values_op.h"
}

namespace {

void set_report(ab_cosim_result *r, const std::string &text)
{
    r->report = static_cast<char *>(std::malloc(text.size() + 1));
    if (r->report)
        std::memcpy(r->report, text.c_str(), text.size() + 1);
}

void op_unit(const ab_trace_op &o, size_t i, ab_cosim_result *r)
{
    std::snprintf(r->unit, sizeof r->unit, "op %zu '%s' (M x N x K = %llu x %llu x %llu)", i,
                  o.op.name, (unsigned long long)o.op.M, (unsigned long long)o.op.N,
                  (unsigned long long)o.op.K);
}

// The trace op --op names, described in r; NULL with err set when the index
// is out of range or the op carries no values.
const ab_trace_op *trace_op(const ab_cosim_opts *o, ab_cosim_result *r, ab_error *err)
{
    const ab_trace *t = o->trace;
    if (o->op >= t->nops) {
        ab_error_set(err, "--op %zu: out of range (the trace has %zu ops)", o->op, t->nops);
        return nullptr;
    }
    const ab_trace_op &to = t->ops[o->op];
    op_unit(to, o->op, r);
    if (!ab_values_present(t, o->op)) {
        ab_error_set(err, "op %zu '%s' carries no values (weights and activations)", o->op,
                     to.op.name);
        return nullptr;
    }
    return &to;
}

// ---- pe_bitmod ------------------------------------------------------------------

// Group results the stimulus expects, to check at the cycle the group's
// last scale bit is dequantized.
struct GroupCheck {
    uint64_t cycle;  // stimulus index of the last dequantization cycle
    size_t output;   // m * N + n
    size_t group;
    bool last;       // the output's last group
    ab_bitmod_group_result want; // kernels/bitmod_pe.h's ab_bitmod_pe_group
};

// The hardware schedule over the first `tiles` outputs of op v: per
// output, per group, ceil(glen/4) x cycles-per-weight steps (group_begin on
// the first), the previous group's dequantization (begin + MSB in the
// group's first cycle, one bit per cycle) behind it, idle cycles when the
// group is shorter than its scale; the last dequantization drains.
// Each output is a work unit: unit_begin on its first step, scale_len = sb
// and unit_last on its last group's dequant_begin, and the cycle of that
// dequantization's last bit marked with unit_model (the C timing model's
// cycles for one output) for the checker.  The cycles go to emit as they
// are made (a layer's outputs are millions of cycles: none is kept); emit
// returning false ends the stimulus; the group checks go to *checks unless
// it is null; *emitted counts the cycles emitted.
int bitmod_trace_stim(const ab_vop &v, uint64_t tiles, unsigned sb, unsigned lanes,
                      uint64_t unit_model, const ab_cosim_bitmod::Emit &emit,
                      std::deque<GroupCheck> *checks, uint64_t *emitted, ab_error *err)
{
    using ab_cosim_bitmod::Cycle;
    uint64_t n_out = 0;
    uint32_t last_group = 0;
    uint64_t last_tile = 0;
    bool stopped = false;
    const auto push = [&](Cycle &c) {
        last_group = c.group;
        last_tile = c.tile;
        n_out++;
        stopped = !emit(c);
    };
    const size_t G = v.G, glen = v.glen, K = v.K;
    std::vector<ab_bitmod_term> terms(K * AB_BITMOD_MAX_TERMS);
    struct Dq {
        bool begin;
        uint8_t v;
    };
    std::vector<Dq> dq;
    size_t dq_next = 0;
    GroupCheck pending{};
    bool have_pending = false;
    auto issue = [&](Cycle &c) {
        if (dq_next >= dq.size())
            return;
        const Dq op = dq[dq_next++];
        if (op.begin) {
            c.in.dequant_begin = true;
            c.in.scale_sign = op.v;
            c.in.scale_len = uint8_t(sb);
            c.in.unit_last = have_pending && pending.last;
            if (dq_next < dq.size()) {
                c.in.dequant_step = true;
                c.in.scale_bit = dq[dq_next++].v;
            }
        } else {
            c.in.dequant_step = true;
            c.in.scale_bit = op.v;
        }
        if (dq_next == dq.size() && have_pending) {
            if (pending.last) {
                c.unit_end = true;
                c.unit = pending.output;
                c.unit_model = unit_model;
            }
            pending.cycle = n_out;
            if (checks)
                checks->push_back(pending);
            have_pending = false;
        }
    };
    ab_bitmod_pe model;
    if (ab_bitmod_pe_init_lanes(&model, v.a->bitmod_rtl_literal_align, lanes, err) != 0)
        return -1;
    const uint64_t outputs = uint64_t(v.M) * v.N;
    size_t last_n = SIZE_MAX;
    for (uint64_t o = 0; o < tiles && o < outputs; o++) {
        const size_t m = size_t(o / v.N), n = size_t(o % v.N);
        if (n != last_n) {
            for (size_t k = 0; k < K; k++) {
                const ab_format *f = &v.cand[v.type_ids[n * G + k / glen]];
                if (ab_bitmod_terms(f, v.codes[n * K + k], &terms[k * AB_BITMOD_MAX_TERMS], err) < 0)
                    return -1;
            }
            last_n = n;
        }
        const uint16_t *act = v.act_h + m * K;
        for (size_t g = 0; g < G; g++) {
            const ab_format *f = &v.cand[v.type_ids[n * G + g]];
            const unsigned cpw = ab_bitmod_cycles_per_weight(f);
            uint32_t step_no = 0;
            uint64_t used = 0;
            for (size_t j = g * glen; j < (g + 1) * glen; j += lanes)
                for (unsigned c = 0; c < cpw; c++) {
                    Cycle cy;
                    cy.group = uint32_t(g);
                    cy.step = step_no++;
                    cy.fmt = f->name;
                    cy.tile = o;
                    cy.in.step = true;
                    cy.in.group_begin = j == g * glen && c == 0;
                    cy.in.unit_begin = g == 0 && cy.in.group_begin;
                    for (unsigned l = 0; l < lanes; l++) {
                        const size_t k = j + l;
                        if (k < (g + 1) * glen) {
                            cy.in.act[l] = act[k];
                            cy.in.term[l] = terms[k * AB_BITMOD_MAX_TERMS + c];
                        } else {
                            cy.in.act[l] = 0;
                            cy.in.term[l] =
                                ab_bitmod_term{0, 0, 0, terms[j * AB_BITMOD_MAX_TERMS + c].sig};
                        }
                    }
                    issue(cy);
                    push(cy);
                    if (stopped)
                        return 0;
                    used++;
                }
            // the dequantizer paces the PE: a group takes max(compute, scale bits)
            for (; used < sb || dq_next < dq.size(); used++) {
                Cycle cy;
                cy.group = uint32_t(g);
                cy.tile = o;
                issue(cy);
                push(cy);
                if (stopped)
                    return 0;
            }
            // this group's dequantization, behind the next group
            const uint32_t s = v.gscale_int[n * G + g];
            dq.clear();
            dq_next = 0;
            dq.push_back(Dq{true, 0});
            for (unsigned b = sb; b-- > 0;)
                dq.push_back(Dq{false, uint8_t((s >> b) & 1u)});
            pending = GroupCheck{};
            pending.output = size_t(o);
            pending.group = g;
            pending.last = g + 1 == G;
            if (ab_bitmod_pe_group(&model, f, act + g * glen, v.codes + n * K + g * glen, glen, s,
                                   sb, &pending.want, err) != 0)
                return -1;
            have_pending = true;
        }
    }
    while (dq_next < dq.size() && !stopped) { // drain
        Cycle cy;
        cy.group = last_group;
        cy.tile = last_tile;
        issue(cy);
        push(cy);
    }
    if (emitted)
        *emitted = n_out;
    return 0;
}

int run_bitmod(const ab_cosim_opts *o, ab_cosim_result *r, ab_error *err)
{
    using namespace ab_cosim_bitmod;
    std::deque<GroupCheck> checks; // trace mode: due as the stimulus reaches them
    Source src;                  // both modes: streamed
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    const unsigned lanes = o->lanes ? o->lanes : AB_BITMOD_LANES;
    a.lanes = a.tile_k = lanes; // the C timing model's PE is the RTL's
    bool literal = a.bitmod_rtl_literal_align;
    ab_vop v{};
    bool have_v = false;
    uint64_t run_cycles = 0;     // trace mode: the stimulus' length
    if (o->trace) {
        const ab_trace *t = o->trace;
        const ab_trace_op *top = trace_op(o, r, err);
        if (!top)
            return -1;
        const ab_trace_op &to = *top;
        ab_error e{};
        if (ab_vop_load(&a, t, o->op, &v, &e) != 0)
            return ab_error_set(err, "--rtl pe_bitmod cannot run op %zu: %s", o->op, e.msg);
        have_v = true;
        if (!v.gscale_int || v.scale_bits == 0) {
            ab_vop_free(&v);
            return ab_error_set(err, "--rtl pe_bitmod cannot run op %zu '%s': scale_format '%s' "
                                     "is not an integer group scale",
                                o->op, to.op.name, to.op.scale_format);
        }
        // the C timing model for the same outputs
        ab_pe_op po;
        ab_error pe_err{};
        if (ab_pe_prepare(&a, &to.op, &po, &pe_err) != 0) {
            ab_vop_free(&v);
            return ab_error_set(err, "op %zu: %s", o->op, pe_err.msg);
        }
        // the scale's bits as the timing model counts them (the scale
        // format's width; sim/values/values_bitmod.c steps the accelerator's
        // scale_bits, the same value with leading zeros)
        unsigned sb = unsigned(po.dequant_cycles);
        for (size_t s = 0; s < v.N * v.G; s++)
            if (sb < 32 && (v.gscale_int[s] >> sb) != 0)
                sb = v.scale_bits;
        // one output (its K) is a work unit: cycles() + the last group's
        // dequantization
        const ab_pe_work work = {false, 0, to.op.K, 0};
        const uint64_t unit_model = ab_pe_cycles(&a, &po, &work) + po.dequant_cycles;
        // a first pass counts the cycles and meets any bad weight code before
        // the run; the run's pass hands the group checks over as it goes
        if (bitmod_trace_stim(v, o->tiles, sb, lanes, unit_model, [](Cycle &) { return true; },
                              nullptr, &run_cycles, err) != 0) {
            ab_vop_free(&v);
            return -1;
        }
        const uint64_t outs = std::min<uint64_t>(o->tiles, uint64_t(v.M) * v.N);
        r->model_cycles = outs * unit_model;
        r->vectors = outs * v.G;
        auto collect = std::make_shared<bool>(true); // replays (waveform, speed) check nothing
        const uint64_t tiles = o->tiles;
        src = [&v, &checks, collect, tiles, sb, lanes, unit_model](const Emit &emit) {
            ab_error e{};
            std::deque<GroupCheck> *sink = *collect ? &checks : nullptr;
            *collect = false;
            bitmod_trace_stim(v, tiles, sb, lanes, unit_model, emit, sink, nullptr, &e);
        };
    } else {
        std::snprintf(r->unit, sizeof r->unit, "random work units, seed %llu",
                      (unsigned long long)o->seed);
        src = random_units(o->seed, o->random_cycles, lanes);
        run_cycles = o->random_cycles; // the stream runs at least this long
    }
    if (o->fault_cycle >= 0) {
        if (uint64_t(o->fault_cycle) >= run_cycles) {
            if (have_v)
                ab_vop_free(&v);
            return ab_error_set(err, "--inject-fault %lld: past the run's %llu cycles",
                                (long long)o->fault_cycle, (unsigned long long)run_cycles);
        }
        const Source inner = src;
        const uint64_t at = uint64_t(o->fault_cycle);
        src = [inner, at](const Emit &emit) {
            uint64_t n = 0;
            inner([&](Cycle &c) {
                c.in.fault_flip = n++ == at;
                return emit(c);
            });
        };
    }
    // group results: the dequantized value against ab_bitmod_pe_group
    // (the C model's state is the RTL's: every field is compared that cycle)
    std::string out_err;
    uint64_t n = 0;
    uint32_t last_group = 0;
    Cycle failing;
    const Source counted = [&](const Emit &emit) { // the stream's groups, the failing cycle
        src([&](Cycle &c) {
            last_group = c.group;
            failing = c;
            return emit(c);
        });
    };
    const Observer obs = [&](const ab_bitmod_pe &, const ab_bitmod_pe &after,
                             const ab_rtl_pe_bitmod_in &, const ab_bitmod_cycle_info &) {
        const uint64_t cyc = n++;
        while (!checks.empty() && checks.front().cycle == cyc) {
            const GroupCheck gc = checks.front();
            checks.pop_front();
            const bool same = after.dq_exp == gc.want.dq_exp && after.dq_man == gc.want.dq_man &&
                              after.dq_sign == gc.want.dq_sign;
            if (!same && out_err.empty()) {
                std::ostringstream e;
                e << "output " << gc.output << ", group " << gc.group
                  << ": dequantized (exp man sign) RTL (" << unsigned(after.dq_exp) << " "
                  << after.dq_man << " " << unsigned(after.dq_sign)
                  << "), ab_bitmod_pe_group (" << unsigned(gc.want.dq_exp) << " "
                  << gc.want.dq_man << " " << unsigned(gc.want.dq_sign) << ")";
                out_err = e.str();
            }
            if (gc.last)
                r->outputs++;
        }
    };
    Report rep = lockstep_stream(counted, literal, o->wave ? o->wave : "", obs, lanes);
    // the cycles the RTL counted, unit by unit (unit_cycles), and the C side's
    r->cycles = rep.rtl_unit_cycles;
    r->driven_cycles = rep.cycles_run;
    if (!o->trace) {
        r->model_cycles = rep.model_unit_cycles;
        r->vectors = rep.cycles_run ? uint64_t(last_group) + 1 : 0;
    }
    r->seconds = rep.seconds;
    r->agree = rep.ok && out_err.empty();
    if (!rep.ok) {
        std::ostringstream t;
        t << r->unit;
        if (o->trace)
            t << ", tile " << failing.tile << " (output m " << failing.tile / v.N << ", n "
              << failing.tile % v.N << ")";
        t << ": " << rep.text;
        set_report(r, t.str());
        r->wave_written = !rep.fst.empty();
    } else if (!out_err.empty()) {
        set_report(r, std::string("cosim mismatch: ") + r->unit + ": " + out_err + "\n");
    } else if (r->cycles != r->model_cycles) {
        // every marked unit agreed, so a unit went unmarked or unchecked
        r->agree = false;
        std::ostringstream t;
        t << "cosim mismatch: " << r->unit << ": the RTL counted " << r->cycles
          << " cycles over " << rep.units << " work units (unit_cycles), sim/pe/pe_bitmod.c's "
          << "cycles() + dequant_cycles say " << r->model_cycles << "\n";
        set_report(r, t.str());
    }
    if (rep.ok) // the Verilated model alone on the first 2^16 cycles (8 MB of them)
        r->rtl_cycles_per_s = rtl_cycles_per_second(src, uint64_t(1) << 16, lanes);
    if (have_v)
        ab_vop_free(&v);
    return 0;
}

// ---- pe_btc -----------------------------------------------------------------------

int run_btc(const ab_cosim_opts *o, ab_cosim_result *r, ab_error *err)
{
    using namespace ab_cosim_btc;
    const Dims &d = dims();
    const ab_accel a = accel_for(d);
    std::vector<Problem> probs;
    uint64_t max_tiles = UINT64_MAX;
    if (o->trace) {
        const ab_trace *t = o->trace;
        const ab_trace_op *top = trace_op(o, r, err);
        if (!top)
            return -1;
        const ab_trace_op &to = *top;
        ab_vop v;
        ab_error e{};
        if (ab_vop_load(&a, t, o->op, &v, &e) != 0)
            return ab_error_set(err, "--rtl pe_btc cannot run op %zu: %s", o->op, e.msg);
        if ((v.w_kind == AB_BP_PM1) != (v.a_kind == AB_BP_PM1)) {
            ab_vop_free(&v);
            return ab_error_set(err, "--rtl pe_btc cannot run op %zu '%s': weight_format '%s' "
                                     "with act_format '%s' needs the all-ones plane of "
                                     "sim/values/values_btc.c, which pe_btc has no port for",
                                o->op, to.op.name, to.op.weight_format, to.op.act_format);
        }
        Problem pr;
        pr.p = v.w_kind == AB_BP_PM1 ? 1 : v.w_bits;
        pr.q = v.a_kind == AB_BP_PM1 ? 1 : v.a_bits;
        pr.wk = v.w_kind;
        pr.xk = v.a_kind;
        pr.M = v.M;
        pr.N = v.N;
        pr.K = v.K;
        pr.group = v.G > 1 ? uint32_t(v.glen) : 0;
        pr.X.resize(v.M * v.K);
        pr.W.resize(v.N * v.K);
        for (size_t i = 0; i < pr.X.size(); i++)
            pr.X[i] = uint8_t(v.act_codes[i]);
        for (size_t i = 0; i < pr.W.size(); i++)
            pr.W[i] = uint8_t(v.codes[i]);
        ab_vop_free(&v);
        std::string fe;
        if (!finish(pr, a, &fe))
            return ab_error_set(err, "--rtl pe_btc cannot run op %zu: %s", o->op, fe.c_str());
        probs.push_back(std::move(pr));
        max_tiles = o->tiles;
    }
    TimingError terr;
    Source src;
    uint64_t run_cycles = 0;
    if (o->trace) {
        // the C timing model: cycles() per output tile, over the tiles run
        uint64_t tiles = 0;
        for (const Problem &pr : probs) {
            const ab_pe_work work = {false, 0, pr.K, 0};
            const uint64_t nt = ((pr.M + d.m - 1) / d.m) * ((pr.N + d.n - 1) / d.n);
            const uint64_t run = std::min<uint64_t>(nt, max_tiles - tiles);
            r->model_cycles += run * ab_pe_cycles(&a, &pr.po, &work);
            tiles += run;
        }
        r->vectors = tiles;
        run_cycles = r->model_cycles;
        src = problem_source(probs, a, &terr, max_tiles);
    } else {
        std::snprintf(r->unit, sizeof r->unit, "random problems, seed %llu",
                      (unsigned long long)o->seed);
        src = random_problem_source(o->seed, o->random_cycles, a, &terr);
        run_cycles = o->random_cycles; // the stream runs at least this long
    }
    Fault f;
    if (o->fault_cycle >= 0) {
        if (uint64_t(o->fault_cycle) >= run_cycles)
            return ab_error_set(err, "--inject-fault %lld: past the run's %llu cycles",
                                (long long)o->fault_cycle, (unsigned long long)run_cycles);
        f.on = true;
        f.cycle = uint64_t(o->fault_cycle);
        f.acc = 0;
        f.bit = 0;
    }
    size_t last_problem = 0;
    const Source counted = [&](const std::function<bool(Cycle &)> &emit) {
        src([&](Cycle &c) {
            last_problem = c.where.problem;
            return emit(c);
        });
    };
    const Report rep = lockstep(probs, counted, f, o->wave ? o->wave : "");
    // the cycles the RTL counted, tile by tile (unit_cycles)
    r->cycles = rep.rtl_unit_cycles;
    r->driven_cycles = rep.cycles;
    if (!o->trace) {
        r->model_cycles = rep.model_unit_cycles;
        r->vectors = rep.cycles ? uint64_t(last_problem) + 1 : 0;
    }
    r->seconds = rep.seconds;
    r->outputs = rep.gemm_checks;
    r->agree = rep.ok && !terr.set && r->cycles == r->model_cycles;
    if (!rep.ok) {
        set_report(r, std::string(r->unit) + ": " + rep.msg);
        r->wave_written = !rep.fst.empty();
    } else if (terr.set) {
        set_report(r, std::string("cosim mismatch: ") + r->unit + ": timing at cycle " +
                          std::to_string(terr.cycle) + ": " + terr.msg + "\n");
    } else if (r->cycles != r->model_cycles) {
        // every marked unit agreed, so a unit went unmarked or unchecked
        set_report(r, std::string("cosim mismatch: ") + r->unit + ": the RTL counted " +
                          std::to_string(r->cycles) + " cycles over " +
                          std::to_string(rep.units) + " output tiles (unit_cycles), " +
                          "sim/pe/pe_btc.c's cycles() says " + std::to_string(r->model_cycles) +
                          "\n");
    }
    if (rep.ok) { // the Verilated model alone, the first million cycles at most
        Rtl rtl = make_rtl();
        uint64_t n = 0;
        const auto t0 = std::chrono::steady_clock::now();
        src([&](Cycle &c) {
            ab_rtl_pe_btc_clock(rtl.get(), &c.in, nullptr);
            return ++n < (uint64_t(1) << 20);
        });
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r->rtl_cycles_per_s = s > 0 ? double(n) / s : 0;
    }
    return 0;
}


// ---- array ------------------------------------------------------------------------

int run_array(const ab_cosim_opts *o, ab_cosim_result *r, ab_error *err)
{
    using namespace ab_cosim_array;
    const ab_rtl_array_dims &d = dims();
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    a.rows = d.rows;
    a.cols = d.cols;
    a.lanes = a.tile_k = d.lanes;
    const bool literal = a.bitmod_rtl_literal_align;
    // tiles are built one at a time as they run: a whole layer's tiles hold
    // its weights several times over, and --random N runs up to 2^32 cycles
    // of tiles drawn in order from one generator (only a trace op's cycle
    // counts are listed up front: at most one per tile of the op)
    std::vector<uint64_t> want_cycles;
    ab_vop v{};
    bool have_v = false;
    ab_pe_op po;
    OpTiling tl;
    std::vector<float> datapath; // [M][rows_hi - rows_lo]: the checked tiles' rows
    size_t rows_lo = 0, rows_hi = 0;
    if (o->trace) {
        const ab_trace_op *top = trace_op(o, r, err);
        if (!top)
            return -1;
        ab_error e{};
        if (ab_vop_load(&a, o->trace, o->op, &v, &e) != 0)
            return ab_error_set(err, "--rtl array cannot run op %zu: %s", o->op, e.msg);
        have_v = true;
        int rc = 0;
        if (ab_pe_prepare(&a, &top->op, &po, &e) != 0)
            rc = ab_error_set(err, "op %zu: %s", o->op, e.msg);
        else if (op_tiling(v, po, 0, &tl, &e) != 0)
            rc = ab_error_set(err, "--rtl array cannot run op %zu: %s", o->op, e.msg);
        if (rc != 0) {
            ab_vop_free(&v);
            return rc;
        }
        const uint64_t n = std::min<uint64_t>(o->tiles, tl.tiles());
        for (uint64_t i = 0; i < n; i++) {
            // the PE model's cycles for the work unit (as the engine times
            // it, tile i's groups of its K chunk) plus the last group's
            // dequantization
            const uint64_t g0 = i % tl.k_chunks * tl.groups_per_chunk;
            const uint64_t groups = std::min<uint64_t>(tl.groups_per_chunk, v.G - g0);
            const ab_pe_work w = {false, g0 * v.glen, groups * v.glen, 0};
            want_cycles.push_back(ab_pe_cycles(&a, &po, &w) + po.dequant_cycles);
        }
        // the datapath's outputs for the rows the checked tiles cover, and
        // only those (a few tiles of a big layer cost a few rows)
        rows_lo = n == tl.tiles() ? 0 : v.N, rows_hi = n == tl.tiles() ? v.N : 0;
        for (uint64_t i = 0; i < n && n != tl.tiles(); i++) {
            const OpTile ot = op_tile(v, po, 0, tl, i);
            rows_lo = std::min<size_t>(rows_lo, ot.n0);
            rows_hi = std::max<size_t>(rows_hi, std::min<size_t>(v.N, ot.n0 + ot.t.R));
        }
        if (rows_hi < rows_lo)
            rows_lo = rows_hi = 0;
        const ab_vop rows = ab_vop_rows(&v, rows_lo, rows_hi);
        datapath.resize(v.M * rows.N + 1);
        if (ab_values_bitmod_datapath(&rows, datapath.data(), &e) != 0) {
            ab_vop_free(&v);
            return ab_error_set(err, "op %zu: %s", o->op, e.msg);
        }
    } else {
        std::snprintf(r->unit, sizeof r->unit, "random tiles, seed %llu",
                      (unsigned long long)o->seed);
    }
    std::mt19937_64 rng(o->seed);
    uint64_t drawn = 0;
    // a trace's working cycles are known up front; a random run's are at
    // least --random N (it ends with the tile that reaches N)
    uint64_t total = 0;
    for (uint64_t c : want_cycles)
        total += c;
    const uint64_t planned = have_v ? total : o->random_cycles;
    // --inject-fault: a working cycle of the whole run, into one PE
    Fault fault;
    uint64_t fault_at = 0;
    if (o->fault_cycle >= 0) {
        if (uint64_t(o->fault_cycle) >= planned) {
            if (have_v)
                ab_vop_free(&v);
            return ab_error_set(err, "--inject-fault %lld: past the run's %llu working cycles",
                                (long long)o->fault_cycle, (unsigned long long)planned);
        }
        fault_at = uint64_t(o->fault_cycle);
        fault.on = true;
        fault.row = d.rows > 1 ? 1 : 0;
        fault.col = d.cols > 2 ? 2 : 0;
    }

    const auto tile_at = [&](size_t i) {
        if (have_v)
            return op_tile(v, po, 0, tl, i);
        OpTile ot;
        ot.t = random_tile(rng, 0, drawn++);
        return ot;
    };
    const OpTile first = tile_at(0);
    ab_rtl_array_bitmod *m = ab_rtl_array_bitmod_create(literal);
    std::vector<ab_bitmod_pe> cpes = c_pes(first.t, literal);
    std::vector<float> acc(have_v ? v.M * v.N : 0, 0.0f);
    std::vector<size_t> groups_done(acc.size(), 0);
    std::string failure;
    const auto t0 = std::chrono::steady_clock::now();
    r->agree = true;
    uint64_t model_done = 0; // the C rule's working cycles of the tiles begun
    for (size_t i = 0; r->agree && (have_v ? i < want_cycles.size() : model_done < planned); i++) {
        const OpTile ot = i == 0 ? first : tile_at(i);
        const Tile &t = ot.t;
        const uint64_t want = have_v ? want_cycles[i] : c_rule_cycles(a, t);
        Fault f{};
        if (fault.on && fault_at >= model_done && fault_at - model_done < want) {
            f = fault;
            f.cycle = fault_at - model_done;
        }
        model_done += want;
        Report rep = run_tile(m, cpes, t, literal, f);
        r->vectors++;
        if (!rep.ok) {
            // replayed from reset on a fresh model, with the waveform open
            rep = check_tile(t, literal, f, o->wave ? o->wave : "");
            r->wave_written = !rep.fst.empty();
            failure = std::string(r->unit) + ", " + rep.msg;
            r->agree = false;
            break;
        }
        r->cycles += rep.cycles;
        r->group_checks += rep.group_checks;
        if (rep.cycles != want) {
            failure = std::string("cosim mismatch: ") + r->unit + ", " + t.what + ": the RTL ran " +
                      std::to_string(rep.cycles) + " working cycles, sim/pe/pe_bitmod.c's cycles() + "
                      "dequant_cycles say " + std::to_string(want) + "\n";
            r->agree = false;
            break;
        }
        if (!have_v) {
            r->outputs += rep.group_checks;
            continue;
        }
        // the op's outputs: group results summed in FP32 in group order, times
        // the row scale (sim/values/values_bitmod.c), bit-exact with its datapath
        const size_t n0 = ot.n0, m0 = ot.m0;
        for (unsigned row = 0; row < t.R && n0 + row < v.N && r->agree; row++)
            for (unsigned c = 0; c < t.C && m0 + c < v.M; c++) {
                const size_t out = (m0 + c) * v.N + n0 + row;
                for (unsigned g = 0; g < t.G; g++)
                    acc[out] = acc[out] + float(rep.group_value[(size_t(row) * t.C + c) * t.G + g]);
                groups_done[out] += t.G;
                if (groups_done[out] != v.G)
                    continue;
                const float y = acc[out] * v.row_scale[n0 + row];
                const float want =
                    datapath[(m0 + c) * (rows_hi - rows_lo) + (n0 + row - rows_lo)];
                uint32_t yb, eb;
                std::memcpy(&yb, &y, 4);
                std::memcpy(&eb, &want, 4);
                r->outputs++;
                if (yb != eb) {
                    std::ostringstream e;
                    e << "cosim mismatch: " << r->unit << ", " << t.what << ": output (m "
                      << m0 + c << ", n " << n0 + row << "): RTL " << y << " (0x" << std::hex << yb
                      << "), sim/values/values_bitmod.c datapath " << want << " (0x" << eb
                      << ")\n";
                    failure = e.str();
                    r->agree = false;
                    break;
                }
            }
    }
    r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r->driven_cycles = r->cycles; // the tiles' working cycles (the start cycles aside)
    r->model_cycles = have_v ? total : model_done;
    ab_rtl_array_bitmod_destroy(m);
    if (!r->agree)
        set_report(r, failure);
    else // the Verilated array alone, on the first tile
        r->rtl_cycles_per_s = rtl_cycles_per_second(first.t, 0.1);
    if (have_v)
        ab_vop_free(&v);
    return 0;
}

} // namespace

extern "C" int ab_cosim_run(const ab_cosim_opts *o, ab_cosim_result *r, ab_error *err)
{
    std::memset(r, 0, sizeof *r);
    if (o->trace && o->tiles == 0)
        return ab_error_set(err, "--tiles must be at least 1");
    if (o->lanes != 0 && o->pe != AB_COSIM_PE_BITMOD)
        return ab_error_set(err, "--lanes goes with --rtl pe_bitmod");
    if (o->lanes != 0) {
        ab_rtl_pe_bitmod *probe = ab_rtl_pe_bitmod_create_lanes(o->lanes, false);
        if (!probe)
            return ab_error_set(err, "--lanes %u: pe_bitmod is Verilated with 1, 2, 4, 8 or 16 "
                                     "lanes", o->lanes);
        ab_rtl_pe_bitmod_destroy(probe);
    }
    switch (o->pe) {
    case AB_COSIM_PE_BITMOD: return run_bitmod(o, r, err);
    case AB_COSIM_PE_BTC: return run_btc(o, r, err);
    case AB_COSIM_PE_ARRAY: return run_array(o, r, err);
    }
    return ab_error_set(err, "unknown RTL PE %d", int(o->pe));
}

extern "C" void ab_cosim_result_free(ab_cosim_result *r)
{
    std::free(r->report);
    r->report = nullptr;
}
