/* plot_data.c - what the plots of a sweep show, read from results.csv and
 * points/P.json and checked before gnuplot runs (plot.h). */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/pareto.h"

static const char *const names[AB_PLOT_COUNT] = {"pareto", "accuracy", "energy", "speedup",
                                                 "roofline"};
static const char *const captions[AB_PLOT_COUNT] = {
    "Latency vs energy of every ok point; the line joins the Pareto front (both minimized).",
    ("Energy vs error (the recipe's output NMSE, MAC-weighted over the ops) of every ok point "
     "with an accuracy estimate; the line joins the energy-accuracy Pareto front."),
    "Energy per point, stacked by component.",
    "Speedup (baseline latency / latency) of every point against its baseline.",
    ("Roofline: each op role of each point by operational intensity (2 x MACs per DRAM byte) "
     "and achieved ops/s, under its configuration's roofs (peak compute, DRAM bandwidth)."),
};

int ab_plot_log_parse(const char *s, ab_plot_log *out)
{
    static const char *const names_of[] = {"auto", "none", "x", "y", "xy"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names_of[i]) == 0) {
            *out = (ab_plot_log)i;
            return 0;
        }
    return -1;
}

const char *ab_plot_name(int which) { return names[which]; }
const char *ab_plot_caption(int which) { return captions[which]; }

static const char *const part_cols[AB_ENERGY_PARTS] = {
    "pe_pj", "dequant_pj", "sram_read_pj", "sram_write_pj", "dram_pj", "leakage_pj"};

void ab_plot_data_free(ab_plot_data *d)
{
    free(d->ok);
    free(d->seconds);
    free(d->energy);
    free(d->parts);
    free(d->front);
    free(d->base);
    free(d->error);
    free(d->err_front);
    ab_roofline_free(&d->roof);
    memset(d, 0, sizeof *d);
}

/* Whether columns a and b hold the same text on every ok row. */
static bool same_column(const ab_results *r, size_t a, size_t b)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].status == AB_ROW_OK && strcmp(r->rows[i].cells[a], r->rows[i].cells[b]))
            return false;
    return true;
}

size_t ab_plot_varying_inputs(const ab_results *r, size_t *cols, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ninputs && n < cap; i++) {
        if (!ab_results_varies(r, r->inputs[i]))
            continue;
        /* an axis that repeats the effective workload (workload.phase and
         * phase) would only say the same thing twice */
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = same_column(r, cols[j], r->inputs[i]);
        if (!dup)
            cols[n++] = r->inputs[i];
    }
    return n;
}

static int need_column(const ab_results *r, const char *name, size_t *col, ab_error *err)
{
    const int c = ab_results_find(r, name);
    if (c < 0)
        return ab_error_set(
            err, "%s: column %s: missing (the plots need it; docs/sweeps.md lists the columns)",
            r->path, name);
    *col = (size_t)c;
    return 0;
}

/* Two CSV texts name the same value: equal strings, or equal numbers
 * ("64" and "64.0"). */
static bool same_value(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return true;
    char *ea, *eb;
    errno = 0;
    const double x = strtod(a, &ea), y = strtod(b, &eb);
    return *a && *b && !*ea && !*eb && !errno && x == y;
}

static bool is_input(const ab_results *r, size_t col)
{
    for (size_t i = 0; i < r->ninputs; i++)
        if (r->inputs[i] == col)
            return true;
    return false;
}

typedef struct cell_pair {
    const char *by, *col;
} cell_pair;

static int by_then_col(const void *pa, const void *pb)
{
    const cell_pair *a = pa, *b = pb;
    const int c = strcmp(a->by, b->by);
    return c ? c : strcmp(a->col, b->col);
}

/* Whether column `col` is a function of column `by` over the ok rows: rows
 * equal in `by` are equal in `col` (a config's own recipe is a function of
 * the config).  Such a column says nothing about the workload and would keep
 * a point from ever matching a baseline of another config. */
