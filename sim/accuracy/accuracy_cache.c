/* accuracy_cache.c - the synthetic operands of the accuracy estimate, kept
 * by (op kind, N, K, act_format, rows, seed): what they depend on
 * (accuracy_data.c seeds them by shape; the quantized activations depend on
 * the act_format), and with them each weight-side spec's measurement (a
 * point that repeats a recipe's formats repeats nothing else: the op's
 * weight elements and MACs are its own).  A sweep's workers share one
 * cache: a lookup takes the
 * lock, a miss makes the operands outside it and inserts them unless
 * another worker was first (the values are the same either way). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy_impl.h"

/* One recipe's measurement of an entry's operands (the weight-side spec:
 * the rest of the key is the entry's). */
typedef struct cache_result {
    char weight_format[AB_FORMAT_NAME_MAX];
    char scale_format[16];
    uint32_t group_size;
    ab_op_accuracy acc;
} cache_result;

typedef struct cache_entry {
    ab_op_kind kind;
    uint64_t N, K, seed;
    uint32_t rows;
    char act_format[AB_FORMAT_NAME_MAX];
    ab_acc_operands operands;
    size_t nres, capres;
    cache_result *res; /* under the cache's lock */
} cache_entry;

struct ab_accuracy_cache {
    pthread_mutex_t lock;
    size_t n, cap;
    cache_entry **entries; /* entries never move once made: callers keep pointers */
};

ab_accuracy_cache *ab_accuracy_cache_new(void)
{
    ab_accuracy_cache *c = calloc(1, sizeof *c);
    if (c && pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void ab_accuracy_cache_free(ab_accuracy_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        ab_acc_operands_free(&c->entries[i]->operands);
        free(c->entries[i]->res);
        free(c->entries[i]);
    }
    free(c->entries);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static bool matches(const cache_entry *e, const ab_op *op, uint32_t rows, uint64_t seed)
{
    return e->kind == op->kind && e->N == op->N && e->K == op->K && e->rows == rows &&
           e->seed == seed && strcmp(e->act_format, op->act_format) == 0;
}

static cache_entry *find(ab_accuracy_cache *c, const ab_op *op, uint32_t rows, uint64_t seed)
{
    for (size_t i = 0; i < c->n; i++)
        if (matches(c->entries[i], op, rows, seed))
            return c->entries[i];
    return NULL;
}

static bool same_spec(const cache_result *r, const ab_op *op)
{
    return r->group_size == op->group_size && strcmp(r->weight_format, op->weight_format) == 0 &&
           strcmp(r->scale_format, op->scale_format) == 0;
}

static cache_entry *get_entry(ab_accuracy_cache *c, const ab_op *op, uint32_t rows,
                              uint64_t seed, ab_error *err)
{
    pthread_mutex_lock(&c->lock);
    cache_entry *hit = find(c, op, rows, seed);
    pthread_mutex_unlock(&c->lock);
    if (hit)
        return hit;
    cache_entry *e = calloc(1, sizeof *e);
    if (!e) {
        ab_error_set(err, "op '%s': out of memory for the accuracy estimate", op->name);
        return NULL;
    }
    e->kind = op->kind;
    e->N = op->N;
    e->K = op->K;
    e->rows = rows;
    e->seed = seed;
    snprintf(e->act_format, sizeof e->act_format, "%s", op->act_format);
    if (ab_acc_operands_make(op, rows, seed, NULL, 0, &e->operands, err) != 0) {
        free(e);
        return NULL;
    }
    pthread_mutex_lock(&c->lock);
    cache_entry *first = find(c, op, rows, seed);
    if (!first && c->n == c->cap) {
        const size_t cap = c->cap ? 2 * c->cap : 16;
        cache_entry **grown = realloc(c->entries, cap * sizeof *grown);
        if (grown) {
            c->entries = grown;
            c->cap = cap;
        }
    }
    const bool keep = !first && c->n < c->cap;
    if (keep)
        c->entries[c->n++] = e;
    pthread_mutex_unlock(&c->lock);
    if (keep)
        return e;
    ab_acc_operands_free(&e->operands);
    free(e);
    if (!first)
        ab_error_set(err, "op '%s': out of memory for the accuracy estimate", op->name);
    return first;
}

int ab_acc_cache_measure(ab_accuracy_cache *c, const ab_op *op, uint32_t rows, uint64_t seed,
                         ab_op_accuracy *out, ab_error *err)
{
    cache_entry *e = get_entry(c, op, rows, seed, err);
    if (!e)
        return -1;
    pthread_mutex_lock(&c->lock);
    bool hit = false;
    for (size_t i = 0; i < e->nres && !hit; i++)
        if (same_spec(&e->res[i], op)) {
            *out = e->res[i].acc;
            hit = true;
        }
    pthread_mutex_unlock(&c->lock);
    if (hit) { /* the op's own totals: the measurement is per element */
        out->weight_elements = (double)op->N * (double)op->K * (double)op->count /
                               (double)(op->weight_share ? op->weight_share : 1);
        out->macs = (double)ab_op_macs(op);
        return 0;
    }
    if (ab_acc_measure(op, &e->operands, out, err) != 0)
        return -1;
    pthread_mutex_lock(&c->lock);
    if (e->nres == e->capres) {
        const size_t cap = e->capres ? 2 * e->capres : 8;
        cache_result *grown = realloc(e->res, cap * sizeof *grown);
        if (grown) {
            e->res = grown;
            e->capres = cap;
        }
    }
    if (e->nres < e->capres) { /* else not kept: measured again next time */
        cache_result *r = &e->res[e->nres++];
        snprintf(r->weight_format, sizeof r->weight_format, "%s", op->weight_format);
        snprintf(r->scale_format, sizeof r->scale_format, "%s", op->scale_format);
        r->group_size = op->group_size;
        r->acc = *out;
    }
    pthread_mutex_unlock(&c->lock);
    return 0;
}
