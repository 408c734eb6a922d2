/* pe_bitmod.c - timing of the BitMoD bit-serial PE (HPCA'25).
 *
 * A PE takes `lanes` (4) FP16 activations and one weight term per lane per
 * cycle; a lanes-wide step of weights takes the cycle rule's
 * ceil(w_bits / 2) cycles (kernels/bitmod_terms.h, the single source of
 * that rule).  A weight group is followed by its bit-serial dequantization,
 * one integer-scale bit per cycle, which runs while the next group computes
 * (docs/references.md#bitmod-pe: "dequant ... hidden behind the next group's compute"); when
 * a group computes in fewer cycles than the scale has bits, the dequantizer
 * paces the PE, so a group costs max(compute, scale bits).  The result of
 * the last group of an output is ready `scale bits` cycles after its
 * compute: the engine delays the output by dequant_cycles.
 *
 * Dataflow: output-stationary only (the group accumulator and dequantizer
 * sit in the PE; accel validation refuses ws).
 */
#include <string.h>

#include "bitmod_terms.h"
#include "pe_impl.h"
#include "quant.h"

static int bitmod_prepare(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err)
{
    if (ab_pe_prepare_common(a, op, po, err) != 0)
        return -1;
    ab_selector sel;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint8_t ncand = 0;
    if (ab_quant_candidates(op->weight_format, &sel, cand, &ncand, err) != 0)
        return -1;
    for (unsigned c = 0; c < ncand; c++)
        if (!ab_bitmod_supports(&cand[c]))
            return ab_pe_refuse(a, op, "weight_format", op->weight_format,
                                "intN (2..8 bits), bitmod_fp3*/bitmod_fp4* and their selectors",
                                err);
    if (strcmp(op->act_format, "fp16") != 0)
        return ab_pe_refuse(a, op, "act_format", op->act_format, "fp16 activations", err);
    if (a->dataflow != AB_DF_OS)
        return ab_error_set(err, "%s: array.dataflow: the bitmod PE is output-stationary only",
                            a->file);
    po->cycles_per_step = ab_bitmod_cycles_for_bits(po->w_bits);
    ab_scale_kind sk;
    uint8_t sbits = 0;
    ab_error e;
    if (ab_scale_parse(op->scale_format, &sk, &sbits, &e) != 0)
        return ab_error_set(err, "op %s: scale_format: %s", op->name, e.msg);
    if (sk == AB_SCALE_INTK) {
        if (sbits > a->scale_bits)
            return ab_error_set(err,
                                "%s: op %s: scale_format \"%s\": the PE dequantizes at most "
                                "pe.scale_bits = %u bits",
                                a->file, op->name, op->scale_format, a->scale_bits);
        po->dequant_cycles = sbits;
    }
    return 0;
}

typedef struct group_ctx {
    uint64_t lanes, cpw, dq;
} group_ctx;

static uint64_t group_cycles(const void *vctx, uint64_t len)
{
    const group_ctx *c = vctx;
    const uint64_t compute = ab_ceil_div(len, c->lanes) * c->cpw;
    return compute > c->dq ? compute : c->dq;
}

static uint64_t bitmod_cycles(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w)
{
    const group_ctx c = {a->lanes, po->cycles_per_step, po->dequant_cycles};
    return ab_pe_sum_groups(w->k0, w->kt, po->group, group_cycles, &c);
}

/* counters: [0] next k, [1] step within the group piece, [2] term within
 * the step, [3] dequantizer-paced idle cycles */
static void bitmod_step_begin(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                              ab_pe_stepper *s)
{
    (void)a;
    ab_pe_walk_begin(s, w->k0, w->kt, po->group);
    s->done = w->kt == 0;
}

static bool bitmod_step(const ab_accel *a, const ab_pe_op *po, ab_pe_stepper *s)
{
    if (s->done)
        return true;
    const uint64_t piece = ab_pe_walk_piece(s);
    const uint64_t steps = ab_ceil_div(piece, a->lanes);
    const uint64_t compute = steps * po->cycles_per_step;
    const uint64_t pad = po->dequant_cycles > compute ? po->dequant_cycles - compute : 0;
    if (s->counters[1] < steps) {
        if (++s->counters[2] == po->cycles_per_step) {
            s->counters[2] = 0;
            s->counters[1]++;
        }
    } else {
        s->counters[3]++;
    }
    s->done_cycles++;
    if (s->counters[1] == steps && s->counters[3] == pad) {
        s->counters[0] += piece;
        s->counters[1] = s->counters[2] = s->counters[3] = 0;
        s->done = s->counters[0] >= s->limits[0];
    }
    return s->done;
}

static void bitmod_events(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                          ab_pe_events *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->busy_cycles = bitmod_cycles(a, po, w);
    ev->dequant_cycles = ab_pe_count_groups(w->k0, w->kt, po->group) * po->dequant_cycles;
    ev->macs = w->kt;
}

const ab_pe_model ab_pe_model_bitmod = {
    .kind = AB_PE_BITMOD,
    .prepare = bitmod_prepare,
    .cycles = bitmod_cycles,
    .step_begin = bitmod_step_begin,
    .step = bitmod_step,
    .events = bitmod_events,
};
