/* gemm.h - the exact reference GEMM on decoded values.
 *
 * This is the numerical reference traces store as expected outputs and
 * `anybit trace verify` recomputes: it is NOT the datapath of any PE (the
 * PE models have their own accumulation orders and widths).
 *
 *   out[m][n] = (float) sum_{k = 0, 1, ..., K-1} (double)act[m][k] * (double)w[n][k]
 *
 * accumulated in double in ascending k and rounded once to float (RNE).
 * The product of two floats is exact in double; the sum is deterministic
 * because the order is fixed, so any implementation that follows this
 * order (C, NumPy with an explicit loop, PyTorch in float64 with a
 * sequential sum) reproduces it bit for bit.
 */
#ifndef AB_GEMM_H
#define AB_GEMM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* act[M][K], w[N][K] (row n is output channel n), out[M][N]. */
void ab_gemm_ref(const float *act, const float *w, float *out, size_t M, size_t N, size_t K);

#ifdef __cplusplus
}
#endif

#endif
