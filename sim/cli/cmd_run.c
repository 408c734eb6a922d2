/* cmd_run.c - `anybit run`: replay a workload on one accelerator and report
 * latency, energy and area (table on stdout, --json / --csv files; with
 * `--json -` or `--csv -` the document alone on stdout, the table on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "results/report.h"
#include "workload/trace.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: anybit run --config C (--trace T | --model M [--recipe R] --phase P "
            "[--batch B]\n"
            "                  | --topology T [--recipe R])\n"
            "                  [--mode fast|cycle] [--json FILE] [--csv FILE] [--all-ops] [--golden]\n"
            "                  [--accuracy-sample N] [--accuracy-seed S] [--accuracy-weights CKPT]\n"
            "                  [--no-accuracy] [-j N]\n\n"
            "  --config C     accelerator: a preset (configs/C.yaml: bitmod, btc, fp16, int8, ant,\n"
            "                 olive), a YAML path (docs/configs.md) or a SCALE-Sim .cfg\n"
            "                 (docs/scalesim.md)\n"
            "  --trace T      a trace file (anybit trace gen, traces/export_torch.py)\n"
            "  --model M      a zoo model (models/M.yaml) or a YAML path\n"
            "  --topology T   a SCALE-Sim topology CSV: conv layers or Layer, M, N, K rows\n"
            "                 (docs/scalesim.md); any config\n"
            "  --recipe R     quantization recipe (default: the config's own)\n"
            "  --phase P      prefill:L (L tokens) or decode:C (one token, context C)\n"
            "  --batch B      sequences (default 1)\n"
            "  --allow-long-context  run a phase longer than the model's max_context\n"
            "                 (refused otherwise, naming both numbers)\n"
            "  --mode         fast (default: tile-level events) or cycle (steps every cycle);\n"
            "                 both give the same cycle counts\n"
            "  --json FILE    totals and per-op statistics (docs/simulator.md)\n"
            "  --csv FILE     one row per op\n"
            "  --timeline FILE.csv  DRAM and SRAM bytes and PE busy per time bucket\n"
            "                 (anybit plot --timeline FILE.csv draws it)\n"
            "  --timeline-buckets N  buckets of the timeline (default 200, at most 1000000)\n"
            "                 (FILE '-': that document alone on stdout, the table on stderr)\n"
            "  --all-ops      one table row per op instead of per op role\n"
            "  --golden       (--trace) also compare each op's datapath outputs bit for bit with\n"
            "                 the golden model (golden/, written from the docs; exit 1 on a\n"
            "                 difference)\n"
            "  --accuracy-sample N  weight rows sampled per op for the accuracy estimate\n"
            "                 (1..65536, default 4): weight SQNR/MSE and output SQNR per op\n"
            "                 and in total, error = MAC-weighted output NMSE (docs/quantization.md)\n"
            "  --accuracy-seed S  seed of the synthetic weights and activations (default 1)\n"
            "  --accuracy-weights CKPT  a float .safetensors checkpoint: an op whose module\n"
            "                 it names (<op>.weight, model.<op>.weight) is measured on its\n"
            "                 real weights (weights_source checkpoint); the others synthetic\n"
            "  --no-accuracy  no accuracy estimate (timing and energy only)\n"
            "  -j N           threads for a trace's value checks (1..256, default: every core);\n"
            "                 the results are the same for every N\n\n"
            "When the trace carries values, each op's outputs are computed by the PE's\n"
            "datapath, checked bit for bit against the kernels/ model of that datapath\n"
            "(exit 1 on a mismatch), and their error against the float reference reported.\n"
            "The trace's stored expected outputs are first checked as `anybit trace verify`\n"
            "checks them: when they disagree with the reference, exit 1 and nothing reported.\n");
}

/* The trace's stored expected outputs, checked as `anybit trace verify`
 * checks them (ab_trace_check_outputs): the error of the PE's outputs is
 * measured against them, so a file whose expected outputs are not the
 * reference GEMM of its own weights and activations would make every SQNR
 * a number about nothing.  Returns the number of ops that disagree (each
 * named on stderr), or -1 with err. */
