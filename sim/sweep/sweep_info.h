/* sweep_info.h - what `plot` and `report` read from a sweep directory
 * besides results.csv (docs/sweeps.md): the sweep's name and description,
 * and the `run` object of a point's points/P.json. */
#ifndef AB_SWEEP_INFO_H
#define AB_SWEEP_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_SWEEP_INFO_MAX 1024

typedef struct ab_sweep_info {
    char name[AB_SWEEP_INFO_MAX];        /* sweep.json / sweep.yaml `name`, else the dir name */
    char description[AB_SWEEP_INFO_MAX]; /* sweep.json or sweep.yaml `description`, or "" */
} ab_sweep_info;

/* Name and description of the sweep in dir.  Both files are optional (a
 * merged or hand-made directory may lack them); one that exists but does
 * not parse is an error naming it. */
int ab_sweep_info_load(const char *dir, ab_sweep_info *m, ab_error *err);

struct cJSON;

/* Parse DIR/points/%06llu.json; *root (the caller deletes it) is the whole
 * object and *run its `run` member (an object).  path (cap bytes) receives
 * the file's name for later messages. */
int ab_sweep_point_json(const char *dir, uint64_t point, struct cJSON **root,
                        const struct cJSON **run, char *path, size_t cap, ab_error *err);

/* Parse a whole JSON file (the caller deletes *root). */
int ab_json_load(const char *path, struct cJSON **root, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
