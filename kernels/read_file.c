/* read_file.c - slurp a whole file into memory for the tensor readers,
 * which then validate it as a byte image without further I/O.
 *
 * Only regular files are read (after following symlinks): a character
 * device (/dev/zero), a FIFO or a directory is refused before a byte is
 * read, so no input can make a reader grow without bound or wait forever
 * for a writer.  The file's size as the file system reports it when it is
 * opened bounds the read; a file that grows or shrinks meanwhile is an
 * error rather than a silently different image. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tensor_io.h"

static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISFIFO(m))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

int ab_read_file(const char *path, uint8_t **buf, size_t *len, ab_error *err)
{
    *buf = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it does not
     * change how a regular file reads. */
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return ab_error_set(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        const int e = errno;
        close(fd);
        return ab_error_set(err, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return ab_error_set(err, "%s: is %s, expected a regular file", path,
                            file_kind(st.st_mode));
    }
    if (st.st_size < 0 || (uint64_t)st.st_size >= (uint64_t)SIZE_MAX) {
        close(fd);
        return ab_error_set(err, "%s: file too large (%lld bytes)", path,
                            (long long)st.st_size);
    }
    const size_t size = (size_t)st.st_size;
    /* one byte more than the size, so a file growing underneath is seen */
    uint8_t *data = malloc(size + 1);
    if (!data) {
        close(fd);
        return ab_error_set(err, "%s: out of memory for %zu bytes", path, size);
    }
    size_t n = 0;
    while (n < size + 1) {
        const ssize_t got = read(fd, data + n, size + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            const int e = errno;
            free(data);
            close(fd);
            return ab_error_set(err, "%s: read failed after %zu bytes: %s", path, n,
                                strerror(e));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (n != size) {
        free(data);
        return ab_error_set(err, "%s: changed size while being read (%zu bytes when opened, %s "
                            "%zu)", path, size, n > size ? "more than" : "read", n > size ? size : n);
    }
    *buf = data;
    *len = n;
    return 0;
}
