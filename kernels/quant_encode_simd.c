/* quant_encode_simd.c - the vector paths of ab_quant_encode_run for small grid
 * formats: where the quantizers spend their time (BitMoD tries four grids
 * per group, ANT 51 clipping ratios per candidate, OliVe 88).
 *
 * For a grid format of at most 16 distinct values with no NaN code, each
 * element's work is pure arithmetic: y = x / scale, clamped into the grid;
 * its index into grid_sorted is the number of decision points below y (a
 * tie at a decision point goes up where grid_tie_up says so, exactly as
 * ab_grid_encode counts); the dequantized value is grid_sorted[index] *
 * scale, saturated to the float range and rounded to float; the squared
 * error is (x - that float)^2.  Every step is one IEEE-rounded operation
 * (division, min/max, compare, multiply, conversion, subtraction), so 8 (or
 * 4) lanes at a time give the scalar loop's bits.  The sum of the squared
 * errors stays sequential in the caller (quant.c): summing in another order
 * would change which candidate wins a near tie.
 *
 * The scalar path is ab_quant_encode_run's own loop (the reference); these are
 * only ever compared with it (tests/test_quant_simd.cpp).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "format_impl.h"
#include "quant_impl.h"

/* What the vector loops read of a grid: decision points with their
 * compare (>= where a tie goes up, > where it stays), and the values padded
 * to 16 with the largest so that a table lookup never reads past them. */
typedef struct grid_view {
    unsigned nmid;
    double mid[AB_Q_GRID_FAST_MAX - 1];
    bool ge[AB_Q_GRID_FAST_MAX - 1];
    double value[AB_Q_GRID_FAST_MAX];
    double lo, hi;
} grid_view;

bool ab_q_grid_fast_applies(const ab_format *fmt)
{
    return fmt->family == AB_FAMILY_GRID && fmt->grid_nan_code < 0 &&
           fmt->grid_nsorted >= 1 && fmt->grid_nsorted <= AB_Q_GRID_FAST_MAX;
}

