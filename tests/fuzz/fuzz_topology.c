/* fuzz_topology.c - libFuzzer target for the SCALE-Sim topology reader
 * (ab_topology_read, sim/workload/topology.c, docs/scalesim.md
 * "Topologies": the conv form and the Layer, M, N, K form).  The reader
 * takes a path, so the input is written to a scratch .csv.  A refusal must
 * say why; an accepted topology's ops must be inside the op range with
 * their formats set (what every later stage relies on), and each op small
 * enough to time in milliseconds (at most 2^24 MACs: the bound keeps an
 * input fast, as in fuzz_pipeline_timing) runs through the fast engine on
 * the default INT8 accelerator with totals that agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel/accel.h"
#include "engine/engine.h"
#include "fuzz_scratch.h"
#include "workload/topology.h"
#include "workload/workload.h"

#define MAX_TIMED_MACS ((uint64_t)1 << 24)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[96];
    fuzz_scratch_path(path, sizeof path, "topology", ".csv");
    if (fuzz_write_file(path, data, size) != 0)
        return 0;
    ab_op_list ops;
    ab_error err;
    memset(&err, 0, sizeof err);
    const int rc = ab_topology_read(path, "int8", &ops, &err);
    unlink(path);
    if (rc != 0) {
        if (!err.msg[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    ab_accel a;
    ab_accel_default(AB_PE_INT8, &a);
    for (size_t i = 0; i < ops.n; i++) {
        const ab_op *op = &ops.ops[i];
        if (ab_op_check_range(op, &err) != 0 || !op->weight_format[0] || !op->act_format[0])
            abort(); /* the reader made an op later stages cannot take */
        if (ab_op_macs(op) > MAX_TIMED_MACS)
            continue;
        ab_op_stats st;
        if (ab_sim_op(&a, op, AB_MODE_FAST, &st, &err) == 0) {
            if (st.cycles < st.compute_cycles || st.macs != ab_op_macs(op))
                abort(); /* totals that contradict each other */
        } else if (!err.msg[0]) {
            abort();
        }
    }
    ab_op_list_free(&ops);
    return 0;
}
