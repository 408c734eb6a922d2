/* energy.c - the energy of a run from its event counts (energy.h).
 *
 * Per-event costs come from the accelerator (filled by tech.c / dram.c
 * from the technology preset, or overridden by the config); this file only
 * multiplies and adds, in a fixed order, so that total_pj is exactly the
 * sum of the parts as they are reported.
 */
#include "energy.h"

void ab_energy_compute(const ab_accel *a, const ab_energy_events *ev, ab_energy *e)
{
    const ab_pe_costs *pc = &a->pe_costs;
    const ab_sram_cfg *buf[3] = {&a->wbuf, &a->abuf, &a->obuf}; /* events' index order */

    e->pe_pj = (double)ev->pe_busy_cycles * pc->cycle_pj +
               (double)ev->pe_idle_cycles * pc->idle_pj;
    e->dequant_pj = (double)ev->dequant_cycles * pc->dequant_pj;

    e->sram_read_pj = 0.0;
    e->sram_write_pj = 0.0;
    double sram_leak_mw = 0.0;
    for (int i = 0; i < 3; i++) {
        e->sram_read_pj += (double)ev->sram_read_bytes[i] * buf[i]->read_pj_per_byte;
        e->sram_write_pj += (double)ev->sram_write_bytes[i] * buf[i]->write_pj_per_byte;
        sram_leak_mw += buf[i]->leakage_mw;
    }

    e->dram_pj = ((double)ev->dram_read_bytes + (double)ev->dram_write_bytes) * 8.0 *
                 a->dram.pj_per_bit;

    /* 1 mW for 1 ns is 1 pJ; the run lasts cycles / clock_ghz ns */
    const double pes = (double)a->rows * (double)a->cols;
    const double leak_mw = pc->leakage_mw * pes + sram_leak_mw;
    const double ns = a->clock_ghz > 0.0 ? (double)ev->cycles / a->clock_ghz : 0.0;
    e->leakage_pj = leak_mw * ns;

    e->total_pj = e->pe_pj + e->dequant_pj + e->sram_read_pj + e->sram_write_pj + e->dram_pj +
                  e->leakage_pj;
}
