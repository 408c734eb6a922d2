/* systolic.c - the cycle rule of a systolic fold (systolic.h). */
#include "systolic.h"

uint64_t ab_systolic_preload(const ab_accel *a)
{
    return a->dataflow == AB_DF_OS_SYSTOLIC ? 0u : (uint64_t)a->rows;
}

uint64_t ab_systolic_fold_cycles(const ab_accel *a, uint64_t stream_cycles)
{
    const uint64_t skew = ((uint64_t)a->rows - 1u) + ((uint64_t)a->cols - 1u);
    return ab_systolic_preload(a) + skew + stream_cycles;
}

uint64_t ab_systolic_diagonal_pes(uint64_t d, uint64_t rows, uint64_t cols)
{
    if (rows == 0 || cols == 0 || d > rows + cols - 2)
        return 0;
    const uint64_t r_lo = d + 1 > cols ? d + 1 - cols : 0;
    const uint64_t r_hi = d < rows - 1 ? d : rows - 1;
    return r_hi - r_lo + 1;
}
