/* gemm.c - the exact reference GEMM (gemm.h): double accumulation in
 * ascending k, one rounding to float at the end. */
#include "gemm.h"

void ab_gemm_ref(const float *act, const float *w, float *out, size_t M, size_t N, size_t K)
{
    for (size_t m = 0; m < M; m++) {
        const float *a = act + m * K;
        size_t n = 0;
        /* four outputs at once: four independent sums, each still in
         * ascending k, so that the adder's latency is not the limit */
        for (; n + 4 <= N; n += 4) {
            const float *b0 = w + n * K, *b1 = b0 + K, *b2 = b1 + K, *b3 = b2 + K;
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
            for (size_t k = 0; k < K; k++) {
                const double x = (double)a[k];
                s0 += x * (double)b0[k];
                s1 += x * (double)b1[k];
                s2 += x * (double)b2[k];
                s3 += x * (double)b3[k];
            }
            out[m * N + n] = (float)s0;
            out[m * N + n + 1] = (float)s1;
            out[m * N + n + 2] = (float)s2;
            out[m * N + n + 3] = (float)s3;
        }
        for (; n < N; n++) {
            const float *b = w + n * K;
            double acc = 0.0;
            for (size_t k = 0; k < K; k++)
                acc += (double)a[k] * (double)b[k];
            out[m * N + n] = (float)acc;
        }
    }
}
