// pe_bitmod_shim.cpp - the extern "C" seam of the Verilated BitMoD PE
// (rtl_pe_bitmod.h), for every lane count CMake Verilates (Vpe_bitmod: 4
// lanes; Vpe_bitmod_l1/_l2/_l8/_l16; Vpe_bitmod_late, the 4-lane PE with
// FAULT_LATE_COUNT = 1, for the cycle check's self-test).  Lives in the same target as
// verilate() so that the VM_TRACE / VM_TRACE_FST defines the Verilated
// headers need are set.  One template drives every model: the ports only
// differ in width (Verilator's integral types up to 64 bits, VlWide above).
#include "rtl_pe_bitmod.h"

#include <memory>
#include <new>

#include "Vpe_bitmod.h"
#include "Vpe_bitmod_l1.h"
#include "Vpe_bitmod_l16.h"
#include "Vpe_bitmod_l2.h"
#include "Vpe_bitmod_l8.h"
#include "Vpe_bitmod_late.h"
#include "fst_trace.hpp"
#include "verilated.h"
#include "verilated_bits.hpp"

namespace {

using anybit_rtl::Bits;
using anybit_rtl::field;
using anybit_rtl::sext;
using anybit_rtl::store;

unsigned log2u(unsigned x)
{
    unsigned l = 0;
    while ((1u << (l + 1)) <= x)
        l++;
    return l;
}

// What the C entry points need of a model, whatever its lane count.
struct Model {
    virtual ~Model() = default;
    virtual unsigned lanes() const = 0;
    virtual void apply(const ab_rtl_pe_bitmod_in &in) = 0;
    virtual void set(bool clk, bool rst_n) = 0;
    virtual void set_literal(bool literal) = 0;
    virtual void eval() = 0;
    virtual void final_() = 0;
    virtual void read_dbg(ab_rtl_pe_bitmod_dbg *d) const = 0;
    virtual void state(ab_rtl_pe_bitmod_state *st) const = 0;
    virtual void unit(ab_rtl_pe_bitmod_unit *u) const = 0;
    virtual int trace_open(std::unique_ptr<VerilatedFstC> &fst, const char *path) = 0;
};

template <class V, unsigned L> struct ModelT final : Model {
    std::unique_ptr<V> top;
    explicit ModelT(VerilatedContext *ctx) : top(new V(ctx)) {}
    unsigned lanes() const override { return L; }
    void apply(const ab_rtl_pe_bitmod_in &in) override
    {
        Bits act, sign, exp, man, sig;
        for (unsigned i = 0; i < L; i++) {
            act.put(16 * i, 16, in.act[i]);
            sign.put(i, 1, in.term[i].sign & 1u);
            exp.put(2 * i, 2, in.term[i].exp & 3u);
            man.put(i, 1, in.term[i].man & 1u);
            sig.put(3 * i, 3, in.term[i].sig & 7u);
        }
        V &t = *top;
        t.step_valid = in.step;
        store(t.act, act);
        store(t.w_sign, sign);
        store(t.w_exp, exp);
        store(t.w_man, man);
        store(t.w_sig, sig);
        t.group_begin = in.group_begin;
        t.dequant_begin = in.dequant_begin;
        t.scale_sign = in.scale_sign & 1u;
        t.dequant_step = in.dequant_step;
        t.scale_bit = in.scale_bit & 1u;
        t.unit_begin = in.unit_begin;
        t.unit_last = in.unit_last;
        t.scale_len = in.scale_len & 31u;
        t.fault_flip = in.fault_flip;
    }
    void set(bool clk, bool rst_n) override
    {
        top->clk = clk;
        top->rst_n = rst_n;
    }
    void set_literal(bool literal) override { top->literal_align = literal; }
    void eval() override { top->eval(); }
    void final_() override { top->final(); }
    void read_dbg(ab_rtl_pe_bitmod_dbg *d) const override
    {
        const V &t = *top;
        d->max_exp = t.dbg_max_exp;
        for (unsigned i = 0; i < L; i++) {
            d->delta[i] = uint8_t(field(t.dbg_delta, 6 * i, 6));
            d->lane[i] = int16_t(sext(field(t.dbg_lane, 15 * i, 15), 15));
        }
        d->bs_out = sext(field(t.dbg_bs_out, 0, 32), 15 + log2u(L));
        d->acc_sum = sext(field(t.dbg_acc_sum, 0, 32), 21 + log2u(L));
        d->norm_shift = t.dbg_norm_shift;
        d->sig_conflict = t.dbg_sig_conflict;
    }
    void state(ab_rtl_pe_bitmod_state *st) const override
    {
        const V &t = *top;
        st->acc_exp = t.acc_exp;
        st->acc_man = int16_t(sext(t.acc_man, 15));
        st->acc_sign = t.acc_sign;
        st->dq_in_exp = t.dq_exp;
        st->dq_in_man = int16_t(sext(t.dq_in_man, 15));
        st->dq_scale_sign = t.dq_scale_sign;
        st->dq_exp = t.dq_exp;
        st->dq_man = sext(t.dq_man, 21);
        st->dq_sign = t.dq_sign;
    }
    void unit(ab_rtl_pe_bitmod_unit *u) const override
    {
        u->done = top->unit_done;
        u->cycles = top->unit_cycles;
    }
    int trace_open(std::unique_ptr<VerilatedFstC> &fst, const char *path) override
    {
        return anybit_rtl::fst_open(top.get(), fst, path);
    }
};

} // namespace

