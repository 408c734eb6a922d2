/* cmd_trace.c - `anybit trace gen|info|verify`: make a trace from the
 * model zoo and a recipe (optionally with seeded synthetic values), list a
 * trace's ops and byte counts, and recompute a full trace's expected outputs
 * with the reference GEMM (docs/trace-format.md). */
#include <cjson/cJSON.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "format.h"
#include "results/report.h"
#include "gemm.h"
#include "parallel.h"
#include "quant.h"
#include "synth.h"
#include "workload/trace.h"
#include "workload/workload.h"

/* Above this many bytes of values gen warns that the file gets big. */
#define VALUES_WARN_BYTES (256.0 * 1024 * 1024)
#define SEED_STEP 0x9E3779B97F4A7C15ull
/* gen -j: a window of ops made at once holds at most this many bytes of
 * made values (beyond one op, which is always made), and at most
 * GEN_WINDOW_OPS ops. */
#define GEN_WINDOW_BYTES (2048.0 * 1024 * 1024)
#define GEN_WINDOW_OPS 64

static void usage_main(FILE *out)
{
    fprintf(out,
            "usage: anybit trace <gen|info|verify> [options]   (anybit trace CMD --help)\n\n"
            "  gen      expand a model for a phase under a recipe into a trace file\n"
            "  info     list a trace's ops, formats, weight/activation bytes and MACs\n"
            "  verify   recompute a full trace's expected outputs from its codes, scales\n"
            "           and activations with the reference GEMM (exit 1 on a mismatch)\n\n"
            "Format: docs/trace-format.md.\n");
}

static void usage_gen(FILE *out)
{
    fprintf(out,
            "usage: anybit trace gen --model M --recipe R --phase P [options] -o FILE\n\n"
            "  --model M          zoo name (llama2-7b) or a model YAML path\n"
            "  --recipe R         preset (recipes/R.yaml: bitmod, bitmod-w3, ant, ant5, olive,\n"
            "                     fp16, int8, btc-w4a4, btc-w2a8) or a recipe YAML path\n"
            "  --phase P          prefill:L (L tokens) or decode:C (one token, context C)\n"
            "  --batch B          batch size (default 1)\n"
            "  --allow-long-context  a phase beyond the model's max_context is an error\n"
            "                     unless this is given\n"
            "  --values V         none (default: shapes only) or synthetic\n"
            "  --seed S           seed of the synthetic values, 0..2^53 (default 1)\n"
            "  --ops PATTERN      only ops whose name matches PATTERN (shell glob, e.g.\n"
            "                     'layers.0.*') get values; the others stay shapes-only\n"
            "  --max-ops N        at most N ops get values (the first N that can)\n"
            "  -j N               ops quantized at once (1..256, default: every core);\n"
            "                     the file is the same for every N\n"
            "  -o, --output FILE  the trace (written atomically)\n\n"
            "Synthetic values: weights from a Gaussian (std 0.02) with a log-normal\n"
            "per-channel spread (sigma 0.3) and 0.1%% outliers at 10x, activations from a\n"
            "standard Gaussian, seeded per op (seed + (2i+1) x 0x9E3779B97F4A7C15 for the\n"
            "weights of op i, + (2i+2) x ... for its activations).  Weights are quantized\n"
            "with the op's formats; expected outputs come from the reference GEMM.  Ops\n"
            "with integer activations (intN, uintN, bin) get the float activations as F32\n"
            "(the PE quantizes them per token; trace format 1.1).  Attention and OliVe\n"
            "ops stay shapes-only.  Values of a whole LLM are gigabytes: use --ops or\n"
            "--max-ops.\n");
}

static void usage_info(FILE *out)
{
    fprintf(out, "usage: anybit trace info FILE [--json OUT]\n\n"
                 "One row per op: kind, M, N, K, count, formats (weight/act/acc, scale, group),\n"
                 "weight bytes as stored (codes + scales + type ids over distinct operands),\n"
                 "activation bytes (M x K x count at the activation width), MACs, and whether\n"
                 "the op carries values; totals at the end.  --json OUT writes the same as\n"
                 "JSON (OUT '-': that document alone on stdout, the table on stderr).\n");
}

