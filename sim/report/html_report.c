/* html_report.c - the sweep report page (html_report.h): every byte it
 * needs is in the one file (inline CSS, inline SVG, no scripts, no fonts),
 * so it can be mailed or archived with the results. */
#include "html_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "results/report.h"

#ifndef ANYBIT_VERSION
#define ANYBIT_VERSION "0.0.0"
#endif


static const char style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:2em auto;max-width:1360px;padding:0 1em;color:#222;line-height:1.4}"
    /* a table wider than the page scrolls inside its box; cells wrap long
     * names so the page itself stays within 1400 px */
    ".wide{max-width:100%;overflow-x:auto}"
    "td,th{overflow-wrap:anywhere;max-width:22em}"
    ".missing{background:#fff4e5;border:1px solid #e0b070;padding:.5em}"
    "h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
    ".desc{color:#444;font-size:1.1em}.meta{color:#777;font-size:.9em}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "th{background:#f0f0f0}tr:nth-child(even) td{background:#fafafa}"
    "h3{margin-top:1.2em}figure{margin:1em 0}figure svg{width:100%;height:auto;max-width:960px;"
    "border:1px solid #ddd}figcaption{color:#555;font-size:.9em}";

/* One gnuplot SVG inside the page: the XML prolog dropped and every id
 * (and reference to one) prefixed, since five documents now share one id
 * space and gnuplot names its markers the same in each. */
static void inline_svg(FILE *f, const char *svg, int which)
{
    const char *p = strstr(svg, "<svg");
    if (!p)
        return;
    static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
    for (;;) {
        const char *next = NULL;
        size_t len = 0;
        for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++) {
            const char *q = strstr(p, refs[k]);
            if (q && (!next || q < next)) {
                next = q;
                len = strlen(refs[k]);
            }
        }
        if (!next) {
            fputs(p, f);
            return;
        }
        fwrite(p, 1, (size_t)(next - p) + len, f);
        fprintf(f, "p%d-", which);
        p = next + len;
    }
}

static bool has_col(const ab_results *r, const char *name, size_t *col)
{
    const int c = ab_results_find(r, name);
    if (c >= 0)
        *col = (size_t)c;
    return c >= 0;
}

/* A numeric cell shown with units; the CSV text when it is not a number. */
static void value_cell(FILE *f, const ab_results *r, size_t row, size_t col)
{
    const char *name = r->cols[col];
    double v;
    char b[48];
    fputs("<td class=n>", f);
    if (ab_results_number(r, row, col, &v, NULL) != 0) {
        ab_xml_escape(f, r->rows[row].cells[col]);
    } else if (strcmp(name, "seconds") == 0) {
        fputs(ab_fmt_si(b, sizeof b, v, "s"), f);
    } else if (strcmp(name, "energy_pj") == 0) {
        fputs(ab_fmt_si(b, sizeof b, v * 1e-12, "J"), f);
    } else if (strcmp(name, "edp_pj_s") == 0) {
        fputs(ab_fmt_si(b, sizeof b, v * 1e-12, "J&middot;s"), f);
    } else if (strcmp(name, "tokens_per_s") == 0) {
        fputs(ab_fmt_si(b, sizeof b, v, ""), f);
    } else if (strcmp(name, "utilization") == 0) {
        fprintf(f, "%.1f%%", 100 * v);
    } else {
        fprintf(f, "%.4g", v);
    }
    fputs("</td>", f);
}

typedef struct shown_col {
    size_t col;
    const char *head;
} shown_col;

