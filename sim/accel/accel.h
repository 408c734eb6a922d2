/* accel.h - an accelerator description: PE kind, array, dataflow, buffers,
 * DRAM, clock, technology constants.  Loaded from configs/<name>.yaml
 * (docs/configs.md), validated field by field before any simulation.
 *
 * Units: sizes in bytes, bandwidths in bytes per cycle of the accelerator
 * clock, energies in pJ, areas in um^2 (PE, per unit) or mm^2 (totals).
 */
#ifndef AB_ACCEL_H
#define AB_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_ACCEL_NAME_MAX 64
#define AB_ACCEL_PATH_MAX 512

typedef enum ab_pe_kind {
    AB_PE_BITMOD = 0, /* bit-serial mixture-of-datatype PE (BitMoD, HPCA'25) */
    AB_PE_BTC,        /* binary tensor core, bit-plane MMA (ABQ-LLM) */
    AB_PE_FP16,       /* FP16 x FP16 MAC, FP32 accumulate */
    AB_PE_INT8,       /* INT8 x INT8 MAC, INT32 accumulate */
    AB_PE_ANT,        /* bit-parallel FP16 x ANT-format MAC */
    AB_PE_OLIVE,      /* bit-parallel FP16 x OliVe-format MAC (outlier decoder) */
    AB_PE_KIND_COUNT
} ab_pe_kind;

const char *ab_pe_kind_name(ab_pe_kind k);          /* "bitmod", "btc", ... */
int ab_pe_kind_parse(const char *s, ab_pe_kind *k); /* 0, or -1 if unknown */

typedef enum ab_dataflow {
    AB_DF_OS = 0, /* output-stationary: a PE keeps its outputs, K streams through */
    AB_DF_WS = 1, /* weight-stationary: a PE keeps a lanes-wide weight vector, tokens stream */
    /* Systolic arrays (docs/simulator.md "Systolic dataflows"): operands
     * enter at the array's edges skewed by one cycle per row and column and
     * move one PE per cycle, so every fold pays a fill and a drain. */
    AB_DF_OS_SYSTOLIC = 2, /* rows <-> M, columns <-> N, K streams */
    AB_DF_WS_SYSTOLIC = 3, /* rows <-> K, columns <-> N, weights preloaded, M streams */
    AB_DF_IS_SYSTOLIC = 4, /* rows <-> K, columns <-> M, inputs preloaded, N streams */
    AB_DF_COUNT
} ab_dataflow;

const char *ab_dataflow_name(ab_dataflow d); /* "os", "ws", "os_systolic", ... */
int ab_dataflow_parse(const char *s, ab_dataflow *d); /* 0, or -1 if unknown */
bool ab_dataflow_systolic(ab_dataflow d);

/* Where an op's cycle count starts and ends (docs/simulator.md "Cycle
 * conventions"):
 *   ANYBIT:   from the first load's request to the last store's done;
 *   SCALESIM: SCALE-Sim v2's count: the first load is prefetched before
 *             cycle 0 (it moves its bytes but takes no time), cycle 0 is the
 *             array's first cycle, and the count is the index of the array's
 *             last cycle (its last output into the output SRAM), so the
 *             last stores to DRAM are not in it. */
typedef enum ab_cycle_convention {
    AB_CONV_ANYBIT = 0,
    AB_CONV_SCALESIM = 1,
} ab_cycle_convention;

const char *ab_cycle_convention_name(ab_cycle_convention c); /* "anybit", "scalesim" */

typedef struct ab_sram_cfg {
    uint64_t bytes;           /* total capacity, both halves of the double buffer */
    uint32_t banks;
    uint32_t bank_bytes_per_cycle; /* read or write port width of one bank */
    /* energy per byte accessed and area, computed from capacity by the
     * technology model (energy.h) unless the config overrides them */
    double read_pj_per_byte;
    double write_pj_per_byte;
    double area_mm2;
    double leakage_mw;
} ab_sram_cfg;

typedef struct ab_dram_cfg {
    char preset[32];         /* "custom", "ddr4-3200", "lpddr4", "lpddr5", "hbm2", "bitmod" */
    double bytes_per_cycle;  /* at the accelerator clock */
    uint32_t latency_cycles; /* first byte after request; pipelined with other transfers */
    double pj_per_bit;
} ab_dram_cfg;

/* Per-event energies and per-unit areas of one PE kind at one technology
 * (filled from the technology preset by energy.c; each field overridable
 * in the config's `energy:` / `area:` sections). */
typedef struct ab_pe_costs {
    double cycle_pj;      /* one PE busy for one compute cycle */
    double idle_pj;       /* one PE clocked but without work (clock gating off) */
    double dequant_pj;    /* one dequantization cycle (bitmod: one scale bit) */
    double area_um2;      /* one PE, with registers, after place-and-route factor */
    double leakage_mw;    /* one PE */
} ab_pe_costs;

typedef struct ab_accel {
    char name[AB_ACCEL_NAME_MAX];
    char file[AB_ACCEL_PATH_MAX]; /* where it was loaded from, for messages */
    char recipe[AB_ACCEL_PATH_MAX]; /* default quantization recipe ("bitmod", ...) */
    ab_pe_kind pe;
    uint32_t rows, cols;    /* R x C PEs */
    uint32_t lanes;         /* K elements one PE takes per step (bitmod 4; MAC PEs 1) */
    uint32_t tile_m, tile_n, tile_k; /* btc: one binary MMA, m x n x k bits per cycle */
    uint32_t scale_bits;    /* bitmod: integer group scale width dequantized bit-serially */
    bool bitmod_rtl_literal_align; /* kernels/bitmod_pe.h "Term alignment" */
    ab_dataflow dataflow;
    ab_cycle_convention convention;
    double clock_ghz;
    ab_sram_cfg wbuf, abuf, obuf; /* weight, activation, output SRAM (double-buffered) */
    ab_dram_cfg dram;
    char tech[16];          /* "28nm" or "45nm" */
    ab_pe_costs pe_costs;
    /* forced tiling (0: the mapper chooses): buffer tile sizes in outputs
     * along M and N and inputs along K */
    uint64_t force_tm, force_tn, force_tk;
} ab_accel;

/* Load and validate `name_or_path`: a preset name (configs/<name>.yaml via
 * ab_zoo_path), a YAML path, or a SCALE-Sim .cfg (a path ending in .cfg,
 * read by accel_scalesim.c, docs/scalesim.md).  Errors name the file and
 * field. */
int ab_accel_load(const char *name_or_path, ab_accel *a, ab_error *err);

/* Checks that hold for any accelerator, whatever its source (the loader
 * calls it; programmatic configs in tests and sweeps should too):
 * positive sizes, SRAM halves large enough for the smallest tile, etc. */
int ab_accel_validate(const ab_accel *a, ab_error *err);

/* A complete accelerator of kind k with the preset values of that kind
 * (the same numbers as configs/<kind>.yaml would give), for tests. */
void ab_accel_default(ab_pe_kind k, ab_accel *a);

/* Total area of the PEs, SRAMs (mm^2). */
double ab_accel_area_mm2(const ab_accel *a);

/* *a with its PE array resized to fit area_mm2 (accel_scale.c, rule in
 * docs/simulator.md "Iso-area"): SRAMs, DRAM and everything else kept,
 * rows and cols scaled by one factor and each rounded down, the largest
 * such array whose PEs and SRAMs fit the area.  -1 with err (naming the
 * config's file) when not one PE fits or the scaled array fails
 * ab_accel_validate. */
int ab_accel_scale_to_area(const ab_accel *a, double area_mm2, ab_accel *out, ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
