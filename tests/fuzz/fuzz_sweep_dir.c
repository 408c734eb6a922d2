/* fuzz_sweep_dir.c - libFuzzer target for the readers of a sweep directory
 * that `merge`, `pareto`, `plot` and `report` use (sim/results/results.h,
 * sim/sweep/sweep_info.h, sim/sweep/sweep.h, sim/report/): a directory is
 * written from the input into a scratch folder and read back, without
 * running gnuplot.
 *
 * Input: NUL-separated parts, in this order: results.csv, sweep.json,
 * sweep.yaml, points/000000.json .. points/000003.json, and a --baseline
 * COL=VALUE (the plots' speedup baseline).  An empty or missing part is a
 * file that is not there.  tests/fuzz/README.md says how the seeds were cut
 * from a real sweep directory.
 *
 * Read as the commands read it: results.csv (ab_results_load), the name
 * and description (ab_sweep_info_load), each row's point file
 * (ab_sweep_point_json), the plot data with the Pareto front, speedups and
 * roofline (ab_plot_prepare), the HTML page with stand-in SVG plots
 * (ab_html_report), and a merge of the directory into a second one
 * (ab_sweep_merge, which reads sweep.json and rewrites the results from
 * the point files).  Each either fails with a message or succeeds. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_scratch.h"
#include "report/html_report.h"
#include "report/plot.h"
#include "results/results.h"
#include "sweep/sweep.h"
#include "sweep/sweep_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const k_parts[] = {
    "results.csv",        "sweep.json",         "sweep.yaml",         "points/000000.json",
    "points/000001.json", "points/000002.json", "points/000003.json",
};
#define NPARTS (sizeof k_parts / sizeof k_parts[0])
#define BASELINE_MAX 256

/* Split the input at NUL bytes: the parts above, then the baseline. */
static void write_dir(const char *dir, const uint8_t *data, size_t size, char *baseline)
{
    char path[256];
    snprintf(path, sizeof path, "%s/points", dir);
    mkdir(path, 0755);
    size_t start = 0;
    for (size_t part = 0; part <= NPARTS && start <= size; part++) {
        const uint8_t *end = memchr(data + start, '\0', size - start);
        const size_t len = end ? (size_t)(end - (data + start)) : size - start;
        if (part == NPARTS) {
            const size_t n = len < BASELINE_MAX - 1 ? len : BASELINE_MAX - 1;
            memcpy(baseline, data + start, n);
            baseline[n] = '\0';
        } else if (len > 0) {
            snprintf(path, sizeof path, "%s/%s", dir, k_parts[part]);
            fuzz_write_file(path, data + start, len);
        }
        if (!end)
            break;
        start += len + 1;
    }
}

static void read_points(const ab_results *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        cJSON *root = NULL;
        const cJSON *run = NULL;
        char path[512];
        ab_error err;
        memset(&err, 0, sizeof err);
        if (ab_sweep_point_json(r->dir, r->rows[i].point, &root, &run, path, sizeof path, &err) ==
            0) {
            if (!root || !cJSON_IsObject(run))
                abort(); /* success promises an object `run` */
            cJSON_Delete(root);
        } else if (!err.msg[0]) {
            abort();
        }
    }
}

/* The page `report` writes, with stand-in SVGs in place of gnuplot's (ids
 * and references, which the page rewrites). */
static void write_report(const char *scratch, const ab_results *r, const ab_sweep_info *meta,
                         const ab_plot_data *d)
{
    char svg[AB_PLOT_COUNT][96];
    ab_plot_set set;
    memset(&set, 0, sizeof set);
    for (int i = 0; i < AB_PLOT_COUNT; i++) {
        snprintf(svg[i], sizeof svg[i], "<?xml?><svg id='m%d'><use href='#m%d'/>"
                 "<g style=\"fill:url(#g)\"/></svg>", i, i);
        set.svg[i] = svg[i];
    }
    const int col = ab_results_find(r, "latency");
    char path[256];
    snprintf(path, sizeof path, "%s/report.html", scratch);
    const ab_html_in in = {r, meta, d, d ? &set : NULL, 20, col >= 0 ? (size_t)col : 0,
                           "latency", false, NULL};
    ab_error err;
    memset(&err, 0, sizeof err);
    if (col >= 0 && ab_html_report(path, &in, &err) != 0 && !err.msg[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char scratch[96], dir[128], merged[128];
    fuzz_scratch_path(scratch, sizeof scratch, "sweepdir", "");
    fuzz_remove_tree(scratch);
    if (mkdir(scratch, 0755) != 0)
        return 0;
    snprintf(dir, sizeof dir, "%s/sw", scratch);
    snprintf(merged, sizeof merged, "%s/merged", scratch);
    mkdir(dir, 0755);
    char baseline[BASELINE_MAX] = "";
    write_dir(dir, data, size, baseline);

    ab_error err;
    memset(&err, 0, sizeof err);
    ab_sweep_info meta;
    if (ab_sweep_info_load(dir, &meta, &err) != 0 && !err.msg[0])
        abort();
    ab_results r;
    memset(&err, 0, sizeof err);
    if (ab_results_load(dir, &r, &err) == 0) {
        read_points(&r);
        ab_plot_opts opts = {baseline[0] ? baseline : NULL, 0, AB_LOG_AUTO};
        ab_plot_data d;
        memset(&d, 0, sizeof d);
        memset(&err, 0, sizeof err);
        const bool any_ok = ab_results_count(&r, AB_ROW_OK) > 0;
        if (any_ok && ab_plot_prepare(&r, &opts, &d, &err) != 0) {
            if (!err.msg[0])
                abort();
        } else if (ab_sweep_info_load(dir, &meta, &err) == 0) {
            write_report(scratch, &r, &meta, any_ok ? &d : NULL);
        }
        ab_plot_data_free(&d);
        ab_results_free(&r);
    } else if (!err.msg[0]) {
        abort(); /* a refusal always says why */
    }
    const char *dirs[] = {dir};
    size_t missing = 0, total = 0;
    memset(&err, 0, sizeof err);
    if (ab_sweep_merge(merged, dirs, 1, &missing, &total, &err) == 0) {
        if (missing > total)
            abort();
    } else if (!err.msg[0]) {
        abort();
    }
    fuzz_remove_tree(scratch);
    return 0;
}
