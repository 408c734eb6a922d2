/* model.h - a network from the model zoo (models/<name>.yaml), validated.
 * Schema and sources: docs/models.md.
 */
#ifndef AB_MODEL_H
#define AB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ab_model_kind {
    AB_MODEL_DECODER = 0, /* causal LM: KV cache, prefill and decode */
    AB_MODEL_ENCODER = 1, /* BERT / ViT: prefill only */
    AB_MODEL_CNN = 2,     /* convolutions lowered by im2col: prefill only */
} ab_model_kind;

typedef struct ab_conv {
    char name[64];
    uint64_t in, out, kernel, stride, padding, groups;
    uint64_t input; /* input height = width */
    uint64_t output; /* derived: (input + 2 padding - kernel) / stride + 1 */
} ab_conv;

typedef struct ab_model {
    char name[64];
    ab_model_kind kind;
    /* transformers */
    uint64_t hidden, intermediate, layers, heads, kv_heads, head_dim, vocab;
    bool gated_mlp;     /* gate/up/down (SwiGLU) vs fc1/fc2 */
    bool tied_lm_head;  /* informational: the lm_head GEMM is run either way */
    bool lm_head;       /* decoders: true */
    char attn_out[16];  /* o_proj, out_proj or dense (op name of the output projection) */
    /* the longest sequence the model was trained for (HF max_position_embeddings);
     * 0 when the YAML gives none.  A longer phase is refused unless asked
     * for (ab_expand_opts.allow_long_context, docs/models.md). */
    uint64_t max_context;
    /* encoders on images (ViT): tokens = (image/patch)^2 + 1 */
    uint64_t image_size, patch_size, channels, classes;
    /* cnn */
    ab_conv *convs;
    size_t nconvs;
    char fc_name[64];
    uint64_t fc_in, fc_out; /* 0: no classifier */
} ab_model;

/* Load and validate a model YAML (a path).  On error returns -1 with one
 * message naming the file, line and field; nothing to free. */
int ab_model_load(const char *file, ab_model *m, ab_error *err);
void ab_model_free(ab_model *m);

const char *ab_model_kind_name(ab_model_kind k);

#ifdef __cplusplus
}
#endif

#endif
