/* cmd_pareto.c - `anybit pareto DIR --x COL --y COL`: the Pareto front of a
 * sweep's ok points as a table, CSV and JSON (docs/plots.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "atomic_file.h"
#include "cli.h"
#include "results/pareto.h"
#include "report/plot.h"
#include "results/report.h"
#include "results/results.h"
#include "results/row_filter.h"

#define PARETO_MAX_WHERE 8

static void usage(FILE *out)
{
    fprintf(out, "usage: anybit pareto DIR [--x COL] [--y COL] [--maximize-x] [--maximize-y]\n"
                 "                     [--where COND ...] [--csv FILE] [--json FILE]\n\n"
                 "  DIR             a sweep directory (anybit sweep, anybit merge)\n"
                 "  --x, --y COL    the two objectives, any numeric column of results.csv or an\n"
                 "                  alias: latency, energy, area, throughput, edp, error (the\n"
                 "                  accuracy estimate's output NMSE: --x energy --y error)\n"
                 "                  (default --x latency --y energy)\n"
                 "  --maximize-x/y  larger is better on that axis (default: smaller is better)\n"
                 "  --where COND    only the points with COLUMN OP NUMBER, OP one of <= < >= >\n"
                 "                  == (e.g. --where 'area<=4.8': a budget); up to 8, all must\n"
                 "                  hold\n"
                 "  --csv FILE      the front as CSV: point, the two columns, the input columns\n"
                 "                  that vary\n"
                 "  --json FILE     the front as JSON, with every input column\n\n"
                 "Only rows with status ok take part.  A point is on the front when no other\n"
                 "point is at least as good on both axes and better on one; points with equal\n"
                 "values are all kept.  The table is sorted by x.\n");
}

/* A JSON value for a CSV text: a number when the whole text is one. */
static cJSON *json_value(const char *s)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    if (*s && !*end && !errno && isfinite(v))
        return cJSON_CreateNumber(v);
    return cJSON_CreateString(s);
}

typedef struct front_view {
    const ab_results *r;
    size_t cx, cy;
    const size_t *rows; /* results rows of the front, by x */
    size_t n;
    size_t varying[64];
    size_t nvarying;
} front_view;

static int write_csv(const char *path, const front_view *v, ab_error *err)
{
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    const ab_results *r = v->r;
    fputs("point,", af.fp);
    ab_csv_field(af.fp, r->cols[v->cx]);
    fputc(',', af.fp);
    ab_csv_field(af.fp, r->cols[v->cy]);
    for (size_t k = 0; k < v->nvarying; k++) {
        fputc(',', af.fp);
        ab_csv_field(af.fp, r->cols[v->varying[k]]);
    }
    fputc('\n', af.fp);
    for (size_t i = 0; i < v->n; i++) {
        const ab_result_row *row = &r->rows[v->rows[i]];
        fprintf(af.fp, "%llu,", (unsigned long long)row->point);
        ab_csv_field(af.fp, row->cells[v->cx]);
        fputc(',', af.fp);
        ab_csv_field(af.fp, row->cells[v->cy]);
        for (size_t k = 0; k < v->nvarying; k++) {
            fputc(',', af.fp);
            ab_csv_field(af.fp, row->cells[v->varying[k]]);
        }
        fputc('\n', af.fp);
    }
    return ab_atomic_commit(&af, err);
}

