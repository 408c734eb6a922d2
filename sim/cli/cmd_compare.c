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
            "                      --phase P1[,P2...] [--batch B] [--allow-long-context]\n"
            "                      | --topology T [--recipe R])\n"
            "                      [--mode fast|cycle] [--iso-area [density|scale]]\n"
            "                      [--json FILE] [--csv FILE]\n"
            "                      [--accuracy-sample N] [--accuracy-seed S]\n"
            "                      [--accuracy-weights CKPT] [--no-accuracy]\n\n"
            "Each accelerator runs the workload with its own recipe (the config's `recipe`)\n"
            "unless --recipe is given; ratios are against the first config of each phase:\n"
            "speedup = its time / this time, energy ratio = this energy / its energy,\n"
            "area ratio = this area / its area.  Throughput is tokens/s, or images/s for an\n"
            "image workload (a CNN or ViT: one with a conv op).  Each row also carries the\n"
            "accuracy estimate of its recipe (anybit run --help: --accuracy-sample N rows per\n"
            "op, default 4; --no-accuracy skips it).\n\n"
            "  --iso-area, --iso-area density\n"
            "                 also throughput and energy per mm2 of each config's area\n"
            "  --iso-area scale\n"
            "                 and first scale each config's PE array (rows and cols by one\n"
            "                 factor, rounded down; SRAMs kept) to the largest that fits the\n"
            "                 first config's area (docs/simulator.md \"Iso-area\")\n"
            "  --json FILE, --csv FILE\n"
            "                 one object / line per (phase, config) with the ratios\n"
            "                 (FILE '-': that document alone on stdout, the table on stderr)\n");
}

typedef enum iso_area { ISO_AREA_OFF = 0, ISO_AREA_DENSITY, ISO_AREA_SCALE } iso_area;

typedef struct row {
    const char *phase;
    ab_accel *accel;
    uint32_t given_rows, given_cols; /* the array as configured (before --iso-area scale) */
    char label[1024];
    ab_run_stats rs;
    const char *recipe; /* what the row ran */
    ab_accuracy acc;    /* the recipe's accuracy estimate (off: acc.on false) */
} row;

/* What the table, the JSON and the CSV all print. */
typedef struct compare_out {
    const row *rows;
    size_t n, nconf; /* rows per phase: the first of each phase is the baseline */
    iso_area iso;
} compare_out;

/* A row against the baseline of its phase (the one definition of the
 * ratios: docs/cli.md "compare"). */
typedef struct row_ratios {
    double speedup, energy_ratio, area_ratio;
    double per_s_per_mm2, energy_pj_per_mm2;
} row_ratios;

static double ratio(double num, double den) { return den > 0 ? num / den : 0; }

static row_ratios ratios_of(const compare_out *c, size_t i)
{
    const ab_run_stats *r = &c->rows[i].rs, *b = &c->rows[i - i % c->nconf].rs;
    const row_ratios q = {ratio(b->seconds, r->seconds), ratio(r->energy.total_pj, b->energy.total_pj),
                          ratio(r->area_mm2, b->area_mm2), ratio(r->tokens_per_s, r->area_mm2),
                          ratio(r->energy.total_pj, r->area_mm2)};
    return q;
}

static size_t split(char *s, const char **out, size_t cap)
{
    size_t n = 0;
    for (char *tok = strtok(s, ","); tok && n < cap; tok = strtok(NULL, ","))
        out[n++] = tok;
    return n;
}

static bool scaled(const row *r)
{
    return r->accel->rows != r->given_rows || r->accel->cols != r->given_cols;
}

