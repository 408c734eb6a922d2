/* bitmod_pe.c - bit-exact BitMoD PE datapath (rules, RTL sources and the
 * inferred choices in bitmod_pe.h). */
#include "bitmod_pe.h"

#include <math.h>
#include <string.h>

/* Sign-extend the low `bits` bits of x (two's complement wrap). */
static int32_t wrap_bits(int64_t x, unsigned bits)
{
    const uint64_t m = ((uint64_t)1 << bits) - 1u;
    const uint64_t u = (uint64_t)x & m;
    const uint64_t sign = (uint64_t)1 << (bits - 1);
    return (int32_t)((int64_t)(u ^ sign) - (int64_t)sign);
}

/* Arithmetic right shift (floor division by 2^s), portable. */
static int64_t asr(int64_t x, unsigned s)
{
    if (s > 62)
        s = 62;
    return x >= 0 ? x >> s : ~((~x) >> s);
}

void ab_bitmod_fp16_unpack(uint16_t h, uint8_t *sign, uint8_t *exp, uint16_t *man)
{
    const unsigned e = (h >> 10) & 0x1fu;
    *sign = (uint8_t)(h >> 15);
    *exp = (uint8_t)(e ? e : 1u);
    *man = (uint16_t)((e ? 0x400u : 0u) | (h & 0x3ffu));
}

void ab_bitmod_pe_init(ab_bitmod_pe *pe, bool rtl_literal_align)
{
    memset(pe, 0, sizeof *pe);
    pe->rtl_literal_align = rtl_literal_align;
    pe->lanes = AB_BITMOD_LANES;
}

int ab_bitmod_pe_init_lanes(ab_bitmod_pe *pe, bool rtl_literal_align, unsigned lanes,
                            ab_error *err)
{
    if (lanes < 1 || lanes > AB_BITMOD_LANES_MAX || (lanes & (lanes - 1)) != 0)
        return ab_error_set(err, "bitmod PE: %u lanes (expected 1, 2, 4, 8 or 16)", lanes);
    ab_bitmod_pe_init(pe, rtl_literal_align);
    pe->lanes = (uint8_t)lanes;
    return 0;
}

static unsigned log2_lanes(unsigned lanes)
{
    unsigned l = 0;
    while ((1u << (l + 1)) <= lanes)
        l++;
    return l;
}

unsigned ab_bitmod_bs_out_bits(unsigned lanes)
{
    return 15u + log2_lanes(lanes);
}

unsigned ab_bitmod_acc_width(unsigned lanes)
{
    return 21u + log2_lanes(lanes);
}

void ab_bitmod_pe_group_begin(ab_bitmod_pe *pe)
{
    pe->acc_exp = 0;
    pe->acc_man = 0;
    pe->acc_sign = 0;
}

/* grp_accum.v normalize: shift that puts the leading one of |sum| at bit 13
 * (width: the sum's, 23 bits for 4 lanes). */
static unsigned norm_shift(int32_t sum, unsigned width)
{
    const uint32_t mask = ((uint32_t)1 << width) - 1u;
    const uint32_t mag = (sum < 0 ? (uint32_t)(-(int64_t)sum) : (uint32_t)sum) & mask;
    if (mag >> (width - 1)) /* only |-2^(width-1)|: no casez pattern matches */
        return 0;
    /* the leading one of |sum|, at most bit width - 2 here (the casez
     * patterns run from bit width - 2 down to bit 14) */
    const unsigned p = mag ? 31u - (unsigned)__builtin_clz(mag) : 0u;
    return p > AB_BITMOD_NORM_POINT ? p - AB_BITMOD_NORM_POINT : 0u;
}

