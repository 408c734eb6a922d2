/* cli_args.c - small option-parsing and error-reporting helpers shared by
 * the subcommands (no getopt: messages must name the command and option). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_opt_value(int argc, char **argv, int *i, const char *name,
                   const char **value, bool *bad)
{
    const char *arg = argv[*i];
    const size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return false;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    if (arg[n] != '\0')
        return false;
    if (*i + 1 >= argc) {
        fprintf(stderr, "anybit: option %s needs a value\n", name);
        *bad = true;
        return true;
    }
    *value = argv[++*i];
    return true;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "anybit %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return AB_EXIT_USAGE;
}

bool cli_opt_once(int argc, char **argv, int *i, const char *name, const char **value,
                  bool *bad)
{
    const char *before = *value;
    if (!cli_opt_value(argc, argv, i, name, value, bad))
        return false;
    if (before && !*bad) {
        fprintf(stderr, "anybit: %s given twice ('%s', then '%s'): give it once\n", name, before,
                *value);
        *bad = true;
    }
    return true;
}

int cli_table_stream(const char *cmd, const char *json, const char *csv, FILE **table)
{
    const bool j = json && strcmp(json, "-") == 0, c = csv && strcmp(csv, "-") == 0;
    *table = stdout;
    if (j && c)
        return cli_usage_error(cmd, "--json - and --csv -: one document at a time on stdout "
                                    "(give the other a FILE)");
    if (j || c)
        *table = stderr;
    return AB_EXIT_OK;
}

int cli_input_error(const char *cmd, const ab_error *err)
{
    fprintf(stderr, "anybit %s: %s\n", cmd, err->msg);
    return AB_EXIT_USAGE;
}

bool cli_parse_size(const char *text, size_t lo, size_t hi, size_t *out)
{
    if (!text || !*text || *text == '-' || *text == '+')
        return false;
    errno = 0;
    char *end;
    const unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = (size_t)v;
    return true;
}
