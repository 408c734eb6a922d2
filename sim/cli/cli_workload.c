/* cli_workload.c - what `run` and `compare` simulate: the options that
 * name a workload (--trace T | --model M [--recipe R] --phase P [--batch B]
 * | --topology T [--recipe R]) and --mode, and turning them into an op
 * list on one accelerator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "workload/topology.h"
#include "workload/trace.h"

bool cli_workload_opt(int argc, char **argv, int *i, cli_workload *w, bool *bad)
{
    if (cli_opt_once(argc, argv, i, "--trace", &w->trace, bad) ||
        cli_opt_once(argc, argv, i, "--model", &w->model, bad) ||
        cli_opt_once(argc, argv, i, "--topology", &w->topology, bad) ||
        cli_opt_once(argc, argv, i, "--recipe", &w->recipe, bad) ||
        cli_opt_once(argc, argv, i, "--phase", &w->phase, bad))
        return true;
    if (strcmp(argv[*i], "--allow-long-context") == 0) {
        if (w->allow_long_context) {
            fprintf(stderr, "anybit: --allow-long-context given twice\n");
            *bad = true;
        }
        w->allow_long_context = true;
        return true;
    }
    if (cli_opt_once(argc, argv, i, "--batch", &w->batch_opt, bad)) {
        const char *v = w->batch_opt;
        if (*bad)
            return true;
        size_t b;
        if (!*bad && !cli_parse_size(v, 1, UINT32_MAX, &b)) {
            fprintf(stderr, "anybit: --batch must be a positive integer, got '%s'\n", v);
            *bad = true;
        }
        w->batch = *bad ? 1 : (uint32_t)b;
        return true;
    }
    if (cli_opt_once(argc, argv, i, "--mode", &w->mode_opt, bad)) {
        const char *v = w->mode_opt;
        if (*bad)
            return true;
        if (strcmp(v, "fast") == 0)
            w->mode = AB_MODE_FAST;
        else if (strcmp(v, "cycle") == 0)
            w->mode = AB_MODE_CYCLE;
        else {
            fprintf(stderr, "anybit: --mode: expected fast or cycle, got '%s'\n", v);
            *bad = true;
        }
        return true;
    }
    return false;
}

int cli_workload_check(const char *cmd, const cli_workload *w)
{
    if (w->topology && (w->trace || w->model))
        return cli_usage_error(cmd, "give one workload: --topology, --trace or --model, not "
                                    "several");
    if (w->topology && (w->phase || w->batch_opt))
        return cli_usage_error(cmd, "--topology takes no --phase or --batch (a SCALE-Sim "
                                    "topology is one pass over its layers)");
    if (w->trace && (w->model || w->recipe || w->phase))
        return cli_usage_error(cmd, "give either --trace or --model/--recipe/--phase, not both");
    if (!w->trace && !w->model && !w->topology)
        return cli_usage_error(cmd, "a workload is needed: --trace FILE, --model M --phase P "
                                    "or --topology T.csv");
    if ((w->trace || w->topology) && w->allow_long_context)
        return cli_usage_error(cmd, "--allow-long-context applies to --model, not --%s",
                               w->trace ? "trace" : "topology");
    if (w->model && !w->phase)
        return cli_usage_error(cmd, "--model needs --phase prefill:L or decode:C");
    return 0;
}

int cli_workload_ops(const cli_workload *w, const char *phase, const ab_accel *a,
                     ab_op_list *ops, ab_trace *trace, double *tokens, char *label, size_t cap,
                     ab_error *err)
{
    memset(ops, 0, sizeof *ops);
    if (w->trace) {
        if (ab_trace_read(w->trace, trace, err) != 0)
            return -1;
        for (size_t i = 0; i < trace->nops; i++)
            if (ab_op_list_push(ops, &trace->ops[i].op, err) != 0)
                return -1;
        *tokens = ab_throughput_items(ops, trace->phase, trace->batch ? trace->batch : 1);
        snprintf(label, cap, "%s (%s %s, recipe %s)", w->trace, trace->model, trace->phase,
                 trace->recipe);
        return 0;
    }
    const char *recipe = w->recipe ? w->recipe : a->recipe;
    if (w->topology) {
        if (ab_topology_read(w->topology, recipe, ops, err) != 0)
            return -1;
        *tokens = 1; /* one pass over the layers: one input */
        snprintf(label, cap, "%s (SCALE-Sim topology, recipe %s)", w->topology, recipe);
        return 0;
    }
    const uint32_t batch = w->batch ? w->batch : 1;
    const ab_expand_opts eo = {.batch = batch, .allow_long_context = w->allow_long_context};
    if (ab_workload_expand_with(w->model, recipe, phase, &eo, ops, err) != 0)
        return -1;
    *tokens = ab_throughput_items(ops, phase, batch);
    if (batch > 1)
        snprintf(label, cap, "%s %s batch %u (recipe %s)", w->model, phase, batch, recipe);
    else
        snprintf(label, cap, "%s %s (recipe %s)", w->model, phase, recipe);
    return 0;
}
