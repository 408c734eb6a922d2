/* plot_script.c - the gnuplot script of `anybit plot`: data as inline
 * datablocks, one plot command per figure, SVG then PNG (plot_impl.h). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "plot_impl.h"
#include "results/report.h"

/* Every figure has the same size so that the report lines them up. */
#define PLOT_W 960
#define PLOT_H 600

static const char *const part_titles[AB_ENERGY_PARTS] = {"PE",         "dequant", "SRAM read",
                                                         "SRAM write", "DRAM",    "leakage"};
/* Paul Tol's colour-blind-safe "bright" scheme. */
static const char *const part_colors[AB_ENERGY_PARTS] = {"#4477aa", "#66ccee", "#228833",
                                                         "#ccbb44", "#ee6677", "#aa3377"};

void plot_tips_free(plot_tips *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    memset(t, 0, sizeof *t);
}

typedef struct script {
    FILE *f;
    const ab_plot_data *d;
    plot_tips *tips;
    size_t varying[64];
    size_t nvarying;
    bool oom;
} script;

/* Tooltip text -> its index (the label token gnuplot sees is "hN"). */
static size_t tip_add(script *s, char *text)
{
    plot_tips *t = s->tips;
    if (!text) {
        s->oom = true;
        return 0;
    }
    if (t->n == t->cap) {
        const size_t cap = t->cap ? 2 * t->cap : 64;
        char **grown = realloc(t->s, cap * sizeof *grown);
        if (!grown) {
            free(text);
            s->oom = true;
            return 0;
        }
        t->s = grown;
        t->cap = cap;
    }
    t->s[t->n] = text;
    return t->n++;
}

/* A string for a gnuplot command: single quotes (no escapes inside, a
 * quote doubled), control characters as spaces. */
static void gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("''", f);
        else
            fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
    fputc('\'', f);
}

/* A quoted datablock field: gnuplot's data quoting has no escape, so a
 * double quote becomes a single one. */
static void gp_field(FILE *f, const char *s, size_t max)
{
    fputc('"', f);
    size_t n = 0;
    for (; *s && n < max; s++, n++)
        fputc(*s == '"' ? '\'' : (unsigned char)*s < 0x20 ? ' ' : *s, f);
    if (*s)
        fputs("...", f);
    fputc('"', f);
}

/* A display unit for values whose largest is maxv (in base units): the
 * largest of s, ms, us, ns, ps (or J, mJ, ...) that keeps it >= 1. */
typedef struct unit {
    double mul;
    char name[8];
} unit;

static unit pick_unit(double maxv, const char *base)
{
    static const char *const pre[] = {"", "m", "u", "n", "p", "f"};
    unit u = {1, ""};
    int i = 0;
    while (i < 5 && maxv > 0 && maxv * u.mul < 1) {
        u.mul *= 1000;
        i++;
    }
    snprintf(u.name, sizeof u.name, "%s%s", pre[i], base);
    return u;
}

static char *tip_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *tip_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* "config.array.rows=64, phase=decode:16": the inputs that vary, so a
 * tooltip says which design point this is. */
static void inputs_of(const script *s, size_t row, char *out, size_t cap)
{
    const ab_results *r = s->d->r;
    out[0] = 0;
    for (size_t i = 0; i < s->nvarying; i++) {
        const size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s=%s", i ? ", " : "", r->cols[s->varying[i]],
                 r->rows[row].cells[s->varying[i]]);
    }
}

/* The x tick label of a bar: the point and its varying input values, or
 * the point alone when there are so many bars that longer labels would
 * overlap (the tooltips still name the inputs). */
static void bar_label(const script *s, size_t row, size_t nbars, char *out, size_t cap)
{
    const ab_results *r = s->d->r;
    snprintf(out, cap, "%llu", (unsigned long long)r->rows[row].point);
    for (size_t i = 0; i < s->nvarying && nbars <= 30; i++) {
        const size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", i ? " " : ": ",
                 r->rows[row].cells[s->varying[i]]);
    }
}

