/* pe_common.c - op resolution and the group walk shared by the PE models. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pe_impl.h"
#include "quant.h"

int ab_pe_prepare_common(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err)
{
    memset(po, 0, sizeof *po);
    ab_selector sel;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint8_t ncand = 0;
    ab_error e;
    if (ab_quant_candidates(op->weight_format, &sel, cand, &ncand, &e) != 0)
        return ab_error_set(err, "op %s: weight_format: %s", op->name, e.msg);
    for (unsigned c = 0; c < ncand; c++)
        po->w_bits = cand[c].bits > po->w_bits ? cand[c].bits : po->w_bits;
    ab_format af;
    if (ab_format_parse(op->act_format, &af, &e) != 0)
        return ab_error_set(err, "op %s: act_format: %s", op->name, e.msg);
    po->a_bits = af.bits;
    /* Outputs leave the array as FP16 (every preset's activation format). */
    po->out_bits = 16;
    po->group = op->group_size ? op->group_size : op->K;
    if (op->M == 0 || op->N == 0 || op->K == 0 || op->count == 0)
        return ab_error_set(err, "op %s: M, N, K and count must be positive", op->name);
    const double share = op->weight_share ? op->weight_share : 1u;
    const double distinct = ceil((double)op->count / share);
    const double bpw = ab_op_weight_bytes(op) * 8.0 / (distinct * (double)op->N * (double)op->K);
    const double meta = (bpw - po->w_bits) * (double)po->group;
    po->w_meta_bits_per_group = meta > 0 ? meta : 0;
    po->p = po->w_bits;
    po->q = po->a_bits;
    (void)a;
    return 0;
}

int ab_pe_refuse(const ab_accel *a, const ab_op *op, const char *field, const char *found,
                 const char *runs, ab_error *err)
{
    return ab_error_set(err, "%s: op %s: %s \"%s\": the %s PE runs %s", a->file, op->name, field,
                        found, ab_pe_kind_name(a->pe), runs);
}

void ab_pe_walk_begin(ab_pe_stepper *s, uint64_t k0, uint64_t kt, uint64_t group)
{
    memset(s, 0, sizeof *s);
    s->counters[0] = k0;
    s->limits[0] = k0 + kt;
    s->limits[1] = group ? group : k0 + kt;
}

uint64_t ab_pe_walk_piece(const ab_pe_stepper *s)
{
    const uint64_t k = s->counters[0], end = s->limits[0], g = s->limits[1];
    if (k >= end)
        return 0;
    const uint64_t stop = (k / g + 1) * g;
    return (stop < end ? stop : end) - k;
}
