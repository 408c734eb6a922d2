/* safetensors_write.c - write safetensors files atomically (traces and
 * test fixtures).  Tensors are laid out back to back in the order given,
 * and the header is space-padded to a multiple of 8 bytes as the reference
 * implementation does, so the data buffer starts aligned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "atomic_file.h"
#include "tensor_io_impl.h"

/* Offsets are stored as JSON numbers (doubles). */
#define AB_ST_MAX_BYTES ((size_t)1 << 53)

static int check_inputs(const char *path, const ab_st_write_entry *t, size_t nt,
                        const char *const *mk, const char *const *mv, size_t nmeta,
                        size_t *bytes, ab_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < nt; i++) {
        if (!t[i].name || strcmp(t[i].name, "__metadata__") == 0)
            return ab_error_set(err, "%s: tensor %zu: name %s is not allowed", path, i,
                                t[i].name ? "\"__metadata__\"" : "NULL");
        for (size_t j = 0; j < i; j++)
            if (strcmp(t[j].name, t[i].name) == 0)
                return ab_error_set(err, "%s: tensor \"%s\" given twice", path, t[i].name);
        if (ab_dtype_size(t[i].dtype) == 0)
            return ab_error_set(err, "%s: tensor \"%s\": unknown dtype %d", path, t[i].name,
                                (int)t[i].dtype);
        if (t[i].ndim > AB_TENSOR_MAX_DIMS || (t[i].ndim > 0 && !t[i].shape))
            return ab_error_set(err, "%s: tensor \"%s\": %zu dimensions, at most %d supported",
                                path, t[i].name, t[i].ndim, AB_TENSOR_MAX_DIMS);
        size_t count;
        if (ab_shape_count(t[i].shape, t[i].ndim, &count) != 0 ||
            ab_shape_bytes(count, t[i].dtype, &bytes[i]) != 0 ||
            bytes[i] > AB_ST_MAX_BYTES - total)
            return ab_error_set(err, "%s: tensor \"%s\": too large", path, t[i].name);
        if (bytes[i] > 0 && !t[i].data)
            return ab_error_set(err, "%s: tensor \"%s\": no data", path, t[i].name);
        total += bytes[i];
    }
    for (size_t i = 0; i < nmeta; i++) {
        if (!mk[i] || !mv[i])
            return ab_error_set(err, "%s: metadata entry %zu is NULL", path, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(mk[j], mk[i]) == 0)
                return ab_error_set(err, "%s: metadata key \"%s\" given twice", path, mk[i]);
    }
    return 0;
}

/* The header JSON, or NULL when out of memory. */
static char *build_header(const ab_st_write_entry *t, size_t nt, const size_t *bytes,
                          const char *const *mk, const char *const *mv, size_t nmeta)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    if (ok && nmeta > 0) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        ok = meta != NULL;
        for (size_t i = 0; ok && i < nmeta; i++)
            ok = cJSON_AddStringToObject(meta, mk[i], mv[i]) != NULL;
    }
    size_t off = 0;
    for (size_t i = 0; ok && i < nt; i++) {
        cJSON *e = cJSON_AddObjectToObject(root, t[i].name);
        cJSON *dt = e ? cJSON_AddStringToObject(e, "dtype", ab_dtype_name(t[i].dtype)) : NULL;
        cJSON *shape = dt ? cJSON_AddArrayToObject(e, "shape") : NULL;
        cJSON *offs = shape ? cJSON_AddArrayToObject(e, "data_offsets") : NULL;
        ok = offs != NULL;
        for (size_t d = 0; ok && d < t[i].ndim; d++) {
            cJSON *n = cJSON_CreateNumber((double)t[i].shape[d]);
            ok = n && cJSON_AddItemToArray(shape, n);
        }
        for (int k = 0; ok && k < 2; k++) {
            cJSON *n = cJSON_CreateNumber((double)(k == 0 ? off : off + bytes[i]));
            ok = n && cJSON_AddItemToArray(offs, n);
        }
        off += bytes[i];
    }
    char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return json;
}

int ab_safetensors_write(const char *path, const ab_st_write_entry *tensors, size_t ntensors,
                         const char *const *meta_keys, const char *const *meta_values,
                         size_t nmeta, ab_error *err)
{
    size_t *bytes = calloc(ntensors ? ntensors : 1, sizeof *bytes);
    if (!bytes)
        return ab_error_set(err, "%s: out of memory", path);
    if (check_inputs(path, tensors, ntensors, meta_keys, meta_values, nmeta, bytes, err) != 0) {
        free(bytes);
        return -1;
    }
    char *json = build_header(tensors, ntensors, bytes, meta_keys, meta_values, nmeta);
    if (!json) {
        free(bytes);
        return ab_error_set(err, "%s: out of memory", path);
    }
    const size_t jlen = strlen(json);
    const size_t hlen = (jlen + 7) / 8 * 8;
    uint8_t prefix[8];
    ab_put_le64(prefix, (uint64_t)hlen);

    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0) {
        cJSON_free(json);
        free(bytes);
        return -1;
    }
    int ok = fwrite(prefix, 1, 8, af.fp) == 8 && fwrite(json, 1, jlen, af.fp) == jlen;
    for (size_t i = jlen; ok && i < hlen; i++)
        ok = fputc(' ', af.fp) != EOF;
    for (size_t i = 0; ok && i < ntensors; i++)
        ok = bytes[i] == 0 || fwrite(tensors[i].data, 1, bytes[i], af.fp) == bytes[i];
    cJSON_free(json);
    free(bytes);
    if (!ok) {
        ab_atomic_abort(&af);
        return ab_error_set(err, "%s: write failed", path);
    }
    return ab_atomic_commit(&af, err);
}
