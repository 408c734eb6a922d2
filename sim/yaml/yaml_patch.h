/* yaml_patch.h - a YAML file with some fields replaced, written anew: how a
 * sweep point's config and recipe are materialized (docs/sweeps.md). */
#ifndef AB_YAML_PATCH_H
#define AB_YAML_PATCH_H

#include <stddef.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read `in` (a YAML mapping), set each dotted path[i] ("array.rows",
 * "weights.format") to the scalar text values[i] (creating missing
 * mappings; a path through a non-mapping is an error naming `what`, e.g.
 * "config.array.rows"), and write the result to `out` atomically. */
int ab_yaml_patch_file(const char *in, const char *out, const char *const *paths,
                       const char *const *values, const char *const *what, size_t n,
                       ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
