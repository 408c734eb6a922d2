/* pe_mac.c - timing shared by the bit-parallel MAC PEs (fp16, int8, ant,
 * olive): one lanes-wide multiply-accumulate per cycle whatever the
 * weight's bit width (docs/references.md#bitmod-evaluation-setup: ANT and OliVe PEs at 1 MAC/cycle).
 *
 * Cycle rule, output-stationary:  sum over group pieces of ceil(len / lanes)
 * (a group's scale is applied to its partial sum by the output stage, in
 * parallel with the next group); weight-stationary: one cycle per token. */
#include <string.h>

#include "pe_mac.h"

static uint64_t piece_cycles(const void *vctx, uint64_t len)
{
    return ab_ceil_div(len, *(const uint64_t *)vctx);
}

uint64_t ab_pe_mac_cycles(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w)
{
    if (w->ws)
        return w->kt ? w->tokens : 0;
    const uint64_t lanes = a->lanes;
    return ab_pe_sum_groups(w->k0, w->kt, po->group, piece_cycles, &lanes);
}

/* counters: [0] next k, [1] step within the piece (OS); [1] token (WS) */
void ab_pe_mac_step_begin(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                          ab_pe_stepper *s)
{
    (void)a;
    ab_pe_walk_begin(s, w->k0, w->kt, po->group);
    if (w->ws) {
        s->limits[5] = 1;
        s->limits[2] = w->tokens;
    }
    s->done = w->kt == 0 || (w->ws && w->tokens == 0);
}

bool ab_pe_mac_step(const ab_accel *a, const ab_pe_op *po, ab_pe_stepper *s)
{
    (void)po;
    if (s->done)
        return true;
    s->done_cycles++;
    if (s->limits[5]) {
        s->done = ++s->counters[1] >= s->limits[2];
        return s->done;
    }
    const uint64_t piece = ab_pe_walk_piece(s);
    if (++s->counters[1] == ab_ceil_div(piece, a->lanes)) {
        s->counters[1] = 0;
        s->counters[0] += piece;
        s->done = s->counters[0] >= s->limits[0];
    }
    return s->done;
}

void ab_pe_mac_events(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                      ab_pe_events *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->busy_cycles = ab_pe_mac_cycles(a, po, w);
    ev->macs = w->ws ? w->tokens * w->kt : w->kt;
}

bool ab_pe_mac_int_format(const ab_format *f, unsigned max_bits)
{
    return f->family == AB_FAMILY_INT && f->bits <= max_bits && f->unit == 1.0;
}
