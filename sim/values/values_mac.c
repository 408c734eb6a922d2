/* values_mac.c - output values of the MAC PEs: FP16, the bit-parallel
 * FP16 x INT PEs of ANT and OliVe, and the INT8 array (rules in
 * kernels/mac_pe.h, docs/values.md).
 *
 * Datapath: per output, a step loop over K with the accumulator register,
 * one MAC per step in ascending k (a PE with lanes > 1 is taken to
 * accumulate its lanes in the same order: the values do not depend on the
 * lane count), the group register scaled and added into the output
 * register at the end of each weight group, the row scale at the end.
 * On AVX-512/AVX2 the rows go 16/8 at a time through kernels/mac_pe_simd.c,
 * the same steps one row per lane; the rows left over take the scalar steps.
 * Model: the kernels/mac_pe.h dot product of each output (scalar).
 * Weight values: fp16 codes as binary16; ANT/OliVe codes decoded in their
 * group's candidate format (a float, exact); int8 codes as integers.
 */
#include <stdlib.h>

#include "mac_pe.h"
#include "simd.h"
#include "tensor_io.h"
#include "values_op.h"

static bool is_int_pe(const ab_vop *v)
{
    return v->a->pe == AB_PE_INT8;
}

/* Code c of candidate cand as the PE's multiplier sees it: *wi for the
 * INT PE (wi not NULL), else *wf. */
static void weight_value(const ab_vop *v, size_t cand, uint32_t c, float *wf, int32_t *wi)
{
    const ab_format *f = &v->cand[cand];
    if (wi)
        *wi = ab_mac_int_value(f, c);
    else
        *wf = v->a->pe == AB_PE_FP16 ? ab_half_to_float((uint16_t)c)
                                     : (float)ab_format_decode(f, c);
}

/* Weight values of row n as the PE's multiplier sees them. */
static void row_values(const ab_vop *v, size_t n, float *wf, int32_t *wi)
{
    for (size_t k = 0; k < v->K; k++)
        weight_value(v, v->type_ids[n * v->G + k / v->glen], v->codes[n * v->K + k],
                     wf ? &wf[k] : NULL, wi ? &wi[k] : NULL);
}

static int32_t to_int32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u
                                    : (int32_t)(u - (uint32_t)INT32_MAX - 1u) + INT32_MIN;
}

/* The float activations of tokens at once, at most this many bytes. */
#define ACT_CHUNK_BYTES ((size_t)16 << 20)

/* Rows [0, nblocks * lanes) through the vector block (kernels/mac_pe_simd.c):
 * each block's weights transposed once per chunk of tokens.  Returns the
 * rows done (0 when memory is short: the scalar steps take them all). */
static size_t datapath_blocks(const ab_vop *v, ab_simd_path path, unsigned lanes, float *out)
{
    const size_t M = v->M, N = v->N, K = v->K, G = v->G;
    const size_t nblocks = N / lanes;
    const bool ipe = is_int_pe(v);
    if (nblocks == 0)
        return 0;
    size_t mc = ACT_CHUNK_BYTES / (K * sizeof(float));
    mc = mc == 0 ? 1 : mc > M ? M : mc;
    /* weight_value of every candidate and code, once per op (fp16 weights
     * are converted directly: 2^16 codes) */
    const bool fp16 = v->a->pe == AB_PE_FP16;
    const size_t tab_codes = fp16 || v->w_bits > 8 ? 0 : (size_t)1 << v->w_bits;
    if (!fp16 && tab_codes == 0)
        return 0;
    float *tab_f = ipe || fp16 ? NULL : malloc(v->ncand * tab_codes * sizeof *tab_f);
    int32_t *tab_i = ipe ? malloc(v->ncand * tab_codes * sizeof *tab_i) : NULL;
    for (size_t c = 0; c < v->ncand && (tab_f || tab_i); c++)
        for (size_t code = 0; code < tab_codes; code++)
            weight_value(v, c, (uint32_t)code, tab_f ? &tab_f[c * tab_codes + code] : NULL,
                         tab_i ? &tab_i[c * tab_codes + code] : NULL);
    float *w_f = ipe ? NULL : malloc(K * lanes * sizeof *w_f);
    int32_t *w_i = ipe ? malloc(K * lanes * sizeof *w_i) : NULL;
    float *act_f = ipe ? NULL : malloc(mc * K * sizeof *act_f);
    float *gs = malloc(G * lanes * sizeof *gs);
    size_t done = 0;
    if ((ipe ? !tab_i || !w_i : (!fp16 && !tab_f) || !w_f || !act_f) || !gs)
        goto out;
    for (size_t m0 = 0; m0 < M; m0 += mc) {
        const size_t m1 = m0 + mc < M ? m0 + mc : M;
        for (size_t i = 0; !ipe && i < (m1 - m0) * K; i++)
            act_f[i] = ab_half_to_float(v->act_h[m0 * K + i]);
        for (size_t b = 0; b < nblocks; b++) {
            float rs[16];
            const size_t n0 = b * lanes;
            /* k outer: each lane's codes read in order, the block written in order */
            for (size_t k = 0; k < K; k++) {
                const size_t g = k / v->glen;
                for (unsigned l = 0; l < lanes; l++) {
                    const size_t n = n0 + l;
                    const uint32_t c = v->codes[n * K + k];
                    if (fp16)
                        weight_value(v, 0, c, &w_f[k * lanes + l], NULL);
                    else {
                        const size_t e = (size_t)v->type_ids[n * G + g] * tab_codes +
                                         (c & (uint32_t)(tab_codes - 1));
                        if (ipe)
                            w_i[k * lanes + l] = tab_i[e];
                        else
                            w_f[k * lanes + l] = tab_f[e];
                    }
                }
            }
            for (unsigned l = 0; l < lanes; l++) {
                for (size_t g = 0; g < G; g++)
                    gs[g * lanes + l] = v->gscale[(n0 + l) * G + g];
                rs[l] = v->row_scale[n0 + l];
            }
            ab_mac_block blk = {.lanes = lanes, .k = K, .glen = v->glen, .w_f = w_f,
                                .w_i = w_i, .group_scales = gs, .row_scales = rs};
            for (size_t m = m0; m < m1; m++) {
                float o[16];
                if (ipe) {
                    blk.act_i = v->act_val + m * K;
                    blk.act_scale = v->act_scale[m];
                } else {
                    blk.act_f = act_f + (m - m0) * K;
                }
                if (ab_mac_block_run(path, &blk, o) != 0)
                    goto out; /* cannot happen: lanes came from the path */
                for (unsigned l = 0; l < lanes; l++)
                    out[m * N + b * lanes + l] = o[l];
            }
        }
    }
    done = nblocks * lanes;
out:
    free(tab_f);
    free(tab_i);
    free(w_f);
    free(w_i);
    free(act_f);
    free(gs);
    return done;
}

