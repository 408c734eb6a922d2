/* sweep_results.c - the files of a sweep directory: sweep.json, the point
 * files, results.csv / results.json, and merging shard directories. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "results/report.h"
#include "sweep_impl.h"
#include "sweep_info.h"
#include "tensor_io.h"

const char *const ab_sweep_out_cols[AB_SWEEP_NOUT] = {
    "cycles",       "compute_cycles", "stall_cycles",  "seconds",    "energy_pj",
    "pe_pj",        "dequant_pj",     "sram_read_pj",  "sram_write_pj", "dram_pj",
    "leakage_pj",   "area_mm2",       "tokens_per_s",  "edp_pj_s",   "utilization",
    "macs",         "dram_bytes",     "tokens",        "clock_ghz",  "images_per_s",
    "images",
};

const char *const ab_sweep_acc_cols[AB_SWEEP_NACC] = {
    "weight_sqnr_db", "weight_mse", "output_sqnr_db", "output_nmse", "accuracy_source",
};

void ab_sweep_outputs(const ab_run_stats *rs, double o[AB_SWEEP_NOUT])
{
    const ab_energy *e = &rs->energy;
    /* throughput in its unit: tokens_per_s and tokens for a token
     * workload, images_per_s and images for an image one (a CNN, a ViT);
     * the other pair is NaN, an empty cell */
    const bool images = rs->unit == AB_THROUGHPUT_IMAGES;
    const double none = NAN;
    const double v[AB_SWEEP_NOUT] = {
        (double)rs->cycles, (double)rs->compute_cycles, (double)rs->stall_cycles, rs->seconds,
        e->total_pj, e->pe_pj, e->dequant_pj, e->sram_read_pj, e->sram_write_pj, e->dram_pj,
        e->leakage_pj, rs->area_mm2, images ? none : rs->tokens_per_s, rs->edp_pj_s,
        rs->utilization, (double)rs->macs,
        (double)(rs->ev.dram_read_bytes + rs->ev.dram_write_bytes), images ? none : rs->tokens,
        rs->seconds > 0 ? (double)rs->cycles / rs->seconds / 1e9 : 0,
        images ? rs->tokens_per_s : none, images ? rs->tokens : none,
    };
    memcpy(o, v, sizeof v);
}

void ab_sweep_point_file(const char *dir, size_t p, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/points/%06zu.json", dir, p);
}

void ab_sweep_input_file(const char *dir, size_t p, const char *what, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/inputs/%06zu.%s.yaml", dir, p, what);
}

bool ab_sweep_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int mkdir_p(const char *dir, ab_error *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1;; p++) {
        const char c = *p;
        if (c == '/' || c == 0) {
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return ab_error_set(err, "%s: cannot create the folder: %s", buf, strerror(errno));
            *p = c;
        }
        if (c == 0)
            return 0;
    }
}

int ab_sweep_make_dirs(const char *dir, ab_error *err)
{
    char sub[1024];
    if (mkdir_p(dir, err) != 0)
        return -1;
    snprintf(sub, sizeof sub, "%s/points", dir);
    if (mkdir_p(sub, err) != 0)
        return -1;
    snprintf(sub, sizeof sub, "%s/inputs", dir);
    return mkdir_p(sub, err);
}

/* ---- sweep.json, sweep.yaml --------------------------------------------- */

/* `to` made a copy of `from`'s bytes, atomically (sweep.yaml, and the
 * point files merge gathers). */
static int copy_file(const char *from, const char *to, ab_error *err)
{
    uint8_t *text;
    size_t len;
    if (ab_read_file(from, &text, &len, err) != 0)
        return -1;
    ab_atomic_file af;
    int rc = ab_atomic_open(&af, to, err);
    if (rc == 0) {
        if (len && fwrite(text, 1, len, af.fp) != len) {
            ab_atomic_abort(&af);
            rc = ab_error_set(err, "%s: write failed", to);
        } else {
            rc = ab_atomic_commit(&af, err);
        }
    }
    free(text);
    return rc;
}

