/* gemm.c - the exact reference GEMM (gemm.h): double accumulation in
 * ascending k, one rounding to float at the end. */
#include "gemm.h"

void ab_gemm_ref(const float *act, const float *w, float *out, size_t M, size_t N, size_t K)
{
    for (size_t m = 0; m < M; m++) {
        const float *a = act + m * K;
        for (size_t n = 0; n < N; n++) {
            const float *b = w + n * K;
            double acc = 0.0;
            for (size_t k = 0; k < K; k++)
                acc += (double)a[k] * (double)b[k];
            out[m * N + n] = (float)acc;
        }
    }
}
