/* results.c - the results.csv reader (results.h): RFC 4180 fields, the
 * documented column names and aliases, and row checks with file:line
 * messages. */
#include "results.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_io.h"

/* The output columns of docs/sweeps.md, in their documented order; the
 * input columns are the ones between `reason` and the first of these. */
static const char *const output_cols[] = {
    "cycles",       "compute_cycles", "stall_cycles",  "seconds", "energy_pj",  "pe_pj",
    "dequant_pj",   "sram_read_pj",   "sram_write_pj", "dram_pj", "leakage_pj", "area_mm2",
    "tokens_per_s", "edp_pj_s",       "utilization",   "macs",    "dram_bytes",
    /* the accuracy estimate's (sim/accuracy/accuracy.h) */
    "weight_sqnr_db", "weight_mse", "output_sqnr_db", "output_nmse", "accuracy_source", NULL};

static const char *const aliases[][2] = {{"latency", "seconds"}, {"energy", "energy_pj"},
                                         {"area", "area_mm2"},   {"throughput", "tokens_per_s"},
                                         {"edp", "edp_pj_s"},
                                         /* the scalar to minimize (accuracy.h) */
                                         {"error", "output_nmse"},
                                         {NULL, NULL}};

const char *ab_results_canonical(const char *name)
{
    for (size_t i = 0; aliases[i][0]; i++)
        if (strcmp(name, aliases[i][0]) == 0)
            return aliases[i][1];
    return name;
}

const char *ab_row_status_name(ab_row_status s)
{
    return s == AB_ROW_OK ? "ok" : s == AB_ROW_DROPPED ? "dropped" : "constraint";
}

static bool is_output(const char *name)
{
    for (size_t i = 0; output_cols[i]; i++)
        if (strcmp(name, output_cols[i]) == 0)
            return true;
    return false;
}

static void free_fields(char **f, size_t n)
{
    for (size_t i = 0; f && i < n; i++)
        free(f[i]);
    free(f);
}

void ab_results_free(ab_results *r)
{
    for (size_t i = 0; i < r->nrows; i++)
        free_fields(r->rows[i].cells, r->ncols);
    free(r->rows);
    free_fields(r->cols, r->ncols);
    free(r->inputs);
    free(r->dir);
    free(r->path);
    memset(r, 0, sizeof *r);
}

/* ---- one record ----------------------------------------------------------
 * A cursor over the whole file; records may span lines inside quotes, so
 * the line counter advances on every newline consumed. */
typedef struct csv_cursor {
    const char *p, *end, *path;
    unsigned long line;
} csv_cursor;

typedef struct field_buf {
    char *s;
    size_t n, cap;
} field_buf;

static int buf_put(field_buf *b, char c)
{
    if (b->n + 1 >= b->cap) {
        const size_t cap = b->cap ? 2 * b->cap : 32;
        char *s = realloc(b->s, cap);
        if (!s)
            return -1;
        b->s = s;
        b->cap = cap;
    }
    b->s[b->n++] = c;
    b->s[b->n] = 0;
    return 0;
}

/* Read one record into *fields / *nf (owned); *start_line is where it began.
 * Returns 1 on a record, 0 at end of input, -1 on error. */
static int read_record(csv_cursor *c, char ***fields, size_t *nf, unsigned long *start_line,
                       ab_error *err)
{
    *fields = NULL;
    *nf = 0;
    if (c->p >= c->end)
        return 0;
    *start_line = c->line;
    size_t cap = 0;
    for (;;) { /* one field per iteration */
        field_buf b = {NULL, 0, 0};
        if (buf_put(&b, 0) != 0) /* an empty field is "" */
            goto oom;
        b.n = 0;
        if (c->p < c->end && *c->p == '"') {
            const unsigned long qline = c->line;
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    free(b.s);
                    free_fields(*fields, *nf);
                    *fields = NULL;
                    return ab_error_set(err,
                                        "%s:%lu: field %zu: quoted field never closed "
                                        "(missing '\"')",
                                        c->path, qline, *nf + 1);
                }
                const char ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') {
                        c->p++;
                    } else {
                        break;
                    }
                }
                if (ch == '\n')
                    c->line++;
                if (buf_put(&b, ch) != 0)
                    goto oom_field;
            }
            if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                free(b.s);
                free_fields(*fields, *nf);
                *fields = NULL;
                return ab_error_set(err,
                                    "%s:%lu: field %zu: expected ',' or the end of the line "
                                    "after a closing quote, found '%c'",
                                    c->path, c->line, *nf + 1, *c->p);
            }
        } else {
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                if (*c->p == '"') {
                    free(b.s);
                    free_fields(*fields, *nf);
                    *fields = NULL;
                    return ab_error_set(err,
                                        "%s:%lu: field %zu: '\"' inside an unquoted field "
                                        "(quote the field and double the quote)",
                                        c->path, c->line, *nf + 1);
                }
                if (buf_put(&b, *c->p++) != 0)
                    goto oom_field;
            }
        }
        if (*nf == cap) {
            cap = cap ? 2 * cap : 32;
            char **grown = realloc(*fields, cap * sizeof *grown);
            if (!grown)
                goto oom_field;
            *fields = grown;
        }
        (*fields)[(*nf)++] = b.s;
        if (c->p >= c->end)
            return 1;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        /* end of record: "\n" or "\r\n" (a lone "\r" also ends it) */
        if (*c->p == '\r')
            c->p++;
        if (c->p < c->end && *c->p == '\n')
            c->p++;
        c->line++;
        return 1;
    oom_field:
        free(b.s);
        goto oom;
    }
