/* safetensors.c - read safetensors images (the trace container, see
 * docs/trace-format.md): validate the JSON header completely before any
 * tensor byte is touched, then convert tensors to float32 on demand.
 *
 * Stricter than the format's reference reader in one way (unknown fields
 * in a tensor entry are rejected, so typos do not pass silently) and more
 * lenient in one (gaps between tensors in the data buffer are allowed;
 * overlaps are not). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tensor_io_impl.h"

/* A header this large is a corrupt length field, not a real model. */
#define AB_ST_MAX_HEADER ((uint64_t)100 * 1000 * 1000)
/* JSON numbers are doubles: integers above 2^53 are not exact. */
#define AB_ST_MAX_INT 9007199254740992.0

static const ab_dtype all_dtypes[] = {
    AB_DTYPE_F64, AB_DTYPE_F32, AB_DTYPE_F16, AB_DTYPE_BF16, AB_DTYPE_I64,
    AB_DTYPE_I32, AB_DTYPE_I16, AB_DTYPE_I8,  AB_DTYPE_U64,  AB_DTYPE_U32,
    AB_DTYPE_U16, AB_DTYPE_U8,  AB_DTYPE_BOOL,
};

static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    return "an invalid value";
}

/* What was found, for "expected X, found Y". */
static void describe(const cJSON *v, char *out, size_t cap)
{
    if (cJSON_IsNumber(v))
        snprintf(out, cap, "%.17g", v->valuedouble);
    else
        snprintf(out, cap, "%s", json_kind(v));
}

static int json_index(const cJSON *v, size_t *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    const double d = v->valuedouble;
    if (!(d >= 0.0 && d <= AB_ST_MAX_INT) || (double)(uint64_t)d != d)
        return -1;
    if ((uint64_t)d > SIZE_MAX)
        return -1;
    *out = (size_t)(uint64_t)d;
    return 0;
}

static void free_entries(ab_st_entry *e, size_t n)
{
    if (!e)
        return;
    for (size_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
}

void ab_safetensors_free(ab_safetensors *st)
{
    if (!st)
        return;
    free(st->file);
    free_entries(st->tensors, st->ntensors);
    cJSON_free(st->metadata_json);
    free(st->what);
    memset(st, 0, sizeof *st);
}

typedef struct ctx {
    const char *what;
    ab_error *err;
    size_t data_len;
} ctx;

static int parse_dtype(const ctx *c, const char *name, const cJSON *v, ab_dtype *out)
{
    if (!cJSON_IsString(v))
        return ab_error_set(c->err, "%s: tensor \"%s\": dtype: expected a string, found %s",
                            c->what, name, json_kind(v));
    for (size_t i = 0; i < sizeof all_dtypes / sizeof all_dtypes[0]; i++) {
        if (strcmp(v->valuestring, ab_dtype_name(all_dtypes[i])) == 0) {
            *out = all_dtypes[i];
            return 0;
        }
    }
    return ab_error_set(c->err, "%s: tensor \"%s\": dtype \"%s\" is not supported (expected "
                        "one of F64 F32 F16 BF16 I64 I32 I16 I8 U64 U32 U16 U8 BOOL)",
                        c->what, name, v->valuestring);
}

static int parse_shape(const ctx *c, const char *name, const cJSON *v, ab_st_entry *e)
{
    if (!cJSON_IsArray(v))
        return ab_error_set(c->err, "%s: tensor \"%s\": shape: expected an array, found %s",
                            c->what, name, json_kind(v));
    const int n = cJSON_GetArraySize(v);
    if (n > AB_TENSOR_MAX_DIMS)
        return ab_error_set(c->err, "%s: tensor \"%s\": shape has %d dimensions, at most %d "
                            "supported", c->what, name, n, AB_TENSOR_MAX_DIMS);
    size_t i = 0;
    for (const cJSON *d = v->child; d; d = d->next, i++) {
        if (json_index(d, &e->shape[i]) != 0) {
            char found[64];
            describe(d, found, sizeof found);
            return ab_error_set(c->err, "%s: tensor \"%s\": shape[%zu]: expected a "
                                "non-negative integer, found %s", c->what, name, i, found);
        }
    }
    e->ndim = i;
    return 0;
}

static int parse_offsets(const ctx *c, const char *name, const cJSON *v, ab_st_entry *e)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) {
        char found[64];
        if (cJSON_IsArray(v))
            snprintf(found, sizeof found, "an array of %d", cJSON_GetArraySize(v));
        else
            describe(v, found, sizeof found);
        return ab_error_set(c->err, "%s: tensor \"%s\": data_offsets: expected an array [begin, "
                            "end], found %s", c->what, name, found);
    }
    size_t o[2];
    const cJSON *d = v->child;
    for (int i = 0; i < 2; i++, d = d->next) {
        if (json_index(d, &o[i]) != 0) {
            char found[64];
            describe(d, found, sizeof found);
            return ab_error_set(c->err, "%s: tensor \"%s\": data_offsets[%d]: expected a "
                                "non-negative integer, found %s", c->what, name, i, found);
        }
    }
    if (o[0] > o[1])
        return ab_error_set(c->err, "%s: tensor \"%s\": data_offsets [%zu, %zu]: begin is after "
                            "end", c->what, name, o[0], o[1]);
    if (o[1] > c->data_len)
        return ab_error_set(c->err, "%s: tensor \"%s\": data_offsets [%zu, %zu] run past the end "
                            "of the %zu-byte data buffer", c->what, name, o[0], o[1],
                            c->data_len);
    e->begin = o[0];
    e->end = o[1];
    return 0;
}

