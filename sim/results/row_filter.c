/* row_filter.c - `--where COL OP NUMBER` on results.csv rows (row_filter.h). */
#include "results/row_filter.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longest first, so that "<=" is not read as "<". */
static const struct {
    const char *text;
    ab_row_cmp cmp;
} ops[] = {{"<=", AB_CMP_LE}, {">=", AB_CMP_GE}, {"==", AB_CMP_EQ},
           {"<", AB_CMP_LT},  {">", AB_CMP_GT}};

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t b = 0;
    while (s[b] == ' ' || s[b] == '\t')
        b++;
    memmove(s, s + b, n - b + 1);
}

int ab_row_filter_parse(const ab_results *r, const char *text, ab_row_filter *f, ab_error *err)
{
    memset(f, 0, sizeof *f);
    if (strlen(text) >= sizeof f->text)
        return ab_error_set(err, "--where '%.40s...': longer than %zu characters", text,
                            sizeof f->text - 1);
    strcpy(f->text, text);
    const char *at = NULL;
    size_t k = 0;
    for (const char *p = text; *p && !at; p++)
        for (k = 0; k < sizeof ops / sizeof ops[0]; k++)
            if (strncmp(p, ops[k].text, strlen(ops[k].text)) == 0) {
                at = p;
                break;
            }
    if (!at)
        return ab_error_set(err, "--where '%s': expected COLUMN OP NUMBER with OP one of "
                                 "<= < >= > == (e.g. 'area<=4.8')", text);
    char col[128], num[128];
    const size_t nc = (size_t)(at - text);
    memcpy(col, text, nc);
    col[nc] = '\0';
    strcpy(num, at + strlen(ops[k].text));
    trim(col);
    trim(num);
    const int c = ab_results_find(r, col);
    if (!*col)
        return ab_error_set(err, "--where '%s': no column before '%s'", text, ops[k].text);
    if (c < 0) {
        char cols[1024] = "";
        size_t used = 0;
        for (size_t i = 0; i < r->ncols && used + 4 < sizeof cols; i++) {
            const int w = snprintf(cols + used, sizeof cols - used, "%s%s", i ? ", " : "",
                                   r->cols[i]);
            used += w > 0 ? (size_t)w : 0;
        }
        return ab_error_set(err, "%s: --where '%s': no column '%s' (columns: %s; aliases: "
                                 "latency, energy, area, throughput, edp, error)",
                            r->path, text, col, cols);
    }
    char *end;
    errno = 0;
    const double v = strtod(num, &end);
    if (!*num || *end || errno || !isfinite(v))
        return ab_error_set(err, "--where '%s': '%s' is not a finite number", text, num);
    f->col = (size_t)c;
    f->cmp = ops[k].cmp;
    f->value = v;
    return 0;
}

int ab_row_filter_keep(const ab_results *r, size_t row, const ab_row_filter *f, size_t nf,
                       bool *keep, ab_error *err)
{
    *keep = true;
    for (size_t i = 0; i < nf && *keep; i++) {
        double v;
        if (ab_results_number(r, row, f[i].col, &v, err) != 0)
            return -1;
        switch (f[i].cmp) {
        case AB_CMP_LE: *keep = v <= f[i].value; break;
        case AB_CMP_LT: *keep = v < f[i].value; break;
        case AB_CMP_GE: *keep = v >= f[i].value; break;
        case AB_CMP_GT: *keep = v > f[i].value; break;
        case AB_CMP_EQ: *keep = v == f[i].value; break;
        }
    }
    return 0;
}
