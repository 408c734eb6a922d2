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

/* The constants of a step, for a PE of `lanes` lanes. */
typedef struct bm_consts {
    __m512i zero, one, m63, m3, m7, c13, c14, c31, norm, width_mask, top_bit;
    unsigned width;
} bm_consts;

static inline __attribute__((always_inline)) BM_AVX512 bm_consts bm_consts_for(unsigned lanes)
{
    unsigned log2_lanes = 0;
    while ((1u << (log2_lanes + 1)) <= lanes)
        log2_lanes++;
    bm_consts k;
    k.width = 21u + log2_lanes;
    k.zero = _mm512_setzero_si512();
    k.one = _mm512_set1_epi32(1);
    k.m63 = _mm512_set1_epi32(63);
    k.m3 = _mm512_set1_epi32(3);
    k.m7 = _mm512_set1_epi32(7);
    k.c13 = _mm512_set1_epi32(AB_BITMOD_ACC_SHIFT_MAX);
    k.c14 = _mm512_set1_epi32(AB_BITMOD_ALIGN_BITS);
    k.c31 = _mm512_set1_epi32(31);
    k.norm = _mm512_set1_epi32(AB_BITMOD_NORM_POINT);
    k.width_mask = _mm512_set1_epi32((int)((1u << k.width) - 1u));
    k.top_bit = _mm512_set1_epi32((int)(1u << (k.width - 1)));
    return k;
}

/* One cycle of ab_bitmod_pe_step in every 32-bit lane: the PE lanes'
 * activations (sign, exponent, significand) and packed terms t[l]. */
static inline __attribute__((always_inline)) BM_AVX512 void
bm_step(const bm_consts *k, const unsigned lanes, bool literal, const __m512i *a_sign,
        const __m512i *a_exp, const __m512i *a_man, const __m512i *t, __m512i *acc_exp,
        __m512i *acc_man)
{
    __m512i v_exp[AB_BITMOD_LANES_MAX];
    __m512i max_exp = k->zero;
    for (unsigned l = 0; l < lanes; l++) {
        const __m512i w_exp = _mm512_and_si512(_mm512_srli_epi32(t[l], 1), k->m3);
        v_exp[l] = _mm512_and_si512(_mm512_add_epi32(a_exp[l], w_exp), k->m63);
        max_exp = _mm512_max_epu32(max_exp, v_exp[l]);
    }
    __m512i bs_out = k->zero;
    for (unsigned l = 0; l < lanes; l++) {
        const __m512i delta = _mm512_and_si512(_mm512_sub_epi32(max_exp, v_exp[l]), k->m63);
        const __mmask16 man = _mm512_test_epi32_mask(t[l], _mm512_set1_epi32(8));
        const __m512i prod = _mm512_maskz_mov_epi32(man, a_man[l]);
        const __mmask16 in_range = _mm512_cmple_epu32_mask(delta, k->c14);
        const __m512i aligned = _mm512_maskz_mov_epi32(
            in_range, _mm512_srli_epi32(_mm512_sllv_epi32(prod, _mm512_sub_epi32(k->c14, delta)),
                                        AB_BITMOD_A_MAN_BITS));
        const __m512i y_sign = _mm512_and_si512(_mm512_xor_si512(a_sign[l], t[l]), k->one);
        const __mmask16 neg = _mm512_test_epi32_mask(y_sign, k->one);
        bs_out = _mm512_add_epi32(bs_out, _mm512_mask_sub_epi32(aligned, neg, k->zero, aligned));
    }
    /* grp_accum.v */
    const __m512i sig = _mm512_and_si512(_mm512_srli_epi32(t[0], 4), k->m7);
    __m512i in1 = _mm512_sllv_epi32(bs_out, sig);
    const __m512i e_max = _mm512_max_epu32(*acc_exp, max_exp);
    const __m512i d_acc = _mm512_and_si512(_mm512_sub_epi32(e_max, *acc_exp), k->m63);
    const __m512i in2 = _mm512_maskz_mov_epi32(_mm512_cmple_epu32_mask(d_acc, k->c13),
                                               _mm512_srav_epi32(*acc_man, d_acc));
    if (!literal)
        in1 = _mm512_srav_epi32(in1, _mm512_sub_epi32(e_max, max_exp)); /* 0 if equal */
    const __m512i sum = bm_wrap(_mm512_add_epi32(in1, in2), k->width);
    /* normalize: the leading one of |sum| (masked to the width) */
    const __m512i mag = _mm512_and_si512(_mm512_abs_epi32(sum), k->width_mask);
    const __m512i p = _mm512_sub_epi32(k->c31, _mm512_lzcnt_epi32(mag)); /* -1 for 0 */
    const __mmask16 shift_on = _mm512_cmpgt_epi32_mask(p, k->norm) &
                               _mm512_cmpeq_epi32_mask(_mm512_and_si512(mag, k->top_bit), k->zero);
    const __m512i s = _mm512_maskz_mov_epi32(shift_on, _mm512_sub_epi32(p, k->norm));
    *acc_man = bm_wrap(_mm512_srav_epi32(sum, s), AB_BITMOD_ACC_MAN_BITS);
    *acc_exp = _mm512_and_si512(_mm512_add_epi32(e_max, s), k->m63);
}

