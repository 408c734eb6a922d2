/* pe.h - the one interface every PE model implements (sim/pe/pe_<kind>.c).
 *
 * A PE owns a block of outputs (blk_n output channels x blk_m tokens: 1 x 1
 * for the MAC and bit-serial PEs, tile_n x tile_m for a binary tensor core)
 * and reduces over K.  Its work unit is a `pe_work`:
 *   - output-stationary: the inputs k0 .. k0+kt-1 of its output block;
 *   - weight-stationary: `tokens` tokens against one stationary lanes-wide
 *     weight vector (starting at input k0).
 *
 * For a work unit a PE model gives
 *   cycles(): the single source of truth for its latency (the fast mode,
 *             the cycle mode's stepper and the docs' tables all call it),
 *   a per-cycle stepper (the cycle mode advances it one cycle at a time and
 *             it must finish after exactly cycles() steps: the tests check),
 *   events(): counts of what the hardware did, for the energy model.
 * Bit-exact output values are pe_values.h's business.
 */
#ifndef AB_PE_H
#define AB_PE_H

#include <stdbool.h>
#include <stdint.h>

#include "ab_error.h"
#include "accel/accel.h"
#include "format.h"
#include "workload/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a PE needs to know of an op, resolved once (pe_prepare). */
typedef struct ab_pe_op {
    uint32_t w_bits;     /* weight code bits (max over a selector's candidates) */
    uint32_t a_bits;     /* activation bits as stored and moved */
    uint32_t out_bits;   /* output element bits written back (fp16 outputs: 16) */
    double w_meta_bits_per_group; /* scale / type-id / zero-point bits per weight group */
    uint64_t group;      /* weight group length along K (K for per-channel) */
    uint32_t cycles_per_step; /* the PE's cycle rule for one lanes-wide step */
    uint32_t dequant_cycles;  /* bitmod: scale_bits when the group scale is an integer */
    uint32_t p, q;       /* btc: weight and activation planes */
    bool xor_mode;       /* btc: {-1,+1} x {-1,+1} */
} ab_pe_op;

typedef struct ab_pe_work {
    bool ws;         /* weight-stationary unit */
    uint64_t k0, kt; /* OS: input range; WS: k0 of the stationary vector, kt its length (<= lanes) */
    uint64_t tokens; /* WS: tokens streamed */
} ab_pe_work;

/* Counts of one PE's work unit. */
typedef struct ab_pe_events {
    uint64_t busy_cycles;    /* cycles the datapath is active */
    uint64_t dequant_cycles; /* bitmod: scale-bit cycles */
    uint64_t macs;           /* useful multiply-accumulates (K elements x outputs) */
    uint64_t bit_ops;        /* btc: AND/XOR + popcount bit products */
    uint64_t epilogue_ops;   /* btc: shift-adds over plane pairs */
} ab_pe_events;

/* Per-cycle stepper state (opaque to the engine). */
typedef struct ab_pe_stepper {
    uint64_t counters[6];
    uint64_t limits[6];
    uint64_t done_cycles;
    bool done;
} ab_pe_stepper;

typedef struct ab_pe_model {
    ab_pe_kind kind;
    /* Resolve op's formats for this PE; fail (one message naming the op
     * and field) if the PE cannot run them. */
    int (*prepare)(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err);
    /* THE cycle rule of a work unit. */
    uint64_t (*cycles)(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w);
    void (*step_begin)(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w,
                       ab_pe_stepper *s);
    /* Advance one cycle; returns true once the work unit is complete. */
    bool (*step)(const ab_accel *a, const ab_pe_op *po, ab_pe_stepper *s);
    void (*events)(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w, ab_pe_events *ev);
} ab_pe_model;

const ab_pe_model *ab_pe_model_of(ab_pe_kind k);

/* Output block of one PE: blk_n channels x blk_m tokens. */
void ab_pe_block(const ab_accel *a, uint32_t *blk_n, uint32_t *blk_m);

/* K elements one PE reduces per step: lanes, or tile_k for a binary
 * tensor core. */
uint32_t ab_pe_kslice(const ab_accel *a);

/* Shorthands through the model table. */
int ab_pe_prepare(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err);
uint64_t ab_pe_cycles(const ab_accel *a, const ab_pe_op *po, const ab_pe_work *w);

/* The array's peak MACs per cycle on an op's formats: every PE busy on
 * output-stationary work units that reduce all K inputs (its cycle rule,
 * without fill, stalls or DRAM), the compute roof of a roofline. */
double ab_pe_peak_macs_per_cycle(const ab_accel *a, const ab_pe_op *po, uint64_t K);

/* How many weight groups (length `group`, 0: one group) the inputs
 * k0 .. k0+kt-1 touch: the tile program charges each its metadata. */
uint64_t ab_pe_count_groups(uint64_t k0, uint64_t kt, uint64_t group);

#ifdef __cplusplus
}
#endif

#endif
