/* fuzz_scratch.h - scratch files and folders for the fuzz targets whose code
 * under test reads files, not memory (the YAML loaders, the sweep-directory
 * readers, the CLI).  Every name is /tmp/anybit-fuzz-<tag>-<pid>..., made
 * from the process id on each call, so that parallel fuzzers never share a
 * file and no target needs a global variable to remember its path.
 *
 * Needs _XOPEN_SOURCE 700 (nftw): CMakeLists.txt defines it for
 * every fuzz target. */
#ifndef AB_FUZZ_SCRATCH_H
#define AB_FUZZ_SCRATCH_H

#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "/tmp/anybit-fuzz-<tag>-<pid><suffix>" into buf. */
static inline const char *fuzz_scratch_path(char *buf, size_t cap, const char *tag,
                                            const char *suffix)
{
    snprintf(buf, cap, "/tmp/anybit-fuzz-%s-%ld%s", tag, (long)getpid(), suffix);
    return buf;
}

/* Write n bytes to path (created or truncated): 0, or -1. */
static inline int fuzz_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    const bool ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static inline int fuzz_remove_entry(const char *path, const struct stat *st, int flag,
                                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path); /* best effort: what cannot go stays for the next try */
    return 0;
}

/* rm -rf path (files, links and folders, children first; never follows a
 * link out of the tree). */
static inline void fuzz_remove_tree(const char *path)
{
    nftw(path, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
