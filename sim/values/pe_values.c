/* pe_values.c - the values check of one op (pe_values.h): both
 * computations, their bit comparison, and the error vs the trace's
 * expected outputs (or, for an op with activations but no stored outputs,
 * the reference GEMM recomputed the way the writer computes it). */
#include "pe_values.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "parallel.h"
#include "values_op.h"

bool ab_values_present(const ab_trace *t, size_t i)
{
    return i < t->nops && t->ops[i].tensor[AB_TROLE_WEIGHT_CODES] >= 0 &&
           t->ops[i].tensor[AB_TROLE_ACTIVATIONS] >= 0;
}

static int expected_outputs(const ab_trace *t, size_t i, unsigned jobs, float *y,
                            ab_error *err);

/* One computation of a decoded op into out[M][v->N]. */
static int compute(const ab_vop *v, bool model, float *out, size_t *ov, ab_error *err)
{
    switch (v->a->pe) {
    case AB_PE_BITMOD:
        return model ? ab_values_bitmod_model(v, out, ov, err)
                     : ab_values_bitmod_datapath(v, out, err);
    case AB_PE_BTC:
        return model ? ab_values_btc_model(v, out, ov, err) : ab_values_btc_datapath(v, out, err);
    default:
        return model ? ab_values_mac_model(v, out, ov, err) : ab_values_mac_datapath(v, out, err);
    }
}

typedef struct values_job {
    const ab_vop *v;
    bool model;
    size_t n0, n1;
    float *out; /* the whole op's out[M][N]: this job writes columns n0 .. n1-1 */
    size_t overflows;
    int rc;
    ab_error err;
} values_job;

static void *values_job_run(void *arg)
{
    values_job *j = arg;
    const size_t M = j->v->M, N = j->v->N, w = j->n1 - j->n0;
    const ab_vop view = ab_vop_rows(j->v, j->n0, j->n1);
    float *part = malloc((M * w > 0 ? M * w : 1) * sizeof *part);
    if (!part) {
        j->rc = ab_error_set(&j->err, "op '%s': out of memory", j->v->name);
        return NULL;
    }
    j->rc = compute(&view, j->model, part, &j->overflows, &j->err);
    if (j->rc == 0)
        for (size_t m = 0; m < M; m++)
            memcpy(j->out + m * N + j->n0, part + m * w, w * sizeof *part);
    free(part);
    return NULL;
}

/* The computation on `jobs` threads over slices of the rows; the first
 * failing slice's error (in row order) is the one reported. */
static int compute_jobs(const ab_vop *v, bool model, unsigned jobs, float *out, size_t *ov,
                        ab_error *err)
{
    jobs = ab_parallel_jobs(jobs, v->N);
    if (jobs > AB_VALUES_JOBS_MAX)
        jobs = AB_VALUES_JOBS_MAX;
    if (jobs <= 1)
        return compute(v, model, out, ov, err);
    values_job *job = calloc(jobs, sizeof *job);
    if (!job)
        return ab_error_set(err, "op '%s': out of memory for %u jobs", v->name, jobs);
    for (unsigned j = 0; j < jobs; j++)
        job[j] = (values_job){.v = v, .model = model, .out = out,
                              .n0 = v->N * j / jobs, .n1 = v->N * (j + 1) / jobs};
    ab_parallel_run(job, sizeof *job, jobs, values_job_run);
    int rc = 0;
    size_t total = 0;
    for (unsigned j = 0; j < jobs; j++) {
        total += job[j].overflows;
        if (job[j].rc != 0 && rc == 0) {
            rc = -1;
            if (err)
                *err = job[j].err;
        }
    }
    if (ov)
        *ov = total;
    free(job);
    return rc;
}

int ab_values_datapath_jobs(const ab_accel *a, const ab_trace *t, size_t i, unsigned jobs,
                            float *out, ab_error *err)
{
    ab_vop v;
    if (ab_vop_load_jobs(a, t, i, jobs, &v, err) != 0)
        return -1;
    const int rc = compute_jobs(&v, false, jobs, out, NULL, err);
    ab_vop_free(&v);
    return rc;
}

int ab_values_model_jobs(const ab_accel *a, const ab_trace *t, size_t i, unsigned jobs,
                         float *out, size_t *overflows, ab_error *err)
{
    ab_vop v;
    if (ab_vop_load_jobs(a, t, i, jobs, &v, err) != 0)
        return -1;
    size_t ov = 0;
    const int rc = compute_jobs(&v, true, jobs, out, &ov, err);
    if (overflows)
        *overflows = ov;
    ab_vop_free(&v);
    return rc;
}

