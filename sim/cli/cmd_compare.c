/* cmd_compare.c - `anybit compare`: one workload (or several phases of a
 * model) on several accelerators, side by side, with speedup and energy
 * ratios against the first accelerator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "atomic_file.h"
#include "cli.h"
#include "results/report.h"
#include "workload/trace.h"

#define MAX_CONFIGS 16
#define MAX_PHASES 8

static void usage(FILE *out)
{
    fprintf(out,
            "usage: anybit compare --configs C1,C2,... (--trace T | --model M [--recipe R]\n"
            "                      --phase P1[,P2...] [--batch B] | --topology T [--recipe R])\n"
            "                      [--mode fast|cycle]\n"
            "                      [--json FILE] [--csv FILE]\n\n"
            "Each accelerator runs the workload with its own recipe (the config's `recipe`)\n"
            "unless --recipe is given; ratios are against the first config of each phase:\n"
            "speedup = its time / this time, energy = this energy / its energy.\n");
}

typedef struct row {
    const char *phase;
    ab_accel *accel;
    char label[1024];
    ab_run_stats rs;
    size_t nconf; /* rows per phase: the first of each phase is the baseline */
    const char *recipe; /* what the row ran */
} row;

static size_t split(char *s, const char **out, size_t cap)
{
    size_t n = 0;
    for (char *tok = strtok(s, ","); tok && n < cap; tok = strtok(NULL, ","))
        out[n++] = tok;
    return n;
}

static int write_json(const char *path, const row *rows, size_t n, ab_error *err)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const ab_run_stats *r = &rows[i].rs;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "accel", rows[i].accel->name);
        cJSON_AddStringToObject(o, "phase", rows[i].phase ? rows[i].phase : "");
        cJSON_AddStringToObject(o, "recipe", rows[i].recipe);
        cJSON_AddStringToObject(o, "workload", rows[i].label);
        cJSON_AddNumberToObject(o, "cycles", (double)r->cycles);
        cJSON_AddNumberToObject(o, "seconds", r->seconds);
        cJSON_AddNumberToObject(o, "energy_pj", r->energy.total_pj);
        cJSON_AddNumberToObject(o, "area_mm2", r->area_mm2);
        cJSON_AddNumberToObject(o, "tokens_per_s", r->tokens_per_s);
        cJSON_AddNumberToObject(o, "edp_pj_s", r->edp_pj_s);
        cJSON_AddNumberToObject(o, "utilization", r->utilization);
        cJSON_AddNumberToObject(o, "stall_cycles", (double)r->stall_cycles);
        cJSON_AddNumberToObject(o, "dram_bytes",
                                (double)(r->ev.dram_read_bytes + r->ev.dram_write_bytes));
        cJSON_AddNumberToObject(o, "speedup", r->seconds > 0 ? rows[i - i % rows[0].nconf].rs.seconds / r->seconds : 0);
        cJSON_AddItemToArray(arr, o);
    }
    return ab_write_json(path, arr, err);
}

static int write_csv(const char *path, const row *rows, size_t n, ab_error *err)
{
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    fprintf(af.fp, "accel,phase,recipe,cycles,seconds,energy_pj,area_mm2,tokens_per_s,edp_pj_s,"
                   "utilization,stall_cycles,dram_bytes\n");
    for (size_t i = 0; i < n; i++) {
        const ab_run_stats *r = &rows[i].rs;
        ab_csv_field(af.fp, rows[i].accel->name);
        fputc(',', af.fp);
        ab_csv_field(af.fp, rows[i].phase ? rows[i].phase : "");
        fputc(',', af.fp);
        ab_csv_field(af.fp, rows[i].recipe);
        fprintf(af.fp, ",%llu,%.9g,%.9g,%.6g,%.6g,%.6g,%.6f,%llu,%llu\n",
                (unsigned long long)r->cycles, r->seconds, r->energy.total_pj, r->area_mm2,
                r->tokens_per_s, r->edp_pj_s, r->utilization, (unsigned long long)r->stall_cycles,
                (unsigned long long)(r->ev.dram_read_bytes + r->ev.dram_write_bytes));
    }
    return ab_atomic_commit(&af, err);
}

