/* read_file.c - slurp a whole file into memory for the tensor readers,
 * which then validate it as a byte image without further I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_io.h"

int ab_read_file(const char *path, uint8_t **buf, size_t *len, ab_error *err)
{
    *buf = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ab_error_set(err, "%s: cannot open: %s", path, strerror(errno));
    /* Read until EOF rather than trusting a size from stat: works for
     * pipes and files that change underneath. */
    size_t cap = 1 << 16, n = 0;
    uint8_t *data = malloc(cap);
    if (!data) {
        fclose(fp);
        return ab_error_set(err, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap > SIZE_MAX / 2) {
                free(data);
                fclose(fp);
                return ab_error_set(err, "%s: file too large", path);
            }
            uint8_t *bigger = realloc(data, cap * 2);
            if (!bigger) {
                free(data);
                fclose(fp);
                return ab_error_set(err, "%s: out of memory after %zu bytes", path, n);
            }
            data = bigger;
            cap *= 2;
        }
        const size_t got = fread(data + n, 1, cap - n, fp);
        n += got;
        if (got == 0 || n < cap) {
            if (ferror(fp)) {
                const int e = errno;
                free(data);
                fclose(fp);
                return ab_error_set(err, "%s: read failed after %zu bytes: %s", path, n,
                                    strerror(e));
            }
            if (feof(fp))
                break;
        }
    }
    fclose(fp);
    *buf = data;
    *len = n;
    return 0;
}
