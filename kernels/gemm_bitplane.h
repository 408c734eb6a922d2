/* gemm_bitplane.h - the bit-plane (binary tensor core) integer GEMM, exact.
 *
 * This is the arithmetic of the `btc` PE: the decomposition of ABQ-LLM
 * (Zeng et al., AAAI 2025; code: bytedance/ABQ-LLM).  A q-bit X and a p-bit
 * W are split into {0,1} bit-planes, X = sum_i 2^i X_i, W = sum_j 2^j W_j,
 * and
 *
 *   Y[m][n] = sum_k x*w = sum_ij c_ij * popc(X_i[m] AND W_j[n])
 *   c_ij    = 2^(i+j) * (-1)^[signed X and i = q-1] * (-1)^[signed W and j = p-1]
 *
 * (the top plane of a two's-complement operand weighs -2^(bits-1)).  As in
 * ABQ-LLM the q*M x p*N popcounts are one tall binary GEMM over the stacked
 * planes, followed by a shift-add epilogue over the p*q plane pairs.
 *
 * Packing (bit-plane major): an R x K operand of `bits`-bit codes is
 * planes[bits][R][kw] uint64 words, kw = ab_bp_words(K): K is padded with
 * zero bits to a multiple of 128 (the k of mma.m8n8k128.b1), plane i holds
 * bit i of every code, code k of a row is bit k % 64 of word k / 64.  Because
 * the stacked planes [bits][R] are contiguous, the operand is also a plain
 * (bits*R) x kw binary matrix.
 *
 * Encodings (ab_bp_kind):
 *   UNSIGNED  uintN, value = code
 *   SIGNED    intN two's complement
 *   PM1       the `bin` format: 1 bit, code 1 = +1, code 0 = -1
 * PM1 x PM1 runs in XOR mode, dot = K - 2*popc(x XOR w) (the zero padding
 * XORs to zero, so K is the valid K); an integer operand times PM1 uses
 * x*w = 2*x*w' - x, i.e. 2*popc(x AND w') - popc(x) for {0,1} x {-1,+1}.
 *
 * Zero points (not in ABQ-LLM's kernels) are exact through
 *   sum (x-zx)(w-zw) = sum xw - zw*sum x - zx*sum w + K*zx*zw,
 * the row sums being weighted popcounts of the planes.
 *
 * Overflow: results are computed in int64 and are always exact.  The
 * hardware accumulates in int32; every step it does (popcount, shift, add,
 * negate, multiply by a zero point) is a ring operation mod 2^32, so its
 * result is exactly ab_bp_wrap_int32(y).  That equals y iff y fits in int32;
 * ab_bp_stats.int32_overflow counts the outputs where it does not.
 *
 * All functions are reentrant; nothing here keeps state between calls.
 */
#ifndef AB_GEMM_BITPLANE_H
#define AB_GEMM_BITPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "simd.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_BP_K_ALIGN 128 /* K padding, bits */
#define AB_BP_MAX_BITS 8

typedef enum ab_bp_kind {
    AB_BP_UNSIGNED = 0,
    AB_BP_SIGNED = 1,
    AB_BP_PM1 = 2,
} ab_bp_kind;

typedef enum ab_bp_op {
    AB_BP_AND = 0, /* popc(a AND b) */
    AB_BP_XOR = 1, /* popc(a XOR b) */
} ab_bp_op;

/* A packed operand (does not own its words). */
typedef struct ab_bp_matrix {
    const uint64_t *planes; /* [bits][rows][kw] */
    size_t rows;
    size_t k;      /* valid K (bits of padding after it are zero) */
    size_t kw;     /* words per row, ab_bp_words(k) */
    uint8_t bits;  /* 1..8; 1 for PM1 */
    ab_bp_kind kind;
} ab_bp_matrix;

typedef struct ab_bp_stats {
    size_t int32_overflow; /* outputs outside [INT32_MIN, INT32_MAX] */
} ab_bp_stats;

/* K rounded up to a multiple of 128, and the words per packed row. */
size_t ab_bp_kpad(size_t k);
size_t ab_bp_words(size_t k);

/* uint64 words of a packed rows x k operand of `bits` planes. */
size_t ab_bp_packed_words(size_t rows, size_t k, unsigned bits);

/* Pack codes[rows][k] (low `bits` bits of each, bits 1..8) into
 * planes[bits][rows][ab_bp_words(k)], padding zeroed. */
void ab_bp_pack(const uint8_t *codes, size_t rows, size_t k, unsigned bits, uint64_t *planes);