static void usage_verify(FILE *out)
{
    fprintf(out, "usage: anybit trace verify FILE\n\n"
                 "For every op with expected outputs, dequantize the weights from the stored\n"
                 "codes and scales, decode the activations, run the reference GEMM (double\n"
                 "accumulation in ascending k, one rounding to float) and compare bit for bit.\n"
                 "Exit status: 0 all agree (or nothing to verify), 1 a mismatch, 2 bad input.\n");
}

/* ---- gen ---------------------------------------------------------------- */

typedef struct gen_opts {
    const char *model, *recipe, *phase, *out, *ops_pattern;
    uint32_t batch;
    bool values;
    bool allow_long_context;
    uint64_t seed;
    size_t max_ops; /* SIZE_MAX: no limit */
    unsigned jobs;  /* -j: ops quantized at once */
} gen_opts;

/* Activations (and so expected outputs) are stored for these only: float
 * formats as themselves, integer ones as the floats the PE quantizes
 * (trace format 1.1). */
static bool act_storable(const ab_op *op)
{
    ab_dtype d;
    bool pe_quantized;
    return ab_trace_act_storage(op->act_format, &d, &pe_quantized) == 0;
}

/* Bytes one activation takes in the file. */
static double act_stored_bytes(const ab_op *op)
{
    ab_dtype d;
    bool pe_quantized;
    return ab_trace_act_storage(op->act_format, &d, &pe_quantized) == 0
               ? (double)ab_dtype_size(d) : 0.0;
}

/* Why op o cannot carry weight values in format 1.x (NULL: it can). */
static const char *values_obstacle(const ab_op *op)
{
    if (op->kind != AB_OP_GEMM && op->kind != AB_OP_CONV)
        return "attention ops are shapes-only";
    if (strncmp(op->weight_format, "olive", 5) == 0)
        return "OliVe weights";
    if (op->group_size && op->K % op->group_size != 0)
        return "group size does not divide K";
    return NULL;
}

/* One op's synthetic values, made apart from the trace so that several
 * ops can be made at once (gen -j): the weights quantized, the float
 * activations kept for the trace.  Reads t, writes only the job. */
typedef struct values_job {
    const ab_trace *t;
    size_t i;
    uint64_t seed;
    float *act;           /* [M][K], or NULL when the op stores none */
    ab_quant_result q;
    bool quantized;
    int rc;
    ab_error err;
} values_job;

static void *values_job_make(void *arg)
{
    values_job *j = arg;
    const ab_op *op = &j->t->ops[j->i].op;
    const size_t M = (size_t)op->M, N = (size_t)op->N, K = (size_t)op->K;
    j->rc = -1;
    ab_quant_spec spec;
    if (ab_op_quant_spec(op, false, &spec, &j->err) != 0)
        return NULL;
    float *w = malloc(N * K * sizeof *w);
    j->act = malloc(M * K * sizeof *j->act);
    if (!w || !j->act) {
        ab_error_set(&j->err, "op '%s': out of memory for %zu x %zu weights", op->name, N, K);
        free(w);
        return NULL;
    }
    const ab_synth_params wp = ab_synth_defaults();
    const ab_synth_params ap = {AB_SYNTH_GAUSSIAN, 1.0, 0.0, 0.0, 1.0};
    ab_synth_weights(&wp, j->seed + (2 * (uint64_t)j->i + 1) * SEED_STEP, w, N, K);
    ab_synth_weights(&ap, j->seed + (2 * (uint64_t)j->i + 2) * SEED_STEP, j->act, M, K);
    ab_error e2;
    if (ab_quantize(&spec, w, N, K, &j->q, &e2) != 0) {
        ab_error_set(&j->err, "op '%s': %s", op->name, e2.msg);
    } else {
        j->quantized = true;
        j->rc = 0;
    }
    free(w);
    return NULL;
}

static void values_job_free(values_job *j)
{
    if (j->quantized)
        ab_quant_result_free(&j->q);
    free(j->act);
    j->act = NULL;
    j->quantized = false;
}

/* A worker of gen -j: the window ops it makes, one after the other. */
typedef struct values_worker {
    values_job *ops[GEN_WINDOW_OPS];
    unsigned n;
} values_worker;

