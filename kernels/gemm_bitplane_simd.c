/* gemm_bitplane_simd.c - the tall binary GEMM (popc(a AND/XOR b) for every
 * row pair) on AVX2 and AVX-512, for ab_bp_popc_gemm_on.
 *
 * Each path is compiled for its own target with function attributes, so
 * the file builds for the x86-64 baseline and a path runs only where
 * CPUID says it can (simd.h).  A popcount is an exact integer: the paths
 * agree with the scalar kernel bit for bit by construction, and
 * tests/test_simd.cpp holds them to it on every shape edge.
 *
 * Both register-block 2 rows of a x 4 rows of b (eight accumulators, as the
 * scalar kernel does), so each loaded vector is used four or two times; the
 * edges take 2x1, 1x4 and 1x1 blocks of the same code.
 *   AVX-512: VPOPCNTQ on 8 words per instruction, 64-bit lane sums; the
 *            last kw % 8 words through a masked load (zeros: AND and XOR
 *            of two zeros count nothing).
 *   AVX2:    no vector popcount; bytes are counted by the nibble table
 *            (VPSHUFB) and summed into 64-bit lanes by VPSADBW; the last
 *            kw % 4 words by POPCNT.
 */
#include "gemm_bitplane_impl.h"

#ifdef AB_BP_HAVE_X86_PATHS

#include <immintrin.h>

#define BP_AVX512 __attribute__((target("avx512f,avx512bw,avx512vpopcntdq")))
#define BP_AVX2 __attribute__((target("avx2,popcnt")))
#define BP_INLINE static inline __attribute__((always_inline))

/* ---- AVX-512 ------------------------------------------------------------ */

BP_INLINE BP_AVX512 __m512i bp512_combine(__m512i a, __m512i b, ab_bp_op op)
{
    return op == AB_BP_XOR ? _mm512_xor_si512(a, b) : _mm512_and_si512(a, b);
}

/* c[i*ldc + j] for i < NA (<= 2) rows at a, j < NB (<= 4) rows at b */
BP_INLINE BP_AVX512 void bp512_block(const uint64_t *a, const uint64_t *b, size_t kw,
                                     ab_bp_op op, unsigned na, unsigned nb, uint32_t *c,
                                     size_t ldc)
{
    __m512i acc[2][4];
    for (unsigned i = 0; i < na; i++)
        for (unsigned j = 0; j < nb; j++)
            acc[i][j] = _mm512_setzero_si512();
    size_t t = 0;
    for (; t + 8 <= kw; t += 8) {
        __m512i x[2], w[4];
        for (unsigned i = 0; i < na; i++)
            x[i] = _mm512_loadu_si512((const void *)(a + i * kw + t));
        for (unsigned j = 0; j < nb; j++)
            w[j] = _mm512_loadu_si512((const void *)(b + j * kw + t));
        for (unsigned i = 0; i < na; i++)
            for (unsigned j = 0; j < nb; j++)
                acc[i][j] = _mm512_add_epi64(acc[i][j],
                                             _mm512_popcnt_epi64(bp512_combine(x[i], w[j], op)));
    }
    if (t < kw) {
        const __mmask8 m = (__mmask8)((1u << (kw - t)) - 1u);
        __m512i x[2], w[4];
        for (unsigned i = 0; i < na; i++)
            x[i] = _mm512_maskz_loadu_epi64(m, (const void *)(a + i * kw + t));
        for (unsigned j = 0; j < nb; j++)
            w[j] = _mm512_maskz_loadu_epi64(m, (const void *)(b + j * kw + t));
        for (unsigned i = 0; i < na; i++)
            for (unsigned j = 0; j < nb; j++)
                acc[i][j] = _mm512_add_epi64(acc[i][j],
                                             _mm512_popcnt_epi64(bp512_combine(x[i], w[j], op)));
    }
    if (na == 2 && nb == 4) {
        /* the eight lane sums at once, by a transposing add tree (21
         * instructions where eight reductions take about 56) */
        __m512i pairs[4], quads[2];
        for (unsigned h = 0; h < 4; h++) {
            const __m512i x = acc[h / 2][2 * (h % 2)], y = acc[h / 2][2 * (h % 2) + 1];
            pairs[h] = _mm512_add_epi64(_mm512_unpacklo_epi64(x, y), _mm512_unpackhi_epi64(x, y));
        }
        for (unsigned h = 0; h < 2; h++)
            quads[h] =
                _mm512_add_epi64(_mm512_shuffle_i64x2(pairs[2 * h], pairs[2 * h + 1], 0x88),
                                 _mm512_shuffle_i64x2(pairs[2 * h], pairs[2 * h + 1], 0xdd));
        const __m512i v = _mm512_add_epi64(_mm512_shuffle_i64x2(quads[0], quads[1], 0x88),
                                           _mm512_shuffle_i64x2(quads[0], quads[1], 0xdd));
        /* lanes: acc[0][0..3], acc[1][0..3]; each sum is < 2^32 (kw*64 bits) */
        const __m256i sums = _mm512_cvtepi64_epi32(v);
        _mm_storeu_si128((__m128i *)c, _mm256_castsi256_si128(sums));
        _mm_storeu_si128((__m128i *)(c + ldc), _mm256_extracti128_si256(sums, 1));
        return;
    }
    for (unsigned i = 0; i < na; i++)
        for (unsigned j = 0; j < nb; j++)
            c[i * ldc + j] = (uint32_t)_mm512_reduce_add_epi64(acc[i][j]);
}

