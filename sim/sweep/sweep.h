/* sweep.h - design-space sweeps (docs/sweeps.md): the space file, its
 * points, running them (parallel, resumable, sharded) and the results. */
#ifndef AB_SWEEP_H
#define AB_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ab_error.h"
#include "accuracy/accuracy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_SWEEP_FIELD_MAX 128
#define AB_SWEEP_TEXT_MAX 512

/* One varied field and its values (YAML scalar text). */
typedef struct ab_sweep_axis {
    char field[AB_SWEEP_FIELD_MAX]; /* "config.array.rows", "recipe.weights.format", "workload.phase" */
    size_t n;
    char **values;
} ab_sweep_axis;

/* Axes that vary together (one axis, or a zip); n values each. */
typedef struct ab_sweep_group {
    size_t naxes;
    ab_sweep_axis *axes;
    size_t n;
} ab_sweep_group;

typedef struct ab_sweep_constraint {
    char when[AB_SWEEP_TEXT_MAX];
    char reason[AB_SWEEP_FIELD_MAX];
    int line;
} ab_sweep_constraint;

/* The workload columns every row has, in this order. */
enum {
    AB_SWEEP_COL_CONFIG = 0,
    AB_SWEEP_COL_MODEL,
    AB_SWEEP_COL_RECIPE,
    AB_SWEEP_COL_PHASE,
    AB_SWEEP_COL_BATCH,
    AB_SWEEP_COL_MODE,
    AB_SWEEP_NBASE
};

typedef struct ab_sweep_spec {
    char file[AB_SWEEP_TEXT_MAX];
    char dir[AB_SWEEP_TEXT_MAX]; /* the spec's folder: relative paths start there */
    char name[AB_SWEEP_FIELD_MAX];
    char description[AB_SWEEP_TEXT_MAX];
    char base[AB_SWEEP_NBASE][AB_SWEEP_TEXT_MAX]; /* recipe "" = the config's own */
    size_t ngroups;
    ab_sweep_group *groups;
    size_t ncons;
    ab_sweep_constraint *cons;
    size_t npoints;
    uint64_t hash;     /* of the spec text */
    size_t ncols;      /* AB_SWEEP_NBASE + the axes that are not workload.* */
    char **cols;       /* column names */
    int *col_of_axis;  /* per axis (groups flattened): its column */
    ab_accuracy_opts accuracy; /* the space's accuracy: section (defaults when absent) */
} ab_sweep_spec;

int ab_sweep_load(const char *file, ab_sweep_spec *s, ab_error *err);
void ab_sweep_free(ab_sweep_spec *s);

/* Values of point p (0 <= p < npoints), one per column (pointers into the
 * spec; the recipe column may be "" for "the config's own"). */
void ab_sweep_point_values(const ab_sweep_spec *s, size_t p, const char **vals);

/* Evaluate a constraint for a point's column values: 1 true, 0 false, -1
 * error (err names the expression). */
int ab_sweep_eval(const ab_sweep_spec *s, const char *expr, const char *const *vals,
                  ab_error *err);

typedef struct ab_sweep_opts {
    const char *dir;
    unsigned jobs;            /* worker threads, >= 1 */
    unsigned shard_i, shard_n; /* run points p with p % shard_n == shard_i */
    FILE *progress;           /* NULL: quiet */
    bool progress_tty;        /* a bar with ETA (else a line per ~10%) */
} ab_sweep_opts;

typedef struct ab_sweep_summary {
    size_t points;     /* of this shard */
    size_t done_before; /* found complete (resume) */
    size_t ran;
    size_t ok, dropped, constrained;
    bool nothing_to_do;
} ab_sweep_summary;

/* Run (or resume) a sweep into opts->dir, then write results.csv/json.
 * -1 with err on a bad spec / directory (nothing run). */
int ab_sweep_run(const ab_sweep_spec *s, const ab_sweep_opts *o, ab_sweep_summary *sum,
                 ab_error *err);

/* Merge finished sweep directories of one space into out (points copied,
 * results written).  *missing receives the points absent from all. */
int ab_sweep_merge(const char *out, const char *const *dirs, size_t ndirs, size_t *missing,
                   size_t *total, ab_error *err);

/* Write results.csv / results.json of dir from its points/ files (every
 * point present, in order).  Used by run and merge. */
int ab_sweep_write_results(const char *dir, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
