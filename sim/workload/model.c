/* model.c - ab_model_load: one network's YAML, checked field by field.
 *
 * Kinds and their fields (docs/models.md):
 *   decoder: hidden, intermediate, layers, heads, kv_heads, [head_dim], vocab,
 *            mlp (gated|fc), [attn_out], tied_lm_head
 *   encoder: hidden, intermediate, layers, heads, [kv_heads], [head_dim], mlp,
 *            [vocab], [image: {size, patch, channels}], [classes]
 *   cnn:     input: {size, channels}, convs: [{name, in, out, kernel, stride,
 *            padding, [groups], input}], [fc: {name, in, out}]
 * Every kind: name, kind, source (and optional notes).  heads must divide
 * hidden, kv_heads must divide heads.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "yaml/yaml_doc.h"

const char *ab_model_kind_name(ab_model_kind k)
{
    switch (k) {
    case AB_MODEL_DECODER:
        return "decoder";
    case AB_MODEL_ENCODER:
        return "encoder";
    case AB_MODEL_CNN:
        return "cnn";
    }
    return "?";
}

void ab_model_free(ab_model *m)
{
    if (!m)
        return;
    free(m->convs);
    m->convs = NULL;
    m->nconvs = 0;
}

static const char *const k_decoder_keys[] = {"name", "kind", "source", "notes", "hidden",
                                             "intermediate", "layers", "heads", "kv_heads",
                                             "head_dim", "vocab", "mlp", "attn_out",
                                             "tied_lm_head", "max_context", NULL};
static const char *const k_encoder_keys[] = {"name", "kind", "source", "notes", "hidden",
                                             "intermediate", "layers", "heads", "kv_heads",
                                             "head_dim", "vocab", "mlp", "attn_out", "image",
                                             "classes", "max_context", NULL};
static const char *const k_cnn_keys[] = {"name", "kind", "source", "notes", "input", "convs",
                                         "fc", NULL};
static const char *const k_image_keys[] = {"size", "patch", "channels", NULL};
static const char *const k_input_keys[] = {"size", "channels", NULL};
static const char *const k_conv_keys[] = {"name", "in", "out", "kernel", "stride", "padding",
                                          "groups", "input", NULL};
static const char *const k_fc_keys[] = {"name", "in", "out", NULL};

/* Model fields become op dimensions (workload.c), so each is bounded by
 * the op range (AB_OP_DIM_MAX) and the layer count by AB_MODEL_LAYERS_MAX;
 * products of fields are checked when ops are made (ab_op_check_range). */
#define AB_MODEL_LAYERS_MAX 4096u

static int check_max(const ab_ydoc *d, struct fy_node *map, const char *where, const char *key,
                     uint64_t v, uint64_t max)
{
    if (v <= max)
        return 0;
    char fp[64];
    return ab_ydoc_fail(d, ab_ydoc_get(map, key), ab_ydoc_path(fp, sizeof fp, where, key),
                        "expected at most %llu, found %llu", (unsigned long long)max,
                        (unsigned long long)v);
}

static int check_transformer_ranges(const ab_ydoc *d, const ab_model *m)
{
    struct fy_node *r = d->root, *img = ab_ydoc_get(r, "image");
    const uint64_t dim = AB_OP_DIM_MAX;
    return check_max(d, r, "", "hidden", m->hidden, dim) ||
                   check_max(d, r, "", "intermediate", m->intermediate, dim) ||
                   check_max(d, r, "", "layers", m->layers, AB_MODEL_LAYERS_MAX) ||
                   check_max(d, r, "", "heads", m->heads, dim) ||
                   check_max(d, r, "", "kv_heads", m->kv_heads, dim) ||
                   check_max(d, r, "", "head_dim", m->head_dim, dim) ||
                   check_max(d, r, "", "vocab", m->vocab, dim) ||
                   check_max(d, r, "", "classes", m->classes, dim) ||
                   check_max(d, r, "", "max_context", m->max_context, dim) ||
                   (img && (check_max(d, img, "image", "size", m->image_size, dim) ||
                            check_max(d, img, "image", "patch", m->patch_size, dim) ||
                            check_max(d, img, "image", "channels", m->channels, dim)))
               ? -1
               : 0;
}

