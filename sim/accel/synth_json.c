/* synth_json.c - the synth JSON of `anybit synth` (rtl_synth.h): writing it
 * atomically, and reading one top's area back for area_source: yosys.
 *
 * {"tool": "yosys", "yosys": "Yosys 0.23 ...", "tech": "cmos",
 *  "um2_per_transistor": 0.1, "area_note": "...",
 *  "tops": {"<top>": {"pe_kind", "cells", "cells_by_type": {...},
 *           "flip_flops", "transistors", "area_um2_estimate", "seconds"}}}
 */
#include "rtl_synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "atomic_file.h"
#include "tensor_io.h"

int ab_synth_write_json(const char *path, const char *version, const ab_synth_result *res,
                        size_t n, ab_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return ab_error_set(err, "%s: out of memory", path);
    cJSON_AddStringToObject(root, "tool", "yosys");
    cJSON_AddStringToObject(root, "yosys", version ? version : "");
    cJSON_AddStringToObject(root, "tech", "cmos");
    cJSON_AddNumberToObject(root, "um2_per_transistor", AB_SYNTH_UM2_PER_TRANSISTOR_28NM);
    cJSON_AddStringToObject(root, "area_note",
                            "area_um2_estimate = transistors (Yosys stat -tech cmos after "
                            "dfflegalize + abc -g cmos2) x um2_per_transistor, an assumed 28 nm "
                            "figure (NAND2 ~0.4 um^2 / 4); no place-and-route factor "
                            "(docs/rtl.md, Synthesis)");
    cJSON *tops = cJSON_AddObjectToObject(root, "tops");
    for (size_t i = 0; tops && i < n; i++) {
        const ab_synth_result *r = &res[i];
        cJSON *t = cJSON_AddObjectToObject(tops, r->top->top);
        if (!t)
            break;
        cJSON_AddStringToObject(t, "pe_kind", ab_pe_kind_name(r->top->kind));
        if (r->top->array) {
            cJSON_AddNumberToObject(t, "rows", r->rows);
            cJSON_AddNumberToObject(t, "cols", r->cols);
        }
        if (r->top->lanes)
            cJSON_AddNumberToObject(t, "lanes", r->lanes);
        cJSON_AddStringToObject(t, "yosys_setup", r->setup);
        cJSON_AddNumberToObject(t, "cells", (double)r->cells);
        cJSON *bt = cJSON_AddObjectToObject(t, "cells_by_type");
        for (size_t k = 0; bt && k < r->ntypes; k++)
            cJSON_AddNumberToObject(bt, r->type_name[k], (double)r->type_count[k]);
        cJSON_AddNumberToObject(t, "flip_flops", (double)r->flip_flops);
        cJSON_AddNumberToObject(t, "transistors", (double)r->transistors);
        cJSON_AddNumberToObject(t, "area_um2_estimate", r->area_um2);
        cJSON_AddNumberToObject(t, "seconds", round(r->seconds * 100.0) / 100.0);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return ab_error_set(err, "%s: out of memory", path);
    ab_atomic_file af;
    int rc = ab_atomic_open(&af, path, err);
    if (rc == 0) {
        fprintf(af.fp, "%s\n", text);
        rc = ab_atomic_commit(&af, err);
    }
    free(text);
    return rc;
}

int ab_synth_json_area(const char *path, const char *top, unsigned lanes, double *um2,
                       ab_error *err)
{
    /* a path from a config: read as every input is (a regular file, no
     * more than its size), ab_read_file's message names the path */
    uint8_t *buf = NULL;
    size_t n = 0;
    if (ab_read_file(path, &buf, &n, err) != 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return ab_error_set(err, "%s: cannot read the synth JSON (run `make synth` or `anybit "
                                 "synth -o %s`): %s",
                            path, path, why);
    }
    cJSON *j = cJSON_ParseWithLength((const char *)buf, n);
    free(buf);
    if (!j)
        return ab_error_set(err, "%s: not valid JSON", path);
    const cJSON *tops = cJSON_GetObjectItemCaseSensitive(j, "tops");
    const cJSON *t = cJSON_IsObject(tops) ? cJSON_GetObjectItemCaseSensitive(tops, top) : NULL;
    const cJSON *a = t ? cJSON_GetObjectItemCaseSensitive(t, "area_um2_estimate") : NULL;
    const cJSON *ln = t ? cJSON_GetObjectItemCaseSensitive(t, "lanes") : NULL;
    /* a JSON without the field is from before LANES: the 4-lane PE */
    const double synth_lanes = cJSON_IsNumber(ln) ? ln->valuedouble : 4.0;
    int rc = 0;
    if (!cJSON_IsObject(tops))
        rc = ab_error_set(err, "%s: expected a \"tops\" object (anybit synth output)", path);
    else if (!t)
        rc = ab_error_set(err, "%s: no top \"%s\" in tops (was rtl/ synthesized with it?)",
                          path, top);
    else if (!cJSON_IsNumber(a) || !(a->valuedouble > 0.0) || !isfinite(a->valuedouble))
        rc = ab_error_set(err, "%s: tops.%s.area_um2_estimate: expected a positive number",
                          path, top);
    else if (lanes != 0 && synth_lanes != (double)lanes)
        rc = ab_error_set(err, "%s: tops.%s.lanes: synthesized with %g lanes, the config's "
                               "pe.lanes is %u (anybit synth --lanes %u -o %s)",
                          path, top, synth_lanes, lanes, lanes, path);
    else
        *um2 = a->valuedouble;
    cJSON_Delete(j);
    return rc;
}
