/* fuzz_cli.c - libFuzzer target for the argument parsers of the anybit
 * subcommands (sim/cli/, the cmd_* entries of sim/cli/cli.h) and what they
 * run on small inputs.
 *
 * Input: words separated by spaces, tabs, newlines or NUL bytes; the first
 * names the subcommand (as after `anybit`), the rest are its arguments
 * (at most MAX_WORDS words of at most WORD_MAX bytes).  The command runs
 * with a scratch folder as its working directory, filled before each input
 * with copies of the fixtures made once at start-up: micro.yaml (a
 * one-layer model), w.npy (a small tensor), t.safetensors (a trace with
 * values) and shapes.safetensors (one without), space.yaml (a four-point
 * sweep space) and sw/ (that sweep, run), and blocker (a plain file).
 *
 * What keeps one input short and inside the scratch folder (the words are
 * rewritten before the command sees them):
 *   - a word that could name a file outside it (an absolute path, `..`, a
 *     `/` after `=`, `,` or `:`) becomes "x";
 *   - a zoo model name (models/<name>.yaml) becomes micro.yaml, so `run`,
 *     `compare`, `trace gen` and sweeps never expand a real LLM;
 *   - numbers in a phase (prefill:L, decode:C) are at most 16, --batch at
 *     most 2, sweep's -j at most 2, and a comma list (--configs, --phase,
 *     --compare) keeps its first 4 items;
 *   - `formats` lists no grid wider than 12 bits (a wider name becomes
 *     "x"; fuzz_format_name covers those formats);
 *   - commands that would start a long job or another program get options
 *     appended that stop them after their whole argument parse and input
 *     checks, on a documented error path: synth (`--tech` other than cmos:
 *     no Yosys), cosim (`--lanes 3`: no Verilated model), plot and report
 *     (`-o` under the plain file blocker: no gnuplot), demo (`--rows 2
 *     --cols 128`: a small tensor).
 * Run it with -close_fd_mask=3 (CMakeLists.txt and `make fuzz-long` do):
 * the commands' tables and messages are then discarded, while libFuzzer's
 * and the sanitizers' reports still show.
 *
 * The oracle: no crash, no sanitizer report, and an exit status of 0, 1 or
 * 2 (docs/cli.md "Exit status"). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "format.h"
#include "fuzz_scratch.h"
#include "workload/workload.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 24
#define WORD_MAX 200
#define PIN_WORDS 4
/* what keeps one command short (header comment) */
#define PHASE_TOKENS_MAX 16u
#define BATCH_MAX 2u
#define JOBS_MAX 2u
#define LIST_ITEMS_MAX 4u
#define FORMAT_GRID_BITS_MAX 12u

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *pin[PIN_WORDS]; /* appended to every argv of this command */
} subcommand;

static const subcommand k_commands[] = {
    {"formats", cmd_formats, {NULL}},
    {"quant", cmd_quant, {NULL}},
    {"trace", cmd_trace, {NULL}},
    {"run", cmd_run, {NULL}},
    {"compare", cmd_compare, {NULL}},
    {"cosim", cmd_cosim, {"--lanes", "3", NULL}},
    {"synth", cmd_synth, {"--tech", "fuzz-not-cmos", NULL}},
    {"sweep", cmd_sweep, {NULL}},
    {"merge", cmd_merge, {NULL}},
    {"pareto", cmd_pareto, {NULL}},
    {"plot", cmd_plot, {"-o", "blocker/plots", NULL}},
    {"report", cmd_report, {"-o", "blocker/x/report.html", NULL}},
    {"demo", cmd_demo, {"--rows", "2", "--cols", "128"}},
};

static const char k_micro_model[] =
    "# micro: a made-up one-layer decoder for tests/fuzz/fuzz_cli.c\n"
    "name: micro\nkind: decoder\nsource: made up for tests/fuzz (anybit)\n"
    "hidden: 32\nintermediate: 64\nlayers: 1\nheads: 2\nkv_heads: 1\nhead_dim: 16\n"
    "vocab: 32\nmlp: gated\nattn_out: o_proj\ntied_lm_head: false\n";

static const char k_space[] =
    "name: fuzz-cli\ndescription: the micro model on two presets at two clocks\n"
    "base:\n  config: bitmod\n  model: micro.yaml\n  phase: decode:8\n"
    "axes:\n  - field: workload.config\n    values: [bitmod, fp16]\n"
    "  - field: config.clock_ghz\n    values: [0.5, 1.0]\n"
    "constraints:\n  - when: \"config != 'fp16' || config.clock_ghz > 0.75\"\n"
    "    reason: fp16 at 1 GHz only\n";

/* ---- the fixtures ------------------------------------------------------ */

