/* recipe.c - loading, validating and applying quantization recipes.
 *
 * Name checks: weight and KV-cache formats are ab_format_parse names or the
 * quant.h selectors (bitmod_fp3_mix, bitmod_fp4_mix, antN, olive4,
 * olive4_flint); activations and accumulators (int32, fp32, ...) are
 * ab_format_parse names; scales are ab_scale_parse names.  Overrides: fnmatch(3) without flags, so '*' also
 * matches '.', applied in file order (later rules win, field by field).
 */
#include "recipe.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "quant.h"
#include "yaml/yaml_doc.h"

unsigned ab_recipe_code_bits(const char *name, ab_error *err)
{
    ab_selector sel;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint8_t n;
    if (ab_quant_candidates(name, &sel, cand, &n, err) != 0)
        return 0;
    unsigned bits = 0;
    for (unsigned c = 0; c < n; c++)
        bits = cand[c].bits > bits ? cand[c].bits : bits;
    return bits;
}

static void free_rules(ab_recipe *r)
{
    free(r->rules);
    r->rules = NULL;
    r->nrules = 0;
}

void ab_recipe_free(ab_recipe *r)
{
    if (r)
        free_rules(r);
}

static const char *const k_top_keys[] = {"name",        "source",      "notes",
                                         "weights",     "activations", "kv_cache",
                                         "accumulator", "group_fallback", "overrides", NULL};
static const char *const k_operand_keys[] = {"format", "group_size", "scale", NULL};
static const char *const k_rule_keys[] = {"match",    "weights",     "activations",
                                          "kv_cache", "accumulator", NULL};

static int check_weight_format(ab_ydoc *d, struct fy_node *n, const char *path, const char *s)
{
    ab_error e;
    if (ab_recipe_code_bits(s, &e) == 0)
        return ab_ydoc_fail(d, n, path,
                            "expected a format or a selector (bitmod_fp3_mix, bitmod_fp4_mix, "
                            "antN, olive4, olive4_flint), found \"%s\": %s", s, e.msg);
    return 0;
}

static int check_act_format(ab_ydoc *d, struct fy_node *n, const char *path, const char *s)
{
    ab_format f;
    ab_error e;
    if (ab_format_parse(s, &f, &e) != 0)
        return ab_ydoc_fail(d, n, path, "expected a format name, found \"%s\": %s", s, e.msg);
    return 0;
}

/* One operand mapping; `partial` (overrides) makes every field optional. */
static int load_operand(ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                        bool partial, ab_recipe_operand *o, unsigned *set, unsigned fbit)
{
    char p[128];
    ab_ydoc_path(p, sizeof p, path, key);
    struct fy_node *n = ab_ydoc_get(map, key);
    if (!n) {
        if (partial)
            return 0;
        return ab_ydoc_fail(d, map, p, "missing required field (expected {format, group_size, scale})");
    }
    if (ab_ydoc_check_keys(d, n, p, k_operand_keys) != 0)
        return -1;
    char fp[160];
    if (ab_ydoc_str(d, n, p, "format", !partial, o->format, sizeof o->format) != 0)
        return -1;
    if (ab_ydoc_get(n, "format")) {
        if (check_weight_format(d, ab_ydoc_get(n, "format"), ab_ydoc_path(fp, sizeof fp, p, "format"),
                                o->format) != 0)
            return -1;
        *set |= fbit;
    }
    uint64_t g = 0;
    if (ab_ydoc_uint(d, n, p, "group_size", !partial, true, &g) != 0)
        return -1;
    if (ab_ydoc_get(n, "group_size")) {
        if (g > 1u << 24)
            return ab_ydoc_fail(d, ab_ydoc_get(n, "group_size"),
                                ab_ydoc_path(fp, sizeof fp, p, "group_size"),
                                "expected 0 (per channel) or a group size up to 16777216, found %llu",
                                (unsigned long long)g);
        o->group_size = (uint32_t)g;
        *set |= fbit << 1;
    }
    if (ab_ydoc_str(d, n, p, "scale", !partial, o->scale, sizeof o->scale) != 0)
        return -1;
    if (ab_ydoc_get(n, "scale")) {
        ab_scale_kind k;
        uint8_t b;
        ab_error e;
        if (ab_scale_parse(o->scale, &k, &b, &e) != 0)
            return ab_ydoc_fail(d, ab_ydoc_get(n, "scale"), ab_ydoc_path(fp, sizeof fp, p, "scale"),
                                "expected fp32, fp16, e8m0 or intK, found \"%s\": %s", o->scale,
                                e.msg);
        *set |= fbit << 2;
    }
    return 0;
}

static int load_scalar_format(ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                              bool required, char *out, unsigned *set, unsigned bit)
{
    if (ab_ydoc_str(d, map, path, key, required, out, AB_FORMAT_NAME_MAX) != 0)
        return -1;
    struct fy_node *n = ab_ydoc_get(map, key);
    if (!n)
        return 0;
    char fp[160];
    ab_ydoc_path(fp, sizeof fp, path, key);
    if (check_act_format(d, n, fp, out) != 0)
        return -1;
    *set |= bit;
    return 0;
}

