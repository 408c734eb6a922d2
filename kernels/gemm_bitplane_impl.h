/* gemm_bitplane_impl.h - private to kernels/: the tall binary GEMM's
 * vector paths (gemm_bitplane_simd.c), called by ab_bp_popc_gemm_on.
 *
 * Each computes exactly what the scalar kernel does, c[r*ldc + s] =
 * popc(a_r op b_s) over kw words, for any ra, rb >= 0 and any kw; each may
 * be called only where ab_simd_supported says its path runs.
 */
#ifndef AB_GEMM_BITPLANE_IMPL_H
#define AB_GEMM_BITPLANE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "gemm_bitplane.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define AB_BP_HAVE_X86_PATHS 1
void ab_bp_popc_gemm_avx2(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb, size_t kw,
                          ab_bp_op op, uint32_t *c, size_t ldc);
void ab_bp_popc_gemm_avx512(const uint64_t *a, size_t ra, const uint64_t *b, size_t rb,
                            size_t kw, ab_bp_op op, uint32_t *c, size_t ldc);
#endif

#endif
