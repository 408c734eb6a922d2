/* atomic_file.h - write a file so that readers see all of it or nothing.
 *
 * Output goes to a temporary file beside the target ("PATH.tmp.XXXXXX")
 * that is renamed over PATH on commit; abort (or any failure) removes it.
 * A path of "-" writes to stdout directly.
 */
#ifndef AB_ATOMIC_FILE_H
#define AB_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_atomic_file {
    FILE *fp;
    char *path; /* final path (owned), NULL for stdout */
    char *tmp;  /* temporary path (owned) */
} ab_atomic_file;

int ab_atomic_open(ab_atomic_file *af, const char *path, ab_error *err);
/* Flush, fsync-free close and rename into place; on error nothing is left. */
int ab_atomic_commit(ab_atomic_file *af, ab_error *err);
/* Discard everything written so far. */
void ab_atomic_abort(ab_atomic_file *af);

#ifdef __cplusplus
}
#endif

#endif