static int write_json(const char *path, const compare_out *c, ab_error *err)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < c->n; i++) {
        const row *w = &c->rows[i];
        const ab_run_stats *r = &w->rs;
        const row_ratios q = ratios_of(c, i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "accel", w->accel->name);
        cJSON_AddStringToObject(o, "phase", w->phase ? w->phase : "");
        cJSON_AddStringToObject(o, "recipe", w->recipe);
        cJSON_AddStringToObject(o, "workload", w->label);
        cJSON_AddStringToObject(o, "pe", ab_pe_kind_name(w->accel->pe));
        cJSON_AddStringToObject(o, "dataflow", ab_dataflow_name(w->accel->dataflow));
        cJSON_AddStringToObject(o, "dram", w->accel->dram.preset);
        cJSON_AddNumberToObject(o, "rows", w->accel->rows);
        cJSON_AddNumberToObject(o, "cols", w->accel->cols);
        if (c->iso == ISO_AREA_SCALE) {
            cJSON_AddNumberToObject(o, "given_rows", w->given_rows);
            cJSON_AddNumberToObject(o, "given_cols", w->given_cols);
        }
        cJSON_AddNumberToObject(o, "cycles", (double)r->cycles);
        cJSON_AddNumberToObject(o, "seconds", r->seconds);
        cJSON_AddNumberToObject(o, "energy_pj", r->energy.total_pj);
        cJSON_AddNumberToObject(o, "area_mm2", r->area_mm2);
        ab_report_json_throughput(o, r);
        cJSON_AddNumberToObject(o, "edp_pj_s", r->edp_pj_s);
        cJSON_AddNumberToObject(o, "utilization", r->utilization);
        cJSON_AddNumberToObject(o, "stall_cycles", (double)r->stall_cycles);
        cJSON_AddNumberToObject(o, "dram_bytes",
                                (double)(r->ev.dram_read_bytes + r->ev.dram_write_bytes));
        cJSON_AddNumberToObject(o, "speedup", q.speedup);
        cJSON_AddNumberToObject(o, "energy_ratio", q.energy_ratio);
        cJSON_AddNumberToObject(o, "area_ratio", q.area_ratio);
        if (c->iso != ISO_AREA_OFF) {
            char key[48];
            snprintf(key, sizeof key, "%s_per_s_per_mm2", ab_throughput_unit_name(r->unit));
            cJSON_AddNumberToObject(o, key, q.per_s_per_mm2);
            cJSON_AddNumberToObject(o, "energy_pj_per_mm2", q.energy_pj_per_mm2);
        }
        if (c->rows[i].acc.on)
            cJSON_AddItemToObject(o, "accuracy", ab_accuracy_json(&c->rows[i].acc));
        cJSON_AddItemToArray(arr, o);
    }
    return ab_write_json(path, arr, err);
}

static int write_csv(const char *path, const compare_out *c, ab_error *err)
{
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    FILE *f = af.fp;
    const char *unit = ab_throughput_unit_name(c->n ? c->rows[0].rs.unit : AB_THROUGHPUT_TOKENS);
    fprintf(f, "accel,phase,recipe,pe,dataflow,dram,rows,cols,cycles,seconds,energy_pj,area_mm2,"
               "%s_per_s,edp_pj_s,utilization,stall_cycles,dram_bytes,speedup,energy_ratio,"
               "area_ratio",
            unit);
    if (c->iso != ISO_AREA_OFF)
        fprintf(f, ",%s_per_s_per_mm2,energy_pj_per_mm2", unit);
    if (c->iso == ISO_AREA_SCALE)
        fputs(",given_rows,given_cols", f);
    ab_accuracy_csv_header(f);
    fputc('\n', f);
    for (size_t i = 0; i < c->n; i++) {
        const row *w = &c->rows[i];
        const ab_run_stats *r = &w->rs;
        const row_ratios q = ratios_of(c, i);
        const char *text[] = {w->accel->name, w->phase ? w->phase : "", w->recipe,
                              ab_pe_kind_name(w->accel->pe), ab_dataflow_name(w->accel->dataflow),
                              w->accel->dram.preset};
        for (size_t k = 0; k < sizeof text / sizeof text[0]; k++) {
            if (k)
                fputc(',', f);
            ab_csv_field(f, text[k]);
        }
        fprintf(f, ",%u,%u,%llu", w->accel->rows, w->accel->cols, (unsigned long long)r->cycles);
        const double reals[] = {r->seconds, r->energy.total_pj, r->area_mm2, r->tokens_per_s,
                                r->edp_pj_s, r->utilization};
        for (size_t k = 0; k < sizeof reals / sizeof reals[0]; k++) {
            fputc(',', f);
            ab_csv_number(f, reals[k]);
        }
        fprintf(f, ",%llu,%llu", (unsigned long long)r->stall_cycles,
                (unsigned long long)(r->ev.dram_read_bytes + r->ev.dram_write_bytes));
        const double rat[] = {q.speedup, q.energy_ratio, q.area_ratio, q.per_s_per_mm2,
                              q.energy_pj_per_mm2};
        const size_t nrat = c->iso != ISO_AREA_OFF ? 5 : 3;
        for (size_t k = 0; k < nrat; k++) {
            fputc(',', f);
            ab_csv_number(f, rat[k]);
        }
        if (c->iso == ISO_AREA_SCALE)
            fprintf(f, ",%u,%u", w->given_rows, w->given_cols);
        const ab_accuracy *a = &w->acc;
        ab_op_accuracy total;
        memset(&total, 0, sizeof total);
        total.weight_mse = a->weight_mse;
        total.weight_sqnr_db = a->weight_sqnr_db;
        total.output_nmse = a->output_nmse;
        total.output_sqnr_db = a->output_sqnr_db;
        ab_accuracy_csv_fields(f, a->on ? &total : NULL, a->source);
        fputc('\n', f);
    }
    return ab_atomic_commit(&af, err);
}

