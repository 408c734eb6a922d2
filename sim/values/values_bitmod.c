/* values_bitmod.c - output values of the BitMoD PE (kernels/bitmod_pe.h):
 *
 *   per output (m, n), per weight group g (ascending):
 *     the group's candidate format = type_ids[n][g];
 *     clear the group accumulator; for each step of 4 lanes (input
 *     channels 4j .. 4j+3 of the group, zero activation and zero terms
 *     past its end) and each of the format's cycles c, one
 *     ab_bitmod_pe_step with term c of every lane's weight;
 *     dequantize: latch, then one cycle per bit of the integer group scale,
 *     MSB first, over the accelerator's scale_bits bits;
 *     the group value (exact in FP32: a 21-bit mantissa) is added into an
 *     FP32 output register (from +0, RNE);
 *   out = register * the FP16 row scale (FP32 multiply, RNE).
 *
 * The datapath steps the PE itself; the model calls ab_bitmod_pe_group_table
 * per group.  On AVX-512 the datapath steps 16 rows' PEs at once
 * (ab_bitmod_block16_token) and the model 16 groups at once
 * (ab_bitmod_groups16_run), two layouts of the same steps.  Both take each weight's terms from a table of its format made
 * once per op by ab_bitmod_terms (kernels/bitmod_terms.h).  The FP32 combination of groups and the row scale are *inferred*
 * (the RTL's PE ends at the dequantizer; docs/values.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bitmod_pe.h"
#include "bitmod_terms.h"
#include "simd.h"
#include "values_op.h"

/* The term table of every candidate format (ab_bitmod_term_table_init:
 * the terms ab_bitmod_terms gives, decoded once per op, not once per
 * weight and token); NULL with err set. */
static ab_bitmod_term_table *candidate_tables(const ab_vop *v, ab_error *err)
{
    const size_t n = v->ncand ? v->ncand : 1;
    ab_bitmod_term_table *tab = malloc(n * sizeof *tab);
    if (!tab) {
        ab_error_set(err, "op '%s': out of memory", v->name);
        return NULL;
    }
    for (size_t c = 0; c < n; c++) {
        if (ab_bitmod_term_table_init(&v->cand[c], &tab[c], err) != 0) {
            free(tab);
            return NULL;
        }
    }
    return tab;
}

/* The rows the 16-row AVX-512 datapath can take (kernels/bitmod_pe.h
 * "sixteen outputs at once"): whole blocks of 16 whose groups take the
 * same cycles per weight in every row.  Their outputs go to out and
 * by_block[n] is set; the other rows are left to the scalar steps. */