static int write_json(const char *path, const front_view *v, bool max_x, bool max_y, size_t nok,
                      const ab_row_filter *where, size_t nwhere, ab_error *err)
{
    const ab_results *r = v->r;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "sweep", r->dir);
    cJSON_AddStringToObject(root, "x", r->cols[v->cx]);
    cJSON_AddStringToObject(root, "y", r->cols[v->cy]);
    cJSON_AddBoolToObject(root, "maximize_x", max_x);
    cJSON_AddBoolToObject(root, "maximize_y", max_y);
    cJSON_AddNumberToObject(root, "ok_points", (double)nok);
    cJSON *w = cJSON_AddArrayToObject(root, "where");
    for (size_t k = 0; k < nwhere; k++)
        cJSON_AddItemToArray(w, cJSON_CreateString(where[k].text));
    cJSON *front = cJSON_AddArrayToObject(root, "front");
    for (size_t i = 0; i < v->n; i++) {
        const ab_result_row *row = &r->rows[v->rows[i]];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "point", (double)row->point);
        cJSON_AddItemToObject(o, r->cols[v->cx], json_value(row->cells[v->cx]));
        if (v->cy != v->cx)
            cJSON_AddItemToObject(o, r->cols[v->cy], json_value(row->cells[v->cy]));
        cJSON *in = cJSON_AddObjectToObject(o, "inputs");
        for (size_t k = 0; k < r->ninputs; k++)
            cJSON_AddItemToObject(in, r->cols[r->inputs[k]], json_value(row->cells[r->inputs[k]]));
        cJSON_AddItemToArray(front, o);
    }
    return ab_write_json(path, root, err);
}

/* The human table: columns as wide as their widest cell. */
static void print_table(FILE *out, const front_view *v)
{
    const ab_results *r = v->r;
    size_t cols[66];
    size_t nc = 0;
    cols[nc++] = r->col_point;
    cols[nc++] = v->cx;
    if (v->cy != v->cx)
        cols[nc++] = v->cy;
    for (size_t k = 0; k < v->nvarying; k++)
        cols[nc++] = v->varying[k];
    int width[66];
    for (size_t c = 0; c < nc; c++) {
        width[c] = (int)strlen(r->cols[cols[c]]);
        for (size_t i = 0; i < v->n; i++) {
            const int w = (int)strlen(r->rows[v->rows[i]].cells[cols[c]]);
            width[c] = w > width[c] ? w : width[c];
        }
        width[c] = width[c] > 40 ? 40 : width[c];
    }
    for (size_t c = 0; c < nc; c++)
        fprintf(out, "%s%-*s", c ? "  " : "", c + 1 < nc ? width[c] : 0, r->cols[cols[c]]);
    fputc('\n', out);
    for (size_t i = 0; i < v->n; i++) {
        for (size_t c = 0; c < nc; c++) /* the last column unpadded: no trailing blanks */
            fprintf(out, "%s%-*.*s", c ? "  " : "", c + 1 < nc ? width[c] : 0, width[c],
                    r->rows[v->rows[i]].cells[cols[c]]);
        fputc('\n', out);
    }
}

