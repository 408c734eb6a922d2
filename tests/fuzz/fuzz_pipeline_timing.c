/* fuzz_pipeline_timing.c - libFuzzer target for the timing pipeline end to
 * end: a trace parsed from the input (ab_trace_parse, as fuzz_trace.c),
 * its ops mapped and timed by the fast engine (ab_sim_ops, AB_MODE_FAST)
 * on the default BitMoD, binary-tensor-core and FP16 accelerators
 * (ab_accel_default: the numbers of configs/<kind>.yaml).
 *
 * Bounds, so that one input stays in milliseconds: the first OPS_MAX ops
 * whose MACs (M x N x K x count) are at most OP_MACS_MAX; the others are
 * left out.  A run either is refused with a message (a PE that cannot run
 * an op's formats, buffers too small) or returns totals that add up (the
 * run's cycles, MACs and stalls are the sums of its ops', every op's
 * cycles cover its compute cycles, utilization within [0, 1]); and every
 * op short enough to step (CYCLE_MODE_MAX_CYCLES) gives the same cycle
 * count in cycle mode (docs/design.md "Two timing modes that must agree"). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "engine/engine.h"
#include "workload/trace.h"
#include "workload/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPS_MAX 16u
#define OP_MACS_MAX ((uint64_t)1 << 24)
#define CYCLE_MODE_MAX_CYCLES 50000u

static const ab_pe_kind k_kinds[] = {AB_PE_BITMOD, AB_PE_BTC, AB_PE_FP16};

static void check_run(const ab_accel *a, const ab_op_list *ops, const ab_run_stats *rs)
{
    if (rs->nops != ops->n)
        abort();
    uint64_t cycles = 0, compute = 0, stalls = 0, macs = 0;
    for (size_t i = 0; i < rs->nops; i++) {
        const ab_op_stats *st = &rs->ops[i];
        if (st->cycles < st->compute_cycles ||
            st->stall_cycles != st->cycles - st->compute_cycles ||
            st->macs != ab_op_macs(&ops->ops[i]) ||
            !(st->utilization >= 0.0 && st->utilization <= 1.0 + 1e-9) ||
            !isfinite(st->energy.total_pj))
            abort(); /* an op's totals contradict each other */
        cycles += st->cycles;
        compute += st->compute_cycles;
        stalls += st->stall_cycles;
        macs += st->macs;
    }
    if (cycles != rs->cycles || compute != rs->compute_cycles || stalls != rs->stall_cycles ||
        macs != rs->macs || !isfinite(rs->energy.total_pj))
        abort(); /* the run's totals are not the sums of its ops' */
    for (size_t i = 0; i < rs->nops; i++) {
        if (rs->ops[i].cycles > CYCLE_MODE_MAX_CYCLES)
            continue;
        ab_op_stats cyc;
        ab_error err;
        if (ab_sim_op(a, &ops->ops[i], AB_MODE_CYCLE, &cyc, &err) != 0 ||
            cyc.cycles != rs->ops[i].cycles)
            abort(); /* the cycle mode disagrees with the fast mode */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    ab_trace t;
    ab_error err;
    if (ab_trace_parse(buf, size, "fuzz.safetensors", &t, &err) != 0) {
        free(buf);
        return 0;
    }
    ab_op_list ops = {0, 0, NULL};
    for (size_t i = 0; i < t.nops && ops.n < OPS_MAX; i++)
        if (ab_op_macs(&t.ops[i].op) <= OP_MACS_MAX &&
            ab_op_list_push(&ops, &t.ops[i].op, &err) != 0)
            break;
    const double tokens = ab_phase_tokens(t.phase, t.batch ? t.batch : 1);
    for (size_t k = 0; k < sizeof k_kinds / sizeof k_kinds[0] && ops.n > 0; k++) {
        ab_accel a;
        ab_accel_default(k_kinds[k], &a);
        ab_run_stats rs;
        memset(&err, 0, sizeof err);
        if (ab_sim_ops(&a, &ops, tokens, AB_MODE_FAST, &rs, &err) != 0) {
            if (!err.msg[0])
                abort(); /* a refusal always says why */
            continue;
        }
        check_run(&a, &ops, &rs);
        ab_run_stats_free(&rs);
    }
    ab_op_list_free(&ops);
    ab_trace_free(&t);
    return 0;
}