static int parse_entry(const ctx *c, const cJSON *v, ab_st_entry *e)
{
    const char *name = v->string;
    if (!cJSON_IsObject(v))
        return ab_error_set(c->err, "%s: tensor \"%s\": expected an object {dtype, shape, "
                            "data_offsets}, found %s", c->what, name, json_kind(v));
    const cJSON *dtype = NULL, *shape = NULL, *offsets = NULL;
    for (const cJSON *f = v->child; f; f = f->next) {
        const cJSON **slot = strcmp(f->string, "dtype") == 0          ? &dtype
                             : strcmp(f->string, "shape") == 0        ? &shape
                             : strcmp(f->string, "data_offsets") == 0 ? &offsets
                                                                      : NULL;
        if (!slot)
            return ab_error_set(c->err, "%s: tensor \"%s\": unknown field \"%s\" (expected "
                                "dtype, shape, data_offsets)", c->what, name, f->string);
        if (*slot)
            return ab_error_set(c->err, "%s: tensor \"%s\": field \"%s\" appears twice",
                                c->what, name, f->string);
        *slot = f;
    }
    if (!dtype || !shape || !offsets)
        return ab_error_set(c->err, "%s: tensor \"%s\": missing field \"%s\"", c->what, name,
                            !dtype ? "dtype" : !shape ? "shape" : "data_offsets");
    if (parse_dtype(c, name, dtype, &e->dtype) != 0 || parse_shape(c, name, shape, e) != 0 ||
        parse_offsets(c, name, offsets, e) != 0)
        return -1;

    char shape_s[200];
    ab_shape_format(shape_s, sizeof shape_s, e->shape, e->ndim);
    size_t count, bytes;
    if (ab_shape_count(e->shape, e->ndim, &count) != 0 ||
        ab_shape_bytes(count, e->dtype, &bytes) != 0)
        return ab_error_set(c->err, "%s: tensor \"%s\": shape %s x %s overflows the address "
                            "space", c->what, name, shape_s, ab_dtype_name(e->dtype));
    if (e->end - e->begin != bytes)
        return ab_error_set(c->err, "%s: tensor \"%s\": data_offsets [%zu, %zu] but shape %s x "
                            "%s needs %zu bytes", c->what, name, e->begin, e->end, shape_s,
                            ab_dtype_name(e->dtype), bytes);
    return 0;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int parse_metadata(const ctx *c, const cJSON *v, char **out)
{
    if (!cJSON_IsObject(v))
        return ab_error_set(c->err, "%s: __metadata__: expected an object of strings, found %s",
                            c->what, json_kind(v));
    size_t n = 0;
    for (const cJSON *f = v->child; f; f = f->next, n++)
        if (!cJSON_IsString(f))
            return ab_error_set(c->err, "%s: __metadata__ \"%s\": expected a string, found %s",
                                c->what, f->string, json_kind(f));
    /* Sorted, so that a huge header cannot make this quadratic. */
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        return ab_error_set(c->err, "%s: out of memory", c->what);
    n = 0;
    for (const cJSON *f = v->child; f; f = f->next)
        keys[n++] = f->string;
    qsort(keys, n, sizeof *keys, by_string);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keys[i - 1], keys[i]) == 0) {
            const int rc = ab_error_set(c->err, "%s: __metadata__ \"%s\": key appears twice",
                                        c->what, keys[i]);
            free(keys);
            return rc;
        }
    }
    free(keys);
    *out = cJSON_PrintUnformatted(v);
    if (!*out)
        return ab_error_set(c->err, "%s: out of memory", c->what);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const ab_st_entry *)a)->name, ((const ab_st_entry *)b)->name);
}