static void *values_worker_run(void *arg)
{
    values_worker *w = arg;
    for (unsigned k = 0; k < w->n; k++)
        values_job_make(w->ops[k]);
    return NULL;
}

/* Bytes an op's made values hold until they are stored: the codes and the
 * dequantized weights (4 + 4 per weight) and the float activations. */
static double made_bytes(const ab_op *op)
{
    return 8.0 * (double)(op->N * op->K) + 4.0 * (double)(op->M * op->K);
}

/* Shares the window's n ops among min(jobs, n) workers, longest processing
 * time first: ops by size in weights, largest first (a stable order, so
 * ties keep op order), each to the least loaded worker (ties to the lower
 * one).  A fixed schedule; returns the workers used. */
static unsigned schedule_longest_first(const ab_trace *t, values_job *job, unsigned n,
                                       unsigned jobs, values_worker *worker)
{
    unsigned order[GEN_WINDOW_OPS];
    for (unsigned k = 0; k < n; k++)
        order[k] = k;
    for (unsigned a = 1; a < n; a++) /* insertion sort: stable */
        for (unsigned b = a; b > 0; b--) {
            const ab_op *x = &t->ops[job[order[b]].i].op, *y = &t->ops[job[order[b - 1]].i].op;
            if (x->N * x->K <= y->N * y->K)
                break;
            const unsigned tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }
    const unsigned nw = jobs < n ? jobs : n;
    double load[AB_PARALLEL_MAX] = {0};
    for (unsigned w = 0; w < nw; w++)
        worker[w].n = 0;
    for (unsigned k = 0; k < n; k++) {
        unsigned best = 0;
        for (unsigned w = 1; w < nw; w++)
            if (load[w] < load[best])
                best = w;
        const ab_op *op = &t->ops[job[order[k]].i].op;
        load[best] += (double)(op->N * op->K);
        worker[best].ops[worker[best].n++] = &job[order[k]];
    }
    return nw;
}

/* The picked ops' values, a window of ops at a time: the window's ops are
 * shared among `jobs` threads, largest first to the least loaded (longest
 * processing time first, ties to the lower index: a fixed schedule), so
 * that ops of different sizes keep every core busy.  The made values are
 * then stored into the trace in op order by this thread (the trace is not
 * touched by two threads at once).  Each op's values depend only on its
 * index and the seed, so the file is the same for every jobs.  A window
 * holds at most GEN_WINDOW_BYTES of made values (or one op), and one op
 * per job at -j 1: more jobs never means unbounded memory. */
static int make_values(ab_trace *t, const bool *pick, uint64_t seed, unsigned jobs,
                       ab_error *err)
{
    values_job *job = calloc(GEN_WINDOW_OPS, sizeof *job);
    values_worker *worker = calloc(jobs, sizeof *worker);
    int rc = 0;
    if (!job || !worker) {
        rc = ab_error_set(err, "out of memory for %u jobs", jobs);
        goto out;
    }
    for (size_t next = 0; rc == 0 && next < t->nops;) {
        unsigned n = 0;
        double bytes = 0.0;
        const unsigned cap = jobs == 1 ? 1 : GEN_WINDOW_OPS;
        for (; next < t->nops && n < cap; next++) {
            if (!pick[next])
                continue;
            const double b = made_bytes(&t->ops[next].op);
            if (n > 0 && bytes + b > GEN_WINDOW_BYTES)
                break; /* a big op waits for the next window: memory stays bounded */
            bytes += b;
            job[n++] = (values_job){.t = t, .i = next, .seed = seed};
        }
        const unsigned nw = schedule_longest_first(t, job, n, jobs, worker);
        ab_parallel_run(worker, sizeof *worker, nw, values_worker_run);
        for (unsigned k = 0; k < n; k++) {
            if (rc == 0 && job[k].rc != 0) {
                *err = job[k].err;
                rc = -1;
            }
            if (rc == 0) {
                const ab_op *op = &t->ops[job[k].i].op;
                rc = ab_trace_set_values(t, job[k].i, &job[k].q, false,
                                         act_storable(op) ? job[k].act : NULL, err);
            }
            values_job_free(&job[k]);
        }
    }
out:
    free(job);
    free(worker);
    return rc;
}

