/* plot_timeline.c - `anybit plot --timeline FILE.csv`: a run's DRAM and
 * SRAM bandwidth and PE utilization over time (the CSV of `anybit run
 * --timeline`), drawn by gnuplot as timeline.svg and timeline.png
 * (docs/plots.md "Timeline"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "plot_impl.h"
#include "results/report.h"
#include "tensor_io.h"

/* Columns the plot reads (indices into AB_TIMELINE_CSV_HEADER). */
enum { COL_START_S = 3, COL_END_S = 4, COL_DRAM_GBS = 10, COL_SRAM_GBS = 11, COL_UTIL = 12 };

typedef struct tl_rows {
    size_t n;
    double (*v)[AB_TIMELINE_CSV_COLUMNS];
} tl_rows;

static const char *column_name(int c, char *buf, size_t cap)
{
    const char *h = AB_TIMELINE_CSV_HEADER;
    for (int i = 0; i < c; i++)
        h = strchr(h, ',') + 1;
    const char *e = strchr(h, ',');
    const size_t len = e ? (size_t)(e - h) : strlen(h);
    snprintf(buf, cap, "%.*s", (int)len, h);
    return buf;
}

/* Every line checked: the header exactly, then rows of finite numbers. */
static int parse(const char *path, char *text, tl_rows *r, ab_error *err)
{
    memset(r, 0, sizeof r[0]);
    char *line = text, *next;
    unsigned long lineno = 1;
    next = strchr(line, '\n');
    if (next)
        *next++ = '\0';
    if (strcmp(line, AB_TIMELINE_CSV_HEADER) != 0)
        return ab_error_set(err, "%s:1: expected the header of anybit run --timeline (%s)", path,
                            AB_TIMELINE_CSV_HEADER);
    size_t cap = 0;
    for (line = next; line && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (r->n == AB_TIMELINE_BUCKETS_MAX)
            return ab_error_set(err, "%s:%lu: more than %u buckets", path, lineno,
                                AB_TIMELINE_BUCKETS_MAX);
        if (r->n == cap) {
            cap = cap ? 2 * cap : 256;
            void *p = realloc(r->v, cap * sizeof r->v[0]);
            if (!p)
                return ab_error_set(err, "%s: out of memory", path);
            r->v = p;
        }
        char *f = line;
        for (int c = 0; c < AB_TIMELINE_CSV_COLUMNS; c++) {
            char *end;
            errno = 0;
            const double x = strtod(f, &end);
            const char want = c + 1 < AB_TIMELINE_CSV_COLUMNS ? ',' : '\0';
            if (end == f || errno || *end != want || x != x || x < 0 || x > 1e300) {
                char name[64];
                char *stop = strchr(f, ',');
                const int len = stop ? (int)(stop - f) : (int)strlen(f);
                return ab_error_set(err, "%s:%lu: column %s: expected a number >= 0, found '%.*s'",
                                    path, lineno, column_name(c, name, sizeof name),
                                    len > 40 ? 40 : len, f);
            }
            r->v[r->n][c] = x;
            f = end + (want == ',');
        }
        r->n++;
    }
    if (r->n == 0)
        return ab_error_set(err, "%s: no buckets after the header", path);
    return 0;
}

static void commands(FILE *f, const tl_rows *r, const char *title)
{
    fprintf(f, "set title \"%s\" noenhanced\n", title);
    fputs("set xlabel 'time (ms)'\nset ylabel 'bandwidth (GB/s)'\n"
          "set y2label 'PE utilization (%)'\nset yrange [0:*]\nset y2range [0:100]\n"
          "set ytics nomirror\nset y2tics\nset key outside bottom center horizontal\n"
          "set grid ytics lc rgb '#dddddd'\n",
          f);
    /* steps: each bucket's value holds over the bucket */
    fputs("$tl << EOD\n", f);
    for (size_t i = 0; i < r->n; i++)
        fprintf(f, "%.9g %.9g %.9g %.9g\n", 1e3 * r->v[i][COL_START_S], r->v[i][COL_DRAM_GBS],
                r->v[i][COL_SRAM_GBS], 100 * r->v[i][COL_UTIL]);
    const double *last = r->v[r->n - 1];
    fprintf(f, "%.9g %.9g %.9g %.9g\nEOD\n", 1e3 * last[COL_END_S], last[COL_DRAM_GBS],
            last[COL_SRAM_GBS], 100 * last[COL_UTIL]);
    fputs("plot $tl using 1:2 with steps lw 2 lc rgb '#ee6677' title 'DRAM', "
          "'' using 1:3 with steps lw 2 lc rgb '#228833' title 'SRAM', "
          "'' using 1:4 axes x1y2 with steps lw 2 lc rgb '#4477aa' title 'PE utilization'\n",
          f);
}

