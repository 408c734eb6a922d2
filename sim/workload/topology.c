/* topology.c - SCALE-Sim topology CSVs read as a workload (topology.h,
 * docs/scalesim.md "Topologies"): the convolution form
 *   Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width,
 *   Channels, Num Filter, Strides[, Stride width],
 * and the GEMM form
 *   Layer, M, N, K,
 * lowered to GEMMs the way SCALE-Sim v2 lowers them (scalesim/
 * topology_utils.py, docs/references.md#scale-sim):
 *   ofmap = ceil((H - Fh + S) / S) x ceil((W - Fw + Sw) / Sw) pixels = M,
 *   N = Num Filter, K = Fh x Fw x Channels (the im2col window);
 *   a layer whose name contains "DP" (depthwise) is Channels layers of one
 *   channel each, named NAME + "Channel_" + i;
 *   a GEMM row M, N, K is the convolution H = M, W = K, Fh = 1, Fw = K,
 *   Channels 1, Num Filter N, stride 1, i.e. the same M, N, K.
 * The first non-empty line is the header (its column count picks the
 * form); a trailing comma on any line is allowed (SCALE-Sim's files have
 * one).  Errors: FILE:LINE:COLUMN: FIELD: expected ..., found ... */
#include "topology.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipe.h"

#define TOPO_MAX_LINE 1024
#define TOPO_MAX_BYTES (16u << 20)
#define TOPO_MAX_COLS 9
/* more layers than any network SCALE-Sim ships (a depthwise layer of C
 * channels counts C): refused rather than grown without bound */
#define TOPO_MAX_OPS (1u << 20)

static const char *const k_conv_cols[TOPO_MAX_COLS] = {
    "Layer name",   "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width",
    "Channels",     "Num Filter",   "Strides",     "Stride width"};
static const char *const k_gemm_cols[4] = {"Layer", "M", "N", "K"};

typedef struct cell {
    char *text;
    int col; /* 1-based character column where the cell starts */
} cell;

typedef struct reader {
    const char *file;
    ab_error *err;
} reader;

static int fail(const reader *r, int line, int col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(const reader *r, int line, int col, const char *field, const char *fmt, ...)
{
    char msg[AB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ab_error_set(r->err, "%.200s:%d:%d: %.60s: %.300s", r->file, line, col, field, msg);
}

/* Split a line at commas into trimmed cells; a last empty cell (the
 * trailing comma) is dropped.  Returns the cell count, or -1 for more
 * than cap. */
static int split(char *line, cell *cells, int cap)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        char *s = p;
        while (*s && isspace((unsigned char)*s))
            s++;
        size_t len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1]))
            s[--len] = '\0';
        if (!comma && !*s && n > 0)
            break; /* the trailing comma's empty cell */
        if (n == cap)
            return -1;
        cells[n].text = s;
        cells[n].col = (int)(s - line) + 1;
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

static int parse_count(const reader *r, int line, const cell *c, const char *field,
                       uint64_t *out)
{
    const char *s = c->text;
    uint64_t v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (digits >= 10)
            break;
        v = v * 10u + (uint64_t)(*s - '0');
    }
    if (digits == 0 || *s != '\0' || v == 0 || v > AB_OP_DIM_MAX)
        return fail(r, line, c->col, field, "expected a positive integer of at most %llu, "
                    "found \"%.60s\"", (unsigned long long)AB_OP_DIM_MAX, c->text);
    *out = v;
    return 0;
}

static int push(const reader *r, int line, const ab_recipe *rec, ab_op_kind kind,
                const char *name, uint64_t M, uint64_t N, uint64_t K, ab_op_list *out)
{
    if (out->n >= TOPO_MAX_OPS)
        return fail(r, line, 1, "Layer name", "expected at most %u layers in all (a depthwise "
                    "layer counts one per channel), found more", TOPO_MAX_OPS);
    ab_op op;
    memset(&op, 0, sizeof op);
    if ((size_t)snprintf(op.name, sizeof op.name, "%s", name) >= sizeof op.name)
        return fail(r, line, 1, "Layer name", "expected a name of at most %zu characters, "
                    "found %zu", sizeof op.name - 1, strlen(name));
    op.kind = kind;
    op.M = M;
    op.N = N;
    op.K = K;
    op.count = 1;
    op.weight_share = 1;
    ab_error e;
    if (ab_op_check_range(&op, &e) != 0)
        return fail(r, line, 1, name, "%s (docs/trace-format.md \"Ranges\")", e.msg);
    if (ab_recipe_apply(rec, &op, &e) != 0)
        return ab_error_set(r->err, "%.200s:%d: layer %.60s: %.240s", r->file, line, name,
                            e.msg);
    return ab_op_list_push(out, &op, r->err);
}

