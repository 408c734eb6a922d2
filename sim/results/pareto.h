/* pareto.h - the Pareto front of a set of 2-D points (`anybit pareto`, the
 * pareto plot and the report). */
#ifndef AB_PARETO_H
#define AB_PARETO_H

#include <stdbool.h>
#include <stddef.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The indices of the points that no other point dominates, in *front
 * (capacity n), sorted by x ascending (then y ascending, then index), and
 * their number in *nfront.  Each axis is minimized unless max_x / max_y.
 * Point a dominates b when a is at least as good on both axes and better on
 * one; points with equal (x, y) do not dominate each other, so ties are all
 * on the front.  O(n log n).  -1 with err only when out of memory. */
int ab_pareto_front(const double *x, const double *y, size_t n, bool max_x, bool max_y,
                    size_t *front, size_t *nfront, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
