/* bench_bitplane.c - single-core throughput of the bit-plane (binary tensor
 * core) GEMM of ABQ-LLM (AAAI 2025, bytedance/ABQ-LLM), kernels/gemm_bitplane.h,
 * for W4A4, W2A8 and W8A8 (signed codes) at M = 1, 8, 64, N = K = 4096.
 *
 * Prints, per case, the best of a few repeats of ab_bp_gemm (packing not
 * timed):
 *   effective integer GOPS = 2*M*N*K / s
 *   binary TOPS            = 2*(q*M)*(p*N)*K / s   (AND+popcount bit ops)
 * Never fails on time.  Usage:
 *   bench_bitplane [N] [K] [REPEATS]     (default 4096 4096 3)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gemm_bitplane.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

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
    if (N < 1)
        N = 1;
    if (K < 1)
        K = 1;
    if (repeats < 1)
        repeats = 1;

    static const struct {
        const char *label;
        unsigned p, q; /* weight bits, activation bits */
    } cases[] = {{"W4A4", 4, 4}, {"W2A8", 2, 8}, {"W8A8", 8, 8}};
    static const size_t Ms[] = {1, 8, 64};

    printf("bench_bitplane: bit-plane GEMM (ABQ-LLM), one core, signed codes, N=%zu K=%zu, "
           "best of %d\n",
           N, K, repeats);
    printf("reproduce: make bench  (or: build/bench_bitplane %zu %zu %d after make build)\n", N, K,
           repeats);
    printf("%-6s %5s %12s %12s %14s %12s\n", "case", "M", "time_ms", "int_GOPS", "binary_TOPS",
           "tile_mmas");

    int status = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const unsigned p = cases[c].p, q = cases[c].q;
        uint64_t *w = random_operand(N, K, p, 1000 + c);
        for (size_t mi = 0; mi < sizeof Ms / sizeof Ms[0] && w; mi++) {
            const size_t M = Ms[mi];
            uint64_t *x = random_operand(M, K, q, 2000 + 10 * c + mi);
            int64_t *y = malloc(M * N * sizeof *y);
            if (!x || !y) {
                fprintf(stderr, "bench_bitplane: out of memory\n");
                free(x), free(y);
                status = 1;
                break;
            }
            const ab_bp_matrix xm = ab_bp_matrix_of(x, M, K, q, AB_BP_SIGNED);
            const ab_bp_matrix wm = ab_bp_matrix_of(w, N, K, p, AB_BP_SIGNED);
            double best = 1e30;
            ab_error err = {{0}};
            for (int r = 0; r < repeats; r++) {
                const double t0 = now_s();
                if (ab_bp_gemm(&xm, &wm, y, NULL, &err) != 0) {
                    fprintf(stderr, "bench_bitplane: %s\n", err.msg);
                    status = 1;
                    break;
                }
                const double t = now_s() - t0;
                best = t < best ? t : best;
            }
            const double ops = 2.0 * (double)M * (double)N * (double)K;
            const double bops = 2.0 * (double)(q * M) * (double)(p * N) * (double)K;
            printf("%-6s %5zu %12.3f %12.2f %14.4f %12llu\n", cases[c].label, M, best * 1e3,
                   ops / best * 1e-9, bops / best * 1e-12,
                   (unsigned long long)ab_bp_tile_mmas(M, N, K, p, q, 8, 8, 128));
            free(x), free(y);
        }
        if (!w) {
            fprintf(stderr, "bench_bitplane: out of memory\n");
            status = 1;
        }
        free(w);
    }
    printf("(tile_mmas: binary m8n8k128 tile MMAs, ceil(qM/8)*ceil(pN/8)*ceil(K/128))\n");
    return status;
}
