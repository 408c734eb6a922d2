/* bitmod_pe_simd.c - the BitMoD PE datapath of 16 weight rows at once on
 * AVX-512 (bitmod_pe.h "sixteen outputs at once").
 *
 * Each 32-bit lane of a vector is one row's PE.  A step does, per lane,
 * exactly what ab_bitmod_pe_step does (bitmod_pe.c; the RTL sources and the
 * inferred rules are in bitmod_pe.h):
 *   exp_match: v_exp = (a_exp + w_exp) & 63, M = the lanes' max, delta;
 *   bs_mul:    aligned = floor(prod * 2^(3 - delta)) (0 past 14), signed;
 *   adder tree; in1 = bs_out << sig; accumulator aligned to E = max(acc, M)
 *   by an arithmetic shift (0 past 13), the term too unless literal;
 *   sum wrapped to 21 + log2(lanes) bits; the leading one of |sum| moved
 *   to bit 13 (VPLZCNTD); acc_man wrapped to 15 bits, acc_exp = E + s.
 * Every intermediate fits in 32 bits (sum: at most 25 bits), so the 64-bit
 * arithmetic of the scalar step gives the same integers; an arithmetic
 * shift by 32 or more gives the sign, as asr() does for those values.
 * Dequantization: out_man = (out_man << 1) + (bit ? in_man : 0) in 21 bits
 * signed, MSB first; the value out_man * 2^(exp - 28) is exact in FP32
 * (21 bits, exponent -28 .. 35), then summed in FP32 (RNE) in group order
 * from +0 and multiplied by the row scale, as values_bitmod.c does.
 */
#include "bitmod_pe.h"
#include "simd.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define BM_AVX512 __attribute__((target("avx512f,avx512cd,avx512bw")))

bool ab_bitmod_block16_supported(void)
{
    return ab_simd_supported(AB_SIMD_AVX512);
}

/* sign-extend the low `bits` bits of each lane (wrap_bits) */
static inline BM_AVX512 __m512i bm_wrap(__m512i x, unsigned bits)
{
    const __m128i s = _mm_cvtsi32_si128((int)(32u - bits));
    return _mm512_sra_epi32(_mm512_sll_epi32(x, s), s);
}

/* The token's 16 outputs; `lanes` is a constant where inlined for the
 * published PE's 4, so the per-lane arrays stay in registers. */