struct ab_rtl_pe_bitmod {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Model> model;
    std::unique_ptr<VerilatedFstC> fst;
    uint64_t cycles = 0;
};

namespace {

// One clock: inputs with clk low (time 2n), rising edge (time 2n+1).
void tick(ab_rtl_pe_bitmod *pe, bool rst_n, ab_rtl_pe_bitmod_dbg *dbg)
{
    Model &m = *pe->model;
    const uint64_t t0 = 2 * pe->cycles;
    m.set(false, rst_n);
    pe->ctx->time(t0);
    m.eval();
    if (dbg)
        m.read_dbg(dbg);
    if (pe->fst)
        pe->fst->dump(t0);
    m.set(true, rst_n);
    pe->ctx->time(t0 + 1);
    m.eval();
    if (pe->fst)
        pe->fst->dump(t0 + 1);
    pe->cycles++;
}

// lanes 0: the late-count model (4 lanes)
Model *make_model(unsigned lanes, VerilatedContext *ctx)
{
    switch (lanes) {
    case 0: return new ModelT<Vpe_bitmod_late, 4>(ctx);
    case 1: return new ModelT<Vpe_bitmod_l1, 1>(ctx);
    case 2: return new ModelT<Vpe_bitmod_l2, 2>(ctx);
    case 4: return new ModelT<Vpe_bitmod, 4>(ctx);
    case 8: return new ModelT<Vpe_bitmod_l8, 8>(ctx);
    case 16: return new ModelT<Vpe_bitmod_l16, 16>(ctx);
    default: return nullptr;
    }
}

} // namespace