static long stored_outputs_disagree(const char *file, const ab_trace *t, unsigned jobs,
                                    ab_error *err)
{
    long bad = 0;
    for (size_t i = 0; i < t->nops; i++) {
        if (t->ops[i].tensor[AB_TROLE_OUTPUTS] < 0)
            continue;
        ab_trace_outputs_check c;
        if (ab_trace_check_outputs_jobs(t, i, jobs, &c, err) != 0)
            return -1;
        if (!c.mismatches)
            continue;
        const size_t N = (size_t)t->ops[i].op.N;
        fprintf(stderr,
                "anybit run: %s: op '%s': stored expected output %zu [m %zu, n %zu] is %.9g, the "
                "reference GEMM of the trace's weights and activations gives %.9g (%zu of %zu "
                "outputs differ; anybit trace verify %s)\n",
                file, t->ops[i].op.name, c.first, c.first / N, c.first % N,
                (double)c.first_stored, (double)c.first_reference, c.mismatches, c.outputs, file);
        bad++;
    }
    return bad;
}

int cmd_run(int argc, char **argv)
{
    cli_workload w = {0};
    w.batch = 1;
    const char *config = NULL, *json = NULL, *csv = NULL, *timeline = NULL, *buckets_s = NULL,
               *jobs_s = NULL;
    bool bad = false, all_ops = false, golden = false;
    cli_accuracy acc_opts;
    cli_accuracy_init(&acc_opts);
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (strcmp(argv[i], "--all-ops") == 0) {
            all_ops = true;
        } else if (strcmp(argv[i], "--golden") == 0) {
            golden = true;
        } else if (cli_opt_once(argc, argv, &i, "--config", &config, &bad) ||
                   cli_opt_once(argc, argv, &i, "--json", &json, &bad) ||
                   cli_opt_once(argc, argv, &i, "--csv", &csv, &bad) ||
                   cli_opt_once(argc, argv, &i, "--timeline", &timeline, &bad) ||
                   cli_opt_once(argc, argv, &i, "--timeline-buckets", &buckets_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "-j", &jobs_s, &bad) ||
                   cli_workload_opt(argc, argv, &i, &w, &bad) ||
                   cli_accuracy_opt(argc, argv, &i, &acc_opts, &bad)) {
            continue;
        } else {
            return cli_usage_error("run", "unexpected argument '%s' (anybit run --help)", argv[i]);
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!config)
        return cli_usage_error("run", "--config is required (anybit run --help)");
    unsigned jobs;
    if (!cli_parse_jobs(jobs_s, &jobs))
        return cli_usage_error("run", "-j: expected an integer in [1, 256], got '%s'", jobs_s);
    FILE *table;
    const int tc = cli_table_stream("run", json, csv, &table);
    if (tc)
        return tc;
    size_t buckets = 200;
    if (buckets_s && !timeline)
        return cli_usage_error("run", "--timeline-buckets goes with --timeline FILE.csv");
    if (buckets_s && !cli_parse_size(buckets_s, 1, AB_TIMELINE_BUCKETS_MAX, &buckets))
        return cli_usage_error("run", "--timeline-buckets: expected an integer in [1, %u], got '%s'",
                               AB_TIMELINE_BUCKETS_MAX, buckets_s);
    if (timeline && strcmp(timeline, "-") == 0) {
        if (table == stderr)
            return cli_usage_error("run", "--timeline - and another '-' output: one document at "
                                          "a time on stdout (give the other a FILE)");
        table = stderr;
    }
    const int uc = cli_workload_check("run", &w);
    if (uc)
        return uc;
    const int ac = cli_accuracy_check("run", &acc_opts);
    if (ac)
        return ac;
    if (golden && !w.trace)
        return cli_usage_error("run", "--golden needs --trace (the golden model computes a "
                                      "trace's values)");

    ab_error err;
    ab_accel a;
    if (ab_accel_load(config, &a, &err) != 0)
        return cli_input_error("run", &err);
    ab_op_list ops = {0, 0, NULL};
    ab_trace trace;
    memset(&trace, 0, sizeof trace);
    double tokens = 0;
    char label[1024];
    int rc = AB_EXIT_OK;
    ab_run_stats rs;
    memset(&rs, 0, sizeof rs);
    ab_op_check *checks = NULL;
    ab_timeline tl;
    memset(&tl, 0, sizeof tl);
    ab_accuracy accuracy;
    memset(&accuracy, 0, sizeof accuracy);
    if ((rc = cli_accuracy_open("run", &acc_opts)) != AB_EXIT_OK)
        goto out;
    cli_progress prog;
    cli_progress_start(&prog, stderr, 1);
    cli_progress_next(&prog, 0, a.name);
    const ab_sim_progress hook = cli_progress_hook(&prog);
    const int wrc = cli_workload_ops(&w, w.phase, &a, &ops, &trace, &tokens, label, sizeof label,
                                     &err);
    const int src = wrc == 0 ? ab_sim_ops_progress(&a, &ops, tokens, w.mode, &hook, &rs, &err) : -1;
    cli_progress_end(&prog);
    if (src != 0 || ab_accuracy_estimate(&ops, w.trace ? &trace : NULL, &acc_opts.opts, NULL,
                                         &accuracy, &err) != 0) {
        rc = cli_input_error("run", &err);
        goto out;
    }
    if (w.trace) {
        const long disagree = stored_outputs_disagree(w.trace, &trace, jobs, &err);
        if (disagree < 0) {
            rc = cli_input_error("run", &err);
            goto out;
        }
        if (disagree > 0) {
            /* no table and no files: their error columns would be measured
             * against outputs the trace itself contradicts */
            fprintf(stderr, "anybit run: %s: %ld op%s store expected outputs that disagree with "
                            "the reference; nothing reported\n",
                    w.trace, disagree, disagree == 1 ? "" : "s");
            rc = AB_EXIT_CHECK;
            goto out;
        }
        checks = calloc(rs.nops ? rs.nops : 1, sizeof *checks);
        if (!checks || cli_check_values(&a, &trace, jobs, checks, &err) != 0) {
            rc = cli_input_error("run", &err);
            goto out;
        }
        if (golden) {
            size_t gops = 0, gouts = 0;
            const int differ = cli_check_golden(&a, &trace, jobs, &gops, &gouts, &err);
            if (differ < 0) {
                rc = cli_input_error("run", &err);
                goto out;
            }
            fprintf(stderr, "anybit run: golden model: %zu ops, %zu outputs compared, %d op%s differ\n",
                    gops, gouts, differ, differ == 1 ? "" : "s");
            if (differ)
                rc = AB_EXIT_CHECK;
        }
    }
    /* the timeline is made before any file is written: a failure leaves none */
    if (timeline && (ab_timeline_init(&tl, rs.cycles, buckets, &err) != 0 ||
                     ab_sim_timeline(&a, &ops, &rs, &tl, &err) != 0)) {
        rc = cli_input_error("run", &err);
        goto out;
    }
    const ab_report_in in = {&a, &rs, label, checks, false, &accuracy};
    if ((json && ab_report_json(json, &in, &err) != 0) ||
        (csv && ab_report_csv(csv, &in, &err) != 0) ||
        (timeline && ab_report_timeline_csv(timeline, &a, &tl, &err) != 0)) {
        rc = cli_input_error("run", &err);
        goto out;
    }
    ab_report_table(table, &in, all_ops);
    for (size_t i = 0; checks && i < rs.nops; i++)
        if (checks[i].mismatches)
            rc = AB_EXIT_CHECK;
out:
    ab_timeline_free(&tl);
    ab_accuracy_free(&accuracy);
    cli_accuracy_close(&acc_opts);
    free(checks);
    ab_run_stats_free(&rs);
    ab_op_list_free(&ops);
    if (w.trace)
        ab_trace_free(&trace);
    return rc;
}
