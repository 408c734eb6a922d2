/* quant_impl.h - what the quantizer files share (internal to kernels/).
 *
 * quant.c validates a spec and owns the result; the scale rules live in
 * quant_scale.c, the OCP MX rule in quant_mx.c, the type selectors in
 * quant_select.c (BitMoD, ANT) and quant_olive.c (OliVe).
 *
 * Every granularity is cut into "units": runs of unit_len contiguous
 * elements of the row-major input that share one scale (the whole tensor,
 * one row, or one group).  A unit never straddles rows unless it is the
 * whole tensor.  Results are stored per slot (row, group), rows*gpr of
 * them; a per-tensor unit is copied into every row's slot.
 */
#ifndef AB_QUANT_IMPL_H
#define AB_QUANT_IMPL_H

#include <float.h>

#include "quant.h"
#include "simd.h"

typedef struct ab_qlayout {
    size_t rows, cols, n; /* n = rows * cols */
    size_t gpr;           /* slots per row (result groups_per_row) */
    size_t unit_len;      /* elements sharing one scale */
    size_t nunits;        /* n / unit_len */
    bool per_tensor;      /* one unit spanning every row */
} ab_qlayout;

/* Unit holding slot (row r, group g). */
static inline size_t ab_qlayout_unit(const ab_qlayout *l, size_t r, size_t g)
{
    return l->per_tensor ? 0 : r * l->gpr + g;
}

/* A dequantized value as float.  decode * scale can exceed FLT_MAX by up
 * to a rounding step at the very top of the float range (an E8M0 scale
 * rounded up to 2^126 times 4 is 2^128); such values saturate to
 * +-FLT_MAX so dequant is always finite. */
static inline float ab_q_to_float(double v)
{
    return v > FLT_MAX ? FLT_MAX : v < -FLT_MAX ? -FLT_MAX : (float)v;
}

/* Per-unit work arrays every quantization path needs (quant.c). */
typedef struct ab_qunits {
    double *stat;    /* the unit statistic its scale comes from (absmax, min, 3 sigma) */
    double *ideal;   /* ideal scale, or the largest one a search may use: INTK row input */
    double *row;     /* INTK row scale for the unit (0 without INTK) */
    double *scale;   /* chosen effective scale */
    uint32_t *code;  /* that scale as stored */
    uint8_t *type;   /* chosen candidate (selectors) */
} ab_qunits;

int ab_qunits_alloc(ab_qunits *a, size_t nunits, ab_error *err);
void ab_qunits_free(ab_qunits *a);

/* ---- scale formats (quant_scale.c) ------------------------------------- */

typedef struct ab_scale_ctx {
    ab_scale_kind kind;
    uint8_t bits;   /* INTK: k */
    ab_format fp16; /* from the registry: the only FP16 converter */
    ab_format e8m0;
} ab_scale_ctx;

int ab_scale_ctx_init(ab_scale_ctx *c, ab_scale_kind kind, uint8_t bits, ab_error *err);

/* Bits one stored scale costs: 32, 16, 8 or k. */
unsigned ab_scale_storage_bits(const ab_scale_ctx *c);

/* INTK second level: the FP16 row scale for the largest group scale the
 * row may need (0 for an all-zero row gives 1.0). */
double ab_scale_intk_row(const ab_scale_ctx *c, double max_group_scale);

/* Rounds an ideal scale s >= 0 into the scale format and returns the
 * effective scale (> 0, finite); *code gets its stored form.  row_scale is
 * the INTK row scale (ignored otherwise).  s == 0 (an all-zero unit) gives
 * 1.0, or the INTK integer 1. */
double ab_scale_round(const ab_scale_ctx *c, double s, double row_scale, uint32_t *code);

/* ---- shared element loops (quant.c) ------------------------------------ */

/* The vector paths of ab_quant_encode_run (quant_encode_simd.c), for grid
 * formats of at most AB_Q_GRID_FAST_MAX distinct values and no NaN code:
 * idx[i] gets the index into fmt->grid_sorted of x[i]'s code and sq[i] its
 * squared error, bit for bit what the scalar loop computes.  Returns false,
 * writing nothing, for the scalar path and for formats it does not take. */
#define AB_Q_GRID_FAST_MAX 16
bool ab_q_grid_fast_applies(const ab_format *fmt);
bool ab_q_grid_errors(ab_simd_path path, const ab_format *fmt, const float *x, size_t len,
                      double scale, uint8_t *idx, double *sq);

/* Largest |x| over len values. */
double ab_q_absmax(const float *x, size_t len);

/* INTK: fills res->row_scales from each unit's largest possible ideal
 * scale (ceiling[u]) and writes the row scale each unit must use into
 * unit_row[u].  Without INTK sets unit_row[u] = 0 and does nothing else. */
void ab_q_row_scales(const ab_qlayout *l, const ab_scale_ctx *sc, const double *ceiling,
                     double *unit_row, ab_quant_result *res);

/* Copies per-unit scale, scale code and type id into every slot. */
void ab_q_store_units(const ab_qlayout *l, const double *unit_scale, const uint32_t *unit_code,
                      const uint8_t *unit_type, ab_quant_result *res);

/* ---- implementations ---------------------------------------------------- */

typedef struct ab_qjob {
    const ab_quant_spec *spec;
    const float *x;
    ab_qlayout lay;
    ab_scale_ctx sc;
    ab_quant_result *res;
    unsigned bitmod_bits; /* AB_SELECT_BITMOD: 3 or 4 */
    unsigned ant_bits;    /* AB_SELECT_ANT: 3..8 */
    bool olive_flint;     /* AB_SELECT_OLIVE: flint4 normals */
    ab_simd_path simd;    /* the encode loops' path, read once per quantization */
} ab_qjob;

/* Each fills res (arrays already allocated by quant.c) or returns -1. */
int ab_quant_mx(ab_qjob *job, ab_error *err);
/* Candidate sets of the selectors (quant_select.c, quant_olive.c). */
int ab_bitmod_candidates(unsigned bits, ab_format *cand, uint8_t *n, ab_error *err);
int ab_ant_candidates(unsigned bits, ab_format *cand, uint8_t *n, ab_error *err);
int ab_olive_candidates(bool flint, ab_format *cand, uint8_t *n, ab_error *err);

int ab_quant_bitmod(ab_qjob *job, ab_error *err);
int ab_quant_ant(ab_qjob *job, ab_error *err);
int ab_quant_olive(ab_qjob *job, ab_error *err);

#endif
