// array_bitmod_shim.cpp - the extern "C" seam of the Verilated BitMoD PE
// array (rtl_array_bitmod.h).  In the same target as verilate() (anybit_rtl)
// for the VM_TRACE defines.  The array's parameters come from CMake as
// AB_RTL_ARRAY_* (the same values are passed to Verilator with -G).
#include "rtl_array_bitmod.h"

#include <memory>
#include <new>

#include "Varray_bitmod.h"
#include "verilated.h"
#include "fst_trace.hpp"

#ifndef AB_RTL_ARRAY_ROWS
#error "AB_RTL_ARRAY_ROWS/COLS/STEPS/GROUPS come from CMakeLists.txt"
#endif

struct ab_rtl_array_bitmod {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Varray_bitmod> top;
    std::unique_ptr<VerilatedFstC> fst;
    uint64_t clocks = 0;
};

namespace {

// bits [lo, lo + n) of a Verilated output, narrow (C/S/I/QData) or wide
uint64_t field(uint64_t v, unsigned lo, unsigned n)
{
    return (v >> lo) & ((uint64_t(1) << n) - 1u);
}

template <std::size_t W> uint64_t field(const VlWide<W> &v, unsigned lo, unsigned n)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < n; i++) {
        const unsigned b = lo + i;
        r |= uint64_t((v[b / 32] >> (b % 32)) & 1u) << i;
    }
    return r;
}

int32_t sext(uint64_t v, unsigned bits)
{
    const uint64_t m = (uint64_t(1) << bits) - 1u;
    const uint64_t sign = uint64_t(1) << (bits - 1);
    return int32_t(int64_t((v & m) ^ sign) - int64_t(sign));
}

void idle(Varray_bitmod &t)
{
    t.wb_we = 0;
    t.ab_we = 0;
    t.sb_we = 0;
    t.start = 0;
    t.fault_en = 0;
}

void tick(ab_rtl_array_bitmod *a)
{
    Varray_bitmod &t = *a->top;
    const uint64_t t0 = 2 * a->clocks;
    t.clk = 0;
    a->ctx->time(t0);
    t.eval();
    if (a->fst)
        a->fst->dump(t0);
    t.clk = 1;
    a->ctx->time(t0 + 1);
    t.eval();
    if (a->fst)
        a->fst->dump(t0 + 1);
    a->clocks++;
    idle(t);
}

unsigned term_bits(const ab_bitmod_term &x)
{
    return (x.sign & 1u) | ((x.exp & 3u) << 1) | ((x.man & 1u) << 3) | ((x.sig & 7u) << 4);
}

} // namespace