static bool determined_by(const ab_results *r, size_t col, size_t by)
{
    cell_pair *p = malloc((r->nrows ? r->nrows : 1) * sizeof *p);
    if (!p)
        return false; /* keep the column in the key: stricter, never wrong */
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].status == AB_ROW_OK)
            p[n++] = (cell_pair){r->rows[i].cells[by], r->rows[i].cells[col]};
    qsort(p, n, sizeof *p, by_then_col);
    bool ok = true;
    for (size_t i = 1; i < n && ok; i++)
        ok = strcmp(p[i - 1].by, p[i].by) != 0 || strcmp(p[i - 1].col, p[i].col) == 0;
    free(p);
    return ok;
}

/* Each point's baseline: the ok row with by=value and the same workload
 * (model, phase, batch) and other inputs, leaving out `by` and the inputs
 * that are functions of it (docs/plots.md "Speedup baseline"). */
static bool match_baselines(const ab_results *r, ab_plot_data *d, size_t by, const char *value)
{
    bool key[256];
    const size_t nin = r->ninputs < 256 ? r->ninputs : 256;
    for (size_t k = 0; k < nin; k++) {
        const size_t c = r->inputs[k];
        const bool workload = strcmp(r->cols[c], "model") == 0 || strcmp(r->cols[c], "phase") == 0 ||
                              strcmp(r->cols[c], "batch") == 0;
        key[k] = c != by && (workload || !determined_by(r, c, by));
    }
    bool any = false;
    for (size_t i = 0; i < d->nok; i++) {
        const ab_result_row *row = &r->rows[d->ok[i]];
        d->base[i] = -1;
        for (size_t j = 0; j < d->nok && d->base[i] < 0; j++) {
            const ab_result_row *b = &r->rows[d->ok[j]];
            if (!same_value(b->cells[by], value))
                continue;
            any = true;
            bool same = true;
            for (size_t k = 0; k < nin && same; k++)
                if (key[k])
                    same = strcmp(b->cells[r->inputs[k]], row->cells[r->inputs[k]]) == 0;
            if (same)
                d->base[i] = (ssize_t)j;
        }
    }
    return any;
}

static int find_baselines(const ab_results *r, const ab_plot_opts *o, ab_plot_data *d,
                          ab_error *err)
{
    if (!o->baseline) {
        /* a sweep over accelerators: each point against the first ok
         * point's accelerator on the same workload; otherwise the first ok
         * point for all */
        const int cc = ab_results_find(r, "config");
        if (cc >= 0 && is_input(r, (size_t)cc) && ab_results_varies(r, (size_t)cc)) {
            const char *first = r->rows[d->ok[0]].cells[cc];
            snprintf(d->baseline_desc, sizeof d->baseline_desc, "config=%.200s", first);
            d->baseline_per_point = true;
            match_baselines(r, d, (size_t)cc, first);
            return 0;
        }
        for (size_t i = 0; i < d->nok; i++)
            d->base[i] = 0;
        snprintf(d->baseline_desc, sizeof d->baseline_desc, "point %llu",
                 (unsigned long long)r->rows[d->ok[0]].point);
        return 0;
    }
    const char *eq = strchr(o->baseline, '=');
    if (!eq || eq == o->baseline)
        return ab_error_set(err,
                            "--baseline: expected COL=VALUE (an input column and one of "
                            "its values), found '%.100s'",
                            o->baseline);
    char col_name[256];
    snprintf(col_name, sizeof col_name, "%.*s", (int)(eq - o->baseline), o->baseline);
    const char *value = eq + 1;
    const int c = ab_results_find(r, col_name);
    if (c < 0 || !is_input(r, (size_t)c)) {
        char list[400] = "";
        for (size_t i = 0; i < r->ninputs; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     r->cols[r->inputs[i]]);
        return ab_error_set(err,
                            "%s: --baseline: '%.80s' is not an input column (input "
                            "columns: %s)",
                            r->path, col_name, list);
    }
    snprintf(d->baseline_desc, sizeof d->baseline_desc, "%.120s=%.120s", col_name, value);
    d->baseline_per_point = true;
    if (!match_baselines(r, d, (size_t)c, value))
        return ab_error_set(err, "%s: --baseline: no ok row has %.80s=%.80s", r->path, col_name,
                            value);
    return 0;
}

