/* golden_bitmod.c - the BitMoD PE's output values from its specification:
 * docs/rtl.md ("Lanes"), docs/references.md#bitmod-pe and the rules
 * kernels/bitmod_pe.h writes down in its header (read as text; none of its
 * code runs here).  Every quantity is an exact integer; each truncation
 * the hardware makes is one explicit floor or wrap below:
 *
 *   per cycle, lanes l = 0 .. L-1 (activation FP16 bits, weight term):
 *     a_man = {exp != 0, frac} (11 bits), a_exp = max(exp, 1), sign;
 *     v_exp[l] = a_exp + term exp (mod 64);   M = max over the lanes
 *       (the term's man flag is not looked at: zero terms take part);
 *     lane[l] = floor(a_man * man * 2^(3 - (M - v_exp[l]))), 0 when
 *       M - v_exp[l] > 14                       [truncation 1: lane shifter]
 *       negated when a_sign != term sign;
 *     bs = the sum of the lanes (15 + log2 L bits: exact);
 *     in1 = bs * 2^sig (lane 0's sig: one significance per cycle);
 *     E = max(acc_exp, M);
 *     in2 = floor(acc_man / 2^(E - acc_exp)), 0 beyond a shift of 13
 *                                               [truncation 2: accumulator]
 *     unless the RTL's literal alignment is chosen, when E > M:
 *       in1 = floor(in1 / 2^(E - M))            [truncation 3: term]
 *     sum = in1 + in2 wrapped to W = 21 + log2 L bits (two's complement);
 *     s = (bit length of |sum|) - 14 when that is > 0, else 0; s = 0 for
 *       |sum| = 2^(W-1);
 *     acc_man = floor(sum / 2^s) wrapped to 15 bits [truncation 4: normalize]
 *     acc_exp = E + s (mod 64).
 *   per group: the accumulator starts at 0 (exp 0, man 0); the group's
 *     inputs go L at a time, each weight's ceil(bits/2) terms one cycle
 *     each; lanes past the end of the group take activation 0 and an
 *     empty term with the cycle's sig;
 *   dequantization: the bit-serial loop out = 2 out + bit * acc_man mod 2^21
 *     over the scale's scale_bits bits, MSB first, is a ring computation,
 *     so out = acc_man * (scale mod 2^scale_bits) wrapped to 21 bits
 *                                                [wrap: dequantizer]
 *     and the group value is out * 2^(acc_exp - 28), exact in binary32;
 *   per output: the group values are added in ascending order into a
 *     binary32 register from +0 (one rounding each), then times the FP16
 *     row scale (one rounding)  (docs/values.md: *inferred*).
 */
#include <math.h>
#include <stdlib.h>

#include "golden_impl.h"

typedef struct bitmod_acc {
    int64_t man; /* 15-bit two's complement */
    unsigned exp; /* 6 bits */
} bitmod_acc;

/* floor(x / 2^s), for any s. */
static int64_t floor_div_pow2(int64_t x, unsigned s)
{
    if (s >= 62)
        return x < 0 ? -1 : 0;
    const int64_t d = (int64_t)1 << s;
    int64_t q = x / d; /* C rounds toward zero */
    if (x % d != 0 && x < 0)
        q -= 1;
    return q;
}

/* x as a width-bit two's complement number. */
static int64_t wrap_to(int64_t x, unsigned width)
{
    const int64_t span = (int64_t)1 << width;
    int64_t r = x % span;
    if (r < 0)
        r += span;
    return r >= span / 2 ? r - span : r;
}

static unsigned bit_length(uint64_t x)
{
    unsigned n = 0;
    while (x) {
        n++;
        x >>= 1;
    }
    return n;
}

static unsigned log2_of(unsigned lanes)
{
    unsigned l = 0;
    while ((1u << l) < lanes)
        l++;
    return l;
}

