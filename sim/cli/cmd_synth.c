/* cmd_synth.c - `anybit synth`: Yosys cell and transistor counts of the PE
 * tops in rtl/ (rtl_synth.h), a table on stdout and a JSON file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "accel/rtl_synth.h"

static void usage(FILE *out)
{
    size_t n;
    const ab_synth_top *t = ab_synth_tops(&n);
    fprintf(out,
            "usage: anybit synth [--rtl DIR] [--top NAME ... | --all] [--array RxC] [--lanes L]\n"
            "                    [-o FILE.json] [--tech cmos] [--yosys PROG]\n\n"
            "  --rtl DIR      the Verilog directory (default: rtl/ of the data root:\n"
            "                 $ANYBIT_HOME, the install's share/anybit, or the source tree)\n"
            "  --top NAME     a top to synthesize (repeatable; default: every top whose\n"
            "                 file is in DIR):");
    for (size_t i = 0; i < n; i++)
        fprintf(out, " %s", t[i].top);
    fprintf(out,
            "\n"
            "                 (pe_btc only on request: minutes of Yosys)\n"
            "  --all          every top whose file is in DIR, pe_btc included\n"
            "  --array RxC    the size of array_bitmod (default %ux%u; its buffers: 16 steps,\n"
            "                 4 groups, as flip-flops)\n"
            "  --lanes L      LANES of pe_bitmod and array_bitmod: 1, 2, 4, 8 or 16 (default 4)\n"
            "  -o FILE        write the counts as JSON (docs/rtl.md \"Synthesis\")\n"
            "  --tech cmos    transistor count model (Yosys stat -tech; only cmos)\n"
            "  --yosys PROG   the Yosys binary (default: yosys on PATH)\n\n"
            "Runs Yosys once per top (concurrently): synth -flatten, stat; then\n"
            "dfflegalize + abc -g cmos2 + stat -tech cmos for a transistor count, and an\n"
            "area estimate of %g um^2 per transistor (an assumed 28 nm figure).\n",
            AB_SYNTH_ARRAY_ROWS, AB_SYNTH_ARRAY_COLS, AB_SYNTH_UM2_PER_TRANSISTOR_28NM);
}

static void print_table(const ab_synth_result *res, size_t n)
{
    printf("%-12s %-11s %5s %7s %6s %11s %10s %6s\n", "top", "kind", "lanes", "cells", "FFs",
           "transistors", "area um2", "time s");
    for (size_t i = 0; i < n; i++) {
        const ab_synth_result *r = &res[i];
        char kind[32];
        if (r->top->array)
            snprintf(kind, sizeof kind, "%s %ux%u", ab_pe_kind_name(r->top->kind), r->rows,
                     r->cols);
        else
            snprintf(kind, sizeof kind, "%s", ab_pe_kind_name(r->top->kind));
        char lanes[16] = "-";
        if (r->lanes)
            snprintf(lanes, sizeof lanes, "%u", r->lanes);
        printf("%-12s %-11s %5s %7llu %6llu %11llu %10.1f %6.1f\n", r->top->top, kind, lanes,
               (unsigned long long)r->cells,
               (unsigned long long)r->flip_flops, (unsigned long long)r->transistors,
               r->area_um2, r->seconds);
    }
    printf("(area: transistors x %g um^2, an assumed 28 nm figure, no place-and-route "
           "factor; docs/rtl.md \"Synthesis\")\n",
           AB_SYNTH_UM2_PER_TRANSISTOR_28NM);
}

int cmd_synth(int argc, char **argv)
{
    size_t ntab;
    const ab_synth_top *tab = ab_synth_tops(&ntab);
    const ab_synth_top **tops = calloc(ntab, sizeof *tops);
    if (!tops)
        return cli_usage_error("synth", "out of memory");
    size_t ntops = 0;
    const char *rtl = NULL, *out = NULL, *tech = "cmos", *yosys = "yosys", *top = NULL,
               *array = NULL, *lanes_s = NULL;
    bool bad = false, all = false;
    int rc = AB_EXIT_USAGE;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            free(tops);
            return AB_EXIT_OK;
        } else if (strcmp(argv[i], "--all") == 0) {
            all = true;
        } else if (cli_opt_value(argc, argv, &i, "--top", &top, &bad)) {
            if (bad)
                break;
            const ab_synth_top *t = ab_synth_find(top);
            if (!t) {
                cli_usage_error("synth", "--top: unknown top '%s' (known: pe_bitmod, mac_fp16, "
                                "mac_int8, pe_btc, array_bitmod)", top);
                goto done;
            }
            bool dup = false;
            for (size_t k = 0; k < ntops; k++)
                dup = dup || tops[k] == t;
            if (!dup)
                tops[ntops++] = t;
        } else if (cli_opt_value(argc, argv, &i, "--rtl", &rtl, &bad) ||
                   cli_opt_value(argc, argv, &i, "-o", &out, &bad) ||
                   cli_opt_value(argc, argv, &i, "--output", &out, &bad) ||
                   cli_opt_value(argc, argv, &i, "--tech", &tech, &bad) ||
                   cli_opt_value(argc, argv, &i, "--yosys", &yosys, &bad) ||
                   cli_opt_value(argc, argv, &i, "--array", &array, &bad) ||
                   cli_opt_value(argc, argv, &i, "--lanes", &lanes_s, &bad)) {
            continue;
        } else {
            cli_usage_error("synth", "unexpected argument '%s' (anybit synth --help)", argv[i]);
            goto done;
        }
    }
    if (bad)
        goto done;
    if (all && ntops > 0) {
        cli_usage_error("synth", "--all and --top exclude each other");
        goto done;
    }
    if (strcmp(tech, "cmos") != 0) {
        cli_usage_error("synth", "--tech: expected cmos, found '%s'", tech);
        goto done;
    }
    unsigned rows = 0, cols = 0;
    if (array) {
        char tail;
        if (sscanf(array, "%ux%u%c", &rows, &cols, &tail) != 2 || rows < 1 || cols < 1 ||
            rows > 64 || cols > 64) {
            cli_usage_error("synth", "--array: expected RxC with 1..64 rows and columns "
                            "(e.g. 4x4), found '%s'", array);
            goto done;
        }
    }
    size_t lanes = 0;
    if (lanes_s && (!cli_parse_size(lanes_s, 1, 16, &lanes) || (lanes & (lanes - 1)) != 0)) {
        cli_usage_error("synth", "--lanes: expected 1, 2, 4, 8 or 16, found '%s'", lanes_s);
        goto done;
    }
    char rtl_buf[4096];
    if (!rtl) {
        char root[4000];
        ab_data_root(root, sizeof root);
        snprintf(rtl_buf, sizeof rtl_buf, "%s/rtl", root);
        rtl = rtl_buf;
    }
    for (size_t k = 0; k < ntops; k++)
        if (!ab_synth_top_present(rtl, tops[k])) {
            cli_usage_error("synth", "--top %s: %s/%s does not exist", tops[k]->top, rtl,
                            tops[k]->file);
            goto done;
        }
    if (ntops == 0)
        for (size_t k = 0; k < ntab; k++)
            if ((tab[k].by_default || all) && ab_synth_top_present(rtl, &tab[k]))
                tops[ntops++] = &tab[k];
    if (ntops == 0) {
        cli_usage_error("synth", "%s: no top's file found (expected pe_bitmod.v, mac_fp16.v, "
                        "mac_int8.v, pe_btc.v or array_bitmod.v)", rtl);
        goto done;
    }
    ab_synth_result *res = calloc(ntops, sizeof *res);
    if (!res) {
        cli_usage_error("synth", "out of memory");
        goto done;
    }
    ab_error err;
    char version[128];
    const ab_synth_opts o = {rtl, yosys, rows, cols, (unsigned)lanes};
    if (ab_synth_run(&o, tops, ntops, res, version, sizeof version, &err) != 0 ||
        (out && ab_synth_write_json(out, version, res, ntops, &err) != 0)) {
        rc = cli_input_error("synth", &err);
    } else {
        print_table(res, ntops);
        rc = AB_EXIT_OK;
    }
    free(res);
done:
    free(tops);
    return rc;
}
