/* cmd_report.c - `anybit report DIR -o report.html`: the sweep as one
 * self-contained HTML page (docs/plots.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report/html_report.h"
#include "report/plot.h"
#include "results/results.h"
#include "sweep/sweep_info.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: anybit report DIR [-o FILE] [--top N] [--sort COL] [--baseline COL=VALUE]\n"
            "                         [--log AXES]\n\n"
            "  DIR                 a sweep directory (anybit sweep, anybit merge)\n"
            "  -o FILE             the page (default DIR/report.html)\n"
            "  --top N             rows of the top-results table (default 20)\n"
            "  --sort COL          its order: a numeric column or alias (default latency);\n"
            "                      largest first for throughput (tokens_per_s) and\n"
            "                      utilization, smallest first otherwise\n"
            "  --baseline COL=VAL  the speedup plot's baseline (as anybit plot)\n"
            "  --log AXES          logarithmic axes of the plots (as anybit plot)\n\n"
            "One HTML file with no external resources: the sweep's name and description,\n"
            "points ok / dropped / constraint by reason, the latency-energy Pareto front,\n"
            "the top results, and the five plots of anybit plot inlined as SVG (drawn by\n"
            "gnuplot in a temporary directory beside FILE).\n");
}

/* The directory part of a file path ("a/b.html" -> "a", "b.html" -> "."). */
static void dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *top_text = NULL, *sort = "latency";
    ab_plot_opts opts = {NULL, 0, AB_LOG_AUTO};
    const char *log_s = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_value(argc, argv, &i, "-o", &out, &bad) ||
                   cli_opt_value(argc, argv, &i, "--top", &top_text, &bad) ||
                   cli_opt_value(argc, argv, &i, "--sort", &sort, &bad) ||
                   cli_opt_value(argc, argv, &i, "--baseline", &opts.baseline, &bad) ||
                   cli_opt_once(argc, argv, &i, "--log", &log_s, &bad)) {
            continue;
        } else if (argv[i][0] == '-' || dir) {
            return cli_usage_error("report", "unexpected argument '%s' (anybit report --help)",
                                   argv[i]);
        } else {
            dir = argv[i];
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!dir)
        return cli_usage_error("report", "the sweep directory is required (anybit report --help)");
    if (log_s && ab_plot_log_parse(log_s, &opts.log) != 0)
        return cli_usage_error("report", "--log: expected auto, none, x, y or xy, got '%s'",
                               log_s);
    size_t top = 20;
    if (top_text && !cli_parse_size(top_text, 1, 1000000, &top))
        return cli_usage_error("report",
                               "--top: expected a number of rows (1 or more), found "
                               "'%s'",
                               top_text);
    char defout[4096], near[4096];
    if (!out) {
        snprintf(defout, sizeof defout, "%s/report.html", dir);
        out = defout;
    }
    dir_of(out, near, sizeof near);

    ab_error err;
    ab_results r;
    if (ab_results_load(dir, &r, &err) != 0)
        return cli_input_error("report", &err);
    const int sc = ab_results_find(&r, sort);
    if (sc < 0) {
        const int rc = ab_results_unknown_column(stderr, "report", &r, "--sort", sort);
        ab_results_free(&r);
        return rc;
    }
    ab_sweep_info meta;
    ab_plot_data d;
    ab_plot_set set;
    memset(&d, 0, sizeof d);
    memset(&set, 0, sizeof set);
    const bool any_ok = ab_results_count(&r, AB_ROW_OK) > 0;
    int rc = AB_EXIT_OK;
    /* every input is read and checked before gnuplot runs or a byte is
     * written */
    if (ab_sweep_info_load(dir, &meta, &err) != 0 ||
        (any_ok && ab_plot_prepare(&r, &opts, &d, &err) != 0)) {
        rc = cli_input_error("report", &err);
        goto out;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        double v;
        if (r.rows[i].status == AB_ROW_OK && ab_results_number(&r, i, (size_t)sc, &v, &err) != 0) {
            rc = cli_input_error("report", &err);
            goto out;
        }
    }
    const char *col = r.cols[sc];
    ab_html_in in = {&r,
                     &meta,
                     any_ok ? &d : NULL,
                     any_ok ? &set : NULL,
                     top,
                     (size_t)sc,
                     sort,
                     strcmp(col, "tokens_per_s") == 0 || strcmp(col, "utilization") == 0,
                     NULL};
    bool created = false;
    int prc = 0;
    char missing[AB_ERROR_MAX];
    if (ab_mkdir_p(near, &created, &err) != 0 ||
        (any_ok && (prc = ab_plot_render(&d, near, false, &set, &err)) == -1)) {
        rc = cli_input_error("report", &err);
        ab_plot_set_free(&set); /* its temporary directory first, then ours */
        if (created)
            rmdir(near);
        goto out;
    }
    if (prc == AB_PLOT_NO_GNUPLOT) {
        /* the tables need no gnuplot: the page says what is missing */
        snprintf(missing, sizeof missing, "%s", err.msg);
        in.plots = NULL;
        in.plots_missing = missing;
    }
    if (ab_html_report(out, &in, &err) != 0) {
        rc = cli_input_error("report", &err);
        ab_plot_set_free(&set);
        if (created)
            rmdir(near);
        goto out;
    }
    if (in.plots_missing)
        fprintf(stderr, "anybit report: %s: the plots are missing from the page: %s\n", out,
                in.plots_missing);
    printf("%s: %zu points (%zu ok), %s\n", out, r.nrows, ab_results_count(&r, AB_ROW_OK),
           !any_ok           ? "no ok point to plot"
           : in.plots_missing ? "Pareto front and top results (no plots: gnuplot is missing)"
                              : "Pareto fronts, top results and 5 plots");
out:
    ab_plot_set_free(&set);
    ab_plot_data_free(&d);
    ab_results_free(&r);
    return rc;
}
