/* timeline_csv.c - a run's timeline (engine/timeline.h) as CSV: one row per
 * time bucket with the bytes moved, the PE work and the rates they make
 * (docs/simulator.md "Timeline"). */
#include <stdio.h>

#include "atomic_file.h"
#include "report.h"

int ab_report_timeline_csv(const char *path, const ab_accel *a, const ab_timeline *t,
                           ab_error *err)
{
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    FILE *f = af.fp;
    fputs(AB_TIMELINE_CSV_HEADER "\n", f);
    const double hz = a->clock_ghz * 1e9;
    const double pes = (double)a->rows * (double)a->cols;
    for (size_t b = 0; b < t->nbuckets; b++) {
        const uint64_t start = (uint64_t)b * t->bucket_cycles;
        uint64_t end = start + t->bucket_cycles;
        if (end > t->total_cycles && t->total_cycles > start)
            end = t->total_cycles; /* the last bucket ends with the run */
        const double cycles = (double)(end - start), seconds = cycles / hz;
        const double *v[AB_TL_SERIES];
        for (int s = 0; s < AB_TL_SERIES; s++)
            v[s] = &t->series[s][b];
        const double dram = *v[AB_TL_DRAM_READ] + *v[AB_TL_DRAM_WRITE];
        const double sram = *v[AB_TL_SRAM_READ] + *v[AB_TL_SRAM_WRITE];
        fprintf(f, "%zu,%llu,%llu,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", b,
                (unsigned long long)start, (unsigned long long)end, (double)start / hz,
                (double)end / hz, *v[AB_TL_DRAM_READ], *v[AB_TL_DRAM_WRITE],
                *v[AB_TL_SRAM_READ], *v[AB_TL_SRAM_WRITE], *v[AB_TL_PE_BUSY],
                dram / seconds * 1e-9, sram / seconds * 1e-9, *v[AB_TL_PE_BUSY] / (pes * cycles));
    }
    return ab_atomic_commit(&af, err);
}
