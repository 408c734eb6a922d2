/* pe.c - the table of PE models and what they share: the output block of a
 * PE and the walk over the weight groups a range of K touches. */
#include "pe.h"

#include "pe_impl.h"

const ab_pe_model *ab_pe_model_of(ab_pe_kind k)
{
    switch (k) {
    case AB_PE_BITMOD: return &ab_pe_model_bitmod;
    case AB_PE_BTC: return &ab_pe_model_btc;
    case AB_PE_FP16: return &ab_pe_model_fp16;
    case AB_PE_INT8: return &ab_pe_model_int8;
    case AB_PE_ANT: return &ab_pe_model_ant;
    case AB_PE_OLIVE: return &ab_pe_model_olive;
    case AB_PE_KIND_COUNT: break;
    }
    return NULL;
}

void ab_pe_block(const ab_accel *a, uint32_t *blk_n, uint32_t *blk_m)
{
    /* A binary tensor core produces a tile_m x tile_n block per MMA; every
     * other PE one output. */
    const bool btc = a->pe == AB_PE_BTC;
    *blk_n = btc ? a->tile_n : 1u;
    *blk_m = btc ? a->tile_m : 1u;
}

uint32_t ab_pe_kslice(const ab_accel *a)
{
    return a->pe == AB_PE_BTC ? a->tile_k : a->lanes;
}

int ab_pe_prepare(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err)
{
    const ab_pe_model *m = ab_pe_model_of(a->pe);
    if (!m)
        return ab_error_set(err, "%s: pe.kind: unknown PE kind %d", a->file, (int)a->pe);
    return m->prepare(a, op, po, err);
}

uint64_t ab_pe_cycles(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w)
{
    return ab_pe_model_of(a->pe)->cycles(a, po, w);
}

double ab_pe_peak_macs_per_cycle(const ab_accel *a, const ab_pe_op *po, uint64_t K)
{
    uint32_t blk_n, blk_m;
    ab_pe_block(a, &blk_n, &blk_m);
    const ab_pe_work w = {false, 0, K, 0};
    const uint64_t cycles = ab_pe_cycles(a, po, &w);
    if (cycles == 0)
        return 0;
    return (double)a->rows * (double)a->cols * (double)blk_n * (double)blk_m * (double)K /
           (double)cycles;
}

uint64_t ab_pe_sum_groups(uint64_t k0, uint64_t kt, uint64_t group,
                          uint64_t (*per_group)(const void *ctx, uint64_t len), const void *ctx)
{
    if (kt == 0)
        return 0;
    if (group == 0)
        group = k0 + kt;
    uint64_t total = 0;
    uint64_t k = k0;
    const uint64_t end = k0 + kt;
    /* a leading partial group */
    if (k % group) {
        const uint64_t stop = (k / group + 1) * group;
        const uint64_t len = (stop < end ? stop : end) - k;
        total += per_group(ctx, len);
        k += len;
    }
    const uint64_t full = (end - k) / group;
    if (full)
        total += full * per_group(ctx, group);
    k += full * group;
    if (k < end)
        total += per_group(ctx, end - k);
    return total;
}

uint64_t ab_pe_count_groups(uint64_t k0, uint64_t kt, uint64_t group)
{
    if (kt == 0)
        return 0;
    if (group == 0)
        return 1;
    return (k0 + kt - 1) / group - k0 / group + 1;
}
