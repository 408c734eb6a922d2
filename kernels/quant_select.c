/* quant_select.c - type selection by error: BitMoD's per-group choice among
 * four 3/4-bit types, and ANT's per-tensor choice among int, flint, pot and
 * float with a clipping-ratio search.
 *
 * BitMoD (HPCA'25; abdelfattah-lab/BitMoD-HPCA-25,
 * bitmod_quant/quant_utils/quant_weight.py, search_datatype + quant_datatype):
 *   candidates, in this order (type id = index, 2 bits):
 *     bitmod_fpB_er+, bitmod_fpB_er-, bitmod_fpB_ea+, bitmod_fpB_ea-
 *   per group and candidate: scale = absmax(group) / max|grid of the
 *   candidate| (12 for FP4 ER, 16 for FP4 EA, 4 for FP3 ER, 6 for FP3 EA),
 *   round to the nearest grid value, keep the lowest squared error; ties
 *   keep the earlier candidate (BitMoD updates on torch.lt).  Note the
 *   asymmetry of EA+/EA-: absmax maps onto the magnitude 16 (FP4), which
 *   the grid has on one side only, so a group whose absmax is on the other
 *   side clips to 12 * scale there; the error comparison sorts this out,
 *   exactly as in BitMoD, which divides absmax by the largest magnitude.
 *   Differences from the Python: grid ties round to the smaller magnitude
 *   (the registry's rule; BitMoD's midpoint test rounds ties down), and
 *   each candidate's error is measured with its scale already rounded into
 *   the scale format, so an INTK scale is chosen with the type.  With INTK
 *   the row scale is set from the largest candidate scale in the row,
 *   absmax / min(max|grid|), so every candidate's integer fits in k bits.
 *
 * ANT (MICRO'22; clevercool/ANT-Quantization,
 * ant_quantization/antquant/quant_modules.py):
 *   candidates at N bits, in this order: intN (full two's complement,
 *   int_value), flintN (flint_value), potN (pot_value), and a float:
 *   e2m0f at N = 3, e3m(N-4)f at N >= 5 (float_value's default 3 exponent
 *   bits, all codes finite, subnormals), and e2m1f at N = 4, where
 *   float_value's e3m0 would be identical to pot4.  Above 6 bits only intN
 *   ("layers above 6 bits forced to int", _init_quant_para).
 *   search_mse: for each candidate, alpha = r * absmax with r = 0.50, 0.51,
 *   ..., 1.00 (0.95 .. 1.00 above 6 bits), scale = alpha / max(grid) (the
 *   largest positive value, as convert_tensor normalises; intN's -2^(N-1)
 *   lies beyond), keep the r with the lowest error (first on ties).  ANT
 *   searches r per output channel for weights; here r is searched per
 *   scale unit of the spec (tensor, channel or group) and the type is
 *   chosen once per tensor by the summed best errors (first on ties).
 *   clip_ratio reports the mean chosen r over the units that are not zero.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "quant_impl.h"

/* ---- BitMoD -------------------------------------------------------------- */

static const char *const bitmod_suffix[4] = {"_er+", "_er-", "_ea+", "_ea-"};

/* Type id c is the c-th of {ER+, ER-, EA+, EA-}. */
int ab_bitmod_candidates(unsigned bits, ab_format *cand, uint8_t *n, ab_error *err)
{
    for (unsigned c = 0; c < 4; c++) {
        char name[AB_FORMAT_NAME_MAX];
        snprintf(name, sizeof name, "bitmod_fp%u%s", bits, bitmod_suffix[c]);
        if (ab_format_parse(name, &cand[c], err) != 0)
            return -1;
    }
    *n = 4;
    return 0;
}

int ab_quant_bitmod(ab_qjob *job, ab_error *err)
{
    const ab_qlayout *l = &job->lay;
    ab_quant_result *res = job->res;
    if (ab_bitmod_candidates(job->bitmod_bits, res->candidates, &res->ncandidates, err) != 0)
        return -1;
    double fa[4], fa_min = INFINITY;
    for (unsigned c = 0; c < 4; c++) {
        fa[c] = ab_format_absmax(&res->candidates[c]);
        fa_min = fmin(fa_min, fa[c]);
    }
    const size_t nu = l->nunits;
    ab_qunits a;
    if (ab_qunits_alloc(&a, nu, err) != 0)
        return -1;
    double *const absmax = a.stat, *const ceiling = a.ideal, *const row = a.row,
                 *const scale = a.scale;
    uint32_t *const code = a.code;
    uint8_t *const type = a.type;
    for (size_t u = 0; u < nu; u++) {
        absmax[u] = ab_q_absmax(job->x + u * l->unit_len, l->unit_len);
        ceiling[u] = absmax[u] / fa_min;
    }
    ab_q_row_scales(l, &job->sc, ceiling, row, res);
    for (size_t u = 0; u < nu; u++) {
        const size_t off = u * l->unit_len;
        double best = INFINITY;
        for (unsigned c = 0; c < 4; c++) {
            uint32_t sc;
            const double s = ab_scale_round(&job->sc, absmax[u] / fa[c], row[u], &sc);
            const double e = ab_quant_encode_run(&res->candidates[c], job->simd, job->x + off,
                                                 l->unit_len, s, NULL, NULL);
            if (e < best) {
                best = e;
                type[u] = (uint8_t)c;
                scale[u] = s;
                code[u] = sc;
            }
        }
        ab_quant_encode_run(&res->candidates[type[u]], job->simd, job->x + off, l->unit_len,
                            scale[u], res->codes + off, res->dequant + off);
    }
    ab_q_store_units(l, scale, code, type, res);
    ab_qunits_free(&a);
    return 0;
}

