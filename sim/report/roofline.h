/* roofline.h - the roofline data of a sweep (docs/plots.md "Roofline"): for
 * every ok point, its ops (grouped by role, layer numbers folded) placed by
 * operational intensity and achieved performance, under the roofs of
 * their configurations (peak compute and DRAM bandwidth). */
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
    size_t roof;      /* its point's roof (index into ab_roofline.roofs) */
} ab_roof_op;

/* A configuration's roofs (the run JSON's "peak" object): its peak compute
 * on the run's formats and its DRAM bandwidth, at its clock. */
typedef struct ab_roof {
    char accel[64];    /* the first point's accelerator with these roofs */
    double peak_ops_s; /* 2 x peak MACs per cycle x clock (pe.h ab_pe_peak_macs_per_cycle) */
    double bw_bytes_s; /* DRAM bytes per cycle x clock */
    size_t points;     /* ok points with these roofs */
} ab_roof;

#define AB_ROOFS_MAX 12

typedef struct ab_roofline {
    ab_roof_op *ops;
    size_t nops;
    /* distinct (peak, bandwidth) pairs in order of first appearance; past
     * AB_ROOFS_MAX the points share the last one drawn (roofs_merged) */
    ab_roof roofs[AB_ROOFS_MAX];
    size_t nroofs, roofs_merged;
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