static int datapath_blocks(const ab_vop *v, const ab_bitmod_term_table *tab, bool *by_block,
                           float *out, ab_error *err)
{
    const size_t K = v->K, G = v->G, glen = v->glen, R = AB_BITMOD_BLOCK_ROWS;
    uint32_t *terms = malloc(K * R * sizeof *terms);
    uint8_t *cycles = malloc(G ? G : 1);
    uint32_t *scale = malloc((G ? G : 1) * R * sizeof *scale);
    if (!terms || !cycles || !scale) {
        free(terms), free(cycles), free(scale);
        return ab_error_set(err, "op '%s': out of memory", v->name);
    }
    /* each candidate's codes as their four packed term bytes */
    uint32_t packed[AB_QUANT_MAX_CANDIDATES][AB_BITMOD_TABLE_CODES];
    for (size_t c = 0; c < (v->ncand ? v->ncand : 1u); c++)
        for (uint32_t code = 0; code < tab[c].ncodes; code++) {
            const ab_bitmod_term *t = ab_bitmod_table_terms(&tab[c], code);
            packed[c][code] = 0;
            for (unsigned i = 0; i < AB_BITMOD_MAX_TERMS; i++)
                packed[c][code] |= (uint32_t)ab_bitmod_term_pack(t[i]) << (8 * i);
        }
    float row_scale[AB_BITMOD_BLOCK_ROWS], y[AB_BITMOD_BLOCK_ROWS];
    const ab_bitmod_block16 b = {v->a->lanes, v->a->bitmod_rtl_literal_align, K, G, glen,
                                 v->scale_bits, terms, cycles, scale, row_scale};
    for (size_t n0 = 0; n0 + R <= v->N; n0 += R) {
        bool uniform = true;
        for (size_t g = 0; g < G && uniform; g++) {
            cycles[g] = tab[v->type_ids[n0 * G + g]].cycles;
            for (size_t r = 1; r < R && uniform; r++)
                uniform = tab[v->type_ids[(n0 + r) * G + g]].cycles == cycles[g];
        }
        if (!uniform)
            continue;
        /* k outer, the block's rows inner: each row's codes read in order and
         * the block's terms written in order, one word per weight (a row at
         * a time would write a cache line per weight) */
        for (size_t g = 0; g < G; g++) {
            const uint32_t *row_packed[AB_BITMOD_BLOCK_ROWS];
            uint32_t mask[AB_BITMOD_BLOCK_ROWS];
            for (size_t r = 0; r < R; r++) {
                const uint8_t type = v->type_ids[(n0 + r) * G + g];
                row_packed[r] = packed[type];
                mask[r] = tab[type].ncodes - 1u; /* codes modulo 2^bits */
            }
            for (size_t k = g * glen; k < (g + 1) * glen; k++) {
                for (size_t r = 0; r < R; r++)
                    terms[k * R + r] = row_packed[r][v->codes[(n0 + r) * K + k] & mask[r]];
            }
        }
        for (size_t r = 0; r < R; r++) {
            const size_t n = n0 + r;
            for (size_t g = 0; g < G; g++)
                scale[g * R + r] = v->gscale_int[n * G + g];
            row_scale[r] = v->row_scale[n];
            by_block[n] = true;
        }
        for (size_t m = 0; m < v->M; m++) {
            ab_bitmod_block16_token(&b, v->act_h + m * K, y);
            memcpy(out + m * v->N + n0, y, sizeof y);
        }
    }
    free(terms), free(cycles), free(scale);
    return 0;
}

int ab_values_bitmod_datapath(const ab_vop *v, float *out, ab_error *err)
{
    const size_t K = v->K, G = v->G, glen = v->glen;
    /* the terms of row n's weights, computed once per row and reused for
     * every token: [K][AB_BITMOD_MAX_TERMS] */
    ab_bitmod_term *terms = malloc(K * AB_BITMOD_MAX_TERMS * sizeof *terms);
    ab_bitmod_term_table *tab = terms ? candidate_tables(v, err) : NULL;
    if (!terms || !tab) {
        free(terms);
        return terms ? -1 : ab_error_set(err, "op '%s': out of memory", v->name);
    }
    ab_bitmod_pe pe;
    if (ab_bitmod_pe_init_lanes(&pe, v->a->bitmod_rtl_literal_align, v->a->lanes, err) != 0) {
        free(terms), free(tab);
        return -1;
    }
    const unsigned lanes = pe.lanes;
    bool *by_block = calloc(v->N ? v->N : 1, sizeof *by_block);
    if (!by_block) {
        free(terms), free(tab);
        return ab_error_set(err, "op '%s': out of memory", v->name);
    }
    if (ab_simd_active() == AB_SIMD_AVX512 && ab_bitmod_block16_supported() &&
        datapath_blocks(v, tab, by_block, out, err) != 0) {
        free(terms), free(tab), free(by_block);
        return -1;
    }
    for (size_t n = 0; n < v->N; n++) {
        if (by_block[n])
            continue;
        for (size_t k = 0; k < K; k++) {
            const ab_bitmod_term_table *t = &tab[v->type_ids[n * G + k / glen]];
            memcpy(terms + k * AB_BITMOD_MAX_TERMS, ab_bitmod_table_terms(t, v->codes[n * K + k]),
                   AB_BITMOD_MAX_TERMS * sizeof *terms);
        }
        for (size_t m = 0; m < v->M; m++) {
            const uint16_t *act = v->act_h + m * K;
            float acc = 0.0f;
            for (size_t g = 0; g < G; g++) {
                const unsigned cycles = tab[v->type_ids[n * G + g]].cycles;
                ab_bitmod_pe_group_begin(&pe);
                for (size_t j = g * glen; j < (g + 1) * glen; j += lanes) {
                    for (unsigned c = 0; c < cycles; c++) {
                        uint16_t lane_act[AB_BITMOD_LANES_MAX];
                        ab_bitmod_term lane_term[AB_BITMOD_LANES_MAX];
                        for (unsigned l = 0; l < lanes; l++) {
                            const size_t k = j + l;
                            if (k < (g + 1) * glen) {
                                lane_act[l] = act[k];
                                lane_term[l] = terms[k * AB_BITMOD_MAX_TERMS + c];
                            } else { /* past the group: an idle lane */
                                const uint8_t sig = terms[j * AB_BITMOD_MAX_TERMS + c].sig;
                                lane_act[l] = 0;
                                lane_term[l] = (ab_bitmod_term){0, 0, 0, sig};
                            }
                        }
                        ab_bitmod_pe_step(&pe, lane_act, lane_term, NULL);
                    }
                }
                const uint32_t s = v->gscale_int[n * G + g];
                ab_bitmod_pe_dequant_begin(&pe, 0);
                for (unsigned b = v->scale_bits; b-- > 0;)
                    ab_bitmod_pe_dequant_step(&pe, (uint8_t)((s >> b) & 1u));
                const float part = (float)ab_bitmod_pe_dequant_value(&pe); /* exact */
                acc = acc + part;
            }
            const float y = acc * v->row_scale[n];
            out[m * v->N + n] = y;
        }
    }
    free(terms), free(tab), free(by_block);
    return 0;
}

