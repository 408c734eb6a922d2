/* fuzz_scalesim_cfg.c - libFuzzer target for the SCALE-Sim .cfg reader
 * (sim/accel/accel_scalesim.c behind ab_accel_load, docs/scalesim.md).
 * The reader takes a path ending in .cfg, so the input is written to a
 * scratch file of that name.  A refusal must say why; an accepted config
 * must pass the checks every loaded accelerator passes
 * (fuzz_accel_check.h): validation, finite energy and area, one small GEMM
 * under its recipe with consistent totals and, when short, the same cycles
 * in cycle mode (here on the systolic dataflow the .cfg chose). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_accel_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_load_accel(data, size, "scalesim", ".cfg");
}
