/* golden_terms.c - BitMoD weight terms, from the rules as
 * docs/references.md#bitmod-pe and kernels/bitmod_terms.h state them in
 * words (the code there is not used):
 *
 *   signed integers (2..8 bits): the radix-4 Booth digits of the value,
 *     digit k read from the bit triple (b[2k+1], b[2k], b[2k-1]) with
 *     b[-1] = 0 by the Booth table (000 0, 001 +1, 010 +1, 011 +2,
 *     100 -2, 101 -1, 110 -1, 111 0); term k has sign (digit < 0), exp 1
 *     for |digit| = 2 else 0, man (digit != 0), sig 2k; ceil(bits/2)
 *     terms.  The reserved code of intNs counts as 0.
 *   BitMoD FP3/FP4 (special values included): the magnitude is an integer
 *     with at most two set bits.  Two terms: cycle 0 (sig 0) sees bit
 *     positions 0..3, cycle 1 (sig 1) positions 1..4.  Two set bits
 *     p < q: cycle 0 takes p (exp p), cycle 1 takes q (exp q - 1).  One set
 *     bit p: cycle 0 (exp p), except p = 4, which only cycle 1 reaches (exp
 *     3).  Both terms carry the value's sign, an empty one with exp 0 and
 *     man 0.
 */
#include <math.h>

#include "golden_impl.h"

/* Booth digits of the triples 000 .. 111 (b[2k+1] b[2k] b[2k-1]). */
static const int booth_digit[8] = {0, 1, 1, 2, -2, -1, -1, 0};

bool ab_golden_bitmod_format_ok(const ab_gfmt *f)
{
    return (f->kind == AB_GFMT_INT && f->bits >= 2 && f->bits <= 8) ||
           (f->kind == AB_GFMT_BITMOD_FP && (f->bits == 3 || f->bits == 4));
}

unsigned ab_golden_bitmod_cycles(const ab_gfmt *f)
{
    return ab_golden_bitmod_format_ok(f) ? (f->bits + 1u) / 2u : 0u;
}

/* Bit i of the two's complement form of v (sign-extended without end). */
static unsigned bit_of(int64_t v, int i)
{
    if (i < 0)
        return 0;
    const uint64_t u = (uint64_t)v; /* modular: two's complement bits */
    return i >= 63 ? (unsigned)(u >> 63) : (unsigned)((u >> i) & 1u);
}

static void booth(int64_t v, unsigned ndigits, ab_golden_term *t)
{
    for (unsigned k = 0; k < ndigits; k++) {
        const int i = 2 * (int)k;
        const unsigned triple = bit_of(v, i + 1) << 2 | bit_of(v, i) << 1 | bit_of(v, i - 1);
        const int d = booth_digit[triple];
        t[k].sign = d < 0;
        t[k].exp = d == 2 || d == -2;
        t[k].man = d != 0;
        t[k].sig = (uint8_t)(2 * k);
    }
}

static int fp_pair(double value, ab_golden_term *t)
{
    const uint8_t sign = value < 0;
    const double a = fabs(value);
    t[0] = (ab_golden_term){sign, 0, 0, 0};
    t[1] = (ab_golden_term){sign, 0, 0, 1};
    if (a != floor(a) || a > 31)
        return -1;
    const unsigned mag = (unsigned)a;
    int set[5], nset = 0;
    for (int p = 0; p <= 4; p++)
        if (mag & (1u << p)) {
            if (nset == 2)
                return -1;
            set[nset++] = p;
        }
    if (nset == 2) {
        t[0].man = t[1].man = 1;
        t[0].exp = (uint8_t)set[0];
        t[1].exp = (uint8_t)(set[1] - 1);
        if (set[0] > 3 || set[1] - 1 > 3)
            return -1;
    } else if (nset == 1 && set[0] == 4) {
        t[1].man = 1;
        t[1].exp = 3;
    } else if (nset == 1) {
        t[0].man = 1;
        t[0].exp = (uint8_t)set[0];
    }
    return 0;
}

int ab_golden_terms_of(const ab_gfmt *f, uint32_t code, ab_golden_term t[AB_GOLDEN_MAX_TERMS])
{
    if (!ab_golden_bitmod_format_ok(f))
        return -1;
    const unsigned cycles = ab_golden_bitmod_cycles(f);
    const double v = ab_gfmt_value(f, code);
    if (f->kind == AB_GFMT_INT) {
        booth(isnan(v) ? 0 : (int64_t)v, cycles, t);
        return (int)cycles;
    }
    return fp_pair(v, t) == 0 ? (int)cycles : -1;
}

int ab_golden_bitmod_terms(const char *format, uint32_t code,
                           ab_golden_term terms[AB_GOLDEN_MAX_TERMS], ab_error *err)
{
    ab_gfmt f;
    if (ab_gfmt_parse(format, &f) != 0 || !ab_golden_bitmod_format_ok(&f))
        return ab_error_set(err, "golden: weight format '%s' has no BitMoD terms (signed int2..int8, "
                            "bitmod_fp3*, bitmod_fp4*)", format);
    const int n = ab_golden_terms_of(&f, code, terms);
    if (n < 0)
        return ab_error_set(err, "golden: code %u of '%s' has no two-term form", (unsigned)code,
                            format);
    return n;
}
