/* energy.h - technology constants (per-event energies, areas) and the
 * energy sum of a run.  Every constant in energy.c carries its source
 * (docs/references.md#horowitz-2014, BitMoD's PE synthesis table, the DRAM
 * standards); scalings between nodes are stated there and in docs/energy.md.
 */
#ifndef AB_ENERGY_H
#define AB_ENERGY_H

#include <stdint.h>

#include "ab_error.h"
#include "accel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Known technology names: "28nm", "45nm". */
int ab_tech_check(const char *tech, ab_error *err);

/* PE costs of kind k at technology tech (a->tech) into *c. */
int ab_tech_pe_costs(const char *tech, ab_pe_kind k, const ab_accel *a, ab_pe_costs *c,
                     ab_error *err);

/* The area of one PE at technology tech from a 28 nm pre-layout estimate
 * (`anybit synth`'s area_um2_estimate): node scaling and the
 * place-and-route factor, as for the table's PE areas. -1 if tech is
 * unknown. */
double ab_tech_pe_area_from_28nm(const char *tech, double um2_28nm);

/* SRAM per-byte read/write energy, area and leakage from capacity and banks
 * at technology tech; fills the cost fields of *s (sizes already set). */
int ab_tech_sram_costs(const char *tech, ab_sram_cfg *s, ab_error *err);

/* DRAM preset by name at clock_ghz: bytes_per_cycle, latency, pJ/bit. */
int ab_dram_preset(const char *name, double clock_ghz, ab_dram_cfg *d, ab_error *err);

/* What a run did, in countable events (sums over all PEs and all ops). */
typedef struct ab_energy_events {
    uint64_t cycles;             /* wall-clock cycles */
    uint64_t pe_busy_cycles;     /* sum over PEs */
    uint64_t pe_idle_cycles;     /* sum over PEs: clocked, no work */
    uint64_t dequant_cycles;     /* sum over PEs */
    uint64_t sram_read_bytes[3]; /* weight, activation, output */
    uint64_t sram_write_bytes[3];
    uint64_t dram_read_bytes, dram_write_bytes;
} ab_energy_events;

typedef struct ab_energy {
    double pe_pj, dequant_pj, sram_read_pj, sram_write_pj, dram_pj, leakage_pj;
    double total_pj; /* the sum of the parts above */
} ab_energy;

void ab_energy_compute(const ab_accel *a, const ab_energy_events *ev, ab_energy *e);

#ifdef __cplusplus
}
#endif

#endif
