/* bench_sweep.c - sweep throughput: 1008 design points of Llama-2-7B
 * decode:256 in fast mode (weight format x group size x array shape x
 * weight buffer x DRAM, BitMoD PE), run with 1 and with 2 worker threads,
 * with the accuracy estimate (the default) and without it;
 * prints points/s of each (materializing the point inputs, simulating,
 * writing the point files and the results).  Files go to $TMPDIR (default
 * /tmp) and are removed.  Never fails on time.  Usage: bench_sweep */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sweep/sweep.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const char k_space[] =
    "name: bench-decode\n"
    "base: {config: bitmod, model: llama2-7b, recipe: bitmod, phase: 'decode:256'}\n"
    "axes:\n"
    "  - {field: recipe.weights.format, values: [int2, int3, int4, int5, int6, int7, int8]}\n"
    "  - {field: recipe.weights.group_size, values: [32, 64, 128, 256]}\n"
    "  - zip:\n"
    "      - {field: config.array.rows, values: [32, 64, 128]}\n"
    "      - {field: config.array.cols, values: [32, 16, 8]}\n"
    "  - {field: config.buffers.weight.kb, range: {from: 128, to: 1024, factor: 2}}\n"
    "  - {field: config.dram.preset, values: [bitmod, ddr4-3200, lpddr5]}\n";

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char base[512], spec[600];
    snprintf(base, sizeof base, "%s/anybit-bench-sweep-%d", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    snprintf(spec, sizeof spec, "%s.yaml", base);
    FILE *f = fopen(spec, "w");
    if (!f || fputs(k_space, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "bench_sweep: cannot write %s\n", spec);
        return 2;
    }
    ab_sweep_spec s;
    ab_error e;
    if (ab_sweep_load(spec, &s, &e) != 0) {
        fprintf(stderr, "bench_sweep: %s\n", e.msg);
        return 2;
    }
    printf("sweep of %zu points: Llama-2-7B decode:256, fast mode, BitMoD PE\n", s.npoints);
    int rc = 0;
    for (int acc = 0; acc < 2 && rc == 0; acc++) {
        s.accuracy.off = acc == 1;
        printf(" accuracy estimate %s:\n", acc ? "off" : "on (the default)");
        for (unsigned jobs = 1; jobs <= 2 && rc == 0; jobs++) {
            char dir[600], cmd[700];
            snprintf(dir, sizeof dir, "%s-a%d-j%u", base, acc, jobs);
            ab_sweep_opts o = {0};
            o.dir = dir;
            o.jobs = jobs;
            o.shard_n = 1;
            ab_sweep_summary sum;
            const double t0 = now_s();
            if (ab_sweep_run(&s, &o, &sum, &e) != 0) {
                fprintf(stderr, "bench_sweep: %s\n", e.msg);
                rc = 2;
            } else {
                const double dt = now_s() - t0;
                printf("  -j %u: %zu points (%zu ok, %zu dropped) in %.2f s = %.0f points/s\n",
                       jobs, sum.ran, sum.ok, sum.dropped, dt, (double)sum.ran / dt);
            }
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
            if (system(cmd) != 0)
                fprintf(stderr, "bench_sweep: could not remove %s\n", dir);
        }
    }
    remove(spec);
    ab_sweep_free(&s);
    return rc;
}
