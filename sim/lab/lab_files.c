/* lab_files.c - the files of a student's folder (lab.h): lab.yaml written
 * and read back, answers.yaml read, grade_report.yaml written and read
 * back.  Readers check the whole file before returning (one message naming
 * FILE:LINE and the field); writers are atomic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "lab/lab.h"
#include "yaml/yaml_doc.h"

/* ---- lab.yaml -------------------------------------------------------- */

int ab_lab_write_setup(const ab_lab *l, const ab_lab_setup *s, const char *path, ab_error *err)
{
    ab_lab_params p;
    l->params(s->seed, &p);
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    fprintf(af.fp,
            "# anybit lab %u (%s), written by `anybit lab start`.\n"
            "# The grader recomputes every expected number from `seed`; `params` is your\n"
            "# copy of what the seed picks (editing it changes nothing).\n"
            "lab: %u\nseed: %llu\n",
            l->number, l->title, l->number, (unsigned long long)s->seed);
    if (s->student[0])
        fprintf(af.fp, "student: \"%s\"\n", s->student);
    fprintf(af.fp, "params:\n");
    for (size_t i = 0; i < p.n; i++)
        fprintf(af.fp, "  %s: %s\n", p.p[i].key, p.p[i].value);
    return ab_atomic_commit(&af, err);
}

int ab_lab_read_setup(const char *path, ab_lab_setup *s, ab_error *err)
{
    memset(s, 0, sizeof *s);
    ab_ydoc d;
    if (ab_ydoc_load(&d, path, err) != 0)
        return -1;
    static const char *const keys[] = {"lab", "seed", "student", "params", NULL};
    uint64_t lab = 0, seed = 0;
    int rc = ab_ydoc_check_keys(&d, d.root, "", keys);
    if (rc == 0)
        rc = ab_ydoc_uint(&d, d.root, "", "lab", true, false, &lab);
    if (rc == 0)
        rc = ab_ydoc_uint(&d, d.root, "", "seed", true, true, &seed);
    if (rc == 0)
        rc = ab_ydoc_str(&d, d.root, "", "student", false, s->student, sizeof s->student);
    struct fy_node *params = ab_ydoc_get(d.root, "params");
    if (rc == 0 && params && !fy_node_is_mapping(params))
        rc = ab_ydoc_fail(&d, params, "params", "expected a mapping (what the seed picks)");
    if (rc == 0 && (lab > UINT32_MAX || !ab_lab_find((uint32_t)lab)))
        rc = ab_ydoc_fail(&d, ab_ydoc_get(d.root, "lab"), "lab",
                          "expected the number of a lab (anybit lab list), found %llu",
                          (unsigned long long)lab);
    if (rc == 0 && seed > AB_LAB_SEED_MAX)
        rc = ab_ydoc_fail(&d, ab_ydoc_get(d.root, "seed"), "seed",
                          "expected at most %llu, found %llu",
                          (unsigned long long)AB_LAB_SEED_MAX, (unsigned long long)seed);
    if (rc == 0 && s->student[0]) {
        ab_error e;
        if (ab_lab_check_student(s->student, &e) != 0)
            rc = ab_ydoc_fail(&d, ab_ydoc_get(d.root, "student"), "student", "%s", e.msg);
        else if (ab_lab_student_seed(s->student) != seed)
            rc = ab_ydoc_fail(&d, ab_ydoc_get(d.root, "seed"), "seed",
                              "expected %llu, the seed of student '%s' (the seed was edited)",
                              (unsigned long long)ab_lab_student_seed(s->student), s->student);
    }
    ab_ydoc_free(&d);
    s->lab = (uint32_t)lab;
    s->seed = seed;
    return rc;
}

/* ---- answers.yaml ---------------------------------------------------- */

static bool blank_text(const char *t)
{
    return !t || !*t || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 ||
           strcmp(t, "Null") == 0 || strcmp(t, "NULL") == 0;
}

/* A plain decimal number with an optional sign: "12", "-3", "0.25",
 * "1.5e3"; no inf, nan or hex. */
static bool parse_number(const char *t, double *v)
{
    const char *p = t;
    if (*p == '-' || *p == '+')
        p++;
    if (!((*p >= '0' && *p <= '9') || *p == '.') || strlen(t) > 40)
        return false;
    for (const char *c = p; *c; c++)
        if (!((*c >= '0' && *c <= '9') || *c == '.' || *c == 'e' || *c == 'E' || *c == '+' ||
              *c == '-'))
            return false;
    char *end = NULL;
    *v = strtod(t, &end);
    return end && *end == '\0' && isfinite(*v);
}

