// test_lab.cpp - the course labs' autograder (sim/lab/, anybit lab): every
// lab's reference solution gets full marks and its starter does not; a
// wrong answer loses exactly its question's points while one inside the
// tolerance keeps them; another seed gives other expected numbers; bad
// answers files exit 2 naming FILE:LINE and the field with no report
// written; summary makes the CSV; the doc-test runner fails on a broken
// page.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "test_util.h"

extern "C" {
#include "lab/lab.h"
}

namespace {

using namespace anybit_test;

const std::string kSrc = ANYBIT_SOURCE_DIR;

std::string fresh_dir(const std::string &name)
{
    const std::string d = tmp_dir("lab") + "/" + name;
    EXPECT_EQ(std::system(("rm -rf '" + d + "'").c_str()), 0);
    return d;
}

// A student's folder holding a copy of lab n's reference solution.
std::string copy_solution(const ab_lab *l, const std::string &name)
{
    const std::string d = fresh_dir(name);
    const std::string from = kSrc + "/labs/solutions/" + l->dir;
    EXPECT_EQ(std::system(("mkdir -p '" + d + "' && cp -R '" + from + "/.' '" + d + "/'").c_str()),
              0);
    return d;
}

// A code part that passes every code question: the numeric grading tested
// on its own (the labs' code parts have tests of their own).
int pass_code(const ab_lab_check_ctx *, ab_lab_result *r, ab_error *)
{
    for (size_t i = 0; i < AB_LAB_MAX_QUESTIONS; i++) {
        r[i].pass = true;
        std::snprintf(r[i].reason, sizeof r[i].reason, "passed (test)");
    }
    return 0;
}

// Grade folder d as `anybit lab check` does, through the library (code
// parts replaced by pass_code): the points and the number passed.
std::pair<long, long> grade_numbers(const ab_lab *l, const std::string &d)
{
    ab_lab lc = *l;
    if (lc.check)
        lc.check = pass_code;
    ab_error err{};
    ab_lab_setup s;
    ab_lab_answers a;
    ab_lab_grade g;
    EXPECT_EQ(ab_lab_read_setup((d + "/lab.yaml").c_str(), &s, &err), 0) << err.msg;
    EXPECT_EQ(ab_lab_read_answers(&lc, (d + "/answers.yaml").c_str(), &a, &err), 0) << err.msg;
    const std::string root = kSrc + "/labs/" + l->dir;
    EXPECT_EQ(ab_lab_grade_answers(&lc, &s, &a, d.c_str(), root.c_str(), &g, &err), 0) << err.msg;
    return {static_cast<long>(g.points), static_cast<long>(g.passed)};
}

// The number after "KEY: " at the top level of a report.
long report_field(const std::string &report, const std::string &key)
{
    std::smatch m;
    if (!std::regex_search(report, m, std::regex("\n" + key + ": ([0-9]+)\n")))
        return -1;
    return std::stol(m[1].str());
}

// The answer line of question `id` in an answers.yaml text, replaced.
std::string set_answer(const std::string &answers, const std::string &id, const std::string &value)
{
    const std::regex re("(\n" + id + ":\n  answer:)[^\n]*");
    EXPECT_TRUE(std::regex_search(answers, re)) << id;
    return std::regex_replace(answers, re, "$1 " + value);
}

std::string number(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::vector<double> expected_of(const ab_lab *l, uint64_t seed)
{
    std::vector<double> e(AB_LAB_MAX_QUESTIONS, 0.0);
    ab_error err{};
    if (l->expected) {
        EXPECT_EQ(l->expected(seed, e.data(), &err), 0) << err.msg;
    }
    e.resize(l->nquestions);
    return e;
}

uint64_t seed_of(const std::string &lab_yaml)
{
    ab_lab_setup s;
    ab_error err{};
    EXPECT_EQ(ab_lab_read_setup(lab_yaml.c_str(), &s, &err), 0) << err.msg;
    return s.seed;
}

TEST(Lab, ListNamesEveryLab)
{
    const CliRun r = anybit("lab list");
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_GE(ab_lab_count(), 2u);
    for (size_t i = 0; i < ab_lab_count(); i++) {
        const ab_lab *l = ab_lab_at(i);
        EXPECT_NE(r.out.find(l->dir), std::string::npos) << l->dir;
        EXPECT_NE(r.out.find(l->title), std::string::npos) << l->title;
        EXPECT_LE(l->nquestions, static_cast<size_t>(AB_LAB_MAX_QUESTIONS));
    }
}

TEST(Lab, SolutionsGetFullMarks)
{
    for (size_t i = 0; i < ab_lab_count(); i++) {
        const ab_lab *l = ab_lab_at(i);
        const std::string report = tmp_dir("lab") + "/solution-" + l->dir + ".yaml";
        std::remove(report.c_str());
        const CliRun r = anybit("lab check " + std::to_string(l->number) + " --solution --report '" +
                                report + "'");
        EXPECT_EQ(r.status, 0) << l->dir << "\n" << r.out << r.err;
        const std::string rep = slurp(report);
        EXPECT_GT(report_field(rep, "max"), 0) << rep;
        EXPECT_EQ(report_field(rep, "points"), report_field(rep, "max")) << rep;
        EXPECT_EQ(report_field(rep, "passed"), static_cast<long>(l->nquestions)) << rep;
    }
}

TEST(Lab, StartersDoNotGetFullMarks)
{
    for (size_t i = 0; i < ab_lab_count(); i++) {
        const ab_lab *l = ab_lab_at(i);
        const std::string d = fresh_dir(std::string("starter-") + l->dir);
        const std::string n = std::to_string(l->number);
        CliRun r = anybit("lab start " + n + " '" + d + "' --seed 11");
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_TRUE(exists(d + "/answers.yaml"));
        EXPECT_TRUE(exists(d + "/lab.yaml"));
        r = anybit("lab check " + n + " '" + d + "'");
        EXPECT_EQ(r.status, 1) << l->dir << "\n" << r.out << r.err;
        const std::string rep = slurp(d + "/grade_report.yaml");
        // a starter's code may already do part of the job (lab 5's starting
        // design runs): no numeric answer, and never full marks
        EXPECT_LT(report_field(rep, "points"), report_field(rep, "max")) << rep;
        EXPECT_NE(rep.find("not answered"), std::string::npos) << rep;
    }
}

// Every question of every lab: an answer just inside its tolerance keeps
// the points, one just outside loses exactly that question's points.
TEST(Lab, WrongAnswerLosesExactlyItsPoints)
{
    for (size_t i = 0; i < ab_lab_count(); i++) {
        const ab_lab *l = ab_lab_at(i);
        const std::string d = copy_solution(l, std::string("wrong-") + l->dir);
        const std::string solution = slurp(d + "/answers.yaml");
        const std::vector<double> e = expected_of(l, seed_of(d + "/lab.yaml"));
        uint32_t max = 0;
        for (size_t q = 0; q < l->nquestions; q++)
            max += l->questions[q].points;
        for (size_t q = 0; q < l->nquestions; q++) {
            const ab_lab_question *qq = &l->questions[q];
            if (qq->kind == AB_LAB_Q_CHECK)
                continue; // graded from files, not answers.yaml
            // half the tolerance inside, twice outside (exact: 1 off)
            const double slack = qq->tol_kind == AB_LAB_TOL_REL ? qq->tol * std::fabs(e[q])
                                 : qq->tol_kind == AB_LAB_TOL_ABS ? qq->tol
                                                                  : 0.0;
            const double outside = slack > 0 ? e[q] + 2.0 * slack : e[q] + 1.0;
            const std::string n = std::to_string(l->number);
            spit(d + "/answers.yaml", set_answer(solution, qq->id, number(outside)));
            if (l->check) { // a code part: the numbers through the library, not the CLI
                auto pg = grade_numbers(l, d);
                EXPECT_EQ(pg.first, static_cast<long>(max - qq->points)) << qq->id;
                EXPECT_EQ(pg.second, static_cast<long>(l->nquestions - 1)) << qq->id;
                if (slack > 0) {
                    spit(d + "/answers.yaml",
                         set_answer(solution, qq->id, number(e[q] + 0.5 * slack)));
                    pg = grade_numbers(l, d);
                    EXPECT_EQ(pg.first, static_cast<long>(max)) << qq->id << " inside";
                }
                continue;
            }
            CliRun r = anybit("lab check " + n + " '" + d + "'");
            EXPECT_EQ(r.status, 1) << qq->id << "\n" << r.out << r.err;
            std::string rep = slurp(d + "/grade_report.yaml");
            EXPECT_EQ(report_field(rep, "points"), static_cast<long>(max - qq->points))
                << qq->id << "\n" << rep;
            EXPECT_EQ(report_field(rep, "passed"), static_cast<long>(l->nquestions - 1)) << rep;
            if (slack > 0) {
                spit(d + "/answers.yaml", set_answer(solution, qq->id, number(e[q] + 0.5 * slack)));
                r = anybit("lab check " + n + " '" + d + "'");
                EXPECT_EQ(r.status, 0) << qq->id << " inside its tolerance\n" << r.out << r.err;
                rep = slurp(d + "/grade_report.yaml");
                EXPECT_EQ(report_field(rep, "points"), static_cast<long>(max)) << rep;
            }
        }
    }
}

// Each student's numbers differ: another seed changes the expected
// values, so one student's answers file fails for another.
TEST(Lab, AnotherSeedChangesTheExpectedNumbers)
{
    for (size_t i = 0; i < ab_lab_count(); i++) {
        const ab_lab *l = ab_lab_at(i);
        // over a few seeds every question's value changes at least once
        const std::vector<double> base = expected_of(l, 1);
        std::vector<bool> changed(l->nquestions, false);
        auto all_changed = [&] {
            for (size_t q = 0; q < l->nquestions; q++)
                if (!changed[q] && l->questions[q].kind != AB_LAB_Q_CHECK)
                    return false;
            return true;
        };
        for (uint64_t s = 2; s < 12 && !all_changed(); s++) {
            const std::vector<double> e = expected_of(l, s);
            for (size_t q = 0; q < l->nquestions; q++)
                changed[q] = changed[q] || !ab_lab_within(&l->questions[q], e[q], base[q]);
        }
        for (size_t q = 0; q < l->nquestions; q++)
            EXPECT_TRUE(changed[q] || l->questions[q].kind == AB_LAB_Q_CHECK)
                << l->dir << " " << l->questions[q].id
                                    << " is the same for seeds 1..11";

        // the reference answers in another student's folder do not pass
        const std::string d = fresh_dir(std::string("copied-") + l->dir);
        const std::string n = std::to_string(l->number);
        CliRun r = anybit("lab start " + n + " '" + d + "' --student bob");
        ASSERT_EQ(r.status, 0) << r.err;
        spit(d + "/answers.yaml",
             slurp(kSrc + "/labs/solutions/" + l->dir + "/answers.yaml"));
        r = anybit("lab check " + n + " '" + d + "'");
        EXPECT_EQ(r.status, 1) << r.out;
        const std::string rep = slurp(d + "/grade_report.yaml");
        EXPECT_LT(report_field(rep, "points"), report_field(rep, "max")) << rep;
    }
}

// A numeric question is graded from answers.yaml alone: a code part's
// check that sets the pass flag of every result (as pass_code does) gives a
// blank answer neither the pass nor the points.
TEST(Lab, CheckCannotPassANumericQuestion)
{
    static const ab_lab_question qs[] = {
        {.id = "q_number", .what = "a number", .points = 2, .tol_kind = AB_LAB_TOL_EXACT,
         .tol = 0.0, .kind = AB_LAB_Q_ANSWER},
        {.id = "q_code", .what = "a code part", .points = 3, .tol_kind = AB_LAB_TOL_EXACT,
         .tol = 0.0, .kind = AB_LAB_Q_CHECK},
    };
    ab_lab l{};
    l.number = 99;
    l.dir = "lab99-test";
    l.title = "test";
    l.questions = qs;
    l.nquestions = 2;
    l.check = pass_code;
    ab_lab_setup s{};
    s.lab = 99;
    s.seed = 1;
    ab_lab_answers a{};
    a.a[0].present = true; // blank: present, not answered
    ab_lab_grade g;
    ab_error err{};
    const std::string d = tmp_dir("lab");
    ASSERT_EQ(ab_lab_grade_answers(&l, &s, &a, d.c_str(), d.c_str(), &g, &err), 0) << err.msg;
    EXPECT_FALSE(g.r[0].pass);
    EXPECT_EQ(g.r[0].points, 0u);
    EXPECT_TRUE(g.r[1].pass);
    EXPECT_EQ(g.points, 3u);
    EXPECT_EQ(g.passed, 1u);
    EXPECT_STREQ(g.r[0].reason, "not answered (answer is blank)");
}

// The runner of a code part's tools: an exit status, a limit that kills
// (a student's endless loop), a tool that is not there.
TEST(Lab, RunnerReportsStatusKillsAtTheLimitAndNamesAMissingTool)
{
    const std::string log = tmp_dir("lab") + "/run.log";
    ab_error err{};
    int st = 0;
    char sh[] = "sh", c[] = "-c", exit3[] = "echo hello; echo an error here >&2; exit 3";
    char *a1[] = {sh, c, exit3, nullptr};
    ASSERT_EQ(ab_lab_run(a1, nullptr, nullptr, log.c_str(), 10.0, &st, &err), 0) << err.msg;
    EXPECT_EQ(st, 3);
    char line[160];
    ab_lab_log_tail(log.c_str(), line, sizeof line);
    EXPECT_STREQ(line, "an error here");
    char loop[] = "sleep 30 & sleep 30";
    char *a2[] = {sh, c, loop, nullptr};
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(ab_lab_run(a2, nullptr, nullptr, log.c_str(), 0.3, &st, &err), 0) << err.msg;
    EXPECT_EQ(st, -1);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
    char none[] = "anybit-no-such-tool";
    char *a3[] = {none, nullptr};
    EXPECT_EQ(ab_lab_run(a3, nullptr, nullptr, log.c_str(), 1.0, &st, &err), -1);
    EXPECT_NE(std::string(err.msg).find("anybit-no-such-tool: cannot start"), std::string::npos)
        << err.msg;
}

TEST(Lab, StudentSeedIsTheDocumentedHash)
{
    // FNV-1a 64, folded to 48 bits (labs/TEACHING.md), written out again here
    for (const std::string id : {"alice", "bob", "reference", "s1234567@uni.example"}) {
        uint64_t h = 14695981039346656037ull;
        for (unsigned char c : id) {
            h ^= c;
            h *= 1099511628211ull;
        }
        EXPECT_EQ(ab_lab_student_seed(id.c_str()), (h ^ (h >> 48)) & ((1ull << 48) - 1)) << id;
    }
    const std::string d = fresh_dir("hash");
    CliRun r = anybit("lab start 3 '" + d + "' --student alice");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(slurp(d + "/lab.yaml").find("seed: " + std::to_string(ab_lab_student_seed("alice"))),
              std::string::npos);
    // an edited seed is refused, naming the line
    const std::string lab = slurp(d + "/lab.yaml");
    spit(d + "/lab.yaml", std::regex_replace(lab, std::regex("\nseed: [0-9]+\n"), "\nseed: 12\n"));
    r = anybit("lab check 3 '" + d + "'");
    EXPECT_EQ(r.status, 2) << r.out;
    EXPECT_NE(r.err.find(d + "/lab.yaml:5: seed: expected "), std::string::npos) << r.err;
    EXPECT_FALSE(exists(d + "/grade_report.yaml"));
}

TEST(Lab, StartRefusesWhatWouldOverwrite)
{
    const std::string d = fresh_dir("nonempty");
    ASSERT_EQ(std::system(("mkdir -p '" + d + "'").c_str()), 0);
    spit(d + "/answers.yaml", "my work\n");
    CliRun r = anybit("lab start 3 '" + d + "'");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(d + "/answers.yaml"), "my work\n");
    EXPECT_FALSE(exists(d + "/lab.yaml"));
    for (const std::string bad : {"lab start 9 x", "lab start 3 x --seed 1 --student a",
                                  "lab start 3 x --student 'a b'", "lab start 3 x --seed -1",
                                  "lab check 3 --solution somewhere", "lab frob"}) {
        r = anybit(bad);
        EXPECT_EQ(r.status, 2) << bad;
        EXPECT_FALSE(r.err.empty()) << bad;
    }
}

// A bad answers.yaml: exit 2, one message naming FILE:LINE and the
// field, and the report that was there stays as it was.
TEST(Lab, MalformedAnswersExit2NamingTheLine)
{
    const ab_lab *l = ab_lab_find(3);
    ASSERT_NE(l, nullptr);
    const std::string d = copy_solution(l, "malformed");
    const std::string good = slurp(d + "/answers.yaml");
    spit(d + "/grade_report.yaml", "an earlier report\n");
    // the line of "q2_dot:" in the solution, and of its answer
    size_t q2 = 1;
    for (size_t p = 0; p < good.find("\nq2_dot:"); p++)
        q2 += good[p] == '\n';
    q2 += 1;
    struct Case {
        std::string text, want;
    };
    const std::vector<Case> cases = {
        {set_answer(good, "q2_dot", "twenty"),
         "answers.yaml:" + std::to_string(q2 + 1) + ": q2_dot.answer: expected a number"},
        {set_answer(good, "q2_dot", "\"20\""),
         "answers.yaml:" + std::to_string(q2 + 1) + ": q2_dot.answer: expected a number"},
        {set_answer(good, "q2_dot", "[1, 2]"),
         "answers.yaml:" + std::to_string(q2 + 1) + ": q2_dot.answer: expected a number, found a "
                                                    "sequence"},
        {replace(good, "\nq2_dot:\n", "\nq2_dott:\n"),
         "answers.yaml:" + std::to_string(q2) + ": q2_dott: unknown question id of lab 3"},
        {replace(good, "\nq2_dot:\n  answer:", "\nq2_dot:\n  answr:"),
         "answers.yaml:" + std::to_string(q2 + 1) + ": q2_dot.answr: unknown field"},
        {replace(good, "\nq2_dot:\n", "\nq2_dot: 20\nq2_x:\n"),
         "answers.yaml:" + std::to_string(q2) + ": q2_dot: expected a mapping"},
        {good + "q9: [\n", "answers.yaml:"},
        {"- 1\n- 2\n", "answers.yaml: expected a mapping of fields at the top level, found a sequence"},
    };
    for (const Case &c : cases) {
        spit(d + "/answers.yaml", c.text);
        const CliRun r = anybit("lab check 3 '" + d + "'");
        EXPECT_EQ(r.status, 2) << c.want << "\n" << r.out;
        EXPECT_NE(r.err.find(c.want), std::string::npos) << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_EQ(slurp(d + "/grade_report.yaml"), "an earlier report\n");
    }
    std::remove((d + "/answers.yaml").c_str());
    const CliRun r = anybit("lab check 3 '" + d + "'");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find(d + "/answers.yaml"), std::string::npos) << r.err;
    EXPECT_EQ(anybit("lab check 4 '" + d + "'").status, 2); // the folder is lab 3's
}

