/* lab1_formats.c - lab 1, "Number formats and quantization error"
 * (labs/lab1-formats/).
 *
 * The seed picks the seed of a heavy-tailed synthetic weight matrix
 * (64 x 4096, Laplace values with the per-row spread and outliers of
 * kernels/synth.h, what `anybit demo --laplace --save` writes) and a 4-bit
 * lookup grid: 16 codes, values k/16 with 14 distinct nonzero k in
 * -16..16 (16 or -16 among them) and zero on two codes, in a shuffled code
 * order.  The numeric questions are SQNRs of named formats on those
 * weights, computed by ab_quantize with the spec `anybit quant` uses by
 * default (groups of 128, FP16 scales; MX formats their own blocks).
 *
 * The code part: the student's grid_quant.c quantizes one group to the
 * seeded grid (FP32 scale, nearest value, the grid tie rule; the rule is
 * written out in the lab's README).  The check compiles it with the lab's
 * harness (labs/lab1-formats/harness/main.c, which has no part of
 * anybit's quantizer), runs it on groups written into the scratch folder
 * (seeded heavy-tailed groups, an all-zero group, a group of exact ties
 * and clipped values) and compares its codes and scales bit for bit with
 * ab_quantize_format on a grid built by ab_format_from_values.
 *
 * Teachers: the points and tolerances are the question table; the sizes
 * and limits are the constants below.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "lab/lab_impl.h"
#include "quant.h"
#include "synth.h"

enum {
    Q_INT4, Q_FP4, Q_BITMOD, Q_MXFP4, Q_NF4, Q_GAIN, Q_INT3, Q_INT8, Q_PER_BIT,
    Q_CODES, Q_SCALES, NQ
};

#define SQNR_TOL 0.02 /* dB: anybit quant prints two decimals */

static const ab_lab_question questions[NQ] = {
    [Q_INT4] = {"q1_sqnr_int4", "SQNR (dB) of int4 on weights.npy (group 128, fp16 scales)", 1,
                AB_LAB_TOL_ABS, SQNR_TOL, AB_LAB_Q_ANSWER},
    [Q_FP4] = {"q2_sqnr_fp4_e2m1", "SQNR (dB) of the minifloat fp4_e2m1, same groups", 1,
               AB_LAB_TOL_ABS, SQNR_TOL, AB_LAB_Q_ANSWER},
    [Q_BITMOD] = {"q3_sqnr_bitmod_fp4_mix", "SQNR (dB) of the BitMoD 4-bit mixture", 1,
                  AB_LAB_TOL_ABS, SQNR_TOL, AB_LAB_Q_ANSWER},
    [Q_MXFP4] = {"q4_sqnr_mxfp4", "SQNR (dB) of OCP mxfp4 (blocks of 32, E8M0 scales)", 1,
                 AB_LAB_TOL_ABS, SQNR_TOL, AB_LAB_Q_ANSWER},
    [Q_NF4] = {"q5_sqnr_nf4", "SQNR (dB) of the lookup grid nf4 (QLoRA NormalFloat4)", 1,
               AB_LAB_TOL_ABS, SQNR_TOL, AB_LAB_Q_ANSWER},
    [Q_GAIN] = {"q6_best_gain_over_int4_db",
                "SQNR of the best of q1..q5 minus SQNR of int4, in dB", 2, AB_LAB_TOL_ABS,
                2 * SQNR_TOL, AB_LAB_Q_ANSWER},
    [Q_INT3] = {"q7_sqnr_int3", "SQNR (dB) of int3, same groups", 1, AB_LAB_TOL_ABS, SQNR_TOL,
                AB_LAB_Q_ANSWER},
    [Q_INT8] = {"q8_sqnr_int8", "SQNR (dB) of int8, same groups", 1, AB_LAB_TOL_ABS, SQNR_TOL,
                AB_LAB_Q_ANSWER},
    [Q_PER_BIT] = {"q9_db_per_bit", "(SQNR int8 - SQNR int3) / 5: dB gained per bit", 2,
                   AB_LAB_TOL_ABS, 0.01, AB_LAB_Q_ANSWER},
    [Q_CODES] = {"q10_grid_codes", "grid_quant.c: every code equals anybit's, bit for bit", 3,
                 AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_CHECK},
    [Q_SCALES] = {"q11_grid_scales", "grid_quant.c: every scale equals anybit's, bit for bit", 2,
                  AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_CHECK},
};

#define W_ROWS 64u     /* weights.npy: 64 x 4096, 1 MiB */
#define W_COLS 4096u
#define W_SEED_MOD 1000000u /* a seed a student types */
#define NCODES 16u
#define GROUP 32u      /* the code part's group size */
#define NRANDOM 256u   /* seeded groups of the code part */
#define CC_LIMIT_S 60.0
#define RUN_LIMIT_S 10.0