/* Term c of 16 weights: byte c of each packed word. */
_Static_assert(AB_BITMOD_MAX_TERMS <= 4, "a weight's terms are the bytes of one 32-bit word");
static inline __attribute__((always_inline)) BM_AVX512 __m512i bm_term(const uint32_t *p4,
                                                                       unsigned c)
{
    return _mm512_and_si512(_mm512_srl_epi32(_mm512_loadu_si512((const void *)p4),
                                             _mm_cvtsi32_si128((int)(8 * c))),
                            _mm512_set1_epi32(0xff));
}

/* dequant.v: MSB first, 21 bits signed */
static inline __attribute__((always_inline)) BM_AVX512 __m512i
bm_dequant(const bm_consts *k, __m512i acc_man, __m512i scale, unsigned scale_bits)
{
    __m512i dq = k->zero;
    for (unsigned bit = scale_bits; bit-- > 0;) {
        const __mmask16 on = _mm512_test_epi32_mask(_mm512_srli_epi32(scale, bit), k->one);
        dq = bm_wrap(_mm512_mask_add_epi32(_mm512_slli_epi32(dq, 1), on, _mm512_slli_epi32(dq, 1),
                                           acc_man),
                     AB_BITMOD_DQ_MAN_BITS);
    }
    return dq;
}

/* An FP16 activation's sign, exponent (1..31) and 11-bit significand. */
static inline __attribute__((always_inline)) BM_AVX512 void
bm_act(const bm_consts *k, __m512i h, __m512i *sign, __m512i *exp, __m512i *man)
{
    const __m512i e = _mm512_and_si512(_mm512_srli_epi32(h, 10), _mm512_set1_epi32(0x1f));
    *sign = _mm512_srli_epi32(h, 15);
    *exp = _mm512_max_epu32(e, k->one);
    *man = _mm512_or_si512(
        _mm512_maskz_mov_epi32(_mm512_test_epi32_mask(e, e), _mm512_set1_epi32(0x400)),
        _mm512_and_si512(h, _mm512_set1_epi32(0x3ff)));
}

/* The token's 16 outputs; `lanes` is a constant where inlined for the
 * published PE's 4, so the per-lane arrays stay in registers. */
static inline __attribute__((always_inline)) BM_AVX512 void
bm_token(const ab_bitmod_block16 *b, const unsigned lanes, const uint16_t *act, float out[16])
{
    const bm_consts k = bm_consts_for(lanes);
    __m512 acc = _mm512_setzero_ps();

    for (size_t g = 0; g < b->G; g++) {
        const unsigned cycles = b->cycles[g];
        __m512i acc_exp = k.zero, acc_man = k.zero;
        const size_t k_end = (g + 1) * b->glen;
        for (size_t j = g * b->glen; j < k_end; j += lanes) {
            /* the step's activations: the same for every row */
            __m512i a_sign[AB_BITMOD_LANES_MAX], a_exp[AB_BITMOD_LANES_MAX],
                a_man[AB_BITMOD_LANES_MAX];
            for (unsigned l = 0; l < lanes; l++) {
                const uint16_t h = j + l < k_end ? act[j + l] : 0; /* idle lane: 0 */
                bm_act(&k, _mm512_set1_epi32(h), &a_sign[l], &a_exp[l], &a_man[l]);
            }
            for (unsigned c = 0; c < cycles; c++) {
                __m512i t[AB_BITMOD_LANES_MAX];
                for (unsigned l = 0; l < lanes; l++)
                    /* an idle lane's term is all zero but for lane 0's sig,
                     * which only lane 0's is read for */
                    t[l] = j + l < k_end ? bm_term(b->terms + (j + l) * 16, c) : k.zero;
                bm_step(&k, lanes, b->rtl_literal_align, a_sign, a_exp, a_man, t, &acc_exp,
                        &acc_man);
            }
        }
        const __m512i scale = _mm512_loadu_si512((const void *)(b->scale + g * 16));
        const __m512i dq = bm_dequant(&k, acc_man, scale, b->scale_bits);
        /* dq * 2^(acc_exp - 28), exact: a power of two built from its bits */
        const __m512i pow2 = _mm512_slli_epi32(
            _mm512_add_epi32(acc_exp, _mm512_set1_epi32(127 - AB_BITMOD_VALUE_EXP_OFFSET)), 23);
        const __m512 part = _mm512_mul_ps(_mm512_cvtepi32_ps(dq), _mm512_castsi512_ps(pow2));
        acc = _mm512_add_ps(acc, part);
    }
    _mm512_storeu_ps(out, _mm512_mul_ps(acc, _mm512_loadu_ps(b->row_scale)));
}