oom:
    free_fields(*fields, *nf);
    *fields = NULL;
    return ab_error_set(err, "%s:%lu: out of memory", c->path, c->line);
}

static char *path_join(const char *dir, const char *name)
{
    const size_t n = strlen(dir);
    char *p = malloc(n + strlen(name) + 2);
    if (p)
        sprintf(p, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
    return p;
}

static int find_exact(const ab_results *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (strcmp(r->cols[i], name) == 0)
            return (int)i;
    return -1;
}

/* Whether column col has a value on some ok row. */
static bool filled(const ab_results *r, int col)
{
    for (size_t i = 0; col >= 0 && i < r->nrows; i++)
        if (r->rows[i].status == AB_ROW_OK && r->rows[i].cells[col][0])
            return true;
    return false;
}

int ab_results_find(const ab_results *r, const char *name)
{
    const int i = find_exact(r, name);
    if (i >= 0)
        return i;
    /* throughput is images/s in a sweep of image workloads, where the
     * tokens_per_s cells are empty (docs/sweeps.md) */
    if (strcmp(name, "throughput") == 0) {
        const int t = find_exact(r, "tokens_per_s"), im = find_exact(r, "images_per_s");
        if (!filled(r, t) && filled(r, im))
            return im;
    }
    return find_exact(r, ab_results_canonical(name));
}

static int check_header(ab_results *r, ab_error *err)
{
    for (size_t i = 0; i < r->ncols; i++) {
        if (!r->cols[i][0])
            return ab_error_set(err, "%s:1: column %zu: empty column name", r->path, i + 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->cols[i], r->cols[j]) == 0)
                return ab_error_set(err, "%s:1: column %s: appears twice (columns %zu and %zu)",
                                    r->path, r->cols[i], j + 1, i + 1);
    }
    static const char *const required[] = {"point", "status", "reason"};
    size_t *where[] = {&r->col_point, &r->col_status, &r->col_reason};
    for (int k = 0; k < 3; k++) {
        const int i = find_exact(r, required[k]);
        if (i < 0)
            return ab_error_set(err,
                                "%s:1: column %s: missing from the header "
                                "(docs/sweeps.md: point, status, reason, inputs, outputs)",
                                r->path, required[k]);
        *where[k] = (size_t)i;
    }
    r->inputs = malloc((r->ncols ? r->ncols : 1) * sizeof *r->inputs);
    if (!r->inputs)
        return ab_error_set(err, "%s: out of memory", r->path);
    /* Inputs sit between `reason` and the first output column; a column the
     * contract does not name as an output is taken for an axis field. */
    for (size_t i = r->col_reason + 1; i < r->ncols && !is_output(r->cols[i]); i++)
        if (i != r->col_point && i != r->col_status)
            r->inputs[r->ninputs++] = i;
    return 0;
}

static int check_row(const ab_results *r, ab_result_row *row, const ab_result_row *prev,
                     ab_error *err)
{
    const char *pt = row->cells[r->col_point];
    char *end = NULL;
    errno = 0;
    const unsigned long long v = strtoull(pt, &end, 10);
    if (!isdigit((unsigned char)pt[0]) || *end || errno)
        return ab_error_set(err,
                            "%s:%lu: column point: expected a point index (0, 1, ...), "
                            "found '%.40s'",
                            r->path, row->line, pt);
    row->point = v;
    if (prev && row->point <= prev->point)
        return ab_error_set(err,
                            "%s:%lu: column point: %llu after %llu (rows must be in point "
                            "order, each point once)",
                            r->path, row->line, v, (unsigned long long)prev->point);
    const char *st = row->cells[r->col_status];
    if (strcmp(st, "ok") == 0)
        row->status = AB_ROW_OK;
    else if (strcmp(st, "dropped") == 0)
        row->status = AB_ROW_DROPPED;
    else if (strcmp(st, "constraint") == 0)
        row->status = AB_ROW_CONSTRAINT;
    else
        return ab_error_set(err,
                            "%s:%lu: column status: expected ok, dropped or constraint, "
                            "found '%.40s'",
                            r->path, row->line, st);
    return 0;
}

