/* cmd_lab.c - `anybit lab list|start|check|summary`: the course labs and
 * their autograder (sim/lab/, labs/, docs/cli.md "anybit lab").
 *
 * start copies a lab's starter files into a new folder and writes its
 * lab.yaml (the seed); check grades that folder's answers.yaml against the
 * simulator's values for the seed and writes grade_report.yaml; summary
 * joins reports into one CSV.  Bad input: one message, exit 2, nothing
 * written (start removes what it made). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "lab/lab.h"
#include "results/report.h"
#include "tensor_io.h"

#define LAB_PATH_MAX 4096
#define LAB_ROOT_MAX 2048 /* the data root; paths under it fit LAB_PATH_MAX */
#define LAB_MAX_FILES 32

static void lab_usage(FILE *out)
{
    fprintf(out,
            "usage: anybit lab list\n"
            "       anybit lab start N DIR [--seed S | --student ID]\n"
            "       anybit lab check N [DIR] [--solution] [--report FILE] [--expected]\n"
            "       anybit lab summary [-o FILE.csv] DIR_OR_REPORT...\n\n"
            "The course labs (labs/, docs/cli.md \"anybit lab\").  start copies lab N's\n"
            "starter files into DIR (new or empty) and writes DIR/lab.yaml with the seed\n"
            "(--seed S, 0..2^48-1; --student ID hashes the id; default seed 1).  check\n"
            "recomputes every question's value with the simulator for that seed, grades\n"
            "DIR/answers.yaml (DIR default .) and writes DIR/grade_report.yaml (--report\n"
            "FILE elsewhere); --solution grades labs/solutions/<lab>/ and writes a report\n"
            "only with --report; --expected adds the expected values (the teacher's key).\n"
            "summary prints one CSV row per report (a DIR means DIR/grade_report.yaml).\n\n"
            "exit status: 0 all pass, 1 a question failed, 2 bad input or usage\n");
}

static int parse_lab(const char *text, const ab_lab **lab)
{
    size_t n = 0;
    if (!cli_parse_size(text, 1, UINT32_MAX, &n) || !(*lab = ab_lab_find((uint32_t)n)))
        return cli_usage_error("lab", "no lab '%s' (anybit lab list shows them)", text);
    return 0;
}

static void lab_path(char *out, size_t cap, const ab_lab *l, const char *sub)
{
    char root[LAB_ROOT_MAX];
    ab_data_root(root, sizeof root);
    if (sub[0])
        snprintf(out, cap, "%s/labs/%s/%s", root, l->dir, sub);
    else
        snprintf(out, cap, "%s/labs/%s", root, l->dir);
}

static int cmd_lab_list(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_usage_error("lab list", "takes no arguments");
    printf("%-4s %-16s %-36s %s\n", "lab", "folder", "title", "questions");
    for (size_t i = 0; i < ab_lab_count(); i++) {
        const ab_lab *l = ab_lab_at(i);
        uint32_t points = 0;
        for (size_t q = 0; q < l->nquestions; q++)
            points += l->questions[q].points;
        printf("%-4u labs/%-11s %-36s %zu (%u points)\n", l->number, l->dir, l->title,
               l->nquestions, points);
    }
    return AB_EXIT_OK;
}

/* ---- start ------------------------------------------------------------ */

typedef struct made_files {
    char path[LAB_MAX_FILES + 2][LAB_PATH_MAX];
    size_t n;
    bool made_dir;
} made_files;

static void undo(const made_files *m, const char *dir)
{
    for (size_t i = m->n; i-- > 0;)
        unlink(m->path[i]);
    if (m->made_dir)
        rmdir(dir);
}

/* The regular files of the starter folder, sorted. */
static int list_starter(const char *dir, char names[][256], size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return cli_usage_error("lab start", "%s: cannot open the starter folder (%s)", dir,
                               strerror(errno));
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[LAB_PATH_MAX + 256];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || strlen(e->d_name) >= 256)
            continue;
        if (*n >= LAB_MAX_FILES) {
            closedir(d);
            return cli_usage_error("lab start", "%s: more than %d starter files", dir,
                                   LAB_MAX_FILES);
        }
        snprintf(names[(*n)++], 256, "%s", e->d_name);
    }
    closedir(d);
    qsort(names, *n, 256, (int (*)(const void *, const void *))strcmp);
    return 0;
}

static int copy_file(const char *from, const char *to, ab_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ab_read_file(from, &buf, &len, err) != 0)
        return -1;
    ab_atomic_file af;
    if (ab_atomic_open(&af, to, err) != 0) {
        free(buf);
        return -1;
    }
    const size_t wrote = fwrite(buf, 1, len, af.fp);
    free(buf);
    if (wrote != len) {
        ab_atomic_abort(&af);
        return ab_error_set(err, "%s: write failed", to);
    }
    return ab_atomic_commit(&af, err);
}