static char *synthetic_values_json(uint64_t seed)
{
    const ab_synth_params p = ab_synth_defaults();
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "kind", "synthetic");
    cJSON_AddNumberToObject(v, "seed", (double)seed);
    cJSON *w = cJSON_AddObjectToObject(v, "weights");
    cJSON_AddStringToObject(w, "dist", p.dist == AB_SYNTH_LAPLACE ? "laplace" : "gaussian");
    cJSON_AddNumberToObject(w, "std", p.std);
    cJSON_AddNumberToObject(w, "channel_spread", p.channel_spread);
    cJSON_AddNumberToObject(w, "outlier_fraction", p.outlier_fraction);
    cJSON_AddNumberToObject(w, "outlier_scale", p.outlier_scale);
    cJSON_AddStringToObject(w, "seed", "seed + (2i+1) * 0x9E3779B97F4A7C15 mod 2^64, i = op index");
    cJSON *a = cJSON_AddObjectToObject(v, "activations");
    cJSON_AddStringToObject(a, "dist", "gaussian");
    cJSON_AddNumberToObject(a, "std", 1.0);
    cJSON_AddStringToObject(a, "seed", "seed + (2i+2) * 0x9E3779B97F4A7C15 mod 2^64");
    cJSON_AddStringToObject(v, "generator", "ab_synth_weights (kernels/synth.h)");
    char *s = cJSON_PrintUnformatted(v);
    cJSON_Delete(v);
    return s;
}

