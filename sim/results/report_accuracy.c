/* report_accuracy.c - the accuracy estimate (sim/accuracy/) in the run
 * reports: its JSON objects, CSV columns and table line (report.h).  The
 * fields are listed in docs/simulator.md "Accuracy fields". */
#include <math.h>

#include <cjson/cJSON.h>

#include "report.h"

static void add_db(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key); /* no noise (or nothing estimated): no finite value */
}

/* The four error fields, in the order every view lists them. */
static void add_errors(cJSON *o, double weight_sqnr_db, double weight_mse, double output_sqnr_db,
                       double output_nmse)
{
    add_db(o, "weight_sqnr_db", weight_sqnr_db);
    add_db(o, "weight_mse", weight_mse);
    add_db(o, "output_sqnr_db", output_sqnr_db);
    add_db(o, "output_nmse", output_nmse);
}

cJSON *ab_accuracy_json(const ab_accuracy *acc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "accuracy_source", acc->source);
    cJSON_AddNumberToObject(o, "sample_rows", (double)acc->opts.sample_rows);
    cJSON_AddNumberToObject(o, "tokens", (double)AB_ACCURACY_TOKENS);
    cJSON_AddNumberToObject(o, "seed", (double)acc->opts.seed);
    cJSON_AddNumberToObject(o, "estimates", (double)acc->estimates);
    cJSON_AddNumberToObject(o, "skipped", (double)acc->skipped);
    add_errors(o, acc->weight_sqnr_db, acc->weight_mse, acc->output_sqnr_db, acc->output_nmse);
    return o;
}

cJSON *ab_op_accuracy_json(const ab_op_accuracy *a)
{
    cJSON *o = cJSON_CreateObject();
    if (a->skipped) {
        cJSON_AddStringToObject(o, "skipped", "K above the estimate's 2^22");
        return o;
    }
    cJSON_AddStringToObject(o, "weights_source", ab_accuracy_source_name(a->weights_source));
    cJSON_AddStringToObject(o, "activations_source",
                            ab_accuracy_source_name(a->activations_source));
    cJSON_AddNumberToObject(o, "rows", (double)a->rows);
    cJSON_AddNumberToObject(o, "tokens", (double)a->tokens);
    add_errors(o, a->weight_sqnr_db, a->weight_mse, a->output_sqnr_db, a->output_nmse);
    return o;
}

void ab_accuracy_number(FILE *f, double v)
{
    if (isnan(v))
        return; /* nothing estimated: an empty field */
    if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, "%.9g", v);
}

void ab_accuracy_csv_header(FILE *f)
{
    fputs(",weight_sqnr_db,weight_mse,output_sqnr_db,output_nmse,accuracy_source", f);
}

void ab_accuracy_csv_fields(FILE *f, const ab_op_accuracy *a, const char *source)
{
    if (!a || a->skipped) {
        fputs(",,,,,", f);
        return;
    }
    const double v[] = {a->weight_sqnr_db, a->weight_mse, a->output_sqnr_db, a->output_nmse};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fputc(',', f);
        ab_accuracy_number(f, v[i]);
    }
    fputc(',', f);
    ab_csv_field(f, source);
}

void ab_accuracy_table_line(FILE *out, const ab_accuracy *acc)
{
    if (!acc || !acc->on) {
        fprintf(out, "accuracy: not estimated (--no-accuracy)\n");
        return;
    }
    fprintf(out, "accuracy (%s operands, %u weight rows x %u tokens per op, seed %llu): weights "
                 "SQNR %.2f dB (MSE %.3e), outputs SQNR %.2f dB; error (output NMSE) %.3e\n",
            acc->source, acc->opts.sample_rows, AB_ACCURACY_TOKENS,
            (unsigned long long)acc->opts.seed, acc->weight_sqnr_db, acc->weight_mse,
            acc->output_sqnr_db, acc->output_nmse);
    if (acc->skipped)
        fprintf(out, "accuracy: %zu op%s with K above 2^22 not estimated (not in the totals)\n",
                acc->skipped, acc->skipped == 1 ? "" : "s");
}