/* ---- the table: every cell as text, each column as wide as its widest
 * cell, so that no name is cut ------------------------------------------- */

#define TABLE_COLS 18 /* with --iso-area and accuracy; table_col refuses more */
#define CELL_MAX 640

typedef struct table_cells {
    size_t ncols;
    const char *head[TABLE_COLS];
    bool left[TABLE_COLS];
    char (*cell)[TABLE_COLS][CELL_MAX]; /* [nconf] */
} table_cells;

static void table_col(table_cells *t, const char *head, bool left)
{
    if (t->ncols == TABLE_COLS)
        abort(); /* a column added without raising TABLE_COLS */
    t->head[t->ncols] = head;
    t->left[t->ncols++] = left;
}

static void print_phase(FILE *out, const table_cells *t, size_t nrows)
{
    size_t width[TABLE_COLS];
    for (size_t k = 0; k < t->ncols; k++) {
        width[k] = strlen(t->head[k]);
        for (size_t r = 0; r < nrows; r++)
            if (strlen(t->cell[r][k]) > width[k])
                width[k] = strlen(t->cell[r][k]);
    }
    for (size_t r = 0; r <= nrows; r++) {
        for (size_t k = 0; k < t->ncols; k++) {
            const char *s = r == 0 ? t->head[k] : t->cell[r - 1][k];
            const int wd = k + 1 == t->ncols && t->left[k] ? 0 : (int)width[k];
            fprintf(out, "%s%*s", k ? "  " : "", t->left[k] ? -wd : wd, s);
        }
        fputc('\n', out);
    }
}

