/* accel_impl.h - what accel.c (names, checks, presets) shares with
 * accel_load.c (the YAML loader); not part of the public interface.
 *
 * The checks live in one place, ab_accel_check, which names the failing
 * field by its YAML path ("array.rows", "buffers.weight.kb"): the loader
 * turns that path back into a YAML node to report FILE:LINE, and
 * ab_accel_validate reports the same text for programmatic configs.
 */
#ifndef AB_ACCEL_IMPL_H
#define AB_ACCEL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "accel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds the loader and the checks share (sizes far beyond any real design
 * are refused so that products of them cannot overflow 64 bits). */
#define AB_ACCEL_MAX_DIM 65536u          /* array rows / cols */
#define AB_ACCEL_MAX_BANKS 65536u
#define AB_ACCEL_MAX_PORT_BYTES 1048576u /* bank_bytes_per_cycle */
#define AB_ACCEL_MAX_KB (1ull << 30)     /* 1 TiB per buffer */
#define AB_ACCEL_MAX_CLOCK_GHZ 100.0
/* DRAM bytes per accelerator cycle: 10^12 is far past any memory (HBM3's
 * ~1 TB/s is ~10^3 at 1 GHz) and keeps the engine's 1/1000-byte DMA rate
 * (sim/engine/tile_prog.c) inside 64 bits */
#define AB_ACCEL_MAX_DRAM_BYTES_PER_CYCLE 1e12
#define AB_ACCEL_MAX_TILE_MN 256u        /* btc tile m, n */
#define AB_ACCEL_MAX_TILE_K 8192u        /* btc tile k */
#define AB_ACCEL_BTC_K_ALIGN 64u         /* K bits packed in 64-bit words (gemm_bitplane.h) */

/* The PE fields of kind k that a config may leave out: lanes, tile,
 * scale_bits, alignment mode (docs/configs.md "pe"). */
void ab_accel_kind_defaults(ab_pe_kind k, ab_accel *a);

/* Every check of ab_accel_validate.  On failure returns -1 with the field's
 * dotted path in path[] and "expected ..., found ..." in what[]. */
int ab_accel_check(const ab_accel *a, char *path, size_t path_cap, char *what, size_t what_cap);

/* A SCALE-Sim v2 .cfg as an accelerator (accel_scalesim.c,
 * docs/scalesim.md). */
int ab_accel_load_scalesim(const char *path, ab_accel *a, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
