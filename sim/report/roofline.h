/* roofline.h - the roofline data of a sweep (docs/plots.md "Roofline"): for
 * every ok point, its ops (grouped by role, layer numbers folded) placed by
 * operational intensity and achieved performance, and the roofs measured
 * from the runs themselves. */
#ifndef AB_ROOFLINE_H
#define AB_ROOFLINE_H

#include <stddef.h>

#include "ab_error.h"
#include "results/results.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_ROLE_MAX 96

typedef struct ab_roof_op {
    size_t row;             /* results row of the point */
    char role[AB_ROLE_MAX]; /* "layers.*.mlp.up_proj" */
    size_t count;           /* ops folded into the role */
    double macs, cycles, dram_bytes;
    double intensity; /* ops/byte = 2 macs / DRAM bytes (read + write) */
    double ops_per_s; /* 2 macs / (cycles / clock) */
} ab_roof_op;

typedef struct ab_roofline {
    ab_roof_op *ops;
    size_t nops;
    /* The roofs, maxima over every op of every ok point (so each plotted op
     * lies on or under both by construction):
     *   peak  = 2 macs / (compute_cycles / clock)  (compute without stalls)
     *   bw    = DRAM bytes / (cycles / clock)      (sustained DRAM rate) */
    double peak_ops_s, bw_bytes_s;
    size_t skipped; /* roles without MACs or DRAM traffic: no place on log axes */
} ab_roofline;

/* Read points/P.json of every ok row of r.  A missing or malformed point
 * file is an error naming it and the field. */
int ab_roofline_load(const ab_results *r, ab_roofline *out, ab_error *err);
void ab_roofline_free(ab_roofline *rl);

#ifdef __cplusplus
}
#endif

#endif
