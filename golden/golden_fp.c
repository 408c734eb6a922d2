/* golden_fp.c - the output values of the bit-parallel FP PEs (fp16, and
 * the FP16 x INT PEs of ANT and OliVe), from docs/values.md:
 *
 *   activation: the binary32 value of its FP16 bits (golden_format.c);
 *   weight: the binary32 value of an fp16 code, or for ANT / OliVe the
 *     value of the code in its group's candidate format, before the scale
 *     (exact in binary32 for every format of <= 8 bits);
 *   per group: a binary32 register from +0, acc = acc + a * w in ascending
 *     k (the product one rounding, exact for these operands; the sum one
 *     rounding); part = acc * group scale; out = out + part over the groups
 *     ascending from +0; then out = out * row scale.
 * The lane count does not enter: a PE of several lanes is taken to add its
 * lanes in the same ascending order (docs/values.md, *inferred*).
 */
#include <stdlib.h>

#include "golden_impl.h"

int ab_golden_fpmac(const ab_gop *v, float *out, ab_error *err)
{
    const size_t M = v->M, N = v->N, K = v->K;
    float *w = malloc(K * sizeof *w);
    if (!w)
        return ab_error_set(err, "golden: op '%s': out of memory", v->name);
    for (size_t n = 0; n < N; n++) {
        for (size_t k = 0; k < K; k++) {
            const ab_gfmt *f = &v->cand[v->type_ids[n * v->G + k / v->glen]];
            const uint32_t code = v->codes[n * K + k];
            w[k] = v->a->pe == AB_PE_FP16 ? ab_golden_half((uint16_t)code)
                                          : (float)ab_gfmt_value(f, code);
        }
        for (size_t m = 0; m < M; m++) {
            float o = 0.0f;
            for (size_t g = 0; g < v->G; g++) {
                float acc = 0.0f;
                for (size_t k = g * v->glen; k < (g + 1) * v->glen; k++) {
                    const float p = ab_golden_half(v->act_h[m * K + k]) * w[k];
                    acc = acc + p;
                }
                const float part = acc * v->gscale[n * v->G + g];
                o = o + part;
            }
            o = o * v->row_scale[n];
            out[m * N + n] = o;
        }
    }
    free(w);
    return 0;
}