/* What a seed picks. */
typedef struct lab1_draw {
    uint32_t weights_seed;
    int32_t grid16[NCODES]; /* code c has value grid16[c] / 16 */
} lab1_draw;

static unsigned pick(ab_rng *r, unsigned n)
{
    return (unsigned)(ab_rng_next(r) % n);
}

static void draw(uint64_t seed, lab1_draw *d)
{
    ab_rng r;
    ab_rng_seed(&r, seed ^ 0x1ab1f0a700000001u);
    d->weights_seed = 1u + (uint32_t)(ab_rng_next(&r) % W_SEED_MOD);
    /* the 32 nonzero k in -16..16; +-16 first so that the grid reaches 1 */
    int32_t pool[32];
    unsigned np = 0;
    for (int32_t k = -16; k <= 16; k++)
        if (k != 0)
            pool[np++] = k;
    unsigned n = 0;
    d->grid16[n++] = pick(&r, 2) ? 16 : -16;
    for (unsigned i = 0; i < np; i++)
        if (pool[i] == d->grid16[0]) {
            pool[i] = pool[--np];
            break;
        }
    while (n < NCODES - 2) {
        const unsigned j = pick(&r, np);
        d->grid16[n++] = pool[j];
        pool[j] = pool[--np];
    }
    d->grid16[n++] = 0;
    d->grid16[n++] = 0;
    for (unsigned i = NCODES - 1; i > 0; i--) { /* Fisher-Yates: the code order */
        const unsigned j = pick(&r, i + 1);
        const int32_t t = d->grid16[i];
        d->grid16[i] = d->grid16[j];
        d->grid16[j] = t;
    }
}

static void grid_values(const lab1_draw *d, double *v)
{
    for (unsigned c = 0; c < NCODES; c++)
        v[c] = (double)d->grid16[c] / 16.0;
}

static ab_synth_params weight_params(void)
{
    ab_synth_params p = ab_synth_defaults();
    p.dist = AB_SYNTH_LAPLACE; /* `anybit demo --laplace` */
    return p;
}

static void params(uint64_t seed, ab_lab_params *out)
{
    lab1_draw d;
    draw(seed, &d);
    memset(out, 0, sizeof *out);
    ab_lab_param_add(out, "weights_seed", "%u", d.weights_seed);
    char t[96];
    int n = snprintf(t, sizeof t, "[");
    for (unsigned c = 0; c < NCODES; c++)
        n += snprintf(t + n, sizeof t - (size_t)n, "%s%d", c ? ", " : "", d.grid16[c]);
    snprintf(t + n, sizeof t - (size_t)n, "]");
    ab_lab_param_add(out, "grid_sixteenths", "%s", t);
    ab_lab_param_add(out, "grid_file", "grid.txt");
}

static bool extra_file(uint64_t seed, size_t i, char *name, size_t name_cap, char *text,
                       size_t text_cap)
{
    if (i > 0)
        return false;
    lab1_draw d;
    draw(seed, &d);
    snprintf(name, name_cap, "grid.txt");
    int n = snprintf(text, text_cap, "# your 4-bit grid: code value (value = sixteenths / 16)\n");
    for (unsigned c = 0; c < NCODES && n > 0 && (size_t)n < text_cap; c++)
        n += snprintf(text + n, text_cap - (size_t)n, "%u %.4f\n", c, d.grid16[c] / 16.0);
    return true;
}

/* SQNR of one format (or selector) on the weights, as `anybit quant` does it. */
static int sqnr(const char *format, const float *w, double *out, ab_error *err)
{
    ab_quant_spec spec;
    memset(&spec, 0, sizeof spec);
    snprintf(spec.format, sizeof spec.format, "%s", format);
    spec.granularity = AB_GRAN_GROUP;
    spec.group_size = 128;
    spec.scale = AB_SCALE_FP16;
    ab_quant_result res;
    if (ab_quantize(&spec, w, W_ROWS, W_COLS, &res, err) != 0)
        return -1;
    *out = res.sqnr_db;
    ab_quant_result_free(&res);
    return 0;
}

