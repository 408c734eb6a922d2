/* tile_prog.c - the tile sequence of an op (tile_prog.h). */
#include "tile_prog.h"

#include <math.h>
#include <string.h>

#include "ab_math.h"
#include "pe/pe.h"
#include "systolic.h"

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

bool ab_tile_partials_in_obuf(const ab_accel *a)
{
    return a->dataflow == AB_DF_WS || a->dataflow == AB_DF_WS_SYSTOLIC ||
           a->dataflow == AB_DF_IS_SYSTOLIC;
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

/* The shape-only part of a tile (the mapping of the array over it). */
static const ab_tile_shape *tile_shape(ab_tile_prog *p, uint64_t tn, uint64_t tm, uint64_t tk,
                                       uint64_t k0)
{
    const ab_accel *a = p->a;
    const ab_pe_op *po = p->po;
    const uint64_t kin = k0 % po->group;
    for (unsigned i = 0; i < AB_TILE_SHAPES; i++) {
        const ab_tile_shape *c = &p->shapes[i];
        if (c->valid && c->tn == tn && c->tm == tm && c->tk == tk && c->k0_in_group == kin)
            return c;
    }
    ab_tile_shape *sh = &p->shapes[p->next_shape++ % AB_TILE_SHAPES];
    memset(sh, 0, sizeof *sh);
    sh->valid = true;
    sh->tn = tn;
    sh->tm = tm;
    sh->tk = tk;
    sh->k0_in_group = kin;
    /* k0 only matters through its place in the group: kin stands for it */
    sh->wbytes = ab_tile_weight_bytes(po, tn, kin, tk);
    sh->abytes = ab_tile_act_bytes(po, tm, tk);
    sh->out_bytes = ab_tile_out_bytes(po, tm, tn);
    const uint64_t rows = (uint64_t)a->rows, cols = (uint64_t)a->cols;
    const uint64_t pe_n = ab_ceil_div(tn, p->blk_n); /* PE blocks along n */
    const uint64_t pn = ab_ceil_div(pe_n, rows);
    if (ab_dataflow_systolic(a->dataflow)) {
        /* Each fold holds rows x cols elements of two dimensions on the
         * array and streams the third through it; an operand element is
         * read from its SRAM once per fold that needs it and then moves PE
         * to PE (docs/simulator.md "Systolic dataflows"). */
        uint64_t ext_r, ext_c;
        if (a->dataflow == AB_DF_OS_SYSTOLIC) {
            ext_r = tm; /* rows <-> tokens, columns <-> channels, K streams */
            ext_c = tn;
            sh->work.kt = tk;
        } else {
            /* rows <-> K; ws: columns <-> channels, the tokens stream past
             * preloaded weights; is: columns <-> tokens, the channels'
             * weights stream past preloaded inputs.  One MAC per element:
             * the PE's weight-stationary unit of kt = 1 over that many. */
            ext_r = tk;
            ext_c = a->dataflow == AB_DF_WS_SYSTOLIC ? tn : tm;
            sh->work.ws = true;
            sh->work.kt = 1;
            sh->work.tokens = a->dataflow == AB_DF_WS_SYSTOLIC ? tm : tn;
        }
        const uint64_t folds_r = ab_ceil_div(ext_r, rows), folds_c = ab_ceil_div(ext_c, cols);
        sh->fold_rows = ext_r;
        sh->fold_cols = ext_c;
        sh->k_folds = a->dataflow == AB_DF_OS_SYSTOLIC ? 1 : folds_r;
        sh->passes = folds_r * folds_c;
        sh->pe_busy = ext_r * ext_c; /* every mapped PE streams the whole unit */
        switch (a->dataflow) {
        case AB_DF_OS_SYSTOLIC: /* a row fold reads the weights, a column fold the inputs */
            sh->sram_read_w = folds_r * sh->wbytes;
            sh->sram_read_a = folds_c * sh->abytes;
            break;
        case AB_DF_WS_SYSTOLIC: /* each weight preloaded once; inputs once per column fold */
            sh->sram_read_w = sh->wbytes;
            sh->sram_read_a = folds_c * sh->abytes;
            break;
        default: /* is: each input preloaded once; weights once per column fold */
            sh->sram_read_w = folds_c * sh->wbytes;
            sh->sram_read_a = sh->abytes;
            break;
        }
    } else if (a->dataflow == AB_DF_WS) {
        /* PE (r, c): output block r of the tile's channels, K slice c; the
         * tile's tokens stream through; partial sums leave the row through
         * a C-column adder chain (C - 1 cycles of fill per pass) into the
         * output SRAM as 32-bit partials. */
        const uint64_t pe_k = ab_ceil_div(tk, p->kslice);
        sh->passes = pn * ab_ceil_div(pe_k, cols);
        sh->work.ws = true;
        sh->work.kt = tk < p->kslice ? tk : p->kslice;
        sh->work.tokens = tm;
        sh->pass_fill = cols - 1;
        sh->pe_busy = pe_n * pe_k;
        sh->sram_read_w = sh->wbytes;
        sh->sram_read_a = pn * sh->abytes;
    } else {
        /* PE (r, c): output block (r, c) of the tile; the weights of a row
         * are broadcast along it, the activations of a column down it
         * (BitMoD's mapping, docs/references.md#bitmod-mapping): no systolic fill. */
        const uint64_t pe_m = ab_ceil_div(tm, p->blk_m);
        const uint64_t pm = ab_ceil_div(pe_m, cols);
        sh->passes = pn * pm;
        sh->work.kt = tk;
        sh->pe_busy = pe_n * pe_m;
        sh->sram_read_w = pm * sh->wbytes;
        sh->sram_read_a = pn * sh->abytes;
    }
    sh->work.k0 = kin;
    sh->pass_pe_cycles = ab_pe_cycles(a, po, &sh->work);
    ab_pe_events ev;
    ab_pe_model_of(a->pe)->events(a, po, &sh->work, &ev);
    sh->dequant = sh->pe_busy * ev.dequant_cycles;
    sh->pe_busy *= sh->pass_pe_cycles;
    if (ab_dataflow_systolic(a->dataflow))
        sh->pass_fill = ab_systolic_fold_cycles(a, sh->pass_pe_cycles) - sh->pass_pe_cycles;
    uint64_t c = sh->passes * (sh->pass_pe_cycles + sh->pass_fill);
    c = max_u64(c, ab_ceil_div(sh->sram_read_w,
                               (uint64_t)a->wbuf.banks * a->wbuf.bank_bytes_per_cycle));
    c = max_u64(c, ab_ceil_div(sh->sram_read_a,
                               (uint64_t)a->abuf.banks * a->abuf.bank_bytes_per_cycle));
    sh->compute_cycles = c;
    return sh;
}

bool ab_tile_prog_next(ab_tile_prog *p, ab_tile_step *s)
{
    if (p->idx >= p->total)
        return false;
    const ab_accel *a = p->a;
    const ab_tiling *t = &p->t;
    /* the loop counters, innermost first (every field of *s is set below) */
    s->ki = p->c_k;
    s->rep = p->c_rep;
    s->ni = t->m_outer ? p->c_inner : p->c_outer;
    s->mi = t->m_outer ? p->c_outer : p->c_inner;
    p->idx++;
    if (++p->c_k == p->nk) {
        p->c_k = 0;
        if (++p->c_inner == (t->m_outer ? p->nn : p->nm)) {
            p->c_inner = 0;
            if (++p->c_outer == (t->m_outer ? p->nm : p->nn)) {
                p->c_outer = 0;
                p->c_rep++;
            }
        }
    }
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
    p->have_prev = true;
    p->prev_rep = s->rep;
    p->prev_ni = s->ni;
    p->prev_mi = s->mi;
    p->prev_ki = s->ki;

    s->stores = s->ki == p->nk - 1;
    s->out_index = p->outs;
    if (s->stores)
        p->outs++;

    const ab_tile_shape *sh = tile_shape(p, s->tn, s->tm, s->tk, s->k0);
    s->load_w_bytes = w_resident ? 0 : sh->wbytes;
    s->load_a_bytes = a_resident ? 0 : sh->abytes;
    s->store_bytes = s->stores ? sh->out_bytes : 0;
    s->work = sh->work;
    s->work.k0 = s->k0;
    s->passes = sh->passes;
    s->pass_pe_cycles = sh->pass_pe_cycles;
    s->pass_fill = sh->pass_fill;
    s->fold_rows = sh->fold_rows;
    s->fold_cols = sh->fold_cols;
    s->pe_busy = sh->pe_busy;
    s->dequant = sh->dequant;
    s->compute_cycles = sh->compute_cycles;
    s->sram_port[0] = (uint64_t)a->wbuf.banks * a->wbuf.bank_bytes_per_cycle;
    s->sram_port[1] = (uint64_t)a->abuf.banks * a->abuf.bank_bytes_per_cycle;
    s->sram_port[2] = (uint64_t)a->obuf.banks * a->obuf.bank_bytes_per_cycle;
    s->sram_read[0] = sh->sram_read_w;
    s->sram_read[1] = sh->sram_read_a;
    s->sram_write[0] = s->load_w_bytes;
    s->sram_write[1] = s->load_a_bytes;
    if (ab_tile_partials_in_obuf(a)) {
        /* 32-bit partials: written by every fold along K, read back by
         * every one after the first (and by the tile's first when an
         * earlier K tile left partials) */
        const uint64_t psum = s->tm * s->tn * 4;
        const uint64_t kf = a->dataflow == AB_DF_WS ? 1 : sh->k_folds;
        s->sram_read[2] = (kf - 1 + (s->ki > 0 ? 1 : 0)) * psum + s->store_bytes;
        s->sram_write[2] = kf * psum + (s->stores ? sh->out_bytes : 0);
    } else {
        s->sram_read[2] = s->store_bytes;
        s->sram_write[2] = s->stores ? sh->out_bytes : 0;
    }
    return true;
}

void ab_tile_prog_unit(const ab_tile_prog *p, const ab_tile_step *s, ab_tile_unit level,
                       ab_tile_unit_pos *pos)
{
    const bool m_outer = p->t.m_outer;
    const uint64_t inner = m_outer ? s->ni : s->mi, outer = m_outer ? s->mi : s->ni;
    const uint64_t n_inner = m_outer ? p->nn : p->nm, n_outer = m_outer ? p->nm : p->nn;
    const uint64_t row = s->rep * n_outer + outer, output = row * n_inner + inner;
    const bool ends_output = s->ki == p->nk - 1;
    switch (level) {
    case AB_TILE_UNIT_STEP:
        /* a PE's cycles, events and the tile's group metadata depend on
         * where the tile cuts weight groups: the same for every K tile
         * when tiles hold whole groups, or when K is one group */
        *pos = (ab_tile_unit_pos){s->ki, p->nk, output, 1, 0, true,
                                  p->t.tk % p->po->group == 0 || p->po->group >= p->t.K};
        break;
    case AB_TILE_UNIT_OUTPUT:
        *pos = (ab_tile_unit_pos){inner, n_inner, row, p->nk, 1, ends_output, true};
        break;
    case AB_TILE_UNIT_ROW:
        *pos = (ab_tile_unit_pos){outer,   n_outer,
                                  s->rep,  n_inner * p->nk,
                                  n_inner, ends_output && inner == n_inner - 1,
                                  true};
        break;
    default:
        *pos = (ab_tile_unit_pos){s->rep,
                                  p->t.reps,
                                  0,
                                  n_outer * n_inner * p->nk,
                                  n_outer * n_inner,
                                  ends_output && inner == n_inner - 1 && outer == n_outer - 1,
                                  true};
        break;
    }
}

void ab_tile_prog_skip(ab_tile_prog *p, ab_tile_step *s, ab_tile_unit level, uint64_t units)
{
    ab_tile_unit_pos pos;
    ab_tile_prog_unit(p, s, level, &pos);
    const bool m_outer = p->t.m_outer;
    p->idx += units * pos.steps;
    p->outs += units * pos.stores;
    s->out_index += units * pos.stores;
    /* s's index at the level moves by `units`, and so does the program's
     * counter of that level: it holds s's unit index, or the next one when
     * the levels inside have one step each (no wrap: the unit skipped to
     * is not its parent's last) */
    switch (level) {
    case AB_TILE_UNIT_STEP:
        s->ki += units;
        p->c_k += units;
        break;
    case AB_TILE_UNIT_OUTPUT:
        *(m_outer ? &s->ni : &s->mi) += units;
        p->c_inner += units;
        break;
    case AB_TILE_UNIT_ROW:
        *(m_outer ? &s->mi : &s->ni) += units;
        p->c_outer += units;
        break;
    default:
        s->rep += units;
        p->c_rep += units;
        break;
    }
    s->n0 = s->ni * p->t.tn;
    s->m0 = s->mi * p->t.tm;
    s->k0 = s->ki * p->t.tk;
    s->work.k0 = s->k0;
    p->prev_rep = s->rep;
    p->prev_ni = s->ni;
    p->prev_mi = s->mi;
    p->prev_ki = s->ki;
}
