/* fuzz_trace.c - libFuzzer target for the trace reader (ab_trace_parse):
 * any input is rejected with a message or parsed; a parsed trace is then
 * used the way `anybit trace info|verify` use it (byte counts, weight
 * reconstruction, activations, the reference GEMM for small ops), so a
 * validation gap shows up as an out-of-bounds read under ASan.
 *
 * Needs anybit_sim: until CMakeLists.txt links the fuzz targets with it
 * (sim/ on the include path), this file builds as an empty target. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "gemm.h"
#include "workload/trace.h"

/* keep each input cheap: skip the GEMM of big ops */
#define FUZZ_MAX_ELEMS 65536u

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
    volatile double sink = 0.0;
    for (size_t i = 0; i < t.nops; i++) {
        const ab_op *op = &t.ops[i].op;
        sink += ab_op_weight_bytes(op) + ab_trace_act_bytes(op) + (double)ab_op_macs(op);
        if (!ab_trace_op_has_values(&t, i) || op->N * op->K > FUZZ_MAX_ELEMS ||
            op->M * op->K > FUZZ_MAX_ELEMS || op->M * op->N > FUZZ_MAX_ELEMS)
            continue;
        float *w = malloc((size_t)(op->N * op->K) * sizeof *w);
        float *x = malloc((size_t)(op->M * op->K) * sizeof *x);
        float *y = malloc((size_t)(op->M * op->N) * sizeof *y);
        if (w && x && y && ab_trace_dequant_weights(&t, i, w, &err) == 0 &&
            t.ops[i].tensor[AB_TROLE_ACTIVATIONS] >= 0 &&
            ab_trace_activations(&t, i, x, &err) == 0) {
            ab_gemm_ref(x, w, y, (size_t)op->M, (size_t)op->N, (size_t)op->K);
            sink += (double)y[0];
        }
        free(w);
        free(x);
        free(y);
    }
    (void)sink;
    ab_trace_free(&t);
    return 0;
}
