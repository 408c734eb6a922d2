/* cli_accuracy.c - the accuracy options of `run` and `compare`
 * (--accuracy-sample N, --accuracy-seed S, --no-accuracy) and the estimate
 * of one workload's ops (sim/accuracy/accuracy.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tensor_io.h"

/* Seeds up to 2^53 stay exact in the JSON numbers that report them. */
#define CLI_ACCURACY_SEED_MAX ((size_t)1 << 53)

void cli_accuracy_init(cli_accuracy *a)
{
    memset(a, 0, sizeof *a);
    a->opts = ab_accuracy_defaults();
}

bool cli_accuracy_opt(int argc, char **argv, int *i, cli_accuracy *a, bool *bad)
{
    if (strcmp(argv[*i], "--no-accuracy") == 0) {
        if (a->off_given) {
            fprintf(stderr, "anybit: --no-accuracy given twice: give it once\n");
            *bad = true;
        }
        a->off_given = true;
        a->opts.off = true;
        return true;
    }
    if (cli_opt_once(argc, argv, i, "--accuracy-weights", &a->weights_opt, bad))
        return true;
    size_t v;
    if (cli_opt_once(argc, argv, i, "--accuracy-sample", &a->sample_opt, bad)) {
        if (*bad)
            return true;
        if (!cli_parse_size(a->sample_opt, 1, AB_ACCURACY_SAMPLE_MAX, &v)) {
            fprintf(stderr, "anybit: --accuracy-sample: expected weight rows per op, an integer "
                            "1 to %u, got '%s'\n", AB_ACCURACY_SAMPLE_MAX, a->sample_opt);
            *bad = true;
            return true;
        }
        a->opts.sample_rows = (uint32_t)v;
        return true;
    }
    if (cli_opt_once(argc, argv, i, "--accuracy-seed", &a->seed_opt, bad)) {
        if (*bad)
            return true;
        if (!cli_parse_size(a->seed_opt, 0, CLI_ACCURACY_SEED_MAX, &v)) {
            fprintf(stderr, "anybit: --accuracy-seed: expected an integer 0 to 2^53, got '%s'\n",
                    a->seed_opt);
            *bad = true;
            return true;
        }
        a->opts.seed = (uint64_t)v;
        return true;
    }
    return false;
}

int cli_accuracy_check(const char *cmd, const cli_accuracy *a)
{
    if (a->off_given && (a->sample_opt || a->seed_opt || a->weights_opt))
        return cli_usage_error(cmd, "--no-accuracy and %s: the estimate is either off or "
                                    "sampled, not both",
                               a->sample_opt ? "--accuracy-sample"
                               : a->seed_opt ? "--accuracy-seed"
                                             : "--accuracy-weights");
    return AB_EXIT_OK;
}

int cli_accuracy_open(const char *cmd, cli_accuracy *a)
{
    if (!a->weights_opt || a->checkpoint)
        return AB_EXIT_OK;
    ab_safetensors *st = calloc(1, sizeof *st);
    ab_error err;
    if (!st)
        return cli_usage_error(cmd, "out of memory");
    if (ab_safetensors_open(a->weights_opt, st, &err) != 0) {
        free(st);
        return cli_input_error(cmd, &err);
    }
    a->checkpoint = st;
    a->opts.checkpoint = st;
    return AB_EXIT_OK;
}

void cli_accuracy_close(cli_accuracy *a)
{
    if (a->checkpoint) {
        ab_safetensors_free(a->checkpoint);
        free(a->checkpoint);
    }
    a->checkpoint = NULL;
    a->opts.checkpoint = NULL;
}
