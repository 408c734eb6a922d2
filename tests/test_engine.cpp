// test_engine.cpp - the simulator's timing: fast mode == cycle mode on
// seeded random accelerators and shapes for every PE kind, and closed-form
// checks (compute-bound cycles follow the PE rule, bit-serial latency
// scales with weight bits, memory-bound decode is DRAM-limited, energy
// totals are the sum of their parts, the mapper respects the buffers).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "test_ops.h"

extern "C" {
#include "accel/accel.h"
#include "bitmod_terms.h"
#include "engine/engine.h"
#include "engine/engine_modes.h"
#include "engine/tile_prog.h"
#include "pe/pe.h"
}

namespace {

using anybit_test::Rng;

// a GEMM of weights w and activations a
ab_op make_op(const char *w, const char *a, uint64_t M, uint64_t N, uint64_t K,
              uint32_t group = 0, const char *scale = "fp16")
{
    return anybit_test::make_op("op", AB_OP_GEMM, M, N, K, w, scale, group, a);
}

// A random small accelerator of kind k and an op it can run.
void random_case(Rng &r, ab_pe_kind k, ab_accel *a, ab_op *op)
{
    ab_accel_default(k, a);
    a->rows = (uint32_t)r.in(1, 9);
    a->cols = (uint32_t)r.in(1, 9);
    if (k == AB_PE_BTC) {
        a->tile_m = (uint32_t)r.in(1, 8);
        a->tile_n = (uint32_t)r.in(1, 8);
        a->tile_k = 64u * (uint32_t)r.in(1, 2);
        a->lanes = a->tile_k;
    }
    if (k == AB_PE_BITMOD) { // every lane count rtl/pe_bitmod.v's LANES takes
        a->lanes = 1u << r.in(0, 4);
        a->tile_k = a->lanes;
    }
    a->dataflow = (k != AB_PE_BITMOD && r.in(0, 1)) ? AB_DF_WS : AB_DF_OS;
    ab_sram_cfg *bufs[] = {&a->wbuf, &a->abuf, &a->obuf};
    for (ab_sram_cfg *b : bufs) {
        b->bytes = 1024u * r.in(8, 96);
        b->banks = (uint32_t)r.in(1, 8);
        b->bank_bytes_per_cycle = (uint32_t)r.in(1, 16);
    }
    a->dram.bytes_per_cycle = 0.25 * (double)r.in(1, 256);
    a->dram.latency_cycles = (uint32_t)r.in(0, 120);
    const uint64_t M = r.in(1, 48), N = r.in(1, 160), K = r.in(1, 700);
    switch (k) {
    case AB_PE_BITMOD: {
        static const char *w[] = {"bitmod_fp4_mix", "bitmod_fp3_mix", "int8", "int2", "int6"};
        const char *wf = w[r.in(0, 4)];
        if (r.in(0, 1))
            *op = make_op(wf, "fp16", M, N, 32 * r.in(1, 12), 32, "int8");
        else
            *op = make_op(wf, "fp16", M, N, K);
        break;
    }
    case AB_PE_BTC: {
        static const char *w[] = {"int4", "int2", "uint3", "int8", "bin"};
        static const char *x[] = {"int4", "int8", "uint2", "bin"};
        *op = make_op(w[r.in(0, 4)], x[r.in(0, 3)], M, N, K, r.in(0, 1) ? 0 : 64, "fp16");
        break;
    }
    case AB_PE_FP16: *op = make_op("fp16", "fp16", M, N, K); break;
    case AB_PE_INT8: *op = make_op(r.in(0, 1) ? "int8" : "int4", "int8", M, N, K); break;
    case AB_PE_ANT: *op = make_op(r.in(0, 1) ? "ant4" : "fp16", "fp16", M, N, K); break;
    default: *op = make_op(r.in(0, 1) ? "olive4" : "olive4_flint", "fp16", M, N, K); break;
    }
    if (r.in(0, 3) == 0) { // attention-like: GQA heads sharing the weight operand
        op->weight_share = (uint32_t)r.in(1, 4);
        op->count = op->weight_share * (uint32_t)r.in(1, 3);
    }
}

} // namespace