static int by_offset(const void *a, const void *b)
{
    const ab_st_entry *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Names unique, non-empty byte ranges disjoint; sorts by offset. */
static int check_layout(const ctx *c, ab_st_entry *e, size_t n)
{
    qsort(e, n, sizeof *e, by_name);
    for (size_t i = 1; i < n; i++)
        if (strcmp(e[i - 1].name, e[i].name) == 0)
            return ab_error_set(c->err, "%s: tensor \"%s\" appears twice in the header", c->what,
                                e[i].name);
    qsort(e, n, sizeof *e, by_offset);
    const ab_st_entry *last = NULL; /* the non-empty range reaching furthest */
    for (size_t i = 0; i < n; i++) {
        if (e[i].begin == e[i].end)
            continue;
        if (last && e[i].begin < last->end)
            return ab_error_set(c->err, "%s: tensor \"%s\": data_offsets [%zu, %zu] overlap "
                                "tensor \"%s\" at [%zu, %zu]", c->what, e[i].name, e[i].begin,
                                e[i].end, last->name, last->begin, last->end);
        if (!last || e[i].end > last->end)
            last = &e[i];
    }
    return 0;
}

static int is_space(uint8_t b)
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
}

static int parse_header(const ctx *c, const char *json, size_t n, ab_safetensors *st)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, n, &end, 0);
    if (!root) {
        const size_t at = end && end >= json && end <= json + n ? (size_t)(end - json) : 0;
        return ab_error_set(c->err, "%s: header is not valid JSON (near byte %zu of the file)",
                            c->what, 8 + at);
    }
    /* The format pads the header with spaces so that the data is aligned. */
    for (size_t at = (size_t)(end - json); at < n; at++)
        if (!is_space((uint8_t)json[at])) {
            cJSON_Delete(root);
            return ab_error_set(c->err, "%s: byte %zu: expected only whitespace after the JSON "
                                "header, found byte 0x%02x", c->what, 8 + at, (uint8_t)json[at]);
        }
    if (!cJSON_IsObject(root)) {
        const int rc = ab_error_set(c->err, "%s: header is %s, expected a JSON object", c->what,
                                    json_kind(root));
        cJSON_Delete(root);
        return rc;
    }
    size_t count = 0;
    const cJSON *meta = NULL;
    for (const cJSON *v = root->child; v; v = v->next) {
        if (strcmp(v->string, "__metadata__") != 0) {
            count++;
        } else if (meta) {
            cJSON_Delete(root);
            return ab_error_set(c->err, "%s: __metadata__ appears twice", c->what);
        } else {
            meta = v;
        }
    }
    int rc = 0;
    st->tensors = calloc(count ? count : 1, sizeof *st->tensors);
    if (!st->tensors)
        rc = ab_error_set(c->err, "%s: out of memory for %zu tensors", c->what, count);
    if (rc == 0 && meta)
        rc = parse_metadata(c, meta, &st->metadata_json);
    for (const cJSON *v = root->child; rc == 0 && v; v = v->next) {
        if (v == meta)
            continue;
        ab_st_entry *e = &st->tensors[st->ntensors];
        rc = parse_entry(c, v, e);
        if (rc == 0) {
            e->name = strdup(v->string);
            if (!e->name)
                rc = ab_error_set(c->err, "%s: out of memory", c->what);
            else
                st->ntensors++;
        }
    }
    cJSON_Delete(root);
    if (rc == 0)
        rc = check_layout(c, st->tensors, st->ntensors);
    return rc;
}

