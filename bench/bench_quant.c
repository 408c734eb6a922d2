/* bench_quant.c - single-core throughput of the quantizers (ab_quantize) on
 * seeded Gaussian weights: plain int4 and fp4_e2m1 (group 128, FP16
 * scales), BitMoD's per-group type selection (group 128, INT8 scales) and
 * OliVe (per-tensor scale with its 88-step clipping search).
 *
 * Prints the best of a few repeats; never fails on time.  Usage:
 *   bench_quant [VALUES] [REPEATS]     (default 4194304 values, 3 repeats)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quant.h"
#include "synth.h"

/* plain Gaussian (std 0.02, no channel spread, no outliers) from the
 * project's seeded generator, so every run sees the same data */
static void gaussian(float *x, size_t n, uint64_t seed)
{
    const ab_synth_params p = {AB_SYNTH_GAUSSIAN, 0.02, 0.0, 0.0, 1.0};
    ab_synth_weights(&p, seed, x, 1, n);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct bench_case {
    const char *label;
    const char *format;
    ab_granularity gran;
    uint32_t group;
    ab_scale_kind scale;
    uint8_t scale_bits;
} bench_case;

int main(int argc, char **argv)
{
    size_t n = (size_t)1 << 22;
    int repeats = 3;
    if (argc > 1)
        n = (size_t)strtoull(argv[1], NULL, 10);
    if (argc > 2)
        repeats = atoi(argv[2]);
    const size_t cols = 4096;
    n = n < cols ? cols : n - n % cols;
    if (repeats < 1)
        repeats = 1;
    const size_t rows = n / cols;

    float *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "bench_quant: out of memory for %zu values\n", n);
        return 1;
    }
    gaussian(x, n, 20250101);

    static const bench_case cases[] = {
        {"int4 g128 fp16", "int4", AB_GRAN_GROUP, 128, AB_SCALE_FP16, 16},
        {"fp4_e2m1 g128 fp16", "fp4_e2m1", AB_GRAN_GROUP, 128, AB_SCALE_FP16, 16},
        {"bitmod_fp4_mix g128 int8", "bitmod_fp4_mix", AB_GRAN_GROUP, 128, AB_SCALE_INTK, 8},
        {"olive4 tensor fp16", "olive4", AB_GRAN_TENSOR, 0, AB_SCALE_FP16, 16},
    };

    printf("bench_quant: %zu seeded Gaussian values (%zu x %zu), best of %d, one core\n", n, rows,
           cols, repeats);
    printf("reproduce: make bench  (or: build/bench_quant %zu %d after make build)\n\n", n,
           repeats);
    printf("%-26s %10s %10s %12s %10s %9s\n", "format", "values", "seconds", "Mvalues/s",
           "bits/val", "SQNR dB");
    int status = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const bench_case *bc = &cases[c];
        ab_quant_spec spec;
        memset(&spec, 0, sizeof spec);
        snprintf(spec.format, sizeof spec.format, "%s", bc->format);
        spec.granularity = bc->gran;
        spec.group_size = bc->group;
        spec.scale = bc->scale;
        spec.scale_bits = bc->scale_bits;
        double best = INFINITY, bits = 0.0, sqnr = 0.0;
        for (int r = 0; r < repeats; r++) {
            ab_quant_result res;
            ab_error err;
            const double t0 = now_s();
            if (ab_quantize(&spec, x, rows, cols, &res, &err) != 0) {
                fprintf(stderr, "bench_quant: %s: %s\n", bc->label, err.msg);
                status = 1;
                break;
            }
            const double dt = now_s() - t0;
            best = dt < best ? dt : best;
            bits = res.bits_per_value;
            sqnr = res.sqnr_db;
            ab_quant_result_free(&res);
        }
        if (isfinite(best))
            printf("%-26s %10zu %10.4f %12.2f %10.4f %9.2f\n", bc->label, n, best,
                   (double)n / best / 1e6, bits, sqnr);
    }
    free(x);
    return status;
}