static int expected(uint64_t seed, double *e, ab_error *err)
{
    lab1_draw d;
    draw(seed, &d);
    float *w = malloc((size_t)W_ROWS * W_COLS * sizeof *w);
    if (!w)
        return ab_error_set(err, "out of memory for lab 1's weights");
    const ab_synth_params p = weight_params();
    ab_synth_weights(&p, d.weights_seed, w, W_ROWS, W_COLS);
    static const struct {
        int q;
        const char *format;
    } named[] = {{Q_INT4, "int4"}, {Q_FP4, "fp4_e2m1"}, {Q_BITMOD, "bitmod_fp4_mix"},
                 {Q_MXFP4, "mxfp4"}, {Q_NF4, "nf4"}, {Q_INT3, "int3"}, {Q_INT8, "int8"}};
    int rc = 0;
    for (size_t i = 0; i < sizeof named / sizeof named[0] && rc == 0; i++)
        rc = sqnr(named[i].format, w, &e[named[i].q], err);
    free(w);
    if (rc != 0)
        return -1;
    double best = e[Q_INT4];
    for (int q = Q_INT4; q <= Q_NF4; q++)
        best = fmax(best, e[q]);
    e[Q_GAIN] = best - e[Q_INT4];
    e[Q_PER_BIT] = (e[Q_INT8] - e[Q_INT3]) / 5.0;
    return 0;
}

/* ---- the code part --------------------------------------------------------- */

/* The groups the harness quantizes: a zero group, NRANDOM seeded groups,
 * and one of exact ties (scale 1: absmax 1 on a grid whose largest
 * magnitude is 1) and values past the grid's ends. */
static size_t code_inputs(uint64_t seed, const lab1_draw *d, float *x)
{
    memset(x, 0, GROUP * sizeof *x);
    const ab_synth_params p = weight_params();
    ab_synth_weights(&p, seed ^ 0x6c616231u, x + GROUP, NRANDOM, GROUP);
    float *t = x + (size_t)(1 + NRANDOM) * GROUP;
    double v[NCODES];
    grid_values(d, v);
    size_t n = 0;
    t[n++] = 1.0f;
    t[n++] = -1.0f;
    /* the midpoint (k1 + k2) / 32 of every two neighbouring values, and its
     * negative: at most 15 pairs, 30 values */
    double sorted[NCODES];
    memcpy(sorted, v, sizeof sorted);
    for (unsigned i = 1; i < NCODES; i++) /* insertion sort of 16 values */
        for (unsigned j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            const double tmp = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = tmp;
        }
    for (unsigned i = 0; i + 1 < NCODES && n + 2 <= GROUP; i++)
        if (sorted[i] != sorted[i + 1]) {
            t[n++] = (float)((sorted[i] + sorted[i + 1]) / 2);
            t[n++] = (float)(-(sorted[i] + sorted[i + 1]) / 2);
        }
    while (n < GROUP)
        t[n++] = (float)(1.0 - 1.0 / 64.0);
    return 2u + NRANDOM;
}

static void fail_both(ab_lab_result *r, const char *why)
{
    ab_lab_reason(&r[Q_CODES], "%s", why);
    ab_lab_reason(&r[Q_SCALES], "%s", why);
}

/* The compiler or the student's program exited with `status` (-1: over
 * its limit): both questions fail with the log's first error line. */
static void tool_failed(const char *log, int status, double limit_s, bool compiling,
                        ab_lab_result *r)
{
    char line[sizeof r[0].reason], why[512];
    ab_lab_log_tail(log, line, sizeof line);
    if (status < 0)
        snprintf(why, sizeof why, "%s ran past %g s", compiling ? "the compiler" : "your program",
                 limit_s);
    else if (compiling)
        snprintf(why, sizeof why, "does not compile: %s", line);
    else
        snprintf(why, sizeof why, "your program exited with status %d%s%s", status,
                 line[0] ? ": " : "", line);
    fail_both(r, why);
}

static int write_input(const char *path, const double *v, const float *x, size_t ngroups,
                       ab_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return ab_error_set(err, "%s: cannot write: %s", path, strerror(errno));
    fprintf(f, "%u\n", NCODES);
    for (unsigned c = 0; c < NCODES; c++)
        fprintf(f, "%a\n", v[c]);
    fprintf(f, "%u %zu\n", GROUP, ngroups);
    for (size_t i = 0; i < ngroups * GROUP; i++)
        fprintf(f, "%a\n", (double)x[i]);
    if (fclose(f) != 0)
        return ab_error_set(err, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

/* Compare the harness's output (one line per group: the scale in %a, then
 * GROUP codes) with anybit's result. */
static void compare(const char *path, const ab_quant_result *ref, const float *x,
                    size_t ngroups, ab_lab_result *r)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fail_both(r, "your program wrote no output");
        return;
    }
    bool codes_ok = true, scales_ok = true, read_ok = true;
    for (size_t g = 0; g < ngroups && read_ok; g++) {
        double s;
        if (fscanf(f, "%la", &s) != 1) {
            read_ok = false;
            break;
        }
        const float sf = (float)s, rs = ref->scales[g];
        if (scales_ok && memcmp(&sf, &rs, sizeof sf) != 0) {
            scales_ok = false;
            ab_lab_reason(&r[Q_SCALES], "group %zu: scale %a, anybit's %a", g, (double)sf,
                       (double)rs);
        }
        for (size_t k = 0; k < GROUP; k++) {
            unsigned long c;
            if (fscanf(f, "%lu", &c) != 1) {
                read_ok = false;
                break;
            }
            const size_t i = g * GROUP + k;
            if (codes_ok && c != ref->codes[i]) {
                codes_ok = false;
                ab_lab_reason(&r[Q_CODES], "group %zu element %zu (x = %a): code %lu, anybit's %u",
                           g, k, (double)x[i], c, ref->codes[i]);
            }
        }
    }
    fclose(f);
    if (!read_ok) {
        fail_both(r, "your program's output is shorter than the groups it was given");
        return;
    }
    r[Q_CODES].pass = codes_ok;
    r[Q_SCALES].pass = scales_ok;
    if (codes_ok)
        ab_lab_reason(&r[Q_CODES], "%zu groups of %u: every code matches", ngroups, GROUP);
    if (scales_ok)
        ab_lab_reason(&r[Q_SCALES], "%zu groups: every scale matches", ngroups);
}

