/* report.h - one run's statistics as a text table, JSON or CSV
 * (docs/simulator.md lists every field and unit). */
#ifndef AB_REPORT_H
#define AB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "ab_error.h"
#include "accel/accel.h"
#include "accuracy/accuracy.h"
#include "engine/engine.h"
#include "engine/timeline.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The value check of one op (run on traces with values). */
typedef struct ab_op_check {
    bool checked;
    size_t outputs, mismatches;
    double max_abs_err, mse, sqnr_db; /* vs the trace's float reference */
} ab_op_check;

typedef struct ab_report_in {
    const ab_accel *accel;
    const ab_run_stats *rs;
    const char *workload; /* "llama2-7b decode:256 (recipe bitmod)" or the trace path */
    const ab_op_check *checks; /* rs->nops entries, or NULL */
    bool compact_ops; /* JSON: per op only the totals and DRAM bytes (sweep point files) */
    const ab_accuracy *accuracy; /* rs->nops ops, or NULL / off: no accuracy fields */
} ab_report_in;

/* Human table: ops grouped by role (layer numbers folded) unless all_ops. */
void ab_report_table(FILE *out, const ab_report_in *in, bool all_ops);

/* Machine outputs, written atomically. */
int ab_report_json(const char *path, const ab_report_in *in, ab_error *err);
int ab_report_csv(const char *path, const ab_report_in *in, ab_error *err);

/* A run's timeline as CSV (timeline_csv.c), written atomically ('-': stdout);
 * its header line is AB_TIMELINE_CSV_HEADER (read back by anybit plot). */
#define AB_TIMELINE_CSV_HEADER                                                                  \
    "bucket,start_cycle,end_cycle,start_s,end_s,dram_read_bytes,dram_write_bytes,"              \
    "sram_read_bytes,sram_write_bytes,pe_busy_cycles,dram_gb_per_s,sram_gb_per_s,"              \
    "pe_utilization"
#define AB_TIMELINE_CSV_COLUMNS 13
int ab_report_timeline_csv(const char *path, const ab_accel *a, const ab_timeline *t,
                           ab_error *err);

struct cJSON;
/* The object ab_report_json writes (caller owns it; NULL: out of memory). */
struct cJSON *ab_report_json_object(const ab_report_in *in);

/* The throughput fields of a run into object o: "throughput_unit"
 * ("tokens" or "images") and, named after it, the items and the items per
 * second ("tokens", "tokens_per_s" or "images", "images_per_s"). */
void ab_report_json_throughput(struct cJSON *o, const ab_run_stats *rs);

/* Print root (consumed) to path atomically; _flat without whitespace. */
int ab_write_json(const char *path, struct cJSON *root, ab_error *err);
int ab_write_json_flat(const char *path, struct cJSON *root, ab_error *err);

/* One CSV field, quoted when it needs it (RFC 4180). */
void ab_csv_field(FILE *f, const char *s);

/* One CSV number, the one format of every CSV anybit writes (run, compare,
 * quant, sweep results; docs/simulator.md "CSV numbers"): a whole number
 * below 1e15 in full, anything else with 9 significant digits (%.9g). */
#define AB_CSV_DIGITS 9
void ab_csv_number(FILE *f, double v);

/* An op's role: layer numbers folded ("layers.12.mlp.up_proj" ->
 * "layers.*.mlp.up_proj"), how tables group ops. */
void ab_op_role(const char *name, char *out, size_t cap);

/* Text for XML/HTML content or attributes: & < > " ' escaped. */
void ab_xml_escape(FILE *f, const char *s);

/* The accuracy estimate in reports (report_accuracy.c; docs/simulator.md
 * lists the fields).  JSON: the totals object of `accuracy` and one op's;
 * an infinite SQNR (no noise) is null. */
struct cJSON *ab_accuracy_json(const ab_accuracy *acc);
struct cJSON *ab_op_accuracy_json(const ab_op_accuracy *a);
/* CSV: the header of the accuracy columns (",weight_sqnr_db,...") and one
 * row's fields (a NULL op: empty fields). */
void ab_accuracy_csv_header(FILE *f);
void ab_accuracy_csv_fields(FILE *f, const ab_op_accuracy *a, const char *source);
/* The run's one-line summary for the tables. */
void ab_accuracy_table_line(FILE *out, const ab_accuracy *acc);
/* A number as results files write it: 9 significant digits, or "inf". */
void ab_accuracy_number(FILE *f, double v);

/* Engineering formatting helpers shared with `compare`. */
const char *ab_fmt_si(char *buf, size_t cap, double v, const char *unit);

#ifdef __cplusplus
}
#endif

#endif
