/* workload.c - a model's ops for one phase, quantized by a recipe
 * (workload.h).  Shapes follow docs/models.md:
 *   decoder prefill:L  linear M = batch x L; attention per sequence and
 *                      query head, full L x L scores (no causal halving)
 *   decoder decode:C   linear M = batch; attention over C + 1 positions
 *                      (the C cached tokens plus the new one)
 *   lm_head            every row of M (all L tokens in prefill)
 *   encoder            L tokens (ViT: (image/patch)^2 + 1, L ignored)
 *   cnn                one image per batch element, L ignored
 */
#include "workload.h"

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "quant.h"
#include "recipe.h"

#ifndef ANYBIT_SOURCE_DIR
#define ANYBIT_SOURCE_DIR "."
#endif

/* ---- op kinds, MACs, storage ------------------------------------------- */

const char *ab_op_kind_name(ab_op_kind k)
{
    switch (k) {
    case AB_OP_GEMM:
        return "gemm";
    case AB_OP_CONV:
        return "conv";
    case AB_OP_ATTN_QK:
        return "attn_qk";
    case AB_OP_ATTN_AV:
        return "attn_av";
    }
    return "?";
}

int ab_op_kind_parse(const char *s, ab_op_kind *k)
{
    static const ab_op_kind all[] = {AB_OP_GEMM, AB_OP_CONV, AB_OP_ATTN_QK, AB_OP_ATTN_AV};
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, ab_op_kind_name(all[i])) == 0) {
            *k = all[i];
            return 0;
        }
    return -1;
}

