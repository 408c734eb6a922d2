/* lab.h - the course labs' autograder (labs/, docs/cli.md "anybit lab").
 *
 * A lab is a table of questions (id, points, tolerance, what is asked) and
 * two functions of a student's seed: the parameters the seed picks (a GEMM
 * shape, a preset, a context length...) and every question's expected
 * value, recomputed by the simulator's own library calls each time it is
 * graded (never stored).  One file per lab (lab3_btc.c, lab4_roofline.c)
 * holds both, so a teacher changes a tolerance or the points in one place.
 *
 * A student's folder holds lab.yaml (the lab number, the seed, optionally
 * the student id the seed was hashed from, and a copy of the parameters)
 * and answers.yaml (question id -> {answer: number, assumptions: text}).
 * Grading compares each answer with its expected value within the
 * question's tolerance and gives all of its points or none.
 *
 * Contract: every reader validates its file completely before anything is
 * graded or written; a bad file is one ab_error naming FILE:LINE and the
 * field.  Writers are atomic (kernels/atomic_file.h).  No global state.
 */
#ifndef AB_LAB_H
#define AB_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_LAB_MAX_QUESTIONS 16
#define AB_LAB_MAX_PARAMS 16
#define AB_LAB_ID_MAX 48       /* question ids */
#define AB_LAB_STUDENT_MAX 64  /* student ids, with the terminator */
#define AB_LAB_TEXT_MAX 1024   /* an answer's assumptions */
/* Seeds are 0 .. 2^48 - 1 so that they are exact in YAML readers and in
 * doubles (and fit ab_ydoc_uint's 15 digits). */
#define AB_LAB_SEED_MAX ((((uint64_t)1) << 48) - 1)

typedef enum ab_lab_tol_kind {
    AB_LAB_TOL_EXACT = 0, /* |answer - expected| <= 1e-9 (integers) */
    AB_LAB_TOL_REL = 1,   /* |answer - expected| <= tol * |expected| */
    AB_LAB_TOL_ABS = 2,   /* |answer - expected| <= tol */
} ab_lab_tol_kind;

/* How a question is graded. */
typedef enum ab_lab_q_kind {
    AB_LAB_Q_ANSWER = 0, /* a number in answers.yaml, against `expected` */
    AB_LAB_Q_CHECK = 1,  /* a code part: the lab's `check` runs the student's files
                          * (a C file compiled and compared bit for bit, RTL
                          * co-simulated, a design point simulated); not a key
                          * of answers.yaml */
} ab_lab_q_kind;

typedef struct ab_lab_question {
    const char *id;   /* "q1_plane_popcount": the key in answers.yaml */
    const char *what; /* one line: the quantity asked for and its unit */
    uint32_t points;
    ab_lab_tol_kind tol_kind;
    double tol;
    ab_lab_q_kind kind; /* AB_LAB_Q_ANSWER unless set */
} ab_lab_question;

/* What a seed picks, as lab.yaml lists it (key: value, in order). */
typedef struct ab_lab_param {
    char key[32];
    char value[96];
} ab_lab_param;

typedef struct ab_lab_params {
    size_t n;
    ab_lab_param p[AB_LAB_MAX_PARAMS];
} ab_lab_params;

struct ab_lab_check_ctx;
struct ab_lab_result;

typedef struct ab_lab {
    uint32_t number;
    const char *dir;   /* its folder under labs/ ("lab3-btc") */
    const char *title;
    const ab_lab_question *questions;
    size_t nquestions;
    /* The parameters `seed` picks. */
    void (*params)(uint64_t seed, ab_lab_params *out);
    /* The i-th file the lab adds to a new student folder beside the
     * starter files (lab 3: gemm.csv with the student's GEMM shape): its
     * name and text; false past the last.  May be NULL (none). */
    bool (*extra_file)(uint64_t seed, size_t i, char *name, size_t name_cap, char *text,
                       size_t text_cap);
    /* expected[i] of questions[i] for `seed`, from the simulator.  0, or
     * -1 with err (a preset that does not load: an installation problem). */
    int (*expected)(uint64_t seed, double *expected, ab_error *err);
    /* The code part: grades every AB_LAB_Q_CHECK question at once (one
     * compile serves several), setting r[i].pass and r[i].reason (one
     * line) of each; the grader gives the points.  A student's broken
     * file is a failed question (reason: the compiler's first error),
     * never an error; -1 with err only for what the student cannot fix
     * (a tool missing from the installation: exit 2).  NULL: no code part. */
    int (*check)(const struct ab_lab_check_ctx *ctx, struct ab_lab_result *r, ab_error *err);
} ab_lab;

/* The labs, in number order (lab_table.c). */
size_t ab_lab_count(void);
const ab_lab *ab_lab_at(size_t i);
const ab_lab *ab_lab_find(uint32_t number); /* NULL when there is none */

/* A student id's seed: FNV-1a 64 (offset basis 14695981039346656037,
 * prime 1099511628211) over the id's bytes, folded to 48 bits by
 * xor-ing the top 16 bits into the bottom ones and keeping the low 48.
 * Documented in labs/TEACHING.md; a teacher can recompute it. */
uint64_t ab_lab_student_seed(const char *student);

