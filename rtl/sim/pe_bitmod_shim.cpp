// pe_bitmod_shim.cpp - the extern "C" seam of the Verilated BitMoD PE
// (rtl_pe_bitmod.h).  Lives in the same target as verilate() so that the
// VM_TRACE / VM_TRACE_FST defines the Verilated headers need are set.
#include "rtl_pe_bitmod.h"

#include <memory>
#include <new>

#include "Vpe_bitmod.h"
#include "verilated.h"
#include "fst_trace.hpp"

struct ab_rtl_pe_bitmod {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vpe_bitmod> top;
    std::unique_ptr<VerilatedFstC> fst;
    uint64_t cycles = 0;
};

namespace {

int32_t sext(uint64_t v, unsigned bits)
{
    const uint64_t m = (uint64_t(1) << bits) - 1u;
    const uint64_t sign = uint64_t(1) << (bits - 1);
    return int32_t(int64_t((v & m) ^ sign) - int64_t(sign));
}

void apply(Vpe_bitmod &t, const ab_rtl_pe_bitmod_in &in)
{
    uint64_t act = 0;
    unsigned sign = 0, exp = 0, man = 0, sig = 0;
    for (unsigned i = 0; i < 4; i++) {
        act |= uint64_t(in.act[i]) << (16 * i);
        sign |= (in.term[i].sign & 1u) << i;
        exp |= (in.term[i].exp & 3u) << (2 * i);
        man |= (in.term[i].man & 1u) << i;
        sig |= (in.term[i].sig & 7u) << (3 * i);
    }
    t.step_valid = in.step;
    t.act = act;
    t.w_sign = uint8_t(sign);
    t.w_exp = uint8_t(exp);
    t.w_man = uint8_t(man);
    t.w_sig = uint16_t(sig);
    t.group_begin = in.group_begin;
    t.dequant_begin = in.dequant_begin;
    t.scale_sign = in.scale_sign & 1u;
    t.dequant_step = in.dequant_step;
    t.scale_bit = in.scale_bit & 1u;
    t.fault_flip = in.fault_flip;
}

void read_dbg(const Vpe_bitmod &t, ab_rtl_pe_bitmod_dbg *d)
{
    d->max_exp = t.dbg_max_exp;
    for (unsigned i = 0; i < 4; i++) {
        d->delta[i] = uint8_t((t.dbg_delta >> (6 * i)) & 0x3fu);
        d->lane[i] = int16_t(sext(t.dbg_lane >> (15 * i), 15));
    }
    d->bs_out = sext(t.dbg_bs_out, 17);
    d->acc_sum = sext(t.dbg_acc_sum, 23);
    d->norm_shift = t.dbg_norm_shift;
    d->sig_conflict = t.dbg_sig_conflict;
}

// One clock: inputs with clk low (time 2n), rising edge (time 2n+1).
void tick(ab_rtl_pe_bitmod *pe, ab_rtl_pe_bitmod_dbg *dbg)
{
    Vpe_bitmod &t = *pe->top;
    const uint64_t t0 = 2 * pe->cycles;
    t.clk = 0;
    pe->ctx->time(t0);
    t.eval();
    if (dbg)
        read_dbg(t, dbg);
    if (pe->fst)
        pe->fst->dump(t0);
    t.clk = 1;
    pe->ctx->time(t0 + 1);
    t.eval();
    if (pe->fst)
        pe->fst->dump(t0 + 1);
    pe->cycles++;
}

} // namespace

extern "C" {

ab_rtl_pe_bitmod *ab_rtl_pe_bitmod_create(bool literal_align)
{
    ab_rtl_pe_bitmod *pe = new (std::nothrow) ab_rtl_pe_bitmod;
    if (!pe)
        return nullptr;
    try {
        pe->ctx.reset(new VerilatedContext);
        pe->ctx->traceEverOn(true); // before the model exists, so a trace can open later
        pe->top.reset(new Vpe_bitmod(pe->ctx.get()));
    } catch (...) {
        delete pe;
        return nullptr;
    }
    pe->top->literal_align = literal_align;
    ab_rtl_pe_bitmod_reset(pe);
    return pe;
}

void ab_rtl_pe_bitmod_destroy(ab_rtl_pe_bitmod *pe)
{
    if (!pe)
        return;
    ab_rtl_pe_bitmod_trace_close(pe);
    pe->top->final();
    delete pe;
}

void ab_rtl_pe_bitmod_reset(ab_rtl_pe_bitmod *pe)
{
    const ab_rtl_pe_bitmod_in idle{};
    apply(*pe->top, idle);
    pe->top->rst_n = 0;
    tick(pe, nullptr);
    pe->top->rst_n = 1;
}

void ab_rtl_pe_bitmod_set_literal_align(ab_rtl_pe_bitmod *pe, bool literal_align)
{
    pe->top->literal_align = literal_align;
}

void ab_rtl_pe_bitmod_clock(ab_rtl_pe_bitmod *pe, const ab_rtl_pe_bitmod_in *in,
                            ab_rtl_pe_bitmod_dbg *dbg)
{
    apply(*pe->top, *in);
    tick(pe, dbg);
}

void ab_rtl_pe_bitmod_step(ab_rtl_pe_bitmod *pe, const uint16_t act[4],
                           const ab_bitmod_term term[4], ab_rtl_pe_bitmod_dbg *dbg)
{
    ab_rtl_pe_bitmod_in in{};
    in.step = true;
    for (unsigned i = 0; i < 4; i++) {
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
    const Vpe_bitmod &t = *pe->top;
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

uint64_t ab_rtl_pe_bitmod_cycles(const ab_rtl_pe_bitmod *pe)
{
    return pe->cycles;
}

int ab_rtl_pe_bitmod_trace_open(ab_rtl_pe_bitmod *pe, const char *path)
{
    return anybit_rtl::fst_open(pe->top.get(), pe->fst, path);
}

void ab_rtl_pe_bitmod_trace_close(ab_rtl_pe_bitmod *pe)
{
    anybit_rtl::fst_close(pe->fst);
}

} // extern "C"
