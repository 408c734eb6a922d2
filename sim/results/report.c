/* report.c - text, JSON and CSV views of ab_run_stats. */
#include "report.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "atomic_file.h"

void ab_xml_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

const char *ab_fmt_si(char *buf, size_t cap, double v, const char *unit)
{
    static const char *const pre[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
    int e = 4;
    double x = v;
    if (x != 0) {
        while (fabs(x) >= 1000 && e < 9) {
            x /= 1000;
            e++;
        }
        while (fabs(x) < 1 && e > 0) {
            x *= 1000;
            e--;
        }
    }
    snprintf(buf, cap, "%.3g %s%s", x, pre[e], unit);
    return buf;
}

void ab_op_role(const char *name, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; name[i] && o + 2 < cap;) {
        const bool start = i == 0 || name[i - 1] == '.';
        if (start && isdigit((unsigned char)name[i])) {
            size_t j = i;
            while (isdigit((unsigned char)name[j]))
                j++;
            if (name[j] == '.' || name[j] == 0) {
                out[o++] = '*';
                i = j;
                continue;
            }
        }
        out[o++] = name[i++];
    }
    out[o] = 0;
}

typedef struct role_row {
    char role[AB_OP_NAME_MAX];
    ab_op_kind kind;
    uint64_t n, cycles, compute, stall, busy, M, N, K;
    double energy;
    double acc_e, acc_e_sig, acc_e_noise, acc_macs, acc_macs_nmse; /* accuracy.h's sums */
} role_row;

/* The role's accuracy as the totals combine ops (accuracy.h): pooled
 * weight powers, MAC-weighted output NMSE. */
static void role_accuracy(role_row *w, const ab_op_accuracy *a)
{
    w->acc_e += a->weight_elements;
    w->acc_e_sig += a->weight_elements * a->weight_signal;
    w->acc_e_noise += a->weight_elements * a->weight_noise;
    w->acc_macs += a->macs;
    w->acc_macs_nmse += a->macs * a->output_nmse;
}

static double db_of(double signal, double noise)
{
    return noise > 0 ? 10.0 * log10(signal / noise) : INFINITY;
}

static double pct(double x, double total) { return total > 0 ? 100.0 * x / total : 0; }

