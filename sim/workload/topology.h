/* topology.h - a SCALE-Sim topology CSV (its convolution form or its GEMM
 * form) as an op list (topology.c, docs/scalesim.md "Topologies"). */
#ifndef AB_TOPOLOGY_H
#define AB_TOPOLOGY_H

#include "ab_error.h"
#include "workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The layers of `path` as ops (conv layers lowered to GEMM as SCALE-Sim
 * lowers them), their formats from `recipe` (a preset name or a YAML
 * path).  Errors name FILE:LINE:COLUMN and the column. */
int ab_topology_read(const char *path, const char *recipe, ab_op_list *out, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