// What an op moves, from its tiling alone: tiles = reps x the tile counts
// along M, N and K; an operand tile is refetched unless the previous tile
// used the same one (K is the innermost loop, so only an op cut once along
// K keeps an operand across tiles: the outer loop's operand while the inner
// one moves, and the inner one too when its dimension is a single tile);
// each output tile is stored once.
struct Traffic {
    uint64_t tiles = 0, read = 0, write = 0;
};

Traffic closed_form_traffic(const ab_pe_op &po, const ab_tiling &t)
{
    const uint64_t nn = (t.N + t.tn - 1) / t.tn, nm = (t.M + t.tm - 1) / t.tm,
                   nk = (t.K + t.tk - 1) / t.tk;
    uint64_t w_pass = 0, a_pass = 0, out_pass = 0; // one sweep over each operand's tiles
    for (uint64_t n0 = 0; n0 < t.N; n0 += t.tn)
        for (uint64_t k0 = 0; k0 < t.K; k0 += t.tk)
            w_pass += ab_tile_weight_bytes(&po, std::min(t.tn, t.N - n0), k0, std::min(t.tk, t.K - k0));
    for (uint64_t m0 = 0; m0 < t.M; m0 += t.tm)
        for (uint64_t k0 = 0; k0 < t.K; k0 += t.tk)
            a_pass += ab_tile_act_bytes(&po, std::min(t.tm, t.M - m0), std::min(t.tk, t.K - k0));
    for (uint64_t n0 = 0; n0 < t.N; n0 += t.tn)
        for (uint64_t m0 = 0; m0 < t.M; m0 += t.tm)
            out_pass += ab_tile_out_bytes(&po, std::min(t.tm, t.M - m0), std::min(t.tn, t.N - n0));
    // how many times each operand is swept per rep
    uint64_t w_sweeps = nm, a_sweeps = nn;
    if (nk == 1) {
        if (t.m_outer) {
            a_sweeps = 1;                // outer: kept while n moves
            w_sweeps = nn == 1 ? 1 : nm; // inner: kept only if it never moves
        } else {
            w_sweeps = 1;
            a_sweeps = nm == 1 ? 1 : nn;
        }
    }
    Traffic r;
    r.tiles = t.reps * nn * nm * nk;
    r.read = t.reps * (w_sweeps * w_pass + a_sweeps * a_pass);
    r.write = t.reps * out_pass;
    return r;
}

// The acceptance property: identical cycle counts in both modes on more
// than 200 seeded random configurations, every PE kind.
TEST(Engine, FastEqualsCycleOnRandomConfigs)
{
    Rng r{20261129};
    int simulated = 0, per_kind[AB_PE_KIND_COUNT] = {0}, stalled = 0;
    for (int i = 0; simulated < 240 && i < 2000; i++) {
        const ab_pe_kind k = (ab_pe_kind)(i % AB_PE_KIND_COUNT);
        ab_accel a;
        ab_op op;
        random_case(r, k, &a, &op);
        ab_op_stats f, c;
        ab_error e;
        if (ab_sim_op(&a, &op, AB_MODE_FAST, &f, &e) != 0) {
            // only "does not fit" is an acceptable refusal of a random case
            ASSERT_NE(std::string(e.msg).find("fits"), std::string::npos) << e.msg;
            continue;
        }
        ASSERT_EQ(ab_sim_op(&a, &op, AB_MODE_CYCLE, &c, &e), 0) << e.msg;
        // the one quantity each mode computes itself (docs/simulator.md)
        ASSERT_EQ(f.cycles, c.cycles) << "case " << i << " kind " << ab_pe_kind_name(k);
        ASSERT_GE(f.cycles, f.compute_cycles);
        // tiles and DRAM bytes both modes take from the tile program: checked
        // against the tiling's closed form instead of against each other
        ab_pe_op po;
        ASSERT_EQ(ab_pe_prepare(&a, &op, &po, &e), 0) << e.msg;
        const Traffic want = closed_form_traffic(po, f.tiling);
        ASSERT_EQ(f.tiles, want.tiles) << "case " << i;
        ASSERT_EQ(f.ev.dram_read_bytes, want.read) << "case " << i;
        ASSERT_EQ(f.ev.dram_write_bytes, want.write) << "case " << i;
        stalled += f.stall_cycles > 0;
        simulated++;
        per_kind[k]++;
    }
    EXPECT_GE(simulated, 200);
    for (int k = 0; k < AB_PE_KIND_COUNT; k++)
        EXPECT_GE(per_kind[k], 25) << ab_pe_kind_name((ab_pe_kind)k);
    EXPECT_GT(stalled, 20); // the set exercises memory stalls, not only compute
}

