/* cmd_sweep.c - `anybit sweep` (run or resume a design-space sweep) and
 * `anybit merge` (put shard directories together): docs/sweeps.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "sweep/sweep.h"
#include "tensor_io.h"

static void usage_sweep(FILE *out)
{
    fprintf(out,
            "usage: anybit sweep SPACE.yaml -o DIR [-j N] [--shard I/N] [--quiet]\n\n"
            "Runs every point of the space (docs/sweeps.md) into DIR: one file per finished\n"
            "point under DIR/points/, then DIR/results.csv and DIR/results.json. Rerun with the\n"
            "same arguments to resume a killed sweep; a finished one does nothing.\n"
            "Each point carries its recipe's accuracy estimate (the space's accuracy:\n"
            "{sample: N, seed: S, enabled: BOOL}; columns weight_sqnr_db ... output_nmse,\n"
            "alias error: anybit pareto DIR --x energy --y error).\n"
            "  -j N         worker threads (default: the number of online CPUs)\n"
            "  --shard I/N  run only points p with p %% N == I (0 <= I < N); anybit merge puts\n"
            "               the shard directories together\n"
            "  --quiet      no progress (progress is a bar on a terminal, lines otherwise)\n");
}

static void usage_merge(FILE *out)
{
    fprintf(out, "usage: anybit merge -o OUT DIR1 [DIR2 ...]\n\n"
                 "Copies the finished points of sweep directories of one space (e.g. the shards\n"
                 "of anybit sweep --shard) into OUT and writes OUT/results.csv and .json.\n"
                 "Exit status 1 when points are missing from all of them.\n");
}

/* Counts of points per (status, reason) in DIR/results.json, printed. */
static void print_reasons(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/results.json", dir);
    uint8_t *text;
    size_t len;
    ab_error e;
    if (ab_read_file(path, &text, &len, &e) != 0)
        return;
    cJSON *rows = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    if (!rows)
        return;
    cJSON *counts = cJSON_CreateObject();
    size_t ok = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(row, "status");
        const cJSON *re = cJSON_GetObjectItemCaseSensitive(row, "reason");
        if (!cJSON_IsString(st) || !cJSON_IsString(re))
            continue;
        if (strcmp(st->valuestring, "ok") == 0) {
            ok++;
            continue;
        }
        char key[700];
        snprintf(key, sizeof key, "%s: %s", st->valuestring, re->valuestring);
        cJSON *c = cJSON_GetObjectItemCaseSensitive(counts, key);
        if (c)
            cJSON_SetNumberValue(c, c->valuedouble + 1);
        else
            cJSON_AddNumberToObject(counts, key, 1);
    }
    printf("  ok: %zu\n", ok);
    const cJSON *c;
    cJSON_ArrayForEach(c, counts) printf("  %s: %.0f\n", c->string, c->valuedouble);
    cJSON_Delete(counts);
    cJSON_Delete(rows);
}

int cmd_sweep(int argc, char **argv)
{
    const char *space = NULL, *dir = NULL, *shard = NULL, *jobs_s = NULL;
    bool bad = false, quiet = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_sweep(stdout);
            return AB_EXIT_OK;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = true;
        } else if (cli_opt_value(argc, argv, &i, "-o", &dir, &bad) ||
                   cli_opt_value(argc, argv, &i, "--output", &dir, &bad) ||
                   cli_opt_value(argc, argv, &i, "-j", &jobs_s, &bad) ||
                   cli_opt_value(argc, argv, &i, "--shard", &shard, &bad)) {
            continue;
        } else if (argv[i][0] == '-' || space) {
            return cli_usage_error("sweep", "unexpected argument '%s' (anybit sweep --help)",
                                   argv[i]);
        } else {
            space = argv[i];
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!space || !dir)
        return cli_usage_error("sweep", "SPACE.yaml and -o DIR are required (anybit sweep --help)");
    ab_sweep_opts o = {0};
    o.dir = dir;
    o.shard_n = 1;
    if (!cli_parse_jobs(jobs_s, &o.jobs))
        return cli_usage_error("sweep", "-j: expected 1..256, got '%s'", jobs_s);
    if (shard) {
        unsigned si, sn;
        char tail;
        if (sscanf(shard, "%u/%u%c", &si, &sn, &tail) != 2 || sn == 0 || si >= sn)
            return cli_usage_error("sweep", "--shard: expected I/N with 0 <= I < N, got '%s'",
                                   shard);
        o.shard_i = si;
        o.shard_n = sn;
    }
    if (!quiet) {
        o.progress = stderr;
        o.progress_tty = isatty(fileno(stderr));
    }
    ab_error err;
    ab_sweep_spec s;
    if (ab_sweep_load(space, &s, &err) != 0)
        return cli_input_error("sweep", &err);
    ab_sweep_summary sum;
    const int rc = ab_sweep_run(&s, &o, &sum, &err);
    if (rc != 0) {
        ab_sweep_free(&s);
        return cli_input_error("sweep", &err);
    }
    if (sum.nothing_to_do)
        printf("sweep %s: all %zu points of shard %u/%u are done in %s (nothing to do)\n", s.name,
               sum.points, o.shard_i, o.shard_n, dir);
    else {
        printf("sweep %s: %zu points", s.name, sum.points);
        if (o.shard_n > 1)
            printf(" (shard %u/%u of %zu)", o.shard_i, o.shard_n, s.npoints);
        printf(", %zu done before, %zu run now -> %s/results.csv\n", sum.done_before, sum.ran,
               dir);
        print_reasons(dir);
    }
    ab_sweep_free(&s);
    return AB_EXIT_OK;
}

int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    const char *dirs[4096];
    size_t ndirs = 0;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_merge(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_value(argc, argv, &i, "-o", &out, &bad) ||
                   cli_opt_value(argc, argv, &i, "--output", &out, &bad)) {
            continue;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("merge", "unexpected argument '%s' (anybit merge --help)",
                                   argv[i]);
        } else if (ndirs < sizeof dirs / sizeof dirs[0]) {
            dirs[ndirs++] = argv[i];
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!out || ndirs == 0)
        return cli_usage_error("merge", "-o OUT and at least one sweep directory are required");
    ab_error err;
    size_t missing = 0, total = 0;
    if (ab_sweep_merge(out, dirs, ndirs, &missing, &total, &err) != 0)
        return cli_input_error("merge", &err);
    printf("merge: %zu of %zu points from %zu directories -> %s/results.csv\n", total - missing,
           total, ndirs, out);
    print_reasons(out);
    if (missing) {
        fprintf(stderr, "anybit merge: %zu points are missing (a shard has not finished?)\n",
                missing);
        return AB_EXIT_CHECK;
    }
    return AB_EXIT_OK;
}
