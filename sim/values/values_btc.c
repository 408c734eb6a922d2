/* values_btc.c - output values of the binary tensor core PE (ABQ-LLM
 * bit-plane MMA, kernels/gemm_bitplane.h).
 *
 * Operands: the weight codes as p bit-planes (intN two's complement,
 * uintN, or bin's one plane where bit b stands for 2b - 1), the activation
 * codes of kernels/act_quant.h as q planes likewise.
 *
 * Datapath, per weight group g (the group's K slice) and per chunk of
 * tile_k inputs of it (the last one shorter), one tall binary MMA over the
 * stacked planes of the chunk: popc(X_i AND W_j) for every plane pair, or
 * popc(x XOR w) for bin x bin; then, per output and plane pair in
 * ascending (i, j), a shift-add into the group's INT32 register (mod 2^32):
 *   AND mode: acc += cx_i * cw_j * popc, with cx_i = 2^i (-2^(q-1) for the
 *     top plane of a signed operand; 2 for bin) and likewise cw_j;
 *   the constant parts of the element values (-1 of bin's 2b - 1, -z of an
 *     asymmetric weight's q - z) are popcounts against an all-ones plane
 *     appended to the other operand (ABQ-LLM's {0,1} x {-1,+1} rule
 *     2 popc(x AND w') - popc(x), generalised); ones x ones is the chunk
 *     length;
 *   XOR mode (bin x bin): acc += chunk length - 2 popc(x XOR w).
 * Epilogue (kernels/mac_pe.h, as the INT8 PE): p = (float)acc x the
 * token's activation scale x the group scale (FP32), summed over groups in
 * ascending order from +0, x the row scale.
 *
 * Every step is a ring operation mod 2^32, so the register holds the exact
 * group dot product wrapped to INT32, which is what the model computes
 * with ab_bp_gemm_zp (exact in int64) and ab_bp_wrap_int32.
 */
#include <stdlib.h>
#include <string.h>

#include "gemm_bitplane.h"
#include "mac_pe.h"
#include "simd.h"
#include "values_op.h"

/* Planes of codes[rows][k0 .. k0+kc) (row stride ld) into
 * stack[bits][rows][kw], then, when `ones`, one all-ones row of kc bits. */
static void pack_chunk(const uint32_t *codes, size_t ld, size_t rows, size_t k0, size_t kc,
                       unsigned bits, bool ones, uint8_t *tmp, uint64_t *stack)
{
    const size_t kw = ab_bp_words(kc);
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < kc; k++)
            tmp[r * kc + k] = (uint8_t)codes[r * ld + k0 + k];
    ab_bp_pack(tmp, rows, kc, bits, stack);
    if (ones) {
        uint64_t *row = stack + (size_t)bits * rows * kw;
        memset(row, 0, kw * sizeof *row);
        for (size_t k = 0; k < kc; k++)
            row[k / 64] |= (uint64_t)1 << (k % 64);
    }
}

/* Plane coefficients of an operand; the constant part of its elements. */
static void plane_coefs(ab_bp_kind kind, unsigned bits, int64_t *coef, int64_t *constant)
{
    for (unsigned i = 0; i < bits; i++)
        coef[i] = kind == AB_BP_PM1 ? 2 : ab_bp_plane_weight(i, bits, kind == AB_BP_SIGNED);
    *constant = kind == AB_BP_PM1 ? -1 : 0;
}