int ab_sweep_meta_write(const char *dir, const ab_sweep_spec *s, unsigned shard_i,
                        unsigned shard_n, ab_error *err)
{
    cJSON *o = cJSON_CreateObject();
    char hash[32], path[1024];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)s->hash);
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON_AddStringToObject(o, "description", s->description);
    cJSON_AddStringToObject(o, "spec", s->file);
    cJSON_AddStringToObject(o, "hash", hash);
    cJSON_AddNumberToObject(o, "points", (double)s->npoints);
    cJSON *cols = cJSON_AddArrayToObject(o, "columns");
    for (size_t c = 0; c < s->ncols; c++)
        cJSON_AddItemToArray(cols, cJSON_CreateString(s->cols[c]));
    cJSON *outs = cJSON_AddArrayToObject(o, "outputs");
    for (size_t c = 0; c < AB_SWEEP_NOUT; c++)
        cJSON_AddItemToArray(outs, cJSON_CreateString(ab_sweep_out_cols[c]));
    for (size_t c = 0; c < AB_SWEEP_NACC; c++)
        cJSON_AddItemToArray(outs, cJSON_CreateString(ab_sweep_acc_cols[c]));
    char shard[32];
    snprintf(shard, sizeof shard, "%u/%u", shard_i, shard_n);
    cJSON_AddStringToObject(o, "shard", shard);
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    if (ab_write_json(path, o, err) != 0)
        return -1;
    /* the space as given, so that the directory describes itself wherever
     * the space file goes */
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    return copy_file(s->file, path, err);
}

void ab_sweep_meta_free(ab_sweep_meta *m)
{
    for (size_t c = 0; m->cols && c < m->ncols; c++)
        free(m->cols[c]);
    free(m->cols);
    memset(m, 0, sizeof *m);
}

/* Parse a JSON file; NULL with err set (sweep_info.h does the work). */
static cJSON *read_json(const char *path, ab_error *err)
{
    cJSON *o = NULL;
    return ab_json_load(path, &o, err) == 0 ? o : NULL;
}

int ab_sweep_meta_read(const char *dir, ab_sweep_meta *m, bool *exists, ab_error *err)
{
    memset(m, 0, sizeof *m);
    char path[1024];
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    *exists = ab_sweep_file_exists(path);
    if (!*exists)
        return 0;
    cJSON *o = read_json(path, err);
    if (!o)
        return -1;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(o, "hash");
    const cJSON *pts = cJSON_GetObjectItemCaseSensitive(o, "points");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(o, "columns");
    const cJSON *shard = cJSON_GetObjectItemCaseSensitive(o, "shard");
    if (!cJSON_IsString(name) || !cJSON_IsString(hash) || !cJSON_IsNumber(pts) ||
        !cJSON_IsArray(cols) || !cJSON_IsString(shard) ||
        sscanf(shard->valuestring, "%u/%u", &m->shard_i, &m->shard_n) != 2) {
        cJSON_Delete(o);
        return ab_error_set(err, "%s: not a sweep.json (name, hash, points, columns, shard)",
                            path);
    }
    /* a damaged or hand-made directory: the count must be one a sweep can
     * have (the loader's bound), and the shard one of its shards */
    const double np = pts->valuedouble;
    if (!(np >= 0 && np <= (double)AB_SWEEP_MAX_POINTS) || np != floor(np)) {
        cJSON_Delete(o);
        return ab_error_set(err, "%s: points: expected a whole number 0 to %zu, found %.17g", path,
                            AB_SWEEP_MAX_POINTS, np);
    }
    if (m->shard_n == 0 || m->shard_i >= m->shard_n) {
        const unsigned si = m->shard_i, sn = m->shard_n;
        cJSON_Delete(o);
        return ab_error_set(err, "%s: shard: expected I/N with I < N, found %u/%u", path, si, sn);
    }
    snprintf(m->name, sizeof m->name, "%s", name->valuestring);
    m->hash = strtoull(hash->valuestring, NULL, 16);
    m->npoints = (size_t)np;
    m->ncols = (size_t)cJSON_GetArraySize(cols);
    m->cols = calloc(m->ncols ? m->ncols : 1, sizeof *m->cols);
    size_t c = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cols) m->cols[c++] = strdup(cJSON_IsString(it) ? it->valuestring : "");
    cJSON_Delete(o);
    return 0;
}

/* ---- point files -------------------------------------------------------- */