int cmd_pareto(int argc, char **argv)
{
    const char *dir = NULL, *xname = NULL, *yname = NULL, *csv = NULL, *json = NULL;
    bool max_x = false, max_y = false, bad = false;
    const char *where[PARETO_MAX_WHERE];
    size_t nwhere = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (strcmp(argv[i], "--maximize-x") == 0) {
            max_x = true;
        } else if (strcmp(argv[i], "--maximize-y") == 0) {
            max_y = true;
        } else if (strcmp(argv[i], "--where") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("pareto", "--where needs a condition (e.g. 'area<=4.8')");
            if (nwhere == PARETO_MAX_WHERE)
                return cli_usage_error("pareto", "more than %d --where conditions",
                                       PARETO_MAX_WHERE);
            where[nwhere++] = argv[++i];
        } else if (cli_opt_once(argc, argv, &i, "--x", &xname, &bad) ||
                   cli_opt_once(argc, argv, &i, "--y", &yname, &bad) ||
                   cli_opt_once(argc, argv, &i, "--csv", &csv, &bad) ||
                   cli_opt_once(argc, argv, &i, "--json", &json, &bad)) {
            continue;
        } else if (argv[i][0] == '-' || dir) {
            return cli_usage_error("pareto", "unexpected argument '%s' (anybit pareto --help)",
                                   argv[i]);
        } else {
            dir = argv[i];
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!dir)
        return cli_usage_error("pareto", "the sweep directory is required (anybit pareto --help)");
    xname = xname ? xname : "latency";
    yname = yname ? yname : "energy";
    if (strcmp(xname, yname) == 0)
        return cli_usage_error("pareto", "--x and --y both name '%s': a front needs two "
                                         "objectives", xname);
    FILE *table;
    const int tc = cli_table_stream("pareto", json, csv, &table);
    if (tc)
        return tc;
    ab_error err;
    ab_results r;
    if (ab_results_load(dir, &r, &err) != 0)
        return cli_input_error("pareto", &err);
    const int cx = ab_results_find(&r, xname), cy = ab_results_find(&r, yname);
    if (cx < 0 || cy < 0) {
        const int rc = ab_results_unknown_column(stderr, "pareto", &r, cx < 0 ? "--x" : "--y",
                                                 cx < 0 ? xname : yname);
        ab_results_free(&r);
        return rc;
    }
    ab_row_filter filters[PARETO_MAX_WHERE];
    for (size_t k = 0; k < nwhere; k++)
        if (ab_row_filter_parse(&r, where[k], &filters[k], &err) != 0) {
            ab_results_free(&r);
            return cli_input_error("pareto", &err);
        }
    const size_t nall = ab_results_count(&r, AB_ROW_OK);
    size_t nok = 0; /* the ok rows that meet every --where */
    size_t *okrow = malloc((nall ? nall : 1) * sizeof *okrow);
    double *x = malloc((nall ? nall : 1) * sizeof *x), *y = malloc((nall ? nall : 1) * sizeof *y);
    size_t *front = malloc((nall ? nall : 1) * sizeof *front);
    int rc = AB_EXIT_OK;
    size_t nfront = 0;
    if (!okrow || !x || !y || !front) {
        ab_error_set(&err, "%s: out of memory", r.path);
        rc = cli_input_error("pareto", &err);
        goto out;
    }
    if (nall == 0) {
        ab_error_set(&err, "%s: no row has status ok (%zu dropped, %zu constraint): no front",
                     r.path, ab_results_count(&r, AB_ROW_DROPPED),
                     ab_results_count(&r, AB_ROW_CONSTRAINT));
        rc = cli_input_error("pareto", &err);
        goto out;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        bool keep;
        if (r.rows[i].status != AB_ROW_OK)
            continue;
        if (ab_row_filter_keep(&r, i, filters, nwhere, &keep, &err) != 0) {
            rc = cli_input_error("pareto", &err);
            goto out;
        }
        if (!keep)
            continue;
        okrow[nok] = i;
        if (ab_results_number(&r, i, (size_t)cx, &x[nok], &err) != 0 ||
            ab_results_number(&r, i, (size_t)cy, &y[nok], &err) != 0) {
            rc = cli_input_error("pareto", &err);
            goto out;
        }
        nok++;
    }
    if (nok == 0) {
        ab_error_set(&err, "%s: none of the %zu ok points meets %s%s: no front", r.path, nall,
                     nwhere > 1 ? "every --where, e.g. " : "--where ", filters[0].text);
        rc = cli_input_error("pareto", &err);
        goto out;
    }
    if (ab_pareto_front(x, y, nok, max_x, max_y, front, &nfront, &err) != 0) {
        rc = cli_input_error("pareto", &err);
        goto out;
    }
    for (size_t j = 0; j < nfront; j++)
        front[j] = okrow[front[j]];
    front_view v = {&r, (size_t)cx, (size_t)cy, front, nfront, {0}, 0};
    v.nvarying = ab_plot_varying_inputs(&r, v.varying, sizeof v.varying / sizeof v.varying[0]);
    if ((csv && write_csv(csv, &v, &err) != 0) ||
        (json && write_json(json, &v, max_x, max_y, nok, filters, nwhere, &err) != 0)) {
        rc = cli_input_error("pareto", &err);
        goto out;
    }
    fprintf(table, "Pareto front of %s: %zu of %zu ok points (%s %s, %s %s)", dir, nfront, nok,
            max_x ? "maximizing" : "minimizing", r.cols[cx], max_y ? "maximizing" : "minimizing",
            r.cols[cy]);
    for (size_t k = 0; k < nwhere; k++)
        fprintf(table, "%s%s", k ? ", " : "; where ", filters[k].text);
    if (nwhere)
        fprintf(table, ": %zu of %zu ok points", nok, nall);
    fprintf(table, "\n\n");
    print_table(table, &v);
out:
    free(okrow);
    free(x);
    free(y);
    free(front);
    ab_results_free(&r);
    return rc;
}
