/* bench_accuracy.c - what the accuracy estimate costs (docs/performance.md
 * "Accuracy estimate"):
 *   1. a decode sweep point with and without it: 21 points of Llama-2-7B
 *      decode:256 on the BitMoD PE, weight format int2..int8 x group size
 *      32/64/128 (every point a recipe of its own, so no point reuses
 *      another's estimate), one worker thread, the same space with
 *      `accuracy: {enabled: false}` and with the default estimate, each run
 *      REPEATS times alternately; prints the fastest time per point of each
 *      and their ratio (the target: at most 2);
 *   2. the whole-Llama-2-7B `anybit compare` of the five presets (bitmod,
 *      fp16, ant, olive, btc) at decode:256, with the default (sampled)
 *      estimate and with --no-accuracy, each once;
 *   3. the estimator's spread over seeds on one op (seed_spread).
 * Run it on one core: taskset -c 0 build/bench_accuracy [REPEATS]
 * (default 3).  Files go to $TMPDIR (default /tmp) and are removed.  Never
 * fails on time. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "accuracy/accuracy.h"
#include "sweep/sweep.h"
#include "workload/workload.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const char k_space[] =
    "name: bench-accuracy\n"
    "base: {config: bitmod, model: llama2-7b, recipe: bitmod, phase: 'decode:256'}\n"
    "axes:\n"
    "  - {field: recipe.weights.format, values: [int2, int3, int4, int5, int6, int7, int8]}\n"
    "  - {field: recipe.weights.group_size, values: [32, 64, 128]}\n";

/* One sweep of the space (with `extra` appended) into a fresh directory:
 * its wall time, or a negative number on failure. */
static double time_sweep(const char *base, const char *tag, const char *extra, size_t *points)
{
    char spec[600], dir[600], cmd[1300];
    snprintf(spec, sizeof spec, "%s-%s.yaml", base, tag);
    snprintf(dir, sizeof dir, "%s-%s", base, tag);
    FILE *f = fopen(spec, "w");
    if (!f || fputs(k_space, f) < 0 || fputs(extra, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "bench_accuracy: cannot write %s\n", spec);
        return -1;
    }
    ab_sweep_spec s;
    ab_error e;
    if (ab_sweep_load(spec, &s, &e) != 0) {
        fprintf(stderr, "bench_accuracy: %s\n", e.msg);
        return -1;
    }
    ab_sweep_opts o;
    memset(&o, 0, sizeof o);
    o.dir = dir;
    o.jobs = 1;
    o.shard_n = 1;
    ab_sweep_summary sum;
    const double t0 = now_s();
    const int rc = ab_sweep_run(&s, &o, &sum, &e);
    const double dt = now_s() - t0;
    *points = sum.ok;
    ab_sweep_free(&s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, spec);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_accuracy: could not remove %s\n", dir);
    if (rc != 0) {
        fprintf(stderr, "bench_accuracy: %s\n", e.msg);
        return -1;
    }
    return dt;
}

static double time_compare(bool accuracy)
{
    char *argv[] = {"compare", "--configs", "bitmod,fp16,ant,olive,btc", "--model", "llama2-7b",
                    "--phase", "decode:256", "--no-accuracy", NULL};
    const int argc = accuracy ? 7 : 8;
    /* the comparison table is not the figure: stdout to /dev/null meanwhile */
    fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    FILE *null = fopen("/dev/null", "w");
    if (saved < 0 || !null || dup2(fileno(null), STDOUT_FILENO) < 0)
        return -1;
    const double t0 = now_s();
    const int rc = cmd_compare(argc, argv);
    const double dt = now_s() - t0;
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    fclose(null);
    return rc == 0 ? dt : -1;
}

/* The estimator's spread: one op of Llama-2-7B decode (the bitmod recipe's
 * layers.0.mlp.down_proj, N 4096, K 11008, bitmod_fp4_mix g128 int6,
 * fp16 activations) estimated with SEEDS seeds at several sample sizes;
 * prints the mean and standard deviation over seeds of its weight and
 * output SQNR (the standard error of one estimate). */
