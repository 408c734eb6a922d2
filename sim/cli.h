/* cli.h - the anybit command line: subcommands and their shared helpers.
 *
 * Exit status everywhere: 0 success, 1 a check failed, 2 bad input or usage
 * (one message on stderr naming the file/field, nothing half-written).
 */
#ifndef AB_CLI_H
#define AB_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "ab_error.h"

enum { AB_EXIT_OK = 0, AB_EXIT_CHECK = 1, AB_EXIT_USAGE = 2 };

int cmd_formats(int argc, char **argv);
int cmd_quant(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_trace(int argc, char **argv);

struct ab_tensor;
struct ab_quant_spec;

/* Where `quant` results go besides the table on stdout (NULL: nowhere). */
typedef struct quant_outputs {
    const char *json_path, *csv_path, *dequant_path;
    bool sort_by_sqnr;
} quant_outputs;

/* Quantize tensor t with each named format under spec, then print one table
 * row per format and write the requested files (only once every format has
 * succeeded, so a failure leaves nothing written).  `label` names the input
 * in the table and in messages. */
int quant_report(const char *label, const struct ab_tensor *t, const struct ab_quant_spec *spec,
                 const char *const *names, size_t nformats, const quant_outputs *out);

/* Option matching: `--name value` or `--name=value`.  Returns true when
 * argv[*i] is the option; *value is set, or an error printed and *bad set
 * when the value is missing. */
bool cli_opt_value(int argc, char **argv, int *i, const char *name,
                   const char **value, bool *bad);

/* Print "anybit CMD: message" on stderr and return AB_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print an ab_error for command cmd and return AB_EXIT_USAGE. */
int cli_input_error(const char *cmd, const ab_error *err);

/* Parse a positive integer option value into *out (bounds inclusive). */
bool cli_parse_size(const char *text, size_t lo, size_t hi, size_t *out);

#endif
