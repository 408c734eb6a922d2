/* gemm_bitplane.c - the bit-plane (binary tensor core) GEMM of ABQ-LLM
 * (Zeng et al., AAAI 2025; bytedance/ABQ-LLM), exact integer arithmetic.
 *
 * Packing, the plane-pair decomposition, XOR and mixed modes, zero points
 * and the overflow rule are described in gemm_bitplane.h.  The tall binary
 * GEMM is computed in output blocks of (q*MB) x (p*NB) popcounts that stay in
 * cache, each followed by its shift-add epilogue; the arithmetic is the same
 * as one (q*M) x (p*N) binary GEMM followed by one epilogue.
 */
#include "gemm_bitplane.h"
#include "ab_math.h"
#include "gemm_bitplane_impl.h"

#include <stdlib.h>
#include <string.h>

#define BP_MB 64 /* rows of X per block */
#define BP_NB 64 /* rows of W per block */

size_t ab_bp_kpad(size_t k)
{
    return (k + AB_BP_K_ALIGN - 1) / AB_BP_K_ALIGN * AB_BP_K_ALIGN;
}

size_t ab_bp_words(size_t k)
{
    return ab_bp_kpad(k) / 64;
}

size_t ab_bp_packed_words(size_t rows, size_t k, unsigned bits)
{
    return (size_t)bits * rows * ab_bp_words(k);
}

void ab_bp_pack(const uint8_t *codes, size_t rows, size_t k, unsigned bits, uint64_t *planes)
{
    const size_t kw = ab_bp_words(k);
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *row = codes + r * k;
        for (size_t t = 0; t < kw; t++) {
            /* word t of every plane from codes [64t, 64t + 64), zero past k */
            uint64_t word[AB_BP_MAX_BITS] = {0};
            const size_t c0 = t * 64, c1 = c0 + 64 < k ? c0 + 64 : (c0 < k ? k : c0);
            for (size_t c = c0; c < c1; c++) {
                const uint64_t code = row[c];
                for (unsigned i = 0; i < bits; i++)
                    word[i] |= ((code >> i) & 1u) << (c - c0);
            }
            for (unsigned i = 0; i < bits; i++)
                planes[((size_t)i * rows + r) * kw + t] = word[i];
        }
    }
}

ab_bp_matrix ab_bp_matrix_of(const uint64_t *planes, size_t rows, size_t k, unsigned bits,
                             ab_bp_kind kind)
{
    const ab_bp_matrix m = {planes, rows, k, ab_bp_words(k), (uint8_t)bits, kind};
    return m;
}

int64_t ab_bp_plane_weight(unsigned i, unsigned bits, bool is_signed)
{
    const int64_t w = (int64_t)1 << i;
    return (is_signed && i + 1 == bits) ? -w : w;
}

int32_t ab_bp_wrap_int32(int64_t y)
{
    const uint32_t u = (uint32_t)(uint64_t)y; /* mod 2^32 */
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - (uint32_t)INT32_MAX - 1u) + INT32_MIN;
}

/* ---- the binary GEMM kernel ------------------------------------------- */

static inline __attribute__((always_inline)) uint64_t bp_combine(uint64_t a, uint64_t b, ab_bp_op op)
{
    return op == AB_BP_XOR ? a ^ b : a & b;
}

static inline __attribute__((always_inline)) uint32_t bp_popc(uint64_t v)
{
    return (uint32_t)__builtin_popcountll(v);
}

/* Register-blocked: 2 rows of a x 4 rows of b per pass over k, then the
 * edges one pair at a time.  op is a constant after inlining. */
