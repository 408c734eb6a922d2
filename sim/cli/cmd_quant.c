/* cmd_quant.c - `anybit quant`: quantize one tensor with one or several
 * formats and report the error (MSE, SQNR) and the storage cost. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cli.h"
#include "format.h"
#include "parallel.h"
#include "quant.h"
#include "results/report.h"
#include "tensor_io.h"

#define MAX_FORMATS 32

static void usage(FILE *out)
{
    fprintf(out,
            "usage: anybit quant (--format F | --compare F1,F2,...) [options] FILE\n\n"
            "  FILE               a .npy (float32/float16/float64/int) or FILE.safetensors:TENSOR\n"
            "  --format F         a format (anybit formats) or a selector: bitmod_fp3_mix,\n"
            "                     bitmod_fp4_mix, antN, olive4, olive4_flint\n"
            "  --compare LIST     several formats, one row each, sorted by SQNR (best first)\n"
            "  --group G          one scale per G contiguous values of a row (default 128)\n"
            "  --channel          one scale per row (output channel)\n"
            "  --tensor           one scale for the whole tensor\n"
            "  --scale S          scale format: fp16 (default), fp32, e8m0, intK (k-bit integer\n"
            "                     per group x FP16 per row, BitMoD's two-level scheme)\n"
            "  --asym             asymmetric (uintN formats): per-group zero point\n"
            "  --json FILE        results as JSON\n"
            "  --csv FILE         results as CSV, one row per format\n"
            "                     (FILE '-': that document alone on stdout, the table on stderr)\n"
            "  --dequant FILE.npy write the dequantized tensor (with --format only)\n"
            "  -j N               formats quantized at once on threads (1..256, default:\n"
            "                     every core); the results are the same for every N\n\n"
            "The tensor is seen as [rows][K]: the last dimension is K, along which groups\n"
            "are cut; leading dimensions fold into rows.  MX formats (mxfp4, ...) always use\n"
            "blocks of 32 with E8M0 scales (OCP MX v1.0).\n");
}

typedef struct quant_row {
    const char *format;
    ab_quant_result res;
} quant_row;

static const char *granularity_name(ab_granularity g)
{
    switch (g) {
    case AB_GRAN_TENSOR: return "tensor";
    case AB_GRAN_CHANNEL: return "channel";
    case AB_GRAN_GROUP: default: return "group";
    }
}

static void scale_name(const ab_quant_spec *s, char *buf, size_t n)
{
    switch (s->scale) {
    case AB_SCALE_FP32: snprintf(buf, n, "fp32"); break;
    case AB_SCALE_FP16: snprintf(buf, n, "fp16"); break;
    case AB_SCALE_E8M0: snprintf(buf, n, "e8m0"); break;
    case AB_SCALE_INTK: default: snprintf(buf, n, "int%u", s->scale_bits); break;
    }
}

/* How often each candidate type was chosen, as text ("er+ 31% ea- 22% ..."). */
static void type_summary(const ab_quant_result *r, char *buf, size_t n)
{
    buf[0] = '\0';
    if (r->selector == AB_SELECT_OLIVE && r->outlier) {
        size_t outl = 0;
        for (size_t i = 0; i < r->rows * r->cols; i++)
            outl += r->outlier[i] != 0;
        snprintf(buf, n, "outliers %.3f%%, clip %.2f", 100.0 * (double)outl /
                 (double)(r->rows * r->cols), r->clip_ratio);
        return;
    }
    if (r->selector == AB_SELECT_NONE)
        return;
    size_t counts[AB_QUANT_MAX_CANDIDATES] = {0};
    const size_t groups = r->rows * r->groups_per_row;
    for (size_t g = 0; g < groups; g++)
        if (r->type_ids[g] < AB_QUANT_MAX_CANDIDATES)
            counts[r->type_ids[g]]++;
    size_t used = 0;
    for (unsigned c = 0; c < r->ncandidates && used < n; c++) {
        if (!counts[c])
            continue;
        used += (size_t)snprintf(buf + used, n - used, "%s%s %.1f%%", used ? ", " : "",
                                 r->candidates[c].name, 100.0 * (double)counts[c] / (double)groups);
    }
    if (r->selector == AB_SELECT_ANT && used < n)
        snprintf(buf + used, n - used, ", clip %.2f", r->clip_ratio);
}

static int cmp_sqnr_desc(const void *a, const void *b)
{
    const double x = ((const quant_row *)a)->res.sqnr_db, y = ((const quant_row *)b)->res.sqnr_db;
    return (x < y) - (x > y);
}

