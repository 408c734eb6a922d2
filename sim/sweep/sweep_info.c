/* sweep_info.c - sweep.json, sweep.yaml and points/P.json readers for
 * `plot` and `report` (sweep_info.h). */
#include "sweep_info.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "tensor_io.h"
#include "yaml/yaml_doc.h"

int ab_json_load(const char *path, cJSON **root, ab_error *err)
{
    *root = NULL;
    uint8_t *data;
    size_t len;
    if (ab_read_file(path, &data, &len, err) != 0)
        return -1;
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts((const char *)data, len, &end, false);
    if (!*root) {
        /* cJSON gives the position it stopped at: count lines up to it */
        unsigned long line = 1;
        for (const char *p = (const char *)data; end && p < end; p++)
            line += *p == '\n';
        free(data);
        return ab_error_set(err, "%s:%lu: not valid JSON", path, line);
    }
    free(data);
    return 0;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void copy_text(char *out, const char *s) { snprintf(out, AB_SWEEP_INFO_MAX, "%s", s); }

/* The last component of dir ("out/bits/" -> "bits"). */
static void base_name(const char *dir, char *out)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && dir[b - 1] != '/')
        b--;
    snprintf(out, AB_SWEEP_INFO_MAX, "%.*s", (int)(n - b), dir + b);
}

static int read_sweep_json(const char *path, ab_sweep_info *m, ab_error *err)
{
    cJSON *root;
    if (ab_json_load(path, &root, err) != 0)
        return -1;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return ab_error_set(err, "%s: expected a JSON object", path);
    }
    static const char *const keys[] = {"name", "description"};
    char *dst[] = {m->name, m->description};
    for (int k = 0; k < 2; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[k]);
        if (!v)
            continue;
        if (!cJSON_IsString(v)) {
            cJSON_Delete(root);
            return ab_error_set(err, "%s: %s: expected a string", path, keys[k]);
        }
        copy_text(dst[k], v->valuestring);
    }
    cJSON_Delete(root);
    return 0;
}

/* A scalar `key` of the top mapping into out (truncated to fit: it is
 * shown, not parsed); absent keys leave out as it is. */
static int yaml_text(const ab_ydoc *d, const char *key, char *out)
{
    struct fy_node *n = ab_ydoc_get(d->root, key);
    if (!n)
        return 0;
    size_t len = 0;
    const char *s = fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
    if (!s)
        return ab_ydoc_fail(d, n, key, "expected a string");
    if (!out[0])
        snprintf(out, AB_SWEEP_INFO_MAX, "%.*s",
                 (int)(len < AB_SWEEP_INFO_MAX ? len : AB_SWEEP_INFO_MAX - 1), s);
    return 0;
}

static int read_sweep_yaml(const char *path, ab_sweep_info *m, ab_error *err)
{
    ab_ydoc d;
    if (ab_ydoc_load(&d, path, err) != 0)
        return -1;
    const int rc =
        yaml_text(&d, "name", m->name) != 0 || yaml_text(&d, "description", m->description) != 0
            ? -1
            : 0;
    ab_ydoc_free(&d);
    return rc;
}

int ab_sweep_info_load(const char *dir, ab_sweep_info *m, ab_error *err)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    if (file_exists(path) && read_sweep_json(path, m, err) != 0)
        return -1;
    /* sweep.json records the name and hash; the description is in the
     * space file as given */
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    if ((!m->name[0] || !m->description[0]) && file_exists(path) &&
        read_sweep_yaml(path, m, err) != 0)
        return -1;
    if (!m->name[0])
        base_name(dir, m->name);
    return 0;
}

int ab_sweep_point_json(const char *dir, uint64_t point, cJSON **root, const cJSON **run,
                        char *path, size_t cap, ab_error *err)
{
    *run = NULL;
    snprintf(path, cap, "%s/points/%06llu.json", dir, (unsigned long long)point);
    if (!file_exists(path))
        return ab_error_set(err,
                            "%s: missing (results.csv says point %llu is ok; "
                            "rerun the sweep to complete it)",
                            path, (unsigned long long)point);
    if (ab_json_load(path, root, err) != 0)
        return -1;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(*root, "run");
    if (!cJSON_IsObject(r)) {
        cJSON_Delete(*root);
        *root = NULL;
        return ab_error_set(err, "%s: run: expected the point's `anybit run --json` object", path);
    }
    *run = r;
    return 0;
}
