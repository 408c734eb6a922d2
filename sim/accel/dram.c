/* dram.c - DRAM presets (energy.h ab_dram_preset): peak bandwidth, latency
 * and energy per bit of the memory standards a config can name.
 *
 * bytes_per_cycle = the standard's peak bandwidth / the accelerator clock
 * (GB/s over Gcycle/s); latency_cycles = ceil(row-miss latency in ns x
 * clock in GHz).  Energy and latency sources are next to each number and in
 * docs/energy.md "DRAM"; the ones marked assumption have no citable figure.
 */
#include "energy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct dram_std {
    const char *name;
    double gb_per_s;       /* peak, 1e9 bytes/s; 0 when bytes_per_cycle is fixed */
    double fixed_bytes_per_cycle; /* "bitmod": a bus width in cycles, any clock */
    double latency_ns;     /* row miss: precharge + activate + read latency + burst */
    double pj_per_bit;
} dram_std;

static const dram_std k_dram[] = {
    /* DDR4-3200, one x64 channel: 3200 MT/s x 8 B = 25.6 GB/s (JESD79-4).
     * Latency: DDR4-3200AA bin, tRP = tRCD = tCL = 13.75 ns, + BL8 burst
     * 2.5 ns = 43.75 ns (controller and PHY not included).
     * Energy: Horowitz ISSCC 2014 gives 1.3-2.6 nJ per 64 bits for DDR-class
     * DRAM (20.3-40.6 pJ/bit); DDR4 runs at 1.2 V against DDR3's 1.5 V, so
     * the low end, 1.3 nJ / 64 = 20.3125 pJ/bit (inferred). */
    {"ddr4-3200", 25.6, 0.0, 43.75, 1300.0 / 64.0},
    /* LPDDR4-4266, x64 package (4 x16 channels): 4266 MT/s x 8 B = 34.1 GB/s
     * (JESD209-4).  Latency: tRPpb = tRCD = 18 ns, RL 36 tCK at 2133 MHz =
     * 16.9 ns, BL16 = 3.75 ns: ~56.6 ns.  Energy: 14 pJ/bit, the DRAMSpec-
     * style simulation of a 3.2 Gb/s/pin LPDDR4 package in H. Ha's Stanford
     * thesis (2018, "Understanding and improving the energy efficiency of
     * DRAM"), as tabulated by github.com/Dongyunkam/DRAM_info (second-hand:
     * an assumption until checked against the thesis); it matches the
     * off-package GDDR5 figure of O'Connor et al. MICRO 2017 Fig. 1 (14). */
    {"lpddr4", 34.1, 0.0, 56.6, 14.0},
    /* LPDDR5-6400, x64: 6400 MT/s x 8 B = 51.2 GB/s (JESD209-5).  Latency:
     * tRPpb = tRCD = 18 ns, RL ~17 tCK at 800 MHz CK = 21.25 ns, BL16 =
     * 2.5 ns: ~60 ns (approximate).  Energy: assumption, LPDDR4's 14 pJ/bit
     * x 0.7 = 9.8 pJ/bit (LPDDR5's lower VDDQ, 0.5 V against LPDDR4X's
     * 0.6 V, and vendors' "about 30% less power"; no citable per-bit figure
     * found). */
    {"lpddr5", 51.2, 0.0, 60.0, 14.0 * 0.7},
    /* HBM2, one stack: 1024 bits x 2 Gb/s = 256 GB/s (JESD235).  Latency:
     * tRP = tRCD = tCL = 14 ns, BL4 burst 2 ns: ~44 ns (approximate).
     * Energy: 3.97 pJ/bit, O'Connor et al., "Fine-grained DRAM", MICRO 2017,
     * Sec. 1 (activation 1.21 + on-die data movement 2.24 + I/O 0.3, + ECC). */
    {"hbm2", 256.0, 0.0, 44.0, 3.97},
    /* The BitMoD evaluation's DRAM: 256 bits = 32 bytes per cycle whatever
     * the clock, 1200 pJ per 64 bits = 18.75 pJ/bit (docs/references.md#bitmod-evaluation-setup, BitMoD
     * evaluation setup).  Latency 0: the published simulator models DRAM
     * time as bytes / bus width (perfect overlap, no access latency). */
    {"bitmod", 0.0, 32.0, 0.0, 1200.0 / 64.0},
};
#define N_DRAM (sizeof k_dram / sizeof k_dram[0])

int ab_dram_preset(const char *name, double clock_ghz, ab_dram_cfg *d, ab_error *err)
{
    if (!(clock_ghz > 0.0 && clock_ghz <= 100.0))
        return ab_error_set(err, "clock_ghz: expected a clock in GHz, above 0 and at most 100, "
                            "found %g", clock_ghz);
    for (size_t i = 0; i < N_DRAM; i++) {
        const dram_std *s = &k_dram[i];
        if (!name || strcmp(name, s->name) != 0)
            continue;
        memset(d, 0, sizeof *d);
        snprintf(d->preset, sizeof d->preset, "%s", s->name);
        d->bytes_per_cycle =
            s->fixed_bytes_per_cycle > 0.0 ? s->fixed_bytes_per_cycle : s->gb_per_s / clock_ghz;
        /* the small epsilon keeps 43.75 ns x 1 GHz = 44, not 45, against
         * rounding in the product */
        d->latency_cycles = (uint32_t)ceil(s->latency_ns * clock_ghz - 1e-9);
        d->pj_per_bit = s->pj_per_bit;
        return 0;
    }
    char list[160] = "";
    size_t used = 0;
    for (size_t i = 0; i < N_DRAM; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 k_dram[i].name);
    return ab_error_set(err, "dram.preset: expected one of %s, found \"%.40s\"", list,
                        name ? name : "(none)");
}
