/* tile_prog.c - the tile sequence of an op (tile_prog.h). */
#include "tile_prog.h"

#include <math.h>
#include <string.h>

#include "pe_impl.h"

uint64_t ab_tile_weight_bytes(const ab_pe_op *po, uint64_t tn, uint64_t k0, uint64_t tk)
{
    const double bits = (double)tk * po->w_bits +
                        (double)ab_pe_count_groups(k0, tk, po->group) * po->w_meta_bits_per_group;
    return (uint64_t)ceil((double)tn * bits / 8.0);
}

uint64_t ab_tile_act_bytes(const ab_pe_op *po, uint64_t tm, uint64_t tk)
{
    return ab_ceil_div(tm * tk * po->a_bits, 8);
}

uint64_t ab_tile_out_bytes(const ab_pe_op *po, uint64_t tm, uint64_t tn)
{
    return ab_ceil_div(tm * tn * po->out_bits, 8);
}

uint64_t ab_dram_milli_bytes_per_cycle(const ab_accel *a)
{
    const double m = floor(a->dram.bytes_per_cycle * 1000.0 + 0.5);
    return m < 1 ? 1 : (uint64_t)m;
}

void ab_tile_prog_init(ab_tile_prog *p, const ab_accel *a, const ab_pe_op *po,
                       const ab_tiling *t)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->po = po;
    p->t = *t;
    p->nn = ab_ceil_div(t->N, t->tn);
    p->nm = ab_ceil_div(t->M, t->tm);
    p->nk = ab_ceil_div(t->K, t->tk);
    p->total = t->reps * p->nn * p->nm * p->nk;
    ab_pe_block(a, &p->blk_n, &p->blk_m);
    p->kslice = ab_pe_kslice(a);
}

static uint64_t min_u64(uint64_t x, uint64_t y) { return x < y ? x : y; }
static uint64_t max_u64(uint64_t x, uint64_t y) { return x > y ? x : y; }

bool ab_tile_prog_next(ab_tile_prog *p, ab_tile_step *s)
{
    if (p->idx >= p->total)
        return false;
    const ab_accel *a = p->a;
    const ab_pe_op *po = p->po;
    const ab_tiling *t = &p->t;
    memset(s, 0, sizeof *s);
    uint64_t i = p->idx++;
    s->ki = i % p->nk;
    i /= p->nk;
    const uint64_t inner = t->m_outer ? p->nn : p->nm;
    const uint64_t ii = i % inner;
    i /= inner;
    const uint64_t outer = t->m_outer ? p->nm : p->nn;
    const uint64_t oi = i % outer;
    s->rep = i / outer;
    s->ni = t->m_outer ? ii : oi;
    s->mi = t->m_outer ? oi : ii;
    s->n0 = s->ni * t->tn;
    s->m0 = s->mi * t->tm;
    s->k0 = s->ki * t->tk;
    s->tn = min_u64(t->tn, t->N - s->n0);
    s->tm = min_u64(t->tm, t->M - s->m0);
    s->tk = min_u64(t->tk, t->K - s->k0);

    const bool w_resident = p->have_prev && p->prev_rep == s->rep && p->prev_ni == s->ni &&
                            p->prev_ki == s->ki;
    const bool a_resident = p->have_prev && p->prev_rep == s->rep && p->prev_mi == s->mi &&
                            p->prev_ki == s->ki;
    const uint64_t wbytes = ab_tile_weight_bytes(po, s->tn, s->k0, s->tk);
    const uint64_t abytes = ab_tile_act_bytes(po, s->tm, s->tk);
    s->load_w_bytes = w_resident ? 0 : wbytes;
    s->load_a_bytes = a_resident ? 0 : abytes;
    p->have_prev = true;
    p->prev_rep = s->rep;
    p->prev_ni = s->ni;
    p->prev_mi = s->mi;
    p->prev_ki = s->ki;

    s->stores = s->ki == p->nk - 1;
    const uint64_t out_bytes = ab_tile_out_bytes(po, s->tm, s->tn);
    s->store_bytes = s->stores ? out_bytes : 0;
    s->out_index = p->outs;
    if (s->stores)
        p->outs++;

    const uint64_t rows = (uint64_t)a->rows, cols = (uint64_t)a->cols;
    const uint64_t pe_n = ab_ceil_div(s->tn, p->blk_n); /* PE blocks along n */
    const uint64_t pn = ab_ceil_div(pe_n, rows);
    s->sram_port[0] = (uint64_t)a->wbuf.banks * a->wbuf.bank_bytes_per_cycle;
    s->sram_port[1] = (uint64_t)a->abuf.banks * a->abuf.bank_bytes_per_cycle;
    s->sram_port[2] = (uint64_t)a->obuf.banks * a->obuf.bank_bytes_per_cycle;
    s->sram_write[0] = s->load_w_bytes;
    s->sram_write[1] = s->load_a_bytes;
    if (a->dataflow == AB_DF_WS) {
        /* PE (r, c): output block r of the tile's channels, K slice c; the
         * tile's tokens stream through; partial sums leave the row through
         * a C-column adder chain (C - 1 cycles of fill per pass) into the
         * output SRAM as 32-bit partials. */
        const uint64_t pe_k = ab_ceil_div(s->tk, p->kslice);
        const uint64_t pk = ab_ceil_div(pe_k, cols);
        s->passes = pn * pk;
        s->work.ws = true;
        s->work.k0 = s->k0;
        s->work.kt = min_u64(s->tk, p->kslice);
        s->work.tokens = s->tm;
        s->pass_fill = cols - 1;
        s->pe_busy = pe_n * pe_k; /* PE-positions used over all passes, x cycles below */
        const uint64_t psum = s->tm * s->tn * 4;
        s->sram_read[0] = wbytes;
        s->sram_read[1] = pn * abytes;
        s->sram_read[2] = (s->ki > 0 ? psum : 0) + s->store_bytes;
        s->sram_write[2] = psum + (s->stores ? out_bytes : 0);
    } else {
        /* PE (r, c): output block (r, c) of the tile; the weights of a row
         * are broadcast along it, the activations of a column down it
         * (BitMoD's mapping, REFERENCES.md): no systolic fill. */
        const uint64_t pe_m = ab_ceil_div(s->tm, p->blk_m);
        const uint64_t pm = ab_ceil_div(pe_m, cols);
        s->passes = pn * pm;
        s->work.ws = false;
        s->work.k0 = s->k0;
        s->work.kt = s->tk;
        s->pass_fill = 0;
        s->pe_busy = pe_n * pe_m;
        s->sram_read[0] = pm * wbytes;
        s->sram_read[1] = pn * abytes;
        s->sram_read[2] = s->store_bytes;
        s->sram_write[2] = s->stores ? out_bytes : 0;
    }
    s->pass_pe_cycles = ab_pe_cycles(a, po, &s->work);
    ab_pe_events ev;
    ab_pe_model_of(a->pe)->events(a, po, &s->work, &ev);
    s->dequant = s->pe_busy * ev.dequant_cycles;
    s->pe_busy *= s->pass_pe_cycles;
    uint64_t c = s->passes * (s->pass_pe_cycles + s->pass_fill);
    c = max_u64(c, ab_ceil_div(s->sram_read[0], s->sram_port[0]));
    c = max_u64(c, ab_ceil_div(s->sram_read[1], s->sram_port[1]));
    s->compute_cycles = c;
    return true;
}
