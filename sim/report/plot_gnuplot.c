/* plot_gnuplot.c - run gnuplot as a child process on the generated script
 * in a temporary directory, rewrite its SVG hypertext into <title>
 * tooltips, and move the results into place (plot.h). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "plot_impl.h"
#include "results/report.h"
#include "tensor_io.h"

extern char **environ;

static const char *const svg_titles[AB_PLOT_COUNT] = {
    "anybit: latency vs energy", "anybit: energy vs error", "anybit: energy by component",
    "anybit: speedup", "anybit: roofline"};

/* ---- the SVG rewrite ----------------------------------------------------- */


/* gnuplot 5.4's svg terminal writes a hypertext point as
 *   <g onmousemove="gnuplot_svg.showHypertext(evt,'TEXT')"
 *      onmouseout="gnuplot_svg.hideHypertext()"><title> </title>
 * which only works with its gnuplot_svg.js; a <title> child is the native
 * SVG tooltip, needs no script, and puts the text in the DOM. */
static const char hyper_open[] = "<g onmousemove=\"gnuplot_svg.showHypertext(evt,'";
static const char doc_title[] = "<title>Gnuplot</title>";
static const char plot_title[] = "<title>gnuplot_plot_";

int plot_svg_rewrite(const char *svg, const plot_tips *tips, const char *title, char **out,
                     const char *path, ab_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return ab_error_set(err, "%s: out of memory", path);
    const char *p = svg;
    for (;;) {
        const char *h = strstr(p, hyper_open);
        const char *t = strstr(p, doc_title);
        const char *g = strstr(p, plot_title);
        const char *next = h;
        if (t && (!next || t < next))
            next = t;
        if (g && (!next || g < next))
            next = g;
        if (!next) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(next - p), f);
        if (next == t) {
            fputs("<title>", f);
            ab_xml_escape(f, title);
            fputs("</title>", f);
            p = t + strlen(doc_title);
        } else if (next == g) {
            const char *end = strstr(g, "</title>");
            if (!end)
                goto malformed;
            p = end + strlen("</title>");
        } else {
            const char *tok = h + strlen(hyper_open);
            char *tend;
            if (*tok != 'h')
                goto malformed;
            const unsigned long long id = strtoull(tok + 1, &tend, 10);
            const char *close = strstr(tend, "</title>");
            if (tend == tok + 1 || *tend != '\'' || id >= tips->n || !close)
                goto malformed;
            fputs("<g><title>", f);
            ab_xml_escape(f, tips->s[id]);
            fputs("</title>", f);
            p = close + strlen("</title>");
        }
    }
    if (fclose(f) != 0) {
        free(buf);
        return ab_error_set(err, "%s: out of memory", path);
    }
    if (strstr(buf, "gnuplot_svg")) {
        free(buf);
        return ab_error_set(err,
                            "%s: gnuplot wrote hypertext in a form anybit does not know "
                            "(expected gnuplot 5.4's svg terminal)",
                            path);
    }
    *out = buf;
    return 0;
malformed:
    fclose(f);
    free(buf);
    return ab_error_set(err, "%s: unexpected hypertext markup from gnuplot's svg terminal", path);
}

/* ---- the child process ----------------------------------------------------- */

static char *join(const char *dir, const char *name, const char *ext)
{
    const size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s", dir, name, ext);
    return p;
}

/* The line of gnuplot's log that names the error (else its first line),
 * for the message. */
static void first_error(const char *log_path, char *out, size_t cap)
{
    uint8_t *data;
    size_t len;
    ab_error ignored;
    out[0] = 0;
    if (ab_read_file(log_path, &data, &len, &ignored) != 0)
        return;
    const char *s = (const char *)data, *end = s + len, *pick = NULL;
    size_t pick_len = 0;
    for (const char *line = s; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const size_t n = (size_t)((nl ? nl : end) - line);
        bool is_error = false;
        for (size_t q = 0; q + 5 <= n && !is_error; q++)
            is_error = (line[q] == 'e' || line[q] == 'E') && strncmp(line + q + 1, "rror", 4) == 0;
        if ((!pick && n > 0) || is_error) {
            pick = line;
            pick_len = n;
        }
        if (is_error)
            break;
        line += n + 1;
    }
    if (pick)
        snprintf(out, cap, "%.*s", (int)(pick_len < 300 ? pick_len : 300), pick);
    free(data);
}

int plot_run_gnuplot(const char *script, const char *log_path, ab_error *err)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return ab_error_set(err, "gnuplot: cannot start: out of memory");
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {(char *)"gnuplot", (char *)script, NULL};
    pid_t pid;
    const int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        ab_error_set(err, "gnuplot: cannot start: %s (install Debian's gnuplot-nox: "
                          "scripts/deps.sh)",
                     strerror(rc));
        return AB_PLOT_NO_GNUPLOT;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return ab_error_set(err, "gnuplot: lost the child process: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        ab_error_set(err, "gnuplot: not found on PATH (install Debian's gnuplot-nox: "
                          "scripts/deps.sh)");
        return AB_PLOT_NO_GNUPLOT;
    }
    char what[320];
    first_error(log_path, what, sizeof what);
    return ab_error_set(err, "gnuplot failed (%s %d): %s", WIFEXITED(status) ? "exit" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), what);
}

