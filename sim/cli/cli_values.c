/* cli_values.c - the value checks of `anybit run --trace`: every op that
 * carries values goes through sim/values/pe_values.h on the accelerator's
 * PE, and with --golden its datapath is compared with the golden model
 * (golden/golden.h), which shares no arithmetic with it. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "golden/golden.h"
#include "values/pe_values.h"
#include "results/report.h"

bool cli_parse_jobs(const char *text, unsigned *jobs)
{
    if (!text) {
        const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        *jobs = cpus > 0 ? (unsigned)(cpus < AB_VALUES_JOBS_MAX ? cpus : AB_VALUES_JOBS_MAX) : 1u;
        return true;
    }
    size_t n;
    if (!cli_parse_size(text, 1, AB_VALUES_JOBS_MAX, &n))
        return false;
    *jobs = (unsigned)n;
    return true;
}

int cli_check_values(const ab_accel *a, const ab_trace *t, unsigned jobs, ab_op_check *checks,
                     ab_error *err)
{
    for (size_t i = 0; i < t->nops; i++) {
        ab_values_report r;
        if (ab_values_check_jobs(a, t, i, jobs, &r, err) != 0)
            return -1;
        ab_op_check *c = &checks[i];
        c->checked = r.checked;
        if (!r.checked)
            continue;
        c->outputs = r.outputs;
        c->mismatches = r.mismatches;
        c->max_abs_err = r.max_abs_err;
        c->mse = r.mse;
        c->sqnr_db = r.sqnr_db;
        if (r.mismatches)
            fprintf(stderr, "anybit run: values of op %s differ from the kernels/ model in %zu of "
                            "%zu outputs; first: %s\n",
                    t->ops[i].op.name, r.mismatches, r.outputs, r.first_mismatch);
        if (r.overflows)
            fprintf(stderr, "anybit run: note: op %s: an integer register wrapped in %zu outputs "
                            "(as the hardware would)\n",
                    t->ops[i].op.name, r.overflows);
    }
    return 0;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

int cli_check_golden(const ab_accel *a, const ab_trace *t, unsigned jobs, size_t *ops_checked,
                     size_t *outputs_checked, ab_error *err)
{
    int differing = 0;
    *ops_checked = *outputs_checked = 0;
    for (size_t i = 0; i < t->nops; i++) {
        if (!ab_values_present(t, i))
            continue;
        const ab_op *op = &t->ops[i].op;
        const size_t n = (size_t)op->M * (size_t)op->N;
        float *dp = malloc((n ? n : 1) * sizeof *dp), *gd = malloc((n ? n : 1) * sizeof *gd);
        if (!dp || !gd) {
            free(dp);
            free(gd);
            return ab_error_set(err, "op %s: out of memory for %zu outputs", op->name, n);
        }
        if (ab_values_datapath_jobs(a, t, i, jobs, dp, err) != 0 ||
            ab_golden_op(a, t, i, gd, err) != 0) {
            free(dp);
            free(gd);
            return -1;
        }
        size_t diff = 0, first = 0;
        for (size_t k = 0; k < n; k++)
            if (float_bits(dp[k]) != float_bits(gd[k]) && diff++ == 0)
                first = k;
        if (diff) {
            differing++;
            fprintf(stderr,
                    "anybit run: values of op %s differ from the golden model in %zu of %zu "
                    "outputs; first: [%zu, %zu] datapath %.9g (0x%08" PRIx32 ") golden %.9g "
                    "(0x%08" PRIx32 ")\n",
                    op->name, diff, n, first / (size_t)op->N, first % (size_t)op->N,
                    (double)dp[first], float_bits(dp[first]), (double)gd[first],
                    float_bits(gd[first]));
        }
        (*ops_checked)++;
        *outputs_checked += n;
        free(dp);
        free(gd);
    }
    return differing;
}