static int parse(ab_results *r, const char *text, size_t len, ab_error *err)
{
    csv_cursor c = {text, text + len, r->path, 1};
    unsigned long line;
    size_t nf;
    int got = read_record(&c, &r->cols, &nf, &line, err);
    if (got < 0)
        return -1;
    if (got == 0)
        return ab_error_set(err, "%s:1: empty file (expected the header line: point,status,...)",
                            r->path);
    r->ncols = nf;
    if (check_header(r, err) != 0)
        return -1;
    size_t cap = 0;
    for (;;) {
        char **fields;
        got = read_record(&c, &fields, &nf, &line, err);
        if (got < 0)
            return -1;
        if (got == 0)
            return 0;
        if (nf == 1 && !fields[0][0]) { /* a blank line (an editor's trailing one) */
            free_fields(fields, nf);
            continue;
        }
        if (nf != r->ncols) {
            free_fields(fields, nf);
            return ab_error_set(err, "%s:%lu: %zu fields, the header has %zu columns", r->path,
                                line, nf, r->ncols);
        }
        if (r->nrows == cap) {
            cap = cap ? 2 * cap : 64;
            ab_result_row *grown = realloc(r->rows, cap * sizeof *grown);
            if (!grown) {
                free_fields(fields, nf);
                return ab_error_set(err, "%s: out of memory", r->path);
            }
            r->rows = grown;
        }
        ab_result_row *row = &r->rows[r->nrows++];
        row->cells = fields;
        row->line = line;
        if (check_row(r, row, r->nrows > 1 ? &r->rows[r->nrows - 2] : NULL, err) != 0)
            return -1;
    }
}

static int init(const char *dir, ab_results *r, ab_error *err)
{
    memset(r, 0, sizeof *r);
    r->dir = strdup(dir);
    r->path = path_join(dir, "results.csv");
    if (!r->dir || !r->path) {
        ab_results_free(r);
        return ab_error_set(err, "%s: out of memory", dir);
    }
    return 0;
}

int ab_results_parse(const char *dir, const char *text, size_t len, ab_results *r, ab_error *err)
{
    if (init(dir, r, err) != 0)
        return -1;
    const int rc = parse(r, text, len, err);
    if (rc != 0)
        ab_results_free(r);
    return rc;
}

int ab_results_load(const char *dir, ab_results *r, ab_error *err)
{
    if (init(dir, r, err) != 0)
        return -1;
    uint8_t *data;
    size_t len;
    if (ab_read_file(r->path, &data, &len, err) != 0) {
        ab_results_free(r);
        return -1;
    }
    const int rc = parse(r, (const char *)data, len, err);
    free(data);
    if (rc != 0)
        ab_results_free(r);
    return rc;
}

int ab_results_unknown_column(FILE *out, const char *cmd, const ab_results *r, const char *option,
                              const char *name)
{
    fprintf(out, "anybit %s: %s: %s: no column '%s' (columns:", cmd, r->path, option, name);
    for (size_t i = 0; i < r->ncols; i++)
        fprintf(out, "%s %s", i ? "," : "", r->cols[i]);
    fprintf(out, "; aliases:");
    for (size_t i = 0; aliases[i][0]; i++)
        fprintf(out, "%s %s=%s", i ? "," : "", aliases[i][0], aliases[i][1]);
    fprintf(out, ")\n");
    return 2;
}

int ab_results_number(const ab_results *r, size_t row, size_t col, double *out, ab_error *err)
{
    const ab_result_row *w = &r->rows[row];
    const char *s = w->cells[col];
    char *end = NULL;
    errno = 0;
    const double v = strtod(s, &end);
    if (!*s || isspace((unsigned char)*s) || *end || errno == ERANGE || !isfinite(v))
        return ab_error_set(err,
                            "%s:%lu: column %s: expected a finite number (point %llu), "
                            "found '%.40s'",
                            r->path, w->line, r->cols[col], (unsigned long long)w->point, s);
    *out = v;
    return 0;
}

bool ab_results_varies(const ab_results *r, size_t col)
{
    const char *first = NULL;
    for (size_t i = 0; i < r->nrows; i++) {
        if (r->rows[i].status != AB_ROW_OK)
            continue;
        if (!first)
            first = r->rows[i].cells[col];
        else if (strcmp(first, r->rows[i].cells[col]) != 0)
            return true;
    }
    return false;
}

size_t ab_results_count(const ab_results *r, ab_row_status s)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++)
        n += r->rows[i].status == s;
    return n;
}
