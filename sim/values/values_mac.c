/* values_mac.c - output values of the MAC PEs: FP16, the bit-parallel
 * FP16 x INT PEs of ANT and OliVe, and the INT8 array (rules in
 * kernels/mac_pe.h, docs/values.md).
 *
 * Datapath: per output, a step loop over K with the accumulator register,
 * one MAC per step in ascending k (a PE with lanes > 1 is taken to
 * accumulate its lanes in the same order: the values do not depend on the
 * lane count), the group register scaled and added into the output
 * register at the end of each weight group, the row scale at the end.
 * Model: the kernels/mac_pe.h dot product of each output.
 * Weight values: fp16 codes as binary16; ANT/OliVe codes decoded in their
 * group's candidate format (a float, exact); int8 codes as integers.
 */
#include <stdlib.h>

#include "mac_pe.h"
#include "tensor_io.h"
#include "values_op.h"

static bool is_int_pe(const ab_vop *v)
{
    return v->a->pe == AB_PE_INT8;
}

/* Weight values of row n as the PE's multiplier sees them. */
static void row_values(const ab_vop *v, size_t n, float *wf, int32_t *wi)
{
    for (size_t k = 0; k < v->K; k++) {
        const ab_format *f = &v->cand[v->type_ids[n * v->G + k / v->glen]];
        const uint32_t c = v->codes[n * v->K + k];
        if (wi)
            wi[k] = ab_mac_int_value(f, c);
        else
            wf[k] = v->a->pe == AB_PE_FP16 ? ab_half_to_float((uint16_t)c)
                                           : (float)ab_format_decode(f, c);
    }
}

static int32_t to_int32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u
                                    : (int32_t)(u - (uint32_t)INT32_MAX - 1u) + INT32_MIN;
}

int ab_values_mac_datapath(const ab_vop *v, float *out, ab_error *err)
{
    const size_t M = v->M, N = v->N, K = v->K, G = v->G, glen = v->glen;
    const bool ipe = is_int_pe(v);
    float *wf = ipe ? NULL : malloc(K * sizeof *wf);
    int32_t *wi = ipe ? malloc(K * sizeof *wi) : NULL;
    if (!wf && !wi)
        return ab_error_set(err, "op '%s': out of memory", v->name);
    for (size_t n = 0; n < N; n++) {
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