void ab_report_table(FILE *out, const ab_report_in *in, bool all_ops)
{
    const ab_accel *a = in->accel;
    const ab_run_stats *rs = in->rs;
    const double pes = (double)a->rows * a->cols;
    char b1[32], b2[32], b3[32];
    fprintf(out, "%s on %s: %ux%u %s PEs, %s, %.3g GHz, %s mode\n", in->workload, a->name,
            a->rows, a->cols, ab_pe_kind_name(a->pe), ab_dataflow_name(a->dataflow), a->clock_ghz,
            rs->mode == AB_MODE_CYCLE ? "cycle" : "fast");
    role_row *rows = calloc(rs->nops ? rs->nops : 1, sizeof *rows);
    size_t nrows = 0;
    for (size_t i = 0; rows && i < rs->nops; i++) {
        const ab_op_stats *s = &rs->ops[i];
        char role[AB_OP_NAME_MAX];
        if (all_ops)
            snprintf(role, sizeof role, "%s", s->name);
        else
            ab_op_role(s->name, role, sizeof role);
        size_t r = 0;
        if (!all_ops)
            while (r < nrows && strcmp(rows[r].role, role) != 0)
                r++;
        else
            r = nrows;
        if (r == nrows) {
            memset(&rows[r], 0, sizeof rows[r]);
            snprintf(rows[r].role, sizeof rows[r].role, "%s", role);
            rows[r].kind = s->kind;
            rows[r].M = s->M;
            rows[r].N = s->N;
            rows[r].K = s->K;
            nrows++;
        }
        role_row *w = &rows[r];
        w->n++;
        w->cycles += s->cycles;
        w->compute += s->compute_cycles;
        w->stall += s->stall_cycles;
        w->busy += s->ev.pe_busy_cycles;
        w->energy += s->energy.total_pj;
        if (in->accuracy && in->accuracy->on && i < in->accuracy->nops &&
            !in->accuracy->ops[i].skipped)
            role_accuracy(w, &in->accuracy->ops[i]);
    }
    const bool acc = in->accuracy && in->accuracy->on;
    fprintf(out, "\n%-34s %-7s %4s %6s %6s %6s %12s %6s %6s %11s %6s", all_ops ? "op" : "op (x ops)",
            "kind", "x", "M", "N", "K", "cycles", "stall", "util", "energy", "%time");
    fprintf(out, acc ? " %7s %7s\n" : "\n", "W dB", "out dB");
    for (size_t r = 0; r < nrows; r++) {
        const role_row *w = &rows[r];
        fprintf(out, "%-34.34s %-7s %4llu %6llu %6llu %6llu %12llu %5.1f%% %5.1f%% %11s %5.1f%%",
                w->role, ab_op_kind_name(w->kind), (unsigned long long)w->n,
                (unsigned long long)w->M, (unsigned long long)w->N, (unsigned long long)w->K,
                (unsigned long long)w->cycles, pct((double)w->stall, (double)w->cycles),
                w->cycles ? 100.0 * (double)w->busy / (pes * (double)w->cycles) : 0,
                ab_fmt_si(b1, sizeof b1, w->energy * 1e-12, "J"),
                pct((double)w->cycles, (double)rs->cycles));
        if (acc)
            fprintf(out, " %7.2f %7.2f\n", w->acc_e > 0 ? db_of(w->acc_e_sig, w->acc_e_noise) : NAN,
                    w->acc_macs_nmse > 0 ? -10.0 * log10(w->acc_macs_nmse / w->acc_macs)
                                         : w->acc_macs > 0 ? INFINITY : NAN);
        else
            fputc('\n', out);
    }
    free(rows);
    const ab_energy *e = &rs->energy;
    const ab_energy_events *ev = &rs->ev;
    fprintf(out, "\ntotal: %llu cycles = %s (compute %llu, memory stall %llu = %.1f%%), "
                 "PE utilization %.1f%%\n",
            (unsigned long long)rs->cycles, ab_fmt_si(b1, sizeof b1, rs->seconds, "s"),
            (unsigned long long)rs->compute_cycles, (unsigned long long)rs->stall_cycles,
            pct((double)rs->stall_cycles, (double)rs->cycles), 100 * rs->utilization);
    fprintf(out, "energy: %s = PE %.1f%% + dequant %.1f%% + SRAM read %.1f%% + SRAM write %.1f%% "
                 "+ DRAM %.1f%% + leakage %.1f%%\n",
            ab_fmt_si(b1, sizeof b1, e->total_pj * 1e-12, "J"), pct(e->pe_pj, e->total_pj),
            pct(e->dequant_pj, e->total_pj), pct(e->sram_read_pj, e->total_pj),
            pct(e->sram_write_pj, e->total_pj), pct(e->dram_pj, e->total_pj),
            pct(e->leakage_pj, e->total_pj));
    fprintf(out, "traffic: DRAM read %s, write %s; SRAM read %s (W %s)\n",
            ab_fmt_si(b1, sizeof b1, (double)ev->dram_read_bytes, "B"),
            ab_fmt_si(b2, sizeof b2, (double)ev->dram_write_bytes, "B"),
            ab_fmt_si(b3, sizeof b3,
                      (double)(ev->sram_read_bytes[0] + ev->sram_read_bytes[1] +
                               ev->sram_read_bytes[2]),
                      "B"),
            ab_fmt_si(b1, sizeof b1, (double)ev->sram_read_bytes[0], "B"));
    fprintf(out, "area: %.3f mm^2; %.4g %s/s; EDP %s*s\n", rs->area_mm2, rs->tokens_per_s,
            ab_throughput_unit_name(rs->unit), ab_fmt_si(b1, sizeof b1, rs->edp_pj_s * 1e-12, "J"));
    if (in->accuracy)
        ab_accuracy_table_line(out, in->accuracy);
    if (in->checks) {
        size_t checked = 0, outputs = 0, mism = 0;
        double worst = INFINITY;
        for (size_t i = 0; i < rs->nops; i++)
            if (in->checks[i].checked) {
                checked++;
                outputs += in->checks[i].outputs;
                mism += in->checks[i].mismatches;
                if (in->checks[i].sqnr_db < worst)
                    worst = in->checks[i].sqnr_db;
            }
        if (checked)
            fprintf(out, "values: %zu ops, %zu outputs, %zu mismatches vs the kernels/ datapath "
                         "model; lowest SQNR vs the float reference %.2f dB\n",
                    checked, outputs, mism, worst);
        else
            fprintf(out, "values: the trace carries none (timing only)\n");
    }
}

