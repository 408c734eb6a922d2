/* mac_pe_simd.c - the MAC PEs' datapath for a block of weight rows at once
 * (16 on AVX-512, 8 on AVX2), one row per vector lane (mac_pe.h).
 *
 * Each lane is one output's registers, stepped through k in ascending
 * order exactly as the scalar datapath steps them: the FP32 group register
 * (acc = acc + a*w, the product and the sum each rounded on their own:
 * the build has -ffp-contract=off), or the INT32 group register wrapping
 * mod 2^32; then the group scale, the output register, the row scale.  No
 * lane reads another, so the block's outputs are the scalar ones bit for
 * bit; only the order in which independent outputs are computed changes.
 * The scalar steps (sim/values/values_mac.c) stay the reference and the
 * model (mac_pe.c) stays scalar: tests/test_values.cpp compares them.
 */
#include "mac_pe.h"

unsigned ab_mac_block_lanes(ab_simd_path path)
{
    if (!ab_simd_supported(path))
        return 0;
    return path == AB_SIMD_AVX512 ? 16 : path == AB_SIMD_AVX2 ? 8 : 0;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define MP_AVX512 __attribute__((target("avx512f")))
#define MP_AVX2 __attribute__((target("avx2")))

static MP_AVX512 void fp_block16(const ab_mac_block *b, float *out)
{
    __m512 o = _mm512_setzero_ps();
    for (size_t g = 0; g * b->glen < b->k; g++) {
        __m512 acc = _mm512_setzero_ps();
        for (size_t k = g * b->glen; k < (g + 1) * b->glen; k++) {
            const __m512 p = _mm512_mul_ps(_mm512_set1_ps(b->act_f[k]),
                                           _mm512_loadu_ps(b->w_f + k * 16));
            acc = _mm512_add_ps(acc, p);
        }
        o = _mm512_add_ps(o, _mm512_mul_ps(acc, _mm512_loadu_ps(b->group_scales + g * 16)));
    }
    _mm512_storeu_ps(out, _mm512_mul_ps(o, _mm512_loadu_ps(b->row_scales)));
}

static MP_AVX512 void int_block16(const ab_mac_block *b, float *out)
{
    __m512 o = _mm512_setzero_ps();
    const __m512 as = _mm512_set1_ps(b->act_scale);
    for (size_t g = 0; g * b->glen < b->k; g++) {
        __m512i acc = _mm512_setzero_si512();
        for (size_t k = g * b->glen; k < (g + 1) * b->glen; k++) {
            const __m512i p = _mm512_mullo_epi32(_mm512_set1_epi32(b->act_i[k]),
                                                 _mm512_loadu_si512(b->w_i + k * 16));
            acc = _mm512_add_epi32(acc, p); /* wraps mod 2^32 like the register */
        }
        __m512 part = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), as);
        part = _mm512_mul_ps(part, _mm512_loadu_ps(b->group_scales + g * 16));
        o = _mm512_add_ps(o, part);
    }
    _mm512_storeu_ps(out, _mm512_mul_ps(o, _mm512_loadu_ps(b->row_scales)));
}

static MP_AVX2 void fp_block8(const ab_mac_block *b, float *out)
{
    __m256 o = _mm256_setzero_ps();
    for (size_t g = 0; g * b->glen < b->k; g++) {
        __m256 acc = _mm256_setzero_ps();
        for (size_t k = g * b->glen; k < (g + 1) * b->glen; k++) {
            const __m256 p = _mm256_mul_ps(_mm256_set1_ps(b->act_f[k]),
                                           _mm256_loadu_ps(b->w_f + k * 8));
            acc = _mm256_add_ps(acc, p);
        }
        o = _mm256_add_ps(o, _mm256_mul_ps(acc, _mm256_loadu_ps(b->group_scales + g * 8)));
    }
    _mm256_storeu_ps(out, _mm256_mul_ps(o, _mm256_loadu_ps(b->row_scales)));
}

static MP_AVX2 void int_block8(const ab_mac_block *b, float *out)
{
    __m256 o = _mm256_setzero_ps();
    const __m256 as = _mm256_set1_ps(b->act_scale);
    for (size_t g = 0; g * b->glen < b->k; g++) {
        __m256i acc = _mm256_setzero_si256();
        for (size_t k = g * b->glen; k < (g + 1) * b->glen; k++) {
            const __m256i p =
                _mm256_mullo_epi32(_mm256_set1_epi32(b->act_i[k]),
                                   _mm256_loadu_si256((const __m256i *)(b->w_i + k * 8)));
            acc = _mm256_add_epi32(acc, p);
        }
        __m256 part = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), as);
        part = _mm256_mul_ps(part, _mm256_loadu_ps(b->group_scales + g * 8));
        o = _mm256_add_ps(o, part);
    }
    _mm256_storeu_ps(out, _mm256_mul_ps(o, _mm256_loadu_ps(b->row_scales)));
}
#endif

int ab_mac_block_run(ab_simd_path path, const ab_mac_block *b, float *out)
{
    const unsigned lanes = ab_mac_block_lanes(path);
    if (lanes == 0 || b->lanes != lanes || b->glen == 0 || b->k % b->glen != 0 ||
        (b->act_i != NULL) == (b->act_f != NULL) || (b->act_i ? !b->w_i : !b->w_f))
        return -1;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (lanes == 16)
        b->act_i ? int_block16(b, out) : fp_block16(b, out);
    else
        b->act_i ? int_block8(b, out) : fp_block8(b, out);
    return 0;
#else
    (void)out;
    return -1;
#endif
}