int ab_values_btc_datapath(const ab_vop *v, float *out, ab_error *err)
{
    const size_t M = v->M, N = v->N, K = v->K, G = v->G, glen = v->glen;
    const size_t tk = v->a->tile_k;
    const unsigned q = v->a_bits, p = v->w_bits;
    const bool xor_mode = v->a_kind == AB_BP_PM1 && v->w_kind == AB_BP_PM1;
    int64_t cx[AB_BP_MAX_BITS + 1], cw[AB_BP_MAX_BITS + 1], ax, aw;
    plane_coefs(v->a_kind, q, cx, &ax);
    plane_coefs(v->w_kind, p, cw, &aw);
    /* ones rows: the constant part of W's elements (bin's -1, -z) meets
     * popc(X_i) = popc(X_i AND ones) through an all-ones row appended to W's
     * planes, and X's constant meets popc(W_j) through one appended to X's
     * (not in XOR mode) */
    const bool x_ones = !xor_mode && ax != 0, w_ones = !xor_mode && (aw != 0 || v->zp);
    const size_t rx = q * M + x_ones, rw = p * N + w_ones;
    const size_t cmax = tk < glen ? tk : glen, kwmax = ab_bp_words(cmax);
    const ab_simd_path path = ab_simd_active(); /* read once per op, not per K chunk */

    uint8_t *tmp = malloc((M > N ? M : N) * cmax + 1);
    uint64_t *xs = malloc(rx * kwmax * sizeof *xs), *ws = malloc(rw * kwmax * sizeof *ws);
    uint32_t *pc = malloc(rx * rw * sizeof *pc);
    uint32_t *acc = malloc(M * N * sizeof *acc);
    float *sum = malloc(M * N * sizeof *sum);
    int rc = 0;
    if (!tmp || !xs || !ws || !pc || !acc || !sum) {
        rc = ab_error_set(err, "op '%s': out of memory", v->name);
        goto out;
    }
    for (size_t k = 0; k < M * N; k++)
        sum[k] = 0.0f;
    for (size_t g = 0; g < G; g++) {
        memset(acc, 0, M * N * sizeof *acc);
        for (size_t c0 = g * glen; c0 < (g + 1) * glen; c0 += tk) {
            const size_t kc = (g + 1) * glen - c0 < tk ? (g + 1) * glen - c0 : tk;
            const size_t kw = ab_bp_words(kc);
            pack_chunk(v->act_codes, K, M, c0, kc, q, x_ones, tmp, xs);
            pack_chunk(v->codes, K, N, c0, kc, p, w_ones, tmp, ws);
            ab_bp_popc_gemm_on(path, xs, rx, ws, rw, kw, xor_mode ? AB_BP_XOR : AB_BP_AND, pc, rw);
            for (size_t m = 0; m < M; m++) {
                for (size_t n = 0; n < N; n++) {
                    uint32_t a = acc[m * N + n];
                    if (xor_mode) {
                        a += (uint32_t)kc - 2u * pc[m * rw + n];
                    } else {
                        /* row coefficients; a ones row's is the other operand's
                         * constant part, so ones x ones gives ax * az * kc */
                        const int64_t az = v->zp ? aw - v->zp[n * G + g] : aw;
                        for (unsigned i = 0; i < q + x_ones; i++) {
                            const size_t xr = i < q ? i * M + m : q * M;
                            const int64_t ci = i < q ? cx[i] : ax;
                            for (unsigned j = 0; j < p + w_ones; j++) {
                                const size_t wr = j < p ? j * N + n : p * N;
                                const int64_t cj = j < p ? cw[j] : az;
                                a += (uint32_t)(uint64_t)(ci * cj * (int64_t)pc[xr * rw + wr]);
                            }
                        }
                    }
                    acc[m * N + n] = a;
                }
            }
        }
        /* epilogue of the group (mac_pe.h's rule, written out) */
        for (size_t m = 0; m < M; m++)
            for (size_t n = 0; n < N; n++) {
                const uint32_t u = acc[m * N + n];
                const int32_t s = u <= (uint32_t)INT32_MAX
                                      ? (int32_t)u
                                      : (int32_t)(u - (uint32_t)INT32_MAX - 1u) + INT32_MIN;
                float y = (float)s;
                y = y * v->act_scale[m];
                y = y * v->gscale[n * G + g];
                sum[m * N + n] = sum[m * N + n] + y;
            }
    }
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < N; n++) {
            const float y = sum[m * N + n] * v->row_scale[n];
            out[m * N + n] = y;
        }
out:
    free(tmp);
    free(xs);
    free(ws);
    free(pc);
    free(acc);
    free(sum);
    return rc;
}

int ab_values_btc_model(const ab_vop *v, float *out, size_t *overflows, ab_error *err)
{
    const size_t M = v->M, N = v->N, K = v->K, G = v->G, glen = v->glen;
    const unsigned q = v->a_bits, p = v->w_bits;
    const size_t kw = ab_bp_words(glen);
    uint8_t *tmp = malloc((M > N ? M : N) * glen + 1);
    uint64_t *xs = malloc((size_t)q * M * kw * sizeof *xs);
    uint64_t *ws = malloc((size_t)p * N * kw * sizeof *ws);
    int64_t *y = malloc(M * N * sizeof *y);
    int32_t *acc = malloc(M * N * G * sizeof *acc); /* [m][n][g] */
    int32_t *zw = v->zp ? malloc(N * sizeof *zw) : NULL;
    bool *wrap = calloc(M * N, sizeof *wrap);
    int rc = 0;
    if (!tmp || !xs || !ws || !y || !acc || (v->zp && !zw) || !wrap) {
        rc = ab_error_set(err, "op '%s': out of memory", v->name);
        goto out;
    }
    for (size_t g = 0; g < G; g++) {
        pack_chunk(v->act_codes, K, M, g * glen, glen, q, false, tmp, xs);
        pack_chunk(v->codes, K, N, g * glen, glen, p, false, tmp, ws);
        const ab_bp_matrix x = ab_bp_matrix_of(xs, M, glen, q, v->a_kind);
        const ab_bp_matrix w = ab_bp_matrix_of(ws, N, glen, p, v->w_kind);
        if (zw)
            for (size_t n = 0; n < N; n++)
                zw[n] = v->zp[n * G + g];
        if (ab_bp_gemm_zp(&x, &w, NULL, zw, y, NULL, err) != 0) {
            rc = -1;
            goto out;
        }
        for (size_t k = 0; k < M * N; k++) {
            acc[k * G + g] = ab_bp_wrap_int32(y[k]);
            wrap[k] |= (int64_t)acc[k * G + g] != y[k];
        }
    }
    size_t wrapped = 0;
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < N; n++) {
            out[m * N + n] = ab_mac_int_epilogue(acc + (m * N + n) * G, G, v->act_scale[m],
                                                 v->gscale + n * G, v->row_scale[n]);
            wrapped += wrap[m * N + n];
        }
    if (overflows)
        *overflows = wrapped;
out:
    free(tmp);
    free(xs);
    free(ws);
    free(y);
    free(acc);
    free(zw);
    free(wrap);
    return rc;
}