/* A student id is 1 .. 63 characters of [A-Za-z0-9._@+-]; 0, or -1 with
 * err saying which character is refused. */
int ab_lab_check_student(const char *student, ab_error *err);

/* ---- a student's folder --------------------------------------------- */

/* lab.yaml */
typedef struct ab_lab_setup {
    uint32_t lab;
    uint64_t seed;
    char student[AB_LAB_STUDENT_MAX]; /* "" when the seed was given directly */
} ab_lab_setup;

/* Write DIR/lab.yaml for lab l (atomically), with the parameters the seed
 * picks. */
int ab_lab_write_setup(const ab_lab *l, const ab_lab_setup *s, const char *path, ab_error *err);
/* Read lab.yaml: fields lab, seed, student (optional), params (a mapping,
 * not read: the grader recomputes it).  A student whose hash is not the
 * seed is an error (an edited seed). */
int ab_lab_read_setup(const char *path, ab_lab_setup *s, ab_error *err);

typedef struct ab_lab_answer {
    bool present;   /* the question's id is in the file */
    bool answered;  /* its answer is a number (blank: not answered) */
    double value;
    char assumptions[AB_LAB_TEXT_MAX];
    int line;       /* the answer's line, 0 when absent */
} ab_lab_answer;

typedef struct ab_lab_answers {
    ab_lab_answer a[AB_LAB_MAX_QUESTIONS]; /* by question index */
} ab_lab_answers;

/* Read answers.yaml for lab l: every top-level key must be one of its
 * question ids, each value a mapping of `answer` (a number, or blank:
 * empty, ~ or null) and `assumptions` (text, optional).  Anything else is
 * an error naming FILE:LINE and the field. */
int ab_lab_read_answers(const ab_lab *l, const char *path, ab_lab_answers *out, ab_error *err);

/* ---- grading ---------------------------------------------------------- */

/* What a lab's `check` gets. */
typedef struct ab_lab_check_ctx {
    uint64_t seed;
    const char *dir;      /* the student's folder */
    const char *lab_root; /* the lab's own folder (DATA/labs/<dir>: harnesses) */
    const char *scratch;  /* a fresh empty folder, removed after grading */
    const struct ab_lab_answers *answers;
    const double *expected; /* questions[i]'s expected value for the seed (lab->expected;
                             * 0 for the code questions): a threshold a code part needs */
} ab_lab_check_ctx;

typedef struct ab_lab_result {
    uint32_t points, max;
    bool pass;
    bool answered;
    double answer, expected;
    char reason[160]; /* one line */
} ab_lab_result;

typedef struct ab_lab_grade {
    const ab_lab *lab;
    ab_lab_setup setup;
    ab_lab_result r[AB_LAB_MAX_QUESTIONS];
    uint32_t points, max;
    size_t passed;
} ab_lab_grade;

/* Whether `answer` is within question q's tolerance of `expected`. */
bool ab_lab_within(const ab_lab_question *q, double answer, double expected);

/* Grade answers against the expected values of setup's seed, and the code
 * part (l->check) on the files of folder `dir`, with the lab's own files
 * under `lab_root`. */
int ab_lab_grade_answers(const ab_lab *l, const ab_lab_setup *setup, const ab_lab_answers *ans,
                         const char *dir, const char *lab_root, ab_lab_grade *g, ab_error *err);

/* ---- running tools for a code part (lab_run.c) ------------------------- */

/* Run argv (argv[0] looked up on PATH) in folder cwd (NULL: here), stdin
 * from stdin_path (NULL: /dev/null), stdout and stderr into log_path,
 * killed with everything it started after timeout_s of wall clock.
 * *status: its exit status (128 + N when killed by signal N), -1 over the
 * limit.  -1 with err only when it cannot be started (not installed). */
int ab_lab_run(char *const argv[], const char *cwd, const char *stdin_path,
               const char *log_path, double timeout_s, int *status, ab_error *err);

/* Whether an executable `name` is on PATH (an optional tool: ccache). */
bool ab_lab_have_tool(const char *name);

/* One printable line of a tool's log for a reason: its first line that
 * says error, else its first line ("" when empty or missing). */
void ab_lab_log_tail(const char *log_path, char *out, size_t cap);

/* A fresh folder under $TMPDIR (or /tmp), and removing it with its files. */
int ab_lab_scratch_make(char *out, size_t cap, ab_error *err);
void ab_lab_scratch_remove(const char *dir);

/* Write the grade as YAML (atomically): lab, title, seed, student, points,
 * max, passed, and per question points, max, pass and reason; with
 * show_expected also each expected value (the teacher's key). */
int ab_lab_write_report(const ab_lab_grade *g, const char *path, bool show_expected,
                        ab_error *err);

/* ---- a class ---------------------------------------------------------- */

/* One grade_report.yaml read back (for `anybit lab summary`). */
typedef struct ab_lab_report {
    uint32_t lab;
    uint64_t seed;
    char student[AB_LAB_STUDENT_MAX];
    uint32_t points, max;
    size_t nq;
    char qid[AB_LAB_MAX_QUESTIONS][AB_LAB_ID_MAX];
    uint32_t qpoints[AB_LAB_MAX_QUESTIONS];
} ab_lab_report;

int ab_lab_read_report(const char *path, ab_lab_report *r, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
