/* pareto.c - Pareto front by one sort and one sweep (pareto.h). */
#include "pareto.h"

#include <stdlib.h>

typedef struct key {
    double x, y; /* both to be minimized (negated when maximized) */
    size_t i;
} key;

/* qsort has no context argument, so the values travel with the index. */
static int by_xy(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

int ab_pareto_front(const double *x, const double *y, size_t n, bool max_x, bool max_y,
                    size_t *front, size_t *nfront, ab_error *err)
{
    *nfront = 0;
    if (n == 0)
        return 0;
    key *k = malloc(n * sizeof *k);
    if (!k)
        return ab_error_set(err, "pareto: out of memory for %zu points", n);
    for (size_t i = 0; i < n; i++)
        k[i] = (key){max_x ? -x[i] : x[i], max_y ? -y[i] : y[i], i};
    qsort(k, n, sizeof *k, by_xy);
    /* Walk groups of equal x in ascending x.  A point survives when its y
     * is its group's least (else a same-x point beats it) and strictly less
     * than every y seen at a smaller x (else that point beats it, or ties
     * it on y while having a smaller x). */
    size_t nf = 0;
    double best_prev = 0;
    bool have_prev = false;
    for (size_t g = 0; g < n;) {
        size_t e = g;
        while (e < n && k[e].x == k[g].x)
            e++;
        const double gmin = k[g].y;
        if (!have_prev || gmin < best_prev)
            for (size_t j = g; j < e && k[j].y == gmin; j++)
                k[nf++] = k[j]; /* nf <= j: compaction in place is safe */
        if (!have_prev || gmin < best_prev)
            best_prev = gmin;
        have_prev = true;
        g = e;
    }
    /* Report in ascending order of the original values (a maximized axis
     * was walked negated). */
    for (size_t j = 0; j < nf; j++)
        k[j] = (key){x[k[j].i], y[k[j].i], k[j].i};
    qsort(k, nf, sizeof *k, by_xy);
    for (size_t j = 0; j < nf; j++)
        front[j] = k[j].i;
    *nfront = nf;
    free(k);
    return 0;
}
