/* fuzz_yaml.c - libFuzzer target for the model and recipe YAML loaders.
 * The first byte picks the loader ('m' model, anything else recipe); the
 * rest is the document, written to a per-process temporary file because
 * the loaders read files (their messages name the file). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "model.h"
#include "recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/tmp/anybit-fuzz-yaml-%ld.yaml", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    ab_error err;
    if (data[0] == 'm') {
        ab_model m;
        if (ab_model_load(path, &m, &err) == 0)
            ab_model_free(&m);
    } else {
        ab_recipe r;
        if (ab_recipe_load(path, &r, &err) == 0) {
            /* apply the rules to an op, as expansion does */
            ab_op op = {0};
            snprintf(op.name, sizeof op.name, "layers.0.mlp.up_proj");
            op.kind = AB_OP_GEMM;
            op.M = 1;
            op.N = 128;
            op.K = 256;
            op.count = op.weight_share = 1;
            (void)ab_recipe_apply(&r, &op, &err);
            ab_recipe_free(&r);
        }
    }
    unlink(path);
    return 0;
}
