/* plot_impl.h - shared between the gnuplot script writer (plot_script.c)
 * and the runner that turns its SVG into the final text (plot_gnuplot.c). */
#ifndef AB_PLOT_IMPL_H
#define AB_PLOT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "plot.h"

/* Tooltip texts.  gnuplot sees only the token "hN" of tip N as a hypertext
 * label, so no user text ever passes through its quoting; the SVG rewrite
 * puts the (XML-escaped) text in place of the token. */
typedef struct plot_tips {
    char **s;
    size_t n, cap;
} plot_tips;

void plot_tips_free(plot_tips *t);

/* The whole gnuplot script: every plot as SVG into workdir/NAME.svg and,
 * when png, as PNG into workdir/NAME.png. */
int plot_write_script(FILE *f, const ab_plot_data *d, const char *workdir, bool png,
                      plot_tips *tips, ab_error *err);

/* The SVG gnuplot wrote, with every hypertext group turned into a plain
 * <g><title>TEXT</title> (native tooltips: no script needed), the
 * document's <title> set to `title`, and gnuplot's placeholder titles of
 * plot groups removed.  *out is malloc'd. */
int plot_svg_rewrite(const char *svg, const plot_tips *tips, const char *title, char **out,
                     const char *path, ab_error *err);

/* Run gnuplot on script, its output in log_path (plot_gnuplot.c): 0, -1,
 * or AB_PLOT_NO_GNUPLOT (it could not be started), each failure with err. */
int plot_run_gnuplot(const char *script, const char *log_path, ab_error *err);

#endif