static inline __attribute__((always_inline)) BM_AVX512 void
bm_token(const ab_bitmod_block16 *b, const unsigned lanes, const uint16_t *act, float out[16])
{
    unsigned log2_lanes = 0;
    while ((1u << (log2_lanes + 1)) <= lanes)
        log2_lanes++;
    const unsigned width = 21u + log2_lanes;
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
    const __m512i m63 = _mm512_set1_epi32(63), m3 = _mm512_set1_epi32(3),
                  m7 = _mm512_set1_epi32(7);
    const __m512i c13 = _mm512_set1_epi32(AB_BITMOD_ACC_SHIFT_MAX),
                  c14 = _mm512_set1_epi32(AB_BITMOD_ALIGN_BITS),
                  c31 = _mm512_set1_epi32(31),
                  norm = _mm512_set1_epi32(AB_BITMOD_NORM_POINT);
    const __m512i width_mask = _mm512_set1_epi32((int)((1u << width) - 1u));
    const __m512i top_bit = _mm512_set1_epi32((int)(1u << (width - 1)));
    __m512 acc = _mm512_setzero_ps();

    for (size_t g = 0; g < b->G; g++) {
        const unsigned cycles = b->cycles[g];
        __m512i acc_exp = zero, acc_man = zero;
        const size_t k_end = (g + 1) * b->glen;
        for (size_t j = g * b->glen; j < k_end; j += lanes) {
            /* the step's activations: the same for every row */
            int a_sign[AB_BITMOD_LANES_MAX], a_exp[AB_BITMOD_LANES_MAX],
                a_man[AB_BITMOD_LANES_MAX];
            for (unsigned l = 0; l < lanes; l++) {
                const uint16_t h = j + l < k_end ? act[j + l] : 0; /* idle lane: 0 */
                const unsigned e = (h >> 10) & 0x1fu;
                a_sign[l] = h >> 15;
                a_exp[l] = e ? (int)e : 1;
                a_man[l] = (int)((e ? 0x400u : 0u) | (h & 0x3ffu));
            }
            for (unsigned c = 0; c < cycles; c++) {
                __m512i t[AB_BITMOD_LANES_MAX], v_exp[AB_BITMOD_LANES_MAX];
                __m512i max_exp = zero;
                for (unsigned l = 0; l < lanes; l++) {
                    /* an idle lane's term is all zero but for lane 0's sig,
                     * which only lane 0's is read for */
                    t[l] = j + l < k_end
                               ? _mm512_cvtepu8_epi32(_mm_loadu_si128(
                                     (const __m128i *)(b->terms +
                                                       ((j + l) * AB_BITMOD_MAX_TERMS + c) * 16)))
                               : zero;
                    const __m512i w_exp = _mm512_and_si512(_mm512_srli_epi32(t[l], 1), m3);
                    v_exp[l] = _mm512_and_si512(_mm512_add_epi32(_mm512_set1_epi32(a_exp[l]),
                                                                 w_exp),
                                                m63);
                    max_exp = _mm512_max_epu32(max_exp, v_exp[l]);
                }
                __m512i bs_out = zero;
                for (unsigned l = 0; l < lanes; l++) {
                    const __m512i delta = _mm512_and_si512(_mm512_sub_epi32(max_exp, v_exp[l]), m63);
                    const __mmask16 man = _mm512_test_epi32_mask(t[l], _mm512_set1_epi32(8));
                    const __m512i prod = _mm512_maskz_mov_epi32(man, _mm512_set1_epi32(a_man[l]));
                    const __mmask16 in_range = _mm512_cmple_epu32_mask(delta, c14);
                    const __m512i aligned = _mm512_maskz_mov_epi32(
                        in_range,
                        _mm512_srli_epi32(_mm512_sllv_epi32(prod, _mm512_sub_epi32(c14, delta)),
                                          AB_BITMOD_A_MAN_BITS));
                    const __m512i y_sign =
                        _mm512_and_si512(_mm512_xor_si512(_mm512_set1_epi32(a_sign[l]), t[l]), one);
                    const __mmask16 neg = _mm512_test_epi32_mask(y_sign, one);
                    bs_out = _mm512_add_epi32(
                        bs_out, _mm512_mask_sub_epi32(aligned, neg, zero, aligned));
                }
                /* grp_accum.v */
                const __m512i sig = _mm512_and_si512(_mm512_srli_epi32(t[0], 4), m7);
                __m512i in1 = _mm512_sllv_epi32(bs_out, sig);
                const __m512i e_max = _mm512_max_epu32(acc_exp, max_exp);
                const __m512i d_acc = _mm512_and_si512(_mm512_sub_epi32(e_max, acc_exp), m63);
                const __m512i in2 = _mm512_maskz_mov_epi32(_mm512_cmple_epu32_mask(d_acc, c13),
                                                           _mm512_srav_epi32(acc_man, d_acc));
                if (!b->rtl_literal_align)
                    in1 = _mm512_srav_epi32(in1, _mm512_sub_epi32(e_max, max_exp)); /* 0 if equal */
                const __m512i sum = bm_wrap(_mm512_add_epi32(in1, in2), width);
                /* normalize: the leading one of |sum| (masked to the width) */
                const __m512i mag = _mm512_and_si512(_mm512_abs_epi32(sum), width_mask);
                const __m512i p = _mm512_sub_epi32(c31, _mm512_lzcnt_epi32(mag)); /* -1 for 0 */
                const __mmask16 shift_on = _mm512_cmpgt_epi32_mask(p, norm) &
                                           _mm512_cmpeq_epi32_mask(
                                               _mm512_and_si512(mag, top_bit), zero);
                const __m512i s = _mm512_maskz_mov_epi32(shift_on, _mm512_sub_epi32(p, norm));
                acc_man = bm_wrap(_mm512_srav_epi32(sum, s), AB_BITMOD_ACC_MAN_BITS);
                acc_exp = _mm512_and_si512(_mm512_add_epi32(e_max, s), m63);
            }
        }
        /* dequant.v: MSB first, 21 bits signed */
        const __m512i scale = _mm512_loadu_si512((const void *)(b->scale + g * 16));
        __m512i dq = zero;
        for (unsigned bit = b->scale_bits; bit-- > 0;) {
            const __mmask16 on =
                _mm512_test_epi32_mask(_mm512_srli_epi32(scale, bit), one);
            dq = bm_wrap(_mm512_mask_add_epi32(_mm512_slli_epi32(dq, 1), on,
                                               _mm512_slli_epi32(dq, 1), acc_man),
                         AB_BITMOD_DQ_MAN_BITS);
        }
        /* dq * 2^(acc_exp - 28), exact: a power of two built from its bits */
        const __m512i pow2 = _mm512_slli_epi32(
            _mm512_add_epi32(acc_exp, _mm512_set1_epi32(127 - AB_BITMOD_VALUE_EXP_OFFSET)), 23);
        const __m512 part = _mm512_mul_ps(_mm512_cvtepi32_ps(dq), _mm512_castsi512_ps(pow2));
        acc = _mm512_add_ps(acc, part);
    }
    _mm512_storeu_ps(out, _mm512_mul_ps(acc, _mm512_loadu_ps(b->row_scale)));
}

BM_AVX512 void ab_bitmod_block16_token(const ab_bitmod_block16 *b, const uint16_t *act,
                                       float out[16])
{
    if (b->lanes == AB_BITMOD_LANES)
        bm_token(b, AB_BITMOD_LANES, act, out);
    else
        bm_token(b, b->lanes, act, out);
}

#else
bool ab_bitmod_block16_supported(void)
{
    return false;
}

void ab_bitmod_block16_token(const ab_bitmod_block16 *b, const uint16_t *act, float out[16])
{
    (void)b, (void)act, (void)out; /* never called: not supported here */
}
#endif
