/* tile_prog.h - an op as the sequence of buffer tiles the array executes:
 * what each tile loads, computes and stores.  Both timing modes walk the
 * same sequence, so they differ only in how they advance time.
 *
 * Loop nest: rep (outermost), then the n and m tiles in the tiling's
 * order, then k (innermost, so an output tile's partial sums stay in the
 * array).  A weight tile (rep, n, k) or activation tile (rep, m, k) equal
 * to the previous tile's is still resident in its buffer half and is not
 * loaded again.  The tile that completes an output tile (last k) stores it.
 */
#ifndef AB_TILE_PROG_H
#define AB_TILE_PROG_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/accel.h"
#include "accel/energy.h"
#include "engine.h"
#include "pe/pe.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_tile_step {
    uint64_t rep, ni, mi, ki;      /* tile indices */
    uint64_t n0, m0, k0, tn, tm, tk; /* the tile, clipped at the edges */
    uint64_t load_w_bytes, load_a_bytes; /* DRAM -> SRAM before compute (0: resident) */
    uint64_t store_bytes;          /* SRAM -> DRAM after compute (0: no output yet) */
    bool stores;                   /* completes an output tile */
    uint64_t out_index;            /* which output tile (counts stored tiles) */
    ab_pe_work work;               /* one pass of the PEs */
    uint64_t passes;               /* array passes over the tile */
    uint64_t pass_pe_cycles;       /* ab_pe_cycles(work) */
    uint64_t pass_fill;            /* array cycles per pass beyond the PE's (ws: reduction chain;
                                      systolic: preload and skew, systolic.h) */
    uint64_t fold_rows, fold_cols; /* systolic: the tile's extents on the array's rows and
                                      columns (passes = row folds x column folds, row folds
                                      innermost); 0 for the broadcast dataflows */
    uint64_t sram_read[3];         /* bytes the array reads from W, A, O during compute */
    uint64_t sram_write[3];        /* bytes written: DMA fills of W, A; array writes of O */
    uint64_t sram_port[3];         /* bytes per cycle of each buffer's ports */
    uint64_t compute_cycles;       /* max(passes x (pe + fill), SRAM reads / port width) */
    uint64_t pe_busy;              /* sum over PEs of busy cycles */
    uint64_t dequant;              /* sum over PEs of dequantization cycles */
} ab_tile_step;

/* What depends only on a tile's shape (tn, tm, tk, and k0 within its
 * weight group): cached, since almost every tile of an op is full-size. */
typedef struct ab_tile_shape {
    bool valid;
    uint64_t tn, tm, tk, k0_in_group;
    uint64_t wbytes, abytes, out_bytes;
    ab_pe_work work; /* k0 filled per step */
    uint64_t passes, pass_pe_cycles, pass_fill, pe_busy, dequant, compute_cycles;
    uint64_t fold_rows, fold_cols, k_folds; /* systolic (k_folds: folds along K, ws/is) */
    uint64_t sram_read_w, sram_read_a;
} ab_tile_shape;

#define AB_TILE_SHAPES 4

typedef struct ab_tile_prog {
    const ab_accel *a;
    const ab_pe_op *po;
    ab_tiling t;
    uint64_t nn, nm, nk; /* tile counts */
    uint64_t idx, total; /* next step, number of steps */
    uint64_t c_k, c_inner, c_outer, c_rep; /* loop counters of step idx */
    uint64_t outs;       /* output tiles stored so far */
    bool have_prev;
    uint64_t prev_rep, prev_ni, prev_mi, prev_ki;
    uint32_t blk_n, blk_m, kslice;
    ab_tile_shape shapes[AB_TILE_SHAPES]; /* small cache, replaced round robin */
    unsigned next_shape;
} ab_tile_prog;

void ab_tile_prog_init(ab_tile_prog *p, const ab_accel *a, const ab_pe_op *po,
                       const ab_tiling *t);

/* The next step; false after the last. */
bool ab_tile_prog_next(ab_tile_prog *p, ab_tile_step *s);

/* The loop levels of the sequence, innermost first.  A unit of a level:
 * one tile step, one output tile (its K steps), one row (the inner loop's
 * output tiles for one outer index), one repetition.  Within one parent
 * unit, every unit but the first and the last has the same steps up to
 * their indices: the same tile shapes (only the last tile of a dimension
 * is clipped), the same residency (its first step follows the previous
 * unit's last), the same number of stores.  Repetitions are all alike.
 * Steps are alike only when every K tile cuts the weight groups alike (tk
 * a multiple of the group, or K one group): `alike` says so.  The fast
 * mode uses this to skip periods (engine_fast.c). */
typedef enum ab_tile_unit {
    AB_TILE_UNIT_STEP = 0,
    AB_TILE_UNIT_OUTPUT = 1,
    AB_TILE_UNIT_ROW = 2,
    AB_TILE_UNIT_REP = 3,
} ab_tile_unit;
#define AB_TILE_UNIT_LEVELS 4

/* Where step s stands at a level: its unit's index among the parent's
 * units, their count, the parent's own index among all units of the
 * parent's level, the steps and stores of one unit that is neither first
 * nor last, whether s is its unit's last step, and whether the level's
 * middle units are alike. */
typedef struct ab_tile_unit_pos {
    uint64_t index, count, parent, steps, stores;
    bool ends, alike;
} ab_tile_unit_pos;

void ab_tile_prog_unit(const ab_tile_prog *p, const ab_tile_step *s, ab_tile_unit level,
                       ab_tile_unit_pos *pos);

/* Skip `units` whole units of a level: s must be the step the program
 * gave last and the first of its unit; afterwards s is the first step of
 * the unit `units` further on (the same parent), as the program would have
 * given it, and the program continues after it.  The caller accounts for
 * the skipped steps' time and events. */
void ab_tile_prog_skip(ab_tile_prog *p, ab_tile_step *s, ab_tile_unit level, uint64_t units);

/* Bytes of a tn x tk weight tile starting at input k0 (codes and group
 * metadata), a tm x tk activation tile, a tm x tn output tile. */
uint64_t ab_tile_weight_bytes(const ab_pe_op *po, uint64_t tn, uint64_t k0, uint64_t tk);
uint64_t ab_tile_act_bytes(const ab_pe_op *po, uint64_t tm, uint64_t tk);
uint64_t ab_tile_out_bytes(const ab_pe_op *po, uint64_t tm, uint64_t tn);

/* Whether the dataflow keeps 32-bit partial sums in the output SRAM (ws
 * and the systolic ws/is: the reduction runs across folds or K tiles)
 * rather than finished outputs. */
bool ab_tile_partials_in_obuf(const ab_accel *a);

/* DRAM bandwidth in thousandths of a byte per cycle (integer arithmetic
 * makes both modes round alike), at least 1. */
uint64_t ab_dram_milli_bytes_per_cycle(const ab_accel *a);

#ifdef __cplusplus
}
#endif

#endif
