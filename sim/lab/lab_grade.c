/* lab_grade.c - grading a student's answers against the values the
 * simulator gives for the student's seed (lab.h).  A question gets all of
 * its points when its answer is within its tolerance, none otherwise; the
 * reason says which, without the expected value (the report is the
 * student's; `anybit lab check --expected` is the teacher's key). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lab/lab.h"

bool ab_lab_within(const ab_lab_question *q, double answer, double expected)
{
    const double diff = fabs(answer - expected);
    switch (q->tol_kind) {
    case AB_LAB_TOL_EXACT:
        return diff <= 1e-9;
    case AB_LAB_TOL_REL:
        return diff <= q->tol * fabs(expected);
    case AB_LAB_TOL_ABS:
        return diff <= q->tol;
    }
    return false;
}

static void tolerance_text(const ab_lab_question *q, char *out, size_t cap)
{
    if (q->tol_kind == AB_LAB_TOL_EXACT)
        snprintf(out, cap, "exact");
    else if (q->tol_kind == AB_LAB_TOL_REL)
        snprintf(out, cap, "within %g%%", q->tol * 100.0);
    else
        snprintf(out, cap, "within +-%g", q->tol);
}

/* The code part, in a scratch folder of its own. */
static int grade_code(const ab_lab *l, const ab_lab_setup *setup, const ab_lab_answers *ans,
                      const char *dir, const char *lab_root, ab_lab_grade *g, ab_error *err)
{
    char scratch[4096];
    if (ab_lab_scratch_make(scratch, sizeof scratch, err) != 0)
        return -1;
    const ab_lab_check_ctx ctx = {
        .seed = setup->seed, .dir = dir, .lab_root = lab_root, .scratch = scratch, .answers = ans};
    const int rc = l->check(&ctx, g->r, err);
    ab_lab_scratch_remove(scratch);
    return rc;
}

int ab_lab_grade_answers(const ab_lab *l, const ab_lab_setup *setup, const ab_lab_answers *ans,
                         const char *dir, const char *lab_root, ab_lab_grade *g, ab_error *err)
{
    memset(g, 0, sizeof *g);
    g->lab = l;
    g->setup = *setup;
    double expected[AB_LAB_MAX_QUESTIONS] = {0};
    if (l->expected && l->expected(setup->seed, expected, err) != 0)
        return -1;
    bool has_code = false;
    for (size_t i = 0; i < l->nquestions; i++)
        has_code |= l->questions[i].kind == AB_LAB_Q_CHECK;
    if (has_code) {
        if (!l->check)
            return ab_error_set(err, "internal: lab %u has code questions and no check",
                                l->number);
        for (size_t i = 0; i < l->nquestions; i++)
            snprintf(g->r[i].reason, sizeof g->r[i].reason, "not checked");
        if (grade_code(l, setup, ans, dir, lab_root, g, err) != 0)
            return -1;
    }
    for (size_t i = 0; i < l->nquestions; i++) {
        const ab_lab_question *q = &l->questions[i];
        const ab_lab_answer *a = &ans->a[i];
        ab_lab_result *r = &g->r[i];
        r->max = q->points;
        if (q->kind == AB_LAB_Q_CHECK) {
            r->points = r->pass ? q->points : 0;
            g->points += r->points;
            g->max += r->max;
            g->passed += r->pass;
            continue;
        }
        /* a numeric question is graded here alone: whatever the code
         * part's check left in its result (a pass flag, points) goes */
        r->pass = false;
        r->points = 0;
        r->expected = expected[i];
        r->answered = a->answered;
        r->answer = a->value;
        char tol[48];
        tolerance_text(q, tol, sizeof tol);
        if (!a->present) {
            snprintf(r->reason, sizeof r->reason, "missing from answers.yaml");
        } else if (!a->answered) {
            snprintf(r->reason, sizeof r->reason, "not answered (answer is blank)");
        } else if (ab_lab_within(q, a->value, expected[i])) {
            r->pass = true;
            r->points = q->points;
            snprintf(r->reason, sizeof r->reason, "%.10g matches the simulator (%s)", a->value,
                     tol);
        } else {
            snprintf(r->reason, sizeof r->reason,
                     "%.10g does not match the simulator for your seed (%s)", a->value, tol);
        }
        g->points += r->points;
        g->max += r->max;
        g->passed += r->pass;
    }
    return 0;
}