extern "C" {

namespace {

ab_rtl_pe_bitmod *create_model(unsigned lanes, bool literal_align)
{
    ab_rtl_pe_bitmod *pe = new (std::nothrow) ab_rtl_pe_bitmod;
    if (!pe)
        return nullptr;
    try {
        pe->ctx.reset(new VerilatedContext);
        pe->ctx->traceEverOn(true); // before the model exists, so a trace can open later
        pe->model.reset(make_model(lanes, pe->ctx.get()));
    } catch (...) {
        delete pe;
        return nullptr;
    }
    if (!pe->model) {
        delete pe;
        return nullptr;
    }
    pe->model->set_literal(literal_align);
    ab_rtl_pe_bitmod_reset(pe);
    return pe;
}

} // namespace

ab_rtl_pe_bitmod *ab_rtl_pe_bitmod_create_lanes(unsigned lanes, bool literal_align)
{
    return lanes == 0 ? nullptr : create_model(lanes, literal_align);
}

ab_rtl_pe_bitmod *ab_rtl_pe_bitmod_create_late_count(bool literal_align)
{
    return create_model(0, literal_align);
}

ab_rtl_pe_bitmod *ab_rtl_pe_bitmod_create(bool literal_align)
{
    return ab_rtl_pe_bitmod_create_lanes(AB_BITMOD_LANES, literal_align);
}

unsigned ab_rtl_pe_bitmod_lanes(const ab_rtl_pe_bitmod *pe)
{
    return pe->model->lanes();
}

void ab_rtl_pe_bitmod_destroy(ab_rtl_pe_bitmod *pe)
{
    if (!pe)
        return;
    ab_rtl_pe_bitmod_trace_close(pe);
    pe->model->final_();
    delete pe;
}

void ab_rtl_pe_bitmod_reset(ab_rtl_pe_bitmod *pe)
{
    const ab_rtl_pe_bitmod_in idle{};
    pe->model->apply(idle);
    tick(pe, false, nullptr);
    pe->model->set(true, true);
}

void ab_rtl_pe_bitmod_set_literal_align(ab_rtl_pe_bitmod *pe, bool literal_align)
{
    pe->model->set_literal(literal_align);
}

void ab_rtl_pe_bitmod_clock(ab_rtl_pe_bitmod *pe, const ab_rtl_pe_bitmod_in *in,
                            ab_rtl_pe_bitmod_dbg *dbg)
{
    pe->model->apply(*in);
    tick(pe, true, dbg);
}

void ab_rtl_pe_bitmod_step(ab_rtl_pe_bitmod *pe, const uint16_t *act,
                           const ab_bitmod_term *term, ab_rtl_pe_bitmod_dbg *dbg)
{
    ab_rtl_pe_bitmod_in in{};
    in.step = true;
    for (unsigned i = 0; i < pe->model->lanes(); i++) {
        in.act[i] = act[i];
        in.term[i] = term[i];
    }
    ab_rtl_pe_bitmod_clock(pe, &in, dbg);
}

void ab_rtl_pe_bitmod_group_begin(ab_rtl_pe_bitmod *pe)
{
    ab_rtl_pe_bitmod_in in{};
    in.group_begin = true;
    ab_rtl_pe_bitmod_clock(pe, &in, nullptr);
}

void ab_rtl_pe_bitmod_dequant_begin(ab_rtl_pe_bitmod *pe, uint8_t scale_sign)
{
    ab_rtl_pe_bitmod_in in{};
    in.dequant_begin = true;
    in.scale_sign = scale_sign;
    ab_rtl_pe_bitmod_clock(pe, &in, nullptr);
}

void ab_rtl_pe_bitmod_dequant_step(ab_rtl_pe_bitmod *pe, uint8_t scale_bit)
{
    ab_rtl_pe_bitmod_in in{};
    in.dequant_step = true;
    in.scale_bit = scale_bit;
    ab_rtl_pe_bitmod_clock(pe, &in, nullptr);
}

void ab_rtl_pe_bitmod_state_get(const ab_rtl_pe_bitmod *pe, ab_rtl_pe_bitmod_state *st)
{
    pe->model->state(st);
}

void ab_rtl_pe_bitmod_unit_get(const ab_rtl_pe_bitmod *pe, ab_rtl_pe_bitmod_unit *u)
{
    pe->model->unit(u);
}

uint64_t ab_rtl_pe_bitmod_cycles(const ab_rtl_pe_bitmod *pe)
{
    return pe->cycles;
}

int ab_rtl_pe_bitmod_trace_open(ab_rtl_pe_bitmod *pe, const char *path)
{
    return pe->model->trace_open(pe->fst, path);
}

void ab_rtl_pe_bitmod_trace_close(ab_rtl_pe_bitmod *pe)
{
    anybit_rtl::fst_close(pe->fst);
}

} // extern "C"
