/* bench_limits.c - this host's limits, the yardsticks of the kernel
 * benchmarks (bench/limits.h): the in-L1 AND+popcount rate of one core on
 * every SIMD path it has, and its stream-style copy bandwidth.
 *
 * Usage: bench_limits [SECONDS_PER_PATH]   (default 1)
 */
#include <stdio.h>
#include <stdlib.h>

#include "limits.h"

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    printf("bench_limits: one core; in-L1 AND+popcount (2 KiB operands, eight accumulators), "
           "binary ops = 2 per bit pair\n");
    printf("reproduce: make bench  (or: build/bench_limits %g after make build)\n", seconds);
    printf("best SIMD path on this CPU: %s\n", ab_simd_name(ab_simd_best()));
    printf("%-8s %22s %22s\n", "path", "compute_binary_TOPS", "stream_binary_TOPS");
    for (unsigned p = 0; p < AB_SIMD_PATHS; p++) {
        const double t = seconds > 0 ? seconds : 1.0;
        const double c = bench_popc_limit((ab_simd_path)p, BENCH_LIMIT_COMPUTE, t);
        const double s = bench_popc_limit((ab_simd_path)p, BENCH_LIMIT_STREAM, t);
        if (c > 0)
            printf("%-8s %22.4f %22.4f\n", ab_simd_name((ab_simd_path)p), c * 1e-12, s * 1e-12);
        else
            printf("%-8s %22s\n", ab_simd_name((ab_simd_path)p), "(not on this CPU)");
    }
    printf("(compute: one operand in registers, 8 ANDs per load, the ceiling of a blocked "
           "kernel; stream: two loads per AND)\n");
    const double bw = bench_copy_bandwidth(5);
    if (bw > 0)
        printf("copy bandwidth (64 MiB, read + write, best of 5): %.2f GB/s\n", bw * 1e-9);
    else
        printf("copy bandwidth: could not allocate 2 x 64 MiB\n");
    return 0;
}