static int seed_spread(void)
{
    ab_op_list ops;
    ab_error e;
    if (ab_workload_expand("llama2-7b", "bitmod", "decode:256", 1, &ops, &e) != 0) {
        fprintf(stderr, "bench_accuracy: %s\n", e.msg);
        return -1;
    }
    const ab_op *op = NULL;
    for (size_t i = 0; i < ops.n && !op; i++)
        if (strcmp(ops.ops[i].name, "layers.0.mlp.down_proj") == 0)
            op = &ops.ops[i];
    enum { SEEDS = 20 };
    static const uint32_t rows[] = {1, 4, 16, 64};
    printf("estimator spread over %d seeds, %s (N %llu, K %llu, %s g%u %s, act %s), %u tokens:\n",
           SEEDS, op ? op->name : "?", op ? (unsigned long long)op->N : 0ull,
           op ? (unsigned long long)op->K : 0ull, op ? op->weight_format : "",
           op ? op->group_size : 0u, op ? op->scale_format : "", op ? op->act_format : "",
           AB_ACCURACY_TOKENS);
    printf("  %6s %22s %22s\n", "rows", "weight SQNR dB (sd)", "output SQNR dB (sd)");
    int rc = op ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < sizeof rows / sizeof rows[0]; k++) {
        double sw = 0, sw2 = 0, so = 0, so2 = 0;
        for (uint64_t seed = 1; rc == 0 && seed <= SEEDS; seed++) {
            ab_op_accuracy a;
            if (ab_accuracy_op(op, rows[k], seed, NULL, 0, NULL, &a, &e) != 0) {
                fprintf(stderr, "bench_accuracy: %s\n", e.msg);
                rc = -1;
                break;
            }
            sw += a.weight_sqnr_db;
            sw2 += a.weight_sqnr_db * a.weight_sqnr_db;
            so += a.output_sqnr_db;
            so2 += a.output_sqnr_db * a.output_sqnr_db;
        }
        const double mw = sw / SEEDS, mo = so / SEEDS;
        printf("  %6u %14.3f (%5.3f) %14.3f (%5.3f)\n", rows[k], mw,
               sqrt(fmax(0, sw2 / SEEDS - mw * mw) * SEEDS / (SEEDS - 1)), mo,
               sqrt(fmax(0, so2 / SEEDS - mo * mo) * SEEDS / (SEEDS - 1)));
    }
    ab_op_list_free(&ops);
    return rc;
}

int main(int argc, char **argv)
{
    const int repeats = argc > 1 ? atoi(argv[1]) : 3;
    if (repeats < 1) {
        fprintf(stderr, "usage: bench_accuracy [REPEATS >= 1]\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char base[512];
    snprintf(base, sizeof base, "%s/anybit-bench-accuracy-%d", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    double best_off = 1e30, best_on = 1e30;
    size_t points = 0;
    for (int r = 0; r < repeats; r++) {
        const double off = time_sweep(base, "off", "accuracy: {enabled: false}\n", &points);
        const double on = time_sweep(base, "on", "", &points);
        if (off < 0 || on < 0)
            return 2;
        best_off = off < best_off ? off : best_off;
        best_on = on < best_on ? on : best_on;
    }
    printf("decode sweep point (Llama-2-7B decode:256, BitMoD PE, %zu points, one thread, best of "
           "%d):\n", points, repeats);
    printf("  without the accuracy estimate: %.2f ms per point\n", 1e3 * best_off / (double)points);
    printf("  with it (%u rows x %u tokens per op): %.2f ms per point\n",
           AB_ACCURACY_SAMPLE_DEFAULT, AB_ACCURACY_TOKENS, 1e3 * best_on / (double)points);
    printf("  ratio: %.2f (target: at most 2)\n", best_on / best_off);
    fflush(stdout);
    const double c_on = time_compare(true), c_off = time_compare(false);
    printf("whole Llama-2-7B compare, 5 presets (bitmod,fp16,ant,olive,btc), decode:256:\n"
           "  with the accuracy estimate: %.2f s\n  --no-accuracy: %.2f s\n", c_on, c_off);
    fflush(stdout);
    const int spread = seed_spread();
    return c_on < 0 || c_off < 0 || spread != 0 ? 2 : 0;
}
