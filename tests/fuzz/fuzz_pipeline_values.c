/* fuzz_pipeline_values.c - libFuzzer target for the value datapaths end to
 * end: a trace parsed from the input (ab_trace_parse), then every op that
 * carries values through ab_values_check (sim/values/pe_values.h) on the
 * default accelerator of each PE kind (ab_accel_default: BitMoD, binary
 * tensor core, FP16, INT8, ANT, OliVe); the kinds whose PE cannot run an
 * op's formats refuse it with a message, the matching ones compute it.
 *
 * Bounds, so that one input stays in milliseconds: ops with at most
 * OP_MACS_MAX multiply-accumulates (M x N x K x count; the datapaths step every
 * term of every weight), at most OPS_MAX of them.  The oracle is the one
 * `anybit run --trace` applies: the simulated datapath and the kernels
 * model of it agree bit for bit (mismatches == 0), and
 * ab_values_datapath returns those same outputs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "values/pe_values.h"
#include "workload/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPS_MAX 4u
#define OP_MACS_MAX ((uint64_t)1 << 16)

static void check_op(const ab_accel *a, const ab_trace *t, size_t i)
{
    ab_values_report r;
    ab_error err;
    memset(&err, 0, sizeof err);
    if (ab_values_check(a, t, i, &r, &err) != 0) {
        if (!err.msg[0])
            abort(); /* a refusal always says why */
        return;
    }
    const ab_op *op = &t->ops[i].op;
    if (!r.checked)
        return;
    if (r.outputs != op->M * op->N || r.mismatches != 0 || r.overflows > r.outputs)
        abort(); /* datapath and kernels model disagree (anybit run exits 1) */
    float *out = malloc((size_t)r.outputs * sizeof *out);
    if (out && ab_values_datapath(a, t, i, out, &err) != 0)
        abort(); /* the check ran it; running it alone must work too */
    free(out);
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
    size_t checked = 0;
    for (size_t i = 0; i < t.nops && checked < OPS_MAX; i++) {
        const ab_op *op = &t.ops[i].op;
        if (!ab_values_present(&t, i) || ab_op_macs(op) > OP_MACS_MAX)
            continue;
        checked++;
        for (int k = 0; k < AB_PE_KIND_COUNT; k++) {
            ab_accel a;
            ab_accel_default((ab_pe_kind)k, &a);
            check_op(&a, &t, i);
        }
    }
    ab_trace_free(&t);
    return 0;
}
