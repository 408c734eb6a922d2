/* fuzz_workload.c - libFuzzer target for model expansion
 * (ab_workload_expand, sim/workload/workload.c, docs/models.md): a fuzzed
 * model YAML under one of the preset recipes, for a phase and batch the
 * input picks.
 *
 * Input: byte 0 picks the recipe (bits 0-2), the phase kind (bit 3: decode,
 * else prefill) and the batch (bits 4-7: 1..16); bytes 1-2 (little endian)
 * are the phase's token count; the rest is the model YAML, written to a
 * scratch file (the loader reads files).
 *
 * The bound: the token count is two bytes, 0..65535, which passes the
 * parser's limit (AB_PHASE_TOKENS_MAX, 32768) so that its refusal is
 * reached too.  No bound tighter than that is needed: expansion makes the
 * same ops whatever the phase (9 per layer, at most 4096 layers, plus the
 * head) and nothing here simulates them, so the phase changes M, not the
 * work; the model's own dimensions (up to 2^31 each) meet the token count
 * in the range checks.
 *
 * Every op the expansion returns must lie in the documented op range
 * (ab_op_check_range, docs/trace-format.md "Ranges") with weight_share in
 * [1, count], formats set by the recipe and a group size dividing K. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_scratch.h"
#include "workload/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const k_recipes[] = {"bitmod", "ant", "olive", "fp16",
                                        "int8",   "btc-w4a4", "bitmod-w3", "ant5"};

static void check_op(const ab_op *op)
{
    ab_error err;
    if (ab_op_check_range(op, &err) != 0)
        abort(); /* expansion made an op outside the range every stage relies on */
    if (op->weight_share < 1 || op->weight_share > op->count || !op->weight_format[0] ||
        !op->act_format[0] || !op->acc_format[0] ||
        (op->group_size != 0 && op->K % op->group_size != 0))
        abort();
    const double bytes = ab_op_weight_bytes(op);
    if (!(bytes > 0.0) || !isfinite(bytes) || ab_op_macs(op) == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const char *recipe = k_recipes[data[0] & 7u];
    const int decode = (data[0] >> 3) & 1u;
    const uint32_t batch = 1u + (data[0] >> 4);
    const unsigned tokens = (unsigned)data[1] | (unsigned)data[2] << 8;
    char phase[32];
    snprintf(phase, sizeof phase, "%s:%u", decode ? "decode" : "prefill", tokens);

    char path[96];
    fuzz_scratch_path(path, sizeof path, "workload", ".yaml");
    if (fuzz_write_file(path, data + 3, size - 3) != 0)
        return 0;
    ab_op_list ops;
    ab_error err;
    memset(&err, 0, sizeof err);
    const int rc = ab_workload_expand(path, recipe, phase, batch, &ops, &err);
    unlink(path);
    if (rc != 0) {
        if (!err.msg[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    if (ops.n == 0 || ops.ops == NULL)
        abort(); /* every model kind has at least one op */
    for (size_t i = 0; i < ops.n; i++)
        check_op(&ops.ops[i]);
    ab_op_list_free(&ops);
    return 0;
}