void ab_bitmod_pe_step(ab_bitmod_pe *pe, const uint16_t *act, const ab_bitmod_term *term,
                       ab_bitmod_cycle_info *info)
{
    const unsigned lanes = pe->lanes;
    const uint8_t exp_mask = (uint8_t)((1u << AB_BITMOD_ACC_EXP_BITS) - 1u);
    uint8_t a_sign[AB_BITMOD_LANES_MAX], a_exp[AB_BITMOD_LANES_MAX], v_exp[AB_BITMOD_LANES_MAX];
    uint16_t a_man[AB_BITMOD_LANES_MAX];

    /* exp_match.v */
    uint8_t max_exp = 0;
    for (unsigned i = 0; i < lanes; i++) {
        ab_bitmod_fp16_unpack(act[i], &a_sign[i], &a_exp[i], &a_man[i]);
        v_exp[i] = (uint8_t)((a_exp[i] + (term[i].exp & 3u)) & exp_mask);
        if (v_exp[i] > max_exp)
            max_exp = v_exp[i];
    }

    /* bs_mul.v */
    int32_t lane[AB_BITMOD_LANES_MAX];
    unsigned active = 0;
    for (unsigned i = 0; i < lanes; i++) {
        const uint8_t delta = (uint8_t)((max_exp - v_exp[i]) & exp_mask);
        const uint32_t prod = (term[i].man & 1u) ? a_man[i] : 0u;
        uint32_t aligned = 0;
        if (delta <= AB_BITMOD_ALIGN_BITS)
            aligned = (prod << (AB_BITMOD_ALIGN_BITS - delta)) >> AB_BITMOD_A_MAN_BITS;
        const uint8_t y_sign = (uint8_t)((a_sign[i] ^ term[i].sign) & 1u);
        lane[i] = y_sign ? -(int32_t)aligned : (int32_t)aligned;
        active += term[i].man & 1u;
        if (info) {
            info->delta[i] = delta;
            info->lane[i] = (int16_t)lane[i];
        }
    }
    /* the adder tree: 15 + log2(lanes) bits, exact (integer sums, any order) */
    int32_t bs_out = 0;
    for (unsigned i = 0; i < lanes; i++)
        bs_out += lane[i];

    /* grp_accum.v */
    const unsigned sig = term[0].sig & 7u;
    int64_t in1 = (int64_t)bs_out * ((int64_t)1 << sig); /* <<< w_sig, exact */
    const uint8_t e_max = pe->acc_exp > max_exp ? pe->acc_exp : max_exp;
    const uint8_t d_acc = (uint8_t)((e_max - pe->acc_exp) & exp_mask);
    const int64_t in2 = d_acc <= AB_BITMOD_ACC_SHIFT_MAX ? asr(pe->acc_man, d_acc) : 0;
    if (!pe->rtl_literal_align && e_max > max_exp) {
        in1 = asr(in1, (unsigned)(e_max - max_exp)); /* inferred fix, see header */
        pe->ev.acc_shifts++;
    }
    const unsigned width = ab_bitmod_acc_width(lanes);
    const int32_t sum = wrap_bits(in1 + in2, width);
    const unsigned s = norm_shift(sum, width);
    pe->acc_man = (int16_t)wrap_bits(asr(sum, s), AB_BITMOD_ACC_MAN_BITS);
    pe->acc_exp = (uint8_t)((e_max + s) & exp_mask);
    pe->acc_sign = (uint8_t)(sum < 0);

    if (info) {
        info->max_exp = max_exp;
        info->bs_out = bs_out;
        info->acc_sum = sum;
        info->norm_shift = (uint8_t)s;
    }
    pe->ev.cycles++;
    pe->ev.exp_adds += 2 * lanes;
    pe->ev.tree_adds += lanes - 1;
    pe->ev.acc_adds += 3;
    pe->ev.lane_shifts += lanes;
    pe->ev.acc_shifts += 3;
    pe->ev.active_lanes += active;
}

void ab_bitmod_pe_dequant_begin(ab_bitmod_pe *pe, uint8_t scale_sign)
{
    pe->dq_in_exp = pe->acc_exp;
    pe->dq_in_man = pe->acc_man;
    pe->dq_scale_sign = (uint8_t)(scale_sign & 1u);
    pe->dq_exp = pe->acc_exp;
    pe->dq_sign = (uint8_t)((scale_sign ^ pe->acc_sign) & 1u);
    pe->dq_man = 0;
}

void ab_bitmod_pe_dequant_step(ab_bitmod_pe *pe, uint8_t scale_bit)
{
    const int64_t add = (scale_bit & 1u) ? pe->dq_in_man : 0;
    pe->dq_man = wrap_bits((int64_t)pe->dq_man * 2 + add, AB_BITMOD_DQ_MAN_BITS);
    pe->ev.dequant_cycles++;
    pe->ev.dequant_adds++;
    pe->ev.dequant_shifts++;
}

double ab_bitmod_pe_acc_value(const ab_bitmod_pe *pe)
{
    return ldexp((double)pe->acc_man, (int)pe->acc_exp - AB_BITMOD_VALUE_EXP_OFFSET);
}

double ab_bitmod_pe_dequant_value(const ab_bitmod_pe *pe)
{
    /* the mantissa is signed and already carries the accumulator's sign */
    const double v = ldexp((double)pe->dq_man, (int)pe->dq_exp - AB_BITMOD_VALUE_EXP_OFFSET);
    return pe->dq_scale_sign ? -v : v;
}

uint64_t ab_bitmod_group_cycles(const ab_format *wfmt, size_t n)
{
    const uint64_t steps = ((uint64_t)n + AB_BITMOD_LANES - 1) / AB_BITMOD_LANES;
    return steps * ab_bitmod_cycles_per_weight(wfmt);
}