/* ---- JSON -------------------------------------------------------------- */

static int write_json(const char *path, cJSON *root, bool flat, ab_error *err)
{
    char *text = flat ? cJSON_PrintUnformatted(root) : cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return ab_error_set(err, "%s: out of memory formatting JSON", path);
    ab_atomic_file af;
    int rc = ab_atomic_open(&af, path, err);
    if (rc == 0) {
        fputs(text, af.fp);
        fputc('\n', af.fp);
        rc = ab_atomic_commit(&af, err);
    }
    free(text);
    return rc;
}

int ab_write_json(const char *path, cJSON *root, ab_error *err)
{
    return write_json(path, root, false, err);
}

int ab_write_json_flat(const char *path, cJSON *root, ab_error *err)
{
    return write_json(path, root, true, err);
}

static cJSON *energy_json(const ab_energy *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "pe_pj", e->pe_pj);
    cJSON_AddNumberToObject(o, "dequant_pj", e->dequant_pj);
    cJSON_AddNumberToObject(o, "sram_read_pj", e->sram_read_pj);
    cJSON_AddNumberToObject(o, "sram_write_pj", e->sram_write_pj);
    cJSON_AddNumberToObject(o, "dram_pj", e->dram_pj);
    cJSON_AddNumberToObject(o, "leakage_pj", e->leakage_pj);
    cJSON_AddNumberToObject(o, "total_pj", e->total_pj);
    return o;
}

static cJSON *events_json(const ab_energy_events *ev)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "pe_busy_cycles", (double)ev->pe_busy_cycles);
    cJSON_AddNumberToObject(o, "pe_idle_cycles", (double)ev->pe_idle_cycles);
    cJSON_AddNumberToObject(o, "dequant_cycles", (double)ev->dequant_cycles);
    static const char *const buf[] = {"weight", "activation", "output"};
    cJSON *sr = cJSON_AddObjectToObject(o, "sram_read_bytes");
    cJSON *sw = cJSON_AddObjectToObject(o, "sram_write_bytes");
    for (int b = 0; b < 3; b++) {
        cJSON_AddNumberToObject(sr, buf[b], (double)ev->sram_read_bytes[b]);
        cJSON_AddNumberToObject(sw, buf[b], (double)ev->sram_write_bytes[b]);
    }
    cJSON_AddNumberToObject(o, "dram_read_bytes", (double)ev->dram_read_bytes);
    cJSON_AddNumberToObject(o, "dram_write_bytes", (double)ev->dram_write_bytes);
    return o;
}

static cJSON *check_json(const ab_op_check *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "outputs", (double)c->outputs);
    cJSON_AddNumberToObject(o, "mismatches", (double)c->mismatches);
    cJSON_AddNumberToObject(o, "max_abs_err", c->max_abs_err);
    cJSON_AddNumberToObject(o, "mse", c->mse);
    if (isfinite(c->sqnr_db))
        cJSON_AddNumberToObject(o, "sqnr_db", c->sqnr_db);
    else
        cJSON_AddNullToObject(o, "sqnr_db");
    return o;
}

void ab_report_json_throughput(struct cJSON *o, const ab_run_stats *rs)
{
    const char *unit = ab_throughput_unit_name(rs->unit);
    char key[32];
    cJSON_AddStringToObject(o, "throughput_unit", unit);
    cJSON_AddNumberToObject(o, unit, rs->tokens);
    snprintf(key, sizeof key, "%s_per_s", unit);
    cJSON_AddNumberToObject(o, key, rs->tokens_per_s);
}