static void terminal_svg_sized(script *s, const char *workdir, const char *name, int height)
{
    fprintf(s->f,
            "\nreset\nset terminal svg size %d,%d fixed noenhanced font 'sans,11' "
            "background rgb 'white'\nset output ",
            PLOT_W, height);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.svg", workdir, name);
    gp_str(s->f, path);
    fputc('\n', s->f);
}

static void terminal_svg(script *s, const char *workdir, const char *name)
{
    terminal_svg_sized(s, workdir, name, PLOT_H);
}

/* A bar chart of n bars in pages of at most max bars each (every point
 * shown: a chart with more bars than fit is cut into panels of one figure,
 * stacked, the same y scale on all). */
typedef struct bar_pages {
    size_t pages, per;
    int height; /* of the whole figure */
} bar_pages;

static bar_pages paginate(size_t n, size_t max)
{
    bar_pages b;
    b.pages = n > max ? (n + max - 1) / max : 1;
    b.per = n ? (n + b.pages - 1) / b.pages : 1;
    /* one panel: the usual size; more: 360 px each */
    b.height = b.pages == 1 ? PLOT_H : (int)(360 * b.pages);
    return b;
}

/* The plot commands `cmds` drawn as SVG (the terminal is already set) and,
 * when png, again as PNG: a multiplot cannot be replotted, so the commands
 * are written twice. */
static void png_terminal(script *s, const char *workdir, const char *name, int height)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.png", workdir, name);
    fprintf(s->f,
            "set terminal @png_term size %d,%d noenhanced font 'sans,10' "
            "background rgb 'white'\nset output ",
            PLOT_W, height);
    gp_str(s->f, path);
    fputc('\n', s->f);
}

static void draw_twice(script *s, const char *workdir, const char *name, bool png, int height,
                       const char *cmds)
{
    fputs(cmds, s->f);
    fprintf(s->f, "unset output\n");
    if (!png)
        return;
    png_terminal(s, workdir, name, height);
    fputs(cmds, s->f);
    fprintf(s->f, "unset output\n");
}

/* After a plot: close the SVG, then redraw the same plot as PNG. */
static void finish(script *s, const char *workdir, const char *name, bool png)
{
    fprintf(s->f, "unset output\n");
    if (!png)
        return;
    png_terminal(s, workdir, name, PLOT_H);
    fprintf(s->f, "replot\nunset output\n");
}

/* Log scale when the values span more than a factor of 20. */
static bool wants_log(const double *v, size_t n, size_t stride)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++) {
        const double x = v[i * stride];
        if (!(x > 0))
            return false;
        lo = fmin(lo, x);
        hi = fmax(hi, x);
    }
    return n > 1 && hi > 20 * lo;
}

/* Whether an axis is logarithmic: asked for (--log), or, left to auto,
 * when its values span more than 20x. */
static bool log_axis(const ab_plot_data *d, char axis, const double *v, size_t n, size_t stride)
{
    switch (d->log) {
    case AB_LOG_NONE: return false;
    case AB_LOG_X: return axis == 'x';
    case AB_LOG_Y: return axis == 'y';
    case AB_LOG_XY: return true;
    case AB_LOG_AUTO: default: return wants_log(v, n, stride);
    }
}

/* The speedup bars' y axis: linear from 0 unless --log names y (the
 * energy bars stay linear: stacked parts cannot be read on a log axis). */
static bool bars_log(const ab_plot_data *d) { return d->log == AB_LOG_Y || d->log == AB_LOG_XY; }