uint64_t ab_sat_mul(uint64_t a, uint64_t b)
{
    return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

/* "found 12345" or, for a saturated product, "found more than 2^64". */
static void found_u64(char *out, size_t cap, uint64_t v)
{
    if (v == UINT64_MAX)
        snprintf(out, cap, "more than 2^64");
    else
        snprintf(out, cap, "%llu", (unsigned long long)v);
}

int ab_op_check_range(const ab_op *op, ab_error *err)
{
    char found[32];
    const uint64_t dims[3] = {op->M, op->N, op->K};
    static const char *const names[3] = {"M", "N", "K"};
    for (int d = 0; d < 3; d++)
        if (dims[d] < 1 || dims[d] > AB_OP_DIM_MAX) {
            found_u64(found, sizeof found, dims[d]);
            return ab_error_set(err, "%s: expected an integer in [1, %llu (2^31)], found %s",
                                names[d], (unsigned long long)AB_OP_DIM_MAX, found);
        }
    if (op->count < 1)
        return ab_error_set(err, "count: expected an integer in [1, %u], found 0", UINT32_MAX);
    if (op->weight_share < 1 || op->weight_share > op->count)
        return ab_error_set(err, "weight_share: expected an integer in [1, count = %u], found %u",
                            op->count, op->weight_share);
    const uint64_t macs =
        ab_sat_mul(ab_sat_mul(ab_sat_mul(op->M, op->N), op->K), (uint64_t)op->count);
    if (macs > AB_OP_MACS_MAX) {
        found_u64(found, sizeof found, macs);
        return ab_error_set(err, "M x N x K x count: expected at most %llu (2^56) MACs, found %s",
                            (unsigned long long)AB_OP_MACS_MAX, found);
    }
    return 0;
}

uint64_t ab_op_macs(const ab_op *op)
{
    return op->M * op->N * op->K * (uint64_t)op->count;
}

/* Bits of one weight operand [N][K] as stored; 0 when a name is unknown.
 * The accounting of kernels/quant.c's bits_per_value: codes, plus per unit
 * (group, or row when group_size is 0) the scale bits, plus 16 bits per row
 * for an INTK scale's FP16 second level; BitMoD's 2-bit type id rides in an
 * INTK scale word and costs 2 bits per unit otherwise; ANT's per-tensor type
 * id costs 2 bits per tensor.  Unquantized FP16/BF16/FP32 weights carry no
 * scales; OCP MX formats carry 8 bits per 32-element block. */
static double operand_bits(const ab_op *op)
{
    const char *w = op->weight_format;
    const unsigned code = ab_recipe_code_bits(w, NULL);
    if (code == 0)
        return 0.0;
    const double nk = (double)op->N * (double)op->K;
    const bool bitmod = strncmp(w, "bitmod_", 7) == 0;
    const bool ant = strncmp(w, "ant", 3) == 0 && w[3] >= '3' && w[3] <= '8' && w[4] == '\0';
    ab_format f;
    const bool plain = !bitmod && !ant && strncmp(w, "olive4", 6) != 0 &&
                       ab_format_parse(w, &f, NULL) == 0;
    if (plain && f.family == AB_FAMILY_FLOAT && f.bits >= 16)
        return nk * code;
    if (plain && f.block_size > 0)
        return nk * code + (double)op->N * ceil((double)op->K / f.block_size) * 8.0;
    ab_scale_kind sk;
    uint8_t sbits;
    if (ab_scale_parse(op->scale_format, &sk, &sbits, NULL) != 0)
        return 0.0;
    const double units_per_row =
        op->group_size ? ceil((double)op->K / (double)op->group_size) : 1.0;
    double per_unit = sbits;
    if (bitmod && strstr(w, "_mix"))
        per_unit += 2.0; /* the group's type id */
    double bits = nk * code + (double)op->N * units_per_row * per_unit;
    if (sk == AB_SCALE_INTK)
        bits += 16.0 * (double)op->N;
    if (ant)
        bits += 2.0;
    return bits;
}

double ab_op_weight_bytes(const ab_op *op)
{
    const uint32_t share = op->weight_share ? op->weight_share : 1u;
    const double distinct = ceil((double)op->count / (double)share);
    return distinct * operand_bits(op) / 8.0;
}

/* ---- op lists ---------------------------------------------------------- */

void ab_op_list_free(ab_op_list *l)
{
    if (!l)
        return;
    free(l->ops);
    l->ops = NULL;
    l->n = l->cap = 0;
}

int ab_op_list_push(ab_op_list *l, const ab_op *op, ab_error *err)
{
    if (l->n == l->cap) {
        const size_t cap = l->cap ? l->cap * 2 : 64;
        ab_op *ops = realloc(l->ops, cap * sizeof *ops);
        if (!ops)
            return ab_error_set(err, "out of memory for %zu ops", cap);
        l->ops = ops;
        l->cap = cap;
    }
    l->ops[l->n++] = *op;
    return 0;
}

/* ---- zoo lookup -------------------------------------------------------- */

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <dir of this executable>/../share/anybit, or "" when it cannot be read. */
static void installed_root(char *out, size_t cap)
{
    char exe[4096];
    out[0] = '\0';
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    const int m = snprintf(out, cap, "%s/../share/anybit", exe);
    if (m < 0 || (size_t)m >= cap)
        out[0] = '\0';
}

void ab_data_root(char *out, size_t cap)
{
    const char *h = getenv("ANYBIT_HOME");
    if (h && *h) {
        snprintf(out, cap, "%s", h);
        return;
    }
    char inst[4096], probe[4200];
    installed_root(inst, sizeof inst);
    snprintf(probe, sizeof probe, "%s/configs", inst);
    if (inst[0] && is_dir(probe)) {
        snprintf(out, cap, "%s", inst);
        return;
    }
    snprintf(probe, sizeof probe, "%s/configs", ANYBIT_SOURCE_DIR);
    /* the build tree's binary: the source tree it was built from */
    snprintf(out, cap, "%s", is_dir(probe) || !inst[0] ? ANYBIT_SOURCE_DIR : inst);
}

int ab_zoo_path(const char *dir, const char *name, char *out, size_t cap, ab_error *err)
{
    char root[4096];
    ab_data_root(root, sizeof root);
    const int n = snprintf(out, cap, "%s/%s/%s.yaml", root, dir, name);
    if (n < 0 || (size_t)n >= cap)
        return ab_error_set(err, "%s name '%s': path too long", dir, name);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a, b, c": the <name>.yaml files of <root>/<dir>, sorted. */
static void zoo_names(const char *dir, char *buf, size_t cap)
{
    char root[4096], path[4200];
    ab_data_root(root, sizeof root);
    snprintf(path, sizeof path, "%s/%s", root, dir);
    buf[0] = '\0';
    DIR *dp = opendir(path);
    if (!dp) {
        snprintf(buf, cap, "none: %.900s is not readable", path);
        return;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL && n < 256) {
        const size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0 && e->d_name[0] != '.') {
            names[n] = malloc(len - 4);
            if (!names[n])
                break;
            memcpy(names[n], e->d_name, len - 5);
            names[n][len - 5] = '\0';
            n++;
        }
    }
    closedir(dp);
    qsort(names, n, sizeof names[0], cmp_str);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (used + strlen(names[i]) + 3 < cap)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
        free(names[i]);
    }
    if (n == 0)
        snprintf(buf, cap, "none in %.900s", path);
}