static inline __attribute__((always_inline)) void bp_kernel(const uint64_t *a, size_t ra,
                                                            const uint64_t *b, size_t rb,
                                                            size_t kw, ab_bp_op op,
                                                            uint32_t *c, size_t ldc)
{
    size_t r = 0;
    for (; r + 2 <= ra; r += 2) {
        const uint64_t *a0 = a + r * kw, *a1 = a0 + kw;
        size_t s = 0;
        for (; s + 4 <= rb; s += 4) {
            const uint64_t *b0 = b + s * kw, *b1 = b0 + kw, *b2 = b1 + kw, *b3 = b2 + kw;
            uint32_t c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            for (size_t t = 0; t < kw; t++) {
                const uint64_t x0 = a0[t], x1 = a1[t];
                const uint64_t w0 = b0[t], w1 = b1[t], w2 = b2[t], w3 = b3[t];
                c00 += bp_popc(bp_combine(x0, w0, op));
                c01 += bp_popc(bp_combine(x0, w1, op));
                c02 += bp_popc(bp_combine(x0, w2, op));
                c03 += bp_popc(bp_combine(x0, w3, op));
                c10 += bp_popc(bp_combine(x1, w0, op));
                c11 += bp_popc(bp_combine(x1, w1, op));
                c12 += bp_popc(bp_combine(x1, w2, op));
                c13 += bp_popc(bp_combine(x1, w3, op));
            }
            uint32_t *o0 = c + r * ldc + s, *o1 = o0 + ldc;
            o0[0] = c00, o0[1] = c01, o0[2] = c02, o0[3] = c03;
            o1[0] = c10, o1[1] = c11, o1[2] = c12, o1[3] = c13;
        }
        for (; s < rb; s++) {
            const uint64_t *b0 = b + s * kw;
            uint32_t c0 = 0, c1 = 0;
            for (size_t t = 0; t < kw; t++) {
                c0 += bp_popc(bp_combine(a0[t], b0[t], op));
                c1 += bp_popc(bp_combine(a1[t], b0[t], op));
            }
            c[r * ldc + s] = c0;
            c[(r + 1) * ldc + s] = c1;
        }
    }
    for (; r < ra; r++) {
        const uint64_t *a0 = a + r * kw;
        size_t s = 0;
        for (; s + 4 <= rb; s += 4) {
            const uint64_t *b0 = b + s * kw, *b1 = b0 + kw, *b2 = b1 + kw, *b3 = b2 + kw;
            uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
            for (size_t t = 0; t < kw; t++) {
                const uint64_t x0 = a0[t];
                c0 += bp_popc(bp_combine(x0, b0[t], op));
                c1 += bp_popc(bp_combine(x0, b1[t], op));
                c2 += bp_popc(bp_combine(x0, b2[t], op));
                c3 += bp_popc(bp_combine(x0, b3[t], op));
            }
            uint32_t *o = c + r * ldc + s;
            o[0] = c0, o[1] = c1, o[2] = c2, o[3] = c3;
        }
        for (; s < rb; s++) {
            const uint64_t *b0 = b + s * kw;
            uint32_t c0 = 0;
            for (size_t t = 0; t < kw; t++)
                c0 += bp_popc(bp_combine(a0[t], b0[t], op));
            c[r * ldc + s] = c0;
        }
    }
}

static void bp_kernel_generic(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb,
                              size_t kw, ab_bp_op op, uint32_t *c, size_t ldc)
{
    if (op == AB_BP_XOR)
        bp_kernel(a, ra, b, rb, kw, AB_BP_XOR, c, ldc);
    else
        bp_kernel(a, ra, b, rb, kw, AB_BP_AND, c, ldc);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__POPCNT__)
/* The x86-64 baseline has no popcnt instruction; compile the kernel once
 * more for CPUs that have it and pick at run time (no state is kept). */
#define BP_HAVE_POPCNT_VARIANT 1
__attribute__((target("popcnt"))) static void bp_kernel_popcnt(const uint64_t *a, size_t ra,
                                                               const uint64_t *b, size_t rb,
                                                               size_t kw, ab_bp_op op,
                                                               uint32_t *c, size_t ldc)
{
    if (op == AB_BP_XOR)
        bp_kernel(a, ra, b, rb, kw, AB_BP_XOR, c, ldc);
    else
        bp_kernel(a, ra, b, rb, kw, AB_BP_AND, c, ldc);
}
#endif