int ab_values_datapath(const ab_accel *a, const ab_trace *t, size_t i, float *out, ab_error *err)
{
    return ab_values_datapath_jobs(a, t, i, 1, out, err);
}

int ab_values_model(const ab_accel *a, const ab_trace *t, size_t i, float *out,
                    size_t *overflows, ab_error *err)
{
    return ab_values_model_jobs(a, t, i, 1, out, overflows, err);
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

void ab_values_compare(const ab_trace *t, size_t i, const float *datapath, const float *model,
                       const float *expected, ab_values_report *r)
{
    const ab_op *op = &t->ops[i].op;
    const size_t M = (size_t)op->M, N = (size_t)op->N;
    r->checked = true;
    r->outputs = M * N;
    r->mismatches = 0;
    r->first_mismatch[0] = '\0';
    double maxe = 0.0, sse = 0.0, sig = 0.0;
    for (size_t k = 0; k < M * N; k++) {
        if (bits_of(datapath[k]) != bits_of(model[k])) {
            if (r->mismatches++ == 0)
                snprintf(r->first_mismatch, sizeof r->first_mismatch,
                         "op '%s' m=%zu n=%zu: datapath 0x%08x (%.9g) != model 0x%08x (%.9g)",
                         op->name, k / N, k % N, (unsigned)bits_of(datapath[k]),
                         (double)datapath[k], (unsigned)bits_of(model[k]), (double)model[k]);
        }
        const double d = (double)datapath[k], e = (double)expected[k];
        /* equal values (infinities, both NaN) are no error; one NaN is */
        double diff = 0.0;
        if (!(d == e || (isnan(d) && isnan(e))))
            diff = isnan(d - e) ? INFINITY : fabs(d - e);
        maxe = fmax(maxe, diff);
        sse += diff * diff;
        sig += isfinite(e) ? e * e : 0.0;
    }
    r->max_abs_err = maxe;
    r->mse = M * N > 0 ? sse / (double)(M * N) : 0.0;
    r->sqnr_db = sse == 0.0 ? INFINITY : 10.0 * log10(sig / sse);
}

static int expected_outputs(const ab_trace *t, size_t i, unsigned jobs, float *y, ab_error *err)
{
    const ab_trace_op *o = &t->ops[i];
    const size_t M = (size_t)o->op.M, N = (size_t)o->op.N;
    if (o->tensor[AB_TROLE_OUTPUTS] >= 0) {
        const uint8_t *p = t->tensors[o->tensor[AB_TROLE_OUTPUTS]].data;
        for (size_t k = 0; k < M * N; k++) {
            const uint32_t u = (uint32_t)p[4 * k] | (uint32_t)p[4 * k + 1] << 8 |
                               (uint32_t)p[4 * k + 2] << 16 | (uint32_t)p[4 * k + 3] << 24;
            memcpy(&y[k], &u, sizeof u);
        }
        return 0;
    }
    return ab_trace_reference_outputs(t, i, jobs, y, err);
}

int ab_values_check(const ab_accel *a, const ab_trace *t, size_t i, ab_values_report *r,
                    ab_error *err)
{
    return ab_values_check_jobs(a, t, i, 1, r, err);
}

int ab_values_check_jobs(const ab_accel *a, const ab_trace *t, size_t i, unsigned jobs,
                         ab_values_report *r, ab_error *err)
{
    memset(r, 0, sizeof *r);
    if (i >= t->nops)
        return ab_error_set(err, "op index %zu out of range (%zu ops)", i, t->nops);
    if (!ab_values_present(t, i))
        return 0;
    const size_t n = (size_t)(t->ops[i].op.M * t->ops[i].op.N);
    float *dp = malloc(n * sizeof *dp), *mo = malloc(n * sizeof *mo), *ex = malloc(n * sizeof *ex);
    size_t ov = 0;
    int rc = -1;
    if (!dp || !mo || !ex)
        ab_error_set(err, "op '%s': out of memory for %zu outputs", t->ops[i].op.name, n);
    else {
        /* the op decoded once for both computations */
        ab_vop v;
        if (ab_vop_load_jobs(a, t, i, jobs, &v, err) == 0) {
            if (compute_jobs(&v, false, jobs, dp, NULL, err) == 0 &&
                compute_jobs(&v, true, jobs, mo, &ov, err) == 0 &&
                expected_outputs(t, i, jobs, ex, err) == 0)
                rc = 0;
            ab_vop_free(&v);
        }
    }
    if (rc == 0) {
        ab_values_compare(t, i, dp, mo, ex, r);
        r->overflows = ov;
    }
    free(dp);
    free(mo);
    free(ex);
    return rc;
}