static void print_table(FILE *out, const compare_out *c, const char *forced_recipe)
{
    table_cells t = {0};
    t.cell = calloc(c->nconf ? c->nconf : 1, sizeof *t.cell);
    if (!t.cell)
        return;
    char per_s[32], per_s_mm2[48];
    const ab_throughput_unit unit = c->n ? c->rows[0].rs.unit : AB_THROUGHPUT_TOKENS;
    snprintf(per_s, sizeof per_s, "%s/s", ab_throughput_unit_name(unit));
    snprintf(per_s_mm2, sizeof per_s_mm2, "%s/s/mm2", ab_throughput_unit_name(unit));
    table_col(&t, "config", true);
    table_col(&t, "PE", true);
    table_col(&t, "recipe", true);
    table_col(&t, "cycles", false);
    table_col(&t, "time", false);
    table_col(&t, "speedup", false);
    table_col(&t, "energy", false);
    table_col(&t, "energy ratio", false);
    table_col(&t, "area", false);
    table_col(&t, "area ratio", false);
    table_col(&t, per_s, false);
    if (c->iso != ISO_AREA_OFF) {
        table_col(&t, per_s_mm2, false);
        table_col(&t, "energy/mm2", false);
    }
    table_col(&t, "util", false);
    table_col(&t, "stall", false);
    const bool acc = c->n && c->rows[0].acc.on;
    if (acc) {
        table_col(&t, "W dB", false);
        table_col(&t, "out dB", false);
        table_col(&t, "error", false);
    }
    for (size_t first = 0; first < c->n; first += c->nconf) {
        const size_t nrows = c->n - first < c->nconf ? c->n - first : c->nconf;
        for (size_t j = 0; j < nrows; j++) {
            const row *r = &c->rows[first + j];
            const row_ratios q = ratios_of(c, first + j);
            char(*cell)[CELL_MAX] = t.cell[j];
            size_t k = 0;
            snprintf(cell[k++], CELL_MAX, "%s", r->accel->name);
            char given[48] = "";
            if (scaled(r))
                snprintf(given, sizeof given, " (was %ux%u)", r->given_rows, r->given_cols);
            snprintf(cell[k++], CELL_MAX, "%ux%u%s %s %s, DRAM %s", r->accel->rows,
                     r->accel->cols, given, ab_pe_kind_name(r->accel->pe),
                     ab_dataflow_name(r->accel->dataflow), r->accel->dram.preset);
            snprintf(cell[k++], CELL_MAX, "%s", forced_recipe ? forced_recipe : r->accel->recipe);
            snprintf(cell[k++], CELL_MAX, "%llu", (unsigned long long)r->rs.cycles);
            ab_fmt_si(cell[k++], CELL_MAX, r->rs.seconds, "s");
            snprintf(cell[k++], CELL_MAX, "%.2fx", q.speedup);
            ab_fmt_si(cell[k++], CELL_MAX, r->rs.energy.total_pj * 1e-12, "J");
            snprintf(cell[k++], CELL_MAX, "%.2fx", q.energy_ratio);
            snprintf(cell[k++], CELL_MAX, "%.2f mm2", r->rs.area_mm2);
            snprintf(cell[k++], CELL_MAX, "%.2fx", q.area_ratio);
            snprintf(cell[k++], CELL_MAX, "%.4g", r->rs.tokens_per_s);
            if (c->iso != ISO_AREA_OFF) {
                snprintf(cell[k++], CELL_MAX, "%.4g", q.per_s_per_mm2);
                ab_fmt_si(cell[k++], CELL_MAX, q.energy_pj_per_mm2 * 1e-12, "J/mm2");
            }
            snprintf(cell[k++], CELL_MAX, "%.1f%%", 100 * r->rs.utilization);
            snprintf(cell[k++], CELL_MAX, "%.1f%%",
                     r->rs.cycles ? 100.0 * (double)r->rs.stall_cycles / (double)r->rs.cycles : 0);
            if (acc) {
                snprintf(cell[k++], CELL_MAX, "%.2f", r->acc.weight_sqnr_db);
                snprintf(cell[k++], CELL_MAX, "%.2f", r->acc.output_sqnr_db);
                snprintf(cell[k++], CELL_MAX, "%.3e", r->acc.output_nmse);
            }
        }
        fprintf(out, "\n%s\n", c->rows[first].label);
        print_phase(out, &t, nrows);
    }
    free(t.cell);
    if (acc)
        fprintf(out, "\naccuracy: %s operands, %u weight rows x %u tokens per op, seed %llu; "
                     "error = MAC-weighted output NMSE (docs/quantization.md)\n",
                c->rows[0].acc.source, c->rows[0].acc.opts.sample_rows, AB_ACCURACY_TOKENS,
                (unsigned long long)c->rows[0].acc.opts.seed);
}

/* --iso-area=V, --iso-area V, or --iso-area alone (next to an option or
 * last): --iso-area=density. */
static bool iso_area_opt(int argc, char **argv, int *i, const char **value, bool *bad)
{
    if (strcmp(argv[*i], "--iso-area") == 0 && (*i + 1 >= argc || argv[*i + 1][0] == '-')) {
        char *bare[] = {"--iso-area=density"};
        int k = 0;
        return cli_opt_once(1, bare, &k, "--iso-area", value, bad);
    }
    return cli_opt_once(argc, argv, i, "--iso-area", value, bad);
}

