/* simd.h - which SIMD path the kernels take: chosen at run time, never at
 * build time.
 *
 * anybit is built once for the x86-64 baseline (or any other architecture)
 * and runs on machines with and without AVX2 / AVX-512.  A kernel with
 * vector paths compiles each one for its own target (function attributes)
 * and calls the one ab_simd_active() names.  Every path gives results
 * bit-identical to the scalar one: the paths change how fast, never what.
 *
 *   scalar  portable C (the reference; popcnt where the CPU has it)
 *   avx2    AVX2 + POPCNT
 *   avx512  AVX-512 F + BW + CD + VPOPCNTDQ
 *
 * ANYBIT_SIMD=scalar|avx2|avx512 forces a path (tests run each suite once
 * per path the CPU has); unset or empty means the best the CPU has.  The
 * choice is read from the environment and CPUID on each call: nothing is
 * cached, nothing is global.
 */
#ifndef AB_SIMD_H
#define AB_SIMD_H

#include <stdbool.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ab_simd_path {
    AB_SIMD_SCALAR = 0,
    AB_SIMD_AVX2 = 1,
    AB_SIMD_AVX512 = 2,
} ab_simd_path;

#define AB_SIMD_PATHS 3
#define AB_SIMD_ENV "ANYBIT_SIMD"

/* "scalar", "avx2", "avx512" */
const char *ab_simd_name(ab_simd_path path);

/* Whether this CPU (and this build's compiler) can run the path. */
bool ab_simd_supported(ab_simd_path path);

/* The fastest supported path. */
ab_simd_path ab_simd_best(void);

/* Parse a path name.  Returns 0, or -1 with err naming the value and the
 * names allowed. */
int ab_simd_parse(const char *name, ab_simd_path *path, ab_error *err);

/* The path ANYBIT_SIMD asks for, checked: 0 and *path, or -1 with err when
 * the name is unknown or this CPU cannot run it (the CLI exits 2 on it). */
int ab_simd_from_env(ab_simd_path *path, ab_error *err);

/* The path kernels take: ab_simd_from_env's when it succeeds, else the
 * best.  (A bad ANYBIT_SIMD is the CLI's error to report, once; a kernel
 * never fails on it.) */
ab_simd_path ab_simd_active(void);

#ifdef __cplusplus
}
#endif

#endif
