/* lab_run.c - running a tool on a student's files for a lab's code part
 * (lab.h "code parts"): a compiler, Verilator, the program they build.
 * A child gets stdin from a file (or /dev/null), stdout and stderr into a
 * log, and a wall-clock limit after which it is killed with its process
 * group, so that a student's endless loop is a failed question, never a
 * hung grader. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/lab.h"

extern char **environ;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int ab_lab_run(char *const argv[], const char *cwd, const char *stdin_path,
               const char *log_path, double timeout_s, int *status, ab_error *err)
{
    *status = -1;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return ab_error_set(err, "%s: cannot start: out of memory", argv[0]);
    if (posix_spawnattr_init(&at) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return ab_error_set(err, "%s: cannot start: out of memory", argv[0]);
    }
    /* its own process group: the limit kills what it started too (cc1,
     * make's jobs, a Verilated model) */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawn_file_actions_addopen(&fa, 0, stdin_path ? stdin_path : "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char old[4096] = "";
    if (cwd && (!getcwd(old, sizeof old) || chdir(cwd) != 0)) {
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        return ab_error_set(err, "%s: cannot enter %s: %s", argv[0], cwd, strerror(errno));
    }
    pid_t pid;
    const int rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    if (cwd && chdir(old) != 0) {
        /* the grader's own folder vanished: nothing relative follows */
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc != 0)
        return ab_error_set(err, "%s: cannot start: %s (scripts/deps.sh installs the tools "
                                 "the labs use)", argv[0], strerror(rc));
    const double deadline = now_s() + timeout_s;
    for (;;) {
        int st = 0;
        const pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
            kill(-pid, SIGKILL); /* anything it left running */
            return 0;
        }
        if (w < 0 && errno != EINTR)
            return ab_error_set(err, "%s: lost track of it: %s", argv[0], strerror(errno));
        if (now_s() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            *status = -1; /* over the limit */
            return 0;
        }
        const struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

bool ab_lab_have_tool(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return false;
    while (*path) {
        const char *end = strchr(path, ':');
        const size_t len = end ? (size_t)(end - path) : strlen(path);
        char full[4096];
        if (len > 0 && snprintf(full, sizeof full, "%.*s/%s", (int)len, path, name) <
                           (int)sizeof full &&
            access(full, X_OK) == 0)
            return true;
        path += len + (end ? 1 : 0);
    }
    return false;
}

void ab_lab_log_tail(const char *log_path, char *out, size_t cap)
{
    out[0] = '\0';
    FILE *f = fopen(log_path, "rb");
    if (!f)
        return;
    char buf[4096];
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the first line that says error, else the first non-empty line */
    const char *pick = NULL;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (!pick && line[0])
            pick = line;
        if (strstr(line, "error") || strstr(line, "Error") || strstr(line, "%Error")) {
            pick = line;
            break;
        }
    }
    if (!pick)
        return;
    size_t j = 0;
    for (const char *p = pick; *p && j + 1 < cap; p++)
        out[j++] = ((unsigned char)*p >= 0x20 && *p != 0x7f) ? *p : ' ';
    out[j] = '\0';
}

static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return -1;
        struct dirent *e;
        int rc = 0;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[4096];
            if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub) {
                rc = -1;
                continue;
            }
            if (rm_tree(sub) != 0)
                rc = -1;
        }
        closedir(d);
        return rmdir(path) == 0 ? rc : -1;
    }
    return unlink(path);
}

int ab_lab_scratch_make(char *out, size_t cap, ab_error *err)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, cap, "%s/anybit-lab-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(out))
        return ab_error_set(err, "cannot create a scratch folder under %s: %s",
                            tmp && *tmp ? tmp : "/tmp", strerror(errno));
    return 0;
}

void ab_lab_scratch_remove(const char *dir)
{
    (void)rm_tree(dir);
}
