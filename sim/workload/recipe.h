/* recipe.h - a quantization recipe (recipes/<name>.yaml): the formats of
 * weights, activations, KV cache and accumulators, with per-op overrides
 * by name pattern.  Schema and presets: docs/models.md.
 */
#ifndef AB_RECIPE_H
#define AB_RECIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How one weight-side operand is stored (weights, or the KV cache). */
typedef struct ab_recipe_operand {
    char format[AB_FORMAT_NAME_MAX]; /* a format or a quant.h selector */
    uint32_t group_size;             /* 0: per channel (one scale per row) */
    char scale[16];                  /* ab_scale_parse name */
} ab_recipe_operand;

/* Field-presence bits of an override rule. */
enum {
    AB_RSET_W_FORMAT = 1u << 0,
    AB_RSET_W_GROUP = 1u << 1,
    AB_RSET_W_SCALE = 1u << 2,
    AB_RSET_KV_FORMAT = 1u << 3,
    AB_RSET_KV_GROUP = 1u << 4,
    AB_RSET_KV_SCALE = 1u << 5,
    AB_RSET_ACT = 1u << 6,
    AB_RSET_ACC = 1u << 7,
};

typedef struct ab_recipe_rule {
    char match[AB_OP_NAME_MAX]; /* fnmatch(3) glob on op names; '*' crosses dots */
    unsigned set;               /* AB_RSET_* */
    ab_recipe_operand weights, kv_cache;
    char act_format[AB_FORMAT_NAME_MAX];
    char acc_format[AB_FORMAT_NAME_MAX];
} ab_recipe_rule;

typedef struct ab_recipe {
    char name[64];
    char file[512];
    ab_recipe_operand weights, kv_cache;
    char act_format[AB_FORMAT_NAME_MAX];
    char acc_format[AB_FORMAT_NAME_MAX];
    bool group_fallback_channel; /* group not dividing K: per channel instead of an error */
    ab_recipe_rule *rules;       /* in file order; later rules win */
    size_t nrules;
} ab_recipe;

int ab_recipe_load(const char *file, ab_recipe *r, ab_error *err);
void ab_recipe_free(ab_recipe *r);

/* Fill op's formats (op->name, kind and K set): the recipe's defaults, then
 * every rule whose pattern matches op->name, in order.  Attention ops take
 * the kv_cache operand, linear/conv ops the weights operand.  Checks the
 * group size against K. */
int ab_recipe_apply(const ab_recipe *r, ab_op *op, ab_error *err);

/* Storage width of a weight-side format or selector name (bitmod_fp4_mix
 * -> 4, ant5 -> 5, olive4 -> 4, int8 -> 8); 0 and an error if unknown. */
unsigned ab_recipe_code_bits(const char *name, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