static void plot_accuracy(script *s, const char *workdir, bool png)
{
    const ab_plot_data *d = s->d;
    FILE *f = s->f;
    terminal_svg(s, workdir, "accuracy");
    if (d->nerr == 0) {
        fprintf(f, "set title 'Energy vs error: no point carries an accuracy estimate "
                   "(a sweep run with accuracy off, or by an older anybit)'\n"
                   "set xrange [0:1]\nset yrange [0:1]\nunset xtics\nunset ytics\n"
                   "$none << EOD\n0 0\nEOD\nplot $none with dots lc rgb 'white' notitle\n");
        finish(s, workdir, "accuracy", png);
        return;
    }
    double emax = 0, *ev = calloc(d->nerr, sizeof *ev), *rv = calloc(d->nerr, sizeof *rv);
    if (!ev || !rv) {
        free(ev);
        free(rv);
        s->oom = true;
        return;
    }
    size_t m = 0;
    bool nonpositive = false;
    for (size_t i = 0; i < d->nok; i++)
        if (!isnan(d->error[i])) {
            emax = fmax(emax, d->energy[i] * 1e-12);
            ev[m] = d->energy[i];
            rv[m++] = d->error[i];
            nonpositive |= !(d->error[i] > 0);
        }
    const unit eu = pick_unit(emax, "J");
    fprintf(f,
            "set title 'Energy vs error: %zu points with an accuracy estimate, %zu on the "
            "Pareto front (both minimized)'\n",
            d->nerr, d->nerr_front);
    fprintf(f, "set xlabel 'energy (%s)'\nset ylabel 'error (output NMSE of the recipe)'\n"
               "set grid\nset key top right opaque box\nset format y '%%.1e'\n",
            eu.name);
    if (log_axis(d, 'x', ev, m, 1))
        fprintf(f, "set logscale x\n");
    /* an error of 0 (a lossless recipe) has no place on a log axis */
    if (!nonpositive && log_axis(d, 'y', rv, m, 1))
        fprintf(f, "set logscale y\n");
    free(ev);
    free(rv);
    fprintf(f, "$accuracy_all << EOD\n");
    char b1[32], in[1024];
    for (size_t i = 0; i < d->nok; i++) {
        if (isnan(d->error[i]))
            continue;
        const size_t row = d->ok[i];
        bool on_front = false;
        for (size_t j = 0; j < d->nerr_front; j++)
            on_front |= d->err_front[j] == i;
        inputs_of(s, row, in, sizeof in);
        const size_t t = tip_add(s, tip_printf("point %llu\nenergy %s, error %.3g%s\n%s",
                                               (unsigned long long)d->r->rows[row].point,
                                               ab_fmt_si(b1, sizeof b1, d->energy[i] * 1e-12, "J"),
                                               d->error[i],
                                               on_front ? " (on the Pareto front)" : "", in));
        fprintf(f, "%.10g %.10g \"h%zu\"\n", d->energy[i] * 1e-12 * eu.mul, d->error[i], t);
    }
    fprintf(f, "EOD\n$accuracy_front << EOD\n");
    for (size_t j = 0; j < d->nerr_front; j++)
        fprintf(f, "%.10g %.10g \"%llu\"\n", d->energy[d->err_front[j]] * 1e-12 * eu.mul,
                d->error[d->err_front[j]],
                (unsigned long long)d->r->rows[d->ok[d->err_front[j]]].point);
    fprintf(f, "EOD\n");
    fprintf(f, "plot $accuracy_all using 1:2:3 with labels hypertext point pt 7 ps 1.1 "
               "lc rgb '#4477aa' title 'design point', \\\n"
               "     $accuracy_front using 1:2 with linespoints pt 6 ps 2 lw 2 "
               "lc rgb '#cc3311' title 'Pareto front'");
    if (d->nerr_front <= 25)
        fprintf(f, ", \\\n     $accuracy_front using 1:2:3 with labels offset char 1,0.7 left "
                   "tc rgb '#cc3311' notitle");
    fputc('\n', f);
    finish(s, workdir, "accuracy", png);
}

