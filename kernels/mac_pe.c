/* mac_pe.c - the baseline PEs' dot products (rules in mac_pe.h).  Each FP32
 * operation is its own statement so that no compiler contracts a multiply
 * and an add into one rounding. */
#include "mac_pe.h"

#include <math.h>

#include "tensor_io.h"

int32_t ab_mac_int_value(const ab_format *fmt, uint32_t code)
{
    const double v = ab_format_decode(fmt, code);
    return isnan(v) ? 0 : (int32_t)v;
}

float ab_mac_fp_group(const uint16_t *a, const float *w, size_t n)
{
    float acc = 0.0f;
    for (size_t k = 0; k < n; k++) {
        const float p = ab_half_to_float(a[k]) * w[k]; /* exact (mac_pe.h) */
        acc = acc + p;
    }
    return acc;
}

float ab_mac_fp_dot(const uint16_t *a, const float *w, size_t k, size_t group,
                    const float *group_scales, float row_scale)
{
    float out = 0.0f;
    for (size_t g = 0; g * group < k; g++) {
        float part = ab_mac_fp_group(a + g * group, w + g * group, group);
        part = part * group_scales[g];
        out = out + part;
    }
    out = out * row_scale;
    return out;
}

float ab_mac_fp16_dot(const uint16_t *a, const uint16_t *w, size_t k, size_t group,
                      const float *group_scales, float row_scale)
{
    float out = 0.0f;
    for (size_t g = 0; g * group < k; g++) {
        float acc = 0.0f;
        for (size_t j = g * group; j < (g + 1) * group; j++) {
            const float p = ab_half_to_float(a[j]) * ab_half_to_float(w[j]);
            acc = acc + p;
        }
        acc = acc * group_scales[g];
        out = out + acc;
    }
    out = out * row_scale;
    return out;
}

int32_t ab_mac_int_group(const int32_t *a, const int32_t *w, size_t n)
{
    uint32_t acc = 0; /* unsigned: the wrap mod 2^32 is defined behaviour */
    for (size_t k = 0; k < n; k++)
        acc += (uint32_t)a[k] * (uint32_t)w[k];
    /* back to two's complement without implementation-defined conversion */
    return acc <= (uint32_t)INT32_MAX ? (int32_t)acc
                                      : (int32_t)(acc - (uint32_t)INT32_MAX - 1u) + INT32_MIN;
}

float ab_mac_int_epilogue(const int32_t *acc, size_t ngroups, float act_scale,
                          const float *w_scales, float row_scale)
{
    float out = 0.0f;
    for (size_t g = 0; g < ngroups; g++) {
        float p = (float)acc[g];
        p = p * act_scale;
        p = p * w_scales[g];
        out = out + p;
    }
    out = out * row_scale;
    return out;
}

float ab_mac_int_dot(const int32_t *a, float act_scale, const int32_t *w, size_t k,
                     size_t group, const float *w_scales, float row_scale)
{
    float out = 0.0f;
    for (size_t g = 0; g * group < k; g++) {
        float p = (float)ab_mac_int_group(a + g * group, w + g * group, group);
        p = p * act_scale;
        p = p * w_scales[g];
        out = out + p;
    }
    out = out * row_scale;
    return out;
}