static void cycle(bitmod_acc *acc, unsigned lanes, bool literal, const uint16_t *act,
                  const ab_golden_term *term)
{
    unsigned v_exp[16], a_man[16], a_sign[16], M = 0;
    for (unsigned l = 0; l < lanes; l++) {
        const unsigned e = (act[l] >> 10) & 31u, frac = act[l] & 1023u;
        a_man[l] = e ? 1024u + frac : frac;
        a_sign[l] = act[l] >> 15;
        v_exp[l] = ((e ? e : 1u) + term[l].exp) % 64u;
        if (v_exp[l] > M)
            M = v_exp[l];
    }
    int64_t bs = 0;
    for (unsigned l = 0; l < lanes; l++) {
        const unsigned delta = M - v_exp[l];
        const int64_t prod = term[l].man ? (int64_t)a_man[l] : 0;
        int64_t aligned = 0;
        if (delta <= 3)
            aligned = prod * ((int64_t)1 << (3 - delta));
        else if (delta <= 14)
            aligned = floor_div_pow2(prod, delta - 3);
        bs += (a_sign[l] != term[l].sign) ? -aligned : aligned;
    }
    int64_t in1 = bs * ((int64_t)1 << term[0].sig);
    const unsigned E = acc->exp > M ? acc->exp : M;
    const unsigned d_acc = E - acc->exp;
    const int64_t in2 = d_acc <= 13 ? floor_div_pow2(acc->man, d_acc) : 0;
    if (!literal && E > M)
        in1 = floor_div_pow2(in1, E - M);
    const unsigned W = 21 + log2_of(lanes);
    const int64_t sum = wrap_to(in1 + in2, W);
    const uint64_t mag = (uint64_t)(sum < 0 ? -sum : sum);
    unsigned s = 0;
    if (mag != (uint64_t)1 << (W - 1) && bit_length(mag) > 14)
        s = bit_length(mag) - 14;
    acc->man = wrap_to(floor_div_pow2(sum, s), 15);
    acc->exp = (E + s) % 64u;
}

/* The value of group g of output (m, n); -1 for a code without terms. */
static int group_value(const ab_gop *v, size_t m, size_t n, size_t g, float *value)
{
    const ab_gfmt *f = &v->cand[v->type_ids[n * v->G + g]];
    const unsigned lanes = v->a->lanes, cycles = ab_golden_bitmod_cycles(f);
    const size_t k0 = g * v->glen, k1 = k0 + v->glen;
    bitmod_acc acc = {0, 0};
    for (size_t j = k0; j < k1; j += lanes) {
        uint16_t act[16];
        ab_golden_term terms[16][AB_GOLDEN_MAX_TERMS];
        for (unsigned l = 0; l < lanes; l++) {
            if (j + l < k1) {
                act[l] = v->act_h[m * v->K + j + l];
                if (ab_golden_terms_of(f, v->codes[n * v->K + j + l], terms[l]) < 0)
                    return -1;
            } else { /* an idle lane: activation 0, an empty term of the cycle's sig */
                act[l] = 0;
                for (unsigned c = 0; c < cycles; c++)
                    terms[l][c] = (ab_golden_term){0, 0, 0, terms[0][c].sig};
            }
        }
        for (unsigned c = 0; c < cycles; c++) {
            ab_golden_term tc[16];
            for (unsigned l = 0; l < lanes; l++)
                tc[l] = terms[l][c];
            cycle(&acc, lanes, v->a->bitmod_rtl_literal_align, act, tc);
        }
    }
    const unsigned scale_bits = v->a->scale_bits ? v->a->scale_bits : v->scale_width;
    const int64_t scale = (int64_t)(v->gscale_int[n * v->G + g] % ((uint32_t)1 << scale_bits));
    const int64_t out = wrap_to(acc.man * scale, 21);
    *value = ldexpf((float)out, (int)acc.exp - 28);
    return 0;
}

int ab_golden_bitmod(const ab_gop *v, float *out, ab_error *err)
{
    for (size_t m = 0; m < v->M; m++)
        for (size_t n = 0; n < v->N; n++) {
            float reg = 0.0f;
            for (size_t g = 0; g < v->G; g++) {
                float part;
                if (group_value(v, m, n, g, &part) != 0)
                    return ab_error_set(err, "golden: op '%s': weight_codes: row %zu group %zu "
                                        "holds a code without BitMoD terms", v->name, n, g);
                reg = reg + part;
            }
            const float y = reg * v->row_scale[n];
            out[m * v->N + n] = y;
        }
    return 0;
}