static bool dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *e;
    bool empty = true;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* The starter's files, the lab's own files and lab.yaml into dir. */
static int start_in(const ab_lab *l, const ab_lab_setup *sp, const char *dir,
                    const char *starter, char (*names)[256], size_t nfiles, made_files *m)
{
    const ab_lab_setup s = *sp;
    ab_error err = {{0}};
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return cli_usage_error("lab start", "%s: exists and is not a folder", dir);
        if (!dir_is_empty(dir))
            return cli_usage_error("lab start", "%s: the folder is not empty (start a lab in a "
                                                "new or empty folder; nothing is overwritten)",
                                   dir);
    } else if (mkdir(dir, 0777) != 0) {
        return cli_usage_error("lab start", "%s: cannot create the folder (%s)", dir,
                               strerror(errno));
    } else {
        m->made_dir = true;
    }
    for (size_t i = 0; i < nfiles; i++) {
        char from[LAB_PATH_MAX + 256];
        snprintf(from, sizeof from, "%s/%s", starter, names[i]);
        snprintf(m->path[m->n], LAB_PATH_MAX, "%s/%s", dir, names[i]);
        if (copy_file(from, m->path[m->n], &err) != 0) {
            undo(m, dir);
            return cli_input_error("lab start", &err);
        }
        m->n++;
    }
    char extra[64], text[4096];
    for (size_t i = 0; l->extra_file && l->extra_file(s.seed, i, extra, sizeof extra, text,
                                                       sizeof text); i++) {
        snprintf(m->path[m->n], LAB_PATH_MAX, "%s/%s", dir, extra);
        ab_atomic_file af;
        if (m->n >= LAB_MAX_FILES || ab_atomic_open(&af, m->path[m->n], &err) != 0) {
            undo(m, dir);
            return m->n >= LAB_MAX_FILES ? cli_usage_error("lab start", "too many files")
                                         : cli_input_error("lab start", &err);
        }
        fputs(text, af.fp);
        if (ab_atomic_commit(&af, &err) != 0) {
            undo(m, dir);
            return cli_input_error("lab start", &err);
        }
        m->n++;
    }
    snprintf(m->path[m->n], LAB_PATH_MAX, "%s/lab.yaml", dir);
    if (ab_lab_write_setup(l, &s, m->path[m->n], &err) != 0) {
        undo(m, dir);
        return cli_input_error("lab start", &err);
    }
    printf("lab %u (%s) started in %s: seed %llu", l->number, l->title, dir,
           (unsigned long long)s.seed);
    if (s.student[0])
        printf(" (student %s)", s.student);
    printf("\nfiles:");
    for (size_t i = 0; i < m->n; i++)
        printf(" %s", strrchr(m->path[i], '/') + 1);
    printf(" lab.yaml\nyour parameters (also in %s/lab.yaml):\n", dir);
    ab_lab_params p;
    l->params(s.seed, &p);
    for (size_t i = 0; i < p.n; i++)
        printf("  %s: %s\n", p.p[i].key, p.p[i].value);
    printf("next: read labs/%s/README.md, fill %s/answers.yaml, then: anybit lab check %u %s\n",
           l->dir, dir, l->number, dir);
    return AB_EXIT_OK;
}

static int cmd_lab_start(int argc, char **argv)
{
    const char *num = NULL, *dir = NULL, *seed_opt = NULL, *student = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_opt_once(argc, argv, &i, "--seed", &seed_opt, &bad) ||
            cli_opt_once(argc, argv, &i, "--student", &student, &bad))
            continue;
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("lab start", "unknown option '%s'", argv[i]);
        if (!num)
            num = argv[i];
        else if (!dir)
            dir = argv[i];
        else
            return cli_usage_error("lab start", "unexpected argument '%s'", argv[i]);
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!num || !dir)
        return cli_usage_error("lab start", "usage: anybit lab start N DIR [--seed S | "
                                            "--student ID]");
    if (seed_opt && student)
        return cli_usage_error("lab start", "--seed and --student: give one (a student's seed "
                                            "is the hash of the id)");
    const ab_lab *l;
    if (parse_lab(num, &l) != 0)
        return AB_EXIT_USAGE;
    ab_lab_setup s = {.lab = l->number, .seed = 1, .student = ""};
    ab_error err = {{0}};
    if (seed_opt) {
        size_t v;
        if (!cli_parse_size(seed_opt, 0, AB_LAB_SEED_MAX, &v))
            return cli_usage_error("lab start", "--seed: expected an integer 0..%llu, got '%s'",
                                   (unsigned long long)AB_LAB_SEED_MAX, seed_opt);
        s.seed = v;
    } else if (student) {
        if (ab_lab_check_student(student, &err) != 0)
            return cli_usage_error("lab start", "--student: %s", err.msg);
        snprintf(s.student, sizeof s.student, "%s", student);
        s.seed = ab_lab_student_seed(student);
    }

    char starter[LAB_PATH_MAX];
    lab_path(starter, sizeof starter, l, "starter");
    char(*names)[256] = calloc(LAB_MAX_FILES, sizeof *names);
    made_files *made = calloc(1, sizeof *made);
    size_t nfiles = 0;
    int rc = names && made ? list_starter(starter, names, &nfiles)
                           : cli_usage_error("lab start", "out of memory");
    if (rc == 0)
        rc = start_in(l, &s, dir, starter, names, nfiles, made);
    free(names);
    free(made);
    return rc;
}