static void bp_popc_gemm_scalar(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb,
                                size_t kw, ab_bp_op op, uint32_t *c, size_t ldc)
{
#ifdef BP_HAVE_POPCNT_VARIANT
    if (__builtin_cpu_supports("popcnt")) {
        bp_kernel_popcnt(a, ra, b, rb, kw, op, c, ldc);
        return;
    }
#endif
    bp_kernel_generic(a, ra, b, rb, kw, op, c, ldc);
}

void ab_bp_popc_gemm_on(ab_simd_path path, const uint64_t *a, size_t ra, const uint64_t *b,
                        size_t rb, size_t kw, ab_bp_op op, uint32_t *c, size_t ldc)
{
#ifdef AB_BP_HAVE_X86_PATHS
    if (path == AB_SIMD_AVX512 && ab_simd_supported(AB_SIMD_AVX512)) {
        ab_bp_popc_gemm_avx512(a, ra, b, rb, kw, op, c, ldc);
        return;
    }
    if (path == AB_SIMD_AVX2 && ab_simd_supported(AB_SIMD_AVX2)) {
        ab_bp_popc_gemm_avx2(a, ra, b, rb, kw, op, c, ldc);
        return;
    }
#endif
    (void)path;
    bp_popc_gemm_scalar(a, ra, b, rb, kw, op, c, ldc);
}

void ab_bp_popc_gemm(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb, size_t kw,
                     ab_bp_op op, uint32_t *c, size_t ldc)
{
    ab_bp_popc_gemm_on(ab_simd_active(), a, ra, b, rb, kw, op, c, ldc);
}

/* ---- row sums, validation --------------------------------------------- */

static uint64_t bp_row_popc(const uint64_t *row, size_t kw)
{
    uint64_t n = 0;
    for (size_t t = 0; t < kw; t++)
        n += (uint64_t)__builtin_popcountll(row[t]);
    return n;
}

void ab_bp_row_sums(const ab_bp_matrix *a, int64_t *sums)
{
    for (size_t r = 0; r < a->rows; r++) {
        int64_t s = 0;
        if (a->kind == AB_BP_PM1) {
            s = 2 * (int64_t)bp_row_popc(a->planes + r * a->kw, a->kw) - (int64_t)a->k;
        } else {
            for (unsigned i = 0; i < a->bits; i++) {
                const uint64_t *row = a->planes + ((size_t)i * a->rows + r) * a->kw;
                s += ab_bp_plane_weight(i, a->bits, a->kind == AB_BP_SIGNED) *
                     (int64_t)bp_row_popc(row, a->kw);
            }
        }
        sums[r] = s;
    }
}

static int bp_check(const ab_bp_matrix *a, const char *name, ab_error *err)
{
    if (!a || !a->planes)
        return ab_error_set(err, "bit-plane GEMM: operand %s is missing", name);
    if (a->kind != AB_BP_UNSIGNED && a->kind != AB_BP_SIGNED && a->kind != AB_BP_PM1)
        return ab_error_set(err, "bit-plane GEMM: operand %s has unknown kind %d", name,
                            (int)a->kind);
    if (a->bits < 1 || a->bits > AB_BP_MAX_BITS)
        return ab_error_set(err, "bit-plane GEMM: operand %s has %u bits, expected 1..%d", name,
                            (unsigned)a->bits, AB_BP_MAX_BITS);
    if (a->kind == AB_BP_PM1 && a->bits != 1)
        return ab_error_set(err, "bit-plane GEMM: operand %s is {-1,+1} (bin) with %u bits, "
                                 "expected 1", name, (unsigned)a->bits);
    if (a->kw != ab_bp_words(a->k))
        return ab_error_set(err, "bit-plane GEMM: operand %s has %zu words per row, expected %zu "
                                 "for K = %zu padded to %d", name, a->kw, ab_bp_words(a->k), a->k,
                            AB_BP_K_ALIGN);
    /* the padding must be zero: AND, XOR and the row sums rely on it */
    const size_t first = a->k / 64;
    const uint64_t keep = (a->k % 64) ? (((uint64_t)1 << (a->k % 64)) - 1) : 0;
    for (size_t r = 0; r < (size_t)a->bits * a->rows; r++) {
        const uint64_t *row = a->planes + r * a->kw;
        for (size_t t = first; t < a->kw; t++) {
            const uint64_t stray = t == first ? row[t] & ~keep : row[t];
            if (stray)
                return ab_error_set(err, "bit-plane GEMM: operand %s, plane %zu row %zu has "
                                         "nonzero bits in the K padding (word %zu)", name,
                                    r / a->rows, r % a->rows, t);
        }
    }
    return 0;
}

