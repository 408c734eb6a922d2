/* bench_trace.c - how long traces take to make and to read: a shapes-only
 * Llama-2-7B decode:256 trace (bitmod recipe; `anybit trace gen` and
 * ab_trace_read), and a full-values trace of one layer (synthetic weights
 * quantized with BitMoD's per-group selection, activations, expected
 * outputs) generated, read and verified.
 *
 * Prints figures (best of REPEATS for the shapes-only trace, one run for
 * the values); never fails on time.  Usage:
 *   bench_trace [MODEL] [REPEATS]      (default llama2-7b, 5)
 * Files go to $TMPDIR (default /tmp) and are removed afterwards.
 *
 * Needs anybit_sim: until CMakeLists.txt links the benchmarks with it (sim/
 * on the include path), this file builds as a stub that says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "gemm.h"
#include "workload/trace.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fclose(f);
    return n;
}

/* `anybit trace gen ...` in-process; returns its exit status. */
static int gen(const char *model, const char *extra_a, const char *extra_b, const char *extra_c,
               const char *extra_d, const char *out)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"trace";
    argv[argc++] = (char *)"gen";
    argv[argc++] = (char *)"--model";
    argv[argc++] = (char *)model;
    argv[argc++] = (char *)"--recipe";
    argv[argc++] = (char *)"bitmod";
    argv[argc++] = (char *)"--phase";
    argv[argc++] = (char *)"decode:256";
    if (extra_a) {
        argv[argc++] = (char *)extra_a;
        argv[argc++] = (char *)extra_b;
        argv[argc++] = (char *)extra_c;
        argv[argc++] = (char *)extra_d;
    }
    argv[argc++] = (char *)"-o";
    argv[argc++] = (char *)out;
    argv[argc] = NULL;
    return cmd_trace(argc, argv);
}

int main(int argc, char **argv)
{
    const char *model = argc > 1 ? argv[1] : "llama2-7b";
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (repeats < 1)
        repeats = 1;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char shapes[512], full[512];
    snprintf(shapes, sizeof shapes, "%s/bench_trace_%ld_shapes.safetensors", tmp, (long)getpid());
    snprintf(full, sizeof full, "%s/bench_trace_%ld_full.safetensors", tmp, (long)getpid());

    double best_gen = 1e30, best_load = 1e30;
    size_t nops = 0;
    for (int r = 0; r < repeats; r++) {
        double t0 = now_s();
        if (gen(model, NULL, NULL, NULL, NULL, shapes) != 0)
            return 2;
        const double g = now_s() - t0;
        ab_trace t;
        ab_error err;
        t0 = now_s();
        if (ab_trace_read(shapes, &t, &err) != 0) {
            fprintf(stderr, "bench_trace: %s\n", err.msg);
            return 2;
        }
        const double l = now_s() - t0;
        nops = t.nops;
        ab_trace_free(&t);
        best_gen = g < best_gen ? g : best_gen;
        best_load = l < best_load ? l : best_load;
    }
    printf("shapes-only %s decode:256 bitmod: %zu ops, %ld bytes\n", model, nops,
           file_size(shapes));
    printf("  generate + write   %9.3f ms  (best of %d)\n", 1e3 * best_gen, repeats);
    printf("  read + validate    %9.3f ms  (best of %d)\n", 1e3 * best_load, repeats);

    /* one layer with values: every linear of layers.0 (attention stays
     * shapes-only in format 1.x) */
    double t0 = now_s();
    if (gen(model, "--values", "synthetic", "--ops", "layers.0.*", full) != 0)
        return 2;
    const double g = now_s() - t0;
    ab_trace t;
    ab_error err;
    t0 = now_s();
    if (ab_trace_read(full, &t, &err) != 0) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 2;
    }
    const double l = now_s() - t0;
    size_t with = 0;
    double weights = 0.0;
    t0 = now_s();
    for (size_t i = 0; i < t.nops; i++) {
        if (!ab_trace_op_has_values(&t, i))
            continue;
        with++;
        weights += (double)(t.ops[i].op.N * t.ops[i].op.K);
        float *w = malloc((size_t)(t.ops[i].op.N * t.ops[i].op.K) * sizeof *w);
        if (!w || ab_trace_dequant_weights(&t, i, w, &err) != 0) {
            fprintf(stderr, "bench_trace: %s\n", w ? err.msg : "out of memory");
            free(w);
            return 2;
        }
        free(w);
    }
    const double d = now_s() - t0;
    printf("full values, layers.0 of %s decode:256 bitmod: %zu ops with values, %.1f M weights, "
           "%ld bytes\n", model, with, weights / 1e6, file_size(full));
    printf("  generate + write   %9.3f ms  (synthesis, BitMoD selection, packing, outputs)\n",
           1e3 * g);
    printf("  read + validate    %9.3f ms\n", 1e3 * l);
    printf("  dequantize weights %9.3f ms\n", 1e3 * d);
    ab_trace_free(&t);
    remove(shapes);
    remove(full);
    return 0;
}
