// pe_btc_shim.cpp - the extern "C" seam of the Verilated binary tensor core
// PE (rtl_pe_btc.h).  Lives in the same target as verilate() so that the
// VM_TRACE / VM_TRACE_FST defines the Verilated headers need are set.
//
// AB_RTL_BTC_M / _N / _K are the parameters the model was Verilated with
// (CMakeLists.txt passes the same values to verilate() as -G options and to
// this file as definitions).
#include "rtl_pe_btc.h"

#include <memory>
#include <new>

#include "Vpe_btc.h"
#include "verilated.h"
#include "fst_trace.hpp"
#include "verilated_bits.hpp"

#ifndef AB_RTL_BTC_M
#error "AB_RTL_BTC_M/N/K: set by CMakeLists.txt with the verilate() parameters"
#endif

namespace {

constexpr unsigned kM = AB_RTL_BTC_M, kN = AB_RTL_BTC_N, kK = AB_RTL_BTC_K;
constexpr unsigned clog2(unsigned v)
{
    unsigned b = 0;
    while ((1u << b) < v)
        b++;
    return b;
}
constexpr unsigned kPcw = clog2(kK + 1);
constexpr size_t kRowWords = (kK + 63) / 64;
static_assert(kK % 32 == 0, "the shim moves tile rows in 32-bit words: K must be a multiple of 32");
static_assert(kPcw <= 16, "popcount width");

using anybit_rtl::field;
using anybit_rtl::get_word;
using anybit_rtl::put_word;

// rows x K bits from the packed uint64 rows (NULL: zeros) into a port.
template <typename T> void put_tile(T &port, const uint64_t *rows, unsigned nrows)
{
    for (unsigned r = 0; r < nrows; r++)
        for (unsigned c = 0; c < kK / 32; c++) {
            uint32_t v = 0;
            if (rows)
                v = uint32_t(rows[r * kRowWords + c / 2] >> (32 * (c % 2)));
            put_word(port, r * (kK / 32) + c, v);
        }
}


} // namespace

struct ab_rtl_pe_btc {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vpe_btc> top;
    std::unique_ptr<VerilatedFstC> fst;
    uint64_t cycles = 0;
};

namespace {

void apply(Vpe_btc &t, const ab_rtl_pe_btc_in &in)
{
    t.valid = in.valid;
    t.clear = in.clear;
    put_tile(t.x_tile, in.x, kM);
    put_tile(t.w_tile, in.w, kN);
    t.shift = in.shift & 15u;
    t.negate = in.negate;
    t.xor_mode = in.xor_mode;
    t.k_valid = in.k_valid & ((1u << kPcw) - 1u);
    t.unit_begin = in.unit_begin;
    t.unit_last = in.unit_last;
    t.fault_flip = in.fault_flip;
    t.fault_acc = in.fault_acc;
    t.fault_bit = in.fault_bit & 31u;
}

// One clock: inputs with clk low (time 2n), rising edge (time 2n+1).
void tick(ab_rtl_pe_btc *pe, uint32_t *popc)
{
    Vpe_btc &t = *pe->top;
    const uint64_t t0 = 2 * pe->cycles;
    t.clk = 0;
    pe->ctx->time(t0);
    t.eval();
    if (popc)
        for (unsigned i = 0; i < kM * kN; i++)
            popc[i] = field(t.dbg_popc, i * kPcw, kPcw);
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

ab_rtl_pe_btc *ab_rtl_pe_btc_create(void)
{
    ab_rtl_pe_btc *pe = new (std::nothrow) ab_rtl_pe_btc;
    if (!pe)
        return nullptr;
    try {
        pe->ctx.reset(new VerilatedContext);
        pe->ctx->traceEverOn(true); // before the model exists, so a trace can open later
        pe->top.reset(new Vpe_btc(pe->ctx.get()));
    } catch (...) {
        delete pe;
        return nullptr;
    }
    ab_rtl_pe_btc_reset(pe);
    return pe;
}

void ab_rtl_pe_btc_destroy(ab_rtl_pe_btc *pe)
{
    if (!pe)
        return;
    ab_rtl_pe_btc_trace_close(pe);
    pe->top->final();
    delete pe;
}

void ab_rtl_pe_btc_dims(const ab_rtl_pe_btc *pe, unsigned *m, unsigned *n, unsigned *k,
                        unsigned *popc_bits)
{
    (void)pe;
    if (m)
        *m = kM;
    if (n)
        *n = kN;
    if (k)
        *k = kK;
    if (popc_bits)
        *popc_bits = kPcw;
}

size_t ab_rtl_pe_btc_row_words(const ab_rtl_pe_btc *pe)
{
    (void)pe;
    return kRowWords;
}

void ab_rtl_pe_btc_reset(ab_rtl_pe_btc *pe)
{
    const ab_rtl_pe_btc_in idle{};
    apply(*pe->top, idle);
    pe->top->rst_n = 0;
    tick(pe, nullptr);
    pe->top->rst_n = 1;
}

void ab_rtl_pe_btc_clock(ab_rtl_pe_btc *pe, const ab_rtl_pe_btc_in *in, uint32_t *popc)
{
    apply(*pe->top, *in);
    tick(pe, popc);
}

void ab_rtl_pe_btc_acc(const ab_rtl_pe_btc *pe, int32_t *acc)
{
    for (unsigned i = 0; i < kM * kN; i++)
        acc[i] = int32_t(get_word(pe->top->acc, i));
}

void ab_rtl_pe_btc_unit_get(const ab_rtl_pe_btc *pe, ab_rtl_pe_btc_unit *u)
{
    u->done = pe->top->unit_done;
    u->cycles = pe->top->unit_cycles;
}

uint64_t ab_rtl_pe_btc_cycles(const ab_rtl_pe_btc *pe)
{
    return pe->cycles;
}

int ab_rtl_pe_btc_trace_open(ab_rtl_pe_btc *pe, const char *path)
{
    return anybit_rtl::fst_open(pe->top.get(), pe->fst, path);
}

void ab_rtl_pe_btc_trace_close(ab_rtl_pe_btc *pe)
{
    anybit_rtl::fst_close(pe->fst);
}

} // extern "C"
