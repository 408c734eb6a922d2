/* bench_values.c - single-core throughput of the bit-exact value paths
 * (sim/values/): each PE kind's datapath (the one `anybit run --trace`
 * steps) and its kernels/ model, on one Llama-2-7B linear layer with
 * synthetic values (`anybit trace gen --values synthetic`, made in-process,
 * not timed), on the SIMD path ANYBIT_SIMD names (default: the best).
 *
 * Prints M MAC/s = M*N*K / s per computation (best of REPEATS; decoding
 * the op from the trace is inside the timing, as in a run).  Never fails
 * on time.  Usage:
 *   bench_values [TOKENS] [REPEATS] [OP]   (default 4 2 layers.0.mlp.down_proj)
 * The trace files go to $TMPDIR (default /tmp) and are removed afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel/accel.h"
#include "cli/cli.h"
#include "limits.h"
#include "values/pe_values.h"
#include "workload/trace.h"

/* `anybit trace gen` in-process; its exit status */
static int gen(const char *recipe, const char *phase, const char *op, const char *out)
{
    char *argv[] = {(char *)"trace", (char *)"gen", (char *)"--model", (char *)"llama2-7b",
                    (char *)"--recipe", (char *)recipe, (char *)"--phase", (char *)phase,
                    (char *)"--values", (char *)"synthetic", (char *)"--ops", (char *)op,
                    (char *)"-o", (char *)out, NULL};
    return cmd_trace((int)(sizeof argv / sizeof argv[0]) - 1, argv);
}

typedef int (*value_fn)(const ab_accel *a, const ab_trace *t, size_t i, float *out);

static int run_datapath(const ab_accel *a, const ab_trace *t, size_t i, float *out)
{
    ab_error err = {{0}};
    if (ab_values_datapath(a, t, i, out, &err) == 0)
        return 0;
    fprintf(stderr, "bench_values: %s\n", err.msg);
    return -1;
}

static int run_model(const ab_accel *a, const ab_trace *t, size_t i, float *out)
{
    ab_error err = {{0}};
    if (ab_values_model(a, t, i, out, NULL, &err) == 0)
        return 0;
    fprintf(stderr, "bench_values: %s\n", err.msg);
    return -1;
}

/* best seconds of `repeats` runs; -1 on error */
static double best_of(value_fn f, const ab_accel *a, const ab_trace *t, size_t i, float *out,
                      int repeats)
{
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        const double t0 = bench_now_s();
        if (f(a, t, i, out) != 0)
            return -1;
        const double s = bench_now_s() - t0;
        best = s < best ? s : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    const int tokens = argc > 1 ? atoi(argv[1]) : 4;
    int repeats = argc > 2 ? atoi(argv[2]) : 2;
    const char *op = argc > 3 ? argv[3] : "layers.0.mlp.down_proj";
    if (tokens < 1 || tokens > 4096) {
        fprintf(stderr, "bench_values: TOKENS must be 1..4096\n");
        return 2;
    }
    if (repeats < 1)
        repeats = 1;
    char phase[32];
    snprintf(phase, sizeof phase, "prefill:%d", tokens);
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    static const struct {
        const char *config, *recipe;
    } kinds[] = {{"bitmod", "bitmod"}, {"fp16", "fp16"},      {"int8", "int8"},
                 {"ant", "ant"},       {"btc", "btc-w4a4"}, {"btc", "btc-w2a8"}};

    printf("bench_values: bit-exact value paths, one core, llama2-7b %s %s, best of %d, SIMD "
           "path %s\n",
           phase, op, repeats, ab_simd_name(ab_simd_active()));
    printf("reproduce: make bench  (or: [ANYBIT_SIMD=...] build/bench_values %d %d %s)\n", tokens,
           repeats, op);
    printf("%-8s %-10s %14s %12s %12s %12s %12s\n", "config", "recipe", "MACs", "datapath_s",
           "datapath_M/s", "model_s", "model_M/s");
    int status = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && !status; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/bench_values_%ld_%zu.safetensors", tmp, (long)getpid(), k);
        ab_error err = {{0}};
        ab_accel a;
        ab_trace t;
        if (gen(kinds[k].recipe, phase, op, path) != 0) {
            status = 1;
            break;
        }
        if (ab_accel_load(kinds[k].config, &a, &err) != 0 || ab_trace_read(path, &t, &err) != 0) {
            fprintf(stderr, "bench_values: %s\n", err.msg);
            unlink(path);
            status = 1;
            break;
        }
        unlink(path);
        for (size_t i = 0; i < t.nops && !status; i++) {
            if (!ab_values_present(&t, i))
                continue;
            const ab_op *o = &t.ops[i].op;
            const double macs = (double)o->M * (double)o->N * (double)o->K;
            float *out = malloc((size_t)(o->M * o->N) * sizeof *out);
            const double d = out ? best_of(run_datapath, &a, &t, i, out, repeats) : -1;
            const double m = out && d >= 0 ? best_of(run_model, &a, &t, i, out, repeats) : -1;
            free(out);
            if (d < 0 || m < 0) {
                status = 1;
                break;
            }
            printf("%-8s %-10s %14.0f %12.3f %12.1f %12.3f %12.1f\n", kinds[k].config,
                   kinds[k].recipe, macs, d, macs / d * 1e-6, m, macs / m * 1e-6);
        }
        ab_trace_free(&t);
    }
    return status;
}