/* An 8 x 256 float32 .npy (version 1.0, header padded to 64 bytes). */
static int write_npy(const char *path)
{
    enum { ROWS = 8, COLS = 256 };
    char head[128];
    const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 256), }";
    const size_t pad = 64 - (10 + sizeof dict) % 64; /* sizeof: the dict and its '\n' */
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    const size_t hlen = sizeof dict + pad;
    head[8] = (char)(hlen & 0xff);
    head[9] = (char)(hlen >> 8);
    memcpy(head + 10, dict, sizeof dict - 1);
    memset(head + 10 + sizeof dict - 1, ' ', pad);
    head[10 + hlen - 1] = '\n';
    float *vals = malloc(ROWS * COLS * sizeof *vals);
    if (!vals)
        return -1;
    for (size_t i = 0; i < ROWS * COLS; i++) /* deterministic, signed, a few outliers */
        vals[i] = (float)((int)(i * 2654435761u % 2001u) - 1000) / 1000.0f * (i % 97 ? 1.0f : 8.0f);
    FILE *f = fopen(path, "wb");
    int rc = -1;
    if (f) {
        rc = fwrite(head, 1, 10 + hlen, f) == 10 + hlen &&
                     fwrite(vals, sizeof *vals, ROWS * COLS, f) == ROWS * COLS
                 ? 0
                 : -1;
        if (fclose(f) != 0)
            rc = -1;
    }
    free(vals);
    return rc;
}

static int run_words(int (*run)(int, char **), const char *const *words)
{
    char *argv[16];
    int argc = 0;
    while (words[argc] && argc < 15) {
        argv[argc] = (char *)words[argc];
        argc++;
    }
    argv[argc] = NULL;
    return run(argc, argv);
}

/* The fixtures folder, made once: files from the constants above, the two
 * traces with `trace gen` and the sweep directory with `sweep`. */