int ab_sweep_point_write(const char *dir, size_t p, const char *status, const char *reason,
                         const char *const *cols, const char *const *vals, size_t ncols,
                         const ab_run_stats *rs, const ab_accuracy *acc, cJSON *run,
                         const char *command, ab_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "point", (double)p);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "reason", reason ? reason : "");
    cJSON *in = cJSON_AddObjectToObject(o, "inputs");
    for (size_t c = 0; c < ncols; c++)
        cJSON_AddStringToObject(in, cols[c], vals[c]);
    cJSON *out = cJSON_AddObjectToObject(o, "outputs");
    if (rs) {
        double v[AB_SWEEP_NOUT];
        ab_sweep_outputs(rs, v);
        for (size_t c = 0; c < AB_SWEEP_NOUT; c++)
            if (isfinite(v[c])) /* the other throughput unit's pair stays empty */
                cJSON_AddNumberToObject(out, ab_sweep_out_cols[c], v[c]);
    }
    if (rs && acc && acc->on) {
        const double a[AB_SWEEP_NACC_NUM] = {acc->weight_sqnr_db, acc->weight_mse,
                                             acc->output_sqnr_db, acc->output_nmse};
        for (size_t c = 0; c < AB_SWEEP_NACC_NUM; c++)
            if (isfinite(a[c])) /* no noise: no finite SQNR, the cell stays empty */
                cJSON_AddNumberToObject(out, ab_sweep_acc_cols[c], a[c]);
        cJSON_AddStringToObject(out, ab_sweep_acc_cols[AB_SWEEP_NACC_NUM], acc->source);
    }
    if (command)
        cJSON_AddStringToObject(o, "command", command);
    if (run)
        cJSON_AddItemToObject(o, "run", run);
    char path[1024];
    ab_sweep_point_file(dir, p, path, sizeof path);
    return ab_write_json_flat(path, o, err);
}

/* ---- results.csv / results.json ----------------------------------------- */

int ab_sweep_write_results(const char *dir, ab_error *err)
{
    ab_sweep_meta m;
    bool exists;
    if (ab_sweep_meta_read(dir, &m, &exists, err) != 0)
        return -1;
    if (!exists)
        return ab_error_set(err, "%s: not a sweep directory (no sweep.json)", dir);
    char csv_path[1024], json_path[1024];
    snprintf(csv_path, sizeof csv_path, "%s/results.csv", dir);
    snprintf(json_path, sizeof json_path, "%s/results.json", dir);
    ab_atomic_file af;
    if (ab_atomic_open(&af, csv_path, err) != 0) {
        ab_sweep_meta_free(&m);
        return -1;
    }
    FILE *f = af.fp;
    fputs("point,status,reason", f);
    for (size_t c = 0; c < m.ncols; c++) {
        fputc(',', f);
        ab_csv_field(f, m.cols[c]);
    }
    for (size_t c = 0; c < AB_SWEEP_NOUT; c++)
        fprintf(f, ",%s", ab_sweep_out_cols[c]);
    for (size_t c = 0; c < AB_SWEEP_NACC; c++)
        fprintf(f, ",%s", ab_sweep_acc_cols[c]);
    fputc('\n', f);
    cJSON *rows = cJSON_CreateArray();
    int rc = 0;
    for (size_t p = 0; p < m.npoints && rc == 0; p++) {
        char path[1024];
        ab_sweep_point_file(dir, p, path, sizeof path);
        if (!ab_sweep_file_exists(path))
            continue;
        cJSON *o = read_json(path, err);
        if (!o) {
            rc = -1;
            break;
        }
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(o, "status");
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(o, "reason");
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "inputs");
        const cJSON *out = cJSON_GetObjectItemCaseSensitive(o, "outputs");
        if (!cJSON_IsString(status) || !cJSON_IsString(reason) || !cJSON_IsObject(in) ||
            !cJSON_IsObject(out)) {
            cJSON_Delete(o);
            rc = ab_error_set(err, "%s: not a point file (status, reason, inputs, outputs)", path);
            break;
        }
        fprintf(f, "%zu,", p);
        ab_csv_field(f, status->valuestring);
        fputc(',', f);
        ab_csv_field(f, reason->valuestring);
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "point", (double)p);
        cJSON_AddStringToObject(row, "status", status->valuestring);
        cJSON_AddStringToObject(row, "reason", reason->valuestring);
        cJSON *rin = cJSON_AddObjectToObject(row, "inputs");
        cJSON *rout = cJSON_AddObjectToObject(row, "outputs");
        for (size_t c = 0; c < m.ncols; c++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, m.cols[c]);
            const char *t = cJSON_IsString(v) ? v->valuestring : "";
            fputc(',', f);
            ab_csv_field(f, t);
            cJSON_AddStringToObject(rin, m.cols[c], t);
        }
        for (size_t c = 0; c < AB_SWEEP_NOUT; c++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(out, ab_sweep_out_cols[c]);
            fputc(',', f);
            if (cJSON_IsNumber(v)) {
                ab_csv_number(f, v->valuedouble);
                cJSON_AddNumberToObject(rout, ab_sweep_out_cols[c], v->valuedouble);
            }
        }
        for (size_t c = 0; c < AB_SWEEP_NACC; c++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(out, ab_sweep_acc_cols[c]);
            fputc(',', f);
            if (c < AB_SWEEP_NACC_NUM && cJSON_IsNumber(v)) {
                ab_csv_number(f, v->valuedouble);
                cJSON_AddNumberToObject(rout, ab_sweep_acc_cols[c], v->valuedouble);
            } else if (c == AB_SWEEP_NACC_NUM && cJSON_IsString(v)) {
                ab_csv_field(f, v->valuestring);
                cJSON_AddStringToObject(rout, ab_sweep_acc_cols[c], v->valuestring);
            }
        }
        fputc('\n', f);
        cJSON_AddItemToArray(rows, row);
        cJSON_Delete(o);
    }
    ab_sweep_meta_free(&m);
    if (rc != 0) {
        ab_atomic_abort(&af);
        cJSON_Delete(rows);
        return -1;
    }
    if (ab_write_json(json_path, rows, err) != 0) {
        ab_atomic_abort(&af);
        return -1;
    }
    return ab_atomic_commit(&af, err);
}