static void plot_pareto(script *s, const char *workdir, bool png)
{
    const ab_plot_data *d = s->d;
    FILE *f = s->f;
    double tmax = 0, emax = 0;
    for (size_t i = 0; i < d->nok; i++) {
        tmax = fmax(tmax, d->seconds[i]);
        emax = fmax(emax, d->energy[i] * 1e-12);
    }
    const unit tu = pick_unit(tmax, "s"), eu = pick_unit(emax, "J");
    terminal_svg(s, workdir, "pareto");
    fprintf(f,
            "set title 'Latency vs energy: %zu ok points, %zu on the Pareto front "
            "(both minimized)'\n",
            d->nok, d->nfront);
    fprintf(f, "set xlabel 'latency (%s)'\nset ylabel 'energy (%s)'\n", tu.name, eu.name);
    fprintf(f, "set grid\nset key top right opaque box\n");
    if (log_axis(d, 'x', d->seconds, d->nok, 1))
        fprintf(f, "set logscale x\n");
    if (log_axis(d, 'y', d->energy, d->nok, 1))
        fprintf(f, "set logscale y\n");
    fprintf(f, "$pareto_all << EOD\n");
    char b1[32], b2[32], in[1024];
    for (size_t i = 0; i < d->nok; i++) {
        const size_t row = d->ok[i];
        bool on_front = false;
        for (size_t j = 0; j < d->nfront; j++)
            on_front |= d->front[j] == i;
        inputs_of(s, row, in, sizeof in);
        const size_t t = tip_add(s, tip_printf("point %llu\nlatency %s, energy %s%s\n%s",
                                               (unsigned long long)d->r->rows[row].point,
                                               ab_fmt_si(b1, sizeof b1, d->seconds[i], "s"),
                                               ab_fmt_si(b2, sizeof b2, d->energy[i] * 1e-12, "J"),
                                               on_front ? " (on the Pareto front)" : "", in));
        fprintf(f, "%.10g %.10g \"h%zu\"\n", d->seconds[i] * tu.mul, d->energy[i] * 1e-12 * eu.mul,
                t);
    }
    fprintf(f, "EOD\n$pareto_front << EOD\n");
    for (size_t j = 0; j < d->nfront; j++)
        fprintf(f, "%.10g %.10g \"%llu\"\n", d->seconds[d->front[j]] * tu.mul,
                d->energy[d->front[j]] * 1e-12 * eu.mul,
                (unsigned long long)d->r->rows[d->ok[d->front[j]]].point);
    fprintf(f, "EOD\n");
    fprintf(f, "plot $pareto_all using 1:2:3 with labels hypertext point pt 7 ps 1.1 "
               "lc rgb '#4477aa' title 'design point', \\\n"
               "     $pareto_front using 1:2 with linespoints pt 6 ps 2 lw 2 "
               "lc rgb '#cc3311' title 'Pareto front'");
    /* the front's point ids beside it, while they stay legible */
    if (d->nfront <= 25)
        fprintf(f, ", \\\n     $pareto_front using 1:2:3 with labels offset char 1,0.7 left "
                   "tc rgb '#cc3311' notitle");
    fputc('\n', f);
    finish(s, workdir, "pareto", png);
}

/* Title suffix of the bar charts: how many bars, and the panels. */
static void bars_note(char *out, size_t cap, const bar_pages *b, size_t total, const char *what)
{
    if (b->pages > 1)
        snprintf(out, cap, " (%zu %s in %zu panels)", total, what, b->pages);
    else
        snprintf(out, cap, " (%zu %s)", total, what);
}

static void bar_style(FILE *f, bool many)
{
    fprintf(f, "set style data histograms\nset style fill solid 0.85 border lc rgb '#333333'\n"
               "set boxwidth 0.75\nset grid ytics\nset xlabel 'point'\n");
    /* right-aligned at the tick, reading upwards: long labels stay apart */
    fprintf(f, "set xtics nomirror rotate by %d right\n", many ? 90 : 40);
}

/* The title of panel p: the chart's on the first, the points it holds on
 * every one when there are several. */
