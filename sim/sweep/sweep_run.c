/* sweep_run.c - running a sweep: two parallel passes over the points this
 * shard still needs, on `jobs` threads.
 *
 *   1. materialize: each point's config and recipe written under inputs/
 *      (the base files with the point's config.* / recipe.* values), and
 *      loaded back; a loader failure is a bad spec (the whole sweep stops
 *      before simulating anything, exit 2).  Points a constraint rejects
 *      get their point file now.
 *   2. simulate: expand the workload, run it, write the point file (status
 *      ok, or dropped with the simulator's reason).
 * A point file is written atomically and only when its point is complete,
 * so a killed sweep resumes from the files present. */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accel/accel.h"
#include "engine/engine.h"
#include "workload/model.h"
#include "workload/recipe.h"
#include "results/report.h"
#include "sweep_impl.h"
#include "yaml/yaml_patch.h"

typedef enum pstate { P_TODO = 0, P_READY, P_DONE } pstate;

typedef struct ctx {
    const ab_sweep_spec *s;
    const ab_sweep_opts *o;
    size_t *todo, ntodo;
    uint8_t *state;          /* per todo entry: pstate after pass 1 */
    char (*recipe)[AB_ACCEL_PATH_MAX]; /* per todo entry: effective recipe name */
    int pass;
    atomic_size_t next, done, ok, dropped, constrained;
    atomic_int failed;       /* a bad spec: stop */
    pthread_mutex_t lock;
    ab_accuracy_cache *acc_cache; /* the points' shared synthetic operands */
    size_t fail_point;
    ab_error fail_err;
} ctx;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A name or a path: paths (with '/' or ending in .yaml) are relative to the
 * spec's folder; names resolve in the zoo folder `kind`. */
static int resolve(const ab_sweep_spec *s, const char *kind, const char *v, char *out, size_t cap,
                   ab_error *err)
{
    const size_t n = strlen(v);
    if (strchr(v, '/') || (n > 5 && strcmp(v + n - 5, ".yaml") == 0)) {
        const int len = v[0] == '/' ? snprintf(out, cap, "%s", v)
                                    : snprintf(out, cap, "%s/%s", s->dir, v);
        return len < 0 || (size_t)len >= cap ? ab_error_set(err, "%s: path too long", v) : 0;
    }
    return ab_zoo_path(kind, v, out, cap, err);
}

static void record_failure(ctx *c, size_t p, const ab_error *e)
{
    pthread_mutex_lock(&c->lock);
    /* the lowest failing point, so the message does not depend on timing */
    if (!atomic_load(&c->failed) || p < c->fail_point) {
        c->fail_point = p;
        c->fail_err = *e;
    }
    atomic_store(&c->failed, 1);
    pthread_mutex_unlock(&c->lock);
}

/* "config.array.rows=64, recipe.weights.format=int4" */
static void describe(const ab_sweep_spec *s, const char *const *vals, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t c = AB_SWEEP_NBASE; c < s->ncols && o + 1 < cap; c++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%s=%s", o ? ", " : "", s->cols[c], vals[c]);
    if (!o)
        snprintf(buf, cap, "the base point");
}

