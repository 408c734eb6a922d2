/* workload.h - a network's quantized ops for one phase: the unit of work
 * traces carry and the simulator replays.
 *
 * GEMM convention (every op kind): out[M][N] = act[M][K] x W[N][K]^T
 *   M: activation rows (tokens x batch), N: output channels, K: input
 *   channels (the reduction; groups are cut along K of one W row).
 * Attention (per query head, `count` = batch x query heads instances):
 *   attn_qk: S[M=new tokens][N=context] = Q[M][K=head_dim] x Kcache[N][K]^T
 *   attn_av: O[M=new tokens][N=head_dim] = P[M][K=context] x Vcache^T[N][K]
 * The KV cache is the weight-side operand; with grouped-query attention
 * `weight_share` query heads read the same KV head (q_heads / kv_heads).
 * Convolutions are lowered to GEMM by im2col: M = batch x out_h x out_w,
 * N = out_channels, K = in_channels x kh x kw / groups.
 */
#ifndef AB_WORKLOAD_H
#define AB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_OP_NAME_MAX 96

typedef enum ab_op_kind {
    AB_OP_GEMM = 0,
    AB_OP_CONV = 1, /* lowered to GEMM, kept distinct for reports */
    AB_OP_ATTN_QK = 2,
    AB_OP_ATTN_AV = 3,
} ab_op_kind;

const char *ab_op_kind_name(ab_op_kind k);          /* "gemm", "conv", "attn_qk", "attn_av" */
int ab_op_kind_parse(const char *s, ab_op_kind *k); /* 0 ok, -1 unknown */

typedef struct ab_op {
    char name[AB_OP_NAME_MAX]; /* e.g. "layers.0.self_attn.q_proj" */
    ab_op_kind kind;
    uint64_t M, N, K;
    uint32_t count;        /* independent instances of this GEMM (batch x heads for attention) */
    uint32_t weight_share; /* instances sharing one weight operand (GQA group), >= 1 */
    /* quantization (format names resolve with ab_format_parse; group_size 0
     * means per-channel, scale_format as ab_scale_parse reads it) */
    char weight_format[AB_FORMAT_NAME_MAX];
    char act_format[AB_FORMAT_NAME_MAX];
    char acc_format[AB_FORMAT_NAME_MAX];
    char scale_format[16];
    uint32_t group_size;
} ab_op;

/* The range of an op that every stage (trace reader, model expansion,
 * mapper, both engines, reports) computes in 64-bit arithmetic without
 * overflow (docs/trace-format.md "Ranges"): M, N and K in [1,
 * AB_OP_DIM_MAX], count in [1, 2^32 - 1], weight_share in [1, count], and
 * M x N x K x count at most AB_OP_MACS_MAX.  Tile counts, byte counts and
 * cycle counts of such an op stay far below 2^64. */
#define AB_OP_DIM_MAX ((uint64_t)1 << 31)
#define AB_OP_MACS_MAX ((uint64_t)1 << 56)

/* The one check of that range, used by the trace reader and by model
 * expansion: 0 inside it; else -1 with err "FIELD: expected ..., found ..."
 * (the caller adds the file and op). */
int ab_op_check_range(const ab_op *op, ab_error *err);

/* a * b, or UINT64_MAX when the product does not fit: shape arithmetic
 * saturates, and ab_op_check_range then refuses the op. */
uint64_t ab_sat_mul(uint64_t a, uint64_t b);

/* MACs of one op: M*N*K*count (exact for an op inside the range above). */
uint64_t ab_op_macs(const ab_op *op);

/* Bytes of the weight operand as stored: codes at their bit width plus
 * scales (and type ids) per group, over count / weight_share distinct
 * weight operands. */
double ab_op_weight_bytes(const ab_op *op);

typedef struct ab_op_list {
    size_t n, cap;
    ab_op *ops;
} ab_op_list;

void ab_op_list_free(ab_op_list *l);
/* Append a copy of *op (grows the list). */
int ab_op_list_push(ab_op_list *l, const ab_op *op, ab_error *err);

/* The ops of `model` for `phase` at `batch`, quantized by `recipe`.
 *   model:  a zoo name ("llama2-7b", models/<name>.yaml) or a YAML path
 *   recipe: a preset name ("bitmod", recipes/<name>.yaml) or a YAML path
 *   phase:  "prefill:L" (L tokens) or "decode:C" (one new token, context C)
 * Every input is validated first; errors name the file and field. */
int ab_workload_expand(const char *model, const char *recipe, const char *phase, uint32_t batch,
                       ab_op_list *out, ab_error *err);

/* The same with options: a phase longer than the model's max_context (its
 * YAML field, from the HF config's max_position_embeddings) is refused
 * naming both numbers unless allow_long_context (docs/models.md). */
typedef struct ab_expand_opts {
    uint32_t batch;          /* >= 1 */
    bool allow_long_context; /* run phases beyond max_context */
} ab_expand_opts;
int ab_workload_expand_with(const char *model, const char *recipe, const char *phase,
                            const ab_expand_opts *opts, ab_op_list *out, ab_error *err);

/* The ops of several phases of one model and recipe, in order, in one list
 * (a generation: prefill:L, then decode:L, decode:L+1, ...): the model and
 * recipe are loaded once.  Every phase is parsed before any is expanded;
 * an error leaves *out empty. */
int ab_workload_expand_phases(const char *model, const char *recipe, const char *const *phases,
                              size_t nphases, const ab_expand_opts *opts, ab_op_list *out,
                              ab_error *err);

/* The tokens of a phase: prefill:L with L in [1, AB_PHASE_TOKENS_MAX],
 * decode:C with C in [0, AB_PHASE_TOKENS_MAX] (docs/models.md). */
#define AB_PHASE_TOKENS_MAX 32768u

/* Tokens a phase produces: prefill:L -> L x batch, decode -> batch. */
double ab_phase_tokens(const char *phase, uint32_t batch);

/* What a workload's throughput counts (docs/simulator.md "Throughput"): an
 * image workload, one with a conv op (a CNN, a ViT's patch embedding),
 * counts images; any other counts tokens. */
typedef enum ab_throughput_unit {
    AB_THROUGHPUT_TOKENS = 0,
    AB_THROUGHPUT_IMAGES = 1,
} ab_throughput_unit;

ab_throughput_unit ab_ops_throughput_unit(const ab_op_list *ops);
const char *ab_throughput_unit_name(ab_throughput_unit u); /* "tokens", "images" */

/* The items the ops of `phase` at `batch` produce, in the ops' unit: one
 * image per batch element (an image model ignores L), else
 * ab_phase_tokens. */
double ab_throughput_items(const ab_op_list *ops, const char *phase_name, uint32_t batch);

/* Where the presets (configs/, recipes/, models/, traces/examples/,
 * examples/sweeps/, rtl/) are: $ANYBIT_HOME if set; else, for an installed
 * binary, <its folder>/../share/anybit (found through /proc/self/exe, so
 * the install prefix can move); else the source tree the binary was built
 * from (a build tree's binary).  docs/cli.md "Where presets are found". */
void ab_data_root(char *out, size_t cap);

/* A recipe preset name ("int8": recipes/int8.yaml) or a YAML path, as
 * --recipe takes it, resolved to a file; unknown names list the presets. */
int ab_recipe_resolve(const char *name_or_path, char *out, size_t cap, ab_error *err);

/* A zoo name's file under the data root: "<root>/<dir>/<name>.yaml". */
int ab_zoo_path(const char *dir, const char *name, char *out, size_t cap, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
