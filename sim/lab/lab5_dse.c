/* lab5_dse.c - lab 5, "Design-space exploration" (labs/lab5-dse/).
 *
 * One design space for every student: Llama-2-7B prefill:256 on the BitMoD
 * preset, weight format (int3 .. int8) x group size x weight buffer x
 * activation buffer (60 points), each with the accuracy estimate (16
 * weight rows per op, seed 1; docs/quantization.md "Accuracy beside cost").
 * The seed picks an area budget and an error target (output NMSE).  The
 * student sweeps the space (`anybit sweep`), reads the energy-error front
 * under the budget (`anybit pareto --where`), and submits one design point,
 * design.yaml, that must dominate the threshold point (energy within
 * ENERGY_SLACK of the best design under the budget and the target, error at
 * most the target).  The space file the student gets (space.yaml) is
 * written by space_text() below, the same text the grader sweeps, so the
 * two cannot drift apart.
 *
 * Every expected value is a sweep of that space run by the library
 * (ab_sweep_run, in a scratch folder) and read back from results.csv.  The
 * front, the counts and the best point are computed here by the O(n^2)
 * definitions, not by sim/results/pareto.c or row_filter.c, which the
 * student's `anybit pareto --where` uses: a bug there makes the solution
 * disagree with the grader.  The submitted design is simulated again as a
 * one-point sweep, so any value the loaders accept may be tried, also
 * outside the space.
 *
 * Teachers: the points and tolerances are the question table; the budgets,
 * targets, slack and starting design are the constants below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_impl.h"
#include "results/results.h"
#include "sweep/sweep.h"
#include "synth.h"
#include "yaml/yaml_doc.h"

enum { Q_WITHIN, Q_FRONT, Q_BEST, Q_SAVING, Q_RUNS, Q_FITS, Q_DOMINATES, NQ };

static const ab_lab_question questions[NQ] = {
    [Q_WITHIN] = {"q1_points_within_budget",
                  "how many of the space's ok points have area_mm2 <= budget_mm2", 2,
                  AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
    [Q_FRONT] = {"q2_front_size",
                 "how many points are on the energy-error Pareto front of those points", 2,
                 AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
    [Q_BEST] = {"q3_best_energy_j",
                "the least energy of a point within the budget whose output NMSE is at most "
                "error_target, in J", 2, AB_LAB_TOL_REL, 0.005, AB_LAB_Q_ANSWER},
    [Q_SAVING] = {"q4_saving_vs_start_pct",
                  "how much less energy that point uses than the starting design of "
                  "design.yaml, in % of the starting design's", 1, AB_LAB_TOL_ABS, 0.5,
                  AB_LAB_Q_ANSWER},
    [Q_RUNS] = {"q5_design_runs", "design.yaml names a point the simulator runs", 1,
                AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_CHECK},
    [Q_FITS] = {"q6_design_fits",
                "the design, simulated again: area <= budget_mm2 and output NMSE <= "
                "error_target", 2, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_CHECK},
    [Q_DOMINATES] = {"q7_design_dominates",
                     "and its energy is within 1% of the best such point of the space (it "
                     "dominates the threshold point)", 3, AB_LAB_TOL_EXACT, 0.0,
                     AB_LAB_Q_CHECK},
};

/* The space: design.yaml's keys, the sweep fields they set, the values. */
enum { AX_FORMAT, AX_GROUP, AX_WKB, AX_AKB, NAX };
static const char *const axis_key[NAX] = {"format", "group_size", "weight_kb", "activation_kb"};
static const char *const axis_field[NAX] = {"recipe.weights.format", "recipe.weights.group_size",
                                            "config.buffers.weight.kb",
                                            "config.buffers.activation.kb"};
static const char *const axis_values[NAX][6] = {
    {"int3", "int4", "int5", "int6", "int8", NULL},
    {"32", "128", NULL},
    {"64", "1024", "4096", NULL},
    {"64", "1024", NULL},
};
/* The starter's design.yaml: accurate and expensive, outside most budgets. */
static const char *const start_design[NAX] = {"int8", "32", "1024", "64"};

/* The budgets lie between the space's area levels (3.04, 4.47, 5.89, 9.03,
 * 10.46 mm^2) and the targets between its error levels, so that no point
 * sits on a boundary; 6.0 mm^2 admits the 1024/1024 KiB buffers with which
 * the mapper's fastest tiling of int4 also moves a third less DRAM data. */
static const double budgets_mm2[] = {4.0, 5.0, 6.0};
static const double targets_nmse[] = {0.02, 0.01, 0.003, 0.001};
#define ENERGY_SLACK 0.01
#define LAB5_JOBS 2u