static int load_transformer(ab_ydoc *d, ab_model *m)
{
    struct fy_node *r = d->root;
    const bool dec = m->kind == AB_MODEL_DECODER;
    if (ab_ydoc_check_keys(d, r, "", dec ? k_decoder_keys : k_encoder_keys) != 0 ||
        ab_ydoc_uint(d, r, "", "hidden", true, false, &m->hidden) != 0 ||
        ab_ydoc_uint(d, r, "", "intermediate", true, false, &m->intermediate) != 0 ||
        ab_ydoc_uint(d, r, "", "layers", true, false, &m->layers) != 0 ||
        ab_ydoc_uint(d, r, "", "heads", true, false, &m->heads) != 0)
        return -1;
    m->kv_heads = m->heads;
    if (ab_ydoc_uint(d, r, "", "kv_heads", dec, false, &m->kv_heads) != 0)
        return -1;
    if (m->hidden % m->heads != 0)
        return ab_ydoc_fail(d, ab_ydoc_get(r, "heads"), "heads",
                            "expected a divisor of hidden (%llu), found %llu",
                            (unsigned long long)m->hidden, (unsigned long long)m->heads);
    if (m->heads % m->kv_heads != 0)
        return ab_ydoc_fail(d, ab_ydoc_get(r, "kv_heads"), "kv_heads",
                            "expected a divisor of heads (%llu), found %llu",
                            (unsigned long long)m->heads, (unsigned long long)m->kv_heads);
    m->head_dim = m->hidden / m->heads;
    if (ab_ydoc_uint(d, r, "", "head_dim", false, false, &m->head_dim) != 0)
        return -1;
    if (ab_ydoc_uint(d, r, "", "vocab", dec, false, &m->vocab) != 0 ||
        ab_ydoc_uint(d, r, "", "max_context", false, false, &m->max_context) != 0)
        return -1;
    char mlp[16] = "";
    if (ab_ydoc_str(d, r, "", "mlp", true, mlp, sizeof mlp) != 0)
        return -1;
    if (strcmp(mlp, "gated") == 0)
        m->gated_mlp = true;
    else if (strcmp(mlp, "fc") == 0)
        m->gated_mlp = false;
    else
        return ab_ydoc_fail(d, ab_ydoc_get(r, "mlp"), "mlp",
                            "expected gated (gate/up/down) or fc (fc1/fc2), found \"%s\"", mlp);
    snprintf(m->attn_out, sizeof m->attn_out, "o_proj");
    if (ab_ydoc_str(d, r, "", "attn_out", false, m->attn_out, sizeof m->attn_out) != 0)
        return -1;
    if (strcmp(m->attn_out, "o_proj") != 0 && strcmp(m->attn_out, "out_proj") != 0 &&
        strcmp(m->attn_out, "dense") != 0)
        return ab_ydoc_fail(d, ab_ydoc_get(r, "attn_out"), "attn_out",
                            "expected o_proj, out_proj or dense, found \"%s\"", m->attn_out);
    if (dec) {
        m->lm_head = true;
        return ab_ydoc_bool(d, r, "", "tied_lm_head", true, &m->tied_lm_head);
    }
    struct fy_node *img = ab_ydoc_get(r, "image");
    if (img) {
        if (ab_ydoc_check_keys(d, img, "image", k_image_keys) != 0 ||
            ab_ydoc_uint(d, img, "image", "size", true, false, &m->image_size) != 0 ||
            ab_ydoc_uint(d, img, "image", "patch", true, false, &m->patch_size) != 0 ||
            ab_ydoc_uint(d, img, "image", "channels", true, false, &m->channels) != 0)
            return -1;
        if (m->image_size % m->patch_size != 0)
            return ab_ydoc_fail(d, ab_ydoc_get(img, "patch"), "image.patch",
                                "expected a divisor of image.size (%llu), found %llu",
                                (unsigned long long)m->image_size,
                                (unsigned long long)m->patch_size);
    }
    return ab_ydoc_uint(d, r, "", "classes", false, false, &m->classes);
}

static int load_transformer_checked(ab_ydoc *d, ab_model *m)
{
    return load_transformer(d, m) != 0 || check_transformer_ranges(d, m) != 0 ? -1 : 0;
}