static void panel_title(FILE *f, const char *title, const bar_pages *b, size_t p, size_t first,
                        size_t last)
{
    char t[700];
    if (b->pages == 1)
        snprintf(t, sizeof t, "%s", title);
    else if (p == 0)
        snprintf(t, sizeof t, "%s; bars %zu-%zu", title, first + 1, last);
    else
        snprintf(t, sizeof t, "bars %zu-%zu", first + 1, last);
    fprintf(f, "set title ");
    gp_str(f, t);
    fputc('\n', f);
}

static void plot_energy(script *s, const char *workdir, bool png)
{
    const ab_plot_data *d = s->d;
    FILE *f = s->f;
    const size_t nbars = d->nok;
    const bar_pages b = paginate(nbars, d->max_bars);
    double emax = 0;
    for (size_t i = 0; i < nbars; i++)
        emax = fmax(emax, d->energy[i] * 1e-12);
    const unit eu = pick_unit(emax, "J");
    char note[128];
    bars_note(note, sizeof note, &b, d->nok, "ok points");
    terminal_svg_sized(s, workdir, "energy", b.height);
    char label[64], b1[32], in[1024];
    for (size_t p = 0; p < b.pages; p++) {
        const size_t first = p * b.per, last = first + b.per < nbars ? first + b.per : nbars;
        fprintf(f, "$energy_%zu << EOD\n", p);
        for (size_t i = first; i < last; i++) {
            bar_label(s, d->ok[i], b.per, label, sizeof label);
            gp_field(f, label, 28);
            for (int q = 0; q < AB_ENERGY_PARTS; q++)
                fprintf(f, " %.10g", d->parts[i][q] * 1e-12 * eu.mul);
            fputc('\n', f);
        }
        fprintf(f, "EOD\n$energy_tips_%zu << EOD\n", p);
        for (size_t i = first; i < last; i++) {
            const size_t row = d->ok[i];
            double sum = 0;
            for (int q = 0; q < AB_ENERGY_PARTS; q++)
                sum += d->parts[i][q];
            char shares[256] = "";
            for (int q = 0; q < AB_ENERGY_PARTS; q++) {
                const size_t used = strlen(shares);
                snprintf(shares + used, sizeof shares - used, "%s%s %.1f%%", q ? ", " : "",
                         part_titles[q], sum > 0 ? 100 * d->parts[i][q] / sum : 0);
            }
            inputs_of(s, row, in, sizeof in);
            const size_t t = tip_add(
                s, tip_printf("point %llu\nenergy %s: %s\n%s",
                              (unsigned long long)d->r->rows[row].point,
                              ab_fmt_si(b1, sizeof b1, d->energy[i] * 1e-12, "J"), shares, in));
            fprintf(f, "%zu %.10g \"h%zu\"\n", i - first, sum * 1e-12 * eu.mul, t);
        }
        fprintf(f, "EOD\n");
    }
    char *cmds = NULL;
    size_t len = 0;
    FILE *c = open_memstream(&cmds, &len);
    if (!c) {
        s->oom = true;
        return;
    }
    char title[256];
    snprintf(title, sizeof title, "Energy by component%s", note);
    fprintf(c, "set ylabel 'energy (%s)'\n", eu.name);
    bar_style(c, b.per > 12);
    /* linear even with --log y: stacked parts cannot be read on a log axis */
    fprintf(c, "set yrange [0:%.10g]\n", emax * eu.mul * 1.05 + 1e-300);
    fprintf(c, "set style histogram rowstacked\nset key outside right top vertical\n");
    if (b.pages > 1)
        fprintf(c, "set multiplot layout %zu,1\n", b.pages);
    for (size_t p = 0; p < b.pages; p++) {
        const size_t first = p * b.per, last = first + b.per < nbars ? first + b.per : nbars;
        panel_title(c, title, &b, p, first, last);
        char block[32];
        snprintf(block, sizeof block, "$energy_%zu", p);
        fprintf(c, "plot ");
        for (int q = 0; q < AB_ENERGY_PARTS; q++)
            fprintf(c, "%s using %d%s title '%s' lc rgb '%s', \\\n     ", q ? "''" : block,
                    q + 2, q ? "" : ":xtic(1)", part_titles[q], part_colors[q]);
        fprintf(c, "$energy_tips_%zu using 1:2:3 with labels hypertext point pt 7 ps 0.5 "
                   "lc rgb '#222222' notitle\n",
                p);
    }
    if (b.pages > 1)
        fprintf(c, "unset multiplot\n");
    if (fclose(c) != 0) {
        free(cmds);
        s->oom = true;
        return;
    }
    draw_twice(s, workdir, "energy", png, b.height, cmds);
    free(cmds);
}

