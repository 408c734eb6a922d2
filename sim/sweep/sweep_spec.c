/* sweep_spec.c - loading and validating a sweep space (docs/sweeps.md) and
 * enumerating its points: the cartesian product of the axis groups, the
 * first group slowest. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"
#include "sweep_impl.h"
#include "tensor_io.h"
#include "yaml/yaml_doc.h"

static const char *const k_top[] = {"name", "description", "base", "axes", "constraints",
                                    "accuracy", NULL};
static const char *const k_base[] = {"config", "model", "recipe", "phase", "batch", "mode", NULL};
static const char *const k_axis[] = {"field", "values", "range", "zip", NULL};
static const char *const k_range[] = {"from", "to", "step", "factor", NULL};
static const char *const k_cons[] = {"when", "reason", NULL};
static const char *const k_base_cols[AB_SWEEP_NBASE] = {"config", "model", "recipe",
                                                         "phase",  "batch", "mode"};

#define MAX_RANGE_VALUES 100000u

static void free_axis(ab_sweep_axis *a)
{
    for (size_t i = 0; a->values && i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    a->values = NULL;
    a->n = 0;
}

void ab_sweep_free(ab_sweep_spec *s)
{
    if (!s)
        return;
    for (size_t g = 0; s->groups && g < s->ngroups; g++) {
        for (size_t a = 0; a < s->groups[g].naxes; a++)
            free_axis(&s->groups[g].axes[a]);
        free(s->groups[g].axes);
    }
    free(s->groups);
    free(s->cons);
    for (size_t c = 0; s->cols && c < s->ncols; c++)
        free(s->cols[c]);
    free(s->cols);
    free(s->col_of_axis);
    memset(s, 0, sizeof *s);
}

static bool valid_field(const char *f)
{
    if (strncmp(f, "config.", 7) == 0 || strncmp(f, "recipe.", 7) == 0) {
        /* dotted identifiers, no empty part */
        const char *p = strchr(f, '.') + 1;
        if (!*p)
            return false;
        for (const char *q = p; *q; q++) {
            const bool ok = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                            (*q >= '0' && *q <= '9') || *q == '_' || *q == '-' || *q == '+' ||
                            *q == '*' || (*q == '.' && q[1] && q[1] != '.' && q[-1] != '.');
            if (!ok)
                return false;
        }
        return true;
    }
    if (strncmp(f, "workload.", 9) == 0)
        for (int c = 0; c < AB_SWEEP_NBASE; c++)
            if (strcmp(f + 9, k_base_cols[c]) == 0)
                return true;
    return false;
}

static int push_value(ab_sweep_axis *a, const char *text)
{
    char **v = realloc(a->values, (a->n + 1) * sizeof *v);
    if (!v)
        return -1;
    a->values = v;
    if (!(a->values[a->n] = strdup(text)))
        return -1;
    a->n++;
    return 0;
}

static int load_range(ab_ydoc *d, struct fy_node *r, const char *path, ab_sweep_axis *a)
{
    if (ab_ydoc_check_keys(d, r, path, k_range) != 0)
        return -1;
    double from = 0, to = 0, step = 0, factor = 0;
    struct fy_node *fs = ab_ydoc_get(r, "step"), *ff = ab_ydoc_get(r, "factor");
    if (ab_ydoc_double(d, r, path, "from", true, true, &from) != 0 ||
        ab_ydoc_double(d, r, path, "to", true, true, &to) != 0 ||
        ab_ydoc_double(d, r, path, "step", false, false, &step) != 0 ||
        ab_ydoc_double(d, r, path, "factor", false, false, &factor) != 0)
        return -1;
    if ((fs != NULL) == (ff != NULL))
        return ab_ydoc_fail(d, r, path, "expected exactly one of step and factor");
    if (to < from)
        return ab_ydoc_fail(d, r, path, "expected from <= to, found from %g, to %g", from, to);
    if (ff && factor <= 1.0)
        return ab_ydoc_fail(d, ff, path, "factor: expected a number above 1, found %g", factor);
    if (ff && from <= 0)
        return ab_ydoc_fail(d, r, path, "from: a factor range needs from > 0, found %g", from);
    char buf[64];
    /* a relative tolerance keeps 0.1-steps from missing `to` by rounding */
    const double eps = 1e-9 * fmax(fabs(to), 1.0);
    for (size_t i = 0;; i++) {
        const double v = ff ? from * pow(factor, (double)i) : from + step * (double)i;
        if (v > to + eps)
            break;
        if (a->n >= MAX_RANGE_VALUES)
            return ab_ydoc_fail(d, r, path, "more than %u values", MAX_RANGE_VALUES);
        snprintf(buf, sizeof buf, "%.10g", v);
        if (push_value(a, buf) != 0)
            return ab_ydoc_fail(d, r, path, "out of memory");
    }
    return 0;
}