/* The model's groups sixteen at a time (ab_bitmod_groups16_run), where
 * AVX-512 runs: per row, its groups' terms packed once for every token;
 * per token, its activations packed once for every row.  A row whose
 * group scales do not all fit scale_bits is left to the scalar groups,
 * which refuse it.  by_row[n] is set for the rows done here. */
static int model_groups16(const ab_vop *v, const ab_bitmod_term_table *tab, bool *by_row,
                          float *out, size_t *wrapped, ab_error *err)
{
    const size_t K = v->K, G = v->G, glen = v->glen, L = 16;
    const size_t chunks = (G + L - 1) / L;
    if (v->scale_bits < 1 || v->scale_bits > AB_BITMOD_SCALE_BITS_MAX || glen == 0)
        return 0; /* the scalar groups give the message */
    uint16_t *act = calloc(v->M * chunks * glen * L, sizeof *act);
    uint32_t *terms = calloc(chunks * glen * L, sizeof *terms);
    uint8_t *cycles = calloc(chunks * L, 1);
    uint32_t *scale = calloc(chunks * L, sizeof *scale);
    if (!act || !terms || !cycles || !scale) {
        free(act), free(terms), free(cycles), free(scale);
        return ab_error_set(err, "op '%s': out of memory", v->name);
    }
    /* act[m][chunk][j][lane]: activation j of group chunk * 16 + lane */
    for (size_t m = 0; m < v->M; m++)
        for (size_t g = 0; g < G; g++)
            for (size_t j = 0; j < glen; j++)
                act[((m * chunks + g / L) * glen + j) * L + g % L] = v->act_h[m * K + g * glen + j];
    uint32_t packed[AB_QUANT_MAX_CANDIDATES][AB_BITMOD_TABLE_CODES];
    for (size_t c = 0; c < (v->ncand ? v->ncand : 1u); c++)
        for (uint32_t code = 0; code < tab[c].ncodes; code++) {
            const ab_bitmod_term *t = ab_bitmod_table_terms(&tab[c], code);
            packed[c][code] = 0;
            for (unsigned i = 0; i < AB_BITMOD_MAX_TERMS; i++)
                packed[c][code] |= (uint32_t)ab_bitmod_term_pack(t[i]) << (8 * i);
        }
    /* a group's value dq * 2^(exp - 28) is exact in FP32 (21-bit dq) */
    float pow2[64];
    for (int e = 0; e < 64; e++)
        pow2[e] = (float)ldexp(1.0, e - AB_BITMOD_VALUE_EXP_OFFSET);
    for (size_t n = 0; n < v->N; n++) {
        bool fits = true;
        for (size_t g = 0; g < G && fits; g++)
            fits = (v->gscale_int[n * G + g] >> v->scale_bits) == 0;
        if (!fits)
            continue;
        /* a chunk's 16 groups side by side, j outer: the terms written in
         * order, 64 bytes per j */
        for (size_t ch = 0; ch < chunks; ch++) {
            const size_t lanes_used = G - ch * L < L ? G - ch * L : L;
            const uint32_t *grp_packed[16];
            uint32_t mask[16];
            const uint32_t *grp_codes[16];
            for (size_t i = 0; i < lanes_used; i++) {
                const size_t g = ch * L + i;
                const uint8_t type = v->type_ids[n * G + g];
                grp_packed[i] = packed[type];
                mask[i] = tab[type].ncodes - 1u;
                grp_codes[i] = v->codes + n * K + g * glen;
                cycles[g] = tab[type].cycles;
                scale[g] = v->gscale_int[n * G + g];
            }
            uint32_t *dst = terms + ch * glen * L;
            for (size_t j = 0; j < glen; j++)
                for (size_t i = 0; i < lanes_used; i++)
                    dst[j * L + i] = grp_packed[i][grp_codes[i][j] & mask[i]];
        }
        for (size_t m = 0; m < v->M; m++) {
            float acc = 0.0f;
            bool wrap = false;
            for (size_t ch = 0; ch < chunks; ch++) {
                const ab_bitmod_groups16 gs = {v->a->lanes,
                                               v->a->bitmod_rtl_literal_align,
                                               glen,
                                               v->scale_bits,
                                               act + (m * chunks + ch) * glen * L,
                                               terms + ch * glen * L,
                                               cycles + ch * L,
                                               scale + ch * L};
                int32_t acc_man[16], dq_man[16];
                uint8_t acc_exp[16];
                ab_bitmod_groups16_run(&gs, acc_man, acc_exp, dq_man);
                for (size_t i = 0; i < L && ch * L + i < G; i++) {
                    /* the 21-bit dequantizer wraps when man * scale does not fit */
                    wrap |= (int64_t)acc_man[i] * (int64_t)scale[ch * L + i] != (int64_t)dq_man[i];
                    const float part = (float)dq_man[i] * pow2[acc_exp[i] & 63];
                    acc = acc + part;
                }
            }
            out[m * v->N + n] = acc * v->row_scale[n];
            *wrapped += wrap;
        }
        by_row[n] = true;
    }
    free(act), free(terms), free(cycles), free(scale);
    return 0;
}