int ab_report_json(const char *path, const ab_report_in *in, ab_error *err)
{
    cJSON *root = ab_report_json_object(in);
    if (!root)
        return ab_error_set(err, "%s: out of memory building JSON", path);
    return ab_write_json(path, root, err);
}

cJSON *ab_report_json_object(const ab_report_in *in)
{
    const ab_accel *a = in->accel;
    const ab_run_stats *rs = in->rs;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "accel", a->name);
    cJSON_AddStringToObject(root, "pe", ab_pe_kind_name(a->pe));
    cJSON_AddStringToObject(root, "workload", in->workload);
    cJSON_AddStringToObject(root, "mode", rs->mode == AB_MODE_CYCLE ? "cycle" : "fast");
    cJSON_AddNumberToObject(root, "cycles", (double)rs->cycles);
    cJSON_AddNumberToObject(root, "compute_cycles", (double)rs->compute_cycles);
    cJSON_AddNumberToObject(root, "stall_cycles", (double)rs->stall_cycles);
    cJSON_AddNumberToObject(root, "seconds", rs->seconds);
    cJSON_AddNumberToObject(root, "utilization", rs->utilization);
    cJSON_AddNumberToObject(root, "macs", (double)rs->macs);
    cJSON_AddNumberToObject(root, "energy_pj", rs->energy.total_pj);
    cJSON_AddItemToObject(root, "energy", energy_json(&rs->energy));
    cJSON_AddItemToObject(root, "events", events_json(&rs->ev));
    cJSON_AddNumberToObject(root, "area_mm2", rs->area_mm2);
    ab_report_json_throughput(root, rs);
    cJSON_AddNumberToObject(root, "edp_pj_s", rs->edp_pj_s);
    /* the configuration's roofs (the roofline plot's): peak compute on the
     * run's formats and the DRAM bandwidth, at the clock */
    const double hz = a->clock_ghz * 1e9;
    cJSON *peak = cJSON_AddObjectToObject(root, "peak");
    cJSON_AddNumberToObject(peak, "clock_hz", hz);
    cJSON_AddNumberToObject(peak, "macs_per_cycle", rs->peak_macs_per_cycle);
    cJSON_AddNumberToObject(peak, "ops_per_s", 2 * rs->peak_macs_per_cycle * hz);
    cJSON_AddNumberToObject(peak, "dram_bytes_per_s", a->dram.bytes_per_cycle * hz);
    cJSON *ops = cJSON_AddArrayToObject(root, "ops");
    for (size_t i = 0; i < rs->nops; i++) {
        const ab_op_stats *s = &rs->ops[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddStringToObject(o, "kind", ab_op_kind_name(s->kind));
        cJSON_AddNumberToObject(o, "M", (double)s->M);
        cJSON_AddNumberToObject(o, "N", (double)s->N);
        cJSON_AddNumberToObject(o, "K", (double)s->K);
        cJSON_AddNumberToObject(o, "count", (double)s->count);
        cJSON_AddNumberToObject(o, "macs", (double)s->macs);
        cJSON_AddNumberToObject(o, "cycles", (double)s->cycles);
        cJSON_AddNumberToObject(o, "compute_cycles", (double)s->compute_cycles);
        cJSON_AddNumberToObject(o, "stall_cycles", (double)s->stall_cycles);
        cJSON_AddNumberToObject(o, "utilization", s->utilization);
        cJSON_AddNumberToObject(o, "energy_pj", s->energy.total_pj);
        if (in->compact_ops) {
            cJSON *ev = cJSON_AddObjectToObject(o, "events");
            cJSON_AddNumberToObject(ev, "dram_read_bytes", (double)s->ev.dram_read_bytes);
            cJSON_AddNumberToObject(ev, "dram_write_bytes", (double)s->ev.dram_write_bytes);
        } else {
            cJSON_AddItemToObject(o, "energy", energy_json(&s->energy));
            cJSON_AddItemToObject(o, "events", events_json(&s->ev));
        }
        cJSON_AddNumberToObject(o, "weight_bits", s->weight_bits);
        cJSON_AddNumberToObject(o, "peak_macs_per_cycle", s->peak_macs_per_cycle);
        cJSON *t = cJSON_AddObjectToObject(o, "tiling");
        cJSON_AddNumberToObject(t, "tm", (double)s->tiling.tm);
        cJSON_AddNumberToObject(t, "tn", (double)s->tiling.tn);
        cJSON_AddNumberToObject(t, "tk", (double)s->tiling.tk);
        cJSON_AddStringToObject(t, "order", s->tiling.m_outer ? "m,n,k" : "n,m,k");
        cJSON_AddBoolToObject(t, "forced", s->tiling.forced);
        cJSON_AddNumberToObject(t, "tiles", (double)s->tiles);
        if (in->checks && in->checks[i].checked)
            cJSON_AddItemToObject(o, "values", check_json(&in->checks[i]));
        if (in->accuracy && in->accuracy->on && i < in->accuracy->nops)
            cJSON_AddItemToObject(o, "accuracy", ab_op_accuracy_json(&in->accuracy->ops[i]));
        cJSON_AddItemToArray(ops, o);
    }
    if (in->accuracy && in->accuracy->on)
        cJSON_AddItemToObject(root, "accuracy", ab_accuracy_json(in->accuracy));
    return root;
}