typedef struct lab5_draw {
    double budget, target;
} lab5_draw;

static void draw(uint64_t seed, lab5_draw *d)
{
    ab_rng r;
    ab_rng_seed(&r, seed ^ 0x1ab5d5e000000005u);
    d->budget = budgets_mm2[ab_rng_next(&r) % (sizeof budgets_mm2 / sizeof budgets_mm2[0])];
    d->target = targets_nmse[ab_rng_next(&r) % (sizeof targets_nmse / sizeof targets_nmse[0])];
}

static void params(uint64_t seed, ab_lab_params *out)
{
    lab5_draw d;
    draw(seed, &d);
    memset(out, 0, sizeof *out);
    ab_lab_param_add(out, "space", "space.yaml");
    ab_lab_param_add(out, "budget_mm2", "%g", d.budget);
    ab_lab_param_add(out, "error_target", "%g", d.target);
}

/* The space file: every value of each axis, or (one != NULL) one value
 * each: a one-point space for the submitted design. */
static int space_text(char *buf, size_t cap, const char *const *one)
{
    size_t o = 0;
    int w = snprintf(buf, cap,
                     "# lab 5's design space (written by anybit lab start; the grader sweeps the\n"
                     "# same text): Llama-2-7B prefill:256 on BitMoD PEs, weight format x group\n"
                     "# size x weight buffer x activation buffer.\n"
                     "name: %s\n"
                     "base:\n"
                     "  config: bitmod\n"
                     "  model: llama2-7b\n"
                     "  recipe: bitmod\n"
                     "  phase: prefill:256\n"
                     "accuracy: {sample: 16, seed: 1}\n"
                     "axes:\n",
                     one ? "lab5-design" : "lab5-dse");
    for (size_t a = 0; a < NAX && w >= 0 && (size_t)w < cap - o; a++) {
        o += (size_t)w;
        w = snprintf(buf + o, cap - o, "  - field: %s\n    values: [", axis_field[a]);
        for (size_t v = 0; (one ? v < 1 : axis_values[a][v] != NULL) && w >= 0 &&
                           (size_t)w < cap - o; v++) {
            o += (size_t)w;
            w = snprintf(buf + o, cap - o, "%s%s", v ? ", " : "", one ? one[a] : axis_values[a][v]);
        }
        if (w >= 0 && (size_t)w < cap - o) {
            o += (size_t)w;
            w = snprintf(buf + o, cap - o, "]\n");
        }
    }
    return w >= 0 && (size_t)w < cap - o ? 0 : -1;
}

static bool extra_file(uint64_t seed, size_t i, char *name, size_t name_cap, char *text,
                       size_t text_cap)
{
    (void)seed;
    if (i > 0)
        return false;
    snprintf(name, name_cap, "space.yaml");
    return space_text(text, text_cap, NULL) == 0;
}

/* One point's figures, read from results.csv. */
typedef struct lab5_point {
    bool ok;
    char reason[128]; /* a dropped point's */
    const char *val[NAX];
    double energy_pj, area_mm2, nmse;
} lab5_point;

typedef struct lab5_sweep {
    ab_results r;
    size_t n;
    lab5_point *p;
} lab5_sweep;

static void sweep_free(lab5_sweep *s)
{
    ab_results_free(&s->r);
    free(s->p);
    memset(s, 0, sizeof *s);
}

/* Sweep `text` in folder dir/name; the rows into s.  -1 with err: a space
 * the loaders refuse, or results that do not read back. */
