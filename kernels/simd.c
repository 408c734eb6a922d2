/* simd.c - run-time choice of the kernels' SIMD path (simd.h): CPUID
 * through the compiler's __builtin_cpu_supports, and ANYBIT_SIMD. */
#include "simd.h"

#include <stdlib.h>
#include <string.h>

static const char *const simd_names[AB_SIMD_PATHS] = {"scalar", "avx2", "avx512"};

const char *ab_simd_name(ab_simd_path path)
{
    return (unsigned)path < AB_SIMD_PATHS ? simd_names[path] : "unknown";
}

bool ab_simd_supported(ab_simd_path path)
{
    switch (path) {
    case AB_SIMD_SCALAR:
        return true;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    case AB_SIMD_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case AB_SIMD_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512vpopcntdq");
#else
    case AB_SIMD_AVX2:
    case AB_SIMD_AVX512:
        return false;
#endif
    }
    return false;
}

ab_simd_path ab_simd_best(void)
{
    if (ab_simd_supported(AB_SIMD_AVX512))
        return AB_SIMD_AVX512;
    if (ab_simd_supported(AB_SIMD_AVX2))
        return AB_SIMD_AVX2;
    return AB_SIMD_SCALAR;
}

int ab_simd_parse(const char *name, ab_simd_path *path, ab_error *err)
{
    for (unsigned i = 0; i < AB_SIMD_PATHS; i++) {
        if (name && strcmp(name, simd_names[i]) == 0) {
            *path = (ab_simd_path)i;
            return 0;
        }
    }
    return ab_error_set(err, "SIMD path '%s' is unknown: expected scalar, avx2 or avx512",
                        name ? name : "");
}

int ab_simd_from_env(ab_simd_path *path, ab_error *err)
{
    const char *v = getenv(AB_SIMD_ENV);
    if (!v || !*v) {
        *path = ab_simd_best();
        return 0;
    }
    ab_simd_path p = AB_SIMD_SCALAR;
    if (ab_simd_parse(v, &p, err) != 0)
        return ab_error_set(err, "environment variable %s='%s' is unknown: expected scalar, avx2 "
                                 "or avx512 (or unset for the best this CPU has, %s)",
                            AB_SIMD_ENV, v, ab_simd_name(ab_simd_best()));
    if (!ab_simd_supported(p))
        return ab_error_set(err, "environment variable %s=%s: this CPU cannot run the %s path "
                                 "(the best it has is %s)",
                            AB_SIMD_ENV, v, v, ab_simd_name(ab_simd_best()));
    *path = p;
    return 0;
}

ab_simd_path ab_simd_active(void)
{
    ab_simd_path p = AB_SIMD_SCALAR;
    return ab_simd_from_env(&p, NULL) == 0 ? p : ab_simd_best();
}
