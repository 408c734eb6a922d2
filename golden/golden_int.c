/* golden_int.c - the output values of the two integer PEs, the INT8 MAC
 * array and the binary tensor core, from docs/values.md:
 *
 *   activations: the per-token integer values and scales of golden_act.c;
 *   weights (btc): the value the code's bit-planes stand for: two's
 *     complement intN (an intNs's reserved code too: its planes are those
 *     of -2^(N-1)), unsigned uintN minus the group's zero point when the op
 *     is asymmetric, 2b - 1 for bin;
 *   weights (int8): two's complement intN, an intNs's reserved code 0;
 *   per group: the INT32 register.  Every step the hardware takes into it
 *     (btc: popcounts, shifts, adds, negations, chunks of tile_k; int8: one
 *     MAC per k) is a ring operation mod 2^32, so the register ends as the
 *     exact dot product of the group, wrapped to 32 bits: computed here
 *     exactly in int64 and wrapped once.  The chunking by tile_k therefore
 *     does not change a value;
 *   epilogue, one binary32 rounding per step: p = (float)acc,
 *     p = p * act_scale[m], p = p * group scale, out = out + p over the
 *     groups in ascending order from +0, then out = out * row scale.
 */
#include <stdlib.h>

#include "golden_impl.h"

static int64_t weight_value(const ab_gop *v, size_t n, size_t k)
{
    const size_t g = k / v->glen;
    const ab_gfmt *f = &v->cand[v->type_ids[n * v->G + g]];
    const uint32_t code = v->codes[n * v->K + k];
    if (f->kind == AB_GFMT_BIN)
        return code & 1u ? 1 : -1;
    const int64_t raw = ab_gfmt_raw_int(f, code);
    if (v->a->pe == AB_PE_INT8 && f->symmetric && raw == -((int64_t)1 << (f->bits - 1)))
        return 0;
    return v->zp ? raw - v->zp[n * v->G + g] : raw;
}

static float to_float_wrapped(int64_t exact)
{
    const int64_t span = (int64_t)1 << 32;
    int64_t r = exact % span;
    if (r < 0)
        r += span;
    if (r >= span / 2)
        r -= span;
    return (float)r;
}

int ab_golden_int(const ab_gop *v, float *out, ab_error *err)
{
    const size_t M = v->M, N = v->N, K = v->K;
    int32_t *x = malloc(M * K * sizeof *x);
    float *xs = malloc(M * sizeof *xs);
    int64_t *w = malloc(K * sizeof *w);
    int rc = 0;
    if (!x || !xs || !w) {
        rc = ab_error_set(err, "golden: op '%s': out of memory", v->name);
        goto done;
    }
    ab_golden_act_rows(&v->afmt, v->act_f, M, K, x, xs);
    for (size_t n = 0; n < N; n++) {
        for (size_t k = 0; k < K; k++)
            w[k] = weight_value(v, n, k);
        for (size_t m = 0; m < M; m++) {
            float o = 0.0f;
            for (size_t g = 0; g < v->G; g++) {
                int64_t dot = 0;
                for (size_t k = g * v->glen; k < (g + 1) * v->glen; k++)
                    dot += (int64_t)x[m * K + k] * w[k];
                float p = to_float_wrapped(dot);
                p = p * xs[m];
                p = p * v->gscale[n * v->G + g];
                o = o + p;
            }
            o = o * v->row_scale[n];
            out[m * N + n] = o;
        }
    }
done:
    free(x);
    free(xs);
    free(w);
    return rc;
}