TEST(Lab, SummaryMakesTheCsv)
{
    const ab_lab *l = ab_lab_find(3);
    const std::string full = copy_solution(l, "class/full"), blank = fresh_dir("class/blank");
    ASSERT_EQ(anybit("lab check 3 '" + full + "'").status, 0);
    ASSERT_EQ(anybit("lab start 3 '" + blank + "' --student carol").status, 0);
    ASSERT_EQ(anybit("lab check 3 '" + blank + "'").status, 1);
    const std::string csv = tmp_dir("lab") + "/class.csv";
    std::remove(csv.c_str());
    CliRun r = anybit("lab summary -o '" + csv + "' '" + full + "' '" + blank +
                      "/grade_report.yaml'");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string text = slurp(csv);
    EXPECT_EQ(text.substr(0, text.find('\n')),
              "report,lab,student,seed,points,max,percent,q1_plane_popcount,q2_dot,q3_pe_cycles,"
              "q4_compute_cycles,q5_cycles_w8a8,q6_cycles_w1a1,q7_slowdown_w8a8_over_w1a1");
    EXPECT_NE(text.find("\n" + full + ",3,reference," +
                        std::to_string(ab_lab_student_seed("reference")) +
                        ",12,12,100.0,2,2,2,2,1,1,2\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\n" + blank + "/grade_report.yaml,3,carol," +
                        std::to_string(ab_lab_student_seed("carol")) + ",0,12,0.0,0,0,0,0,0,0,0\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(count_lines(text), 3u);
    // a malformed report: exit 2 naming it, no CSV
    std::remove(csv.c_str());
    spit(blank + "/grade_report.yaml", "lab: 3\nseed: 1\npoints: 13\nmax: 12\nresults: {}\n");
    r = anybit("lab summary -o '" + csv + "' '" + full + "' '" + blank + "'");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find(blank + "/grade_report.yaml:3: points"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(csv));
}

// The prediction the lab teaches, p.q.ceil(K/128) per block and one pass
// per 64 x 64 outputs, is the engine's compute time for every seed.
TEST(Lab, Lab3PredictionIsTheEnginesComputeCycles)
{
    const ab_lab *l = ab_lab_find(3);
    for (uint64_t seed = 1; seed < 30; seed++) {
        ab_lab_params p;
        l->params(seed, &p);
        auto param = [&](const std::string &key) {
            for (size_t i = 0; i < p.n; i++)
                if (key == p.p[i].key)
                    return std::stoull(p.p[i].value);
            ADD_FAILURE() << key;
            return 0ull;
        };
        const unsigned long long M = param("gemm_M"), N = param("gemm_N"), K = param("gemm_K"),
                                 pq = param("predict_p") * param("predict_q");
        const std::vector<double> e = expected_of(l, seed);
        const double block = static_cast<double>(pq * ((K + 127) / 128));
        EXPECT_EQ(e[2], block) << seed;
        EXPECT_EQ(e[3], block * static_cast<double>(((M + 63) / 64) * ((N + 63) / 64))) << seed;
    }
}

TEST(Lab, DocTestRunnerFailsOnABrokenPage)
{
    const std::string root = fresh_dir("doctree");
    ASSERT_EQ(std::system(("mkdir -p '" + root + "/labs/x'").c_str()), 0);
    const std::string runner = std::string(ANYBIT_PYTHON3) + " " + kSrc +
                               "/scripts/labs-doctest.py --anybit " + ANYBIT_BIN + " --root '" +
                               root + "'";
    spit(root + "/labs/x/README" ".md",
         "# x\n\n```sh runnable\nanybit lab list > list.txt\n```\n\n"
         "   ```sh runnable status=1\n   grep -q nothing-like-this list.txt\n   ```\n\n"
         "```sh\nfalse # shown, not run\n```\n");
    CliRun r = run_command(runner, tmp_dir("lab"));
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("2 blocks"), std::string::npos) << r.out;
    spit(root + "/labs/x/README" ".md",
         "# x\n\n```sh runnable\nanybit lab list > list.txt\n```\n\n```sh runnable\necho one\n"
         "anybit lab start 99 y\necho never\n```\n");
    r = run_command(runner, tmp_dir("lab"));
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.out.find("labs/x/README" ".md: block 2 (line 7) exited 2, expected 0"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("command: anybit lab start 99 y"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("never"), std::string::npos) << r.out;
}

} // namespace
