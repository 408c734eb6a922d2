/* cmd_formats.c - `anybit formats [NAME] [--json FILE]`: the registry as a
 * table, or one format's whole value grid (with `--json -` the JSON alone
 * on stdout, the table on stderr). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cli.h"
#include "format.h"

static const char *family_name(ab_family f)
{
    switch (f) {
    case AB_FAMILY_INT: return "int";
    case AB_FAMILY_FLOAT: return "float";
    case AB_FAMILY_GRID: default: return "grid";
    }
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: anybit formats [NAME] [--json FILE]\n\n"
            "  without NAME: every named format (bits, range, description) and the\n"
            "                generic families (intN, eXmY, ...) whose names are parsed\n"
            "  with NAME:    a header (# lines) then every representable finite value,\n"
            "                ascending, one per line (formats of at most 16 bits)\n"
            "  --json FILE   the same as JSON into FILE (written atomically; FILE '-':\n"
            "                the JSON alone on stdout, the table on stderr)\n");
}

static cJSON *format_json(const ab_format *f, const double *values, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", f->name);
    cJSON_AddNumberToObject(o, "bits", f->bits);
    cJSON_AddStringToObject(o, "family", family_name(f->family));
    cJSON_AddBoolToObject(o, "signed", f->is_signed);
    cJSON_AddNumberToObject(o, "min", ab_format_min(f));
    cJSON_AddNumberToObject(o, "max", ab_format_max(f));
    cJSON_AddNumberToObject(o, "block_size", f->block_size);
    cJSON_AddStringToObject(o, "description", f->desc);
    if (values)
        cJSON_AddItemToObject(o, "values", cJSON_CreateDoubleArray(values, (int)n));
    return o;
}

static int write_json(cJSON *doc, const char *path)
{
    ab_error err;
    ab_atomic_file af;
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text)
        return cli_usage_error("formats", "out of memory");
    if (ab_atomic_open(&af, path, &err) != 0) {
        free(text);
        return cli_input_error("formats", &err);
    }
    fprintf(af.fp, "%s\n", text);
    free(text);
    if (ab_atomic_commit(&af, &err) != 0)
        return cli_input_error("formats", &err);
    return AB_EXIT_OK;
}

static int list_all(const char *json_path, FILE *table)
{
    /* every format parsed, and the JSON written, before the first table
     * line: a failure prints its one message and nothing else */
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; ab_format_registry_name(i); i++) {
        ab_format f;
        ab_error err;
        if (ab_format_parse(ab_format_registry_name(i), &f, &err) != 0) {
            cJSON_Delete(arr);
            return cli_input_error("formats", &err);
        }
        cJSON_AddItemToArray(arr, format_json(&f, NULL, 0));
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "formats", arr);
    cJSON *fam = cJSON_AddArrayToObject(doc, "families");
    for (size_t i = 0; ab_format_family_help(i); i++)
        cJSON_AddItemToArray(fam, cJSON_CreateString(ab_format_family_help(i)));
    if (json_path) {
        const int rc = write_json(cJSON_Duplicate(doc, true), json_path);
        if (rc != AB_EXIT_OK) {
            cJSON_Delete(doc);
            return rc;
        }
    }
    fprintf(table, "%-16s %4s %-5s %12s %12s  %s\n", "name", "bits", "kind", "min", "max",
            "description");
    const cJSON *o;
    cJSON_ArrayForEach(o, arr)
    {
        fprintf(table, "%-16s %4d %-5s %12.6g %12.6g  %s\n",
                cJSON_GetObjectItem(o, "name")->valuestring,
                cJSON_GetObjectItem(o, "bits")->valueint,
                cJSON_GetObjectItem(o, "family")->valuestring,
                cJSON_GetObjectItem(o, "min")->valuedouble,
                cJSON_GetObjectItem(o, "max")->valuedouble,
                cJSON_GetObjectItem(o, "description")->valuestring);
    }
    cJSON_Delete(doc);
    fprintf(table, "\ngeneric families (any parameter in range is a format):\n");
    for (size_t i = 0; ab_format_family_help(i); i++)
        fprintf(table, "  %s\n", ab_format_family_help(i));
    fprintf(table,
            "\nselectors for `anybit quant`: bitmod_fp3_mix, bitmod_fp4_mix (BitMoD per-group),\n"
            "antN (ANT per-tensor), olive4, olive4_flint (OliVe outlier-victim pairs)\n");
    return AB_EXIT_OK;
}

/* Shortest decimal that reads back as exactly v. */
static void print_exact(FILE *out, double v)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fprintf(out, "%s\n", buf);
}

static int show_one(const char *name, const char *json_path, FILE *table)
{
    ab_format f;
    ab_error err;
    if (ab_format_parse(name, &f, &err) != 0)
        return cli_input_error("formats", &err);
    if (f.bits > 16)
        return cli_usage_error("formats",
                               "format '%s' has %u bits: too wide to list its values "
                               "(grids are printed for formats of at most 16 bits)",
                               name, f.bits);
    const size_t cap = (size_t)1 << f.bits;
    double *values = malloc(cap * sizeof *values);
    if (!values)
        return cli_usage_error("formats", "out of memory");
    const size_t n = ab_format_grid(&f, values, cap);
    const int rc = json_path ? write_json(format_json(&f, values, n), json_path) : AB_EXIT_OK;
    if (rc == AB_EXIT_OK) {
        fprintf(table, "# format: %s\n# bits: %u\n# kind: %s\n# description: %s\n", f.name,
                f.bits, family_name(f.family), f.desc);
        if (f.block_size)
            fprintf(table,
                    "# block: %u elements share one E8M0 scale; values below are the element's\n",
                    f.block_size);
        fprintf(table, "# values: %zu finite, ascending\n", n);
        for (size_t i = 0; i < n; i++)
            print_exact(table, values[i]);
    }
    free(values);
    return rc;
}

int cmd_formats(int argc, char **argv)
{
    const char *name = NULL, *json_path = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        }
        if (cli_opt_once(argc, argv, &i, "--json", &json_path, &bad))
            continue;
        if (argv[i][0] == '-')
            return cli_usage_error("formats", "unknown option '%s' (anybit formats --help)", argv[i]);
        if (name)
            return cli_usage_error("formats", "one format name at a time (got '%s' and '%s')",
                                   name, argv[i]);
        name = argv[i];
    }
    if (bad)
        return AB_EXIT_USAGE;
    FILE *table;
    const int tc = cli_table_stream("formats", json_path, NULL, &table);
    if (tc)
        return tc;
    return name ? show_one(name, json_path, table) : list_all(json_path, table);
}
