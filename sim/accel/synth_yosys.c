/* synth_yosys.c - the synth table and the Yosys runs behind `anybit synth`
 * (rtl_synth.h): one generated script and one child process per top, run
 * concurrently in a temporary directory; the counts are read back from
 * Yosys' `stat -json` and `stat -tech cmos` output files.
 */
#include "rtl_synth.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

extern char **environ;

/* The PE tops.  A top is synthesized when its file is in the RTL directory
 * (pe_btc joins as soon as rtl/pe_btc.v exists).  pe_bitmod is synthesized
 * with the term-alignment rule fixed to the C model's default (0), as a
 * chip would be (docs/rtl.md "Ports"), not with the run-time port. */
static const ab_synth_top k_tops[] = {
    {"pe_bitmod", AB_PE_BITMOD, "pe_bitmod.v", "bitmod_",
     "chparam -set RTL_LITERAL_ALIGN 0 -set LANES %u pe_bitmod", true, NULL, false, true},
    {"mac_fp16", AB_PE_FP16, "mac_fp16.v", "fp16_", NULL, true, NULL, false, false},
    {"mac_int8", AB_PE_INT8, "mac_int8.v", NULL, NULL, true, NULL, false, false},
    /* one m8n8k128 binary MMA unit is ~107 k generic cells: 2-5 minutes of
     * Yosys on a 2-core machine, so only with --top pe_btc */
    {"pe_btc", AB_PE_BTC, "pe_btc.v", NULL, NULL, false, NULL, false, false},
    /* the R x C BitMoD array (rtl/array_bitmod.v) with its PEs, small
     * buffers (16 steps per column, 4 groups per row: Yosys has no memory
     * library here and maps them to flip-flops) and the tile controller */
    {"array_bitmod", AB_PE_BITMOD, "array_bitmod.v", "bitmod_",
     "chparam -set ROWS %u -set COLS %u -set LANES %u -set STEPS 16 -set GROUPS 4 "
     "-set RTL_LITERAL_ALIGN 0 array_bitmod",
     true, "pe_bitmod.v", true, true},
};
#define NTOPS (sizeof k_tops / sizeof k_tops[0])

const ab_synth_top *ab_synth_tops(size_t *n)
{
    *n = NTOPS;
    return k_tops;
}

const ab_synth_top *ab_synth_find(const char *top)
{
    for (size_t i = 0; i < NTOPS; i++)
        if (strcmp(k_tops[i].top, top) == 0)
            return &k_tops[i];
    return NULL;
}

const ab_synth_top *ab_synth_for_kind(ab_pe_kind k)
{
    for (size_t i = 0; i < NTOPS; i++)
        if (k_tops[i].kind == k && !k_tops[i].array)
            return &k_tops[i];
    return NULL;
}