static void plot_speedup(script *s, const char *workdir, bool png)
{
    const ab_plot_data *d = s->d;
    FILE *f = s->f;
    size_t with_base = 0;
    double smax = 0;
    for (size_t i = 0; i < d->nok; i++)
        if (d->base[i] >= 0) {
            with_base++;
            smax = fmax(smax, d->seconds[d->base[i]] / d->seconds[i]);
        }
    const bar_pages b = paginate(with_base, d->max_bars);
    char note[160];
    bars_note(note, sizeof note, &b, with_base, "points with a baseline");
    if (with_base < d->nok) {
        const size_t used = strlen(note);
        snprintf(note + used, sizeof note - used, "; %zu without", d->nok - with_base);
    }
    terminal_svg_sized(s, workdir, "speedup", b.height);
    char title[512];
    if (d->baseline_per_point)
        snprintf(title, sizeof title, "Speedup vs baseline %s (same workload)%s",
                 d->baseline_desc, note);
    else
        snprintf(title, sizeof title, "Speedup vs %s (for every point)%s", d->baseline_desc,
                 note);
    /* the points with a baseline, in point order */
    size_t *idx = malloc((with_base ? with_base : 1) * sizeof *idx);
    if (!idx) {
        s->oom = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->nok; i++)
        if (d->base[i] >= 0)
            idx[n++] = i;
    char label[64], b1[32], b2[32], in[1024];
    for (size_t p = 0; p < b.pages; p++) {
        const size_t first = p * b.per, last = first + b.per < n ? first + b.per : n;
        fprintf(f, "$speedup_%zu << EOD\n", p);
        for (size_t j = first; j < last; j++) {
            const size_t i = idx[j];
            bar_label(s, d->ok[i], b.per, label, sizeof label);
            gp_field(f, label, 28);
            fprintf(f, " %.10g\n", d->seconds[d->base[i]] / d->seconds[i]);
        }
        fprintf(f, "EOD\n$speedup_tips_%zu << EOD\n", p);
        for (size_t j = first; j < last; j++) {
            const size_t i = idx[j];
            const size_t row = d->ok[i], brow = d->ok[d->base[i]];
            const double sp = d->seconds[d->base[i]] / d->seconds[i];
            inputs_of(s, row, in, sizeof in);
            const size_t t = tip_add(
                s, tip_printf("point %llu\nspeedup %.3gx vs point %llu (latency %s vs %s)\n%s",
                              (unsigned long long)d->r->rows[row].point, sp,
                              (unsigned long long)d->r->rows[brow].point,
                              ab_fmt_si(b1, sizeof b1, d->seconds[i], "s"),
                              ab_fmt_si(b2, sizeof b2, d->seconds[d->base[i]], "s"), in));
            fprintf(f, "%zu %.10g \"h%zu\"\n", j - first, sp, t);
        }
        fprintf(f, "EOD\n");
    }
    free(idx);
    char *cmds = NULL;
    size_t len = 0;
    FILE *c = open_memstream(&cmds, &len);
    if (!c) {
        s->oom = true;
        return;
    }
    fprintf(c, "set ylabel 'speedup (baseline latency / latency)'\n");
    bar_style(c, b.per > 12);
    if (bars_log(d)) {
        double lo = 1;
        for (size_t i = 0; i < d->nok; i++)
            if (d->base[i] >= 0)
                lo = fmin(lo, d->seconds[d->base[i]] / d->seconds[i]);
        fprintf(c, "set logscale y\nset yrange [%.10g:%.10g]\n", lo / 2, fmax(smax, 1) * 2);
    } else {
        fprintf(c, "set yrange [0:%.10g]\n", fmax(smax, 1) * 1.05);
    }
    /* one series: clustered draws it as rowstacked does, and works on a
     * log axis (gnuplot refuses stacked histograms there) */
    fprintf(c, "set style histogram clustered gap 1\nset key off\n"
               "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 "
               "lc rgb '#666666' front\n");
    if (b.pages > 1)
        fprintf(c, "set multiplot layout %zu,1\n", b.pages);
    for (size_t p = 0; p < b.pages; p++) {
        const size_t first = p * b.per, last = first + b.per < n ? first + b.per : n;
        panel_title(c, title, &b, p, first, last);
        fprintf(c, "plot $speedup_%zu using 2:xtic(1) lc rgb '#228833' notitle, \\\n"
                   "     $speedup_tips_%zu using 1:2:3 with labels hypertext point pt 7 ps 0.5 "
                   "lc rgb '#222222' notitle\n",
                p, p);
    }
    if (b.pages > 1)
        fprintf(c, "unset multiplot\n");
    if (fclose(c) != 0) {
        free(cmds);
        s->oom = true;
        return;
    }
    draw_twice(s, workdir, "speedup", png, b.height, cmds);
    free(cmds);
}

