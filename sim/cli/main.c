/* main.c - the anybit binary: dispatch to subcommands, --help, --version. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "simd.h"

#ifndef ANYBIT_VERSION
#define ANYBIT_VERSION "0.0.0"
#endif

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"formats", cmd_formats, "list number formats, or print one format's value grid"},
    {"quant", cmd_quant, "quantize a tensor (.npy / .safetensors) and report its error"},
    {"trace", cmd_trace, "generate, inspect and verify quantized-layer traces"},
    {"run", cmd_run, "replay a workload on an accelerator: latency, energy, area"},
    {"compare", cmd_compare, "one workload on several accelerators, side by side"},
    {"cosim", cmd_cosim, "a Verilated RTL PE in lock-step with its C model (trace or random)"},
    {"fpga", cmd_fpga, "the iCEBreaker board: run and check tiles on it, or on its Verilated twin"},
    {"synth", cmd_synth, "Yosys cell and transistor counts of the RTL PEs (rtl/)"},
    {"sweep", cmd_sweep, "run (or resume) a design-space sweep: one row per point"},
    {"merge", cmd_merge, "merge the shard directories of a sweep"},
    {"pareto", cmd_pareto, "the Pareto front of a sweep directory's results"},
    {"plot", cmd_plot, "a sweep's Pareto, energy, speedup and roofline plots (SVG, PNG)"},
    {"report", cmd_report, "a sweep as one self-contained HTML page"},
    {"demo", cmd_demo, "formats and quantizers on seeded weights (error tables)"},
    {"lab", cmd_lab, "the course labs: list, start one, grade its answers, summarize a class"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "anybit %s - cycle-level simulator and RTL co-design kit for quantized-inference\n"
            "accelerators.\n\n"
            "usage: anybit <command> [options]   (anybit <command> --help for its options)\n\n"
            "commands:\n",
            ANYBIT_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit status: 0 success, 1 a check failed, 2 bad input or usage\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return AB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "help") == 0 && argc > 2) { /* anybit help CMD = anybit CMD --help */
        if (argc > 3) {
            fprintf(stderr, "anybit help: one command at a time (got '%s' and '%s')\n", argv[2],
                    argv[3]);
            return AB_EXIT_USAGE;
        }
        char help_flag[] = "--help";
        char *sub[] = {argv[2], help_flag, NULL};
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[2], commands[i].name) == 0)
                return commands[i].run(2, sub);
        fprintf(stderr, "anybit help: unknown command '%s' (anybit --help lists the commands)\n",
                argv[2]);
        return AB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return AB_EXIT_OK;
    }
    /* a bad ANYBIT_SIMD is refused once, here, before any command runs
     * (the kernels themselves never fail on it: simd.h) */
    ab_simd_path simd;
    ab_error err = {{0}};
    if (ab_simd_from_env(&simd, &err) != 0) {
        fprintf(stderr, "anybit: %s\n", err.msg);
        return AB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        char root[4096];
        ab_data_root(root, sizeof root);
        printf("anybit %s\npresets: %s\nsimd: %s (best on this CPU: %s; %s forces one)\n",
               ANYBIT_VERSION, root, ab_simd_name(simd), ab_simd_name(ab_simd_best()),
               AB_SIMD_ENV);
        return AB_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "anybit: unknown command '%s' (anybit --help lists the commands)\n", argv[1]);
    return AB_EXIT_USAGE;
}
