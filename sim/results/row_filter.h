/* row_filter.h - conditions on one numeric column of a sweep's results
 * ("area<=4.8", "error < 0.01"), for `anybit pareto --where` (docs/plots.md):
 * a design space under a budget. */
#ifndef AB_ROW_FILTER_H
#define AB_ROW_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "ab_error.h"
#include "results/results.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ab_row_cmp { AB_CMP_LE, AB_CMP_LT, AB_CMP_GE, AB_CMP_GT, AB_CMP_EQ } ab_row_cmp;

typedef struct ab_row_filter {
    size_t col;      /* column of r */
    ab_row_cmp cmp;
    double value;
    char text[128];  /* the condition as given, for messages */
} ab_row_filter;

/* Parse "COL OP NUMBER" (OP one of <= < >= > ==, blanks allowed around
 * it; COL a column of r or an alias).  -1 with err: "--where 'TEXT': ..."
 * (no operator, an unknown column listing the columns, not a number). */
int ab_row_filter_parse(const ab_results *r, const char *text, ab_row_filter *f, ab_error *err);

/* Whether row `row` meets every filter; -1 with err when a cell is not a
 * number ("PATH:LINE: column C: ..."). */
int ab_row_filter_keep(const ab_results *r, size_t row, const ab_row_filter *f, size_t nf,
                       bool *keep, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
