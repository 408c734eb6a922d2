// array_bitmod_shim.cpp - the extern "C" seam of the Verilated BitMoD PE
// arrays (rtl_array_bitmod.h).  In the same target as verilate() (anybit_rtl)
// for the VM_TRACE defines.  Each model's parameters come from CMake as
// AB_RTL_ARRAY_* / AB_RTL_ARRAY1_* (the same values are passed to Verilator
// with -G); one template drives both, whose ports differ in width.
#include "rtl_array_bitmod.h"

#include <memory>
#include <new>

#include "Varray_bitmod.h"
#include "Varray_bitmod_1.h"
#include "fst_trace.hpp"
#include "verilated.h"
#include "verilated_bits.hpp"

#ifndef AB_RTL_ARRAY_ROWS
#error "AB_RTL_ARRAY_ROWS/COLS/LANES/STEPS/GROUPS (and AB_RTL_ARRAY1_*) come from CMakeLists.txt"
#endif

namespace {

using anybit_rtl::Bits;
using anybit_rtl::field;
using anybit_rtl::sext;
using anybit_rtl::store;
using anybit_rtl::term_bits;

const ab_rtl_array_dims k_models[] = {
    {AB_RTL_ARRAY_ROWS, AB_RTL_ARRAY_COLS, AB_RTL_ARRAY_LANES, AB_RTL_ARRAY_STEPS,
     AB_RTL_ARRAY_GROUPS},
    {AB_RTL_ARRAY1_ROWS, AB_RTL_ARRAY1_COLS, AB_RTL_ARRAY1_LANES, AB_RTL_ARRAY1_STEPS,
     AB_RTL_ARRAY1_GROUPS},
};
constexpr unsigned k_nmodels = sizeof k_models / sizeof k_models[0];

// What the C entry points need of a model, whatever its parameters.
struct Model {
    virtual ~Model() = default;
    virtual void idle() = 0;
    virtual void set_clk(bool clk) = 0;
    virtual void set_rst_n(bool rst_n) = 0;
    virtual void eval() = 0;
    virtual void final_() = 0;
    virtual void config(bool literal) = 0;
    virtual void write_terms(unsigned row, unsigned addr, const Bits &d) = 0;
    virtual void write_act(unsigned col, unsigned step, const Bits &d) = 0;
    virtual void write_scale(unsigned row, unsigned group, uint32_t d) = 0;
    virtual void start(const ab_rtl_array_tile &t) = 0;
    virtual void fault(bool en, unsigned row, unsigned col) = 0;
    virtual void status(ab_rtl_array_status *s) const = 0;
    virtual void pe_state(unsigned p, ab_rtl_pe_bitmod_state *st) const = 0;
    virtual int trace_open(std::unique_ptr<VerilatedFstC> &fst, const char *path) = 0;
};

template <class V> struct ModelT final : Model {
    std::unique_ptr<V> top;
    explicit ModelT(VerilatedContext *ctx) : top(new V(ctx)) {}
    void idle() override
    {
        V &t = *top;
        t.wb_we = 0;
        t.ab_we = 0;
        t.sb_we = 0;
        t.start = 0;
        t.fault_en = 0;
    }
    void set_clk(bool clk) override { top->clk = clk; }
    void set_rst_n(bool rst_n) override { top->rst_n = rst_n; }
    void eval() override { top->eval(); }
    void final_() override { top->final(); }
    void config(bool literal) override
    {
        V &t = *top;
        t.literal_align = literal;
        t.cfg_groups = 1;
        t.cfg_steps = 1;
        t.cfg_cpw = 1;
        t.cfg_dq_bits = 1;
    }
    void write_terms(unsigned row, unsigned addr, const Bits &d) override
    {
        V &t = *top;
        t.wb_we = 1;
        t.wb_row = row;
        t.wb_addr = addr;
        store(t.wb_data, d);
    }
    void write_act(unsigned col, unsigned step, const Bits &d) override
    {
        V &t = *top;
        t.ab_we = 1;
        t.ab_col = col;
        t.ab_addr = step;
        store(t.ab_data, d);
    }
    void write_scale(unsigned row, unsigned group, uint32_t d) override
    {
        V &t = *top;
        t.sb_we = 1;
        t.sb_row = row;
        t.sb_addr = group;
        t.sb_data = d;
    }
    void start(const ab_rtl_array_tile &d) override
    {
        V &t = *top;
        t.start = 1;
        t.cfg_groups = d.groups;
        t.cfg_steps = d.steps;
        t.cfg_cpw = d.cpw;
        t.cfg_dq_bits = d.dq_bits;
    }
    void fault(bool en, unsigned row, unsigned col) override
    {
        V &t = *top;
        t.fault_en = en;
        t.fault_row = row;
        t.fault_col = col;
    }
    void status(ab_rtl_array_status *s) const override
    {
        const V &t = *top;
        s->busy = t.busy;
        s->done = t.done;
        s->out_valid = t.out_valid;
        s->out_group = t.out_group;
        s->cycles = t.cycles;
    }
    void pe_state(unsigned p, ab_rtl_pe_bitmod_state *st) const override
    {
        const V &m = *top;
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
    int trace_open(std::unique_ptr<VerilatedFstC> &fst, const char *path) override
    {
        return anybit_rtl::fst_open(top.get(), fst, path);
    }
};

Model *make_model(unsigned model, VerilatedContext *ctx)
{
    switch (model) {
    case 0: return new ModelT<Varray_bitmod>(ctx);
    case 1: return new ModelT<Varray_bitmod_1>(ctx);
    default: return nullptr;
    }
}

} // namespace

struct ab_rtl_array_bitmod {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Model> model;
    ab_rtl_array_dims dims{};
    std::unique_ptr<VerilatedFstC> fst;
    uint64_t clocks = 0;
};

namespace {

void tick(ab_rtl_array_bitmod *a)
{
    Model &m = *a->model;
    const uint64_t t0 = 2 * a->clocks;
    m.set_clk(false);
    a->ctx->time(t0);
    m.eval();
    if (a->fst)
        a->fst->dump(t0);
    m.set_clk(true);
    a->ctx->time(t0 + 1);
    m.eval();
    if (a->fst)
        a->fst->dump(t0 + 1);
    a->clocks++;
    m.idle();
}

} // namespace

extern "C" {

unsigned ab_rtl_array_bitmod_models(void)
{
    return k_nmodels;
}

void ab_rtl_array_bitmod_model_dims(unsigned model, ab_rtl_array_dims *d)
{
    *d = model < k_nmodels ? k_models[model] : ab_rtl_array_dims{};
}

ab_rtl_array_bitmod *ab_rtl_array_bitmod_create_model(unsigned model, bool literal_align)
{
    if (model >= k_nmodels)
        return nullptr;
    ab_rtl_array_bitmod *a = new (std::nothrow) ab_rtl_array_bitmod;
    if (!a)
        return nullptr;
    try {
        a->ctx.reset(new VerilatedContext);
        a->ctx->traceEverOn(true);
        a->model.reset(make_model(model, a->ctx.get()));
    } catch (...) {
        delete a;
        return nullptr;
    }
    a->dims = k_models[model];
    a->model->idle();
    a->model->config(literal_align);
    ab_rtl_array_bitmod_reset(a);
    return a;
}

ab_rtl_array_bitmod *ab_rtl_array_bitmod_create(bool literal_align)
{
    return ab_rtl_array_bitmod_create_model(0, literal_align);
}

void ab_rtl_array_bitmod_destroy(ab_rtl_array_bitmod *a)
{
    if (!a)
        return;
    ab_rtl_array_bitmod_trace_close(a);
    a->model->final_();
    delete a;
}

void ab_rtl_array_bitmod_dims(const ab_rtl_array_bitmod *a, ab_rtl_array_dims *d)
{
    *d = a->dims;
}

void ab_rtl_array_bitmod_reset(ab_rtl_array_bitmod *a)
{
    a->model->set_rst_n(false);
    tick(a);
    a->model->set_rst_n(true);
}

void ab_rtl_array_bitmod_write_terms(ab_rtl_array_bitmod *a, unsigned row, unsigned step,
                                     unsigned term, const ab_bitmod_term *t, bool valid)
{
    const unsigned lanes = a->dims.lanes;
    Bits d;
    for (unsigned i = 0; i < lanes; i++)
        d.put(7 * i, 7, term_bits(t[i]));
    d.put(7 * lanes, 1, valid ? 1u : 0u);
    a->model->write_terms(row, (step << 2) | (term & 3u), d);
    tick(a);
}

void ab_rtl_array_bitmod_write_act(ab_rtl_array_bitmod *a, unsigned col, unsigned step,
                                   const uint16_t *act)
{
    Bits d;
    for (unsigned i = 0; i < a->dims.lanes; i++)
        d.put(16 * i, 16, act[i]);
    a->model->write_act(col, step, d);
    tick(a);
}

void ab_rtl_array_bitmod_write_scale(ab_rtl_array_bitmod *a, unsigned row, unsigned group,
                                     uint32_t scale, uint8_t sign)
{
    a->model->write_scale(row, group, (scale & 0xffffu) | (uint32_t(sign & 1u) << 16));
    tick(a);
}

void ab_rtl_array_bitmod_start(ab_rtl_array_bitmod *a, const ab_rtl_array_tile *t)
{
    a->model->start(*t);
    tick(a);
}

void ab_rtl_array_bitmod_clock(ab_rtl_array_bitmod *a, bool fault_en, unsigned fault_row,
                               unsigned fault_col)
{
    a->model->fault(fault_en, fault_row, fault_col);
    tick(a);
}

void ab_rtl_array_bitmod_status(const ab_rtl_array_bitmod *a, ab_rtl_array_status *s)
{
    a->model->status(s);
}

void ab_rtl_array_bitmod_pe_state(const ab_rtl_array_bitmod *a, unsigned row, unsigned col,
                                  ab_rtl_pe_bitmod_state *st)
{
    a->model->pe_state(row * a->dims.cols + col, st);
}

uint64_t ab_rtl_array_bitmod_clocks(const ab_rtl_array_bitmod *a)
{
    return a->clocks;
}

int ab_rtl_array_bitmod_trace_open(ab_rtl_array_bitmod *a, const char *path)
{
    return a->model->trace_open(a->fst, path);
}

void ab_rtl_array_bitmod_trace_close(ab_rtl_array_bitmod *a)
{
    anybit_rtl::fst_close(a->fst);
}

} // extern "C"
