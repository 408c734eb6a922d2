/* bench_bitplane.c - throughput of the bit-plane (binary tensor core) GEMM
 * of ABQ-LLM (AAAI 2025, bytedance/ABQ-LLM), kernels/gemm_bitplane.h, for
 * W4A4, W2A8 and W8A8 (signed codes) at M = 1, 8, 64, N = K = 4096, on the
 * SIMD path ANYBIT_SIMD names (default: the best this CPU has).
 *
 * Prints, per case, the best of a few repeats of ab_bp_gemm_zp_on (packing
 * not timed):
 *   effective integer GOPS = 2*M*N*K / s
 *   binary TOPS            = 2*(q*M)*(p*N)*K / s   (AND+popcount bit ops)
 *   of_limit               binary TOPS / this core's in-L1 AND+popcount
 *                          ceiling on the same path, measured at the start
 *                          of the same run (bench/limits.h)
 *   TOPS_j2, j2_speedup    the same product split over two threads, each
 *                          one half of W's rows (N/2), on two cores
 * Never fails on time.  Usage:
 *   bench_bitplane [N] [K] [REPEATS]     (default 4096 4096 3)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gemm_bitplane.h"
#include "limits.h"

/* splitmix64: seeded codes, the same every run */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* packed random operand of rows x k codes of `bits` bits; NULL on OOM */
static uint64_t *random_operand(size_t rows, size_t k, unsigned bits, uint64_t seed)
{
    uint8_t *codes = malloc(rows * k);
    uint64_t *words = malloc(ab_bp_packed_words(rows, k, bits) * sizeof *words);
    if (!codes || !words) {
        free(codes), free(words);
        return NULL;
    }
    for (size_t i = 0; i < rows * k; i++)
        codes[i] = (uint8_t)(next_u64(&seed) & ((1u << bits) - 1u));
    ab_bp_pack(codes, rows, k, bits, words);
    free(codes);
    return words;
}

typedef struct gemm_job {
    ab_simd_path path;
    ab_bp_matrix x, w;
    int64_t *y;
    int status;
} gemm_job;

static void *gemm_thread(void *arg)
{
    gemm_job *j = arg;
    ab_error err = {{0}};
    j->status = ab_bp_gemm_zp_on(j->path, &j->x, &j->w, NULL, NULL, j->y, NULL, &err);
    if (j->status)
        fprintf(stderr, "bench_bitplane: %s\n", err.msg);
    return NULL;
}

/* best seconds of `repeats` runs of the jobs, one thread each; -1 on error */
static double time_jobs(gemm_job *jobs, int n, int repeats)
{
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        pthread_t th[2];
        const double t0 = bench_now_s();
        if (n == 1) {
            gemm_thread(&jobs[0]);
        } else {
            for (int i = 0; i < n; i++)
                if (pthread_create(&th[i], NULL, gemm_thread, &jobs[i]) != 0)
                    return -1;
            for (int i = 0; i < n; i++)
                pthread_join(th[i], NULL);
        }
        const double t = bench_now_s() - t0;
        for (int i = 0; i < n; i++)
            if (jobs[i].status)
                return -1;
        best = t < best ? t : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    size_t N = 4096, K = 4096;
    int repeats = 3;
    if (argc > 1)
        N = (size_t)strtoull(argv[1], NULL, 10);
    if (argc > 2)
        K = (size_t)strtoull(argv[2], NULL, 10);
    if (argc > 3)
        repeats = atoi(argv[3]);
    if (N < 2)
        N = 2;
    if (K < 1)
        K = 1;
    if (repeats < 1)
        repeats = 1;

    static const struct {
        const char *label;
        unsigned p, q; /* weight bits, activation bits */
    } cases[] = {{"W4A4", 4, 4}, {"W2A8", 2, 8}, {"W8A8", 8, 8}};
    static const size_t Ms[] = {1, 8, 64};

    const ab_simd_path path = ab_simd_active();
    const double limit = bench_popc_limit(path, BENCH_LIMIT_COMPUTE, 1.0);
    printf("bench_bitplane: bit-plane GEMM (ABQ-LLM), signed codes, N=%zu K=%zu, best of %d, "
           "SIMD path %s (best on this CPU: %s)\n",
           N, K, repeats, ab_simd_name(path), ab_simd_name(ab_simd_best()));
    printf("this core's in-L1 AND+popcount ceiling on %s, measured now: %.4f binary TOPS\n",
           ab_simd_name(path), limit * 1e-12);
    printf("reproduce: make bench  (or: [ANYBIT_SIMD=scalar|avx2|avx512] build/bench_bitplane %zu "
           "%zu %d after make build)\n",
           N, K, repeats);
    printf("%-6s %5s %10s %10s %12s %9s %10s %10s %11s\n", "case", "M", "time_ms", "int_GOPS",
           "binary_TOPS", "of_limit", "TOPS_j2", "j2_speedup", "tile_mmas");

    int status = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0] && !status; c++) {
        const unsigned p = cases[c].p, q = cases[c].q;
        /* W whole for one thread, and its two halves of rows for two */
        const size_t n0 = N / 2, n1 = N - n0;
        uint64_t *w = random_operand(N, K, p, 1000 + c);
        uint64_t *w0 = random_operand(n0, K, p, 3000 + c);
        uint64_t *w1 = random_operand(n1, K, p, 4000 + c);
        for (size_t mi = 0; mi < sizeof Ms / sizeof Ms[0] && w && w0 && w1; mi++) {
            const size_t M = Ms[mi];
            uint64_t *x = random_operand(M, K, q, 2000 + 10 * c + mi);
            int64_t *y = malloc(M * N * sizeof *y);
            if (!x || !y) {
                free(x), free(y);
                status = 1;
                break;
            }
            const ab_bp_matrix xm = ab_bp_matrix_of(x, M, K, q, AB_BP_SIGNED);
            gemm_job one = {path, xm, ab_bp_matrix_of(w, N, K, p, AB_BP_SIGNED), y, 0};
            gemm_job two[2] = {{path, xm, ab_bp_matrix_of(w0, n0, K, p, AB_BP_SIGNED), y, 0},
                               {path, xm, ab_bp_matrix_of(w1, n1, K, p, AB_BP_SIGNED),
                                y + M * n0, 0}};
            const double best = time_jobs(&one, 1, repeats);
            const double best2 = time_jobs(two, 2, repeats);
            free(x), free(y);
            if (best < 0 || best2 < 0) {
                status = 1;
                break;
            }
            const double ops = 2.0 * (double)M * (double)N * (double)K;
            const double bops = 2.0 * (double)(q * M) * (double)(p * N) * (double)K;
            printf("%-6s %5zu %10.3f %10.2f %12.4f %8.0f%% %10.4f %10.2f %11llu\n",
                   cases[c].label, M, best * 1e3, ops / best * 1e-9, bops / best * 1e-12,
                   limit > 0 ? 100.0 * bops / best / limit : 0.0, bops / best2 * 1e-12,
                   best / best2, (unsigned long long)ab_bp_tile_mmas(M, N, K, p, q, 8, 8, 128));
        }
        if (!w || !w0 || !w1) {
            fprintf(stderr, "bench_bitplane: out of memory\n");
            status = 1;
        }
        free(w), free(w0), free(w1);
    }
    printf("(tile_mmas: binary m8n8k128 tile MMAs, ceil(qM/8)*ceil(pN/8)*ceil(K/128))\n");
    return status;
}