static int conv_row(const reader *r, int line, const cell *c, int ncols, const ab_recipe *rec,
                    ab_op_list *out)
{
    uint64_t v[TOPO_MAX_COLS] = {0};
    for (int i = 1; i < ncols; i++)
        if (parse_count(r, line, &c[i], k_conv_cols[i], &v[i]) != 0)
            return -1;
    const uint64_t H = v[1], W = v[2], fh = v[3], fw = v[4], ch = v[5], nf = v[6];
    const uint64_t sh = v[7], sw = ncols == 9 ? v[8] : v[7];
    if (fh > H)
        return fail(r, line, c[3].col, k_conv_cols[3],
                    "expected at most the IFMAP Height (%llu), found %llu",
                    (unsigned long long)H, (unsigned long long)fh);
    if (fw > W)
        return fail(r, line, c[4].col, k_conv_cols[4],
                    "expected at most the IFMAP Width (%llu), found %llu",
                    (unsigned long long)W, (unsigned long long)fw);
    const uint64_t oh = (H - fh) / sh + 1, ow = (W - fw) / sw + 1;
    const uint64_t M = ab_sat_mul(oh, ow);
    if (!strstr(c[0].text, "DP"))
        return push(r, line, rec, AB_OP_CONV, c[0].text, M, nf, ab_sat_mul(ab_sat_mul(fh, fw), ch),
                    out);
    for (uint64_t i = 0; i < ch; i++) {
        char name[TOPO_MAX_LINE + 32];
        snprintf(name, sizeof name, "%sChannel_%llu", c[0].text, (unsigned long long)i);
        if (push(r, line, rec, AB_OP_CONV, name, M, nf, fh * fw, out) != 0)
            return -1;
    }
    return 0;
}

static int read_rows(const reader *r, FILE *f, const ab_recipe *rec, ab_op_list *out)
{
    char line[TOPO_MAX_LINE + 2];
    int lineno = 0, ncols = 0;
    size_t total = 0;
    bool gemm = false;
    cell cells[TOPO_MAX_COLS + 1];
    while (fgets(line, sizeof line, f)) {
        lineno++;
        const size_t len = strlen(line);
        total += len;
        if (total > TOPO_MAX_BYTES)
            return fail(r, lineno, 1, "file", "expected a topology of at most %u bytes",
                        TOPO_MAX_BYTES);
        if (len == sizeof line - 1 && line[len - 1] != '\n')
            return fail(r, lineno, 1, "line", "expected lines of at most %d characters",
                        TOPO_MAX_LINE);
        line[strcspn(line, "\r\n")] = '\0';
        const char *t = line;
        while (*t && isspace((unsigned char)*t))
            t++;
        if (!*t)
            continue;
        const int n = split(line, cells, TOPO_MAX_COLS + 1);
        if (ncols == 0) {
            /* the header: SCALE-Sim skips it whatever it says; its width
             * tells the two forms apart */
            if (n == 4)
                gemm = true;
            else if (n != 8 && n != 9)
                return fail(r, lineno, 1, "header",
                            "expected the conv form's 8 columns (Layer name, IFMAP Height, "
                            "IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                            "Strides), 9 (with a Stride width) or the GEMM form's 4 (Layer, "
                            "M, N, K), found %d", n < 0 ? TOPO_MAX_COLS + 1 : n);
            ncols = n;
            continue;
        }
        if (n != ncols)
            return fail(r, lineno, n > 0 && n <= ncols ? cells[n - 1].col : 1, "row",
                        "expected %d columns like the header, found %s%d", ncols,
                        n < 0 ? "more than " : "", n < 0 ? TOPO_MAX_COLS + 1 : n);
        if (!cells[0].text[0])
            return fail(r, lineno, cells[0].col, gemm ? k_gemm_cols[0] : k_conv_cols[0],
                        "expected a layer name, found \"\"");
        if (gemm) {
            uint64_t v[4];
            for (int i = 1; i < 4; i++)
                if (parse_count(r, lineno, &cells[i], k_gemm_cols[i], &v[i]) != 0)
                    return -1;
            if (push(r, lineno, rec, AB_OP_GEMM, cells[0].text, v[1], v[2], v[3], out) != 0)
                return -1;
        } else if (conv_row(r, lineno, cells, ncols, rec, out) != 0) {
            return -1;
        }
    }
    if (ferror(f))
        return fail(r, lineno, 1, "file", "read error");
    if (ncols == 0)
        return fail(r, lineno > 0 ? lineno : 1, 1, "header",
                    "expected a header line and at least one layer, found an empty file");
    if (out->n == 0)
        return fail(r, lineno, 1, "row", "expected at least one layer after the header, "
                    "found none");
    return 0;
}

int ab_topology_read(const char *path, const char *recipe, ab_op_list *out, ab_error *err)
{
    memset(out, 0, sizeof *out);
    char rfile[1024];
    if (ab_recipe_resolve(recipe, rfile, sizeof rfile, err) != 0)
        return -1;
    ab_recipe rec;
    if (ab_recipe_load(rfile, &rec, err) != 0)
        return -1;
    const reader r = {path, err};
    FILE *f = fopen(path, "r");
    if (!f) {
        ab_recipe_free(&rec);
        return ab_error_set(err, "%.300s: cannot open the topology file", path);
    }
    const int rc = read_rows(&r, f, &rec, out);
    fclose(f);
    ab_recipe_free(&rec);
    if (rc != 0)
        ab_op_list_free(out);
    return rc;
}