/* A CSV field: quoted (with doubled quotes) when it holds a comma, a quote
 * or a line break (RFC 4180); op names come from trace files. */
void ab_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void ab_csv_number(FILE *f, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        fprintf(f, "%.0f", v);
    else
        fprintf(f, "%.*g", AB_CSV_DIGITS, v);
}

int ab_report_csv(const char *path, const ab_report_in *in, ab_error *err)
{
    const ab_run_stats *rs = in->rs;
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    FILE *f = af.fp;
    fprintf(f, "accel,op,kind,M,N,K,count,macs,cycles,compute_cycles,stall_cycles,utilization,"
               "energy_pj,pe_pj,dequant_pj,sram_read_pj,sram_write_pj,dram_pj,leakage_pj,"
               "dram_read_bytes,dram_write_bytes,tm,tn,tk,tiles,value_mismatches,sqnr_db");
    const bool acc = in->accuracy && in->accuracy->on;
    if (acc)
        ab_accuracy_csv_header(f);
    fputc('\n', f);
    for (size_t i = 0; i < rs->nops; i++) {
        const ab_op_stats *s = &rs->ops[i];
        const ab_energy *e = &s->energy;
        ab_csv_field(f, in->accel->name);
        fputc(',', f);
        ab_csv_field(f, s->name);
        fprintf(f, ",%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu", ab_op_kind_name(s->kind),
                (unsigned long long)s->M, (unsigned long long)s->N, (unsigned long long)s->K,
                (unsigned long long)s->count, (unsigned long long)s->macs,
                (unsigned long long)s->cycles, (unsigned long long)s->compute_cycles,
                (unsigned long long)s->stall_cycles);
        const double reals[] = {s->utilization, e->total_pj,     e->pe_pj,   e->dequant_pj,
                                e->sram_read_pj, e->sram_write_pj, e->dram_pj, e->leakage_pj};
        for (size_t k = 0; k < sizeof reals / sizeof reals[0]; k++) {
            fputc(',', f);
            ab_csv_number(f, reals[k]);
        }
        fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%llu,", (unsigned long long)s->ev.dram_read_bytes,
                (unsigned long long)s->ev.dram_write_bytes, (unsigned long long)s->tiling.tm,
                (unsigned long long)s->tiling.tn, (unsigned long long)s->tiling.tk,
                (unsigned long long)s->tiles);
        if (in->checks && in->checks[i].checked) {
            fprintf(f, "%zu,", in->checks[i].mismatches);
            ab_csv_number(f, in->checks[i].sqnr_db);
        } else {
            fprintf(f, ",");
        }
        if (acc) {
            const ab_op_accuracy *a = i < in->accuracy->nops ? &in->accuracy->ops[i] : NULL;
            ab_accuracy_csv_fields(f, a, a ? ab_accuracy_source_name(a->activations_source) : "");
        }
        fputc('\n', f);
    }
    return ab_atomic_commit(&af, err);
}
