/* fuzz_yaml.c - libFuzzer target for the model, accelerator, sweep-space and
 * recipe YAML loaders.  The first byte picks the loader ('m' model, 'a'
 * accelerator, 's' sweep space, anything else recipe); the
 * rest is the document, written to a per-process temporary file because
 * the loaders read files (their messages name the file). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "accel/accel.h"
#include "accel/energy.h"
#include "workload/model.h"
#include "workload/recipe.h"
#include "sweep/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/tmp/anybit-fuzz-yaml-%ld.yaml", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    ab_error err;
    if (data[0] == 'm') {
        ab_model m;
        if (ab_model_load(path, &m, &err) == 0)
            ab_model_free(&m);
    } else if (data[0] == 'a') {
        ab_accel a;
        if (ab_accel_load(path, &a, &err) == 0) {
            /* what a run does with a loaded config: the sums must stay
             * finite for any config the loader accepts */
            if (ab_accel_validate(&a, &err) != 0)
                abort();
            ab_energy_events ev = {0};
            ev.cycles = ev.pe_busy_cycles = ev.pe_idle_cycles = ev.dequant_cycles = 1000;
            ev.sram_read_bytes[0] = ev.sram_write_bytes[2] = ev.dram_read_bytes = 1000;
            ab_energy e;
            ab_energy_compute(&a, &ev, &e);
            const double area = ab_accel_area_mm2(&a);
            if (e.total_pj != e.total_pj || area != area)
                abort();
        }
    } else if (data[0] == 's') {
        ab_sweep_spec sp;
        if (ab_sweep_load(path, &sp, &err) == 0) {
            /* enumerate a few points and evaluate the constraints on them */
            const char *vals[256];
            if (sp.ncols <= 256)
                for (size_t p = 0; p < sp.npoints && p < 16; p++) {
                    ab_sweep_point_values(&sp, p, vals);
                    for (size_t c = 0; c < sp.ncons; c++)
                        (void)ab_sweep_eval(&sp, sp.cons[c].when, vals, &err);
                }
            ab_sweep_free(&sp);
        }
    } else {
        ab_recipe r;
        if (ab_recipe_load(path, &r, &err) == 0) {
            /* apply the rules to an op, as expansion does */
            ab_op op = {0};
            snprintf(op.name, sizeof op.name, "layers.0.mlp.up_proj");
            op.kind = AB_OP_GEMM;
            op.M = 1;
            op.N = 128;
            op.K = 256;
            op.count = op.weight_share = 1;
            (void)ab_recipe_apply(&r, &op, &err);
            ab_recipe_free(&r);
        }
    }
    unlink(path);
    return 0;
}