/* ---- merge -------------------------------------------------------------- */

int ab_sweep_merge(const char *out, const char *const *dirs, size_t ndirs, size_t *missing,
                   size_t *total, ab_error *err)
{
    ab_sweep_meta first;
    memset(&first, 0, sizeof first);
    char first_dir[1024] = "";
    /* every input must be a sweep directory of the same space */
    for (size_t i = 0; i < ndirs; i++) {
        ab_sweep_meta m;
        bool exists;
        if (ab_sweep_meta_read(dirs[i], &m, &exists, err) != 0)
            goto fail;
        if (!exists) {
            ab_error_set(err, "%s: not a sweep directory (no sweep.json)", dirs[i]);
            goto fail;
        }
        if (i == 0) {
            first = m;
            snprintf(first_dir, sizeof first_dir, "%s", dirs[i]);
            continue;
        }
        const bool same = m.hash == first.hash && m.npoints == first.npoints;
        ab_sweep_meta_free(&m);
        if (!same) {
            ab_error_set(err, "%s: holds a different sweep than %s (space hash differs)", dirs[i],
                         dirs[0]);
            goto fail;
        }
    }
    bool out_exists;
    ab_sweep_meta om;
    if (ab_sweep_meta_read(out, &om, &out_exists, err) != 0)
        goto fail;
    if (out_exists) {
        const bool same = om.hash == first.hash;
        ab_sweep_meta_free(&om);
        if (!same) {
            ab_error_set(err, "%s: holds a different sweep (space hash differs)", out);
            goto fail;
        }
    }
    if (ab_sweep_make_dirs(out, err) != 0)
        goto fail;
    {
        /* sweep.json of the merge: the first shard's, as the whole space */
        char from[1100], to[1100];
        snprintf(from, sizeof from, "%s/sweep.json", first_dir);
        cJSON *o = read_json(from, err);
        if (!o)
            goto fail;
        cJSON_ReplaceItemInObjectCaseSensitive(o, "shard", cJSON_CreateString("0/1"));
        snprintf(to, sizeof to, "%s/sweep.json", out);
        if (ab_write_json(to, o, err) != 0)
            goto fail;
        snprintf(from, sizeof from, "%s/sweep.yaml", first_dir);
        snprintf(to, sizeof to, "%s/sweep.yaml", out);
        if (ab_sweep_file_exists(from) && copy_file(from, to, err) != 0)
            goto fail;
    }
    *missing = 0;
    *total = first.npoints;
    for (size_t p = 0; p < first.npoints; p++) {
        char to[1024];
        ab_sweep_point_file(out, p, to, sizeof to);
        bool found = ab_sweep_file_exists(to);
        for (size_t i = 0; i < ndirs && !found; i++) {
            char from[1024];
            ab_sweep_point_file(dirs[i], p, from, sizeof from);
            if (strcmp(dirs[i], out) == 0 || !ab_sweep_file_exists(from))
                continue;
            if (copy_file(from, to, err) != 0)
                goto fail;
            for (int w = 0; w < 2; w++) { /* the point's inputs, when present */
                const char *what = w ? "recipe" : "config";
                char fi[1024], ti[1024];
                ab_sweep_input_file(dirs[i], p, what, fi, sizeof fi);
                ab_sweep_input_file(out, p, what, ti, sizeof ti);
                if (ab_sweep_file_exists(fi) && copy_file(fi, ti, err) != 0)
                    goto fail;
            }
            found = true;
        }
        *missing += !found;
    }
    ab_sweep_meta_free(&first);
    return ab_sweep_write_results(out, err);
fail:
    ab_sweep_meta_free(&first);
    return -1;
}