static int materialize(ctx *c, size_t t, const char **vals, ab_error *err)
{
    const ab_sweep_spec *s = c->s;
    const size_t p = c->todo[t];
    char base_cfg[AB_ACCEL_PATH_MAX], cfg_out[1024], rec_out[1024], base_rec[AB_ACCEL_PATH_MAX];
    const char *paths[128], *values[128], *what[128];
    size_t n = 0;
    if (resolve(s, "configs", vals[AB_SWEEP_COL_CONFIG], base_cfg, sizeof base_cfg, err) != 0)
        return -1;
    for (size_t col = AB_SWEEP_NBASE; col < s->ncols && n < 128; col++)
        if (strncmp(s->cols[col], "config.", 7) == 0) {
            paths[n] = s->cols[col] + 7;
            values[n] = vals[col];
            what[n++] = s->cols[col];
        }
    ab_sweep_input_file(c->o->dir, p, "config", cfg_out, sizeof cfg_out);
    if (ab_yaml_patch_file(base_cfg, cfg_out, paths, values, what, n, err) != 0)
        return -1;
    ab_accel a;
    if (ab_accel_load(cfg_out, &a, err) != 0)
        return -1;
    /* the recipe: the point's, or the config's own */
    const char *rname = vals[AB_SWEEP_COL_RECIPE][0] ? vals[AB_SWEEP_COL_RECIPE] : a.recipe;
    snprintf(c->recipe[t], sizeof c->recipe[t], "%s", rname);
    vals[AB_SWEEP_COL_RECIPE] = c->recipe[t];
    for (size_t k = 0; k < s->ncons; k++) {
        ab_error e;
        const int r = ab_sweep_eval(s, s->cons[k].when, vals, &e);
        if (r < 0)
            return ab_error_set(err, "%s:%d: constraints[%zu].when: %s", s->file,
                                s->cons[k].line, k, e.msg);
        if (r == 0) {
            if (ab_sweep_point_write(c->o->dir, p, "constraint", s->cons[k].reason,
                                     (const char *const *)s->cols, vals, s->ncols, NULL, NULL,
                                     NULL, NULL, err) != 0)
                return -1;
            c->state[t] = P_DONE;
            atomic_fetch_add(&c->constrained, 1);
            atomic_fetch_add(&c->done, 1);
            return 0;
        }
    }
    if (resolve(s, "recipes", rname, base_rec, sizeof base_rec, err) != 0)
        return -1;
    n = 0;
    for (size_t col = AB_SWEEP_NBASE; col < s->ncols && n < 128; col++)
        if (strncmp(s->cols[col], "recipe.", 7) == 0) {
            paths[n] = s->cols[col] + 7;
            values[n] = vals[col];
            what[n++] = s->cols[col];
        }
    ab_sweep_input_file(c->o->dir, p, "recipe", rec_out, sizeof rec_out);
    if (ab_yaml_patch_file(base_rec, rec_out, paths, values, what, n, err) != 0)
        return -1;
    ab_recipe r;
    if (ab_recipe_load(rec_out, &r, err) != 0)
        return -1;
    ab_recipe_free(&r);
    char model[AB_ACCEL_PATH_MAX];
    if (resolve(s, "models", vals[AB_SWEEP_COL_MODEL], model, sizeof model, err) != 0)
        return -1;
    ab_model m;
    if (ab_model_load(model, &m, err) != 0)
        return -1;
    ab_model_free(&m);
    c->state[t] = P_READY;
    return 0;
}

/* The simulator's reason without the op name and file, so that points
 * refused for the same reason count together. */
static void short_reason(const char *msg, char *out, size_t cap)
{
    const char *r = msg;
    const char *op = strstr(r, ": op ");
    if (op) {
        const char *after = strstr(op + 5, ": ");
        if (after)
            r = after + 2;
    } else {
        const char *colon = strstr(r, ".yaml: ");
        if (colon)
            r = colon + 7;
    }
    snprintf(out, cap, "%s", r);
}

static int simulate(ctx *c, size_t t, const char **vals, ab_error *err)
{
    const ab_sweep_spec *s = c->s;
    const ab_sweep_opts *o = c->o;
    const size_t p = c->todo[t];
    vals[AB_SWEEP_COL_RECIPE] = c->recipe[t];
    char cfg[1024], rec[1024], model[AB_ACCEL_PATH_MAX], cmd[4096];
    ab_sweep_input_file(o->dir, p, "config", cfg, sizeof cfg);
    ab_sweep_input_file(o->dir, p, "recipe", rec, sizeof rec);
    if (resolve(s, "models", vals[AB_SWEEP_COL_MODEL], model, sizeof model, err) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "anybit run --config %s --model %s --recipe %s --phase %s --batch %s "
             "--mode %s", cfg, model, rec, vals[AB_SWEEP_COL_PHASE], vals[AB_SWEEP_COL_BATCH],
             vals[AB_SWEEP_COL_MODE]);
    const size_t used = strlen(cmd);
    if (s->accuracy.off)
        snprintf(cmd + used, sizeof cmd - used, " --no-accuracy");
    else
        snprintf(cmd + used, sizeof cmd - used, " --accuracy-sample %u --accuracy-seed %llu",
                 s->accuracy.sample_rows, (unsigned long long)s->accuracy.seed);
    ab_accel a;
    if (ab_accel_load(cfg, &a, err) != 0)
        return -1;
    const uint32_t batch = (uint32_t)strtoul(vals[AB_SWEEP_COL_BATCH], NULL, 10);
    const ab_sim_mode mode = strcmp(vals[AB_SWEEP_COL_MODE], "cycle") == 0 ? AB_MODE_CYCLE
                                                                           : AB_MODE_FAST;
    ab_op_list ops = {0, 0, NULL};
    ab_run_stats rs;
    memset(&rs, 0, sizeof rs);
    ab_accuracy acc;
    memset(&acc, 0, sizeof acc);
    ab_error e;
    int rc;
    if (ab_workload_expand(model, rec, vals[AB_SWEEP_COL_PHASE], batch ? batch : 1, &ops, &e) != 0 ||
        ab_sim_ops(&a, &ops, ab_throughput_items(&ops, vals[AB_SWEEP_COL_PHASE], batch ? batch : 1),
                   mode,
                   &rs, &e) != 0 ||
        ab_accuracy_estimate(&ops, NULL, &s->accuracy, c->acc_cache, &acc, &e) != 0) {
        char reason[AB_ERROR_MAX];
        short_reason(e.msg, reason, sizeof reason);
        rc = ab_sweep_point_write(o->dir, p, "dropped", reason, (const char *const *)s->cols, vals,
                                  s->ncols, NULL, NULL, NULL, cmd, err);
        atomic_fetch_add(&c->dropped, 1);
    } else {
        char label[1024];
        snprintf(label, sizeof label, "%s %s (recipe %s)", vals[AB_SWEEP_COL_MODEL],
                 vals[AB_SWEEP_COL_PHASE], c->recipe[t]);
        const ab_report_in in = {&a, &rs, label, NULL, true, &acc};
        cJSON *run = ab_report_json_object(&in);
        rc = run ? ab_sweep_point_write(o->dir, p, "ok", "", (const char *const *)s->cols, vals,
                                        s->ncols, &rs, &acc, run, cmd, err)
                 : ab_error_set(err, "out of memory");
        atomic_fetch_add(&c->ok, 1);
    }
    ab_accuracy_free(&acc);
    ab_run_stats_free(&rs);
    ab_op_list_free(&ops);
    return rc;
}

