/* limits.h - what this host can do at best, measured in the same run as a
 * kernel benchmark so the kernel's figure can be stated as a fraction of it.
 *
 *   bench_popc_limit: in-L1 AND+popcount loops per SIMD path (eight
 *     independent accumulators, operands of 2 KiB), in binary ops/s: 2 per
 *     bit pair (one AND, one popcount-add), the unit of bench_bitplane's
 *     binary TOPS.  The compute kind holds one operand in registers, the
 *     most a register-blocked GEMM can do on that path: the ceiling the
 *     kernel is measured against.  The stream kind loads both operands per
 *     AND (bound by L1 loads).
 *   bench_copy_bandwidth: a stream-style copy (memcpy between two 64 MiB
 *     buffers, far past the last-level cache), in bytes/s counted as STREAM
 *     counts Copy: bytes read plus bytes written.
 *
 * These loops are written here, apart from kernels/: a limit that shared
 * the kernel's code would move with it.
 */
#ifndef AB_BENCH_LIMITS_H
#define AB_BENCH_LIMITS_H

#include "simd.h"

typedef enum bench_limit_kind {
    /* the ceiling: one operand in registers, each loaded vector of the
     * other ANDed with eight of them (what register blocking reaches) */
    BENCH_LIMIT_COMPUTE = 0,
    /* both operands loaded for every AND: the in-L1 load rate's bound */
    BENCH_LIMIT_STREAM = 1,
} bench_limit_kind;

/* Binary ops/s of the in-L1 loop of that kind on `path` (run for about
 * `seconds`, best fifth); 0 when this CPU cannot run the path. */
double bench_popc_limit(ab_simd_path path, bench_limit_kind kind, double seconds);

/* Copy bandwidth in bytes/s (read + write), best of `repeats`; 0 when the
 * buffers cannot be allocated. */
double bench_copy_bandwidth(int repeats);

/* Seconds on the monotonic clock. */
double bench_now_s(void);

#endif
