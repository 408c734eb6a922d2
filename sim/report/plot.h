/* plot.h - `anybit plot`: the five plots of a sweep (Pareto scatter, energy vs error, energy
 * breakdown, speedup, roofline), drawn by gnuplot as SVG (and PNG), each
 * mark carrying its point id and values in an SVG <title> (docs/plots.md). */
#ifndef AB_PLOT_H
#define AB_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ab_error.h"
#include "results/results.h"
#include "roofline.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AB_PLOT_PARETO,
    AB_PLOT_ACCURACY,
    AB_PLOT_ENERGY,
    AB_PLOT_SPEEDUP,
    AB_PLOT_ROOFLINE,
    AB_PLOT_COUNT
};

/* File stem of a plot: "pareto", "accuracy", "energy", "speedup", "roofline". */
const char *ab_plot_name(int which);
/* One line saying what it shows, for the report's captions. */
const char *ab_plot_caption(int which);

#define AB_PLOT_MAX_BARS 60
#define AB_ENERGY_PARTS 6

/* Logarithmic axes: auto (an axis of values spanning more than 20x), none,
 * or the named ones (x: the scatter plots' x axis; y: every plot's y). */
typedef enum ab_plot_log { AB_LOG_AUTO = 0, AB_LOG_NONE, AB_LOG_X, AB_LOG_Y, AB_LOG_XY } ab_plot_log;

/* "auto", "none", "x", "y", "xy" -> *out; -1 for anything else. */
int ab_plot_log_parse(const char *s, ab_plot_log *out);

typedef struct ab_plot_opts {
    const char *baseline; /* "COL=VALUE", or NULL: the first ok point for all */
    size_t max_bars;      /* bars per panel of a bar chart (0: 60); more bars make more panels */
    ab_plot_log log;
} ab_plot_opts;

/* Everything the plots show, read and checked before anything is drawn. */
typedef struct ab_plot_data {
    const ab_results *r;
    size_t nok;
    size_t *ok;                       /* results rows with status ok */
    double *seconds, *energy;         /* per ok row: seconds, energy_pj */
    double (*parts)[AB_ENERGY_PARTS]; /* pe, dequant, sram_read, sram_write, dram, leakage (pJ) */
    size_t *front, nfront;            /* latency/energy front (indices into ok), by latency */
    /* the accuracy estimate (output_nmse, the `error` column): nerr of the ok
     * rows carry one (a sweep with accuracy off, or an older one: none) */
    double *error;                    /* per ok row; NaN without an estimate */
    size_t nerr;
    size_t *err_front, nerr_front;    /* energy/error front (indices into ok), by energy */
    ab_plot_log log;
    ssize_t *base;                    /* per ok row: index into ok of its baseline, -1: none */
    char baseline_desc[256];          /* "config.array.rows=32" or "point 0" */
    bool baseline_per_point;          /* --baseline given: a baseline row per point */
    ab_roofline roof;
    size_t max_bars;
} ab_plot_data;

/* Read the plotted columns of every ok row (a missing column or a
 * non-number is an error naming file:line and column), the front, the
 * speedup baselines and the roofline (points/P.json). */
int ab_plot_prepare(const ab_results *r, const ab_plot_opts *o, ab_plot_data *d, ab_error *err);
void ab_plot_data_free(ab_plot_data *d);

/* The input columns whose value differs between ok rows (at most cap); a
 * column equal to an earlier one on every ok row is left out. */
size_t ab_plot_varying_inputs(const ab_results *r, size_t *cols, size_t cap);

typedef struct ab_plot_set {
    char *workdir;            /* temporary directory gnuplot draws into */
    char *svg[AB_PLOT_COUNT]; /* the SVG texts, titles rewritten */
    bool png;                 /* workdir holds NAME.png for each plot */
} ab_plot_set;

/* What ab_plot_render (and ab_plot_timeline) return, besides 0 and -1,
 * when gnuplot cannot be started at all (not installed): `report` then
 * writes its tables without the plots. */
#define AB_PLOT_NO_GNUPLOT (-2)

/* Draw every plot with gnuplot in a temporary directory made inside
 * `near` (the directory the outputs go to, so that they can be renamed
 * into place).  Nothing is written outside that directory.  0, -1 with
 * err, or AB_PLOT_NO_GNUPLOT with err. */
int ab_plot_render(const ab_plot_data *d, const char *near, bool png, ab_plot_set *s,
                   ab_error *err);
/* Write NAME.svg (and move NAME.png) into plotdir, each atomically. */
int ab_plot_commit(ab_plot_set *s, const char *plotdir, ab_error *err);
/* mkdir -p: create each missing directory of path; *created says whether
 * path itself was made (so that a failed command can take it back). */
int ab_mkdir_p(const char *path, bool *created, ab_error *err);
/* Free the texts and remove the temporary directory with what is left. */
void ab_plot_set_free(ab_plot_set *s);

/* `anybit plot --timeline`: the CSV of `anybit run --timeline` (checked
 * line by line: errors name file:line and column) drawn as
 * outdir/timeline.svg and timeline.png, each written atomically. */
int ab_plot_timeline(const char *csv, const char *outdir, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