/* The output columns the result tables show, those the CSV has. */
static size_t output_cols(const ab_results *r, shown_col *out)
{
    static const char *const want[][2] = {
        {"seconds", "latency"},       {"energy_pj", "energy"}, {"area_mm2", "area (mm&sup2;)"},
        {"tokens_per_s", "tokens/s"}, {"images_per_s", "images/s"},
        {"edp_pj_s", "EDP"},          {"utilization", "PE utilization"},
        {"output_sqnr_db", "output SQNR (dB)"}, {"output_nmse", "error (NMSE)"}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (has_col(r, want[i][0], &out[n].col))
            out[n++].head = want[i][1];
    return n;
}

static void row_table(FILE *f, const ab_results *r, const size_t *rows, size_t n,
                      const size_t *varying, size_t nvarying, bool rank)
{
    shown_col outs[12];
    const size_t nouts = output_cols(r, outs);
    fputs("<div class=wide><table><tr>", f);
    if (rank)
        fputs("<th>#</th>", f);
    fputs("<th>point</th>", f);
    for (size_t k = 0; k < nvarying; k++) {
        fputs("<th>", f);
        ab_xml_escape(f, r->cols[varying[k]]);
        fputs("</th>", f);
    }
    for (size_t k = 0; k < nouts; k++)
        fprintf(f, "<th>%s</th>", outs[k].head);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        const ab_result_row *row = &r->rows[rows[i]];
        fputs("<tr>", f);
        if (rank)
            fprintf(f, "<td class=n>%zu</td>", i + 1);
        fprintf(f, "<td class=n>%llu</td>", (unsigned long long)row->point);
        for (size_t k = 0; k < nvarying; k++) {
            fputs("<td>", f);
            ab_xml_escape(f, row->cells[varying[k]]);
            fputs("</td>", f);
        }
        for (size_t k = 0; k < nouts; k++)
            value_cell(f, r, rows[i], outs[k].col);
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

static void summary(FILE *f, const ab_results *r)
{
    const size_t ok = ab_results_count(r, AB_ROW_OK), dr = ab_results_count(r, AB_ROW_DROPPED),
                 co = ab_results_count(r, AB_ROW_CONSTRAINT);
    fprintf(f,
            "<h2>Summary</h2>\n<table><tr><th>points</th><th>ok</th><th>dropped</th>"
            "<th>constraint</th></tr>\n<tr><td class=n>%zu</td><td class=n>%zu</td>"
            "<td class=n>%zu</td><td class=n>%zu</td></tr></table>\n",
            r->nrows, ok, dr, co);
    if (dr + co == 0)
        return;
    fputs("<table><tr><th>status</th><th>reason</th><th>points</th></tr>\n", f);
    /* count each (status, reason) once, in order of first appearance */
    for (size_t i = 0; i < r->nrows; i++) {
        const ab_result_row *row = &r->rows[i];
        if (row->status == AB_ROW_OK)
            continue;
        const char *reason = row->cells[r->col_reason];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = r->rows[j].status == row->status &&
                   strcmp(r->rows[j].cells[r->col_reason], reason) == 0;
        if (seen)
            continue;
        size_t n = 0;
        for (size_t j = i; j < r->nrows; j++)
            n += r->rows[j].status == row->status &&
                 strcmp(r->rows[j].cells[r->col_reason], reason) == 0;
        fprintf(f, "<tr><td>%s</td><td>", ab_row_status_name(row->status));
        ab_xml_escape(f, *reason ? reason : "(none given)");
        fprintf(f, "</td><td class=n>%zu</td></tr>\n", n);
    }
    fputs("</table>\n", f);
}

typedef struct sort_key {
    double v;
    size_t row;
} sort_key;

static int by_value(const void *pa, const void *pb)
{
    const sort_key *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static int top_table(FILE *f, const ab_html_in *in, const size_t *varying, size_t nvarying,
                     ab_error *err)
{
    const ab_results *r = in->r;
    const size_t nok = ab_results_count(r, AB_ROW_OK);
    sort_key *k = malloc((nok ? nok : 1) * sizeof *k);
    size_t *rows = malloc((nok ? nok : 1) * sizeof *rows);
    if (!k || !rows) {
        free(k);
        free(rows);
        return ab_error_set(err, "report: out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        if (r->rows[i].status != AB_ROW_OK)
            continue;
        if (ab_results_number(r, i, in->sort_col, &k[n].v, err) != 0) {
            free(k);
            free(rows);
            return -1;
        }
        if (in->sort_desc)
            k[n].v = -k[n].v;
        k[n++].row = i;
    }
    qsort(k, n, sizeof *k, by_value);
    const size_t shown = n < in->top ? n : in->top;
    for (size_t i = 0; i < shown; i++)
        rows[i] = k[i].row;
    fprintf(f, "<h2>Top %zu of %zu ok points by ", shown, n);
    ab_xml_escape(f, in->sort_name);
    if (strcmp(in->sort_name, r->cols[in->sort_col]) != 0) {
        fputs(" (", f);
        ab_xml_escape(f, r->cols[in->sort_col]);
        fputs(")", f);
    }
    fprintf(f, ", %s first</h2>\n", in->sort_desc ? "largest" : "smallest");
    row_table(f, r, rows, shown, varying, nvarying, true);
    free(k);
    free(rows);
    return 0;
}

/* The ok rows of each (model, phase), in order of first appearance, each
 * table sorted like the top table and without the model and phase columns. */
static int by_workload(FILE *f, const ab_html_in *in, const size_t *varying, size_t nvarying,
                       ab_error *err)
{
    const ab_results *r = in->r;
    size_t cm = 0, cp = 0;
    const bool hm = has_col(r, "model", &cm), hp = has_col(r, "phase", &cp);
    if (!hm || !hp || (!ab_results_varies(r, cm) && !ab_results_varies(r, cp)))
        return 0;
    size_t cols[64], ncols = 0;
    for (size_t k = 0; k < nvarying; k++)
        if (strcmp(r->cols[varying[k]], "model") != 0 && strcmp(r->cols[varying[k]], "phase") != 0)
            cols[ncols++] = varying[k];
    sort_key *k = malloc((r->nrows ? r->nrows : 1) * sizeof *k);
    size_t *rows = malloc((r->nrows ? r->nrows : 1) * sizeof *rows);
    bool *done = calloc(r->nrows ? r->nrows : 1, sizeof *done);
    if (!k || !rows || !done) {
        free(k);
        free(rows);
        free(done);
        return ab_error_set(err, "report: out of memory");
    }
    fputs("<h2>By model and phase</h2>\n", f);
    int rc = 0;
    for (size_t i = 0; i < r->nrows && rc == 0; i++) {
        if (r->rows[i].status != AB_ROW_OK || done[i])
            continue;
        const char *model = r->rows[i].cells[cm], *phase = r->rows[i].cells[cp];
        size_t n = 0;
        for (size_t j = i; j < r->nrows && rc == 0; j++) {
            if (r->rows[j].status != AB_ROW_OK || strcmp(r->rows[j].cells[cm], model) != 0 ||
                strcmp(r->rows[j].cells[cp], phase) != 0)
                continue;
            done[j] = true;
            rc = ab_results_number(r, j, in->sort_col, &k[n].v, err);
            if (in->sort_desc)
                k[n].v = -k[n].v;
            k[n++].row = j;
        }
        qsort(k, n, sizeof *k, by_value);
        for (size_t j = 0; j < n; j++)
            rows[j] = k[j].row;
        fputs("<h3>", f);
        ab_xml_escape(f, model);
        fputs(", ", f);
        ab_xml_escape(f, phase);
        fprintf(f, " (%zu point%s, by ", n, n == 1 ? "" : "s");
        ab_xml_escape(f, in->sort_name);
        fputs(")</h3>\n", f);
        row_table(f, r, rows, n, cols, ncols, false);
    }
    free(k);
    free(rows);
    free(done);
    return rc;
}

int ab_html_report(const char *path, const ab_html_in *in, ab_error *err)
{
    const ab_results *r = in->r;
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    FILE *f = af.fp;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    ab_xml_escape(f, in->meta->name);
    fputs(" - anybit sweep report</title>\n<style>", f);
    fputs(style, f);
    fputs("</style>\n</head>\n<body>\n<h1>", f);
    ab_xml_escape(f, in->meta->name);
    fputs("</h1>\n", f);
    if (in->meta->description[0]) {
        fputs("<p class=desc>", f);
        ab_xml_escape(f, in->meta->description);
        fputs("</p>\n", f);
    }
    fputs("<p class=meta>Sweep directory <code>", f);
    ab_xml_escape(f, r->dir);
    fputs("</code>; report by anybit " ANYBIT_VERSION " (docs/plots.md).</p>\n", f);
    summary(f, r);
    size_t varying[64];
    const size_t nvarying = ab_plot_varying_inputs(r, varying, sizeof varying / sizeof varying[0]);
    if (!in->plot) {
        fputs("<p>No point finished with status ok: nothing to rank or plot.</p>\n", f);
    } else {
        const ab_plot_data *d = in->plot;
        size_t *rows = malloc((d->nok ? d->nok : 1) * sizeof *rows);
        if (!rows) {
            ab_atomic_abort(&af);
            return ab_error_set(err, "report: out of memory");
        }
        for (size_t j = 0; j < d->nfront; j++)
            rows[j] = d->ok[d->front[j]];
        fprintf(f,
                "<h2>Pareto front: latency vs energy</h2>\n<p>%zu of %zu ok points: no other "
                "point has both a lower (or equal) latency and a lower (or equal) energy. "
                "Sorted by latency.</p>\n",
                d->nfront, d->nok);
        row_table(f, r, rows, d->nfront, varying, nvarying, false);
        if (d->nerr > 0) {
            for (size_t j = 0; j < d->nerr_front; j++)
                rows[j] = d->ok[d->err_front[j]];
            fprintf(f,
                    "<h2>Pareto front: energy vs error</h2>\n<p>%zu of the %zu ok points with an "
                    "accuracy estimate: no other point has both a lower (or equal) energy and a "
                    "lower (or equal) error, the recipe's output NMSE (docs/quantization.md). "
                    "Sorted by energy.</p>\n",
                    d->nerr_front, d->nerr);
            row_table(f, r, rows, d->nerr_front, varying, nvarying, false);
        }
        free(rows);
        if (top_table(f, in, varying, nvarying, err) != 0) {
            ab_atomic_abort(&af);
            return -1;
        }
        if (by_workload(f, in, varying, nvarying, err) != 0) {
            ab_atomic_abort(&af);
            return -1;
        }
        if (!in->plots) {
            fputs("<h2>Plots</h2>\n<p class=missing>The plots are missing: ", f);
            ab_xml_escape(f, in->plots_missing ? in->plots_missing : "not drawn");
            fputs(". Install gnuplot and run <code>anybit report</code> again.</p>\n", f);
        } else {
            fputs("<h2>Plots</h2>\n<p>Hover over a mark for its point and values.</p>\n", f);
        }
        for (int i = 0; in->plots && i < AB_PLOT_COUNT; i++) {
            fprintf(f, "<figure id=\"plot-%s\">\n", ab_plot_name(i));
            inline_svg(f, in->plots->svg[i], i);
            fputs("<figcaption>", f);
            ab_xml_escape(f, ab_plot_caption(i));
            fputs("</figcaption>\n</figure>\n", f);
        }
    }
    fputs("</body>\n</html>\n", f);
    return ab_atomic_commit(&af, err);
}