static void plot_roofline(script *s, const char *workdir, bool png)
{
    const ab_plot_data *d = s->d;
    const ab_roofline *rl = &d->roof;
    FILE *f = s->f;
    char b1[32], b2[32], b3[32], in[1024];
    terminal_svg(s, workdir, "roofline");
    fprintf(f, "set logscale xy\nset grid\nset key top left opaque box\n"
               "set xlabel 'operational intensity (ops per DRAM byte, 1 MAC = 2 ops)'\n"
               "set ylabel 'performance (ops/s)'\nset format y '%%.0s%%c'\n");
    if (rl->nops == 0) {
        fprintf(f, "set title 'Roofline: no op with MACs and DRAM traffic'\n"
                   "set xrange [0.1:10]\nset yrange [1:10]\n$none << EOD\n1 1\nEOD\n"
                   "plot $none with dots lc rgb 'white' notitle\n");
        finish(s, workdir, "roofline", png);
        return;
    }
    /* the x range covers every mark and every roof's ridge */
    double lo = INFINITY, hi = 0, ylo = INFINITY, yhi = 0;
    for (size_t k = 0; k < rl->nroofs; k++) {
        const double ridge = rl->roofs[k].peak_ops_s / rl->roofs[k].bw_bytes_s;
        lo = fmin(lo, ridge);
        hi = fmax(hi, ridge);
        yhi = fmax(yhi, rl->roofs[k].peak_ops_s);
    }
    for (size_t i = 0; i < rl->nops; i++) {
        lo = fmin(lo, rl->ops[i].intensity);
        hi = fmax(hi, rl->ops[i].intensity);
        ylo = fmin(ylo, rl->ops[i].ops_per_s);
    }
    lo /= 4;
    hi *= 4;
    for (size_t k = 0; k < rl->nroofs; k++)
        ylo = fmin(ylo, lo * rl->roofs[k].bw_bytes_s);
    fprintf(f, "set title 'Roofline: %zu op roles of %zu ok points under %zu configuration "
               "roof%s%s%s'\n",
            rl->nops, d->nok, rl->nroofs, rl->nroofs == 1 ? "" : "s",
            rl->roofs_merged ? " (more configurations share the last)" : "",
            rl->skipped ? "; roles without DRAM traffic left out" : "");
    fprintf(f, "set xrange [%.10g:%.10g]\nset yrange [%.10g:%.10g]\n", lo, hi, ylo / 2, yhi * 2);
    for (size_t k = 0; k < rl->nroofs; k++) {
        const ab_roof *rf = &rl->roofs[k];
        const double ridge = rf->peak_ops_s / rf->bw_bytes_s;
        fprintf(f, "$roof_%zu << EOD\n%.10g %.10g\n%.10g %.10g\n%.10g %.10g\nEOD\n", k, lo,
                lo * rf->bw_bytes_s, ridge, rf->peak_ops_s, hi, rf->peak_ops_s);
    }
    fprintf(f, "$roof_ops << EOD\n");
    size_t index_of_row = 0, last_row = (size_t)-1, colour = 0;
    for (size_t i = 0; i < rl->nops; i++) {
        const ab_roof_op *o = &rl->ops[i];
        const ab_roof *rf = &rl->roofs[o->roof];
        if (o->row != last_row) {
            last_row = o->row;
            colour = index_of_row++;
        }
        inputs_of(s, o->row, in, sizeof in);
        const double ridge = rf->peak_ops_s / rf->bw_bytes_s;
        const double roof = fmin(rf->peak_ops_s, o->intensity * rf->bw_bytes_s);
        const size_t t = tip_add(
            s, tip_printf("point %llu: %s (x%zu)\n%.3g ops/byte, %sops/s = %.0f%% of its roof "
                          "(%s-bound side of %s), %s DRAM\n%s",
                          (unsigned long long)d->r->rows[o->row].point, o->role, o->count,
                          o->intensity, ab_fmt_si(b1, sizeof b1, o->ops_per_s, ""),
                          100 * o->ops_per_s / roof, o->intensity < ridge ? "memory" : "compute",
                          rf->accel, ab_fmt_si(b3, sizeof b3, o->dram_bytes, "B"), in));
        /* linetypes 1..8 cycle: neighbouring points get different colours */
        fprintf(f, "%.10g %.10g \"h%zu\" %zu\n", o->intensity, o->ops_per_s, t, colour % 8 + 1);
    }
    fprintf(f, "EOD\nplot ");
    static const char *const roof_colors[] = {"#444444", "#cc3311", "#0077bb", "#009988",
                                              "#ee7733", "#33bbee", "#ee3377", "#bbbbbb"};
    for (size_t k = 0; k < rl->nroofs; k++) {
        const ab_roof *rf = &rl->roofs[k];
        char roof_title[200];
        snprintf(roof_title, sizeof roof_title, "%s: peak %sops/s, DRAM %sB/s", rf->accel,
                 ab_fmt_si(b1, sizeof b1, rf->peak_ops_s, ""),
                 ab_fmt_si(b2, sizeof b2, rf->bw_bytes_s, ""));
        fprintf(f, "$roof_%zu with lines lw 2 dt %zu lc rgb '%s' title ", k, k % 5 + 1,
                roof_colors[k % 8]);
        gp_str(f, roof_title);
        fprintf(f, ", \\\n     ");
    }
    fprintf(f, "$roof_ops using 1:2:3:4 with labels hypertext point pt 7 ps 0.9 "
               "lc variable title 'op role (colour: point)'\n");
    finish(s, workdir, "roofline", png);
}

int plot_write_script(FILE *f, const ab_plot_data *d, const char *workdir, bool png,
                      plot_tips *tips, ab_error *err)
{
    script s = {f, d, tips, {0}, 0, false};
    s.nvarying = ab_plot_varying_inputs(d->r, s.varying, sizeof s.varying / sizeof s.varying[0]);
    fprintf(f, "# anybit plot: generated; data inline as datablocks\n"
               "set encoding utf8\n"
               "png_term = (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) ? 'pngcairo' : 'png'\n");
    plot_pareto(&s, workdir, png);
    plot_accuracy(&s, workdir, png);
    plot_energy(&s, workdir, png);
    plot_speedup(&s, workdir, png);
    plot_roofline(&s, workdir, png);
    if (s.oom)
        return ab_error_set(err, "plot: out of memory");
    if (ferror(f))
        return ab_error_set(err, "%s: cannot write the gnuplot script", workdir);
    return 0;
}