static int sweep(const char *dir, const char *name, const char *text, lab5_sweep *s,
                 ab_error *err)
{
    memset(s, 0, sizeof *s);
    char file[4200], out[4200];
    snprintf(file, sizeof file, "%s/%s.yaml", dir, name);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    FILE *f = fopen(file, "w");
    if (!f)
        return ab_error_set(err, "%s: cannot write", file);
    const bool wrote = fputs(text, f) >= 0;
    if (fclose(f) != 0 || !wrote)
        return ab_error_set(err, "%s: cannot write", file);
    ab_sweep_spec spec;
    if (ab_sweep_load(file, &spec, err) != 0)
        return -1;
    const ab_sweep_opts o = {.dir = out, .jobs = LAB5_JOBS, .shard_i = 0, .shard_n = 1,
                             .progress = NULL, .progress_tty = false};
    ab_sweep_summary sum;
    const int rc = ab_sweep_run(&spec, &o, &sum, err);
    ab_sweep_free(&spec);
    if (rc != 0 || ab_results_load(out, &s->r, err) != 0)
        return -1;
    s->n = s->r.nrows;
    s->p = calloc(s->n ? s->n : 1, sizeof *s->p);
    if (!s->p) {
        sweep_free(s);
        return ab_error_set(err, "out of memory");
    }
    int col[NAX];
    for (size_t a = 0; a < NAX; a++)
        col[a] = ab_results_find(&s->r, axis_field[a]);
    const int ce = ab_results_find(&s->r, "energy_pj"), ca = ab_results_find(&s->r, "area_mm2"),
              cn = ab_results_find(&s->r, "output_nmse");
    for (size_t i = 0; i < s->n; i++) {
        lab5_point *p = &s->p[i];
        const ab_result_row *row = &s->r.rows[i];
        for (size_t a = 0; a < NAX; a++)
            p->val[a] = col[a] >= 0 ? row->cells[col[a]] : "";
        p->ok = row->status == AB_ROW_OK;
        if (!p->ok) {
            snprintf(p->reason, sizeof p->reason, "%s", row->cells[s->r.col_reason]);
            continue;
        }
        if (ce < 0 || ca < 0 || cn < 0 ||
            ab_results_number(&s->r, i, (size_t)ce, &p->energy_pj, err) != 0 ||
            ab_results_number(&s->r, i, (size_t)ca, &p->area_mm2, err) != 0 ||
            ab_results_number(&s->r, i, (size_t)cn, &p->nmse, err) != 0) {
            sweep_free(s);
            return ce < 0 || ca < 0 || cn < 0 ? ab_error_set(err, "%s: no energy, area or error "
                                                                  "column", out)
                                              : -1;
        }
    }
    return 0;
}

/* The space's figures for a draw (the answers and the threshold). */
typedef struct lab5_figures {
    size_t within, front;
    double best_pj;  /* 0: no point within the budget meets the target */
    double start_pj; /* the starting design's */
} lab5_figures;

static void figures(const lab5_sweep *s, const lab5_draw *d, lab5_figures *f)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < s->n; i++) {
        const lab5_point *p = &s->p[i];
        bool start = p->ok;
        for (size_t a = 0; a < NAX; a++)
            start = start && strcmp(p->val[a], start_design[a]) == 0;
        if (start)
            f->start_pj = p->energy_pj;
        if (!p->ok || p->area_mm2 > d->budget)
            continue;
        f->within++;
        if (p->nmse <= d->target && (f->best_pj == 0 || p->energy_pj < f->best_pj))
            f->best_pj = p->energy_pj;
        /* on the front: no point within the budget at least as good on both
         * and better on one (equal points do not dominate each other) */
        bool dominated = false;
        for (size_t j = 0; j < s->n && !dominated; j++) {
            const lab5_point *q = &s->p[j];
            dominated = j != i && q->ok && q->area_mm2 <= d->budget &&
                        q->energy_pj <= p->energy_pj && q->nmse <= p->nmse &&
                        (q->energy_pj < p->energy_pj || q->nmse < p->nmse);
        }
        f->front += !dominated;
    }
}

static int space_figures(const lab5_draw *d, const char *dir, lab5_figures *f, ab_error *err)
{
    char text[2048];
    if (space_text(text, sizeof text, NULL) != 0)
        return ab_error_set(err, "internal: lab 5's space does not fit its buffer");
    lab5_sweep s;
    if (sweep(dir, "space", text, &s, err) != 0)
        return -1;
    figures(&s, d, f);
    sweep_free(&s);
    if (f->best_pj <= 0 || f->start_pj <= 0)
        return ab_error_set(err, "internal: lab 5's space has no point under budget %g mm^2 "
                                 "and error %g, or lacks the starting design",
                            d->budget, d->target);
    return 0;
}

static int expected(uint64_t seed, double *e, ab_error *err)
{
    lab5_draw d;
    draw(seed, &d);
    char scratch[4096];
    if (ab_lab_scratch_make(scratch, sizeof scratch, err) != 0)
        return -1;
    lab5_figures f;
    const int rc = space_figures(&d, scratch, &f, err);
    ab_lab_scratch_remove(scratch);
    if (rc != 0)
        return -1;
    e[Q_WITHIN] = (double)f.within;
    e[Q_FRONT] = (double)f.front;
    e[Q_BEST] = f.best_pj * 1e-12;
    e[Q_SAVING] = (f.start_pj - f.best_pj) / f.start_pj * 100.0;
    return 0;
}