int cmd_compare(int argc, char **argv)
{
    cli_workload w = {0};
    w.batch = 1;
    const char *configs = NULL, *json = NULL, *csv = NULL, *iso_opt = NULL;
    bool bad = false;
    cli_accuracy acc_opts;
    cli_accuracy_init(&acc_opts);
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_once(argc, argv, &i, "--configs", &configs, &bad) ||
                   cli_opt_once(argc, argv, &i, "--json", &json, &bad) ||
                   cli_opt_once(argc, argv, &i, "--csv", &csv, &bad) ||
                   iso_area_opt(argc, argv, &i, &iso_opt, &bad) ||
                   cli_workload_opt(argc, argv, &i, &w, &bad) ||
                   cli_accuracy_opt(argc, argv, &i, &acc_opts, &bad)) {
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
    iso_area iso = ISO_AREA_OFF;
    if (iso_opt && strcmp(iso_opt, "density") == 0)
        iso = ISO_AREA_DENSITY;
    else if (iso_opt && strcmp(iso_opt, "scale") == 0)
        iso = ISO_AREA_SCALE;
    else if (iso_opt)
        return cli_usage_error("compare", "--iso-area: expected density or scale, found '%s'",
                               iso_opt);
    FILE *table;
    const int tc = cli_table_stream("compare", json, csv, &table);
    if (tc)
        return tc;
    const int uc = cli_workload_check("compare", &w);
    if (uc)
        return uc;
    const int ac = cli_accuracy_check("compare", &acc_opts);
    if (ac)
        return ac;
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
    /* the presets run the same shapes: one set of synthetic operands */
    ab_accuracy_cache *acc_cache = ab_accuracy_cache_new();
    int rc = AB_EXIT_OK;
    size_t nrows = 0;
    if (!accels || !rows || !acc_cache) {
        rc = cli_usage_error("compare", "out of memory");
        goto out;
    }
    for (size_t c = 0; c < nconf; c++)
        if (ab_accel_load(cnames[c], &accels[c], &err) != 0) {
            rc = cli_input_error("compare", &err);
            goto out;
        }
    uint32_t given_rows[MAX_CONFIGS], given_cols[MAX_CONFIGS];
    for (size_t c = 0; c < nconf; c++) {
        given_rows[c] = accels[c].rows;
        given_cols[c] = accels[c].cols;
        if (iso == ISO_AREA_SCALE && c > 0 &&
            ab_accel_scale_to_area(&accels[c], ab_accel_area_mm2(&accels[0]), &accels[c],
                                   &err) != 0) {
            rc = cli_usage_error("compare", "--iso-area scale: %s", err.msg);
            goto out;
        }
    }
    if ((rc = cli_accuracy_open("compare", &acc_opts)) != AB_EXIT_OK)
        goto out;
    cli_progress prog;
    cli_progress_start(&prog, stderr, nconf * nphase);
    const ab_sim_progress hook = cli_progress_hook(&prog);
    for (size_t p = 0; p < nphase; p++)
        for (size_t c = 0; c < nconf; c++) {
            row *r = &rows[nrows];
            char what[160];
            snprintf(what, sizeof what, "compare %zu/%zu: %s %s", nrows + 1, nconf * nphase,
                     accels[c].name, phases[p]);
            cli_progress_next(&prog, nrows, what);
            r->phase = phases[p];
            r->accel = &accels[c];
            r->given_rows = given_rows[c];
            r->given_cols = given_cols[c];
            r->recipe = w.recipe ? w.recipe : accels[c].recipe;
            ab_op_list ops;
            ab_trace trace;
            memset(&trace, 0, sizeof trace);
            double tokens = 0;
            const int frc = cli_workload_ops(&w, phases[p], &accels[c], &ops, &trace, &tokens,
                                             r->label, sizeof r->label, &err);
            int src = frc == 0 ? ab_sim_ops_progress(&accels[c], &ops, tokens, w.mode, &hook,
                                                     &r->rs, &err)
                               : -1;
            if (src == 0)
                src = ab_accuracy_estimate(&ops, w.trace ? &trace : NULL, &acc_opts.opts,
                                           acc_cache, &r->acc, &err);
            ab_op_list_free(&ops);
            if (w.trace)
                ab_trace_free(&trace);
            if (src != 0) {
                cli_progress_end(&prog);
                rc = cli_input_error("compare", &err);
                goto out;
            }
            nrows++;
            /* the table's heading names the workload without the recipe */
            if (!one_workload)
                snprintf(r->label, sizeof r->label, "%s %s%s", w.model, phases[p],
                         w.recipe ? "" : " (each config with its own recipe)");
        }
    cli_progress_end(&prog);
    const compare_out co = {rows, nrows, nconf, iso};
    if ((json && write_json(json, &co, &err) != 0) || (csv && write_csv(csv, &co, &err) != 0)) {
        rc = cli_input_error("compare", &err);
        goto out;
    }
    print_table(table, &co, w.recipe);
out:
    for (size_t i = 0; rows && i < nrows; i++) {
        ab_run_stats_free(&rows[i].rs);
        ab_accuracy_free(&rows[i].acc);
    }
    free(rows);
    free(accels);
    ab_accuracy_cache_free(acc_cache);
    cli_accuracy_close(&acc_opts);
    return rc;
}
