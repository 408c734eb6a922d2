/* yaml_patch.c - set fields of a YAML document and emit it (yaml_patch.h). */
#include "yaml_patch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "yaml_doc.h"

static int set_path(ab_ydoc *d, const char *path, const char *value, const char *what,
                    ab_error *err)
{
    struct fy_node *map = d->root;
    char part[128];
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        const size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len == 0 || len >= sizeof part)
            return ab_error_set(err, "%s: bad field path", what);
        memcpy(part, p, len);
        part[len] = 0;
        if (!fy_node_is_mapping(map))
            return ab_error_set(err, "%s: %s: the field above \"%s\" is not a mapping", what,
                                d->file, part);
        struct fy_node_pair *pair = fy_node_mapping_lookup_pair_by_string(map, part, len);
        if (!dot) {
            struct fy_node *v = fy_node_create_scalar_copy(d->fyd, value, strlen(value));
            if (!v)
                return ab_error_set(err, "%s: out of memory", what);
            if (pair)
                return fy_node_pair_set_value(pair, v) == 0
                           ? 0
                           : ab_error_set(err, "%s: cannot set the value", what);
            struct fy_node *k = fy_node_create_scalar_copy(d->fyd, part, len);
            if (!k || fy_node_mapping_append(map, k, v) != 0)
                return ab_error_set(err, "%s: cannot add the field", what);
            return 0;
        }
        struct fy_node *next = pair ? fy_node_pair_value(pair) : NULL;
        if (!next) {
            next = fy_node_create_mapping(d->fyd);
            struct fy_node *k = fy_node_create_scalar_copy(d->fyd, part, len);
            if (!next || !k || fy_node_mapping_append(map, k, next) != 0)
                return ab_error_set(err, "%s: cannot add the field", what);
        }
        map = next;
        p = dot + 1;
    }
}

int ab_yaml_patch_file(const char *in, const char *out, const char *const *paths,
                       const char *const *values, const char *const *what, size_t n,
                       ab_error *err)
{
    ab_ydoc d;
    if (ab_ydoc_load(&d, in, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = set_path(&d, paths[i], values[i], what[i], err);
    char *text = NULL;
    if (rc == 0) {
        text = fy_emit_document_to_string(d.fyd, FYECF_MODE_BLOCK | FYECF_WIDTH_INF |
                                                     FYECF_INDENT_2);
        if (!text)
            rc = ab_error_set(err, "%s: cannot emit YAML", in);
    }
    if (rc == 0) {
        ab_atomic_file af;
        rc = ab_atomic_open(&af, out, err);
        if (rc == 0) {
            fputs(text, af.fp);
            rc = ab_atomic_commit(&af, err);
        }
    }
    free(text);
    ab_ydoc_free(&d);
    return rc;
}