/* ---- the GEMM ---------------------------------------------------------- */

static void bp_plane_coefs(const ab_bp_matrix *a, int64_t *coef)
{
    for (unsigned i = 0; i < a->bits; i++)
        coef[i] = a->kind == AB_BP_PM1 ? 2 : ab_bp_plane_weight(i, a->bits, a->kind == AB_BP_SIGNED);
}

static size_t bp_min(size_t a, size_t b)
{
    return a < b ? a : b;
}

int ab_bp_gemm_zp(const ab_bp_matrix *x, const ab_bp_matrix *w, const int32_t *zx,
                  const int32_t *zw, int64_t *y, ab_bp_stats *st, ab_error *err)
{
    return ab_bp_gemm_zp_on(ab_simd_active(), x, w, zx, zw, y, st, err);
}

int ab_bp_gemm_zp_on(ab_simd_path path, const ab_bp_matrix *x, const ab_bp_matrix *w,
                     const int32_t *zx, const int32_t *zw, int64_t *y, ab_bp_stats *st,
                     ab_error *err)
{
    if (bp_check(x, "X", err) || bp_check(w, "W", err))
        return -1;
    if (x->k != w->k)
        return ab_error_set(err, "bit-plane GEMM: X has K = %zu but W has K = %zu", x->k, w->k);
    const size_t M = x->rows, N = w->rows, kw = x->kw;
    const unsigned q = x->bits, p = w->bits;
    const int64_t K = (int64_t)x->k;
    const bool xor_mode = x->kind == AB_BP_PM1 && w->kind == AB_BP_PM1;
    const ab_bp_op op = xor_mode ? AB_BP_XOR : AB_BP_AND;

    /* per-plane coefficients, c_ij = cx[i] * cw[j] */
    int64_t cx[AB_BP_MAX_BITS], cw[AB_BP_MAX_BITS];
    bp_plane_coefs(x, cx);
    bp_plane_coefs(w, cw);
    if (xor_mode)
        cx[0] = 1, cw[0] = -2; /* K - 2 popc(x XOR w) */

    /* row sums: for the PM1 rewrite x*w = 2 x w' - x and for zero points */
    const bool need_sx = (!xor_mode && w->kind == AB_BP_PM1) || zw;
    const bool need_sw = (!xor_mode && x->kind == AB_BP_PM1) || zx;
    const size_t mb_max = bp_min(M, BP_MB), nb_max = bp_min(N, BP_NB);
    int64_t *sx = need_sx ? malloc((M ? M : 1) * sizeof *sx) : NULL;
    int64_t *sw = need_sw ? malloc((N ? N : 1) * sizeof *sw) : NULL;
    uint32_t *pop = malloc((q * mb_max * p * nb_max + 1) * sizeof *pop);
    if ((need_sx && !sx) || (need_sw && !sw) || !pop) {
        free(sx), free(sw), free(pop);
        return ab_error_set(err, "bit-plane GEMM: out of memory for a %zu x %zu product", M, N);
    }
    if (sx)
        ab_bp_row_sums(x, sx);
    if (sw)
        ab_bp_row_sums(w, sw);

    size_t overflow = 0;
    for (size_t m0 = 0; m0 < M; m0 += BP_MB) {
        const size_t mb = bp_min(BP_MB, M - m0);
        for (size_t n0 = 0; n0 < N; n0 += BP_NB) {
            const size_t nb = bp_min(BP_NB, N - n0);
            const size_t ldc = p * nb;
            /* the binary GEMM of this block: rows (i, m), columns (j, n) */
            for (unsigned j = 0; j < p; j++) {
                const uint64_t *bj = w->planes + ((size_t)j * N + n0) * kw;
                if (mb == M) { /* the q stacked X planes are one tall matrix */
                    ab_bp_popc_gemm_on(path, x->planes, q * M, bj, nb, kw, op, pop + j * nb,
                                       ldc);
                } else {
                    for (unsigned i = 0; i < q; i++)
                        ab_bp_popc_gemm_on(path, x->planes + ((size_t)i * M + m0) * kw, mb, bj,
                                           nb, kw, op, pop + (size_t)i * mb * ldc + j * nb,
                                           ldc);
                }
            }
            /* shift-add epilogue over the plane pairs, then the corrections */
            for (size_t m = 0; m < mb; m++) {
                int64_t *yrow = y + (m0 + m) * N + n0;
                for (size_t n = 0; n < nb; n++) {
                    int64_t acc = xor_mode ? K : 0;
                    for (unsigned i = 0; i < q; i++) {
                        const uint32_t *prow = pop + ((size_t)i * mb + m) * ldc + n;
                        for (unsigned j = 0; j < p; j++)
                            acc += cx[i] * cw[j] * (int64_t)prow[j * nb];
                    }
                    yrow[n] = acc;
                }
            }
        }
    }

    /* PM1 rewrites and zero points: y -= ..., elementwise */
    for (size_t m = 0; m < M; m++) {
        for (size_t n = 0; n < N; n++) {
            int64_t v = y[m * N + n];
            if (!xor_mode && w->kind == AB_BP_PM1)
                v -= sx[m];
            if (!xor_mode && x->kind == AB_BP_PM1)
                v -= sw[n];
            if (zw)
                v -= (int64_t)zw[n] * sx[m];
            if (zx)
                v -= (int64_t)zx[m] * sw[n];
            if (zx && zw)
                v += K * zx[m] * zw[n];
            if (v < INT32_MIN || v > INT32_MAX)
                overflow++;
            y[m * N + n] = v;
        }
    }
    if (st)
        st->int32_overflow = overflow;
    free(sx), free(sw), free(pop);
    return 0;
}

