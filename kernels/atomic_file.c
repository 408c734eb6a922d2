/* atomic_file.c - temporary file + rename, so no partial output is ever
 * visible under the final name (see atomic_file.h). */
#include "atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(ab_atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    af->fp = NULL;
}

int ab_atomic_open(ab_atomic_file *af, const char *path, ab_error *err)
{
    af->fp = NULL;
    af->path = af->tmp = NULL;
    if (strcmp(path, "-") == 0) {
        af->fp = stdout;
        return 0;
    }
    const size_t n = strlen(path);
    af->path = strdup(path);
    af->tmp = malloc(n + sizeof ".tmp.XXXXXX");
    if (!af->path || !af->tmp) {
        release(af);
        return ab_error_set(err, "%s: out of memory", path);
    }
    memcpy(af->tmp, path, n);
    memcpy(af->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    const int fd = mkstemp(af->tmp);
    if (fd < 0) {
        const int e = errno;
        release(af);
        return ab_error_set(err, "%s: cannot create: %s", path, strerror(e));
    }
    /* mkstemp makes the file 0600; give it the mode open(2) would have:
     * 0666 less the umask (read back by setting it, then restored) */
    const mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, (mode_t)0666 & ~mask) != 0) {
        const int e = errno;
        close(fd);
        unlink(af->tmp);
        release(af);
        return ab_error_set(err, "%s: cannot set the file mode: %s", path, strerror(e));
    }
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        const int e = errno;
        close(fd);
        unlink(af->tmp);
        release(af);
        return ab_error_set(err, "%s: cannot open: %s", path, strerror(e));
    }
    return 0;
}

int ab_atomic_commit(ab_atomic_file *af, ab_error *err)
{
    if (!af->path) { /* stdout */
        const int bad = fflush(af->fp) != 0 || ferror(af->fp);
        af->fp = NULL;
        return bad ? ab_error_set(err, "<stdout>: write failed") : 0;
    }
    const int write_failed = ferror(af->fp);
    const int close_failed = fclose(af->fp);
    af->fp = NULL;
    if (write_failed || close_failed) {
        unlink(af->tmp);
        ab_error_set(err, "%s: write failed", af->path);
        release(af);
        return -1;
    }
    if (rename(af->tmp, af->path) != 0) {
        const int e = errno;
        unlink(af->tmp);
        ab_error_set(err, "%s: cannot rename into place: %s", af->path, strerror(e));
        release(af);
        return -1;
    }
    release(af);
    return 0;
}

void ab_atomic_abort(ab_atomic_file *af)
{
    if (!af->path) {
        af->fp = NULL;
        return;
    }
    if (af->fp)
        fclose(af->fp);
    unlink(af->tmp);
    release(af);
}
