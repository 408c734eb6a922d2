/* quant.h - quantizers: a float matrix to codes, scales and type ids.
 *
 * A tensor is seen as a row-major matrix [rows][cols]: rows are output
 * channels, cols the input channel K along which groups are cut (a 1-D
 * tensor is one row; N-D tensors fold their leading dimensions into rows).
 *
 * Granularity: one scale per tensor, per row (channel), or per group of
 * `group_size` contiguous elements of a row (group_size must divide cols).
 *
 * Scale formats: FP32, FP16 (IEEE binary16, RNE), E8M0 (power of two), and
 * INTK: a k-bit unsigned integer per group times an FP16 scale per row
 * (BitMoD's two-level scheme, quant_weight_double.py).
 *
 * Type selection (one ab_quant_spec.format names a selector instead of a
 * format):
 *   bitmod_fp3_mix / bitmod_fp4_mix  per group, lowest MSE among
 *                                    {ER+, ER-, EA+, EA-} (BitMoD HPCA'25)
 *   antN                             per tensor, lowest MSE among
 *                                    int, flint, pot, float at N bits, each
 *                                    with a clipping-ratio search (ANT MICRO'22)
 *   olive4 / olive4_flint            per tensor int4 / flint4 normals with
 *                                    outlier-victim pairs (OliVe ISCA'23)
 * MX formats (mxfp4, mxint8, ...) force blocks of 32 with E8M0 scales by
 * the OCP MX v1.0 rule; the spec's granularity and scale are ignored.
 * Rules, tie-breaks and storage accounting: the header comments of
 * quant.c, quant_scale.c, quant_mx.c, quant_select.c and quant_olive.c.
 */
#ifndef AB_QUANT_H
#define AB_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "format.h"
#include "simd.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_QUANT_MAX_CANDIDATES 4

typedef enum ab_granularity {
    AB_GRAN_TENSOR = 0,
    AB_GRAN_CHANNEL = 1,
    AB_GRAN_GROUP = 2,
} ab_granularity;

typedef enum ab_scale_kind {
    AB_SCALE_FP32 = 0,
    AB_SCALE_FP16 = 1,
    AB_SCALE_E8M0 = 2,
    AB_SCALE_INTK = 3, /* k-bit integer per group x FP16 per row */
} ab_scale_kind;

typedef enum ab_selector {
    AB_SELECT_NONE = 0,
    AB_SELECT_BITMOD = 1,
    AB_SELECT_ANT = 2,
    AB_SELECT_OLIVE = 3,
} ab_selector;

typedef struct ab_quant_spec {
    char format[AB_FORMAT_NAME_MAX]; /* format or selector name */
    ab_granularity granularity;
    uint32_t group_size;  /* AB_GRAN_GROUP only */
    ab_scale_kind scale;
    uint8_t scale_bits;   /* AB_SCALE_INTK: 2..16 */
    bool asymmetric;      /* uintN formats: per-group zero point */
} ab_quant_spec;

/* Parse a scale format name: fp32, fp16, e8m0, intK (e.g. int8). */
int ab_scale_parse(const char *name, ab_scale_kind *kind, uint8_t *bits,
                   ab_error *err);

typedef struct ab_quant_result {
    size_t rows, cols;
    size_t groups_per_row; /* 1 for tensor/channel granularity */
    ab_selector selector;
    uint8_t ncandidates;   /* formats codes may be in (1 without selection) */
    ab_format candidates[AB_QUANT_MAX_CANDIDATES];

    uint32_t *codes;       /* rows*cols, in candidates[type_id of the group] */
    uint8_t *type_ids;     /* rows*groups_per_row (all 0 without selection) */
    float *scales;         /* rows*groups_per_row: effective scale, exact */
    uint32_t *scale_codes; /* rows*groups_per_row: the scale in its format
                              (FP16/E8M0 code, k-bit integer, FP32 bits) */
    float *row_scales;     /* rows: FP16 second level (INTK), else NULL */
    int32_t *zero_points;  /* rows*groups_per_row when asymmetric, else NULL */
    uint8_t *outlier;      /* OliVe: rows*cols, 1 where the element is an
                              abfloat outlier; NULL otherwise */
    float *dequant;        /* rows*cols: the value the codes represent */

    double outlier_unit;   /* OliVe: an outlier's value is outlier_unit x
                              scale x decode(candidates[1], code) (1/4 with
                              int4 normals, 1/2 with flint4); 0 otherwise */
    double clip_ratio;     /* ANT/OliVe: chosen clipping ratio, else 1 */
    double mse;            /* mean squared error vs the input */
    double sqnr_db;        /* 10 log10(signal power / noise power) */
    double bits_per_value; /* code bits + scale/type-id overhead per value */
} ab_quant_result;

/* What a weight format or selector name quantizes into: the selector and its
 * candidate formats in type-id order (one for a plain format).  The single
 * place that knows the selectors' candidate sets; validates the name. */
int ab_quant_candidates(const char *name, ab_selector *selector,
                        ab_format cand[AB_QUANT_MAX_CANDIDATES], uint8_t *ncand, ab_error *err);

/* The element loop of every quantizer: encodes x[i] / scale, clamped into
 * [min, max] of fmt, for i < len; writes codes and dequantized values
 * (decode(code) * scale, saturated to the float range) when the pointers
 * are not NULL and returns the sum of squared errors against the
 * dequantized floats, summed in element order.  scale > 0 and finite.
 * path picks the loop (grid formats of up to 16 values have vector ones);
 * every path returns the scalar path's bits. */
double ab_quant_encode_run(const ab_format *fmt, ab_simd_path path, const float *x, size_t len,
                           double scale, uint32_t *codes, float *deq);

/* Quantize x[rows][cols].  Validates the spec (names, group size dividing
 * cols, scale bits) and the input (no NaN/inf), then fills *out.  On error
 * returns -1, fills err, and leaves *out empty (nothing to free). */
int ab_quantize(const ab_quant_spec *spec, const float *x, size_t rows,
                size_t cols, ab_quant_result *out, ab_error *err);

/* ab_quantize with a format given instead of named (spec->format is not
 * read): a grid from ab_format_from_values (format.h), a format changed in
 * memory.  Selectors need their names; everything else is as above. */
int ab_quantize_format(const ab_quant_spec *spec, const ab_format *fmt, const float *x,
                       size_t rows, size_t cols, ab_quant_result *out, ab_error *err);

void ab_quant_result_free(ab_quant_result *res);

/* Error metrics over n values. */
double ab_mse(const float *ref, const float *approx, size_t n);
double ab_sqnr_db(const float *ref, const float *approx, size_t n);

#ifdef __cplusplus
}
#endif

#endif