bool ab_synth_top_present(const char *rtl_dir, const ab_synth_top *t)
{
    char p[4096];
    if (snprintf(p, sizeof p, "%s/%s", rtl_dir, t->file) >= (int)sizeof p)
        return false;
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    if (!t->also)
        return true;
    if (snprintf(p, sizeof p, "%s/%s", rtl_dir, t->also) >= (int)sizeof p)
        return false;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- the script ------------------------------------------------------------ */

static bool is_top_file(const char *name)
{
    for (size_t i = 0; i < NTOPS; i++)
        if (strcmp(k_tops[i].file, name) == 0)
            return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The parameter commands of top t (an array's with its size) into r. */
static void setup_text(const ab_synth_opts *o, const ab_synth_top *t, ab_synth_result *r)
{
    r->setup[0] = '\0';
    r->lanes = t->lanes ? (o->lanes ? o->lanes : 4u) : 0u;
    if (t->array) {
        r->rows = o->array_rows ? o->array_rows : AB_SYNTH_ARRAY_ROWS;
        r->cols = o->array_cols ? o->array_cols : AB_SYNTH_ARRAY_COLS;
        snprintf(r->setup, sizeof r->setup, t->setup, r->rows, r->cols, r->lanes);
    } else if (t->lanes) {
        snprintf(r->setup, sizeof r->setup, t->setup, r->lanes);
    } else if (t->setup) {
        snprintf(r->setup, sizeof r->setup, "%s", t->setup);
    }
}

/* The top's file, the file it also needs, then its helpers' .v files
 * (never a table top's), sorted; then the setup of r. */
static int write_script(FILE *f, const ab_synth_opts *o, const ab_synth_top *t,
                        const ab_synth_result *r, const char *dir, ab_error *err)
{
    DIR *dp = opendir(o->rtl_dir);
    if (!dp)
        return ab_error_set(err, "%s: cannot read the RTL directory: %s", o->rtl_dir,
                            strerror(errno));
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL && n < 256) {
        const size_t len = strlen(e->d_name);
        if (t->helpers && len > 2 && strcmp(e->d_name + len - 2, ".v") == 0 &&
            e->d_name[0] != '.' && !is_top_file(e->d_name) &&
            (strcmp(t->helpers, "*") == 0 ||
             strncmp(e->d_name, t->helpers, strlen(t->helpers)) == 0) &&
            (names[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(dp);
    qsort(names, n, sizeof names[0], cmp_str);
    fprintf(f, "read_verilog -sv %s/%s", o->rtl_dir, t->file);
    if (t->also)
        fprintf(f, " %s/%s", o->rtl_dir, t->also);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, " %s/%s", o->rtl_dir, names[i]);
        free(names[i]);
    }
    fprintf(f, "\n");
    if (r->setup[0])
        fprintf(f, "%s\n", r->setup);
    fprintf(f,
            "synth -top %s -flatten\n"
            "tee -q -o %s/%s.stat.json stat -json\n"
            /* stat -tech cmos leaves flip-flops with enables or resets out:
             * legalize them to plain D flip-flops (plus muxes) first */
            "dfflegalize -cell $_DFF_P_ x\n"
            "abc -g cmos2\n"
            "tee -q -o %s/%s.cmos.txt stat -tech cmos\n",
            t->top, dir, t->top, dir, t->top);
    return 0;
}

/* ---- reading the results ---------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* The first line with "ERROR" of the log, else its last non-empty line. */
static void error_line(const char *log_path, char *out, size_t cap)
{
    snprintf(out, cap, "(no output)");
    char *data = slurp(log_path);
    if (!data)
        return;
    const char *pick = NULL;
    size_t pick_len = 0;
    for (const char *line = data; *line;) {
        const size_t len = strcspn(line, "\n");
        bool is_err = false;
        for (size_t q = 0; q + 5 <= len && !is_err; q++)
            is_err = strncmp(line + q, "ERROR", 5) == 0;
        if (is_err || len > 0) {
            pick = line;
            pick_len = len;
        }
        if (is_err)
            break;
        line += len + (line[len] ? 1 : 0);
    }
    if (pick)
        snprintf(out, cap, "%.*s", (int)(pick_len < 300 ? pick_len : 300), pick);
    free(data);
}

static bool is_flip_flop(const char *type)
{
    return strstr(type, "DFF") != NULL || strstr(type, "DLATCH") != NULL ||
           strstr(type, "dff") != NULL;
}

static int read_stat(const char *dir, ab_synth_result *r, char *version, size_t vcap,
                     ab_error *err)
{
    const char *top = r->top->top;
    char p[4200];
    snprintf(p, sizeof p, "%s/%s.stat.json", dir, top);
    char *text = slurp(p);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *d = j ? cJSON_GetObjectItemCaseSensitive(j, "design") : NULL;
    const cJSON *nc = d ? cJSON_GetObjectItemCaseSensitive(d, "num_cells") : NULL;
    const cJSON *bt = d ? cJSON_GetObjectItemCaseSensitive(d, "num_cells_by_type") : NULL;
    if (!cJSON_IsNumber(nc) || !cJSON_IsObject(bt)) {
        cJSON_Delete(j);
        return ab_error_set(err, "synth %s: Yosys' stat -json output is not as expected", top);
    }
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(j, "creator");
    if (version && cJSON_IsString(cr))
        snprintf(version, vcap, "%s", cr->valuestring);
    r->cells = (uint64_t)nc->valuedouble;
    r->ntypes = 0;
    r->flip_flops = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, bt)
    {
        if (!cJSON_IsNumber(it) || r->ntypes == AB_SYNTH_MAX_TYPES)
            continue;
        snprintf(r->type_name[r->ntypes], sizeof r->type_name[0], "%s", it->string);
        r->type_count[r->ntypes] = (uint64_t)it->valuedouble;
        if (is_flip_flop(it->string))
            r->flip_flops += r->type_count[r->ntypes];
        r->ntypes++;
    }
    cJSON_Delete(j);

    snprintf(p, sizeof p, "%s/%s.cmos.txt", dir, top);
    text = slurp(p);
    const char *key = "Estimated number of transistors:";
    const char *at = text ? strstr(text, key) : NULL;
    char *end = NULL;
    const unsigned long long t = at ? strtoull(at + strlen(key), &end, 10) : 0;
    const bool ok = at && end && *end != '+' && t > 0;
    free(text);
    if (!ok)
        return ab_error_set(err, "synth %s: no complete transistor count in Yosys' "
                                 "stat -tech cmos output", top);
    r->transistors = t;
    r->area_um2 = (double)t * AB_SYNTH_UM2_PER_TRANSISTOR_28NM;
    return 0;
}

/* ---- running ------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int spawn(const char *yosys, const char *script, const char *log_path, pid_t *pid,
                 ab_error *err)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return ab_error_set(err, "yosys: cannot start: out of memory");
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {(char *)yosys, (char *)"-q", (char *)"-s", (char *)script, NULL};
    const int rc = posix_spawnp(pid, yosys, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return ab_error_set(err, "%s: cannot start Yosys: %s (install Debian's yosys: "
                                 "scripts/deps.sh)", yosys, strerror(rc));
    return 0;
}

static void remove_outputs(const char *dir, const ab_synth_top *t)
{
    static const char *const sfx[] = {".ys", ".log", ".stat.json", ".cmos.txt"};
    char p[4200];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s%s", dir, t->top, sfx[i]);
        unlink(p);
    }
}

int ab_synth_run(const ab_synth_opts *o, const ab_synth_top *const *tops, size_t n,
                 ab_synth_result *res, char *version, size_t vcap, ab_error *err)
{
    if (version && vcap)
        version[0] = '\0';
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/anybit-synth-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return ab_error_set(err, "cannot create a temporary directory under %s: %s",
                            tmp && *tmp ? tmp : "/tmp", strerror(errno));
    pid_t *pids = calloc(n ? n : 1, sizeof *pids);
    int *status = calloc(n ? n : 1, sizeof *status);
    bool *done = calloc(n ? n : 1, sizeof *done);
    int rc = -1;
    size_t started = 0;
    if (!pids || !status || !done) {
        ab_error_set(err, "out of memory");
        goto out;
    }
    const double t0 = now_s();
    for (; started < n; started++) {
        memset(&res[started], 0, sizeof res[started]);
        res[started].top = tops[started];
        setup_text(o, tops[started], &res[started]);
        char script[4200], log_path[4200];
        snprintf(script, sizeof script, "%s/%s.ys", dir, tops[started]->top);
        snprintf(log_path, sizeof log_path, "%s/%s.log", dir, tops[started]->top);
        FILE *f = fopen(script, "w");
        if (!f) {
            ab_error_set(err, "%s: cannot write: %s", script, strerror(errno));
            goto reap;
        }
        const int wr = write_script(f, o, tops[started], &res[started], dir, err);
        if (fclose(f) != 0 || wr != 0) {
            if (wr == 0)
                ab_error_set(err, "%s: cannot write", script);
            goto reap;
        }
        if (spawn(o->yosys, script, log_path, &pids[started], err) != 0)
            goto reap;
    }
reap:;
    /* wait for every child started (also after a failure: no zombies) */
    size_t left = started;
    while (left > 0) {
        for (size_t i = 0; i < started; i++) {
            if (done[i])
                continue;
            const pid_t w = waitpid(pids[i], &status[i], WNOHANG);
            if (w == pids[i] || (w < 0 && errno != EINTR)) {
                done[i] = true;
                res[i].seconds = now_s() - t0;
                if (w < 0)
                    status[i] = -1;
                left--;
            }
        }
        if (left > 0) {
            const struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (started < n)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const ab_synth_top *t = tops[i];
        const int st = status[i];
        if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
                ab_error_set(err, "%s: Yosys not found (install Debian's yosys: "
                                  "scripts/deps.sh)", o->yosys);
                goto out;
            }
            char log_path[4200], what[320];
            snprintf(log_path, sizeof log_path, "%s/%s.log", dir, t->top);
            error_line(log_path, what, sizeof what);
            ab_error_set(err, "synth %s: Yosys failed: %s", t->top, what);
            goto out;
        }
        if (read_stat(dir, &res[i], version, vcap, err) != 0)
            goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        remove_outputs(dir, tops[i]);
    rmdir(dir);
    free(pids);
    free(status);
    free(done);
    return rc;
}
