// rtl_tb.cpp - SystemC testbench of the Verilated BitMoD PE (rtl/pe_bitmod.v
// verilated with --sc as Vpe_bitmod_sc): an sc_clock, an SC_THREAD that
// drives a few hundred random steps (groups of random weights of several
// formats, terms from ab_bitmod_terms, FP16 activations around a
// per-group exponent, each group's dequantization behind the next group)
// and compares, every cycle, the registered outputs with the C model
// kernels/bitmod_pe.h (and, on step cycles, the combinational debug view).
// Exit 0 when they agree; the first mismatch is printed and exits 1.
// Usage: rtl_tb [STEPS [FAULT_CYCLE]]; FAULT_CYCLE drives the PE's
// fault_flip port at that cycle (CTest checks that this fails).
// The work-unit timing ports (unit_begin, unit_last, scale_len in;
// unit_done, unit_cycles out) are bound and left idle: this model is
// Verilated with the default UNIT_COUNTER = 0, and the cycle count is the
// Cosim tests' business (rtl/sim/cosim_bitmod.hpp); unit_done stays low.
//
// Timing: inputs are written at the falling edge, the debug outputs read
// 2 ns later (settled), the registers 1 ns after the rising edge.
#include <systemc.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "Vpe_bitmod_sc.h"

extern "C" {
#include "bitmod_pe.h"
#include "bitmod_terms.h"
#include "format.h"
}

namespace {

struct In {
    bool step = false, group_begin = false, dequant_begin = false, dequant_step = false;
    uint16_t act[4] = {0, 0, 0, 0};
    ab_bitmod_term term[4] = {};
    uint8_t scale_sign = 0, scale_bit = 0;
};

std::vector<In> stimulus(uint64_t seed, size_t min_steps)
{
    static const char *const names[] = {"int4", "int8", "int3s", "bitmod_fp3_ea+",
                                        "bitmod_fp4_er-", "bitmod_fp4", "bitmod_int4"};
    std::mt19937_64 rng(seed);
    std::vector<In> out;
    std::vector<std::pair<bool, uint8_t>> dq; // pending dequantization ops
    size_t dq_next = 0, steps = 0;
    auto issue = [&](In &c) {
        if (dq_next >= dq.size())
            return;
        const auto op = dq[dq_next++];
        if (op.first) {
            c.dequant_begin = true;
            c.scale_sign = op.second;
            if (dq_next < dq.size()) {
                c.dequant_step = true;
                c.scale_bit = dq[dq_next++].second;
            }
        } else {
            c.dequant_step = true;
            c.scale_bit = op.second;
        }
    };
    while (steps < min_steps) {
        ab_format f;
        ab_error err{};
        if (ab_format_parse(names[rng() % 7], &f, &err) != 0) {
            std::fprintf(stderr, "rtl_tb: %s\n", err.msg);
            std::exit(2);
        }
        const unsigned cpw = ab_bitmod_cycles_per_weight(&f);
        const size_t n = 1 + rng() % 48;
        const unsigned centre = 4 + unsigned(rng() % 24);
        bool first = true;
        for (size_t base = 0; base < n; base += 4) {
            uint16_t a[4];
            ab_bitmod_term t[4][AB_BITMOD_MAX_TERMS];
            for (unsigned i = 0; i < 4; i++) {
                if (base + i < n) {
                    const unsigned e = centre + unsigned(rng() % 5) - 2;
                    a[i] = uint16_t(((rng() & 1u) << 15) | (e << 10) | (rng() & 0x3ffu));
                    if (ab_bitmod_terms(&f, uint32_t(rng() & ((1u << f.bits) - 1u)), t[i], &err) < 0) {
                        std::fprintf(stderr, "rtl_tb: %s\n", err.msg);
                        std::exit(2);
                    }
                } else {
                    a[i] = 0;
                    for (unsigned k = 0; k < cpw; k++)
                        t[i][k] = ab_bitmod_term{0, 0, 0, t[0][k].sig};
                }
            }
            for (unsigned k = 0; k < cpw; k++) {
                In c;
                c.step = true;
                c.group_begin = first;
                first = false;
                for (unsigned i = 0; i < 4; i++) {
                    c.act[i] = a[i];
                    c.term[i] = t[i][k];
                }
                issue(c);
                out.push_back(c);
                steps++;
            }
        }
        while (dq_next < dq.size()) { // the previous dequantization finishes
            In c;
            issue(c);
            out.push_back(c);
        }
        dq.clear();
        dq_next = 0;
        const unsigned sb = 1 + unsigned(rng() % 8);
        const uint32_t scale = uint32_t(rng() & ((1u << sb) - 1u));
        dq.push_back({true, uint8_t(rng() & 1u)});
        for (unsigned b = sb; b-- > 0;)
            dq.push_back({false, uint8_t((scale >> b) & 1u)});
    }
    while (dq_next < dq.size()) {
        In c;
        issue(c);
        out.push_back(c);
    }
    return out;
}

int32_t sext(uint32_t v, unsigned bits)
{
    const uint32_t m = 1u << (bits - 1);
    return int32_t((v ^ m) - m);
}

} // namespace