static void print_table(FILE *out, const char *input, const ab_tensor *t,
                        const ab_quant_spec *spec, const quant_row *rows, size_t n)
{
    char scale[16];
    scale_name(spec, scale, sizeof scale);
    fprintf(out, "input: %s  shape [", input);
    for (size_t d = 0; d < t->ndim; d++)
        fprintf(out, "%s%zu", d ? ", " : "", t->shape[d]);
    fprintf(out, "]  (%zu rows x K %zu)\n", rows[0].res.rows, rows[0].res.cols);
    fprintf(out, "%-16s %-13s %-6s %10s %12s %9s  %s\n", "format", "granularity", "scale",
            "bits/value", "MSE", "SQNR dB", "types");
    for (size_t i = 0; i < n; i++) {
        const ab_quant_result *r = &rows[i].res;
        char gran[32], types[256];
        if (r->groups_per_row > 1 || spec->granularity == AB_GRAN_GROUP)
            snprintf(gran, sizeof gran, "group %zu", r->cols / r->groups_per_row);
        else
            snprintf(gran, sizeof gran, "%s", granularity_name(spec->granularity));
        type_summary(r, types, sizeof types);
        fprintf(out, "%-16s %-13s %-6s %10.4f %12.4e %9.2f  %s\n", rows[i].format, gran,
                r->candidates[0].block_size ? "e8m0" : scale, r->bits_per_value, r->mse,
                r->sqnr_db, types);
    }
}

static cJSON *row_json(const quant_row *q, const ab_quant_spec *spec)
{
    const ab_quant_result *r = &q->res;
    char scale[16], types[256];
    scale_name(spec, scale, sizeof scale);
    type_summary(r, types, sizeof types);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", q->format);
    cJSON_AddStringToObject(o, "granularity", granularity_name(spec->granularity));
    cJSON_AddNumberToObject(o, "group_size", (double)(r->cols / r->groups_per_row));
    cJSON_AddStringToObject(o, "scale", r->candidates[0].block_size ? "e8m0" : scale);
    cJSON_AddNumberToObject(o, "bits_per_value", r->bits_per_value);
    cJSON_AddNumberToObject(o, "mse", r->mse);
    if (isfinite(r->sqnr_db))
        cJSON_AddNumberToObject(o, "sqnr_db", r->sqnr_db);
    else
        cJSON_AddNullToObject(o, "sqnr_db"); /* exact reconstruction */
    cJSON_AddNumberToObject(o, "clip_ratio", r->clip_ratio);
    cJSON_AddStringToObject(o, "types", types);
    return o;
}

static int write_outputs(const char *json_path, const char *csv_path, const char *input,
                         const ab_tensor *t, const ab_quant_spec *spec, const quant_row *rows,
                         size_t n)
{
    ab_error err;
    if (json_path) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "input", input);
        cJSON *shape = cJSON_AddArrayToObject(doc, "shape");
        for (size_t d = 0; d < t->ndim; d++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[d]));
        cJSON_AddNumberToObject(doc, "rows", (double)rows[0].res.rows);
        cJSON_AddNumberToObject(doc, "cols", (double)rows[0].res.cols);
        cJSON *arr = cJSON_AddArrayToObject(doc, "results");
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(arr, row_json(&rows[i], spec));
        char *text = cJSON_Print(doc);
        cJSON_Delete(doc);
        ab_atomic_file af;
        if (!text || ab_atomic_open(&af, json_path, &err) != 0) {
            free(text);
            return text ? cli_input_error("quant", &err) : cli_usage_error("quant", "out of memory");
        }
        fprintf(af.fp, "%s\n", text);
        free(text);
        if (ab_atomic_commit(&af, &err) != 0)
            return cli_input_error("quant", &err);
    }
    if (csv_path) {
        ab_atomic_file af;
        if (ab_atomic_open(&af, csv_path, &err) != 0)
            return cli_input_error("quant", &err);
        fprintf(af.fp, "format,granularity,group_size,scale,bits_per_value,mse,sqnr_db\n");
        for (size_t i = 0; i < n; i++) {
            const ab_quant_result *r = &rows[i].res;
            char scale[16];
            scale_name(spec, scale, sizeof scale);
            fprintf(af.fp, "%s,%s,%zu,%s,", rows[i].format, granularity_name(spec->granularity),
                    r->cols / r->groups_per_row, r->candidates[0].block_size ? "e8m0" : scale);
            ab_csv_number(af.fp, r->bits_per_value);
            fputc(',', af.fp);
            ab_csv_number(af.fp, r->mse);
            fputc(',', af.fp);
            ab_csv_number(af.fp, r->sqnr_db);
            fputc('\n', af.fp);
        }
        if (ab_atomic_commit(&af, &err) != 0)
            return cli_input_error("quant", &err);
    }
    return AB_EXIT_OK;
}

