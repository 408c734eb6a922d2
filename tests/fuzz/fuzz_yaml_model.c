/* fuzz_yaml_model.c - libFuzzer target for the model-zoo loader
 * (ab_model_load, models/<name>.yaml, docs/models.md), on the input
 * written to a scratch file (the loader reads files).  A model the loader
 * accepts must keep the rules docs/models.md states, since expansion
 * divides and multiplies by these fields without checking them again:
 * every dimension inside the op range, 1..4096 layers, heads dividing
 * hidden and kv_heads dividing heads, and each convolution's groups
 * dividing its channels and its output size following from its input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_scratch.h"
#include "workload/model.h"
#include "workload/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_transformer(const ab_model *m)
{
    const uint64_t dims[] = {m->hidden, m->intermediate, m->heads, m->kv_heads, m->head_dim};
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
        if (dims[i] < 1 || dims[i] > AB_OP_DIM_MAX)
            abort();
    if (m->layers < 1 || m->layers > 4096 || m->hidden % m->heads != 0 ||
        m->heads % m->kv_heads != 0 || m->vocab > AB_OP_DIM_MAX || m->classes > AB_OP_DIM_MAX)
        abort();
    if (m->kind == AB_MODEL_DECODER && m->vocab < 1)
        abort();
    if (m->image_size && (m->patch_size < 1 || m->channels < 1))
        abort();
}

static void check_cnn(const ab_model *m)
{
    if (m->nconvs > 0 && m->convs == NULL)
        abort();
    for (size_t i = 0; i < m->nconvs; i++) {
        const ab_conv *c = &m->convs[i];
        if (c->groups < 1 || c->stride < 1 || c->in % c->groups != 0 || c->out % c->groups != 0 ||
            c->input + 2 * c->padding < c->kernel ||
            c->output != (c->input + 2 * c->padding - c->kernel) / c->stride + 1)
            abort();
    }
    if ((m->fc_out != 0) != (m->fc_in != 0) || m->fc_in > AB_OP_DIM_MAX ||
        m->fc_out > AB_OP_DIM_MAX)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[96];
    fuzz_scratch_path(path, sizeof path, "model", ".yaml");
    if (fuzz_write_file(path, data, size) != 0)
        return 0;
    ab_model m;
    ab_error err;
    memset(&err, 0, sizeof err);
    const int rc = ab_model_load(path, &m, &err);
    unlink(path);
    if (rc != 0) {
        if (!err.msg[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    if (!ab_model_kind_name(m.kind))
        abort();
    if (m.kind == AB_MODEL_CNN)
        check_cnn(&m);
    else
        check_transformer(&m);
    ab_model_free(&m);
    return 0;
}