/* A zoo name or a path (anything with a '/' or ending in .yaml). */
static int resolve(const char *dir, const char *what, const char *arg, char *out, size_t cap,
                   ab_error *err)
{
    if (!arg || !*arg)
        return ab_error_set(err, "no %s given (a zoo name or a YAML path)", what);
    const size_t len = strlen(arg);
    if (strchr(arg, '/') || (len > 5 && strcmp(arg + len - 5, ".yaml") == 0)) {
        if ((size_t)snprintf(out, cap, "%s", arg) >= cap)
            return ab_error_set(err, "%s path too long: %s", what, arg);
        return 0;
    }
    if (ab_zoo_path(dir, arg, out, cap, err) != 0)
        return -1;
    if (access(out, R_OK) != 0) {
        char names[1024];
        zoo_names(dir, names, sizeof names);
        return ab_error_set(err, "unknown %s '%s' (available: %s)", what, arg, names);
    }
    return 0;
}

int ab_recipe_resolve(const char *name_or_path, char *out, size_t cap, ab_error *err)
{
    return resolve("recipes", "recipe", name_or_path, out, cap, err);
}

/* ---- phases ------------------------------------------------------------ */

typedef struct phase {
    bool decode;
    uint64_t n; /* prefill: tokens L; decode: cached context C */
} phase;

static int parse_phase(const char *s, phase *p, ab_error *err)
{
    const char *num;
    if (s && strncmp(s, "prefill:", 8) == 0) {
        p->decode = false;
        num = s + 8;
    } else if (s && strncmp(s, "decode:", 7) == 0) {
        p->decode = true;
        num = s + 7;
    } else
        return ab_error_set(err, "phase: expected prefill:L or decode:C, found \"%s\"",
                            s ? s : "(none)");
    uint64_t v = 0;
    int digits = 0;
    /* ten digits are enough to see any value above the bound */
    for (; *num >= '0' && *num <= '9' && digits < 10; num++, digits++)
        v = v * 10u + (uint64_t)(*num - '0');
    if (digits == 0 || *num != '\0' || (!p->decode && v == 0) || v > AB_PHASE_TOKENS_MAX)
        return ab_error_set(err, "phase: expected %s in [%u, %u], found \"%s\"",
                            p->decode ? "decode:C with the context C an integer"
                                      : "prefill:L with the token count L an integer",
                            p->decode ? 0u : 1u, AB_PHASE_TOKENS_MAX, s);
    p->n = v;
    return 0;
}

/* ---- expansion --------------------------------------------------------- */

typedef struct builder {
    const ab_recipe *recipe;
    ab_op_list *list;
    ab_error *err;
} builder;

static int emit(builder *b, ab_op_kind kind, const char *name, uint64_t M, uint64_t N,
                uint64_t K, uint64_t count, uint64_t share)
{
    ab_op op;
    memset(&op, 0, sizeof op);
    if ((size_t)snprintf(op.name, sizeof op.name, "%s", name) >= sizeof op.name)
        return ab_error_set(b->err, "op name too long: %s", name);
    op.kind = kind;
    op.M = M;
    op.N = N;
    op.K = K;
    if (count > UINT32_MAX)
        return ab_error_set(b->err, "op %s: count: expected an integer in [1, %u], found %llu",
                            name, UINT32_MAX, (unsigned long long)count);
    op.count = (uint32_t)count;
    op.weight_share = (uint32_t)share;
    ab_error e2;
    if (ab_op_check_range(&op, &e2) != 0)
        return ab_error_set(b->err, "op %s: %s (docs/trace-format.md \"Ranges\")", name, e2.msg);
    if (ab_recipe_apply(b->recipe, &op, b->err) != 0)
        return -1;
    return ab_op_list_push(b->list, &op, b->err);
}

/* One transformer block: projections, attention, MLP.  rows = M of the
 * linear layers, tq = new tokens per sequence, ctx = attended positions. */