/* ---- ANT ----------------------------------------------------------------- */

static unsigned ant_candidate_list(unsigned n, ab_format *cand, ab_error *err)
{
    char names[4][AB_FORMAT_NAME_MAX];
    unsigned k = 0;
    snprintf(names[k++], AB_FORMAT_NAME_MAX, "int%u", n);
    if (n <= 6) {
        snprintf(names[k++], AB_FORMAT_NAME_MAX, "flint%u", n);
        snprintf(names[k++], AB_FORMAT_NAME_MAX, "pot%u", n);
        if (n == 3)
            snprintf(names[k++], AB_FORMAT_NAME_MAX, "e2m0f");
        else if (n == 4)
            snprintf(names[k++], AB_FORMAT_NAME_MAX, "e2m1f");
        else
            snprintf(names[k++], AB_FORMAT_NAME_MAX, "e3m%uf", n - 4);
    }
    for (unsigned c = 0; c < k; c++)
        if (ab_format_parse(names[c], &cand[c], err) != 0)
            return 0;
    return k;
}

int ab_ant_candidates(unsigned bits, ab_format *cand, uint8_t *n, ab_error *err)
{
    const unsigned k = ant_candidate_list(bits, cand, err);
    *n = (uint8_t)k;
    return k ? 0 : -1;
}

int ab_quant_ant(ab_qjob *job, ab_error *err)
{
    const ab_qlayout *l = &job->lay;
    ab_quant_result *res = job->res;
    if (ab_ant_candidates(job->ant_bits, res->candidates, &res->ncandidates, err) != 0)
        return -1;
    const unsigned nc = res->ncandidates;
    const int lb = job->ant_bits > 6 ? 95 : 50, ub = 100; /* percent, inclusive */

    double fmax_c[AB_QUANT_MAX_CANDIDATES], fmax_min = INFINITY;
    for (unsigned c = 0; c < nc; c++) {
        fmax_c[c] = ab_format_max(&res->candidates[c]);
        fmax_min = fmin(fmax_min, fmax_c[c]);
    }
    const size_t nu = l->nunits;
    ab_qunits a;
    if (ab_qunits_alloc(&a, nu, err) != 0)
        return -1;
    int *best_pct = malloc(nc * nu * sizeof *best_pct); /* [candidate][unit] */
    if (!best_pct) {
        ab_qunits_free(&a);
        return ab_error_set(err, "out of memory for %zu scale units", nu);
    }
    double *const absmax = a.stat, *const ceiling = a.ideal, *const row = a.row,
                 *const scale = a.scale;
    uint32_t *const code = a.code;
    for (size_t u = 0; u < nu; u++) {
        absmax[u] = ab_q_absmax(job->x + u * l->unit_len, l->unit_len);
        ceiling[u] = absmax[u] / fmax_min; /* r <= 1: no candidate needs more */
    }
    ab_q_row_scales(l, &job->sc, ceiling, row, res);

    double total[AB_QUANT_MAX_CANDIDATES];
    for (unsigned c = 0; c < nc; c++) {
        total[c] = 0.0;
        for (size_t u = 0; u < nu; u++) {
            const size_t off = u * l->unit_len;
            double best = INFINITY;
            best_pct[c * nu + u] = ub;
            for (int p = lb; p <= ub; p++) {
                uint32_t sc;
                const double s = ab_scale_round(&job->sc, absmax[u] * p / 100.0 / fmax_c[c],
                                                row[u], &sc);
                const double e = ab_quant_encode_run(&res->candidates[c], job->simd, job->x + off,
                                                 l->unit_len, s, NULL, NULL);
                if (e < best) {
                    best = e;
                    best_pct[c * nu + u] = p;
                }
            }
            total[c] += best;
        }
    }
    unsigned pick = 0;
    for (unsigned c = 1; c < nc; c++)
        if (total[c] < total[pick])
            pick = c;

    double ratio_sum = 0.0;
    size_t ratio_n = 0;
    for (size_t u = 0; u < nu; u++) {
        const size_t off = u * l->unit_len;
        const int p = best_pct[pick * nu + u];
        scale[u] = ab_scale_round(&job->sc, absmax[u] * p / 100.0 / fmax_c[pick], row[u],
                                  &code[u]);
        ab_quant_encode_run(&res->candidates[pick], job->simd, job->x + off, l->unit_len,
                            scale[u], res->codes + off, res->dequant + off);
        if (absmax[u] > 0.0) {
            ratio_sum += p / 100.0;
            ratio_n++;
        }
    }
    res->clip_ratio = ratio_n ? ratio_sum / (double)ratio_n : 1.0;
    ab_q_store_units(l, scale, code, NULL, res);
    for (size_t s = 0; s < l->rows * l->gpr; s++)
        res->type_ids[s] = (uint8_t)pick;
    free(best_pct);
    ab_qunits_free(&a);
    return 0;
}