int ab_bp_gemm(const ab_bp_matrix *x, const ab_bp_matrix *w, int64_t *y, ab_bp_stats *st,
               ab_error *err)
{
    return ab_bp_gemm_zp(x, w, NULL, NULL, y, st, err);
}

/* ---- event counts ------------------------------------------------------ */

uint64_t ab_bp_tile_mmas(uint64_t M, uint64_t N, uint64_t K, unsigned p, unsigned q,
                         unsigned tile_m, unsigned tile_n, unsigned tile_k)
{
    if (!M || !N || !K || !p || !q || !tile_m || !tile_n || !tile_k)
        return 0;
    return ab_ceil_div(q * M, tile_m) * ab_ceil_div(p * N, tile_n) * ab_ceil_div(K, tile_k);
}

void ab_bp_count_events(uint64_t M, uint64_t N, uint64_t K, unsigned p, unsigned q,
                        unsigned tile_m, unsigned tile_n, unsigned tile_k, ab_bp_events *ev)
{
    ev->tile_mmas = ab_bp_tile_mmas(M, N, K, p, q, tile_m, tile_n, tile_k);
    ev->bit_ops = ev->tile_mmas * tile_m * tile_n * tile_k;
    ev->useful_bit_ops = (uint64_t)q * M * p * N * K;
    ev->epilogue_macs = M * N * p * q;
}