/* Split "a,b,c" in place into at most MAX_FORMATS names. */
static int split_list(char *list, const char **names, size_t *n)
{
    *n = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        if (*n == MAX_FORMATS)
            return cli_usage_error("quant", "--compare takes at most %d formats", MAX_FORMATS);
        names[(*n)++] = tok;
    }
    if (*n == 0)
        return cli_usage_error("quant", "--compare needs a comma-separated list of formats");
    return AB_EXIT_OK;
}

int cmd_quant(int argc, char **argv)
{
    ab_quant_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.granularity = AB_GRAN_GROUP;
    spec.group_size = 128;
    spec.scale = AB_SCALE_FP16;
    const char *format = NULL, *compare = NULL, *input = NULL;
    const char *json_path = NULL, *csv_path = NULL, *dequant_path = NULL, *jobs_s = NULL;
    bool bad = false;
    const char *granularity = NULL, *scale = NULL; /* the option that set them */
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        const char *gran_opt = NULL;
        if (strcmp(argv[i], "--group") == 0 || strncmp(argv[i], "--group=", 8) == 0)
            gran_opt = "--group";
        else if (strcmp(argv[i], "--channel") == 0 || strcmp(argv[i], "--tensor") == 0)
            gran_opt = argv[i];
        if (gran_opt && granularity)
            return cli_usage_error("quant", "%s after %s: one granularity (--group G, --channel "
                                            "or --tensor), once", gran_opt, granularity);
        if (gran_opt)
            granularity = gran_opt;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_once(argc, argv, &i, "--format", &format, &bad) ||
                   cli_opt_once(argc, argv, &i, "--compare", &compare, &bad) ||
                   cli_opt_once(argc, argv, &i, "--json", &json_path, &bad) ||
                   cli_opt_once(argc, argv, &i, "--csv", &csv_path, &bad) ||
                   cli_opt_once(argc, argv, &i, "--dequant", &dequant_path, &bad) ||
                   cli_opt_once(argc, argv, &i, "-j", &jobs_s, &bad)) {
            continue;
        } else if (cli_opt_value(argc, argv, &i, "--group", &v, &bad)) {
            size_t g;
            if (bad)
                break;
            if (!cli_parse_size(v, 1, 1u << 30, &g))
                return cli_usage_error("quant", "--group must be a positive integer, got '%s'", v);
            spec.granularity = AB_GRAN_GROUP;
            spec.group_size = (uint32_t)g;
        } else if (cli_opt_once(argc, argv, &i, "--scale", &scale, &bad)) {
            v = scale;
            ab_error err;
            if (bad)
                break;
            if (ab_scale_parse(v, &spec.scale, &spec.scale_bits, &err) != 0)
                return cli_input_error("quant", &err);
        } else if (strcmp(argv[i], "--channel") == 0) {
            spec.granularity = AB_GRAN_CHANNEL;
        } else if (strcmp(argv[i], "--tensor") == 0) {
            spec.granularity = AB_GRAN_TENSOR;
        } else if (strcmp(argv[i], "--asym") == 0) {
            spec.asymmetric = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error("quant", "unknown option '%s' (anybit quant --help)", argv[i]);
        } else if (input) {
            return cli_usage_error("quant", "one input file at a time (got '%s' and '%s')", input,
                                   argv[i]);
        } else {
            input = argv[i];
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!input)
        return cli_usage_error("quant", "no input file (anybit quant --help)");
    if (!format == !compare)
        return cli_usage_error("quant", "give exactly one of --format F or --compare F1,F2,...");
    if (dequant_path && compare)
        return cli_usage_error("quant", "--dequant goes with --format, not --compare");

    char list_buf[1024];
    const char *names[MAX_FORMATS];
    size_t nformats = 1;
    names[0] = format;
    if (compare) {
        if (strlen(compare) >= sizeof list_buf)
            return cli_usage_error("quant", "--compare list too long");
        snprintf(list_buf, sizeof list_buf, "%s", compare);
        const int rc = split_list(list_buf, names, &nformats);
        if (rc)
            return rc;
    }

    unsigned jobs;
    if (!cli_parse_jobs(jobs_s, &jobs))
        return cli_usage_error("quant", "-j: expected 1..256, got '%s'", jobs_s);

    /* names first: a typo should not wait for a large file to load */
    ab_error err;
    for (size_t i = 0; i < nformats; i++) {
        ab_selector sel;
        ab_format cand[AB_QUANT_MAX_CANDIDATES];
        uint8_t ncand;
        if (ab_quant_candidates(names[i], &sel, cand, &ncand, &err) != 0)
            return cli_input_error("quant", &err);
    }

    FILE *table;
    const int tc = cli_table_stream("quant", json_path, csv_path, &table);
    if (tc)
        return tc;
    ab_tensor t;
    if (ab_tensor_load(input, &t, &err) != 0)
        return cli_input_error("quant", &err);
    const quant_outputs outputs = {json_path, csv_path, dequant_path, compare != NULL, jobs};
    const int rc = quant_report(input, &t, &spec, names, nformats, &outputs);
    ab_tensor_free(&t);
    return rc;
}