// No op runs above its configuration's roofs: MACs per cycle at most the
// array's peak on the op's formats (every PE busy on whole-K work units, the
// roofline's compute roof), DRAM bytes per cycle at most the bandwidth, on
// random accelerators of every kind and both dataflows.
TEST(Engine, NoOpRunsAboveItsRoofs)
{
    Rng r{20261202};
    int simulated = 0, near_peak = 0;
    for (int i = 0; simulated < 300 && i < 3000; i++) {
        const ab_pe_kind k = (ab_pe_kind)(i % AB_PE_KIND_COUNT);
        ab_accel a;
        ab_op op;
        random_case(r, k, &a, &op);
        ab_op_stats st;
        ab_error e;
        if (ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e) != 0)
            continue;
        ASSERT_GT(st.peak_macs_per_cycle, 0) << "case " << i;
        const double macs_per_cycle = (double)st.macs / (double)st.cycles;
        ASSERT_LE(macs_per_cycle, st.peak_macs_per_cycle * (1 + 1e-12))
            << "case " << i << " kind " << ab_pe_kind_name(k) << " "
            << ab_dataflow_name(a.dataflow);
        const double bytes = (double)(st.ev.dram_read_bytes + st.ev.dram_write_bytes);
        ASSERT_LE(bytes / (double)st.cycles, a.dram.bytes_per_cycle * (1 + 1e-12)) << "case " << i;
        near_peak += macs_per_cycle > 0.5 * st.peak_macs_per_cycle;
        simulated++;
    }
    EXPECT_GE(simulated, 300);
    EXPECT_GT(near_peak, 10); // some cases come close: the roof is not vacuous
}

// The same property for the systolic dataflows (docs/simulator.md
// "Systolic dataflows"): at least 100 seeded random configurations each,
// every MAC PE kind, both cycle conventions, memory stalls included.  The
// cycle mode steps every fold's wavefront and fails unless it takes the
// fold rule's cycles and keeps the PEs busy as long as the tile program
// counts.
TEST(Engine, FastEqualsCycleOnRandomSystolicConfigs)
{
    static const ab_pe_kind kinds[] = {AB_PE_INT8, AB_PE_FP16, AB_PE_ANT, AB_PE_OLIVE};
    static const ab_dataflow flows[] = {AB_DF_OS_SYSTOLIC, AB_DF_WS_SYSTOLIC, AB_DF_IS_SYSTOLIC};
    Rng r{20260512};
    int per_flow[3] = {0, 0, 0}, stalled[3] = {0, 0, 0};
    for (int i = 0; i < 1500; i++) {
        const int f = i % 3;
        if (per_flow[f] >= 110)
            continue;
        ab_accel a;
        ab_op op;
        random_case(r, kinds[(i / 3) % 4], &a, &op);
        a.dataflow = flows[f];
        a.convention = r.in(0, 1) ? AB_CONV_SCALESIM : AB_CONV_ANYBIT;
        op.K = 1 + op.K % 300; // fewer cycles to step
        ab_op_stats fs, cs;
        ab_error e;
        if (ab_sim_op(&a, &op, AB_MODE_FAST, &fs, &e) != 0) {
            ASSERT_NE(std::string(e.msg).find("fits"), std::string::npos) << e.msg;
            continue;
        }
        ASSERT_EQ(ab_sim_op(&a, &op, AB_MODE_CYCLE, &cs, &e), 0) << e.msg;
        ASSERT_EQ(fs.cycles, cs.cycles) << "case " << i << " " << ab_dataflow_name(a.dataflow);
        ASSERT_EQ(fs.ev.pe_busy_cycles, cs.ev.pe_busy_cycles) << "case " << i;
        stalled[f] += fs.stall_cycles > 0;
        per_flow[f]++;
    }
    for (int f = 0; f < 3; f++) {
        EXPECT_GE(per_flow[f], 100) << ab_dataflow_name(flows[f]);
        EXPECT_GT(stalled[f], 10) << ab_dataflow_name(flows[f]); // memory stalls exercised
    }
}