/* ---- check ------------------------------------------------------------ */

static void print_grade(const ab_lab_grade *g, const char *dir)
{
    printf("lab %u (%s), %s: seed %llu", g->lab->number, g->lab->title, dir,
           (unsigned long long)g->setup.seed);
    if (g->setup.student[0])
        printf(", student %s", g->setup.student);
    printf("\n\n%-30s %7s  %-4s  %s\n", "question", "points", "", "reason");
    for (size_t i = 0; i < g->lab->nquestions; i++) {
        const ab_lab_result *r = &g->r[i];
        char pts[24];
        snprintf(pts, sizeof pts, "%u/%u", r->points, r->max);
        printf("%-30s %7s  %-4s  %s\n", g->lab->questions[i].id, pts, r->pass ? "pass" : "FAIL",
               r->reason);
    }
    printf("\ntotal: %u/%u points, %zu of %zu questions pass\n", g->points, g->max, g->passed,
           g->lab->nquestions);
}

static int cmd_lab_check(int argc, char **argv)
{
    const char *num = NULL, *dir = NULL, *report = NULL;
    bool solution = false, show_expected = false, bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_opt_once(argc, argv, &i, "--report", &report, &bad))
            continue;
        if (strcmp(argv[i], "--solution") == 0) {
            solution = true;
            continue;
        }
        if (strcmp(argv[i], "--expected") == 0) {
            show_expected = true;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("lab check", "unknown option '%s'", argv[i]);
        if (!num)
            num = argv[i];
        else if (!dir)
            dir = argv[i];
        else
            return cli_usage_error("lab check", "unexpected argument '%s'", argv[i]);
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!num)
        return cli_usage_error("lab check", "usage: anybit lab check N [DIR] [--solution] "
                                            "[--report FILE] [--expected]");
    if (solution && dir)
        return cli_usage_error("lab check", "--solution grades labs/solutions/<lab>/: give no "
                                            "DIR with it");
    const ab_lab *l;
    if (parse_lab(num, &l) != 0)
        return AB_EXIT_USAGE;
    char sol[LAB_PATH_MAX];
    if (solution) {
        char root[LAB_ROOT_MAX];
        ab_data_root(root, sizeof root);
        snprintf(sol, sizeof sol, "%s/labs/solutions/%s", root, l->dir);
        dir = sol;
    }
    if (!dir)
        dir = ".";
    char setup_path[LAB_PATH_MAX + 16], answers_path[LAB_PATH_MAX + 16],
        report_path[LAB_PATH_MAX + 24];
    snprintf(setup_path, sizeof setup_path, "%s/lab.yaml", dir);
    snprintf(answers_path, sizeof answers_path, "%s/answers.yaml", dir);
    if (report)
        snprintf(report_path, sizeof report_path, "%s", report);
    else
        snprintf(report_path, sizeof report_path, "%s/grade_report.yaml", dir);

    ab_error err = {{0}};
    ab_lab_setup s;
    if (ab_lab_read_setup(setup_path, &s, &err) != 0)
        return cli_input_error("lab check", &err);
    if (s.lab != l->number)
        return cli_usage_error("lab check", "%s: lab: this folder is lab %u, not lab %u",
                               setup_path, s.lab, l->number);
    ab_lab_answers ans;
    if (ab_lab_read_answers(l, answers_path, &ans, &err) != 0)
        return cli_input_error("lab check", &err);
    ab_lab_grade g;
    char lab_root[LAB_PATH_MAX];
    lab_path(lab_root, sizeof lab_root, l, "");
    if (ab_lab_grade_answers(l, &s, &ans, dir, lab_root, &g, &err) != 0)
        return cli_input_error("lab check", &err);
    if ((!solution || report) && ab_lab_write_report(&g, report_path, show_expected, &err) != 0)
        return cli_input_error("lab check", &err);
    print_grade(&g, solution ? "the reference solution" : dir);
    if (show_expected) {
        printf("\nexpected values (the teacher's key):\n");
        for (size_t i = 0; i < l->nquestions; i++) {
            if (l->questions[i].kind == AB_LAB_Q_CHECK)
                printf("  %-30s (a code part: graded from the folder's files)\n",
                       l->questions[i].id);
            else
                printf("  %-30s %.10g\n", l->questions[i].id, g.r[i].expected);
        }
    }
    if (!solution || report)
        printf("report: %s\n", report_path);
    return g.passed == l->nquestions ? AB_EXIT_OK : AB_EXIT_CHECK;
}