/* Describe packed words as an operand. */
ab_bp_matrix ab_bp_matrix_of(const uint64_t *planes, size_t rows, size_t k, unsigned bits,
                             ab_bp_kind kind);

/* Value of plane i of a `bits`-bit integer operand: 2^i, negated for the
 * top plane of a signed one.  c_ij = ab_bp_plane_weight(i, q, sx) *
 * ab_bp_plane_weight(j, p, sw). */
int64_t ab_bp_plane_weight(unsigned i, unsigned bits, bool is_signed);

/* The tall binary GEMM: c[r * ldc + s] = popc(a_r op b_s) for r < ra,
 * s < rb, where a_r = a[r*kw .. r*kw+kw) and b_s likewise.  Any kw (the
 * operands' K padding is not assumed).  On ab_simd_active()'s path. */
void ab_bp_popc_gemm(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb, size_t kw,
                     ab_bp_op op, uint32_t *c, size_t ldc);

/* The same on a given SIMD path (simd.h); a path this CPU cannot run
 * takes the scalar kernel.  Every path gives the same c. */
void ab_bp_popc_gemm_on(ab_simd_path path, const uint64_t *a, size_t ra, const uint64_t *b,
                        size_t rb, size_t kw, ab_bp_op op, uint32_t *c, size_t ldc);

/* sums[r] = sum over k of the value of row r (weighted plane popcounts;
 * 2*popc - k for PM1). */
void ab_bp_row_sums(const ab_bp_matrix *a, int64_t *sums);

/* Y[M][N] = X[M][K] * W[N][K]^T, exact.  x->k == w->k; st may be NULL.
 * Returns 0, or -1 with err set (bad bits/kind, K mismatch, stray bits in
 * the padding, out of memory). */
int ab_bp_gemm(const ab_bp_matrix *x, const ab_bp_matrix *w, int64_t *y, ab_bp_stats *st,
               ab_error *err);

/* Y[m][n] = sum_k (x - zx[m]) * (w - zw[n]); zx[M] (per row of X) and zw[N]
 * (per row of W, i.e. per output channel) may be NULL for zero.  Per-group
 * zero points are per-K-slice calls.  Exact in int64 while
 * K * (|x|+|zx|) * (|w|+|zw|) < 2^63 (any zero point within a code range). */
int ab_bp_gemm_zp(const ab_bp_matrix *x, const ab_bp_matrix *w, const int32_t *zx,
                  const int32_t *zw, int64_t *y, ab_bp_stats *st, ab_error *err);

/* ab_bp_gemm_zp with its binary GEMM on a given SIMD path (ab_bp_gemm and
 * ab_bp_gemm_zp take ab_simd_active()'s); the same y on every path. */
int ab_bp_gemm_zp_on(ab_simd_path path, const ab_bp_matrix *x, const ab_bp_matrix *w,
                     const int32_t *zx, const int32_t *zw, int64_t *y, ab_bp_stats *st,
                     ab_error *err);

/* What the int32-accumulating hardware returns for an exact result y:
 * y mod 2^32 as two's complement. */
int32_t ab_bp_wrap_int32(int64_t y);

/* ---- event counts for a PE model -------------------------------------- */

/* Binary MMA tile operations for an M x N x K product of a q-bit X and a
 * p-bit W on an m x n x k tile (e.g. 8 x 8 x 128):
 *   ceil(q*M / m) * ceil(p*N / n) * ceil(K / k)
 * i.e. the stacked-plane operands (q*M rows of X planes, p*N rows of W
 * planes, as ab_bp_gemm forms them) each padded up to whole tiles, K to
 * whole k-steps (K padded to 128 gives the same count for k = 128, 256).
 * XOR mode is p = q = 1.  Returns 0 if any argument is 0. */
uint64_t ab_bp_tile_mmas(uint64_t M, uint64_t N, uint64_t K, unsigned p, unsigned q,
                         unsigned tile_m, unsigned tile_n, unsigned tile_k);

typedef struct ab_bp_events {
    uint64_t tile_mmas;      /* ab_bp_tile_mmas */
    uint64_t bit_ops;        /* AND(XOR)+popc bit products issued: tile_mmas * m*n*k */
    uint64_t useful_bit_ops; /* q*M * p*N * K (no tile or K padding) */
    uint64_t epilogue_macs;  /* shift-adds of the epilogue: M * N * p * q */
} ab_bp_events;

void ab_bp_count_events(uint64_t M, uint64_t N, uint64_t K, unsigned p, unsigned q,
                        unsigned tile_m, unsigned tile_n, unsigned tile_k, ab_bp_events *ev);

#ifdef __cplusplus
}
#endif

#endif