static void print_table(FILE *out, const row *rows, size_t n, size_t nconf,
                        const char *forced_recipe)
{
    char b1[32], b2[32];
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        const row *base = &rows[i - i % nconf];
        if (i % nconf == 0)
            fprintf(out, "\n%s\n%-10s %-16s %-10s %14s %11s %8s %11s %7s %8s %10s %6s %6s\n",
                   r->label, "config", "PE", "recipe", "cycles", "time", "speedup", "energy",
                   "energy", "area", "tokens/s", "util", "stall");
        char pe[32];
        snprintf(pe, sizeof pe, "%ux%u %s", r->accel->rows, r->accel->cols,
                 ab_pe_kind_name(r->accel->pe));
        const char *recipe = forced_recipe ? forced_recipe : r->accel->recipe;
        fprintf(out, "%-10.10s %-16s %-10.10s %14llu %11s %7.2fx %11s %6.2fx %5.2fmm2 %10.4g %5.1f%% "
               "%5.1f%%\n",
               r->accel->name, pe, recipe, (unsigned long long)r->rs.cycles,
               ab_fmt_si(b1, sizeof b1, r->rs.seconds, "s"),
               r->rs.seconds > 0 ? base->rs.seconds / r->rs.seconds : 0,
               ab_fmt_si(b2, sizeof b2, r->rs.energy.total_pj * 1e-12, "J"),
               base->rs.energy.total_pj > 0 ? r->rs.energy.total_pj / base->rs.energy.total_pj : 0,
               r->rs.area_mm2, r->rs.tokens_per_s, 100 * r->rs.utilization,
               r->rs.cycles ? 100.0 * (double)r->rs.stall_cycles / (double)r->rs.cycles : 0);
    }
}

int cmd_compare(int argc, char **argv)
{
    cli_workload w = {0};
    w.batch = 1;
    const char *configs = NULL, *json = NULL, *csv = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_once(argc, argv, &i, "--configs", &configs, &bad) ||
                   cli_opt_once(argc, argv, &i, "--json", &json, &bad) ||
                   cli_opt_once(argc, argv, &i, "--csv", &csv, &bad) ||
                   cli_workload_opt(argc, argv, &i, &w, &bad)) {
            continue;
        } else {
            return cli_usage_error("compare", "unexpected argument '%s' (anybit compare --help)",
                                   argv[i]);
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!configs)
        return cli_usage_error("compare", "--configs C1,C2,... is required");
    FILE *table;
    const int tc = cli_table_stream("compare", json, csv, &table);
    if (tc)
        return tc;
    const int uc = cli_workload_check("compare", &w);
    if (uc)
        return uc;
    char cbuf[2048], pbuf[512];
    snprintf(cbuf, sizeof cbuf, "%s", configs);
    snprintf(pbuf, sizeof pbuf, "%s", w.phase ? w.phase : "");
    const char *cnames[MAX_CONFIGS], *phases[MAX_PHASES];
    const size_t nconf = split(cbuf, cnames, MAX_CONFIGS);
    const bool one_workload = w.trace || w.topology; /* no phases */
    size_t nphase = one_workload ? 1 : split(pbuf, phases, MAX_PHASES);
    if (one_workload)
        phases[0] = NULL;
    if (nconf == 0)
        return cli_usage_error("compare", "--configs: expected a comma-separated list");
    if (nphase == 0)
        return cli_usage_error("compare", "--phase: expected a comma-separated list");

    ab_error err;
    ab_accel *accels = calloc(nconf, sizeof *accels);
    row *rows = calloc(nconf * nphase, sizeof *rows);
    int rc = AB_EXIT_OK;
    size_t nrows = 0;
    if (!accels || !rows) {
        rc = cli_usage_error("compare", "out of memory");
        goto out;
    }
    for (size_t c = 0; c < nconf; c++)
        if (ab_accel_load(cnames[c], &accels[c], &err) != 0) {
            rc = cli_input_error("compare", &err);
            goto out;
        }
    for (size_t p = 0; p < nphase; p++)
        for (size_t c = 0; c < nconf; c++) {
            row *r = &rows[nrows];
            r->phase = phases[p];
            r->accel = &accels[c];
            r->nconf = nconf;
            r->recipe = w.recipe ? w.recipe : accels[c].recipe;
            ab_op_list ops;
            ab_trace trace;
            memset(&trace, 0, sizeof trace);
            double tokens = 0;
            const int frc = cli_workload_ops(&w, phases[p], &accels[c], &ops, &trace, &tokens,
                                             r->label, sizeof r->label, &err);
            const int src = frc == 0 ? ab_sim_ops(&accels[c], &ops, tokens, w.mode, &r->rs, &err)
                                     : -1;
            ab_op_list_free(&ops);
            if (w.trace)
                ab_trace_free(&trace);
            if (src != 0) {
                rc = cli_input_error("compare", &err);
                goto out;
            }
            nrows++;
            /* the table's heading names the workload without the recipe */
            if (!one_workload)
                snprintf(r->label, sizeof r->label, "%s %s%s", w.model, phases[p],
                         w.recipe ? "" : " (each config with its own recipe)");
        }
    if ((json && write_json(json, rows, nrows, &err) != 0) ||
        (csv && write_csv(csv, rows, nrows, &err) != 0)) {
        rc = cli_input_error("compare", &err);
        goto out;
    }
    print_table(table, rows, nrows, nconf, w.recipe);
out:
    for (size_t i = 0; rows && i < nrows; i++)
        ab_run_stats_free(&rows[i].rs);
    free(rows);
    free(accels);
    return rc;
}