extern "C" {

ab_rtl_array_bitmod *ab_rtl_array_bitmod_create(bool literal_align)
{
    ab_rtl_array_bitmod *a = new (std::nothrow) ab_rtl_array_bitmod;
    if (!a)
        return nullptr;
    try {
        a->ctx.reset(new VerilatedContext);
        a->ctx->traceEverOn(true);
        a->top.reset(new Varray_bitmod(a->ctx.get()));
    } catch (...) {
        delete a;
        return nullptr;
    }
    idle(*a->top);
    a->top->literal_align = literal_align;
    a->top->cfg_groups = 1;
    a->top->cfg_steps = 1;
    a->top->cfg_cpw = 1;
    a->top->cfg_dq_bits = 1;
    ab_rtl_array_bitmod_reset(a);
    return a;
}

void ab_rtl_array_bitmod_destroy(ab_rtl_array_bitmod *a)
{
    if (!a)
        return;
    ab_rtl_array_bitmod_trace_close(a);
    a->top->final();
    delete a;
}

void ab_rtl_array_bitmod_dims(const ab_rtl_array_bitmod *a, ab_rtl_array_dims *d)
{
    (void)a;
    d->rows = AB_RTL_ARRAY_ROWS;
    d->cols = AB_RTL_ARRAY_COLS;
    d->steps = AB_RTL_ARRAY_STEPS;
    d->groups = AB_RTL_ARRAY_GROUPS;
}

void ab_rtl_array_bitmod_reset(ab_rtl_array_bitmod *a)
{
    a->top->rst_n = 0;
    tick(a);
    a->top->rst_n = 1;
}

void ab_rtl_array_bitmod_write_terms(ab_rtl_array_bitmod *a, unsigned row, unsigned step,
                                     unsigned term, const ab_bitmod_term t[4], bool valid)
{
    Varray_bitmod &m = *a->top;
    uint32_t d = valid ? (1u << 28) : 0u;
    for (unsigned i = 0; i < 4; i++)
        d |= term_bits(t[i]) << (7 * i);
    m.wb_we = 1;
    m.wb_row = row;
    m.wb_addr = (step << 2) | (term & 3u);
    m.wb_data = d;
    tick(a);
}

void ab_rtl_array_bitmod_write_act(ab_rtl_array_bitmod *a, unsigned col, unsigned step,
                                   const uint16_t act[4])
{
    Varray_bitmod &m = *a->top;
    uint64_t d = 0;
    for (unsigned i = 0; i < 4; i++)
        d |= uint64_t(act[i]) << (16 * i);
    m.ab_we = 1;
    m.ab_col = col;
    m.ab_addr = step;
    m.ab_data = d;
    tick(a);
}

void ab_rtl_array_bitmod_write_scale(ab_rtl_array_bitmod *a, unsigned row, unsigned group,
                                     uint32_t scale, uint8_t sign)
{
    Varray_bitmod &m = *a->top;
    m.sb_we = 1;
    m.sb_row = row;
    m.sb_addr = group;
    m.sb_data = (scale & 0xffffu) | (uint32_t(sign & 1u) << 16);
    tick(a);
}

void ab_rtl_array_bitmod_start(ab_rtl_array_bitmod *a, const ab_rtl_array_tile *t)
{
    Varray_bitmod &m = *a->top;
    m.start = 1;
    m.cfg_groups = t->groups;
    m.cfg_steps = t->steps;
    m.cfg_cpw = t->cpw;
    m.cfg_dq_bits = t->dq_bits;
    tick(a);
}

void ab_rtl_array_bitmod_clock(ab_rtl_array_bitmod *a, bool fault_en, unsigned fault_row,
                               unsigned fault_col)
{
    Varray_bitmod &m = *a->top;
    m.fault_en = fault_en;
    m.fault_row = fault_row;
    m.fault_col = fault_col;
    tick(a);
}

void ab_rtl_array_bitmod_status(const ab_rtl_array_bitmod *a, ab_rtl_array_status *s)
{
    const Varray_bitmod &m = *a->top;
    s->busy = m.busy;
    s->done = m.done;
    s->out_valid = m.out_valid;
    s->out_group = m.out_group;
    s->cycles = m.cycles;
}

void ab_rtl_array_bitmod_pe_state(const ab_rtl_array_bitmod *a, unsigned row, unsigned col,
                                  ab_rtl_pe_bitmod_state *st)
{
    const Varray_bitmod &m = *a->top;
    const unsigned p = row * AB_RTL_ARRAY_COLS + col;
    st->acc_exp = uint8_t(field(m.acc_exp, 6 * p, 6));
    st->acc_man = int16_t(sext(field(m.acc_man, 15 * p, 15), 15));
    st->acc_sign = uint8_t(field(m.acc_sign, p, 1));
    st->dq_exp = uint8_t(field(m.dq_exp, 6 * p, 6));
    st->dq_in_exp = st->dq_exp;
    st->dq_man = sext(field(m.dq_man, 21 * p, 21), 21);
    st->dq_sign = uint8_t(field(m.dq_sign, p, 1));
    st->dq_in_man = int16_t(sext(field(m.dq_in_man, 15 * p, 15), 15));
    st->dq_scale_sign = uint8_t(field(m.dq_scale_sign, p, 1));
}

uint64_t ab_rtl_array_bitmod_clocks(const ab_rtl_array_bitmod *a)
{
    return a->clocks;
}

int ab_rtl_array_bitmod_trace_open(ab_rtl_array_bitmod *a, const char *path)
{
    return anybit_rtl::fst_open(a->top.get(), a->fst, path);
}

void ab_rtl_array_bitmod_trace_close(ab_rtl_array_bitmod *a)
{
    anybit_rtl::fst_close(a->fst);
}

} // extern "C"