/* One format's quantization (a job of quant_report's batches). */
typedef struct quant_job {
    ab_quant_spec spec;
    const float *x;
    size_t rows, cols;
    ab_quant_result *res;
    int rc;
    ab_error err;
} quant_job;

static void *quant_job_run(void *arg)
{
    quant_job *j = arg;
    j->rc = ab_quantize(&j->spec, j->x, j->rows, j->cols, j->res, &j->err);
    return NULL;
}

int quant_report(const char *label, const ab_tensor *t, const ab_quant_spec *spec_in,
                 const char *const *names, size_t nformats, const quant_outputs *out)
{
    ab_quant_spec spec = *spec_in;
    ab_error err;
    const size_t cols = t->ndim ? t->shape[t->ndim - 1] : 1;
    const size_t rows = cols ? t->count / cols : 0;
    if (nformats > MAX_FORMATS)
        return cli_usage_error("quant", "at most %d formats at a time", MAX_FORMATS);
    FILE *table;
    const int tc = cli_table_stream("quant", out->json_path, out->csv_path, &table);
    if (tc)
        return tc;

    quant_row qrows[MAX_FORMATS];
    memset(qrows, 0, sizeof qrows);
    int rc = AB_EXIT_OK;
    for (size_t i = 0; i < nformats; i++) {
        qrows[i].format = names[i];
        if (strlen(names[i]) >= sizeof spec.format)
            return cli_usage_error("quant", "%s: format name '%s' too long", label, names[i]);
    }
    /* the formats in batches of `jobs`, one thread each */
    quant_job job[MAX_FORMATS];
    const unsigned jobs = out->jobs > 1 ? out->jobs : 1u;
    for (size_t i = 0; i < nformats; i++) {
        job[i] = (quant_job){.spec = spec, .x = t->data, .rows = rows, .cols = cols,
                             .res = &qrows[i].res, .rc = 0};
        snprintf(job[i].spec.format, sizeof job[i].spec.format, "%s", names[i]);
    }
    for (size_t at = 0; at < nformats; at += jobs) {
        const size_t n = nformats - at < jobs ? nformats - at : jobs;
        ab_parallel_run(job + at, sizeof job[0], (unsigned)n, quant_job_run);
    }
    size_t done = nformats;
    for (size_t i = 0; i < nformats; i++)
        if (job[i].rc != 0) { /* the first failing format, in the order given */
            fprintf(stderr, "anybit quant: %s: %s\n", label, job[i].err.msg);
            rc = AB_EXIT_USAGE;
            break;
        }
    if (rc == AB_EXIT_OK) {
        if (out->sort_by_sqnr)
            qsort(qrows, nformats, sizeof qrows[0], cmp_sqnr_desc);
        rc = write_outputs(out->json_path, out->csv_path, label, t, &spec, qrows, nformats);
        if (rc == AB_EXIT_OK && out->dequant_path &&
            ab_npy_write_f32(out->dequant_path, qrows[0].res.dequant, t->ndim, t->shape, &err) != 0)
            rc = cli_input_error("quant", &err);
        if (rc == AB_EXIT_OK)
            print_table(table, label, t, &spec, qrows, nformats);
    }
    for (size_t i = 0; i < done; i++)
        if (job[i].rc == 0)
            ab_quant_result_free(&qrows[i].res);
    return rc;
}