SC_MODULE(Tb)
{
    sc_in<bool> clk;
    sc_signal<bool> rst_n, step_valid, group_begin, dequant_begin, scale_sign, dequant_step,
        scale_bit, literal_align, fault_flip, acc_sign, dq_sign, dq_scale_sign, dbg_sig_conflict,
        unit_begin, unit_last, unit_done;
    sc_signal<uint64_t> act, dbg_lane;
    sc_signal<uint32_t> w_sign, w_exp, w_man, w_sig, acc_exp, acc_man, dq_exp, dq_man, dq_in_man,
        dbg_max_exp, dbg_delta, dbg_bs_out, dbg_acc_sum, dbg_norm_shift, scale_len, unit_cycles;
    std::vector<In> stim;
    long long fault_at = -1; // drive fault_flip at this cycle (the checker's self-test)
    int failures = 0;
    size_t cycles = 0, steps = 0;

    void apply(const In &c)
    {
        step_valid = c.step;
        group_begin = c.group_begin;
        dequant_begin = c.dequant_begin;
        scale_sign = c.scale_sign != 0;
        dequant_step = c.dequant_step;
        scale_bit = c.scale_bit != 0;
        uint64_t a = 0;
        uint32_t s = 0, e = 0, m = 0, g = 0;
        for (unsigned i = 0; i < 4; i++) {
            a |= uint64_t(c.act[i]) << (16 * i);
            s |= uint32_t(c.term[i].sign & 1u) << i;
            e |= uint32_t(c.term[i].exp & 3u) << (2 * i);
            m |= uint32_t(c.term[i].man & 1u) << i;
            g |= uint32_t(c.term[i].sig & 7u) << (3 * i);
        }
        act = a;
        w_sign = s;
        w_exp = e;
        w_man = m;
        w_sig = g;
    }

    bool check(const char *name, long long rtl, long long c, size_t n)
    {
        if (rtl == c)
            return true;
        if (failures++ == 0)
            std::printf("rtl_tb: mismatch at cycle %zu (%s): RTL %lld, C %lld\n", n, name, rtl, c);
        return false;
    }

    void run()
    {
        literal_align = false;
        fault_flip = false;
        unit_begin = false;
        unit_last = false;
        scale_len = 0;
        rst_n = false;
        apply(In{});
        wait(clk.negedge_event());
        wait(clk.posedge_event()); // the reset edge
        wait(clk.negedge_event());
        rst_n = true;
        ab_bitmod_pe c;
        ab_bitmod_pe_init(&c, false);
        for (size_t n = 0; n < stim.size() && failures == 0; n++) {
            const In &in = stim[n];
            apply(in);
            fault_flip = (long long)n == fault_at;
            wait(2, SC_NS); // combinational outputs settled
            const uint32_t max_exp = dbg_max_exp.read(), bs = dbg_bs_out.read(),
                           sum = dbg_acc_sum.read(), norm = dbg_norm_shift.read();
            wait(clk.posedge_event());
            wait(1, SC_NS); // registers after the edge
            ab_bitmod_cycle_info ci{};
            if (in.dequant_begin)
                ab_bitmod_pe_dequant_begin(&c, in.scale_sign);
            if (in.dequant_step)
                ab_bitmod_pe_dequant_step(&c, in.scale_bit);
            if (in.group_begin)
                ab_bitmod_pe_group_begin(&c);
            if (in.step) {
                ab_bitmod_pe_step(&c, in.act, in.term, &ci);
                steps++;
                check("dbg_max_exp", max_exp, ci.max_exp, n);
                check("dbg_bs_out", sext(bs, 17), ci.bs_out, n);
                check("dbg_acc_sum", sext(sum, 23), ci.acc_sum, n);
                check("dbg_norm_shift", norm, ci.norm_shift, n);
            }
            check("acc_exp", acc_exp.read(), c.acc_exp, n);
            check("acc_man", sext(acc_man.read(), 15), c.acc_man, n);
            check("acc_sign", acc_sign.read(), c.acc_sign, n);
            check("dq_exp", dq_exp.read(), c.dq_exp, n);
            check("dq_man", sext(dq_man.read(), 21), c.dq_man, n);
            check("dq_sign", dq_sign.read(), c.dq_sign, n);
            check("dq_in_man", sext(dq_in_man.read(), 15), c.dq_in_man, n);
            check("dq_scale_sign", dq_scale_sign.read(), c.dq_scale_sign, n);
            check("unit_done", unit_done.read(), 0, n);
            cycles++;
            wait(clk.negedge_event());
        }
        sc_stop();
    }

    SC_CTOR(Tb)
    {
        SC_THREAD(run);
    }
};