int ab_values_mac_datapath(const ab_vop *v, float *out, ab_error *err)
{
    const size_t M = v->M, N = v->N, K = v->K, G = v->G, glen = v->glen;
    const bool ipe = is_int_pe(v);
    const ab_simd_path path = ab_simd_active();
    const unsigned lanes = ab_mac_block_lanes(path);
    const size_t first = lanes ? datapath_blocks(v, path, lanes, out) : 0;
    float *wf = ipe ? NULL : malloc(K * sizeof *wf);
    int32_t *wi = ipe ? malloc(K * sizeof *wi) : NULL;
    if (!wf && !wi)
        return ab_error_set(err, "op '%s': out of memory", v->name);
    for (size_t n = first; n < N; n++) {
        row_values(v, n, wf, wi);
        for (size_t m = 0; m < M; m++) {
            float o = 0.0f; /* output register */
            for (size_t g = 0; g < G; g++) {
                float part;
                if (ipe) {
                    uint32_t acc = 0; /* INT32 register, wraps */
                    for (size_t k = g * glen; k < (g + 1) * glen; k++)
                        acc += (uint32_t)v->act_val[m * K + k] * (uint32_t)wi[k];
                    part = (float)to_int32(acc);
                    part = part * v->act_scale[m];
                } else {
                    float acc = 0.0f; /* FP32 register */
                    for (size_t k = g * glen; k < (g + 1) * glen; k++) {
                        const float p = ab_half_to_float(v->act_h[m * K + k]) * wf[k];
                        acc = acc + p;
                    }
                    part = acc;
                }
                part = part * v->gscale[n * G + g];
                o = o + part;
            }
            o = o * v->row_scale[n];
            out[m * N + n] = o;
        }
    }
    free(wf);
    free(wi);
    return 0;
}

int ab_values_mac_model(const ab_vop *v, float *out, size_t *overflows, ab_error *err)
{
    const size_t M = v->M, N = v->N, K = v->K, G = v->G, glen = v->glen;
    const bool ipe = is_int_pe(v), fp16 = v->a->pe == AB_PE_FP16;
    float *wf = ipe ? NULL : malloc(K * sizeof *wf);
    int32_t *wi = ipe ? malloc(K * sizeof *wi) : NULL;
    uint16_t *wh = fp16 ? malloc(K * sizeof *wh) : NULL;
    if ((!wf && !wi) || (fp16 && !wh)) {
        free(wf);
        free(wi);
        return ab_error_set(err, "op '%s': out of memory", v->name);
    }
    size_t wrapped = 0;
    for (size_t n = 0; n < N; n++) {
        row_values(v, n, wf, wi);
        for (size_t k = 0; fp16 && k < K; k++)
            wh[k] = (uint16_t)v->codes[n * K + k];
        const float *gs = v->gscale + n * G;
        for (size_t m = 0; m < M; m++) {
            float *y = &out[m * N + n];
            if (ipe) {
                const int32_t *a = v->act_val + m * K;
                *y = ab_mac_int_dot(a, v->act_scale[m], wi, K, glen, gs, v->row_scale[n]);
                bool wrap = false; /* does any group leave the INT32 range? */
                for (size_t g = 0; g < G && !wrap; g++) {
                    int64_t s = 0;
                    for (size_t k = g * glen; k < (g + 1) * glen; k++)
                        s += (int64_t)a[k] * wi[k];
                    wrap = s < INT32_MIN || s > INT32_MAX;
                }
                wrapped += wrap;
            } else if (fp16) {
                *y = ab_mac_fp16_dot(v->act_h + m * K, wh, K, glen, gs, v->row_scale[n]);
            } else {
                *y = ab_mac_fp_dot(v->act_h + m * K, wf, K, glen, gs, v->row_scale[n]);
            }
        }
    }
    if (overflows)
        *overflows = wrapped;
    free(wf);
    free(wi);
    free(wh);
    return 0;
}