/* Sixteen groups, one per 32-bit lane, each with its own activations,
 * terms, cycles per weight and scale: ab_bitmod_pe_group_table's steps,
 * a lane past its group's cycles left as it is. */
static inline __attribute__((always_inline)) BM_AVX512 void
bm_groups(const ab_bitmod_groups16 *g, const unsigned lanes, int32_t acc_man_out[16],
          uint8_t acc_exp_out[16], int32_t dq_man_out[16])
{
    const bm_consts k = bm_consts_for(lanes);
    const __m512i cycles = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)g->cycles));
    unsigned max_cycles = 0;
    for (unsigned i = 0; i < 16; i++)
        max_cycles = g->cycles[i] > max_cycles ? g->cycles[i] : max_cycles;
    __m512i acc_exp = k.zero, acc_man = k.zero;
    for (size_t j = 0; j < g->glen; j += lanes) {
        __m512i a_sign[AB_BITMOD_LANES_MAX], a_exp[AB_BITMOD_LANES_MAX],
            a_man[AB_BITMOD_LANES_MAX];
        for (unsigned l = 0; l < lanes; l++) {
            const __m512i h = j + l < g->glen ? _mm512_cvtepu16_epi32(_mm256_loadu_si256(
                                                    (const __m256i *)(g->act + (j + l) * 16)))
                                              : k.zero; /* idle lane: 0 */
            bm_act(&k, h, &a_sign[l], &a_exp[l], &a_man[l]);
        }
        for (unsigned c = 0; c < max_cycles; c++) {
            __m512i t[AB_BITMOD_LANES_MAX];
            for (unsigned l = 0; l < lanes; l++)
                t[l] = j + l < g->glen ? bm_term(g->terms + (j + l) * 16, c) : k.zero;
            __m512i e = acc_exp, m = acc_man;
            bm_step(&k, lanes, g->rtl_literal_align, a_sign, a_exp, a_man, t, &e, &m);
            const __mmask16 on = _mm512_cmpgt_epu32_mask(cycles, _mm512_set1_epi32((int)c));
            acc_exp = _mm512_mask_mov_epi32(acc_exp, on, e);
            acc_man = _mm512_mask_mov_epi32(acc_man, on, m);
        }
    }
    const __m512i dq = bm_dequant(&k, acc_man, _mm512_loadu_si512((const void *)g->scale),
                                  g->scale_bits);
    _mm512_storeu_si512((void *)acc_man_out, acc_man);
    _mm512_storeu_si512((void *)dq_man_out, dq);
    _mm_storeu_si128((__m128i *)acc_exp_out, _mm512_cvtepi32_epi8(acc_exp));
}

BM_AVX512 void ab_bitmod_groups16_run(const ab_bitmod_groups16 *g, int32_t acc_man[16],
                                      uint8_t acc_exp[16], int32_t dq_man[16])
{
    if (g->lanes == AB_BITMOD_LANES)
        bm_groups(g, AB_BITMOD_LANES, acc_man, acc_exp, dq_man);
    else
        bm_groups(g, g->lanes, acc_man, acc_exp, dq_man);
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

void ab_bitmod_groups16_run(const ab_bitmod_groups16 *g, int32_t acc_man[16],
                            uint8_t acc_exp[16], int32_t dq_man[16])
{
    (void)g, (void)acc_man, (void)acc_exp, (void)dq_man; /* never called: not supported */
}
#endif
