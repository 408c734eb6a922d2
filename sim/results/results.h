/* results.h - read a sweep directory's results.csv (docs/sweeps.md) for
 * `pareto`, `plot` and `report`: the header names the columns, each row is
 * one design point, fields are quoted as ab_csv_field writes them (RFC 4180).
 */
#ifndef AB_RESULTS_H
#define AB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ab_row_status { AB_ROW_OK, AB_ROW_DROPPED, AB_ROW_CONSTRAINT } ab_row_status;

typedef struct ab_result_row {
    unsigned long line; /* line of results.csv where the row starts */
    uint64_t point;     /* the point index (points/%06llu.json) */
    ab_row_status status;
    char **cells; /* ncols strings, unquoted */
} ab_result_row;

typedef struct ab_results {
    char *dir;  /* the sweep directory as given */
    char *path; /* DIR/results.csv, the name used in messages */
    size_t ncols;
    char **cols;
    size_t nrows;
    ab_result_row *rows;
    size_t ninputs;
    size_t *inputs; /* column indices of the input columns, in file order */
    size_t col_point, col_status, col_reason;
} ab_results;

/* Load DIR/results.csv.  Every row is checked (field count, point index in
 * increasing order, status); a failure fills err with
 * "DIR/results.csv:LINE: column C: ..." and returns -1. */
int ab_results_load(const char *dir, ab_results *r, ab_error *err);
/* The same from text already in memory (len bytes, no terminator needed);
 * messages name DIR/results.csv. */
int ab_results_parse(const char *dir, const char *text, size_t len, ab_results *r, ab_error *err);
void ab_results_free(ab_results *r);

/* The documented name a column alias stands for (latency -> seconds, energy
 * -> energy_pj, area -> area_mm2, throughput -> tokens_per_s, edp ->
 * edp_pj_s, error -> output_nmse); other names are returned unchanged. */
const char *ab_results_canonical(const char *name);

/* Index of column `name` (or its alias), -1 when there is none. */
int ab_results_find(const ab_results *r, const char *name);

/* Print, as one line on out, "anybit CMD: PATH: OPTION: no column 'NAME'
 * (columns: ...; aliases: ...)" and return 2 (the usage exit status). */
int ab_results_unknown_column(FILE *out, const char *cmd, const ab_results *r, const char *option,
                              const char *name);

/* The value of row `row`, column `col` as a finite number; -1 with
 * "PATH:LINE: column C: expected a number, found '...'" otherwise. */
int ab_results_number(const ab_results *r, size_t row, size_t col, double *out, ab_error *err);

/* Whether column col holds more than one distinct value over the rows with
 * status ok (the input columns a table of those rows should show). */
bool ab_results_varies(const ab_results *r, size_t col);

/* Rows with status s. */
size_t ab_results_count(const ab_results *r, ab_row_status s);

const char *ab_row_status_name(ab_row_status s);

#ifdef __cplusplus
}
#endif

#endif
