/* bench_sim.c - how fast the simulator runs.
 *
 *  1. fast mode on all of Llama-2-7B: prefill of 2048 tokens plus 128
 *     decode steps (contexts 2048 .. 2175), every op of every step, on the
 *     BitMoD preset: wall time of expanding the workloads and of simulating
 *     them (best of REPEATS), ops and simulated cycles;
 *  2. cycle mode: simulated cycles per second of the cycle engine alone,
 *     and PE-cycles per second (cycles x PEs / wall time: the PEs of the
 *     array run in lock step, so the engine advances one stepper per pass
 *     for all of them), on a Llama-2-7B decode op (q_proj: 1 x 4096 x 4096)
 *     and its prefill:256 form (256 x 4096 x 4096), per PE kind.
 * Prints figures; never fails on time.  Usage: bench_sim [REPEATS] (3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel/accel.h"
#include "engine/engine.h"
#include "engine/engine_modes.h"
#include "workload/workload.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int die(const ab_error *e)
{
    fprintf(stderr, "bench_sim: %s\n", e->msg);
    return 2;
}

static int whole_llm(int repeats)
{
    ab_accel a;
    ab_error e;
    if (ab_accel_load("bitmod", &a, &e) != 0)
        return die(&e);
    enum { STEPS = 128 };
    /* the phases of one generation, expanded into one op list (the model
     * and recipe loaded once) and simulated as one run */
    char names[STEPS + 1][32];
    const char *phases[STEPS + 1];
    snprintf(names[0], sizeof names[0], "prefill:2048");
    for (int s = 0; s < STEPS; s++)
        snprintf(names[s + 1], sizeof names[s + 1], "decode:%d", 2048 + s);
    for (int s = 0; s <= STEPS; s++)
        phases[s] = names[s];
    const ab_expand_opts opts = {1, false};
    double best_expand = 1e30, best_sim = 1e30;
    uint64_t cycles = 0;
    size_t nops = 0;
    for (int r = 0; r < repeats; r++) {
        double t0 = now_s();
        ab_op_list all;
        if (ab_workload_expand_phases("llama2-7b", "bitmod", phases, STEPS + 1, &opts, &all,
                                      &e) != 0)
            return die(&e);
        double t1 = now_s();
        ab_run_stats rs;
        if (ab_sim_ops(&a, &all, 2048 + STEPS, AB_MODE_FAST, &rs, &e) != 0)
            return die(&e);
        cycles = rs.cycles;
        nops = rs.nops;
        ab_run_stats_free(&rs);
        ab_op_list_free(&all);
        double t2 = now_s();
        if (t1 - t0 < best_expand)
            best_expand = t1 - t0;
        if (t2 - t1 < best_sim)
            best_sim = t2 - t1;
    }
    printf("fast mode, llama2-7b prefill:2048 + 128 decode steps on bitmod (one core, best of "
           "%d):\n  %zu ops, %llu simulated cycles (%.3f s at %.3g GHz)\n"
           "  workload expansion %.3f s, simulation %.3f s, total %.3f s\n",
           repeats, nops, (unsigned long long)cycles, (double)cycles / (a.clock_ghz * 1e9),
           a.clock_ghz, best_expand, best_sim, best_expand + best_sim);
    return 0;
}

static int cycle_mode(void)
{
    static const char *const presets[] = {"bitmod", "btc", "fp16", "int8", "ant", "olive"};
    static const char *const wf[] = {"bitmod_fp4_mix", "int4", "fp16", "int8", "ant4", "olive4"};
    static const char *const af[] = {"fp16", "int4", "fp16", "int8", "fp16", "fp16"};
    printf("cycle mode (one op each; PE-cycles/s = simulated cycles x PEs / wall time):\n");
    printf("  %-8s %-22s %12s %10s %14s %12s\n", "config", "op", "cycles", "wall s",
           "PE-cycles/s", "cycles/s");
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        ab_accel a;
        ab_error e;
        if (ab_accel_load(presets[i], &a, &e) != 0)
            return die(&e);
        const uint64_t shapes[2][3] = {{1, 4096, 4096}, {256, 4096, 4096}};
        for (int s = 0; s < 2; s++) {
            ab_op op;
            memset(&op, 0, sizeof op);
            snprintf(op.name, sizeof op.name, "%llux%llux%llu", (unsigned long long)shapes[s][0],
                     (unsigned long long)shapes[s][1], (unsigned long long)shapes[s][2]);
            op.M = shapes[s][0];
            op.N = shapes[s][1];
            op.K = shapes[s][2];
            op.count = op.weight_share = 1;
            snprintf(op.weight_format, sizeof op.weight_format, "%s", wf[i]);
            snprintf(op.act_format, sizeof op.act_format, "%s", af[i]);
            snprintf(op.scale_format, sizeof op.scale_format, "%s", i == 0 ? "int8" : "fp16");
            op.group_size = i == 0 ? 128 : 0;
            /* the engine alone: the mapper (which times candidates in fast
             * mode) runs before the clock starts */
            ab_pe_op po;
            ab_tiling t;
            if (ab_pe_prepare(&a, &op, &po, &e) != 0 || ab_map_op(&a, &op, &po, &t, &e) != 0)
                return die(&e);
            ab_op_timing tm;
            memset(&tm, 0, sizeof tm);
            const double t0 = now_s();
            if (ab_engine_cycle(&a, &po, &t, &tm, &e) != 0)
                return die(&e);
            const double dt = now_s() - t0;
            printf("  %-8s %-22s %12llu %10.3f %14.3g %12.3g\n", presets[i], op.name,
                   (unsigned long long)tm.cycles, dt,
                   (double)tm.cycles * a.rows * a.cols / dt, (double)tm.cycles / dt);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const int repeats = argc > 1 ? atoi(argv[1]) : 3;
    const int rc = whole_llm(repeats > 0 ? repeats : 1);
    return rc ? rc : cycle_mode();
}