static int load_axis(ab_ydoc *d, struct fy_node *n, const char *path, ab_sweep_axis *a)
{
    memset(a, 0, sizeof *a);
    if (ab_ydoc_check_keys(d, n, path, k_axis) != 0)
        return -1;
    if (ab_ydoc_get(n, "zip"))
        return ab_ydoc_fail(d, n, path, "a zip cannot be nested");
    if (ab_ydoc_str(d, n, path, "field", true, a->field, sizeof a->field) != 0)
        return -1;
    char p[256];
    if (!valid_field(a->field))
        return ab_ydoc_fail(d, ab_ydoc_get(n, "field"), ab_ydoc_path(p, sizeof p, path, "field"),
                            "expected config.PATH, recipe.PATH or workload.(config|model|recipe|"
                            "phase|batch|mode), found \"%s\"",
                            a->field);
    struct fy_node *vals = ab_ydoc_get(n, "values"), *range = ab_ydoc_get(n, "range");
    if ((vals != NULL) == (range != NULL))
        return ab_ydoc_fail(d, n, path, "expected exactly one of values and range");
    if (range)
        return load_range(d, range, ab_ydoc_path(p, sizeof p, path, "range"), a);
    ab_ydoc_path(p, sizeof p, path, "values");
    if (!fy_node_is_sequence(vals))
        return ab_ydoc_fail(d, vals, p, "expected a list of values");
    if (fy_node_sequence_item_count(vals) <= 0)
        return ab_ydoc_fail(d, vals, p, "expected at least one value, found an empty list");
    void *it = NULL;
    struct fy_node *v;
    int i = 0;
    while ((v = fy_node_sequence_iterate(vals, &it)) != NULL) {
        char q[300];
        snprintf(q, sizeof q, "%s[%d]", p, i++);
        if (!fy_node_is_scalar(v) || fy_node_is_alias(v))
            return ab_ydoc_fail(d, v, q, "expected a scalar (number or string)");
        const char *text = fy_node_get_scalar0(v);
        if (!text || !*text)
            return ab_ydoc_fail(d, v, q, "expected a value, found an empty scalar");
        if (push_value(a, text) != 0)
            return ab_ydoc_fail(d, v, q, "out of memory");
    }
    return 0;
}