static void *worker(void *arg)
{
    ctx *c = arg;
    const char **vals = calloc(c->s->ncols, sizeof *vals);
    if (!vals) {
        ab_error e;
        ab_error_set(&e, "out of memory");
        record_failure(c, 0, &e);
        return NULL;
    }
    for (;;) {
        const size_t t = atomic_fetch_add(&c->next, 1);
        if (t >= c->ntodo || atomic_load(&c->failed))
            break;
        const size_t p = c->todo[t];
        ab_sweep_point_values(c->s, p, vals);
        ab_error e;
        if (c->pass == 1) {
            if (materialize(c, t, vals, &e) != 0) {
                char where[512];
                describe(c->s, vals, where, sizeof where);
                ab_error full;
                ab_error_set(&full, "%s: point %zu (%s): %s", c->s->file, p, where, e.msg);
                record_failure(c, p, &full);
            }
        } else if (c->state[t] == P_READY) {
            if (simulate(c, t, vals, &e) != 0)
                record_failure(c, p, &e);
            atomic_fetch_add(&c->done, 1);
        }
    }
    free(vals);
    return NULL;
}

static void progress(const ctx *c, FILE *f, bool tty, double t0, size_t total, int *last_decile,
                     bool final)
{
    const size_t done = atomic_load(&c->done);
    const double el = now_s() - t0;
    const double rate = el > 0 ? (double)done / el : 0;
    const double eta = rate > 0 ? (double)(total - done) / rate : 0;
    if (tty) {
        char bar[31];
        const size_t fill = total ? done * 30 / total : 30;
        for (size_t i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = 0;
        fprintf(f, "\rsweep %s: [%s] %zu/%zu  %.1f points/s  ETA %d:%02d ", c->s->name, bar, done,
                total, rate, (int)eta / 60, (int)eta % 60);
        if (final)
            fputc('\n', f);
        fflush(f);
        return;
    }
    const int decile = total ? (int)(done * 10 / total) : 10;
    if (decile > *last_decile || final) {
        if (decile != *last_decile)
            fprintf(f, "sweep %s: %zu/%zu points (%d%%), %.1f points/s, ETA %.0f s\n", c->s->name,
                    done, total, total ? (int)(100 * done / total) : 100, rate, eta);
        *last_decile = decile;
        fflush(f);
    }
}

static int run_pass(ctx *c, int pass, unsigned jobs, double t0, size_t total, int *decile)
{
    c->pass = pass;
    atomic_store(&c->next, 0);
    pthread_t th[256];
    unsigned started = 0;
    for (unsigned j = 0; j < jobs && j < 256; j++)
        if (pthread_create(&th[started], NULL, worker, c) == 0)
            started++;
    if (started == 0)
        worker(c); /* no threads: run here */
    bool running = started > 0;
    while (running && pass == 2 && c->o->progress) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        progress(c, c->o->progress, c->o->progress_tty, t0, total, decile, false);
        running = atomic_load(&c->next) < c->ntodo + started && !atomic_load(&c->failed);
    }
    for (unsigned j = 0; j < started; j++)
        pthread_join(th[j], NULL);
    return atomic_load(&c->failed) ? -1 : 0;
}

/* Temporary files a killed run left behind (atomic writes in flight). */
static void remove_stale_temporaries(const char *dir, const char *sub)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp.")) {
            char f[1400];
            snprintf(f, sizeof f, "%s/%s", path, e->d_name);
            unlink(f);
        }
    closedir(d);
}