// The fast mode's period skipping (engine_fast.c) gives exactly the walk
// that visits every tile step: every count, on seeded random accelerators of
// every PE kind and dataflow, both cycle conventions, ops of many tiles
// (tilings cut small, repetitions), memory-bound and compute-bound.  The
// skipping must also happen, or the check proves nothing; on a subset the
// cycle mode, which steps every cycle, agrees too.
TEST(Engine, FastSkipsPeriodsExactly)
{
    static const ab_dataflow flows[] = {AB_DF_OS, AB_DF_WS, AB_DF_OS_SYSTOLIC, AB_DF_WS_SYSTOLIC,
                                        AB_DF_IS_SYSTOLIC};
    Rng r{20261204};
    int compared = 0, skipped_cases = 0, cycle_checked = 0;
    uint64_t steps_skipped_total = 0;
    for (int i = 0; i < 3000 && compared < 400; i++) {
        const ab_pe_kind k = (ab_pe_kind)(i % AB_PE_KIND_COUNT);
        ab_accel a;
        ab_op op;
        random_case(r, k, &a, &op);
        const ab_dataflow f = flows[r.in(0, 4)];
        if (k == AB_PE_BITMOD || k == AB_PE_BTC)
            a.dataflow = r.in(0, 1) ? AB_DF_OS : a.dataflow;
        else
            a.dataflow = f;
        a.convention = r.in(0, 1) ? AB_CONV_SCALESIM : AB_CONV_ANYBIT;
        op.M = r.in(1, 200);
        op.N = r.in(1, 600);
        if (r.in(0, 2) == 0 && op.weight_share == 0) // repetitions (attention heads)
            op.count = (uint32_t)r.in(2, 40);
        ab_pe_op po;
        ab_tiling t;
        ab_error e;
        if (ab_pe_prepare(&a, &op, &po, &e) != 0 || ab_map_op(&a, &op, &po, &t, &e) != 0)
            continue;
        // cut the chosen tiles smaller: many units at every loop level
        t.tm = std::max<uint64_t>(1, t.tm / (uint64_t)r.in(1, 8));
        t.tn = std::max<uint64_t>(1, t.tn / (uint64_t)r.in(1, 8));
        t.tk = std::max<uint64_t>(1, t.tk / (uint64_t)r.in(1, 12));
        if (r.in(0, 1))
            t.m_outer = !t.m_outer;
        const uint64_t steps = t.reps * ((t.M + t.tm - 1) / t.tm) * ((t.N + t.tn - 1) / t.tn) *
                               ((t.K + t.tk - 1) / t.tk);
        if (steps > 20000) // the walk that visits every step is the slow side
            continue;
        ab_op_timing walk, jump;
        memset(&walk, 0, sizeof walk);
        memset(&jump, 0, sizeof jump);
        uint64_t skipped = 0, none = 0;
        ASSERT_EQ(ab_engine_fast_walk(&a, &po, &t, &walk, false, &none, &e), 0) << e.msg;
        ASSERT_EQ(none, 0u);
        ASSERT_EQ(ab_engine_fast_walk(&a, &po, &t, &jump, true, &skipped, &e), 0) << e.msg;
        ASSERT_EQ(jump.cycles, walk.cycles) << "case " << i;
        ASSERT_EQ(jump.compute_cycles, walk.compute_cycles) << "case " << i;
        ASSERT_EQ(jump.tiles, walk.tiles) << "case " << i;
        ASSERT_EQ(jump.ev.pe_busy_cycles, walk.ev.pe_busy_cycles) << "case " << i;
        ASSERT_EQ(jump.ev.dequant_cycles, walk.ev.dequant_cycles) << "case " << i;
        for (int b = 0; b < 3; b++) {
            ASSERT_EQ(jump.ev.sram_read_bytes[b], walk.ev.sram_read_bytes[b]) << "case " << i;
            ASSERT_EQ(jump.ev.sram_write_bytes[b], walk.ev.sram_write_bytes[b]) << "case " << i;
        }
        ASSERT_EQ(jump.ev.dram_read_bytes, walk.ev.dram_read_bytes) << "case " << i;
        ASSERT_EQ(jump.ev.dram_write_bytes, walk.ev.dram_write_bytes) << "case " << i;
        compared++;
        skipped_cases += skipped > 0;
        steps_skipped_total += skipped;
        if (skipped > 0 && walk.cycles < 200000 && cycle_checked < 60) {
            ab_op_timing cyc;
            memset(&cyc, 0, sizeof cyc);
            ASSERT_EQ(ab_engine_cycle(&a, &po, &t, &cyc, &e), 0) << e.msg;
            ASSERT_EQ(cyc.cycles, jump.cycles) << "case " << i;
            cycle_checked++;
        }
    }
    EXPECT_GE(compared, 400);
    EXPECT_GE(skipped_cases, 200); // the skipping ran on most of them
    EXPECT_GE(cycle_checked, 40);
    EXPECT_GT(steps_skipped_total, 100000u);
}

