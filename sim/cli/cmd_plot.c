/* cmd_plot.c - `anybit plot DIR`: the five plots of a sweep directory as
 * SVG and PNG through gnuplot (docs/plots.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report/plot.h"
#include "results/results.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: anybit plot DIR [--baseline COL=VALUE] [--log AXES] [-o PLOTDIR]\n"
                 "       anybit plot --timeline FILE.csv [-o PLOTDIR]\n\n"
                 "  DIR                 a sweep directory (anybit sweep, anybit merge)\n"
                 "  --baseline COL=VAL  speedup of each point against the ok row with COL=VAL and\n"
                 "                      the same values of all other input columns (default: the\n"
                 "                      first ok point, for every point)\n"
                 "  --log AXES          auto (default: an axis spanning more than 20x), none, x\n"
                 "                      (the scatter plots' x), y (every plot's y, bars too), xy\n"
                 "  -o PLOTDIR          where the plots go (default DIR/plots, created)\n\n"
                 "Writes pareto, accuracy, energy, speedup and roofline, each as .svg and .png, with\n"
                 "gnuplot (Debian gnuplot-nox).  Every mark of an SVG carries its point id and\n"
                 "values in a <title> (a tooltip in browsers).\n\n"
                 "  --timeline FILE.csv the CSV of anybit run --timeline: DRAM and SRAM bandwidth\n"
                 "                      and PE utilization over time as timeline.svg and .png in\n"
                 "                      PLOTDIR (default: the CSV's directory)\n");
}

int cmd_plot(int argc, char **argv)
{
    const char *dir = NULL, *outdir = NULL, *timeline = NULL;
    ab_plot_opts opts = {NULL, 0, AB_LOG_AUTO};
    const char *log_s = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_once(argc, argv, &i, "--baseline", &opts.baseline, &bad) ||
                   cli_opt_once(argc, argv, &i, "--timeline", &timeline, &bad) ||
                   cli_opt_once(argc, argv, &i, "--log", &log_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "-o", &outdir, &bad)) {
            continue;
        } else if (argv[i][0] == '-' || dir) {
            return cli_usage_error("plot", "unexpected argument '%s' (anybit plot --help)",
                                   argv[i]);
        } else {
            dir = argv[i];
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (log_s && ab_plot_log_parse(log_s, &opts.log) != 0)
        return cli_usage_error("plot", "--log: expected auto, none, x, y or xy, got '%s'", log_s);
    ab_error err;
    if (timeline) {
        if (dir || opts.baseline)
            return cli_usage_error("plot", "--timeline FILE.csv draws one run: no sweep "
                                           "directory or --baseline with it");
        char csvdir[4096];
        if (!outdir) {
            snprintf(csvdir, sizeof csvdir, "%s", timeline);
            char *slash = strrchr(csvdir, '/');
            if (slash)
                *slash = '\0';
            else
                snprintf(csvdir, sizeof csvdir, ".");
            outdir = csvdir;
        }
        if (ab_plot_timeline(timeline, outdir, &err) != 0)
            return cli_input_error("plot", &err);
        printf("wrote timeline.svg timeline.png to %s\n", outdir);
        return AB_EXIT_OK;
    }
    if (!dir)
        return cli_usage_error("plot", "the sweep directory is required (anybit plot --help)");
    ab_results r;
    if (ab_results_load(dir, &r, &err) != 0)
        return cli_input_error("plot", &err);
    char defdir[4096];
    if (!outdir) {
        snprintf(defdir, sizeof defdir, "%s/plots", dir);
        outdir = defdir;
    }
    ab_plot_data d;
    ab_plot_set set;
    memset(&set, 0, sizeof set);
    int rc = AB_EXIT_OK;
    if (ab_plot_prepare(&r, &opts, &d, &err) != 0) {
        ab_results_free(&r);
        return cli_input_error("plot", &err);
    }
    bool created = false;
    if (ab_mkdir_p(outdir, &created, &err) != 0 ||
        ab_plot_render(&d, outdir, true, &set, &err) != 0 ||
        ab_plot_commit(&set, outdir, &err) != 0) {
        rc = cli_input_error("plot", &err);
        ab_plot_set_free(&set); /* its temporary directory first, then ours */
        if (created)
            rmdir(outdir);
    } else {
        printf("%zu ok points of %zu: wrote", d.nok, r.nrows);
        for (int i = 0; i < AB_PLOT_COUNT; i++)
            printf(" %s.svg %s.png", ab_plot_name(i), ab_plot_name(i));
        printf(" to %s\n", outdir);
    }
    ab_plot_set_free(&set);
    ab_plot_data_free(&d);
    ab_results_free(&r);
    return rc;
}