BP_INLINE BP_AVX512 void bp512_kernel(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb,
                                      size_t kw, ab_bp_op op, uint32_t *c, size_t ldc)
{
    size_t r = 0;
    for (; r + 2 <= ra; r += 2) {
        size_t s = 0;
        for (; s + 4 <= rb; s += 4)
            bp512_block(a + r * kw, b + s * kw, kw, op, 2, 4, c + r * ldc + s, ldc);
        for (; s < rb; s++)
            bp512_block(a + r * kw, b + s * kw, kw, op, 2, 1, c + r * ldc + s, ldc);
    }
    for (; r < ra; r++) {
        size_t s = 0;
        for (; s + 4 <= rb; s += 4)
            bp512_block(a + r * kw, b + s * kw, kw, op, 1, 4, c + r * ldc + s, ldc);
        for (; s < rb; s++)
            bp512_block(a + r * kw, b + s * kw, kw, op, 1, 1, c + r * ldc + s, ldc);
    }
}

BP_AVX512 void ab_bp_popc_gemm_avx512(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb,
                                      size_t kw, ab_bp_op op, uint32_t *c, size_t ldc)
{
    if (op == AB_BP_XOR)
        bp512_kernel(a, ra, b, rb, kw, AB_BP_XOR, c, ldc);
    else
        bp512_kernel(a, ra, b, rb, kw, AB_BP_AND, c, ldc);
}

/* ---- AVX2 --------------------------------------------------------------- */

BP_INLINE BP_AVX2 __m256i bp256_combine(__m256i a, __m256i b, ab_bp_op op)
{
    return op == AB_BP_XOR ? _mm256_xor_si256(a, b) : _mm256_and_si256(a, b);
}

/* popcount of each 64-bit lane: nibble counts from the table, bytes summed
 * by VPSADBW against zero */
BP_INLINE BP_AVX2 __m256i bp256_popcnt_epi64(__m256i v, __m256i table, __m256i low_nibbles)
{
    const __m256i lo = _mm256_and_si256(v, low_nibbles);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low_nibbles);
    const __m256i bytes =
        _mm256_add_epi8(_mm256_shuffle_epi8(table, lo), _mm256_shuffle_epi8(table, hi));
    return _mm256_sad_epu8(bytes, _mm256_setzero_si256());
}

BP_INLINE BP_AVX2 uint64_t bp256_sum_epi64(__m256i v)
{
    const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_extract_epi64(s, 1);
}

BP_INLINE BP_AVX2 void bp256_block(const uint64_t *a, const uint64_t *b, size_t kw, ab_bp_op op,
                                   unsigned na, unsigned nb, uint32_t *c, size_t ldc)
{
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
                                           1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
    __m256i acc[2][4];
    for (unsigned i = 0; i < na; i++)
        for (unsigned j = 0; j < nb; j++)
            acc[i][j] = _mm256_setzero_si256();
    size_t t = 0;
    for (; t + 4 <= kw; t += 4) {
        __m256i x[2], w[4];
        for (unsigned i = 0; i < na; i++)
            x[i] = _mm256_loadu_si256((const __m256i *)(a + i * kw + t));
        for (unsigned j = 0; j < nb; j++)
            w[j] = _mm256_loadu_si256((const __m256i *)(b + j * kw + t));
        for (unsigned i = 0; i < na; i++)
            for (unsigned j = 0; j < nb; j++)
                acc[i][j] = _mm256_add_epi64(
                    acc[i][j], bp256_popcnt_epi64(bp256_combine(x[i], w[j], op), table,
                                                  low_nibbles));
    }
    for (unsigned i = 0; i < na; i++) {
        for (unsigned j = 0; j < nb; j++) {
            uint64_t n = bp256_sum_epi64(acc[i][j]);
            for (size_t u = t; u < kw; u++) {
                const uint64_t v = op == AB_BP_XOR ? a[i * kw + u] ^ b[j * kw + u]
                                                   : a[i * kw + u] & b[j * kw + u];
                n += (uint64_t)_mm_popcnt_u64(v);
            }
            c[i * ldc + j] = (uint32_t)n;
        }
    }
}

BP_INLINE BP_AVX2 void bp256_kernel(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb,
                                    size_t kw, ab_bp_op op, uint32_t *c, size_t ldc)
{
    size_t r = 0;
    for (; r + 2 <= ra; r += 2) {
        size_t s = 0;
        for (; s + 4 <= rb; s += 4)
            bp256_block(a + r * kw, b + s * kw, kw, op, 2, 4, c + r * ldc + s, ldc);
        for (; s < rb; s++)
            bp256_block(a + r * kw, b + s * kw, kw, op, 2, 1, c + r * ldc + s, ldc);
    }
    for (; r < ra; r++) {
        size_t s = 0;
        for (; s + 4 <= rb; s += 4)
            bp256_block(a + r * kw, b + s * kw, kw, op, 1, 4, c + r * ldc + s, ldc);
        for (; s < rb; s++)
            bp256_block(a + r * kw, b + s * kw, kw, op, 1, 1, c + r * ldc + s, ldc);
    }
}

BP_AVX2 void ab_bp_popc_gemm_avx2(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb,
                                  size_t kw, ab_bp_op op, uint32_t *c, size_t ldc)
{
    if (op == AB_BP_XOR)
        bp256_kernel(a, ra, b, rb, kw, AB_BP_XOR, c, ldc);
    else
        bp256_kernel(a, ra, b, rb, kw, AB_BP_AND, c, ldc);
}

#else
/* No x86 paths on this architecture: ab_simd_supported says so, and
 * ab_bp_popc_gemm_on takes the scalar kernel.  (ISO C wants a declaration
 * in every translation unit.) */
typedef int ab_bp_no_x86_paths;
#endif