static int gen_run(const gen_opts *g)
{
    ab_op_list ops = {0};
    ab_error err;
    const ab_expand_opts eo = {.batch = g->batch, .allow_long_context = g->allow_long_context};
    if (ab_workload_expand_with(g->model, g->recipe, g->phase, &eo, &ops, &err) != 0)
        return cli_input_error("trace gen", &err);
    ab_trace t;
    int rc = AB_EXIT_OK;
    if (ab_trace_init(&t, g->model, g->phase, g->recipe, g->batch, &err) != 0) {
        ab_op_list_free(&ops);
        return cli_input_error("trace gen", &err);
    }
    for (size_t i = 0; i < ops.n && rc == AB_EXIT_OK; i++)
        if (ab_trace_add_op(&t, &ops.ops[i], &err) != 0)
            rc = cli_input_error("trace gen", &err);
    ab_op_list_free(&ops);

    if (rc == AB_EXIT_OK && g->values) {
        if (!(t.values_json = synthetic_values_json(g->seed)))
            rc = cli_usage_error("trace gen", "out of memory");
        size_t chosen = 0, blocked = 0, weights_only = 0;
        double bytes = 0.0;
        bool *pick = calloc(t.nops ? t.nops : 1, sizeof *pick);
        if (!pick && rc == AB_EXIT_OK)
            rc = cli_usage_error("trace gen", "out of memory");
        for (size_t i = 0; rc == AB_EXIT_OK && i < t.nops; i++) {
            const ab_op *op = &t.ops[i].op;
            if (g->ops_pattern && fnmatch(g->ops_pattern, op->name, 0) != 0)
                continue;
            if (values_obstacle(op)) {
                blocked++;
                continue;
            }
            if (chosen == g->max_ops)
                break;
            pick[i] = true;
            chosen++;
            weights_only += !act_storable(op);
            ab_format f; /* selectors do not parse: assume a byte per weight */
            const double wbits = ab_format_parse(op->weight_format, &f, NULL) == 0 ? f.bits : 8;
            bytes += (double)(op->N * op->K) * wbits / 8.0 +
                     (double)(op->M * op->K) * act_stored_bytes(op) +
                     (double)(op->M * op->N) * 4.0 * act_storable(op);
        }
        if (rc == AB_EXIT_OK && chosen == 0)
            rc = cli_usage_error("trace gen", "--values synthetic: no op can carry values%s "
                                 "(values need gemm/conv ops with non-OliVe weights whose group "
                                 "size divides K)", g->ops_pattern ? " among those --ops matches"
                                 : "");
        if (rc == AB_EXIT_OK && bytes > VALUES_WARN_BYTES)
            fprintf(stderr, "anybit trace gen: warning: values of %zu ops take about %.0f MiB; "
                    "restrict them with --ops PATTERN or --max-ops N\n", chosen,
                    bytes / 1048576.0);
        if (rc == AB_EXIT_OK && blocked)
            fprintf(stderr, "anybit trace gen: %zu op(s) stay shapes-only (attention or "
                    "OliVe weights: not in trace format 1.x)\n", blocked);
        if (rc == AB_EXIT_OK && weights_only)
            fprintf(stderr, "anybit trace gen: %zu op(s) get weights only (their activation "
                    "format cannot be stored in trace format %s)\n", weights_only,
                    AB_TRACE_VERSION);
        if (rc == AB_EXIT_OK && make_values(&t, pick, g->seed, g->jobs, &err) != 0)
            rc = cli_input_error("trace gen", &err);
        free(pick);
    }
    if (rc == AB_EXIT_OK && ab_trace_write(g->out, &t, &err) != 0)
        rc = cli_input_error("trace gen", &err);
    if (rc == AB_EXIT_OK) { /* what was written, in one line */
        size_t with_values = 0;
        for (size_t i = 0; i < t.nops; i++)
            with_values += ab_trace_op_has_values(&t, i);
        struct stat sb;
        const double mib = stat(g->out, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0.0;
        printf("wrote %s: %zu ops (%zu with values) of %s %s batch %u, recipe %s, %.2f MiB\n",
               g->out, t.nops, with_values, t.model, t.phase, t.batch, t.recipe, mib);
    }
    ab_trace_free(&t);
    return rc;
}

static int cmd_gen(int argc, char **argv)
{
    gen_opts g = {0};
    g.batch = 1;
    g.seed = 1;
    g.max_ops = SIZE_MAX;
    const char *values = NULL, *jobs_s = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_gen(stdout);
            return AB_EXIT_OK;
        } else if (strcmp(argv[i], "--allow-long-context") == 0) {
            g.allow_long_context = true;
        } else if (cli_opt_value(argc, argv, &i, "--model", &g.model, &bad) ||
                   cli_opt_value(argc, argv, &i, "--recipe", &g.recipe, &bad) ||
                   cli_opt_value(argc, argv, &i, "--phase", &g.phase, &bad) ||
                   cli_opt_value(argc, argv, &i, "--values", &values, &bad) ||
                   cli_opt_value(argc, argv, &i, "--ops", &g.ops_pattern, &bad) ||
                   cli_opt_value(argc, argv, &i, "--output", &g.out, &bad) ||
                   cli_opt_value(argc, argv, &i, "-j", &jobs_s, &bad) ||
                   cli_opt_value(argc, argv, &i, "-o", &g.out, &bad)) {
            continue;
        } else if (cli_opt_value(argc, argv, &i, "--batch", &v, &bad)) {
            size_t b;
            if (bad)
                break;
            if (!cli_parse_size(v, 1, UINT32_MAX, &b))
                return cli_usage_error("trace gen", "--batch must be a positive integer, got '%s'",
                                       v);
            g.batch = (uint32_t)b;
        } else if (cli_opt_value(argc, argv, &i, "--seed", &v, &bad)) {
            size_t s;
            if (bad)
                break;
            if (strcmp(v, "0") == 0)
                s = 0;
            else if (!cli_parse_size(v, 1, (size_t)1 << 53, &s))
                return cli_usage_error("trace gen", "--seed must be an integer in 0..2^53, got "
                                       "'%s'", v);
            g.seed = s;
        } else if (cli_opt_value(argc, argv, &i, "--max-ops", &v, &bad)) {
            if (bad)
                break;
            if (!cli_parse_size(v, 1, SIZE_MAX, &g.max_ops))
                return cli_usage_error("trace gen", "--max-ops must be a positive integer, got "
                                       "'%s'", v);
        } else {
            return cli_usage_error("trace gen", "unexpected argument '%s' (anybit trace gen "
                                   "--help)", argv[i]);
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!g.model || !g.recipe || !g.phase || !g.out)
        return cli_usage_error("trace gen", "--model, --recipe, --phase and -o FILE are required "
                               "(anybit trace gen --help)");
    if (values && strcmp(values, "synthetic") == 0)
        g.values = true;
    else if (values && strcmp(values, "none") != 0)
        return cli_usage_error("trace gen", "--values: expected none or synthetic, got '%s'",
                               values);
    if (!cli_parse_jobs(jobs_s, &g.jobs))
        return cli_usage_error("trace gen", "-j: expected an integer in [1, 256], got '%s'",
                               jobs_s);
    if (!g.values && (g.ops_pattern || g.max_ops != SIZE_MAX))
        return cli_usage_error("trace gen", "--ops and --max-ops go with --values synthetic");
    return gen_run(&g);
}