static int load_group(ab_ydoc *d, struct fy_node *n, const char *path, ab_sweep_group *g)
{
    memset(g, 0, sizeof *g);
    if (!fy_node_is_mapping(n))
        return ab_ydoc_fail(d, n, path, "expected a mapping (field + values/range, or zip)");
    struct fy_node *zip = ab_ydoc_get(n, "zip");
    if (!zip) {
        g->axes = calloc(1, sizeof *g->axes);
        if (!g->axes)
            return ab_ydoc_fail(d, n, path, "out of memory");
        g->naxes = 1;
        if (load_axis(d, n, path, &g->axes[0]) != 0)
            return -1;
        g->n = g->axes[0].n;
        return 0;
    }
    static const char *const k_zip[] = {"zip", NULL};
    if (ab_ydoc_check_keys(d, n, path, k_zip) != 0)
        return -1;
    char p[256];
    ab_ydoc_path(p, sizeof p, path, "zip");
    if (!fy_node_is_sequence(zip) || fy_node_sequence_item_count(zip) <= 0)
        return ab_ydoc_fail(d, zip, p, "expected a non-empty list of axes");
    const size_t cnt = (size_t)fy_node_sequence_item_count(zip);
    g->axes = calloc(cnt, sizeof *g->axes);
    if (!g->axes)
        return ab_ydoc_fail(d, zip, p, "out of memory");
    void *it = NULL;
    struct fy_node *a;
    while ((a = fy_node_sequence_iterate(zip, &it)) != NULL) {
        char q[300];
        snprintf(q, sizeof q, "%s[%zu]", p, g->naxes);
        if (!fy_node_is_mapping(a))
            return ab_ydoc_fail(d, a, q, "expected a mapping with field and values/range");
        if (load_axis(d, a, q, &g->axes[g->naxes]) != 0) {
            g->naxes++;
            return -1;
        }
        g->naxes++;
        if (g->naxes > 1 && g->axes[g->naxes - 1].n != g->axes[0].n)
            return ab_ydoc_fail(d, a, q, "a zip needs equal lengths: %zu values here, %zu in "
                                "%s[0]", g->axes[g->naxes - 1].n, g->axes[0].n, p);
    }
    g->n = g->axes[0].n;
    return 0;
}

