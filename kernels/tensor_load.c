/* tensor_load.c - one entry point for "a tensor from a file" as the CLI
 * names it: FILE.npy, FILE.safetensors:TENSOR, or FILE.safetensors when
 * the file holds exactly one tensor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_io.h"

#define ST_SUFFIX ".safetensors"

void ab_tensor_free(ab_tensor *t)
{
    if (!t)
        return;
    free(t->data);
    memset(t, 0, sizeof *t);
}

/* Up to a few tensor names for "holds ..." hints. */
static void list_names(const ab_safetensors *st, char *out, size_t cap)
{
    size_t pos = 0;
    out[0] = '\0';
    for (size_t i = 0; i < st->ntensors && i < 5 && pos < cap; i++) {
        const int n = snprintf(out + pos, cap - pos, "%s\"%s\"", i ? ", " : "",
                               st->tensors[i].name);
        if (n < 0)
            return;
        pos += (size_t)n;
    }
    if (st->ntensors > 5 && pos < cap)
        snprintf(out + pos, cap - pos, ", ...");
}

static int load_safetensors(uint8_t *buf, size_t len, const char *path, const char *name,
                            ab_tensor *out, ab_error *err)
{
    ab_safetensors st;
    if (ab_safetensors_parse(buf, len, path, &st, err) != 0) {
        free(buf);
        return -1;
    }
    char names[200];
    list_names(&st, names, sizeof names);
    const ab_st_entry *e = NULL;
    int rc = 0;
    if (name) {
        e = ab_safetensors_find(&st, name);
        if (!e)
            rc = ab_error_set(err, "%s: no tensor named \"%s\" (the file holds %zu: %s)", path,
                              name, st.ntensors, st.ntensors ? names : "none");
    } else if (st.ntensors != 1) {
        rc = ab_error_set(err, "%s: holds %zu tensors%s%s; name one as %s:TENSOR", path,
                          st.ntensors, st.ntensors ? ": " : "", names, path);
    } else {
        e = &st.tensors[0];
    }
    if (rc == 0)
        rc = ab_safetensors_to_tensor(&st, e, out, err);
    ab_safetensors_free(&st);
    return rc;
}

int ab_tensor_load(const char *spec, ab_tensor *out, ab_error *err)
{
    memset(out, 0, sizeof *out);
    /* Split at the first ".safetensors:" so tensor names may contain ':'. */
    const char *sep = strstr(spec, ST_SUFFIX ":");
    char *path = sep ? strndup(spec, (size_t)(sep - spec) + strlen(ST_SUFFIX)) : strdup(spec);
    const char *name = sep ? sep + strlen(ST_SUFFIX) + 1 : NULL;
    if (!path)
        return ab_error_set(err, "%s: out of memory", spec);
    uint8_t *buf;
    size_t len;
    if (ab_read_file(path, &buf, &len, err) != 0) {
        free(path);
        return -1;
    }
    const size_t plen = strlen(path);
    const int is_npy = (len >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0) ||
                       (plen >= 4 && strcmp(path + plen - 4, ".npy") == 0);
    int rc;
    if (is_npy) {
        rc = ab_npy_parse(buf, len, path, out, err);
        free(buf);
    } else {
        rc = load_safetensors(buf, len, path, name, out, err); /* takes buf */
    }
    free(path);
    return rc;
}