static int load_rules(ab_ydoc *d, ab_recipe *r)
{
    struct fy_node *ov = ab_ydoc_get(d->root, "overrides");
    if (!ov)
        return 0;
    if (!fy_node_is_sequence(ov))
        return ab_ydoc_fail(d, ov, "overrides", "expected a sequence of {match, ...} rules");
    const int n = fy_node_sequence_item_count(ov);
    if (n <= 0)
        return 0;
    r->rules = calloc((size_t)n, sizeof *r->rules);
    if (!r->rules)
        return ab_ydoc_fail(d, ov, "overrides", "out of memory");
    void *it = NULL;
    struct fy_node *c;
    while ((c = fy_node_sequence_iterate(ov, &it)) != NULL) {
        char p[48];
        snprintf(p, sizeof p, "overrides[%zu]", r->nrules);
        ab_recipe_rule *rule = &r->rules[r->nrules];
        if (ab_ydoc_check_keys(d, c, p, k_rule_keys) != 0 ||
            ab_ydoc_str(d, c, p, "match", true, rule->match, sizeof rule->match) != 0 ||
            load_operand(d, c, p, "weights", true, &rule->weights, &rule->set, AB_RSET_W_FORMAT) != 0 ||
            load_operand(d, c, p, "kv_cache", true, &rule->kv_cache, &rule->set, AB_RSET_KV_FORMAT) != 0 ||
            load_scalar_format(d, c, p, "activations", false, rule->act_format, &rule->set,
                               AB_RSET_ACT) != 0 ||
            load_scalar_format(d, c, p, "accumulator", false, rule->acc_format, &rule->set,
                               AB_RSET_ACC) != 0)
            return -1;
        if (rule->set == 0) {
            char fp[64];
            return ab_ydoc_fail(d, c, ab_ydoc_path(fp, sizeof fp, p, "match"),
                                "rule changes nothing (expected weights, kv_cache, activations "
                                "or accumulator)");
        }
        r->nrules++;
    }
    return 0;
}

int ab_recipe_load(const char *file, ab_recipe *r, ab_error *err)
{
    memset(r, 0, sizeof *r);
    snprintf(r->file, sizeof r->file, "%s", file);
    ab_ydoc d;
    if (ab_ydoc_load(&d, file, err) != 0)
        return -1;
    unsigned set = 0;
    char fb[16] = "error";
    int rc = -1;
    struct fy_node *root = d.root;
    if (ab_ydoc_check_keys(&d, root, "", k_top_keys) != 0 ||
        ab_ydoc_str(&d, root, "", "name", true, r->name, sizeof r->name) != 0 ||
        load_operand(&d, root, "", "weights", false, &r->weights, &set, AB_RSET_W_FORMAT) != 0 ||
        load_operand(&d, root, "", "kv_cache", false, &r->kv_cache, &set, AB_RSET_KV_FORMAT) != 0 ||
        load_scalar_format(&d, root, "", "activations", true, r->act_format, &set,
                           AB_RSET_ACT) != 0 ||
        load_scalar_format(&d, root, "", "accumulator", true, r->acc_format, &set,
                           AB_RSET_ACC) != 0 ||
        ab_ydoc_str(&d, root, "", "group_fallback", false, fb, sizeof fb) != 0)
        goto out;
    if (strcmp(fb, "channel") == 0)
        r->group_fallback_channel = true;
    else if (strcmp(fb, "error") != 0) {
        ab_ydoc_fail(&d, ab_ydoc_get(root, "group_fallback"), "group_fallback",
                     "expected error or channel, found \"%s\"", fb);
        goto out;
    }
    rc = load_rules(&d, r);
out:
    ab_ydoc_free(&d);
    if (rc != 0)
        free_rules(r);
    return rc;
}

static void put_operand(ab_op *op, const ab_recipe_operand *o, unsigned set, unsigned fbit)
{
    if (set & fbit)
        snprintf(op->weight_format, sizeof op->weight_format, "%s", o->format);
    if (set & (fbit << 1))
        op->group_size = o->group_size;
    if (set & (fbit << 2))
        snprintf(op->scale_format, sizeof op->scale_format, "%s", o->scale);
}

int ab_recipe_apply(const ab_recipe *r, ab_op *op, ab_error *err)
{
    const bool attn = op->kind == AB_OP_ATTN_QK || op->kind == AB_OP_ATTN_AV;
    const unsigned all = ~0u;
    if (attn)
        put_operand(op, &r->kv_cache, all, AB_RSET_KV_FORMAT);
    else
        put_operand(op, &r->weights, all, AB_RSET_W_FORMAT);
    snprintf(op->act_format, sizeof op->act_format, "%s", r->act_format);
    snprintf(op->acc_format, sizeof op->acc_format, "%s", r->acc_format);
    for (size_t i = 0; i < r->nrules; i++) {
        const ab_recipe_rule *rule = &r->rules[i];
        if (fnmatch(rule->match, op->name, 0) != 0)
            continue;
        if (attn)
            put_operand(op, &rule->kv_cache, rule->set, AB_RSET_KV_FORMAT);
        else
            put_operand(op, &rule->weights, rule->set, AB_RSET_W_FORMAT);
        if (rule->set & AB_RSET_ACT)
            snprintf(op->act_format, sizeof op->act_format, "%s", rule->act_format);
        if (rule->set & AB_RSET_ACC)
            snprintf(op->acc_format, sizeof op->acc_format, "%s", rule->acc_format);
    }
    if (op->group_size != 0 && op->K % op->group_size != 0) {
        if (!r->group_fallback_channel)
            return ab_error_set(err,
                                "%s: op %s: group_size %u does not divide K = %llu (use a divisor, "
                                "0 for per channel, or group_fallback: channel)",
                                r->file, op->name, op->group_size, (unsigned long long)op->K);
        op->group_size = 0;
    }
    return 0;
}