int ab_values_bitmod_model(const ab_vop *v, float *out, size_t *overflows, ab_error *err)
{
    const size_t K = v->K, G = v->G, glen = v->glen;
    size_t wrapped = 0;
    ab_bitmod_pe pe;
    if (ab_bitmod_pe_init_lanes(&pe, v->a->bitmod_rtl_literal_align, v->a->lanes, err) != 0)
        return -1;
    ab_bitmod_term_table *tab = candidate_tables(v, err);
    if (!tab)
        return -1;
    bool *by_row = calloc(v->N ? v->N : 1, sizeof *by_row);
    if (!by_row) {
        free(tab);
        return ab_error_set(err, "op '%s': out of memory", v->name);
    }
    if (ab_simd_active() == AB_SIMD_AVX512 && ab_bitmod_block16_supported() &&
        model_groups16(v, tab, by_row, out, &wrapped, err) != 0) {
        free(tab), free(by_row);
        return -1;
    }
    for (size_t n = 0; n < v->N; n++) {
        if (by_row[n])
            continue;
        for (size_t m = 0; m < v->M; m++) {
            float acc = 0.0f;
            bool wrap = false;
            for (size_t g = 0; g < G; g++) {
                const size_t s = n * G + g;
                ab_bitmod_group_result res;
                if (ab_bitmod_pe_group_table(&pe, &tab[v->type_ids[s]],
                                             v->act_h + m * K + g * glen,
                                             v->codes + n * K + g * glen, glen, v->gscale_int[s],
                                             v->scale_bits, &res, err) != 0) {
                    free(tab), free(by_row);
                    return -1;
                }
                /* the 21-bit dequantizer wraps when man * scale does not fit */
                wrap |= (int64_t)res.acc_man * (int64_t)v->gscale_int[s] != (int64_t)res.dq_man;
                const float part = (float)res.value;
                acc = acc + part;
            }
            const float y = acc * v->row_scale[n];
            out[m * v->N + n] = y;
            wrapped += wrap;
        }
    }
    free(tab), free(by_row);
    if (overflows)
        *overflows = wrapped;
    return 0;
}