/* mkdir -p: each missing component of path, in order. */
int ab_mkdir_p(const char *path, bool *created, ab_error *err)
{
    *created = false;
    char buf[4096];
    if (!*path)
        return ab_error_set(err, "empty directory name");
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ab_error_set(err, "%.200s...: path too long", path);
    for (char *p = buf + 1;; p++) {
        const bool last = *p == 0;
        if (*p != '/' && !last)
            continue;
        *p = 0;
        struct stat st;
        if (stat(buf, &st) != 0) {
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return ab_error_set(err, "%s: cannot create the directory: %s", buf,
                                    strerror(errno));
            *created = last;
        }
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
            return ab_error_set(err, "%s: not a directory", buf);
        if (last)
            return 0;
        *p = '/';
    }
}

/* ---- render, commit, clean up --------------------------------------------- */

static void remove_quiet(const char *dir, const char *name, const char *ext)
{
    char *p = join(dir, name, ext);
    if (p)
        unlink(p);
    free(p);
}

void ab_plot_set_free(ab_plot_set *s)
{
    for (int i = 0; i < AB_PLOT_COUNT; i++)
        free(s->svg[i]);
    if (s->workdir) {
        /* only the files this module makes live there */
        remove_quiet(s->workdir, "plots", ".gp");
        remove_quiet(s->workdir, "gnuplot", ".log");
        for (int i = 0; i < AB_PLOT_COUNT; i++) {
            remove_quiet(s->workdir, ab_plot_name(i), ".svg");
            remove_quiet(s->workdir, ab_plot_name(i), ".png");
        }
        rmdir(s->workdir);
        free(s->workdir);
    }
    memset(s, 0, sizeof *s);
}

int ab_plot_render(const ab_plot_data *d, const char *near, bool png, ab_plot_set *s, ab_error *err)
{
    memset(s, 0, sizeof *s);
    s->png = png;
    s->workdir = join(near, ".anybit-plot.XXXXXX", "");
    if (!s->workdir)
        return ab_error_set(err, "%s: out of memory", near);
    if (!mkdtemp(s->workdir)) {
        const int e = errno;
        free(s->workdir);
        s->workdir = NULL;
        return ab_error_set(err, "%s: cannot create a temporary directory: %s", near, strerror(e));
    }
    plot_tips tips = {NULL, 0, 0};
    char *script = join(s->workdir, "plots", ".gp"), *log = join(s->workdir, "gnuplot", ".log");
    int rc = -1;
    if (!script || !log) {
        ab_error_set(err, "%s: out of memory", near);
        goto out;
    }
    FILE *f = fopen(script, "w");
    if (!f) {
        ab_error_set(err, "%s: cannot create: %s", script, strerror(errno));
        goto out;
    }
    const int wrc = plot_write_script(f, d, s->workdir, png, &tips, err);
    if (fclose(f) != 0 && wrc == 0) {
        ab_error_set(err, "%s: write failed", script);
        goto out;
    }
    if (wrc != 0)
        goto out;
    const int grc = plot_run_gnuplot(script, log, err);
    if (grc != 0) {
        rc = grc;
        goto out;
    }
    for (int i = 0; i < AB_PLOT_COUNT; i++) {
        char *path = join(s->workdir, ab_plot_name(i), ".svg");
        uint8_t *data = NULL;
        size_t len;
        int r = path ? ab_read_file(path, &data, &len, err) : ab_error_set(err, "out of memory");
        char *text = r == 0 ? realloc(data, len + 1) : NULL;
        if (r == 0 && !text) {
            free(data);
            r = ab_error_set(err, "%s: out of memory", path);
        }
        if (r == 0) {
            text[len] = 0;
            r = plot_svg_rewrite(text, &tips, svg_titles[i], &s->svg[i], path, err);
            free(text);
        }
        free(path);
        if (r != 0)
            goto out;
    }
    rc = 0;
out:
    plot_tips_free(&tips);
    free(script);
    free(log);
    return rc;
}

int ab_plot_commit(ab_plot_set *s, const char *plotdir, ab_error *err)
{
    for (int i = 0; i < AB_PLOT_COUNT; i++) {
        char *path = join(plotdir, ab_plot_name(i), ".svg");
        if (!path)
            return ab_error_set(err, "%s: out of memory", plotdir);
        ab_atomic_file af;
        int rc = ab_atomic_open(&af, path, err);
        if (rc == 0) {
            fputs(s->svg[i], af.fp);
            rc = ab_atomic_commit(&af, err);
        }
        free(path);
        if (rc != 0)
            return -1;
        if (!s->png)
            continue;
        /* the temporary directory is inside plotdir: rename is atomic */
        char *from = join(s->workdir, ab_plot_name(i), ".png");
        char *to = join(plotdir, ab_plot_name(i), ".png");
        rc = from && to ? rename(from, to) : -1;
        const int e = errno;
        if (rc != 0)
            ab_error_set(err, "%s: cannot move into place: %s", to ? to : plotdir,
                         from && to ? strerror(e) : "out of memory");
        free(from);
        free(to);
        if (rc != 0)
            return -1;
    }
    return 0;
}
