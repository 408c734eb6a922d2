/* bitmod_terms.c - weight codes as BitMoD bit-serial terms (rules and
 * sources in bitmod_terms.h). */
#include "bitmod_terms.h"

#include <math.h>
#include <string.h>

unsigned ab_bitmod_cycles_for_bits(unsigned w_bits)
{
    return (w_bits + 1u) / 2u; /* ceil(floor(w_bits) / 2), docs/references.md#bitmod-pe */
}

static bool is_bitmod_int(const ab_format *f)
{
    return f->family == AB_FAMILY_INT && f->is_signed && f->zero_point == 0 && f->unit == 1.0 &&
           f->block_size == 0 && f->bits >= 2 && f->bits <= 8;
}

static bool is_bitmod_fp(const ab_format *f)
{
    return f->family == AB_FAMILY_GRID && f->block_size == 0 && (f->bits == 3 || f->bits == 4) &&
           strncmp(f->name, "bitmod_fp", 9) == 0;
}

bool ab_bitmod_supports(const ab_format *fmt)
{
    return fmt != NULL && (is_bitmod_int(fmt) || is_bitmod_fp(fmt));
}

unsigned ab_bitmod_cycles_per_weight(const ab_format *fmt)
{
    return ab_bitmod_supports(fmt) ? ab_bitmod_cycles_for_bits(fmt->bits) : 0;
}

int32_t ab_bitmod_term_value(ab_bitmod_term t)
{
    if (!t.man)
        return 0;
    const int32_t mag = (int32_t)1 << (t.exp + t.sig);
    return t.sign ? -mag : mag;
}

/* Integer grid value of a code; the NaN (reserved intNs) code counts as 0. */
static int32_t code_value(const ab_format *fmt, uint32_t code)
{
    const double v = ab_format_decode(fmt, ab_format_canonical(fmt, code));
    return isnan(v) ? 0 : (int32_t)v;
}

static void booth_terms(int32_t v, unsigned ndig, ab_bitmod_term *t)
{
    const uint32_t u = (uint32_t)v; /* two's complement bits, sign-extended */
    for (unsigned k = 0; k < ndig; k++) {
        const int b_lo = k == 0 ? 0 : (int)((u >> (2 * k - 1)) & 1u);
        const int b_mid = (int)((u >> (2 * k)) & 1u);
        const int b_hi = (int)((u >> (2 * k + 1)) & 1u);
        const int d = b_lo + b_mid - 2 * b_hi;
        t[k].sign = (uint8_t)(d < 0);
        t[k].exp = (uint8_t)(d == 2 || d == -2);
        t[k].man = (uint8_t)(d != 0);
        t[k].sig = (uint8_t)(2 * k);
    }
}

/* FP: cycle 0 (sig 0) takes bit positions 0..3, cycle 1 (sig 1) takes 1..4. */
static int fp_terms(int32_t v, ab_bitmod_term *t, ab_error *err)
{
    const uint8_t sign = (uint8_t)(v < 0);
    const uint32_t mag = (uint32_t)(v < 0 ? -v : v);
    for (unsigned c = 0; c < 2; c++)
        t[c] = (ab_bitmod_term){.sign = sign, .exp = 0, .man = 0, .sig = (uint8_t)c};
    int pos[2], n = 0;
    for (int p = 0; p < 32; p++) {
        if ((mag >> p) & 1u) {
            if (n == 2 || p > 4)
                return ab_error_set(err, "bitmod: grid value %d has no 2-term form", (int)v);
            pos[n++] = p;
        }
    }
    if (n == 2) {
        if (pos[0] > 3 || pos[1] < 1)
            return ab_error_set(err, "bitmod: grid value %d has no 2-term form", (int)v);
        t[0].man = 1;
        t[0].exp = (uint8_t)pos[0];
        t[1].man = 1;
        t[1].exp = (uint8_t)(pos[1] - 1);
    } else if (n == 1) {
        const unsigned c = pos[0] == 4 ? 1u : 0u;
        t[c].man = 1;
        t[c].exp = (uint8_t)(pos[0] - (int)c);
    }
    return 0;
}

int ab_bitmod_terms(const ab_format *fmt, uint32_t code, ab_bitmod_term terms[AB_BITMOD_MAX_TERMS],
                    ab_error *err)
{
    if (!ab_bitmod_supports(fmt))
        return ab_error_set(err, "bitmod PE: weight format '%s' is not supported (signed int2..int8, "
                                 "bitmod_fp3*, bitmod_fp4*)",
                            fmt ? fmt->name : "(null)");
    const unsigned cycles = ab_bitmod_cycles_per_weight(fmt);
    const int32_t v = code_value(fmt, code);
    if (is_bitmod_int(fmt)) {
        booth_terms(v, cycles, terms);
    } else if (fp_terms(v, terms, err) != 0) {
        return -1;
    }
    return (int)cycles;
}

int ab_bitmod_term_table_init(const ab_format *fmt, ab_bitmod_term_table *tab, ab_error *err)
{
    const unsigned cycles = ab_bitmod_cycles_per_weight(fmt);
    if (cycles == 0) {
        ab_bitmod_term unused[AB_BITMOD_MAX_TERMS];
        return ab_bitmod_terms(fmt, 0, unused, err); /* sets err, returns -1 */
    }
    memset(tab, 0, sizeof *tab);
    tab->cycles = (uint8_t)cycles;
    tab->ncodes = 1u << fmt->bits; /* bits 2..8: ab_bitmod_supports */
    for (uint32_t code = 0; code < tab->ncodes; code++)
        if (ab_bitmod_terms(fmt, code, tab->terms[code], err) < 0)
            return -1;
    return 0;
}

int ab_bitmod_nonzero_terms(const ab_format *fmt, uint32_t code)
{
    ab_bitmod_term t[AB_BITMOD_MAX_TERMS];
    const int n = ab_bitmod_terms(fmt, code, t, NULL);
    if (n < 0)
        return -1;
    int nz = 0;
    for (int i = 0; i < n; i++)
        nz += t[i].man;
    return nz;
}