static int write_script(const char *script, const char *workdir, const tl_rows *r,
                        const char *title, ab_error *err)
{
    FILE *f = fopen(script, "w");
    if (!f)
        return ab_error_set(err, "%s: cannot create: %s", script, strerror(errno));
    fprintf(f, "# anybit plot --timeline: generated\nset encoding utf8\n"
               "png_term = (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) ? 'pngcairo' : 'png'\n"
               "set terminal svg size 1200,500 fixed noenhanced font 'sans,11' "
               "background rgb 'white'\nset output '%s/timeline.svg'\n",
            workdir);
    commands(f, r, title);
    fprintf(f, "unset output\nset terminal @png_term size 1200,500 noenhanced font 'sans,10' "
               "background rgb 'white'\nset output '%s/timeline.png'\nreplot\nunset output\n",
            workdir);
    const bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad)
        return ab_error_set(err, "%s: write failed", script);
    return 0;
}

int ab_plot_timeline(const char *csv, const char *outdir, ab_error *err)
{
    uint8_t *data;
    size_t len;
    if (ab_read_file(csv, &data, &len, err) != 0)
        return -1;
    char *text = realloc(data, len + 1);
    if (!text) {
        free(data);
        return ab_error_set(err, "%s: out of memory", csv);
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        free(text);
        return ab_error_set(err, "%s: not a text file (a NUL byte)", csv);
    }
    tl_rows r;
    int rc = parse(csv, text, &r, err);
    free(text);
    char work[4200], script[4300], log[4300], svg_path[4300];
    char *svg = NULL;
    bool made = false;
    if (rc == 0 && strchr(outdir, '\'')) /* the script quotes paths with ' */
        rc = ab_error_set(err, "%s: a plot directory with a ' in its name", outdir);
    if (rc == 0)
        rc = ab_mkdir_p(outdir, &made, err);
    if (rc == 0) {
        snprintf(work, sizeof work, "%s/.anybit-plot.XXXXXX", outdir);
        if (!mkdtemp(work))
            rc = ab_error_set(err, "%s: cannot create a temporary directory: %s", outdir,
                              strerror(errno));
    }
    bool have_work = rc == 0;
    if (rc == 0) {
        snprintf(script, sizeof script, "%s/timeline.gp", work);
        snprintf(log, sizeof log, "%s/gnuplot.log", work);
        snprintf(svg_path, sizeof svg_path, "%s/timeline.svg", work);
        char title[600];
        snprintf(title, sizeof title, "anybit: timeline of %s", csv);
        rc = write_script(script, work, &r, title, err) != 0 ||
                     plot_run_gnuplot(script, log, err) != 0
                 ? -1
                 : 0;
        uint8_t *s = NULL;
        size_t n;
        if (rc == 0 && ab_read_file(svg_path, &s, &n, err) == 0) {
            char *t = realloc(s, n + 1);
            if (!t) {
                free(s);
                rc = ab_error_set(err, "%s: out of memory", svg_path);
            } else {
                t[n] = '\0';
                const plot_tips none = {NULL, 0, 0};
                rc = plot_svg_rewrite(t, &none, title, &svg, svg_path, err);
                free(t);
            }
        } else if (rc == 0) {
            rc = -1;
        }
    }
    if (rc == 0) {
        char to[4300], from[4300];
        snprintf(to, sizeof to, "%s/timeline.svg", outdir);
        ab_atomic_file af;
        rc = ab_atomic_open(&af, to, err);
        if (rc == 0) {
            fputs(svg, af.fp);
            rc = ab_atomic_commit(&af, err);
        }
        snprintf(from, sizeof from, "%s/timeline.png", work);
        snprintf(to, sizeof to, "%s/timeline.png", outdir);
        if (rc == 0 && rename(from, to) != 0)
            rc = ab_error_set(err, "%s: cannot move into place: %s", to, strerror(errno));
    }
    free(svg);
    free(r.v);
    if (have_work) {
        const char *names[] = {"timeline.gp", "gnuplot.log", "timeline.svg", "timeline.png"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            char p[4400];
            snprintf(p, sizeof p, "%s/%s", work, names[i]);
            unlink(p);
        }
        rmdir(work);
    }
    if (rc != 0 && made)
        rmdir(outdir);
    return rc;
}