static const char *node_kind(struct fy_node *n)
{
    return fy_node_is_mapping(n) ? "a mapping" : fy_node_is_sequence(n) ? "a sequence"
                                                                         : "a scalar";
}

static int read_answer(const ab_ydoc *d, struct fy_node *q, const char *id, ab_lab_answer *a)
{
    char path[96];
    if (!q)
        return ab_ydoc_fail(d, NULL, id, "expected a mapping {answer: NUMBER, assumptions: "
                            "TEXT}, found nothing");
    if (!fy_node_is_mapping(q))
        return ab_ydoc_fail(d, q, id, "expected a mapping {answer: NUMBER, assumptions: TEXT}, "
                            "found %s", node_kind(q));
    static const char *const keys[] = {"answer", "assumptions", NULL};
    if (ab_ydoc_check_keys(d, q, id, keys) != 0)
        return -1;
    struct fy_node *n = ab_ydoc_get(q, "answer");
    a->line = ab_ydoc_line(n ? n : q);
    snprintf(path, sizeof path, "%s.answer", id);
    if (n) {
        if (!fy_node_is_scalar(n) || fy_node_is_alias(n))
            return ab_ydoc_fail(d, n, path, "expected a number, found %s", node_kind(n));
        const char *t = fy_node_get_scalar0(n);
        const bool plain = fy_node_get_style(n) == FYNS_PLAIN;
        if (plain && blank_text(t)) {
            a->answered = false;
        } else if (!plain || !parse_number(t, &a->value)) {
            return ab_ydoc_fail(d, n, path, "expected a number (like 42, -3 or 0.25), found "
                                "%s\"%.60s\"", plain ? "" : "the quoted string ", t ? t : "");
        } else {
            a->answered = true;
        }
    }
    struct fy_node *s = ab_ydoc_get(q, "assumptions");
    snprintf(path, sizeof path, "%s.assumptions", id);
    if (s) {
        if (!fy_node_is_scalar(s) || fy_node_is_alias(s))
            return ab_ydoc_fail(d, s, path, "expected text, found %s", node_kind(s));
        const char *t = fy_node_get_scalar0(s);
        if (t && strlen(t) >= sizeof a->assumptions)
            return ab_ydoc_fail(d, s, path, "expected at most %zu characters, found %zu",
                                sizeof a->assumptions - 1, strlen(t));
        snprintf(a->assumptions, sizeof a->assumptions, "%s", t ? t : "");
    }
    return 0;
}

int ab_lab_read_answers(const ab_lab *l, const char *path, ab_lab_answers *out, ab_error *err)
{
    memset(out, 0, sizeof *out);
    ab_ydoc d;
    if (ab_ydoc_load(&d, path, err) != 0)
        return -1;
    int rc = 0;
    void *it = NULL;
    struct fy_node_pair *p;
    while (rc == 0 && (p = fy_node_mapping_iterate(d.root, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *id = (k && fy_node_is_scalar(k)) ? fy_node_get_scalar0(k) : NULL;
        if (!id) {
            rc = ab_ydoc_fail(&d, k, "", "expected question ids as keys");
            break;
        }
        size_t qi = l->nquestions;
        for (size_t i = 0; i < l->nquestions; i++)
            if (strcmp(id, l->questions[i].id) == 0)
                qi = i;
        if (qi == l->nquestions) {
            char list[400] = "";
            size_t used = 0;
            for (size_t i = 0; i < l->nquestions && used < sizeof list - 60; i++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         i ? ", " : "", l->questions[i].id);
            rc = ab_ydoc_fail(&d, k, id, "unknown question id of lab %u (expected one of: %s)",
                              l->number, list);
            break;
        }
        if (out->a[qi].present) { /* libfyaml refuses duplicate keys; kept for safety */
            rc = ab_ydoc_fail(&d, k, id, "question given twice");
            break;
        }
        out->a[qi].present = true;
        rc = read_answer(&d, fy_node_pair_value(p), id, &out->a[qi]);
    }
    ab_ydoc_free(&d);
    return rc;
}

/* ---- grade_report.yaml ---------------------------------------------- */

static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc((unsigned char)*s >= 0x20 ? *s : ' ', f);
    }
    fputc('"', f);
}