static int load_cnn(ab_ydoc *d, ab_model *m)
{
    struct fy_node *r = d->root;
    if (ab_ydoc_check_keys(d, r, "", k_cnn_keys) != 0)
        return -1;
    struct fy_node *in = ab_ydoc_get(r, "input");
    if (!in)
        return ab_ydoc_fail(d, r, "input", "missing required field (expected {size, channels})");
    if (ab_ydoc_check_keys(d, in, "input", k_input_keys) != 0 ||
        ab_ydoc_uint(d, in, "input", "size", true, false, &m->image_size) != 0 ||
        ab_ydoc_uint(d, in, "input", "channels", true, false, &m->channels) != 0 ||
        check_max(d, in, "input", "size", m->image_size, AB_OP_DIM_MAX) ||
        check_max(d, in, "input", "channels", m->channels, AB_OP_DIM_MAX))
        return -1;
    struct fy_node *convs = ab_ydoc_get(r, "convs");
    if (!convs)
        return ab_ydoc_fail(d, r, "convs", "missing required field (expected a sequence of convolutions)");
    if (!fy_node_is_sequence(convs) || fy_node_sequence_item_count(convs) <= 0)
        return ab_ydoc_fail(d, convs, "convs", "expected a non-empty sequence of convolutions");
    const size_t n = (size_t)fy_node_sequence_item_count(convs);
    m->convs = calloc(n, sizeof *m->convs);
    if (!m->convs)
        return ab_ydoc_fail(d, convs, "convs", "out of memory for %zu convolutions", n);
    void *it = NULL;
    struct fy_node *c;
    size_t i = 0;
    while ((c = fy_node_sequence_iterate(convs, &it)) != NULL) {
        char p[48];
        snprintf(p, sizeof p, "convs[%zu]", i);
        ab_conv *cv = &m->convs[i];
        cv->groups = 1;
        if (ab_ydoc_check_keys(d, c, p, k_conv_keys) != 0 ||
            ab_ydoc_str(d, c, p, "name", true, cv->name, sizeof cv->name) != 0 ||
            ab_ydoc_uint(d, c, p, "in", true, false, &cv->in) != 0 ||
            ab_ydoc_uint(d, c, p, "out", true, false, &cv->out) != 0 ||
            ab_ydoc_uint(d, c, p, "kernel", true, false, &cv->kernel) != 0 ||
            ab_ydoc_uint(d, c, p, "stride", true, false, &cv->stride) != 0 ||
            ab_ydoc_uint(d, c, p, "padding", true, true, &cv->padding) != 0 ||
            ab_ydoc_uint(d, c, p, "groups", false, false, &cv->groups) != 0 ||
            ab_ydoc_uint(d, c, p, "input", true, false, &cv->input) != 0)
            return -1;
        char fp[64];
        const uint64_t dim = AB_OP_DIM_MAX;
        if (check_max(d, c, p, "in", cv->in, dim) || check_max(d, c, p, "out", cv->out, dim) ||
            check_max(d, c, p, "kernel", cv->kernel, dim) ||
            check_max(d, c, p, "stride", cv->stride, dim) ||
            check_max(d, c, p, "padding", cv->padding, dim) ||
            check_max(d, c, p, "groups", cv->groups, dim) ||
            check_max(d, c, p, "input", cv->input, dim))
            return -1;
        if (cv->in % cv->groups != 0 || cv->out % cv->groups != 0)
            return ab_ydoc_fail(d, ab_ydoc_get(c, "groups"), ab_ydoc_path(fp, sizeof fp, p, "groups"),
                                "expected a divisor of in (%llu) and out (%llu), found %llu",
                                (unsigned long long)cv->in, (unsigned long long)cv->out,
                                (unsigned long long)cv->groups);
        if (cv->input + 2 * cv->padding < cv->kernel)
            return ab_ydoc_fail(d, ab_ydoc_get(c, "kernel"), ab_ydoc_path(fp, sizeof fp, p, "kernel"),
                                "expected at most input + 2 x padding (%llu), found %llu",
                                (unsigned long long)(cv->input + 2 * cv->padding),
                                (unsigned long long)cv->kernel);
        cv->output = (cv->input + 2 * cv->padding - cv->kernel) / cv->stride + 1;
        i++;
    }
    m->nconvs = i;
    struct fy_node *fc = ab_ydoc_get(r, "fc");
    if (fc) {
        if (ab_ydoc_check_keys(d, fc, "fc", k_fc_keys) != 0 ||
            ab_ydoc_str(d, fc, "fc", "name", true, m->fc_name, sizeof m->fc_name) != 0 ||
            ab_ydoc_uint(d, fc, "fc", "in", true, false, &m->fc_in) != 0 ||
            ab_ydoc_uint(d, fc, "fc", "out", true, false, &m->fc_out) != 0 ||
            check_max(d, fc, "fc", "in", m->fc_in, AB_OP_DIM_MAX) ||
            check_max(d, fc, "fc", "out", m->fc_out, AB_OP_DIM_MAX))
            return -1;
    }
    return 0;
}

int ab_model_load(const char *file, ab_model *m, ab_error *err)
{
    memset(m, 0, sizeof *m);
    ab_ydoc d;
    if (ab_ydoc_load(&d, file, err) != 0)
        return -1;
    char kind[16] = "";
    int rc = -1;
    struct fy_node *src = ab_ydoc_get(d.root, "source");
    if (ab_ydoc_str(&d, d.root, "", "name", true, m->name, sizeof m->name) != 0 ||
        ab_ydoc_str(&d, d.root, "", "kind", true, kind, sizeof kind) != 0)
        goto out;
    if (!src || !fy_node_is_scalar(src)) {
        ab_ydoc_fail(&d, src ? src : d.root, "source",
                     src ? "expected a string (where the numbers come from)"
                         : "missing required field (expected where the numbers come from)");
        goto out;
    }
    if (strcmp(kind, "decoder") == 0)
        m->kind = AB_MODEL_DECODER;
    else if (strcmp(kind, "encoder") == 0)
        m->kind = AB_MODEL_ENCODER;
    else if (strcmp(kind, "cnn") == 0)
        m->kind = AB_MODEL_CNN;
    else {
        ab_ydoc_fail(&d, ab_ydoc_get(d.root, "kind"), "kind",
                     "expected decoder, encoder or cnn, found \"%s\"", kind);
        goto out;
    }
    rc = m->kind == AB_MODEL_CNN ? load_cnn(&d, m) : load_transformer_checked(&d, m);
out:
    ab_ydoc_free(&d);
    if (rc != 0)
        ab_model_free(m);
    return rc;
}