/* ---- info / verify ------------------------------------------------------ */

/* The single FILE argument of info/verify; prints usage on --help. */
static int one_file_arg(int argc, char **argv, const char *cmd, void (*usage)(FILE *),
                        const char **file)
{
    *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        if (*file)
            return cli_usage_error(cmd, "one trace at a time (got '%s' and '%s')", *file,
                                   argv[i]);
        *file = argv[i];
    }
    if (!*file)
        return cli_usage_error(cmd, "no trace file (anybit %s --help)", cmd);
    return AB_EXIT_OK;
}

/* One op of `trace info --json`: its header entry (ab_trace_op_json) and
 * the table row's bytes, MACs and values. */
static cJSON *op_info_json(const ab_trace *t, size_t i, double w, double x, uint64_t m)
{
    cJSON *o = ab_trace_op_json(t, i);
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "weight_bytes", w);
    cJSON_AddNumberToObject(o, "act_bytes", x);
    cJSON_AddNumberToObject(o, "macs", (double)m);
    const bool v = ab_trace_op_has_values(t, i);
    cJSON_AddStringToObject(o, "values",
                            v ? (t->ops[i].tensor[AB_TROLE_OUTPUTS] >= 0 ? "full" : "weights")
                              : "none");
    return o;
}

static int cmd_info(int argc, char **argv)
{
    const char *file = NULL, *json = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_info(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_value(argc, argv, &i, "--json", &json, &bad)) {
            continue;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error("trace info", "unknown option '%s'", argv[i]);
        } else if (file) {
            return cli_usage_error("trace info", "one trace at a time (got '%s' and '%s')", file,
                                   argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!file)
        return cli_usage_error("trace info", "no trace file (anybit trace info --help)");
    FILE *out;
    const int tc = cli_table_stream("trace info", json, NULL, &out);
    if (tc)
        return tc;
    ab_trace t;
    ab_error err;
    if (ab_trace_read(file, &t, &err) != 0)
        return cli_input_error("trace info", &err);
    cJSON *root = json ? cJSON_CreateObject() : NULL, *jops = NULL;
    if (root) {
        cJSON_AddStringToObject(root, "trace", file);
        char version[16];
        snprintf(version, sizeof version, "%u.%u", t.version_major, t.version_minor);
        cJSON_AddStringToObject(root, "format", version);
        cJSON_AddStringToObject(root, "model", t.model);
        cJSON_AddStringToObject(root, "phase", t.phase);
        cJSON_AddNumberToObject(root, "batch", t.batch);
        cJSON_AddStringToObject(root, "recipe", t.recipe);
        if (t.values_json)
            cJSON_AddStringToObject(root, "values", t.values_json);
        else
            cJSON_AddNullToObject(root, "values");
        jops = cJSON_AddArrayToObject(root, "ops");
    }
    fprintf(out, "trace: %s  (format %u.%u)\n", file, t.version_major, t.version_minor);
    fprintf(out, "model %s  phase %s  batch %u  recipe %s  values %s\n", t.model, t.phase, t.batch,
            t.recipe, t.values_json ? t.values_json : "none (shapes only)");
    fprintf(out, "%-36s %-7s %8s %8s %8s %5s  %-28s %14s %14s %16s %s\n", "op", "kind", "M", "N",
            "K", "count", "weight/act/acc scale group", "weight bytes", "act bytes", "MACs",
            "values");
    double wb = 0, ab = 0;
    uint64_t macs = 0;
    size_t with_values = 0;
    for (size_t i = 0; i < t.nops; i++) {
        const ab_op *op = &t.ops[i].op;
        char fmts[160];
        snprintf(fmts, sizeof fmts, "%s/%s/%s %s g%u", op->weight_format, op->act_format,
                 op->acc_format, op->scale_format, op->group_size);
        const double w = ab_op_weight_bytes(op), x = ab_trace_act_bytes(op);
        const uint64_t m = ab_op_macs(op);
        const bool v = ab_trace_op_has_values(&t, i);
        wb += w;
        ab += x;
        macs += m;
        with_values += v;
        fprintf(out, "%-36s %-7s %8llu %8llu %8llu %5u  %-28s %14.0f %14.0f %16llu %s\n",
                op->name, ab_op_kind_name(op->kind), (unsigned long long)op->M,
                (unsigned long long)op->N, (unsigned long long)op->K, op->count, fmts, w, x,
                (unsigned long long)m,
                v ? (t.ops[i].tensor[AB_TROLE_OUTPUTS] >= 0 ? "full" : "weights") : "-");
        if (jops)
            cJSON_AddItemToArray(jops, op_info_json(&t, i, w, x, m));
    }
    fprintf(out, "total: %zu ops (%zu with values)  weight bytes %.0f (%.2f MiB)  activation "
                 "bytes %.0f (%.2f MiB)  MACs %llu (%.3f G)\n",
            t.nops, with_values, wb, wb / 1048576.0, ab, ab / 1048576.0,
            (unsigned long long)macs, (double)macs / 1e9);
    int rc = AB_EXIT_OK;
    if (root) {
        cJSON *tot = cJSON_AddObjectToObject(root, "total");
        cJSON_AddNumberToObject(tot, "ops", (double)t.nops);
        cJSON_AddNumberToObject(tot, "ops_with_values", (double)with_values);
        cJSON_AddNumberToObject(tot, "weight_bytes", wb);
        cJSON_AddNumberToObject(tot, "act_bytes", ab);
        cJSON_AddNumberToObject(tot, "macs", (double)macs);
        if (ab_write_json(json, root, &err) != 0) /* takes root */
            rc = cli_input_error("trace info", &err);
    }
    ab_trace_free(&t);
    return rc;
}

static int cmd_verify(int argc, char **argv)
{
    const char *file;
    const int a = one_file_arg(argc, argv, "trace verify", usage_verify, &file);
    if (a != AB_EXIT_OK)
        return a < 0 ? AB_EXIT_OK : a;
    ab_trace t;
    ab_error err;
    if (ab_trace_read(file, &t, &err) != 0)
        return cli_input_error("trace verify", &err);
    int rc = AB_EXIT_OK;
    size_t checked = 0, bad = 0;
    for (size_t i = 0; i < t.nops && rc != AB_EXIT_USAGE; i++) {
        const ab_trace_op *o = &t.ops[i];
        if (o->tensor[AB_TROLE_OUTPUTS] < 0)
            continue;
        if (!checked)
            printf("%-40s %10s %10s %14s  %s\n", "op", "M x N", "K", "max |diff|", "result");
        const size_t M = (size_t)o->op.M, N = (size_t)o->op.N, K = (size_t)o->op.K;
        ab_trace_outputs_check c;
        if (ab_trace_check_outputs(&t, i, &c, &err) != 0) {
            rc = cli_input_error("trace verify", &err);
        } else {
            char shape[48];
            snprintf(shape, sizeof shape, "%zux%zu", M, N);
            printf("%-40s %10s %10zu %14.6g  %s", o->op.name, shape, K, c.max_abs_diff,
                   c.mismatches ? "MISMATCH" : "ok");
            if (c.mismatches)
                printf(" (%zu of %zu outputs differ)", c.mismatches, c.outputs);
            printf("\n");
            checked++;
            bad += c.mismatches != 0;
        }
    }
    if (rc == AB_EXIT_OK) {
        if (!checked)
            printf("%s: no op carries expected outputs: nothing to verify\n",
                   file);
        else
            printf("%s: %zu of %zu ops agree with the reference GEMM\n", file, checked - bad,
                   checked);
        if (bad)
            rc = AB_EXIT_CHECK;
    }
    ab_trace_free(&t);
    return rc;
}

int cmd_trace(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return AB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage_main(stdout);
        return AB_EXIT_OK;
    }
    if (strcmp(argv[1], "gen") == 0)
        return cmd_gen(argc - 1, argv + 1);
    if (strcmp(argv[1], "info") == 0)
        return cmd_info(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    return cli_usage_error("trace", "unknown subcommand '%s' (gen, info, verify)", argv[1]);
}