int ab_plot_prepare(const ab_results *r, const ab_plot_opts *o, ab_plot_data *d, ab_error *err)
{
    memset(d, 0, sizeof *d);
    d->r = r;
    d->max_bars = o->max_bars ? o->max_bars : AB_PLOT_MAX_BARS;
    d->nok = ab_results_count(r, AB_ROW_OK);
    if (d->nok == 0)
        return ab_error_set(err,
                            "%s: no row has status ok (%zu dropped, %zu constraint): "
                            "nothing to plot",
                            r->path, ab_results_count(r, AB_ROW_DROPPED),
                            ab_results_count(r, AB_ROW_CONSTRAINT));
    size_t c_sec = 0, c_en = 0, c_parts[AB_ENERGY_PARTS] = {0};
    if (need_column(r, "seconds", &c_sec, err) != 0 || need_column(r, "energy_pj", &c_en, err) != 0)
        return -1;
    for (int p = 0; p < AB_ENERGY_PARTS; p++)
        if (need_column(r, part_cols[p], &c_parts[p], err) != 0)
            return -1;
    const size_t n = d->nok;
    d->ok = malloc(n * sizeof *d->ok);
    d->seconds = malloc(n * sizeof *d->seconds);
    d->energy = malloc(n * sizeof *d->energy);
    d->parts = malloc(n * sizeof *d->parts);
    d->front = malloc(n * sizeof *d->front);
    d->base = malloc(n * sizeof *d->base);
    d->error = malloc(n * sizeof *d->error);
    d->err_front = malloc(n * sizeof *d->err_front);
    d->log = o->log;
    if (!d->ok || !d->seconds || !d->energy || !d->parts || !d->front || !d->base || !d->error ||
        !d->err_front) {
        ab_plot_data_free(d);
        return ab_error_set(err, "%s: out of memory", r->path);
    }
    /* the error column is optional (a sweep without accuracy estimates),
     * and so is each row's value (empty when that point had none) */
    const int c_err = ab_results_find(r, "error");
    size_t k = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        if (r->rows[i].status != AB_ROW_OK)
            continue;
        d->ok[k] = i;
        d->error[k] = NAN;
        if (c_err >= 0 && r->rows[i].cells[c_err][0] != '\0') {
            double e = 0;
            if (ab_results_number(r, i, (size_t)c_err, &e, err) != 0) {
                ab_plot_data_free(d);
                return -1;
            }
            d->error[k] = e;
            d->nerr++;
        }
        int bad = ab_results_number(r, i, c_sec, &d->seconds[k], err) ||
                  ab_results_number(r, i, c_en, &d->energy[k], err);
        for (int p = 0; p < AB_ENERGY_PARTS && !bad; p++)
            bad = ab_results_number(r, i, c_parts[p], &d->parts[k][p], err);
        if (!bad && !(d->seconds[k] > 0))
            bad =
                ab_error_set(err, "%s:%lu: column %s: expected a latency > 0 (point %llu)", r->path,
                             r->rows[i].line, r->cols[c_sec], (unsigned long long)r->rows[i].point);
        if (bad) {
            ab_plot_data_free(d);
            return -1;
        }
        k++;
    }
    /* the energy/error front over the rows with an estimate */
    size_t *with = malloc((d->nerr ? d->nerr : 1) * sizeof *with);
    double *ex = malloc((d->nerr ? d->nerr : 1) * sizeof *ex),
           *ey = malloc((d->nerr ? d->nerr : 1) * sizeof *ey);
    int frc = with && ex && ey ? 0 : ab_error_set(err, "%s: out of memory", r->path);
    size_t m = 0;
    for (size_t i = 0; frc == 0 && i < n; i++)
        if (!isnan(d->error[i])) {
            with[m] = i;
            ex[m] = d->energy[i];
            ey[m++] = d->error[i];
        }
    if (frc == 0 && m > 0)
        frc = ab_pareto_front(ex, ey, m, false, false, d->err_front, &d->nerr_front, err);
    for (size_t j = 0; frc == 0 && j < d->nerr_front; j++)
        d->err_front[j] = with[d->err_front[j]];
    free(with);
    free(ex);
    free(ey);
    if (frc != 0 ||
        ab_pareto_front(d->seconds, d->energy, n, false, false, d->front, &d->nfront, err) != 0 ||
        find_baselines(r, o, d, err) != 0 || ab_roofline_load(r, &d->roof, err) != 0) {
        ab_plot_data_free(d);
        return -1;
    }
    return 0;
}