int sc_main(int argc, char **argv)
{
    const size_t steps = argc > 1 ? size_t(std::strtoull(argv[1], nullptr, 10)) : 400;
    sc_set_time_resolution(1, SC_NS); // the Verilog timeprecision (--timescale 1ns/1ns)
    sc_clock clk("clk", 10, SC_NS);
    Tb tb("tb");
    tb.clk(clk);
    tb.stim = stimulus(2026, steps);
    if (argc > 2)
        tb.fault_at = std::strtoll(argv[2], nullptr, 10);
    Vpe_bitmod_sc dut("dut");
    dut.clk(clk);
    dut.rst_n(tb.rst_n);
    dut.step_valid(tb.step_valid);
    dut.act(tb.act);
    dut.w_sign(tb.w_sign);
    dut.w_exp(tb.w_exp);
    dut.w_man(tb.w_man);
    dut.w_sig(tb.w_sig);
    dut.group_begin(tb.group_begin);
    dut.dequant_begin(tb.dequant_begin);
    dut.scale_sign(tb.scale_sign);
    dut.dequant_step(tb.dequant_step);
    dut.scale_bit(tb.scale_bit);
    dut.unit_begin(tb.unit_begin);
    dut.unit_last(tb.unit_last);
    dut.scale_len(tb.scale_len);
    dut.literal_align(tb.literal_align);
    dut.fault_flip(tb.fault_flip);
    dut.acc_exp(tb.acc_exp);
    dut.acc_man(tb.acc_man);
    dut.acc_sign(tb.acc_sign);
    dut.dq_exp(tb.dq_exp);
    dut.dq_man(tb.dq_man);
    dut.dq_sign(tb.dq_sign);
    dut.dq_in_man(tb.dq_in_man);
    dut.dq_scale_sign(tb.dq_scale_sign);
    dut.unit_done(tb.unit_done);
    dut.unit_cycles(tb.unit_cycles);
    dut.dbg_max_exp(tb.dbg_max_exp);
    dut.dbg_delta(tb.dbg_delta);
    dut.dbg_lane(tb.dbg_lane);
    dut.dbg_bs_out(tb.dbg_bs_out);
    dut.dbg_acc_sum(tb.dbg_acc_sum);
    dut.dbg_norm_shift(tb.dbg_norm_shift);
    dut.dbg_sig_conflict(tb.dbg_sig_conflict);
    sc_start();
    std::printf("rtl_tb: pe_bitmod (SystemC) vs kernels/bitmod_pe.h: %zu cycles, %zu steps, %s\n",
                tb.cycles, tb.steps, tb.failures ? "MISMATCH" : "agree");
    if (tb.cycles != tb.stim.size() && tb.failures == 0) {
        std::printf("rtl_tb: ran %zu of %zu cycles\n", tb.cycles, tb.stim.size());
        return 1;
    }
    return tb.failures ? 1 : 0;
}
