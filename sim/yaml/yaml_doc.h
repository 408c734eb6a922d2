/* yaml_doc.h - validated reading of small YAML files (models/, recipes/).
 *
 * Wraps libfyaml's document API so that every accessor checks one field and,
 * on failure, fills ab_error with one line "FILE:LINE: PATH: expected ...,
 * found ...".  PATH is the dotted field path (e.g. "weights.group_size",
 * "convs[3].stride").
 */
#ifndef AB_YAML_DOC_H
#define AB_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libfyaml.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_ydoc {
    const char *file; /* as the caller named it, for messages */
    struct fy_document *fyd;
    struct fy_node *root; /* a mapping */
    ab_error *err;        /* where failures go (may be NULL) */
} ab_ydoc;

/* Load `file`; the top level must be a mapping.  Later failures on this
 * document are written to err. */
int ab_ydoc_load(ab_ydoc *d, const char *file, ab_error *err);
void ab_ydoc_free(ab_ydoc *d);

/* Line of a node (1-based), 0 when unknown. */
int ab_ydoc_line(struct fy_node *n);

/* Fail with "FILE:LINE: PATH: <msg>" at node n (n may be NULL) into d->err;
 * returns -1. */
int ab_ydoc_fail(const ab_ydoc *d, struct fy_node *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Every key of mapping `map` (at `path`, "" for the top) must be one of
 * `allowed` (NULL-terminated); `map` must be a mapping. */
int ab_ydoc_check_keys(const ab_ydoc *d, struct fy_node *map, const char *path,
                       const char *const *allowed);

/* Child `key` of mapping `map`; NULL if absent. */
struct fy_node *ab_ydoc_get(struct fy_node *map, const char *key);

/* Typed getters on the child `key` of `map` (path prefix `path`).  When
 * `required` and the key is absent: error; when optional and absent: the
 * output is left untouched and 0 is returned. */
int ab_ydoc_uint(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                 bool required, bool allow_zero, uint64_t *out);
int ab_ydoc_str(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                bool required, char *out, size_t cap);
int ab_ydoc_bool(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                 bool required, bool *out);
/* A finite decimal number ("1", "0.5", "2e-3"; no sign, no inf/nan):
 * positive, or non-negative when allow_zero.  Same absent/required rules. */
int ab_ydoc_double(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                   bool required, bool allow_zero, double *out);

/* Join a path and a key into buf ("a" + "b" -> "a.b", "" + "b" -> "b"). */
const char *ab_ydoc_path(char *buf, size_t cap, const char *path, const char *key);

#ifdef __cplusplus
}
#endif

#endif