/* ---- summary ---------------------------------------------------------- */

static int cmd_lab_summary(int argc, char **argv)
{
    const char *out = NULL;
    bool bad = false;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t n = 0;
    if (!inputs)
        return cli_usage_error("lab summary", "out of memory");
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_opt_once(argc, argv, &i, "-o", &out, &bad))
            continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            free(inputs);
            return cli_usage_error("lab summary", "unknown option '%s'", argv[i]);
        }
        inputs[n++] = argv[i];
    }
    if (bad || n == 0) {
        free(inputs);
        return bad ? AB_EXIT_USAGE
                   : cli_usage_error("lab summary", "usage: anybit lab summary [-o FILE.csv] "
                                                    "DIR_OR_REPORT...");
    }
    ab_lab_report *reps = calloc(n, sizeof *reps);
    if (!reps) {
        free(inputs);
        return cli_usage_error("lab summary", "out of memory");
    }
    /* every report is read before anything is written */
    char cols[AB_LAB_MAX_QUESTIONS * 4][AB_LAB_ID_MAX];
    size_t ncols = 0;
    int rc = AB_EXIT_OK;
    ab_error err = {{0}};
    for (size_t i = 0; i < n && rc == AB_EXIT_OK; i++) {
        char path[LAB_PATH_MAX];
        struct stat st;
        if (stat(inputs[i], &st) == 0 && S_ISDIR(st.st_mode))
            snprintf(path, sizeof path, "%s/grade_report.yaml", inputs[i]);
        else
            snprintf(path, sizeof path, "%s", inputs[i]);
        if (ab_lab_read_report(path, &reps[i], &err) != 0) {
            rc = cli_input_error("lab summary", &err);
            break;
        }
        for (size_t q = 0; q < reps[i].nq; q++) {
            bool seen = false;
            for (size_t c = 0; c < ncols && !seen; c++)
                seen = strcmp(cols[c], reps[i].qid[q]) == 0;
            if (!seen && ncols < sizeof cols / sizeof cols[0])
                snprintf(cols[ncols++], AB_LAB_ID_MAX, "%s", reps[i].qid[q]);
        }
    }
    ab_atomic_file af = {0};
    if (rc == AB_EXIT_OK && ab_atomic_open(&af, out ? out : "-", &err) != 0)
        rc = cli_input_error("lab summary", &err);
    if (rc == AB_EXIT_OK) {
        FILE *f = af.fp;
        fprintf(f, "report,lab,student,seed,points,max,percent");
        for (size_t c = 0; c < ncols; c++)
            fprintf(f, ",%s", cols[c]);
        fputc('\n', f);
        for (size_t i = 0; i < n; i++) {
            const ab_lab_report *r = &reps[i];
            ab_csv_field(f, inputs[i]);
            fprintf(f, ",%u,", r->lab);
            ab_csv_field(f, r->student);
            fprintf(f, ",%llu,%u,%u,%.1f", (unsigned long long)r->seed, r->points, r->max,
                    r->max ? 100.0 * r->points / r->max : 0.0);
            for (size_t c = 0; c < ncols; c++) {
                fputc(',', f);
                for (size_t q = 0; q < r->nq; q++)
                    if (strcmp(cols[c], r->qid[q]) == 0)
                        fprintf(f, "%u", r->qpoints[q]);
            }
            fputc('\n', f);
        }
        if (ab_atomic_commit(&af, &err) != 0)
            rc = cli_input_error("lab summary", &err);
    }
    free(reps);
    free(inputs);
    return rc;
}

int cmd_lab(int argc, char **argv)
{
    if (argc < 2) {
        lab_usage(stderr);
        return AB_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        lab_usage(stdout);
        return AB_EXIT_OK;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            lab_usage(stdout);
            return AB_EXIT_OK;
        }
    if (strcmp(sub, "list") == 0)
        return cmd_lab_list(argc - 1, argv + 1);
    if (strcmp(sub, "start") == 0)
        return cmd_lab_start(argc - 1, argv + 1);
    if (strcmp(sub, "check") == 0)
        return cmd_lab_check(argc - 1, argv + 1);
    if (strcmp(sub, "summary") == 0)
        return cmd_lab_summary(argc - 1, argv + 1);
    return cli_usage_error("lab", "unknown subcommand '%s' (list, start, check, summary)", sub);
}
