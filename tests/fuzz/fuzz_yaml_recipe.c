/* fuzz_yaml_recipe.c - libFuzzer target for the quantization-recipe loader
 * (ab_recipe_load, recipes/<name>.yaml, docs/models.md), on the input
 * written to a scratch file (the loader reads files).  A recipe the loader
 * accepts is applied, as expansion applies it, to one op of every kind and
 * a few names its override patterns may match; an op it formats must come
 * out whole: every format named, the weight-side width known
 * (ab_recipe_code_bits), and a group size that divides K or is 0 (per
 * channel). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_scratch.h"
#include "workload/recipe.h"
#include "workload/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct probe_op {
    const char *name;
    ab_op_kind kind;
    uint64_t K;
} probe_op;

/* op names as expansion writes them (sim/workload/workload.c), K values
 * that groups of 32..128 divide and two that they do not (CNN stems) */
static const probe_op k_probes[] = {
    {"layers.0.self_attn.q_proj", AB_OP_GEMM, 4096},
    {"layers.31.mlp.down_proj", AB_OP_GEMM, 11008},
    {"layers.1.self_attn.qk", AB_OP_ATTN_QK, 128},
    {"layers.1.self_attn.av", AB_OP_ATTN_AV, 257},
    {"conv1", AB_OP_CONV, 147},
    {"layer1.0.conv2", AB_OP_CONV, 576},
    {"lm_head", AB_OP_GEMM, 4096},
    {"fc", AB_OP_GEMM, 64},
};

static void apply_to(const ab_recipe *r, const probe_op *p)
{
    ab_op op;
    memset(&op, 0, sizeof op);
    snprintf(op.name, sizeof op.name, "%s", p->name);
    op.kind = p->kind;
    op.M = 1;
    op.N = 128;
    op.K = p->K;
    op.count = op.weight_share = 1;
    ab_error err;
    memset(&err, 0, sizeof err);
    if (ab_recipe_apply(r, &op, &err) != 0) {
        if (!err.msg[0])
            abort();
        return;
    }
    if (!op.weight_format[0] || !op.act_format[0] || !op.acc_format[0] ||
        (op.group_size != 0 && op.K % op.group_size != 0) ||
        ab_recipe_code_bits(op.weight_format, &err) == 0)
        abort(); /* an op the recipe claims to have formatted is not whole */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[96];
    fuzz_scratch_path(path, sizeof path, "recipe", ".yaml");
    if (fuzz_write_file(path, data, size) != 0)
        return 0;
    ab_recipe r;
    ab_error err;
    memset(&err, 0, sizeof err);
    const int rc = ab_recipe_load(path, &r, &err);
    unlink(path);
    if (rc != 0) {
        if (!err.msg[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    if (r.nrules > 0 && r.rules == NULL)
        abort();
    for (size_t i = 0; i < sizeof k_probes / sizeof k_probes[0]; i++)
        apply_to(&r, &k_probes[i]);
    ab_recipe_free(&r);
    return 0;
}