static int emit_block(builder *b, const ab_model *m, uint64_t i, uint64_t batch, uint64_t rows,
                      uint64_t tq, uint64_t ctx)
{
    char n[AB_OP_NAME_MAX];
    /* saturating: an oversized model becomes an op ab_op_check_range refuses */
    const uint64_t hd = m->head_dim, qd = ab_sat_mul(m->heads, hd),
                   kvd = ab_sat_mul(m->kv_heads, hd);
    const uint64_t share = m->heads / m->kv_heads;
#define NAME(suffix) (snprintf(n, sizeof n, "layers.%llu.%s", (unsigned long long)i, suffix), n)
    if (emit(b, AB_OP_GEMM, NAME("self_attn.q_proj"), rows, qd, m->hidden, 1, 1) ||
        emit(b, AB_OP_GEMM, NAME("self_attn.k_proj"), rows, kvd, m->hidden, 1, 1) ||
        emit(b, AB_OP_GEMM, NAME("self_attn.v_proj"), rows, kvd, m->hidden, 1, 1) ||
        emit(b, AB_OP_ATTN_QK, NAME("self_attn.qk"), tq, ctx, hd, ab_sat_mul(batch, m->heads),
             share) ||
        emit(b, AB_OP_ATTN_AV, NAME("self_attn.av"), tq, hd, ctx, ab_sat_mul(batch, m->heads),
             share))
        return -1;
    char out[48];
    snprintf(out, sizeof out, "self_attn.%s", m->attn_out);
    if (emit(b, AB_OP_GEMM, NAME(out), rows, m->hidden, qd, 1, 1))
        return -1;
    if (m->gated_mlp)
        return emit(b, AB_OP_GEMM, NAME("mlp.gate_proj"), rows, m->intermediate, m->hidden, 1, 1) ||
                       emit(b, AB_OP_GEMM, NAME("mlp.up_proj"), rows, m->intermediate, m->hidden, 1, 1) ||
                       emit(b, AB_OP_GEMM, NAME("mlp.down_proj"), rows, m->hidden, m->intermediate, 1, 1)
                   ? -1 : 0;
    return emit(b, AB_OP_GEMM, NAME("mlp.fc1"), rows, m->intermediate, m->hidden, 1, 1) ||
                   emit(b, AB_OP_GEMM, NAME("mlp.fc2"), rows, m->hidden, m->intermediate, 1, 1)
               ? -1 : 0;
#undef NAME
}

/* A phase needs ph->n tokens of context (prefill L) or n + 1 (decode C: the
 * cache plus the new token); a model YAML's max_context bounds it.  Vision
 * encoders take their tokens from the image, not the phase. */
static int check_context(builder *b, const ab_model *m, const char *mfile, const phase *ph,
                         bool allow_long)
{
    if (allow_long || m->max_context == 0 || m->kind == AB_MODEL_CNN || m->image_size)
        return 0;
    const uint64_t need = ph->decode ? ph->n + 1 : ph->n;
    if (need <= m->max_context)
        return 0;
    return ab_error_set(b->err,
                        "phase: %s:%llu needs a context of %llu tokens, longer than %s's "
                        "max_context %llu (%s); --allow-long-context runs it anyway",
                        ph->decode ? "decode" : "prefill", (unsigned long long)ph->n,
                        (unsigned long long)need, m->name, (unsigned long long)m->max_context,
                        mfile);
}

static int expand(builder *b, const ab_model *m, const char *mfile, const phase *ph,
                  uint64_t batch)
{
    if (m->kind != AB_MODEL_DECODER && ph->decode)
        return ab_error_set(b->err, "phase: decode needs a decoder model; %s (%s) is a%s %s",
                            m->name, mfile, m->kind == AB_MODEL_ENCODER ? "n" : "",
                            ab_model_kind_name(m->kind));
    if (m->kind == AB_MODEL_CNN) {
        for (size_t i = 0; i < m->nconvs; i++) {
            const ab_conv *c = &m->convs[i];
            if (emit(b, AB_OP_CONV, c->name,
                     ab_sat_mul(ab_sat_mul(batch, c->output), c->output), c->out / c->groups,
                     ab_sat_mul(ab_sat_mul(c->in / c->groups, c->kernel), c->kernel), c->groups,
                     1))
                return -1;
        }
        if (m->fc_out && emit(b, AB_OP_GEMM, m->fc_name, batch, m->fc_out, m->fc_in, 1, 1))
            return -1;
        return 0;
    }
    uint64_t tq, ctx;
    if (m->kind == AB_MODEL_ENCODER) {
        tq = ctx = ph->n;
        if (m->image_size) {
            const uint64_t side = m->image_size / m->patch_size;
            const uint64_t patches = ab_sat_mul(side, side);
            tq = ctx = patches == UINT64_MAX ? patches : patches + 1;
            if (emit(b, AB_OP_CONV, "patch_embed", ab_sat_mul(batch, patches), m->hidden,
                     ab_sat_mul(ab_sat_mul(m->channels, m->patch_size), m->patch_size), 1, 1))
                return -1;
        }
    } else if (ph->decode) {
        tq = 1;
        ctx = ph->n + 1;
    } else {
        tq = ctx = ph->n;
    }
    const uint64_t rows = ab_sat_mul(batch, tq);
    for (uint64_t i = 0; i < m->layers; i++)
        if (emit_block(b, m, i, batch, rows, tq, ctx) != 0)
            return -1;
    if (m->lm_head && emit(b, AB_OP_GEMM, "lm_head", rows, m->vocab, m->hidden, 1, 1))
        return -1;
    if (m->classes && emit(b, AB_OP_GEMM, "classifier", batch, m->classes, m->hidden, 1, 1))
        return -1;
    return 0;
}

