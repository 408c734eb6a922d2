/* fuzz_results_csv.c - libFuzzer target for the results.csv reader: any
 * bytes either fail with a message or load, and a loaded table survives
 * column lookups, number reads and a Pareto front on two of its columns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "results/pareto.h"
#include "results/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ab_results r;
    ab_error err;
    if (ab_results_parse("fuzz", (const char *)data, size, &r, &err) != 0) {
        if (!err.msg[0])
            abort(); /* a failure always says why */
        return 0;
    }
    if (r.col_point >= r.ncols || r.col_status >= r.ncols || r.col_reason >= r.ncols)
        abort();
    for (size_t i = 0; i < r.ninputs; i++)
        (void)ab_results_varies(&r, r.inputs[i]);
    const int cx = ab_results_find(&r, "latency"), cy = ab_results_find(&r, "energy");
    if (cx < 0 || cy < 0 || r.nrows == 0) {
        ab_results_free(&r);
        return 0;
    }
    double *x = malloc(r.nrows * sizeof *x), *y = malloc(r.nrows * sizeof *y);
    size_t *front = malloc(r.nrows * sizeof *front), n = 0, nf = 0;
    for (size_t i = 0; x && y && front && i < r.nrows; i++)
        if (r.rows[i].status == AB_ROW_OK &&
            ab_results_number(&r, i, (size_t)cx, &x[n], &err) == 0 &&
            ab_results_number(&r, i, (size_t)cy, &y[n], &err) == 0)
            n++;
    if (x && y && front && ab_pareto_front(x, y, n, false, false, front, &nf, &err) == 0) {
        if (n > 0 && nf == 0)
            abort(); /* a non-empty set always has a front */
        for (size_t k = 0; k < nf; k++)
            if (front[k] >= n || (k > 0 && x[front[k - 1]] > x[front[k]]))
                abort();
    }
    free(x);
    free(y);
    free(front);
    ab_results_free(&r);
    return 0;
}