int ab_safetensors_parse(uint8_t *buf, size_t len, const char *what, ab_safetensors *st,
                         ab_error *err)
{
    memset(st, 0, sizeof *st);
    if (!what)
        what = "<memory>";
    if (len < 8)
        return ab_error_set(err, "%s: file is %zu bytes, too short for the 8-byte header length",
                            what, len);
    const uint64_t n = ab_le64(buf);
    if (n > AB_ST_MAX_HEADER)
        return ab_error_set(err, "%s: bytes 0-7: header length %llu exceeds the %llu-byte limit "
                            "(corrupt or not a safetensors file)", what, (unsigned long long)n,
                            (unsigned long long)AB_ST_MAX_HEADER);
    if (n > len - 8)
        return ab_error_set(err, "%s: bytes 0-7: header length %llu runs past the end of the "
                            "file (%zu bytes follow)", what, (unsigned long long)n, len - 8);
    const ctx c = {what, err, len - 8 - (size_t)n};
    /* A terminated copy: the JSON parser then cannot run off the header
     * even if it looks one byte ahead. */
    char *json = malloc((size_t)n + 1);
    if (!json)
        return ab_error_set(err, "%s: out of memory for a %llu-byte header", what,
                            (unsigned long long)n);
    memcpy(json, buf + 8, (size_t)n);
    json[n] = '\0';
    const int rc = parse_header(&c, json, (size_t)n, st);
    free(json);
    if (rc != 0) {
        ab_safetensors_free(st);
        return -1;
    }
    st->what = strdup(what);
    if (!st->what) {
        ab_safetensors_free(st);
        return ab_error_set(err, "%s: out of memory", what);
    }
    st->file = buf;
    st->file_len = len;
    st->data = buf + 8 + n;
    st->data_len = c.data_len;
    return 0;
}

int ab_safetensors_open(const char *path, ab_safetensors *st, ab_error *err)
{
    uint8_t *buf;
    size_t len;
    memset(st, 0, sizeof *st);
    if (ab_read_file(path, &buf, &len, err) != 0)
        return -1;
    if (ab_safetensors_parse(buf, len, path, st, err) != 0) {
        free(buf);
        return -1;
    }
    return 0;
}

const ab_st_entry *ab_safetensors_find(const ab_safetensors *st, const char *name)
{
    for (size_t i = 0; i < st->ntensors; i++)
        if (strcmp(st->tensors[i].name, name) == 0)
            return &st->tensors[i];
    return NULL;
}

char *ab_safetensors_metadata(const ab_safetensors *st, const char *key)
{
    if (!st->metadata_json)
        return NULL;
    cJSON *meta = cJSON_Parse(st->metadata_json);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, key);
    char *s = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
    cJSON_Delete(meta);
    return s;
}

int ab_safetensors_to_tensor(const ab_safetensors *st, const ab_st_entry *e, ab_tensor *out,
                             ab_error *err)
{
    const char *what = st->what ? st->what : "<safetensors>";
    memset(out, 0, sizeof *out);
    size_t count, bytes;
    /* Entries come from parse, but a caller may pass a hand-made one. */
    if (ab_shape_count(e->shape, e->ndim, &count) != 0 ||
        ab_shape_bytes(count, e->dtype, &bytes) != 0 || e->begin > e->end ||
        e->end > st->data_len || e->end - e->begin != bytes)
        return ab_error_set(err, "%s: tensor \"%s\": entry does not match the data buffer",
                            what, e->name);
    char label[AB_ERROR_MAX];
    snprintf(label, sizeof label, "%s: tensor \"%s\"", what, e->name);
    if (ab_tensor_alloc(out, e->shape, e->ndim, count, label, err) != 0)
        return -1;
    size_t bad = 0;
    if (ab_dtype_to_f32(e->dtype, st->data + e->begin, count, out->data, &bad) != 0) {
        const uint8_t b = st->data[e->begin + bad];
        ab_tensor_free(out);
        return ab_error_set(err, "%s: tensor \"%s\": BOOL element %zu (data byte %zu) is "
                            "0x%02x, expected 0 or 1", what, e->name, bad, e->begin + bad, b);
    }
    return 0;
}
