/* fuzz_scalesim_cfg.c - libFuzzer target for the SCALE-Sim .cfg reader
 * (sim/accel/accel_scalesim.c behind ab_accel_load, docs/scalesim.md).
 * The reader takes a path ending in .cfg, so the input is written to a
 * scratch file of that name.  A refusal must say why; an accepted config
 * must pass the checks every loaded accelerator passes
 * (fuzz_accel_check.h): validation, finite energy and area, one small GEMM
 * under its recipe with consistent totals and, when short, the same cycles
 * in cycle mode (here on the systolic dataflow the .cfg chose). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel/accel.h"
#include "fuzz_accel_check.h"
#include "fuzz_scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[96];
    fuzz_scratch_path(path, sizeof path, "scalesim", ".cfg");
    if (fuzz_write_file(path, data, size) != 0)
        return 0;
    ab_accel a;
    ab_error err;
    memset(&err, 0, sizeof err);
    const int rc = ab_accel_load(path, &a, &err);
    unlink(path);
    if (rc != 0) {
        if (!err.msg[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    fuzz_check_accepted_accel(&a);
    return 0;
}
