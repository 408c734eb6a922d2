/* html_report.h - `anybit report`: one self-contained HTML page for a sweep
 * (summary, Pareto table, top results, the five plots inlined as SVG). */
#ifndef AB_HTML_REPORT_H
#define AB_HTML_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "ab_error.h"
#include "plot.h"
#include "results/results.h"
#include "sweep/sweep_info.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_html_in {
    const ab_results *r;
    const ab_sweep_info *meta;
    const ab_plot_data *plot; /* NULL when no row is ok */
    const ab_plot_set *plots; /* the SVG texts; NULL when no row is ok */
    size_t top;               /* rows of the top-results table */
    size_t sort_col;          /* its sort column */
    const char *sort_name;    /* as the user named it (an alias, perhaps) */
    bool sort_desc;           /* larger first (throughput, utilization) */
    const char *plots_missing; /* why there are no plots (gnuplot missing), or NULL */
} ab_html_in;

/* Write the page to path atomically. */
int ab_html_report(const char *path, const ab_html_in *in, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