static void grid_view_of(const ab_format *fmt, grid_view *g)
{
    const unsigned n = fmt->grid_nsorted;
    g->nmid = n - 1;
    for (unsigned i = 0; i + 1 < n; i++) {
        g->mid[i] = fmt->grid_mid[i];
        g->ge[i] = fmt->grid_tie_up[i] != 0;
    }
    for (unsigned i = 0; i < AB_Q_GRID_FAST_MAX; i++)
        g->value[i] = fmt->grid_sorted[i < n ? i : n - 1];
    g->lo = ab_format_min(fmt);
    g->hi = ab_format_max(fmt);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define QE_AVX512 __attribute__((target("avx512f")))
#define QE_AVX2 __attribute__((target("avx2")))

/* Eight elements from xs[0..7]; idx and sq get all eight. */
static inline __attribute__((always_inline)) QE_AVX512 void
grid8_avx512(const grid_view *g, const float *xs, __m512d s, __m512d tab_lo, __m512d tab_hi,
             uint8_t *idx, double *sq)
{
    const __m512d zero = _mm512_setzero_pd();
    const __m512d xv = _mm512_cvtps_pd(_mm256_loadu_ps(xs));
    __m512d y = _mm512_div_pd(xv, s);
    y = _mm512_mask_mov_pd(y, _mm512_cmp_pd_mask(y, y, _CMP_UNORD_Q), zero);
    y = _mm512_min_pd(_mm512_max_pd(y, _mm512_set1_pd(g->lo)), _mm512_set1_pd(g->hi));
    __m512i k = _mm512_setzero_si512();
    const __m512i one = _mm512_set1_epi64(1);
    for (unsigned j = 0; j < g->nmid; j++) {
        const __m512d m = _mm512_set1_pd(g->mid[j]);
        const __mmask8 up = g->ge[j] ? _mm512_cmp_pd_mask(y, m, _CMP_GE_OQ)
                                     : _mm512_cmp_pd_mask(y, m, _CMP_GT_OQ);
        k = _mm512_mask_add_epi64(k, up, k, one);
    }
    __m512d p = _mm512_mul_pd(_mm512_permutex2var_pd(tab_lo, k, tab_hi), s);
    p = _mm512_min_pd(_mm512_max_pd(p, _mm512_set1_pd(-FLT_MAX)), _mm512_set1_pd(FLT_MAX));
    const __m512d d = _mm512_cvtps_pd(_mm512_cvtpd_ps(p));
    const __m512d e = _mm512_sub_pd(xv, d);
    _mm512_storeu_pd(sq, _mm512_mul_pd(e, e));
    _mm_storel_epi64((__m128i *)idx, _mm512_cvtepi64_epi8(k));
}

static QE_AVX512 void grid_errors_avx512(const grid_view *g, const float *x, size_t len,
                                         double scale, uint8_t *idx, double *sq)
{
    const __m512d s = _mm512_set1_pd(scale);
    const __m512d tab_lo = _mm512_loadu_pd(g->value), tab_hi = _mm512_loadu_pd(g->value + 8);
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        grid8_avx512(g, x + i, s, tab_lo, tab_hi, idx + i, sq + i);
    if (i < len) { /* the tail through a padded copy: no read past x */
        float xt[8] = {0};
        uint8_t it[8];
        double st[8];
        memcpy(xt, x + i, (len - i) * sizeof *x);
        grid8_avx512(g, xt, s, tab_lo, tab_hi, it, st);
        memcpy(idx + i, it, len - i);
        memcpy(sq + i, st, (len - i) * sizeof *sq);
    }
}

/* Four elements from xs[0..3]. */
static inline __attribute__((always_inline)) QE_AVX2 void
grid4_avx2(const grid_view *g, const float *xs, __m256d s, uint8_t *idx, double *sq)
{
    const __m256d zero = _mm256_setzero_pd();
    const __m256d xv = _mm256_cvtps_pd(_mm_loadu_ps(xs));
    __m256d y = _mm256_div_pd(xv, s);
    y = _mm256_blendv_pd(y, zero, _mm256_cmp_pd(y, y, _CMP_UNORD_Q));
    y = _mm256_min_pd(_mm256_max_pd(y, _mm256_set1_pd(g->lo)), _mm256_set1_pd(g->hi));
    __m256i k = _mm256_setzero_si256();
    for (unsigned j = 0; j < g->nmid; j++) {
        const __m256d m = _mm256_set1_pd(g->mid[j]);
        const __m256d up = g->ge[j] ? _mm256_cmp_pd(y, m, _CMP_GE_OQ)
                                    : _mm256_cmp_pd(y, m, _CMP_GT_OQ);
        k = _mm256_sub_epi64(k, _mm256_castpd_si256(up)); /* a true lane is -1 */
    }
    __m256d p = _mm256_mul_pd(_mm256_i64gather_pd(g->value, k, 8), s);
    p = _mm256_min_pd(_mm256_max_pd(p, _mm256_set1_pd(-FLT_MAX)), _mm256_set1_pd(FLT_MAX));
    const __m256d d = _mm256_cvtps_pd(_mm256_cvtpd_ps(p));
    const __m256d e = _mm256_sub_pd(xv, d);
    _mm256_storeu_pd(sq, _mm256_mul_pd(e, e));
    int64_t kk[4];
    _mm256_storeu_si256((__m256i *)kk, k);
    for (unsigned l = 0; l < 4; l++)
        idx[l] = (uint8_t)kk[l];
}

static QE_AVX2 void grid_errors_avx2(const grid_view *g, const float *x, size_t len,
                                     double scale, uint8_t *idx, double *sq)
{
    const __m256d s = _mm256_set1_pd(scale);
    size_t i = 0;
    for (; i + 4 <= len; i += 4)
        grid4_avx2(g, x + i, s, idx + i, sq + i);
    if (i < len) {
        float xt[4] = {0};
        uint8_t it[4];
        double st[4];
        memcpy(xt, x + i, (len - i) * sizeof *x);
        grid4_avx2(g, xt, s, it, st);
        memcpy(idx + i, it, len - i);
        memcpy(sq + i, st, (len - i) * sizeof *sq);
    }
}
#endif

bool ab_q_grid_errors(ab_simd_path path, const ab_format *fmt, const float *x, size_t len,
                      double scale, uint8_t *idx, double *sq)
{
    if (path == AB_SIMD_SCALAR || !ab_q_grid_fast_applies(fmt))
        return false;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    grid_view g;
    grid_view_of(fmt, &g);
    if (path == AB_SIMD_AVX512) {
        grid_errors_avx512(&g, x, len, scale, idx, sq);
        return true;
    }
    if (path == AB_SIMD_AVX2) {
        grid_errors_avx2(&g, x, len, scale, idx, sq);
        return true;
    }
#else
    (void)x, (void)len, (void)scale, (void)idx, (void)sq;
#endif
    return false;
}
