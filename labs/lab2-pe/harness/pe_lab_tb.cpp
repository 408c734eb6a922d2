// pe_lab_tb.cpp - lab 2's testbench (labs/lab2-pe/README.md): drives a
// student's pe_bitmod.v, Verilated by `anybit lab check 2` (sim/lab/lab2_pe.c)
// with -GLANES=L -GUNIT_COUNTER=1, cycle by cycle from a stimulus file, and
// writes what the registers hold after every rising edge to a text file and
// the whole run to an FST waveform.  C++17; Verilator's headers and
// rtl/sim/verilated_bits.hpp (ports of any width) only.
//
// Usage: pe_lab STIM OUT WAVE.fst
// STIM, one line per clock cycle (decimal):
//   rst_n step group_begin dequant_begin scale_sign dequant_step scale_bit
//   unit_begin unit_last scale_len, then per lane: act sign exp man sig
// OUT, one line per cycle, after its rising edge (decimal, signed fields
// sign-extended):
//   cycle acc_exp acc_man acc_sign dq_exp dq_man dq_sign dq_in_man
//   dq_scale_sign unit_done unit_cycles, then the step's combinational view
//   before the edge: max_exp bs_out acc_sum norm_shift
// Clock: rising edge n at time 10 n, falling at 10 n + 5 (GTKWave's time
// axis divided by 10 is the cycle).  Exit 0, or 1 with one line on stderr.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "Vpe_bitmod.h"
#include "verilated.h"
#include "verilated_bits.hpp"
#include "verilated_fst_c.h"

#ifndef LAB_LANES
#error "LAB_LANES: the PE's LANES, given by the grader"
#endif

namespace {

using anybit_rtl::Bits;
using anybit_rtl::field;
using anybit_rtl::sext;
using anybit_rtl::store;

constexpr unsigned kLanes = LAB_LANES;

unsigned log2u(unsigned x)
{
    unsigned l = 0;
    while ((1u << (l + 1)) <= x)
        l++;
    return l;
}

int fail(const std::string &msg)
{
    std::fprintf(stderr, "pe_lab: error: %s\n", msg.c_str());
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 4)
        return fail("usage: pe_lab STIM OUT WAVE.fst");
    std::ifstream in(argv[1]);
    if (!in)
        return fail(std::string(argv[1]) + ": cannot open");
    std::FILE *out = std::fopen(argv[2], "w");
    if (!out)
        return fail(std::string(argv[2]) + ": cannot create");

    auto ctx = std::make_unique<VerilatedContext>();
    ctx->traceEverOn(true);
    auto top = std::make_unique<Vpe_bitmod>(ctx.get());
    auto fst = std::make_unique<VerilatedFstC>();
    top->trace(fst.get(), 99);
    fst->open(argv[3]);
    if (!fst->isOpen())
        return fail(std::string(argv[3]) + ": cannot create");
    top->literal_align = 0; // the C model's default term alignment
    top->fault_flip = 0;
    top->clk = 0;
    top->rst_n = 0;
    top->eval();

    std::string line;
    uint64_t cycle = 0;
    for (size_t ln = 1; std::getline(in, line); ln++) {
        if (line.empty())
            continue;
        std::istringstream s(line);
        unsigned rst_n, step, gb, db, ss, ds, sb, ub, ul, slen;
        if (!(s >> rst_n >> step >> gb >> db >> ss >> ds >> sb >> ub >> ul >> slen))
            return fail(std::string(argv[1]) + ":" + std::to_string(ln) + ": bad controls");
        Bits act, sign, exp, man, sig;
        for (unsigned i = 0; i < kLanes; i++) {
            unsigned a, sg, e, m, g;
            if (!(s >> a >> sg >> e >> m >> g))
                return fail(std::string(argv[1]) + ":" + std::to_string(ln) + ": lane " +
                            std::to_string(i) + " missing");
            act.put(16 * i, 16, a);
            sign.put(i, 1, sg);
            exp.put(2 * i, 2, e);
            man.put(i, 1, m);
            sig.put(3 * i, 3, g);
        }
        Vpe_bitmod &t = *top;
        t.rst_n = rst_n & 1u;
        t.step_valid = step & 1u;
        t.group_begin = gb & 1u;
        t.dequant_begin = db & 1u;
        t.scale_sign = ss & 1u;
        t.dequant_step = ds & 1u;
        t.scale_bit = sb & 1u;
        t.unit_begin = ub & 1u;
        t.unit_last = ul & 1u;
        t.scale_len = slen & 31u;
        store(t.act, act);
        store(t.w_sign, sign);
        store(t.w_exp, exp);
        store(t.w_man, man);
        store(t.w_sig, sig);
        t.clk = 0;
        t.eval();
        // the combinational view of the step presented, before the edge
        const unsigned max_exp = t.dbg_max_exp;
        const int32_t bs_out = sext(field(t.dbg_bs_out, 0, 32), 15 + log2u(kLanes));
        const int32_t acc_sum = sext(field(t.dbg_acc_sum, 0, 32), 21 + log2u(kLanes));
        const unsigned norm_shift = t.dbg_norm_shift;
        if (cycle > 0)
            fst->dump(10 * cycle - 5);
        t.clk = 1;
        t.eval();
        fst->dump(10 * cycle);
        std::fprintf(out, "%llu %u %d %u %u %d %u %d %u %u %u %u %d %d %u\n",
                     static_cast<unsigned long long>(cycle), unsigned(t.acc_exp),
                     sext(t.acc_man, 15), unsigned(t.acc_sign), unsigned(t.dq_exp),
                     sext(t.dq_man, 21), unsigned(t.dq_sign), sext(t.dq_in_man, 15),
                     unsigned(t.dq_scale_sign), unsigned(t.unit_done), unsigned(t.unit_cycles),
                     max_exp, bs_out, acc_sum, norm_shift);
        cycle++;
    }
    top->clk = 0;
    top->eval();
    fst->dump(10 * cycle - 5);
    top->final();
    fst->close();
    if (std::fclose(out) != 0)
        return fail(std::string(argv[2]) + ": write failed");
    return 0;
}