int ab_lab_write_report(const ab_lab_grade *g, const char *path, bool show_expected,
                        ab_error *err)
{
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    FILE *f = af.fp;
    fprintf(f, "# anybit lab check: grade report (docs/cli.md \"anybit lab\")\n");
    fprintf(f, "lab: %u\ntitle: ", g->lab->number);
    put_quoted(f, g->lab->title);
    fprintf(f, "\nseed: %llu\n", (unsigned long long)g->setup.seed);
    if (g->setup.student[0]) {
        fprintf(f, "student: ");
        put_quoted(f, g->setup.student);
        fputc('\n', f);
    }
    fprintf(f, "points: %u\nmax: %u\npassed: %zu\nquestions: %zu\nresults:\n", g->points, g->max,
            g->passed, g->lab->nquestions);
    for (size_t i = 0; i < g->lab->nquestions; i++) {
        const ab_lab_result *r = &g->r[i];
        fprintf(f, "  %s:\n    points: %u\n    max: %u\n    pass: %s\n    reason: ",
                g->lab->questions[i].id, r->points, r->max, r->pass ? "true" : "false");
        put_quoted(f, r->reason);
        fputc('\n', f);
        if (show_expected && g->lab->questions[i].kind != AB_LAB_Q_CHECK)
            fprintf(f, "    expected: %.10g\n", r->expected);
    }
    return ab_atomic_commit(&af, err);
}

int ab_lab_read_report(const char *path, ab_lab_report *r, ab_error *err)
{
    memset(r, 0, sizeof *r);
    ab_ydoc d;
    if (ab_ydoc_load(&d, path, err) != 0)
        return -1;
    static const char *const keys[] = {"lab",    "title",     "seed",    "student", "points",
                                       "max",    "passed",    "questions", "results", NULL};
    static const char *const qkeys[] = {"points", "max", "pass", "reason", "expected", NULL};
    uint64_t lab = 0, seed = 0, points = 0, max = 0;
    int rc = ab_ydoc_check_keys(&d, d.root, "", keys);
    if (rc == 0)
        rc = ab_ydoc_uint(&d, d.root, "", "lab", true, false, &lab);
    if (rc == 0)
        rc = ab_ydoc_uint(&d, d.root, "", "seed", true, true, &seed);
    if (rc == 0)
        rc = ab_ydoc_str(&d, d.root, "", "student", false, r->student, sizeof r->student);
    if (rc == 0)
        rc = ab_ydoc_uint(&d, d.root, "", "points", true, true, &points);
    if (rc == 0)
        rc = ab_ydoc_uint(&d, d.root, "", "max", true, false, &max);
    struct fy_node *res = ab_ydoc_get(d.root, "results");
    if (rc == 0 && (!res || !fy_node_is_mapping(res)))
        rc = ab_ydoc_fail(&d, res ? res : d.root, "results",
                          "expected a mapping of question ids");
    void *it = NULL;
    struct fy_node_pair *p;
    while (rc == 0 && (p = fy_node_mapping_iterate(res, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
        const char *id = (k && fy_node_is_scalar(k)) ? fy_node_get_scalar0(k) : NULL;
        if (!id || strlen(id) >= AB_LAB_ID_MAX || r->nq >= AB_LAB_MAX_QUESTIONS) {
            rc = ab_ydoc_fail(&d, k, "results", "expected at most %d question ids of at most "
                              "%d characters", AB_LAB_MAX_QUESTIONS, AB_LAB_ID_MAX - 1);
            break;
        }
        char qp[96];
        snprintf(qp, sizeof qp, "results.%s", id);
        uint64_t qpts = 0;
        rc = ab_ydoc_check_keys(&d, v, qp, qkeys);
        if (rc == 0)
            rc = ab_ydoc_uint(&d, v, qp, "points", true, true, &qpts);
        if (rc == 0 && qpts > max)
            rc = ab_ydoc_fail(&d, ab_ydoc_get(v, "points"), qp, "points above the report's max");
        snprintf(r->qid[r->nq], sizeof r->qid[r->nq], "%s", id);
        r->qpoints[r->nq++] = (uint32_t)qpts;
    }
    if (rc == 0 && (lab > UINT32_MAX || max > UINT32_MAX || points > max))
        rc = ab_ydoc_fail(&d, ab_ydoc_get(d.root, "points"), "points",
                          "expected at most max (%llu), found %llu", (unsigned long long)max,
                          (unsigned long long)points);
    ab_ydoc_free(&d);
    r->lab = (uint32_t)lab;
    r->seed = seed;
    r->points = (uint32_t)points;
    r->max = (uint32_t)max;
    return rc;
}
