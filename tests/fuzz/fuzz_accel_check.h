/* fuzz_accel_check.h - what every fuzz target that loads an accelerator
 * checks of a config the loader accepted (fuzz_yaml_accel: YAML configs,
 * fuzz_scalesim_cfg: SCALE-Sim .cfg files): it validates again, its energy
 * and area are finite, and one small GEMM under the config's own (preset)
 * recipe either simulates in fast mode with consistent totals or is refused
 * with a message; when the op is short enough, cycle mode must give the
 * same cycle count (docs/design.md "Two timing modes that must agree").
 * Each check that fails aborts: libFuzzer reports the input. */
#ifndef AB_FUZZ_ACCEL_CHECK_H
#define AB_FUZZ_ACCEL_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel/accel.h"
#include "accel/energy.h"
#include "engine/engine.h"
#include "fuzz_scratch.h"
#include "workload/recipe.h"
#include "workload/workload.h"

/* cycle mode steps every cycle: only ops this short are run in it too */
#define CYCLE_MODE_MAX_CYCLES 200000u

/* The config's recipe, when it names a preset (a path in a fuzzed config
 * could name any file on the machine, a FIFO or /dev/zero). */
static inline int load_preset_recipe(const ab_accel *a, ab_recipe *r)
{
    char path[1024];
    ab_error err;
    if (!a->recipe[0] || strchr(a->recipe, '/') || strchr(a->recipe, '.'))
        return -1;
    if (ab_zoo_path("recipes", a->recipe, path, sizeof path, &err) != 0 ||
        access(path, R_OK) != 0)
        return -1;
    return ab_recipe_load(path, r, &err);
}

static inline void simulate_one_op(const ab_accel *a)
{
    ab_recipe r;
    if (load_preset_recipe(a, &r) != 0)
        return;
    ab_op op;
    memset(&op, 0, sizeof op);
    snprintf(op.name, sizeof op.name, "layers.0.mlp.up_proj");
    op.kind = AB_OP_GEMM;
    op.M = 4;
    op.N = 64;
    op.K = 256;
    op.count = op.weight_share = 1;
    ab_error err;
    ab_op_stats fast, cycle;
    if (ab_recipe_apply(&r, &op, &err) == 0 && ab_sim_op(a, &op, AB_MODE_FAST, &fast, &err) == 0) {
        /* SCALE-Sim's convention counts to the index of the array's last
         * cycle: a stall-free op shows one compute cycle above its count
         * (docs/simulator.md "Cycle conventions") */
        const uint64_t slack = a->convention == AB_CONV_SCALESIM ? 1 : 0;
        if (fast.cycles + slack < fast.compute_cycles ||
            fast.stall_cycles !=
                (fast.cycles > fast.compute_cycles ? fast.cycles - fast.compute_cycles : 0) ||
            fast.macs != ab_op_macs(&op) ||
            !(fast.utilization >= 0.0 && fast.utilization <= 1.0 + 1e-9) ||
            !isfinite(fast.energy.total_pj))
            abort(); /* totals that contradict each other */
        if (fast.cycles <= CYCLE_MODE_MAX_CYCLES) {
            if (ab_sim_op(a, &op, AB_MODE_CYCLE, &cycle, &err) != 0 ||
                cycle.cycles != fast.cycles)
                abort(); /* the two timing modes disagree */
        }
    }
    ab_recipe_free(&r);
}

/* Everything above for a config ab_accel_load returned. */
static inline void fuzz_check_accepted_accel(const ab_accel *a)
{
    ab_error err;
    memset(&err, 0, sizeof err);
    if (ab_accel_validate(a, &err) != 0)
        abort(); /* the loader returned a config its own check refuses */
    ab_energy_events ev;
    memset(&ev, 0, sizeof ev);
    ev.cycles = ev.pe_busy_cycles = ev.pe_idle_cycles = ev.dequant_cycles = 1000;
    ev.sram_read_bytes[0] = ev.sram_write_bytes[2] = ev.dram_read_bytes = 1000;
    ab_energy e;
    ab_energy_compute(a, &ev, &e);
    const double area = ab_accel_area_mm2(a);
    if (!isfinite(e.total_pj) || !isfinite(area) || area < 0.0)
        abort();
    simulate_one_op(a);
}

/* The whole target for a loader that reads a file: the input written to a
 * scratch file named with `suffix` (the loader dispatches on it), loaded,
 * a refusal checked to say why, an acceptance checked as above. */
static inline int fuzz_load_accel(const uint8_t *data, size_t size, const char *tag,
                                  const char *suffix)
{
    char path[96];
    fuzz_scratch_path(path, sizeof path, tag, suffix);
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

#endif