static int make_fixtures(const char *fixtures)
{
    char path[256], cwd[4096];
    fuzz_remove_tree(fixtures);
    if (mkdir(fixtures, 0755) != 0 || !getcwd(cwd, sizeof cwd))
        return -1;
    snprintf(path, sizeof path, "%s/micro.yaml", fixtures);
    if (fuzz_write_file(path, k_micro_model, sizeof k_micro_model - 1) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/space.yaml", fixtures);
    if (fuzz_write_file(path, k_space, sizeof k_space - 1) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/w.npy", fixtures);
    if (write_npy(path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/blocker", fixtures);
    if (fuzz_write_file(path, "not a folder\n", 13) != 0 || chdir(fixtures) != 0)
        return -1;
    const char *const gen_values[] = {"trace", "gen", "--model", "micro.yaml", "--recipe",
                                      "bitmod", "--phase", "prefill:2", "--values", "synthetic",
                                      "--max-ops", "2", "-o", "t.safetensors", NULL};
    const char *const gen_shapes[] = {"trace", "gen", "--model", "micro.yaml", "--recipe",
                                      "btc-w4a4", "--phase", "decode:4", "-o",
                                      "shapes.safetensors", NULL};
    const char *const sweep[] = {"sweep", "space.yaml", "-o", "sw", "--quiet", NULL};
    const int rc = run_words(cmd_trace, gen_values) == 0 && run_words(cmd_trace, gen_shapes) == 0 &&
                           run_words(cmd_sweep, sweep) == 0
                       ? 0
                       : -1;
    return chdir(cwd) == 0 ? rc : -1;
}

static void remove_scratch(void)
{
    char root[96];
    fuzz_remove_tree(fuzz_scratch_path(root, sizeof root, "cli", ""));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char root[96], fixtures[128];
    fuzz_scratch_path(root, sizeof root, "cli", "");
    snprintf(fixtures, sizeof fixtures, "%s/fixtures", root);
    fuzz_remove_tree(root);
    if (mkdir(root, 0755) != 0 || make_fixtures(fixtures) != 0) {
        fprintf(stderr, "fuzz_cli: cannot make the fixtures in %s: %s\n", fixtures,
                strerror(errno));
        abort();
    }
    atexit(remove_scratch);
    return 0;
}

/* ---- the per-input work folder ------------------------------------------ */

/* nftw has no user pointer: the two folders are found again from the pid. */
static int copy_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    char fixtures[128], to[512];
    fuzz_scratch_path(fixtures, sizeof fixtures, "cli", "/fixtures");
    fuzz_scratch_path(to, sizeof to, "cli", "/work");
    const size_t n = strlen(to);
    snprintf(to + n, sizeof to - n, "%s", path + strlen(fixtures));
    if (flag == FTW_D)
        return mkdir(to, 0755) == 0 || errno == EEXIST ? 0 : -1;
    if (flag != FTW_F)
        return 0;
    FILE *in = fopen(path, "rb");
    char *buf = malloc((size_t)st->st_size + 1);
    int rc = -1;
    if (in && buf && fread(buf, 1, (size_t)st->st_size, in) == (size_t)st->st_size)
        rc = fuzz_write_file(to, buf, (size_t)st->st_size);
    free(buf);
    if (in)
        fclose(in);
    return rc;
}

/* ---- rewriting the words ------------------------------------------------ */

static bool may_leave_scratch(const char *w)
{
    if (w[0] == '/' || strstr(w, ".."))
        return true;
    for (const char *p = w + 1; *p; p++)
        if (*p == '/' && (p[-1] == '=' || p[-1] == ',' || p[-1] == ':'))
            return true;
    return false;
}

/* Every run of digits in w with a value above bound becomes bound. */
static void clamp_numbers(char *w, unsigned bound)
{
    char out[WORD_MAX + 16];
    size_t o = 0;
    for (const char *p = w; *p && o < WORD_MAX;) {
        if (*p < '0' || *p > '9') {
            out[o++] = *p++;
            continue;
        }
        unsigned long long v = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9') {
            if (v <= bound)
                v = v * 10u + (unsigned)(*p - '0');
            p++;
        }
        if (v > bound)
            o += (size_t)snprintf(out + o, sizeof out - o, "%u", bound);
        else
            for (; start < p && o < WORD_MAX; start++)
                out[o++] = *start;
    }
    out[o < WORD_MAX ? o : WORD_MAX] = '\0';
    snprintf(w, WORD_MAX + 1, "%s", out);
}

/* The value part of an option word ("--model=x" -> "x"), else the word. */
static char *value_part(char *w)
{
    char *eq = w[0] == '-' ? strchr(w, '=') : NULL;
    return eq ? eq + 1 : w;
}

static bool is_option(const char *w, const char *prev, const char *name)
{
    const size_t n = strlen(name);
    return (prev && strcmp(prev, name) == 0) || (strncmp(w, name, n) == 0 && w[n] == '=');
}

/* Lists (--configs, --phase, --compare) keep their first LIST_ITEMS_MAX
 * items: compare runs every config on every phase. */
static void truncate_list(char *w)
{
    size_t items = 1;
    for (char *p = w; *p; p++)
        if (*p == ',' && ++items > LIST_ITEMS_MAX) {
            *p = '\0';
            return;
        }
}

static void rewrite_word(const subcommand *cmd, char *w, const char *prev)
{
    if (may_leave_scratch(w)) {
        snprintf(w, WORD_MAX + 1, "x");
        return;
    }
    truncate_list(w);
    ab_format f;
    if (cmd->run == cmd_formats && ab_format_parse(value_part(w), &f, NULL) == 0 &&
        f.bits > FORMAT_GRID_BITS_MAX) {
        snprintf(w, WORD_MAX + 1, "x");
        return;
    }
    char *v = value_part(w), path[1024];
    ab_error err;
    if (*v && strlen(v) < 64 && !strchr(v, '/') &&
        ab_zoo_path("models", v, path, sizeof path, &err) == 0 && access(path, R_OK) == 0)
        snprintf(v, WORD_MAX + 1 - (size_t)(v - w), "micro.yaml");
    if (strstr(w, "prefill:") || strstr(w, "decode:"))
        clamp_numbers(w, PHASE_TOKENS_MAX);
    else if (is_option(w, prev, "--batch"))
        clamp_numbers(w, BATCH_MAX);
    else if (is_option(w, prev, "-j"))
        clamp_numbers(w, JOBS_MAX);
}

static size_t split_words(const uint8_t *data, size_t size, char words[][WORD_MAX + 1])
{
    size_t n = 0, len = 0;
    for (size_t i = 0; i <= size && n < MAX_WORDS; i++) {
        const int c = i < size ? data[i] : ' ';
        if (c == ' ' || c == '\t' || c == '\n' || c == '\0') {
            if (len > 0) {
                words[n][len] = '\0';
                n++;
                len = 0;
            }
        } else if (len < WORD_MAX) {
            words[n][len++] = (char)c;
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char words[MAX_WORDS + PIN_WORDS][WORD_MAX + 1];
    const size_t n = split_words(data, size, words);
    if (n == 0)
        return 0;
    const subcommand *cmd = NULL;
    for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
        if (strcmp(words[0], k_commands[i].name) == 0)
            cmd = &k_commands[i];
    if (!cmd)
        return 0;
    char *argv[MAX_WORDS + PIN_WORDS + 1];
    int argc = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            rewrite_word(cmd, words[i], i > 1 ? words[i - 1] : NULL);
        argv[argc++] = words[i];
    }
    for (size_t k = 0; k < PIN_WORDS && cmd->pin[k]; k++)
        argv[argc++] = (char *)cmd->pin[k];
    argv[argc] = NULL;

    char fixtures[128], work[128], cwd[4096];
    fuzz_scratch_path(fixtures, sizeof fixtures, "cli", "/fixtures");
    fuzz_scratch_path(work, sizeof work, "cli", "/work");
    fuzz_remove_tree(work);
    if (!getcwd(cwd, sizeof cwd) || nftw(fixtures, copy_entry, 16, FTW_PHYS) != 0 ||
        chdir(work) != 0)
        abort(); /* the scratch folder is gone or full: nothing can be tested */
    const int rc = cmd->run(argc, argv);
    fflush(stdout);
    fflush(stderr);
    if (chdir(cwd) != 0)
        abort();
    fuzz_remove_tree(work);
    if (rc != AB_EXIT_OK && rc != AB_EXIT_CHECK && rc != AB_EXIT_USAGE)
        abort(); /* an exit status docs/cli.md does not list */
    return 0;
}
