/* cli.h - the anybit command line: subcommands and their shared helpers.
 *
 * Exit status everywhere: 0 success, 1 a check failed, 2 bad input or usage
 * (one message on stderr naming the file/field, nothing half-written).
 */
#ifndef AB_CLI_H
#define AB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ab_error.h"
#include "accel/accel.h"
#include "accuracy/accuracy.h"
#include "engine/engine.h"
#include "workload/workload.h"

enum { AB_EXIT_OK = 0, AB_EXIT_CHECK = 1, AB_EXIT_USAGE = 2 };

int cmd_formats(int argc, char **argv);
int cmd_quant(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_pareto(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_cosim(int argc, char **argv); /* sim/cli/cmd_cosim.c, linked into the anybit executable */
int cmd_fpga(int argc, char **argv);  /* sim/cli/cmd_fpga.c: run, sim (with RTL), build, program, estimate */
int cmd_lab(int argc, char **argv);   /* sim/cli/cmd_lab.c: list, start, check, summary */

struct ab_tensor;
struct ab_quant_spec;

/* Where `quant` results go besides the table on stdout (NULL: nowhere). */
typedef struct quant_outputs {
    const char *json_path, *csv_path, *dequant_path;
    bool sort_by_sqnr;
    unsigned jobs; /* formats quantized at once on threads (0 or 1: one at a time) */
} quant_outputs;

/* Quantize tensor t with each named format under spec, then print one table
 * row per format and write the requested files (only once every format has
 * succeeded, so a failure leaves nothing written).  `label` names the input
 * in the table and in messages.  Each format's result depends on nothing
 * but the format, so the output is the same for every out->jobs. */
int quant_report(const char *label, const struct ab_tensor *t, const struct ab_quant_spec *spec,
                 const char *const *names, size_t nformats, const quant_outputs *out);

/* Option matching: `--name value` or `--name=value`.  Returns true when
 * argv[*i] is the option; *value is set, or an error printed and *bad set
 * when the value is missing. */
bool cli_opt_value(int argc, char **argv, int *i, const char *name,
                   const char **value, bool *bad);

/* cli_opt_value for an option that may be given once: a second one (the
 * value already set) prints "anybit: NAME given twice ..." and sets *bad. */
bool cli_opt_once(int argc, char **argv, int *i, const char *name, const char **value,
                  bool *bad);

/* Print "anybit CMD: message" on stderr and return AB_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print an ab_error for command cmd and return AB_EXIT_USAGE. */
int cli_input_error(const char *cmd, const ab_error *err);

/* Where a command's human output goes: stdout, or stderr when `--json -`
 * or `--csv -` puts the one machine document on stdout (json, csv: the
 * option values, NULL when not given).  Both on stdout is a usage error:
 * returns AB_EXIT_USAGE (message printed), else AB_EXIT_OK. */
int cli_table_stream(const char *cmd, const char *json, const char *csv, FILE **table);

/* Parse a positive integer option value into *out (bounds inclusive). */
bool cli_parse_size(const char *text, size_t lo, size_t hi, size_t *out);

/* The workload options of `run` and `compare` (cli_workload.c). */
typedef struct cli_workload {
    const char *trace, *model, *recipe, *phase;
    const char *topology; /* a SCALE-Sim topology CSV (docs/scalesim.md) */
    uint32_t batch;
    ab_sim_mode mode;
    const char *batch_opt, *mode_opt; /* as given (NULL: not given): each once */
    bool allow_long_context;          /* --allow-long-context */
} cli_workload;

struct ab_trace;

/* Consume argv[*i] if it is a workload option (--trace, --model,
 * --topology, --recipe, --phase, --batch, --mode, --allow-long-context);
 * *bad on a bad value
 * (message printed). */
bool cli_workload_opt(int argc, char **argv, int *i, cli_workload *w, bool *bad);

/* Usage check of the combination; AB_EXIT_USAGE with a message, or 0. */
int cli_workload_check(const char *cmd, const cli_workload *w);

/* The ops to simulate on accelerator a (its default recipe unless
 * --recipe), for `phase` (ignored with --trace, which is read into *trace,
 * and with --topology:
 * the caller frees it); label describes the workload for reports. */
int cli_workload_ops(const cli_workload *w, const char *phase, const ab_accel *a,
                     ab_op_list *ops, struct ab_trace *trace, double *tokens, char *label,
                     size_t cap, ab_error *err);

/* The progress line of run and compare (cli_progress.c): shown on a
 * terminal only, after CLI_PROGRESS_AFTER_S seconds, erased at the end. */
#define CLI_PROGRESS_AFTER_S 1.0
typedef struct cli_progress {
    FILE *out;
    bool enabled, shown;
    double t0, last;
    size_t runs, run; /* compare: accelerators x phases, the one running */
    char what[160];
} cli_progress;
void cli_progress_start(cli_progress *p, FILE *out, size_t runs);
void cli_progress_next(cli_progress *p, size_t run, const char *what);
ab_sim_progress cli_progress_hook(cli_progress *p);
void cli_progress_end(cli_progress *p);
/* The accuracy options of `run` and `compare` (cli_accuracy.c):
 * --accuracy-sample N (weight rows per op), --accuracy-seed S,
 * --accuracy-weights FILE.safetensors, --no-accuracy; each once, and
 * --no-accuracy with none of the others. */
typedef struct cli_accuracy {
    ab_accuracy_opts opts;
    const char *sample_opt, *seed_opt; /* as given (NULL: not given) */
    const char *weights_opt;           /* --accuracy-weights FILE.safetensors */
    bool off_given;
    struct ab_safetensors *checkpoint; /* opened by cli_accuracy_open */
} cli_accuracy;

void cli_accuracy_init(cli_accuracy *a);
/* Consume argv[*i] if it is an accuracy option; *bad on a bad value. */
bool cli_accuracy_opt(int argc, char **argv, int *i, cli_accuracy *a, bool *bad);
/* Usage check of the combination; AB_EXIT_USAGE with a message, or 0. */
int cli_accuracy_check(const char *cmd, const cli_accuracy *a);
/* Read --accuracy-weights' checkpoint (0, or AB_EXIT_USAGE with the
 * message printed); cli_accuracy_close frees it (safe when never opened). */
int cli_accuracy_open(const char *cmd, cli_accuracy *a);
void cli_accuracy_close(cli_accuracy *a);

/* Check the values of every op of a trace that carries them on
 * accelerator a (cli_values.c), each op's computations on `jobs` threads
 * (pe_values.h: identical results for every jobs); checks[i] per op.  -1 with err when the
 * PE cannot run an op's formats. */
struct ab_op_check;
int cli_check_values(const ab_accel *a, const struct ab_trace *t, unsigned jobs,
                     struct ab_op_check *checks, ab_error *err);

/* --golden: every op with values through the datapath and the golden
 * model, bit for bit (a difference is printed on stderr).  The number of
 * ops that differ, or -1 with err (the PE cannot run an op's formats). */
int cli_check_golden(const ab_accel *a, const struct ab_trace *t, unsigned jobs,
                     size_t *ops_checked, size_t *outputs_checked, ab_error *err);

/* -j N of the commands that run on threads (value checks, trace gen,
 * sweep): N in 1..256 from text, or
 * (text NULL) every online core.  False when text is not such a number. */
bool cli_parse_jobs(const char *text, unsigned *jobs);

#endif