static void events_diff(ab_bitmod_pe_events *d, const ab_bitmod_pe_events *a,
                        const ab_bitmod_pe_events *b)
{
    d->cycles = a->cycles - b->cycles;
    d->dequant_cycles = a->dequant_cycles - b->dequant_cycles;
    d->exp_adds = a->exp_adds - b->exp_adds;
    d->tree_adds = a->tree_adds - b->tree_adds;
    d->acc_adds = a->acc_adds - b->acc_adds;
    d->dequant_adds = a->dequant_adds - b->dequant_adds;
    d->lane_shifts = a->lane_shifts - b->lane_shifts;
    d->acc_shifts = a->acc_shifts - b->acc_shifts;
    d->dequant_shifts = a->dequant_shifts - b->dequant_shifts;
    d->active_lanes = a->active_lanes - b->active_lanes;
}

/* The group of ab_bitmod_pe_group(_table): terms from tab when given,
 * else from ab_bitmod_terms(wfmt, ...). */
static int pe_group_run(ab_bitmod_pe *pe, const ab_format *wfmt, const ab_bitmod_term_table *tab,
                        unsigned cpw, const uint16_t *act, const uint32_t *codes, size_t n,
                        uint32_t scale, unsigned scale_bits, ab_bitmod_group_result *res,
                        ab_error *err)
{
    if (scale_bits < 1 || scale_bits > AB_BITMOD_SCALE_BITS_MAX)
        return ab_error_set(err, "bitmod PE: scale_bits %u outside 1..%d", scale_bits,
                            AB_BITMOD_SCALE_BITS_MAX);
    if (scale >> scale_bits)
        return ab_error_set(err, "bitmod PE: scale %u does not fit in %u bits", (unsigned)scale,
                            scale_bits);

    const ab_bitmod_pe_events start = pe->ev;
    ab_bitmod_pe_group_begin(pe);
    const unsigned lanes = pe->lanes;
    for (size_t base = 0; base < n; base += lanes) {
        uint16_t a[AB_BITMOD_LANES_MAX];
        ab_bitmod_term t[AB_BITMOD_LANES_MAX][AB_BITMOD_MAX_TERMS];
        for (unsigned i = 0; i < lanes; i++) {
            if (base + i < n) {
                a[i] = act[base + i];
                if (tab)
                    memcpy(t[i], ab_bitmod_table_terms(tab, codes[base + i]), sizeof t[i]);
                else if (ab_bitmod_terms(wfmt, codes[base + i], t[i], err) < 0)
                    return -1;
            } else { /* padding: zero activation, zero terms */
                a[i] = 0;
                for (unsigned c = 0; c < cpw; c++)
                    t[i][c] = (ab_bitmod_term){.sign = 0, .exp = 0, .man = 0, .sig = t[0][c].sig};
            }
        }
        for (unsigned c = 0; c < cpw; c++) {
            ab_bitmod_term tc[AB_BITMOD_LANES_MAX];
            for (unsigned i = 0; i < lanes; i++)
                tc[i] = t[i][c];
            ab_bitmod_pe_step(pe, a, tc, NULL);
        }
    }
    ab_bitmod_pe_dequant_begin(pe, 0);
    for (unsigned b = scale_bits; b-- > 0;)
        ab_bitmod_pe_dequant_step(pe, (uint8_t)((scale >> b) & 1u));

    if (res) {
        res->acc_exp = pe->acc_exp;
        res->acc_man = pe->acc_man;
        res->acc_sign = pe->acc_sign;
        res->dq_exp = pe->dq_exp;
        res->dq_man = pe->dq_man;
        res->dq_sign = pe->dq_sign;
        res->acc_value = ab_bitmod_pe_acc_value(pe);
        res->value = ab_bitmod_pe_dequant_value(pe);
        events_diff(&res->events, &pe->ev, &start);
    }
    return 0;
}

int ab_bitmod_pe_group(ab_bitmod_pe *pe, const ab_format *wfmt, const uint16_t *act,
                       const uint32_t *codes, size_t n, uint32_t scale, unsigned scale_bits,
                       ab_bitmod_group_result *res, ab_error *err)
{
    const unsigned cpw = ab_bitmod_cycles_per_weight(wfmt);
    if (cpw == 0) {
        ab_bitmod_term unused[AB_BITMOD_MAX_TERMS];
        return ab_bitmod_terms(wfmt, 0, unused, err); /* sets err, returns -1 */
    }
    return pe_group_run(pe, wfmt, NULL, cpw, act, codes, n, scale, scale_bits, res, err);
}

int ab_bitmod_pe_group_table(ab_bitmod_pe *pe, const ab_bitmod_term_table *tab,
                             const uint16_t *act, const uint32_t *codes, size_t n, uint32_t scale,
                             unsigned scale_bits, ab_bitmod_group_result *res, ab_error *err)
{
    return pe_group_run(pe, NULL, tab, tab->cycles, act, codes, n, scale, scale_bits, res, err);
}