using anybit_test::roomy_accel;

// A compute-bound op that fits one pass takes exactly the PE rule's cycles:
// one load cycle, ceil(K/4) x ceil(bits/2) compute (+ the group dequant
// pacing), the dequantization of the last group, one store cycle.
TEST(Engine, ComputeBoundFollowsThePeRule)
{
    for (unsigned bits = 2; bits <= 8; bits++) {
        ab_accel a = roomy_accel(AB_PE_BITMOD);
        const std::string w = "int" + std::to_string(bits);
        ab_op op = make_op(w.c_str(), "fp16", a.cols, a.rows, 1024, 128, "int8");
        ab_op_stats st;
        ab_error e;
        ASSERT_EQ(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
        const uint64_t cpw = ab_bitmod_cycles_for_bits(bits);
        const uint64_t group = std::max<uint64_t>(32 * cpw, 8); // ceil(128/4) x cpw vs 8 scale bits
        EXPECT_EQ(st.compute_cycles, 8 * group) << w;
        EXPECT_EQ(st.cycles, 1 + 8 * group + 8 + 1) << w;
    }
    // MAC PEs: K / lanes cycles; btc: p*q per tile_k step
    ab_accel f = roomy_accel(AB_PE_FP16);
    ab_op op = make_op("fp16", "fp16", f.cols, f.rows, 1000);
    ab_op_stats st;
    ab_error e;
    ASSERT_EQ(ab_sim_op(&f, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
    EXPECT_EQ(st.compute_cycles, (1000 + f.lanes - 1) / f.lanes);
    ab_accel b = roomy_accel(AB_PE_BTC);
    op = make_op("int4", "int8", b.cols * b.tile_m, b.rows * b.tile_n, 1000);
    ASSERT_EQ(ab_sim_op(&b, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
    EXPECT_EQ(st.compute_cycles, 4u * 8u * ((1000 + b.tile_k - 1) / b.tile_k));
    op = make_op("bin", "bin", b.cols * b.tile_m, b.rows * b.tile_n, 1000);
    ASSERT_EQ(ab_sim_op(&b, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
    EXPECT_EQ(st.compute_cycles, (1000 + b.tile_k - 1) / b.tile_k); // XOR mode: one plane pair
    op = make_op("bin", "int4", b.cols * b.tile_m, b.rows * b.tile_n, 1000);
    ASSERT_EQ(ab_sim_op(&b, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
    EXPECT_EQ(st.compute_cycles, 4u * ((1000 + b.tile_k - 1) / b.tile_k)); // 1 x 4 plane pairs
}

// BitMoD's dequantization takes one cycle per bit of the op's integer group
// scale (docs/simulator.md, docs/configs.md "pe.scale_bits"); the config's
// pe.scale_bits is only the widest scale the dequantizer takes.  Groups of
// 8 weights at 4 bits compute in ceil(8/4) x 2 = 4 cycles, so the scale's
// bits pace them: 6 cycles a group with int6 scales, 4 with int4 (no
// pacing), whatever pe.scale_bits is.
TEST(Engine, DequantTimingChargesTheOpsScaleBits)
{
    ab_error e;
    for (unsigned cfg_bits : {6u, 8u, 16u}) {
        ab_accel a;
        ab_accel_default(AB_PE_BITMOD, &a);
        a.scale_bits = cfg_bits;
        for (unsigned op_bits : {4u, 6u}) {
            const std::string scale = "int" + std::to_string(op_bits);
            ab_op op = make_op("int4", "fp16", 1, 1, 128, 8, scale.c_str());
            ab_pe_op po;
            ASSERT_EQ(ab_pe_prepare(&a, &op, &po, &e), 0) << e.msg;
            ab_pe_work w{};
            w.k0 = 0;
            w.kt = 128;
            EXPECT_EQ(ab_pe_cycles(&a, &po, &w), 16u * std::max(4u, op_bits))
                << "pe.scale_bits " << cfg_bits << ", op scale " << scale;
        }
    }
}

// Bit-serial latency grows with weight bits by the cycle rule
// (ceil(bits/2)) on a compute-bound prefill GEMM.
TEST(Engine, BitSerialLatencyScalesWithWeightBits)
{
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    uint64_t base = 0, base_cycles = 0;
    for (unsigned bits : {2u, 4u, 6u, 8u}) {
        const std::string w = "int" + std::to_string(bits);
        ab_op op = make_op(w.c_str(), "fp16", 512, 1024, 1024);
        ab_op_stats st;
        ab_error e;
        ASSERT_EQ(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
        if (bits == 2) {
            base = st.compute_cycles;
            base_cycles = st.cycles;
        }
        EXPECT_EQ(st.compute_cycles, base * ab_bitmod_cycles_for_bits(bits)) << w;
        // compute-bound: the total follows, up to the load/store fill
        EXPECT_NEAR((double)st.cycles / (double)base_cycles,
                    (double)ab_bitmod_cycles_for_bits(bits), 0.2 * ab_bitmod_cycles_for_bits(bits))
            << w;
    }
}

// Decode (M = 1) is limited by DRAM: cycles within one tile's compute and
// the DRAM latency of bytes moved / bandwidth.
TEST(Engine, MemoryBoundDecodeIsLimitedByDram)
{
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    ab_op op = make_op("bitmod_fp4_mix", "fp16", 1, 4096, 4096, 128, "int8");
    ab_op_stats st;
    ab_error e;
    ASSERT_EQ(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
    const double bytes = (double)(st.ev.dram_read_bytes + st.ev.dram_write_bytes);
    EXPECT_NEAR(bytes, 4096.0 * 4096 * 4.0625 / 8, 4096.0 * 4096 * 0.01); // weights dominate
    const double dram_cycles = std::ceil(bytes / a.dram.bytes_per_cycle);
    EXPECT_GE((double)st.cycles, dram_cycles);
    EXPECT_LE((double)st.cycles, dram_cycles * 1.02 + 3.0 * a.dram.latency_cycles + 4096);
    EXPECT_GT(st.stall_cycles, st.compute_cycles); // memory-bound
}

TEST(Engine, EnergyTotalsAreTheSumOfTheirParts)
{
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    ab_op_list ops = {0, 0, nullptr};
    ab_error e;
    ab_op o1 = make_op("bitmod_fp4_mix", "fp16", 1, 4096, 4096, 128, "int8");
    ab_op o2 = make_op("int8", "fp16", 1, 257, 128);
    ASSERT_EQ(ab_op_list_push(&ops, &o1, &e), 0);
    ASSERT_EQ(ab_op_list_push(&ops, &o2, &e), 0);
    ASSERT_EQ(ab_op_list_push(&ops, &o1, &e), 0);
    ab_run_stats rs;
    ASSERT_EQ(ab_sim_ops(&a, &ops, 1, AB_MODE_FAST, &rs, &e), 0) << e.msg;
    double parts = 0, ops_total = 0;
    const ab_energy &t = rs.energy;
    parts = t.pe_pj + t.dequant_pj + t.sram_read_pj + t.sram_write_pj + t.dram_pj + t.leakage_pj;
    for (size_t i = 0; i < rs.nops; i++)
        ops_total += rs.ops[i].energy.total_pj;
    EXPECT_DOUBLE_EQ(t.total_pj, parts);
    EXPECT_NEAR(t.total_pj, ops_total, 1e-9 * t.total_pj);
    EXPECT_EQ(rs.cycles, rs.ops[0].cycles + rs.ops[1].cycles + rs.ops[2].cycles);
    EXPECT_EQ(rs.ops[0].cycles, rs.ops[2].cycles); // identical ops, simulated once
    EXPECT_GT(t.dram_pj, 0);
    EXPECT_GT(t.dequant_pj, 0);
    ab_run_stats_free(&rs);
    ab_op_list_free(&ops);
}

// Tiles fit their buffer halves; a forced tiling is used as given and a
// buffer too small for any tile is refused with the numbers.
TEST(Engine, MapperRespectsBuffers)
{
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    ab_op op = make_op("bitmod_fp4_mix", "fp16", 64, 11008, 4096, 128, "int8");
    ab_pe_op po;
    ab_error e;
    ASSERT_EQ(ab_pe_prepare(&a, &op, &po, &e), 0) << e.msg;
    ab_tiling t;
    ASSERT_EQ(ab_map_op(&a, &op, &po, &t, &e), 0) << e.msg;
    EXPECT_LE(t.tn * t.tk * 4.0625 / 8, a.wbuf.bytes / 2.0);
    EXPECT_LE(t.tm * t.tk * 2.0, a.abuf.bytes / 2.0);
    EXPECT_EQ(t.tk % 128, t.tk == t.K ? t.tk % 128 : 0u); // whole groups
    a.force_tm = 16;
    a.force_tn = 64;
    a.force_tk = 1024;
    ASSERT_EQ(ab_map_op(&a, &op, &po, &t, &e), 0) << e.msg;
    EXPECT_TRUE(t.forced);
    EXPECT_EQ(t.tk, 1024u);
    a.force_tk = 100; // not whole groups
    EXPECT_NE(ab_map_op(&a, &op, &po, &t, &e), 0);
    EXPECT_NE(std::string(e.msg).find("tiling.tk"), std::string::npos) << e.msg;
    a.force_tm = a.force_tn = a.force_tk = 0;
    a.wbuf.bytes = 256; // not even one row of 64 channels x one group
    EXPECT_NE(ab_map_op(&a, &op, &po, &t, &e), 0);
    EXPECT_NE(std::string(e.msg).find("no tile"), std::string::npos) << e.msg;
}

TEST(Engine, PeRefusesFormatsItCannotRun)
{
    ab_error e;
    ab_pe_op po;
    ab_accel a;
    ab_accel_default(AB_PE_FP16, &a);
    ab_op op = make_op("int4", "fp16", 1, 64, 64);
    EXPECT_NE(ab_pe_prepare(&a, &op, &po, &e), 0);
    EXPECT_NE(std::string(e.msg).find("weight_format"), std::string::npos) << e.msg;
    ab_accel_default(AB_PE_BTC, &a);
    op = make_op("int4", "fp16", 1, 64, 64);
    EXPECT_NE(ab_pe_prepare(&a, &op, &po, &e), 0);
    EXPECT_NE(std::string(e.msg).find("act_format"), std::string::npos) << e.msg;
    ab_accel_default(AB_PE_BITMOD, &a);
    op = make_op("fp16", "fp16", 1, 64, 64);
    EXPECT_NE(ab_pe_prepare(&a, &op, &po, &e), 0);
    op = make_op("int4", "fp16", 1, 64, 128, 128, "int12"); // wider than pe.scale_bits
    EXPECT_NE(ab_pe_prepare(&a, &op, &po, &e), 0);
    EXPECT_NE(std::string(e.msg).find("scale_bits"), std::string::npos) << e.msg;
    // each PE's widest operands (docs/configs.md "pe.kind"): one bit past them is refused
    struct Refusal {
        ab_pe_kind kind;
        const char *w, *a, *field;
    } const past_the_edge[] = {
        {AB_PE_BTC, "int16", "int8", "weight_format"}, // BTC planes: 1..8 bits
        {AB_PE_BTC, "int4", "int9", "act_format"},
        {AB_PE_INT8, "int16", "int8", "weight_format"},
        {AB_PE_INT8, "int8", "int16", "act_format"},
        {AB_PE_ANT, "int16", "fp16", "weight_format"}, // ANT types: at most 8 bits
        {AB_PE_OLIVE, "int4", "fp16", "weight_format"}, // OliVe: its outlier pairs or fp16
    };
    for (const Refusal &r : past_the_edge) {
        ab_accel_default(r.kind, &a);
        op = make_op(r.w, r.a, 1, 64, 128);
        EXPECT_NE(ab_pe_prepare(&a, &op, &po, &e), 0) << ab_pe_kind_name(r.kind) << " " << r.w;
        EXPECT_NE(std::string(e.msg).find(r.field), std::string::npos) << e.msg;
    }
    // ... and the edge itself is run
    const Refusal at_the_edge[] = {
        {AB_PE_BTC, "int8", "int8", ""}, {AB_PE_INT8, "int8", "int8", ""},
        {AB_PE_ANT, "int8", "fp16", ""}, {AB_PE_OLIVE, "olive4", "fp16", ""}};
    for (const Refusal &r : at_the_edge) {
        ab_accel_default(r.kind, &a);
        op = make_op(r.w, r.a, 1, 64, 128);
        EXPECT_EQ(ab_pe_prepare(&a, &op, &po, &e), 0) << e.msg;
    }
}

// Each PE's per-cycle stepper ends after exactly the cycle rule's cycles.
TEST(Engine, SteppersAgreeWithTheCycleRule)
{
    Rng r{7};
    for (int i = 0; i < 600; i++) {
        const ab_pe_kind k = (ab_pe_kind)(i % AB_PE_KIND_COUNT);
        ab_accel a;
        ab_op op;
        random_case(r, k, &a, &op);
        ab_pe_op po;
        ab_error e;
        ASSERT_EQ(ab_pe_prepare(&a, &op, &po, &e), 0) << e.msg;
        ab_pe_work w;
        std::memset(&w, 0, sizeof w);
        w.ws = a.dataflow == AB_DF_WS;
        w.k0 = r.in(0, op.K - 1);
        w.kt = w.ws ? std::min<uint64_t>(ab_pe_kslice(&a), op.K - w.k0) : r.in(1, op.K - w.k0);
        w.tokens = r.in(1, 40);
        const ab_pe_model *m = ab_pe_model_of(k);
        ab_pe_stepper s;
        m->step_begin(&a, &po, &w, &s);
        uint64_t n = 0;
        while (!m->step(&a, &po, &s))
            ASSERT_LT(++n, 1000000u);
        EXPECT_EQ(n + 1, m->cycles(&a, &po, &w)) << ab_pe_kind_name(k) << " case " << i;
    }
}

// Every tile must fit one half of its double-buffered SRAM: with two groups
// of 128 the smallest weight tile is one array pass of one group; a weight
// buffer that holds it once but not twice is refused, naming the bytes, and
// one that holds it twice is taken (mutant fit-ignores-double-buffering).
TEST(Engine, TilesMustFitHalfTheBuffer)
{
    ab_accel a = roomy_accel(AB_PE_BITMOD);
    ab_op op = make_op("int4", "fp16", 1, a.rows, 256, 128, "int6"); // K cut in whole groups
    ab_pe_op po;
    ab_error e;
    ASSERT_EQ(ab_pe_prepare(&a, &op, &po, &e), 0) << e.msg;
    const uint64_t need = ab_tile_weight_bytes(&po, a.rows, 0, 128);
    ab_op_stats st;
    a.wbuf.bytes = need + need / 2; // the tile fits the whole buffer, not a half
    EXPECT_NE(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0)
        << "need " << need << " tn " << st.tiling.tn << " tk " << st.tiling.tk << " wbuf " << a.wbuf.bytes
        << " group " << po.group;
    EXPECT_NE(std::string(e.msg).find("fit"), std::string::npos) << e.msg;
    a.wbuf.bytes = 2 * need;
    EXPECT_EQ(ab_sim_op(&a, &op, AB_MODE_FAST, &st, &e), 0) << e.msg;
}