/* path made absolute against the working folder */
static int absolute(const char *path, char *out, size_t cap, ab_error *err)
{
    char cwd[1024];
    if (path[0] == '/')
        snprintf(out, cap, "%s", path);
    else if (getcwd(cwd, sizeof cwd))
        snprintf(out, cap, "%s/%s", cwd, path);
    else
        return ab_error_set(err, "%s: cannot tell the working folder: %s", path, strerror(errno));
    return 0;
}

static int check(const ab_lab_check_ctx *ctx, ab_lab_result *r, ab_error *err)
{
    char src[4200], harness[4200], prog[4200], in[4200], out[4200], log[4200];
    /* absolute: the tools run in the scratch folder */
    char dir[2048], root[2048];
    if (absolute(ctx->dir, dir, sizeof dir, err) != 0 ||
        absolute(ctx->lab_root, root, sizeof root, err) != 0)
        return -1;
    snprintf(src, sizeof src, "%s/grid_quant.c", dir);
    snprintf(harness, sizeof harness, "%s/harness/main.c", root);
    snprintf(prog, sizeof prog, "%s/grid_quant", ctx->scratch);
    snprintf(in, sizeof in, "%s/input.txt", ctx->scratch);
    snprintf(out, sizeof out, "%s/output.txt", ctx->scratch);
    snprintf(log, sizeof log, "%s/log.txt", ctx->scratch);
    FILE *probe = fopen(src, "r");
    if (!probe) {
        fail_both(r, "grid_quant.c: missing from your folder");
        return 0;
    }
    fclose(probe);
    probe = fopen(harness, "r");
    if (!probe)
        return ab_error_set(err, "%s: missing (lab 1's harness is part of the installation)",
                            harness);
    fclose(probe);

    char *const cc[] = {"cc", "-std=c11", "-O1", "-o", prog, harness, src, "-lm", NULL};
    int status;
    if (ab_lab_run(cc, ctx->scratch, NULL, log, CC_LIMIT_S, &status, err) != 0)
        return -1;
    if (status != 0) {
        tool_failed(log, status, CC_LIMIT_S, true, r);
        return 0;
    }

    lab1_draw d;
    draw(ctx->seed, &d);
    double v[NCODES];
    grid_values(&d, v);
    const size_t maxg = 2u + NRANDOM;
    float *x = malloc(maxg * GROUP * sizeof *x);
    if (!x)
        return ab_error_set(err, "out of memory for lab 1's groups");
    const size_t ngroups = code_inputs(ctx->seed, &d, x);
    ab_format grid;
    ab_quant_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.granularity = AB_GRAN_GROUP;
    spec.group_size = GROUP;
    spec.scale = AB_SCALE_FP32;
    ab_quant_result ref;
    if (write_input(in, v, x, ngroups, err) != 0 ||
        ab_format_from_values("lab1_grid", v, NCODES, &grid, err) != 0 ||
        ab_quantize_format(&spec, &grid, x, ngroups, GROUP, &ref, err) != 0) {
        free(x);
        return -1;
    }
    char *const run[] = {prog, in, out, NULL};
    if (ab_lab_run(run, ctx->scratch, NULL, log, RUN_LIMIT_S, &status, err) != 0) {
        ab_quant_result_free(&ref);
        free(x);
        return -1;
    }
    if (status != 0) {
        tool_failed(log, status, RUN_LIMIT_S, false, r);
    } else {
        compare(out, &ref, x, ngroups, r);
    }
    ab_quant_result_free(&ref);
    free(x);
    return 0;
}

const ab_lab ab_lab1_formats = {
    .number = 1,
    .dir = "lab1-formats",
    .title = "Number formats and quantization error",
    .questions = questions,
    .nquestions = NQ,
    .params = params,
    .extra_file = extra_file,
    .expected = expected,
    .check = check,
};