int ab_workload_expand(const char *model, const char *recipe, const char *phase_s,
                       uint32_t batch, ab_op_list *out, ab_error *err)
{
    const ab_expand_opts o = {.batch = batch, .allow_long_context = false};
    return ab_workload_expand_with(model, recipe, phase_s, &o, out, err);
}

int ab_workload_expand_with(const char *model, const char *recipe, const char *phase_s,
                            const ab_expand_opts *o, ab_op_list *out, ab_error *err)
{
    return ab_workload_expand_phases(model, recipe, &phase_s, 1, o, out, err);
}

int ab_workload_expand_phases(const char *model, const char *recipe, const char *const *phases,
                              size_t nphases, const ab_expand_opts *o, ab_op_list *out,
                              ab_error *err)
{
    const uint32_t batch = o->batch;
    memset(out, 0, sizeof *out);
    char mfile[1024], rfile[1024];
    if (resolve("models", "model", model, mfile, sizeof mfile, err) != 0 ||
        resolve("recipes", "recipe", recipe, rfile, sizeof rfile, err) != 0)
        return -1;
    /* every phase is checked before anything is loaded or expanded */
    for (size_t i = 0; i < nphases; i++) {
        phase ph = {0};
        if (parse_phase(phases[i], &ph, err) != 0)
            return -1;
    }
    if (batch == 0)
        return ab_error_set(err, "batch: expected a positive integer, found 0");
    ab_model m;
    if (ab_model_load(mfile, &m, err) != 0)
        return -1;
    ab_recipe r;
    if (ab_recipe_load(rfile, &r, err) != 0) {
        ab_model_free(&m);
        return -1;
    }
    ab_op_list l = {0, 0, NULL};
    builder b = {&r, &l, err};
    int rc = 0;
    for (size_t i = 0; i < nphases && rc == 0; i++) {
        phase ph = {0};
        rc = parse_phase(phases[i], &ph, err) != 0 ||
                     check_context(&b, &m, mfile, &ph, o->allow_long_context) != 0
                 ? -1
                 : expand(&b, &m, mfile, &ph, batch);
    }
    ab_model_free(&m);
    ab_recipe_free(&r);
    if (rc != 0) {
        ab_op_list_free(&l);
        return -1;
    }
    *out = l;
    return 0;
}

double ab_phase_tokens(const char *phase_name, uint32_t batch)
{
    if (phase_name && strncmp(phase_name, "prefill:", 8) == 0)
        return strtod(phase_name + 8, NULL) * batch;
    return batch; /* decode: one new token per sequence */
}

ab_throughput_unit ab_ops_throughput_unit(const ab_op_list *ops)
{
    for (size_t i = 0; i < ops->n; i++)
        if (ops->ops[i].kind == AB_OP_CONV)
            return AB_THROUGHPUT_IMAGES;
    return AB_THROUGHPUT_TOKENS;
}

const char *ab_throughput_unit_name(ab_throughput_unit u)
{
    return u == AB_THROUGHPUT_IMAGES ? "images" : "tokens";
}

double ab_throughput_items(const ab_op_list *ops, const char *phase_name, uint32_t batch)
{
    return ab_ops_throughput_unit(ops) == AB_THROUGHPUT_IMAGES ? (double)batch
                                                                : ab_phase_tokens(phase_name, batch);
}
