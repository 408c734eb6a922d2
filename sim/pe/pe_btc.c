/* pe_btc.c - timing of the binary tensor core PE (ABQ-LLM, AAAI'25).
 *
 * One PE is one binary MMA unit: per cycle a tile_m x tile_n x tile_k
 * AND+popcount product (mma.m8n8k128.b1 style, docs/references.md#abq-llm)
 * into int32 accumulators.  A p-bit weight x q-bit activation product is
 * sequenced plane pair by plane pair (p*q MMAs per k step), each result
 * shift-added with its plane weight c_ij (kernels/gemm_bitplane.h) in a
 * pipelined epilogue that costs no extra cycles.  Weight groups (per-group
 * scales) need their own int32 partials, so a group piece rounds its K up
 * to whole tile_k steps.  {-1,+1} x {-1,+1} (`bin`) runs in XOR mode,
 * p = q = 1.
 *
 * Cycle rule, output-stationary (one tile_m x tile_n output block):
 *     sum over group pieces of p * q * ceil(len / tile_k)
 * weight-stationary (a tile_n x tile_k weight block, tokens streamed in
 * blocks of tile_m):  ceil(tokens / tile_m) * p * q.
 */
#include <string.h>

#include "format.h"
#include "pe_impl.h"
#include "quant.h"

static bool btc_operand(const ab_format *f, bool *is_bin)
{
    *is_bin = strcmp(f->name, "bin") == 0;
    return *is_bin || (f->family == AB_FAMILY_INT && f->bits >= 1 && f->bits <= 8 && f->unit == 1.0);
}

static int btc_prepare(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err)
{
    if (ab_pe_prepare_common(a, op, po, err) != 0)
        return -1;
    const char *runs = "intN/uintN (1..8 bits) or bin weights and activations";
    ab_selector sel;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint8_t ncand = 0;
    if (ab_quant_candidates(op->weight_format, &sel, cand, &ncand, err) != 0)
        return -1;
    bool wbin = false, abin = false;
    if (sel != AB_SELECT_NONE || ncand != 1 || !btc_operand(&cand[0], &wbin))
        return ab_pe_refuse(a, op, "weight_format", op->weight_format, runs, err);
    ab_format af;
    if (ab_format_parse(op->act_format, &af, err) != 0 || !btc_operand(&af, &abin))
        return ab_pe_refuse(a, op, "act_format", op->act_format, runs, err);
    po->xor_mode = wbin && abin;
    po->p = po->xor_mode ? 1u : cand[0].bits;
    po->q = po->xor_mode ? 1u : af.bits;
    po->cycles_per_step = po->p * po->q;
    return 0;
}

typedef struct group_ctx {
    uint64_t tile_k, pq;
} group_ctx;

static uint64_t group_cycles(const void *vctx, uint64_t len)
{
    const group_ctx *c = vctx;
    return ab_ceil_div(len, c->tile_k) * c->pq;
}

static uint64_t btc_cycles(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w)
{
    if (w->ws)
        return w->kt ? ab_ceil_div(w->tokens, a->tile_m) * po->cycles_per_step : 0;
    const group_ctx c = {a->tile_k, po->cycles_per_step};
    return ab_pe_sum_groups(w->k0, w->kt, po->group, group_cycles, &c);
}

/* counters: [0] next k (OS) / next token block (WS), [1] k step within the
 * piece, [2] plane i, [3] plane j */
static void btc_step_begin(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                           ab_pe_stepper *s)
{
    if (w->ws) {
        memset(s, 0, sizeof *s);
        s->limits[0] = w->kt ? ab_ceil_div(w->tokens, a->tile_m) : 0;
        s->limits[5] = 1; /* weight-stationary */
        s->done = s->limits[0] == 0;
        return;
    }
    ab_pe_walk_begin(s, w->k0, w->kt, po->group);
    s->done = w->kt == 0;
}

/* Advance plane j, then plane i; true when a plane-pair sweep wrapped. */
static bool next_pair(const ab_pe_op *po, ab_pe_stepper *s)
{
    if (++s->counters[3] < po->p)
        return false;
    s->counters[3] = 0;
    if (++s->counters[2] < po->q)
        return false;
    s->counters[2] = 0;
    return true;
}

static bool btc_step(const ab_accel *a, const ab_pe_op *po, ab_pe_stepper *s)
{
    if (s->done)
        return true;
    s->done_cycles++;
    const bool swept = next_pair(po, s);
    if (s->limits[5]) { /* WS: one sweep per token block */
        if (swept)
            s->done = ++s->counters[0] >= s->limits[0];
        return s->done;
    }
    if (!swept)
        return false;
    const uint64_t piece = ab_pe_walk_piece(s);
    if (++s->counters[1] == ab_ceil_div(piece, a->tile_k)) {
        s->counters[1] = 0;
        s->counters[0] += piece;
        s->done = s->counters[0] >= s->limits[0];
    }
    return s->done;
}

static void btc_events(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                       ab_pe_events *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->busy_cycles = btc_cycles(a, po, w);
    const uint64_t block = (uint64_t)a->tile_m * a->tile_n;
    ev->bit_ops = ev->busy_cycles * block * a->tile_k;
    ev->epilogue_ops = ev->busy_cycles * block;
    ev->macs = (w->ws ? w->tokens * a->tile_n : block) * w->kt;
}

const ab_pe_model ab_pe_model_btc = {
    .kind = AB_PE_BTC,
    .prepare = btc_prepare,
    .cycles = btc_cycles,
    .step_begin = btc_step_begin,
    .step = btc_step,
    .events = btc_events,
};
