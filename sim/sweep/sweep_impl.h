/* sweep_impl.h - what the sweep modules share (not public). */
#ifndef AB_SWEEP_IMPL_H
#define AB_SWEEP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ab_error.h"
#include "accuracy/accuracy.h"
#include "engine/engine.h"
#include "sweep.h"

/* Output columns of results.csv, in order (docs/sweeps.md). */
#define AB_SWEEP_NOUT 21
extern const char *const ab_sweep_out_cols[AB_SWEEP_NOUT];

void ab_sweep_outputs(const ab_run_stats *rs, double out[AB_SWEEP_NOUT]);

/* The accuracy columns after those (docs/sweeps.md): AB_SWEEP_NACC_NUM
 * numbers (empty when the point ran without the estimate, or the value is
 * not finite), then `accuracy_source`, a label. */
#define AB_SWEEP_NACC_NUM 4
#define AB_SWEEP_NACC (AB_SWEEP_NACC_NUM + 1)
extern const char *const ab_sweep_acc_cols[AB_SWEEP_NACC];

/* The most points a space may have (docs/sweeps.md): every point is a
 * file of its own, numbered in six digits, and a resumed sweep looks at
 * each one's file before it runs. */
#define AB_SWEEP_MAX_POINTS ((size_t)1000000)

/* DIR/points/PPPPPP.json, DIR/inputs/PPPPPP.<what>.yaml */
void ab_sweep_point_file(const char *dir, size_t p, char *buf, size_t cap);
void ab_sweep_input_file(const char *dir, size_t p, const char *what, char *buf, size_t cap);

/* mkdir -p of dir and its points/ and inputs/ folders. */
int ab_sweep_make_dirs(const char *dir, ab_error *err);

/* DIR/sweep.json: what a directory holds. */
typedef struct ab_sweep_meta {
    char name[AB_SWEEP_FIELD_MAX];
    uint64_t hash;
    size_t npoints;
    size_t ncols;
    char **cols;
    unsigned shard_i, shard_n;
} ab_sweep_meta;

int ab_sweep_meta_read(const char *dir, ab_sweep_meta *m, bool *exists, ab_error *err);
int ab_sweep_meta_write(const char *dir, const ab_sweep_spec *s, unsigned shard_i,
                        unsigned shard_n, ab_error *err);
void ab_sweep_meta_free(ab_sweep_meta *m);

/* Write a point file atomically: status "ok" (rs and run given),
 * "dropped" or "constraint" (reason given). */
int ab_sweep_point_write(const char *dir, size_t p, const char *status, const char *reason,
                         const char *const *cols, const char *const *vals, size_t ncols,
                         const ab_run_stats *rs, const ab_accuracy *acc, cJSON *run,
                         const char *command, ab_error *err);

bool ab_sweep_file_exists(const char *path);

#endif