/* Undo what pass 1 wrote into a directory this run created. */
static void remove_new_dir(const char *dir, const ctx *c)
{
    char path[1024];
    for (size_t t = 0; t < c->ntodo; t++) {
        ab_sweep_input_file(dir, c->todo[t], "config", path, sizeof path);
        unlink(path);
        ab_sweep_input_file(dir, c->todo[t], "recipe", path, sizeof path);
        unlink(path);
        ab_sweep_point_file(dir, c->todo[t], path, sizeof path);
        unlink(path);
    }
    remove_stale_temporaries(dir, "points");
    remove_stale_temporaries(dir, "inputs");
    snprintf(path, sizeof path, "%s/points", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/inputs", dir);
    rmdir(path);
    rmdir(dir);
}

int ab_sweep_run(const ab_sweep_spec *s, const ab_sweep_opts *o, ab_sweep_summary *sum,
                 ab_error *err)
{
    memset(sum, 0, sizeof *sum);
    bool exists;
    ab_sweep_meta m;
    if (ab_sweep_meta_read(o->dir, &m, &exists, err) != 0)
        return -1;
    if (exists) {
        const bool same = m.hash == s->hash && m.shard_i == o->shard_i && m.shard_n == o->shard_n;
        const unsigned mi = m.shard_i, mn = m.shard_n;
        char mname[AB_SWEEP_FIELD_MAX];
        snprintf(mname, sizeof mname, "%s", m.name);
        ab_sweep_meta_free(&m);
        if (!same)
            return ab_error_set(err,
                                "%s: holds sweep \"%s\" shard %u/%u of another space or shard "
                                "(this is \"%s\" shard %u/%u): use another -o or remove it",
                                o->dir, mname, mi, mn, s->name, o->shard_i, o->shard_n);
    }
    if (ab_sweep_make_dirs(o->dir, err) != 0)
        return -1;
    remove_stale_temporaries(o->dir, "points");
    remove_stale_temporaries(o->dir, "inputs");
    ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.o = o;
    pthread_mutex_init(&c.lock, NULL);
    /* npoints <= AB_SWEEP_MAX_POINTS (the loader's bound): no overflow */
    c.todo = calloc(s->npoints / (o->shard_n ? o->shard_n : 1) + 1, sizeof *c.todo);
    if (!c.todo)
        return ab_error_set(err, "out of memory for %zu points", s->npoints);
    for (size_t p = o->shard_i; p < s->npoints; p += o->shard_n) {
        sum->points++;
        char path[1024];
        ab_sweep_point_file(o->dir, p, path, sizeof path);
        if (ab_sweep_file_exists(path))
            sum->done_before++;
        else
            c.todo[c.ntodo++] = p;
    }
    char results[1024];
    snprintf(results, sizeof results, "%s/results.csv", o->dir);
    int rc = 0;
    if (c.ntodo == 0 && exists && ab_sweep_file_exists(results)) {
        sum->nothing_to_do = true;
        goto out;
    }
    c.state = calloc(c.ntodo ? c.ntodo : 1, 1);
    c.recipe = calloc(c.ntodo ? c.ntodo : 1, sizeof *c.recipe);
    c.acc_cache = ab_accuracy_cache_new();
    if (!c.state || !c.recipe || !c.acc_cache) {
        rc = ab_error_set(err, "out of memory for %zu points", c.ntodo);
        goto out;
    }
    const unsigned jobs = o->jobs ? o->jobs : 1;
    const double t0 = now_s();
    int decile = -1;
    if (run_pass(&c, 1, jobs, t0, c.ntodo, &decile) != 0) {
        /* a bad spec: leave a new directory as it was (absent) */
        *err = c.fail_err;
        rc = -1;
        if (!exists)
            remove_new_dir(o->dir, &c);
        goto out;
    }
    /* sweep.json marks the directory as this space's once the space is known good */
    if (!exists && ab_sweep_meta_write(o->dir, s, o->shard_i, o->shard_n, err) != 0) {
        rc = -1;
        goto out;
    }
    if (run_pass(&c, 2, jobs, t0, c.ntodo, &decile) != 0) {
        *err = c.fail_err;
        rc = -1;
        goto out;
    }
    if (o->progress)
        progress(&c, o->progress, o->progress_tty, t0, c.ntodo, &decile, true);
    sum->ran = c.ntodo;
    sum->ok = atomic_load(&c.ok);
    sum->dropped = atomic_load(&c.dropped);
    sum->constrained = atomic_load(&c.constrained);
    rc = ab_sweep_write_results(o->dir, err);
out:
    free(c.todo);
    free(c.state);
    free(c.recipe);
    ab_accuracy_cache_free(c.acc_cache);
    pthread_mutex_destroy(&c.lock);
    return rc;
}