static int load_base(ab_ydoc *d, struct fy_node *b, ab_sweep_spec *s)
{
    if (!b)
        return ab_ydoc_fail(d, d->root, "base", "required (config, model, phase)");
    if (ab_ydoc_check_keys(d, b, "base", k_base) != 0)
        return -1;
    const bool required[AB_SWEEP_NBASE] = {true, true, false, true, false, false};
    for (int c = 0; c < AB_SWEEP_NBASE; c++) {
        if (c == AB_SWEEP_COL_BATCH) {
            uint64_t batch = 1;
            if (ab_ydoc_uint(d, b, "base", "batch", false, false, &batch) != 0)
                return -1;
            snprintf(s->base[c], sizeof s->base[c], "%llu", (unsigned long long)batch);
            continue;
        }
        if (ab_ydoc_str(d, b, "base", k_base_cols[c], required[c], s->base[c],
                        sizeof s->base[c]) != 0)
            return -1;
    }
    if (!s->base[AB_SWEEP_COL_MODE][0])
        snprintf(s->base[AB_SWEEP_COL_MODE], sizeof s->base[0], "fast");
    if (strcmp(s->base[AB_SWEEP_COL_MODE], "fast") != 0 &&
        strcmp(s->base[AB_SWEEP_COL_MODE], "cycle") != 0)
        return ab_ydoc_fail(d, ab_ydoc_get(b, "mode"), "base.mode",
                            "expected fast or cycle, found \"%s\"", s->base[AB_SWEEP_COL_MODE]);
    return 0;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static int build_columns(ab_sweep_spec *s, ab_error *err)
{
    size_t naxes = 0;
    for (size_t g = 0; g < s->ngroups; g++)
        naxes += s->groups[g].naxes;
    s->cols = calloc(AB_SWEEP_NBASE + naxes, sizeof *s->cols);
    s->col_of_axis = calloc(naxes ? naxes : 1, sizeof *s->col_of_axis);
    if (!s->cols || !s->col_of_axis)
        return ab_error_set(err, "%s: out of memory", s->file);
    for (int c = 0; c < AB_SWEEP_NBASE; c++)
        if (!(s->cols[s->ncols++] = strdup(k_base_cols[c])))
            return ab_error_set(err, "%s: out of memory", s->file);
    size_t ai = 0;
    for (size_t g = 0; g < s->ngroups; g++)
        for (size_t a = 0; a < s->groups[g].naxes; a++, ai++) {
            const char *f = s->groups[g].axes[a].field;
            int col = -1;
            for (size_t c = 0; c < s->ncols && col < 0; c++) {
                const char *name = strncmp(f, "workload.", 9) == 0 ? f + 9 : f;
                if (strcmp(s->cols[c], name) == 0)
                    col = (int)c;
            }
            if (col >= AB_SWEEP_NBASE || (col >= 0 && strncmp(f, "workload.", 9) == 0)) {
                /* a field may appear on one axis only */
                for (size_t b = 0; b < ai; b++)
                    if (s->col_of_axis[b] == col)
                        return ab_error_set(err, "%s: axes: field %s is varied twice", s->file, f);
            }
            if (col < 0) {
                col = (int)s->ncols;
                if (!(s->cols[s->ncols++] = strdup(f)))
                    return ab_error_set(err, "%s: out of memory", s->file);
            }
            s->col_of_axis[ai] = col;
        }
    return 0;
}

/* accuracy: {sample: N, seed: S, enabled: BOOL}, every key optional: the
 * estimate of every point (docs/sweeps.md "Accuracy"), on with the
 * defaults of sim/accuracy/accuracy.h when absent. */
static int load_accuracy(const ab_ydoc *d, struct fy_node *a, ab_accuracy_opts *o)
{
    static const char *const keys[] = {"sample", "seed", "enabled", NULL};
    *o = ab_accuracy_defaults();
    if (!a)
        return 0;
    uint64_t sample = o->sample_rows, seed = o->seed;
    bool enabled = true;
    if (ab_ydoc_check_keys(d, a, "accuracy", keys) != 0 ||
        ab_ydoc_uint(d, a, "accuracy", "sample", false, false, &sample) != 0 ||
        ab_ydoc_uint(d, a, "accuracy", "seed", false, true, &seed) != 0 ||
        ab_ydoc_bool(d, a, "accuracy", "enabled", false, &enabled) != 0)
        return -1;
    if (sample > AB_ACCURACY_SAMPLE_MAX)
        return ab_ydoc_fail(d, ab_ydoc_get(a, "sample"), "accuracy.sample",
                            "expected weight rows per op, 1 to %u, found %llu",
                            AB_ACCURACY_SAMPLE_MAX, (unsigned long long)sample);
    if (seed > ((uint64_t)1 << 53))
        return ab_ydoc_fail(d, ab_ydoc_get(a, "seed"), "accuracy.seed",
                            "expected 0 to 2^53, found %llu", (unsigned long long)seed);
    o->sample_rows = (uint32_t)sample;
    o->seed = seed;
    o->off = !enabled;
    return 0;
}

int ab_sweep_load(const char *file, ab_sweep_spec *s, ab_error *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->file, sizeof s->file, "%s", file);
    snprintf(s->dir, sizeof s->dir, "%s", file);
    char *slash = strrchr(s->dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(s->dir, sizeof s->dir, ".");
    uint8_t *text;
    size_t len;
    if (ab_read_file(file, &text, &len, err) != 0)
        return -1;
    s->hash = fnv1a(text, len);
    free(text);

    ab_ydoc d;
    if (ab_ydoc_load(&d, file, err) != 0)
        return -1;
    int rc = -1;
    struct fy_node *axes, *cons;
    if (ab_ydoc_check_keys(&d, d.root, "", k_top) != 0 ||
        ab_ydoc_str(&d, d.root, "", "name", true, s->name, sizeof s->name) != 0 ||
        ab_ydoc_str(&d, d.root, "", "description", false, s->description,
                    sizeof s->description) != 0 ||
        load_base(&d, ab_ydoc_get(d.root, "base"), s) != 0 ||
        load_accuracy(&d, ab_ydoc_get(d.root, "accuracy"), &s->accuracy) != 0)
        goto out;
    axes = ab_ydoc_get(d.root, "axes");
    if (!axes) {
        ab_ydoc_fail(&d, d.root, "axes", "required: a list of axes");
        goto out;
    }
    if (!fy_node_is_sequence(axes) || fy_node_sequence_item_count(axes) <= 0) {
        ab_ydoc_fail(&d, axes, "axes", "expected a non-empty list of axes");
        goto out;
    }
    s->groups = calloc((size_t)fy_node_sequence_item_count(axes), sizeof *s->groups);
    if (!s->groups) {
        ab_ydoc_fail(&d, axes, "axes", "out of memory");
        goto out;
    }
    {
        void *it = NULL;
        struct fy_node *g;
        while ((g = fy_node_sequence_iterate(axes, &it)) != NULL) {
            char p[64];
            snprintf(p, sizeof p, "axes[%zu]", s->ngroups);
            const int grc = load_group(&d, g, p, &s->groups[s->ngroups]);
            s->ngroups++;
            if (grc != 0)
                goto out;
        }
    }
    cons = ab_ydoc_get(d.root, "constraints");
    if (cons) {
        if (!fy_node_is_sequence(cons)) {
            ab_ydoc_fail(&d, cons, "constraints", "expected a list of {when, reason}");
            goto out;
        }
        s->cons = calloc((size_t)fy_node_sequence_item_count(cons) + 1, sizeof *s->cons);
        if (!s->cons) {
            ab_ydoc_fail(&d, cons, "constraints", "out of memory");
            goto out;
        }
        void *it = NULL;
        struct fy_node *c;
        while ((c = fy_node_sequence_iterate(cons, &it)) != NULL) {
            char p[64];
            snprintf(p, sizeof p, "constraints[%zu]", s->ncons);
            ab_sweep_constraint *k = &s->cons[s->ncons++];
            k->line = ab_ydoc_line(c);
            if (ab_ydoc_check_keys(&d, c, p, k_cons) != 0 ||
                ab_ydoc_str(&d, c, p, "when", true, k->when, sizeof k->when) != 0 ||
                ab_ydoc_str(&d, c, p, "reason", false, k->reason, sizeof k->reason) != 0)
                goto out;
            if (!k->reason[0])
                snprintf(k->reason, sizeof k->reason, "%.100s", k->when);
        }
    }
    if (s->ngroups > 64) {
        ab_ydoc_fail(&d, axes, "axes", "at most 64 axis groups, found %zu", s->ngroups);
        goto out;
    }
    /* the point count in floating point for the message: the exact
     * product may not fit any integer */
    double points = 1.0;
    for (size_t g = 0; g < s->ngroups; g++)
        points *= (double)s->groups[g].n;
    if (points > (double)AB_SWEEP_MAX_POINTS) {
        ab_ydoc_fail(&d, axes, "axes",
                     "expected at most %zu points (the product of the axis groups' lengths), "
                     "found %.6g", AB_SWEEP_MAX_POINTS, points);
        goto out;
    }
    s->npoints = 1;
    for (size_t g = 0; g < s->ngroups; g++)
        s->npoints *= s->groups[g].n;
    if (build_columns(s, err) != 0)
        goto out;
    /* constraints must parse and name known columns: try them on point 0 */
    if (s->ncons) {
        const char **vals = calloc(s->ncols, sizeof *vals);
        if (!vals) {
            ab_error_set(err, "%s: out of memory", file);
            goto out;
        }
        ab_sweep_point_values(s, 0, vals);
        for (size_t c = 0; c < s->ncons; c++) {
            ab_error e;
            if (ab_sweep_eval(s, s->cons[c].when, vals, &e) < 0) {
                ab_error_set(err, "%s:%d: constraints[%zu].when: %s", file, s->cons[c].line, c,
                             e.msg);
                free(vals);
                goto out;
            }
        }
        free(vals);
    }
    rc = 0;
out:
    ab_ydoc_free(&d);
    if (rc != 0)
        ab_sweep_free(s);
    return rc;
}

void ab_sweep_point_values(const ab_sweep_spec *s, size_t p, const char **vals)
{
    for (int c = 0; c < AB_SWEEP_NBASE; c++)
        vals[c] = s->base[c];
    for (size_t c = AB_SWEEP_NBASE; c < s->ncols; c++)
        vals[c] = "";
    /* mixed radix, last group fastest */
    size_t rest = p, ai = 0;
    size_t idx[64]; /* the loader allows at most 64 groups */
    for (size_t g = s->ngroups; g-- > 0;) {
        idx[g] = rest % s->groups[g].n;
        rest /= s->groups[g].n;
    }
    for (size_t g = 0; g < s->ngroups; g++)
        for (size_t a = 0; a < s->groups[g].naxes; a++, ai++)
            vals[s->col_of_axis[ai]] = s->groups[g].axes[a].values[idx[g]];
}
