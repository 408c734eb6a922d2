/* fuzz_yaml_sweep.c - libFuzzer target for the sweep-space loader
 * (ab_sweep_load, examples/sweeps/<name>.yaml, docs/sweeps.md) on the input
 * written to a scratch file (the loader reads files), then what
 * `anybit sweep` does before it runs anything: the values of the first
 * points and of the last one (the far end of the mixed-radix numbering)
 * and every constraint evaluated on each.  Every point has one value per
 * column, and a constraint that parsed on point 0 (the loader tries them
 * there) evaluates to true, false or an error with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_scratch.h"
#include "sweep/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* points enumerated per input: the first few and the last */
#define POINTS_PROBED 16u

static void probe_point(const ab_sweep_spec *sp, size_t p, const char **vals)
{
    for (size_t c = 0; c < sp->ncols; c++)
        vals[c] = NULL;
    ab_sweep_point_values(sp, p, vals);
    for (size_t c = 0; c < sp->ncols; c++)
        if (vals[c] == NULL)
            abort(); /* a column without a value */
    for (size_t k = 0; k < sp->ncons; k++) {
        ab_error err;
        memset(&err, 0, sizeof err);
        const int v = ab_sweep_eval(sp, sp->cons[k].when, vals, &err);
        if (v < -1 || v > 1 || (v == -1 && !err.msg[0]))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[96];
    fuzz_scratch_path(path, sizeof path, "sweep", ".yaml");
    if (fuzz_write_file(path, data, size) != 0)
        return 0;
    ab_sweep_spec sp;
    ab_error err;
    memset(&err, 0, sizeof err);
    const int rc = ab_sweep_load(path, &sp, &err);
    unlink(path);
    if (rc != 0) {
        if (!err.msg[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    if (sp.npoints < 1 || sp.ncols < AB_SWEEP_NBASE)
        abort();
    const char **vals = calloc(sp.ncols, sizeof *vals);
    if (vals) {
        for (size_t p = 0; p < sp.npoints && p < POINTS_PROBED; p++)
            probe_point(&sp, p, vals);
        probe_point(&sp, sp.npoints - 1, vals);
        free(vals);
    }
    ab_sweep_free(&sp);
    return 0;
}
