/* roofline.c - ops of every ok point read from points/P.json, folded by
 * role and placed on the roofline (roofline.h; definitions in
 * docs/plots.md "Roofline"). */
#include "roofline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "results/report.h"
#include "sweep/sweep_info.h"


/* A number >= 0 at o[key]; `where` names o ("run.ops[3]") in messages. */
static int num(const cJSON *o, const char *key, const char *path, const char *where, double *out,
               ab_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
        return ab_error_set(err, "%s: %s.%s: expected a number >= 0", path, where, key);
    *out = v->valuedouble;
    return 0;
}

void ab_roofline_free(ab_roofline *rl)
{
    free(rl->ops);
    memset(rl, 0, sizeof *rl);
}

static int add_role(ab_roofline *rl, size_t *cap, size_t first_of_point, size_t row,
                    const char *role, double macs, double cycles, double bytes, ab_error *err)
{
    size_t k = first_of_point;
    while (k < rl->nops && strcmp(rl->ops[k].role, role) != 0)
        k++;
    if (k == rl->nops) {
        if (rl->nops == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            ab_roof_op *grown = realloc(rl->ops, *cap * sizeof *grown);
            if (!grown)
                return ab_error_set(err, "roofline: out of memory");
            rl->ops = grown;
        }
        memset(&rl->ops[k], 0, sizeof rl->ops[k]);
        rl->ops[k].row = row;
        snprintf(rl->ops[k].role, sizeof rl->ops[k].role, "%s", role);
        rl->nops++;
    }
    ab_roof_op *o = &rl->ops[k];
    o->count++;
    o->macs += macs;
    o->cycles += cycles;
    o->dram_bytes += bytes;
    return 0;
}

static int load_point(const ab_results *r, size_t row, ab_roofline *rl, size_t *cap, ab_error *err)
{
    cJSON *root;
    const cJSON *run;
    char path[4200];
    if (ab_sweep_point_json(r->dir, r->rows[row].point, &root, &run, path, sizeof path, err) != 0)
        return -1;
    int rc = -1;
    double cycles = 0, seconds = 0;
    if (num(run, "cycles", path, "run", &cycles, err) != 0 ||
        num(run, "seconds", path, "run", &seconds, err) != 0)
        goto out;
    if (cycles <= 0 || seconds <= 0) {
        ab_error_set(err, "%s: run.cycles, run.seconds: expected > 0 (the clock is their ratio)",
                     path);
        goto out;
    }
    const double clock = cycles / seconds;
    const cJSON *peak = cJSON_GetObjectItemCaseSensitive(run, "peak");
    const cJSON *accel = cJSON_GetObjectItemCaseSensitive(run, "accel");
    double peak_ops = 0, bw = 0;
    if (!cJSON_IsObject(peak)) {
        ab_error_set(err, "%s: run.peak: missing (the configuration's roofs; a point file of "
                          "an older anybit: run the sweep again)",
                     path);
        goto out;
    }
    if (num(peak, "ops_per_s", path, "run.peak", &peak_ops, err) != 0 ||
        num(peak, "dram_bytes_per_s", path, "run.peak", &bw, err) != 0)
        goto out;
    if (!(peak_ops > 0) || !(bw > 0)) {
        ab_error_set(err, "%s: run.peak: expected ops_per_s and dram_bytes_per_s > 0", path);
        goto out;
    }
    size_t roof = 0;
    while (roof < rl->nroofs &&
           !(rl->roofs[roof].peak_ops_s == peak_ops && rl->roofs[roof].bw_bytes_s == bw))
        roof++;
    if (roof == rl->nroofs) {
        if (rl->nroofs == AB_ROOFS_MAX) {
            roof = AB_ROOFS_MAX - 1; /* drawn as the last roof's; the title says so */
            rl->roofs_merged++;
        } else {
            ab_roof *f = &rl->roofs[rl->nroofs++];
            snprintf(f->accel, sizeof f->accel, "%s",
                     cJSON_IsString(accel) ? accel->valuestring : "?");
            f->peak_ops_s = peak_ops;
            f->bw_bytes_s = bw;
        }
    }
    rl->roofs[roof].points++;
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(run, "ops");
    if (!cJSON_IsArray(ops)) {
        ab_error_set(err, "%s: run.ops: expected an array", path);
        goto out;
    }
    const size_t first = rl->nops;
    int i = 0;
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        char where[48];
        snprintf(where, sizeof where, "run.ops[%d]", i++);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(op, "name");
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(op, "events");
        double macs = 0, ocycles = 0, rd = 0, wr = 0;
        if (!cJSON_IsString(name)) {
            ab_error_set(err, "%s: %s.name: expected a string", path, where);
            goto out;
        }
        if (num(op, "macs", path, where, &macs, err) != 0 ||
            num(op, "cycles", path, where, &ocycles, err) != 0)
            goto out;
        strncat(where, ".events", sizeof where - strlen(where) - 1);
        if (num(ev, "dram_read_bytes", path, where, &rd, err) != 0 ||
            num(ev, "dram_write_bytes", path, where, &wr, err) != 0)
            goto out;
        char role[AB_ROLE_MAX];
        ab_op_role(name->valuestring, role, sizeof role);
        if (add_role(rl, cap, first, row, role, macs, ocycles, rd + wr, err) != 0)
            goto out;
    }
    /* place the roles; those that cannot sit on log axes are dropped */
    size_t keep = first;
    for (size_t k = first; k < rl->nops; k++) {
        ab_roof_op *o = &rl->ops[k];
        if (o->macs <= 0 || o->dram_bytes <= 0 || o->cycles <= 0) {
            rl->skipped++;
            continue;
        }
        o->intensity = 2 * o->macs / o->dram_bytes;
        o->ops_per_s = 2 * o->macs * clock / o->cycles;
        o->roof = roof;
        rl->ops[keep++] = *o;
    }
    rl->nops = keep;
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

int ab_roofline_load(const ab_results *r, ab_roofline *out, ab_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].status == AB_ROW_OK && load_point(r, i, out, &cap, err) != 0) {
            ab_roofline_free(out);
            return -1;
        }
    return 0;
}