/* A design value goes into a YAML flow sequence: plain words only. */
static bool plain_value(const char *v)
{
    if (!*v)
        return false;
    for (const char *c = v; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.'))
            return false;
    return true;
}

/* DIR/design.yaml: each of axis_key, a plain word.  false with reason. */
static bool read_design(const char *dir, char val[NAX][32], char *reason, size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/design.yaml", dir);
    ab_error err = {{0}};
    ab_ydoc d;
    if (ab_ydoc_load(&d, path, &err) != 0) {
        snprintf(reason, cap, "%.150s", err.msg);
        return false;
    }
    const char *const allowed[] = {axis_key[0], axis_key[1], axis_key[2], axis_key[3], NULL};
    int rc = ab_ydoc_check_keys(&d, d.root, "", allowed);
    for (size_t a = 0; a < NAX && rc == 0; a++) {
        rc = ab_ydoc_str(&d, d.root, "", axis_key[a], true, val[a], 32);
        if (rc == 0 && !plain_value(val[a]))
            rc = ab_ydoc_fail(&d, ab_ydoc_get(d.root, axis_key[a]), axis_key[a],
                              "expected a word of letters, digits, '_' and '.', found '%s'",
                              val[a]);
    }
    ab_ydoc_free(&d);
    if (rc != 0)
        snprintf(reason, cap, "%.150s", err.msg);
    return rc == 0;
}

static int check(const ab_lab_check_ctx *ctx, ab_lab_result *r, ab_error *err)
{
    lab5_draw d;
    draw(ctx->seed, &d);
    char val[NAX][32], reason[sizeof r[0].reason];
    if (!read_design(ctx->dir, val, reason, sizeof reason)) {
        ab_lab_reason(&r[Q_RUNS], "%s", reason);
        ab_lab_reason(&r[Q_FITS], "no design to simulate");
        ab_lab_reason(&r[Q_DOMINATES], "no design to simulate");
        return 0;
    }
    /* the threshold: question 3's value, which the grader has just computed */
    const double best_pj = ctx->expected[Q_BEST] * 1e12;
    const char *one[NAX] = {val[0], val[1], val[2], val[3]};
    char text[2048];
    if (space_text(text, sizeof text, one) != 0)
        return ab_error_set(err, "internal: lab 5's design space does not fit its buffer");
    lab5_sweep s;
    ab_error serr = {{0}};
    if (sweep(ctx->scratch, "design", text, &s, &serr) != 0) {
        /* a value the loaders refuse (int99, a negative size): the student's */
        ab_lab_reason(&r[Q_RUNS], "design.yaml: %s", serr.msg);
        ab_lab_reason(&r[Q_FITS], "the design does not run");
        ab_lab_reason(&r[Q_DOMINATES], "the design does not run");
        return 0;
    }
    const lab5_point p = s.n == 1 ? s.p[0] : (lab5_point){.ok = false, .reason = "no point"};
    sweep_free(&s);
    if (!p.ok) {
        ab_lab_reason(&r[Q_RUNS], "the simulator drops the design: %s", p.reason);
        ab_lab_reason(&r[Q_FITS], "the design does not run");
        ab_lab_reason(&r[Q_DOMINATES], "the design does not run");
        return 0;
    }
    r[Q_RUNS].pass = true;
    ab_lab_reason(&r[Q_RUNS], "%s g%s, %s/%s KiB: %.6g J, %.6g mm^2, output NMSE %.6g", val[0], val[1], val[2],
             val[3], p.energy_pj * 1e-12, p.area_mm2, p.nmse);
    const bool area_ok = p.area_mm2 <= d.budget, error_ok = p.nmse <= d.target;
    r[Q_FITS].pass = area_ok && error_ok;
    ab_lab_reason(&r[Q_FITS], "area %.6g mm^2 %s %g, NMSE %.6g %s %g",
             p.area_mm2, area_ok ? "<=" : "exceeds the budget", d.budget, p.nmse,
             error_ok ? "<=" : "exceeds the target", d.target);
    const double over = (p.energy_pj - best_pj) / best_pj;
    r[Q_DOMINATES].pass = r[Q_FITS].pass && over <= ENERGY_SLACK;
    if (!r[Q_FITS].pass)
        ab_lab_reason(&r[Q_DOMINATES], "the design is outside the budget or the target");
    else
        ab_lab_reason(&r[Q_DOMINATES], "energy %.3f%% %s the best point under your budget and target (allowed: %g%%)",
                 over < 0 ? -over * 100.0 : over * 100.0, over < 0 ? "below" : "above",
                 ENERGY_SLACK * 100.0);
    return 0;
}

const ab_lab ab_lab5_dse = {
    .number = 5,
    .dir = "lab5-dse",
    .title = "Design-space exploration",
    .questions = questions,
    .nquestions = NQ,
    .params = params,
    .extra_file = extra_file,
    .expected = expected,
    .check = check,
};
