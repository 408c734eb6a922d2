/* systolic.h - the cycle rule of one fold of a systolic dataflow
 * (os_systolic, ws_systolic, is_systolic; docs/simulator.md "Systolic
 * dataflows").  The tile program charges every fold this many cycles (the
 * fast mode), the cycle mode steps the wavefront of each fold and fails
 * unless it took exactly this many, and the docs' closed forms are this
 * rule summed over the folds.
 *
 * A fold maps up to R x C elements of two GEMM dimensions on the array
 * (os: M x N, ws: K x N, is: K x M) and streams the third through it:
 *   fold = preload + (R - 1) + (C - 1) + stream
 *   preload: cycles that shift the stationary operand in, one array row
 *            per cycle (R for ws and is: weights or inputs; 0 for os);
 *   R - 1 + C - 1: the skew: the stream enters PE (r, c) r + c cycles
 *            after PE (0, 0), so the far corner starts R + C - 2 late;
 *   stream:  the PE's own cycle rule for its streamed work unit (the PE
 *            model's cycles(): K elements for os, M for ws, N for is at one
 *            MAC per cycle).
 * The rule charges the whole array whatever part of it a fold uses, as
 * SCALE-Sim v2 does (docs/references.md#scale-sim). */
#ifndef AB_SYSTOLIC_H
#define AB_SYSTOLIC_H

#include <stdint.h>

#include "accel/accel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Cycles that load a fold's stationary operand (0 for os_systolic). */
uint64_t ab_systolic_preload(const ab_accel *a);

/* THE cycle rule of one fold whose edge PE streams for stream_cycles. */
uint64_t ab_systolic_fold_cycles(const ab_accel *a, uint64_t stream_cycles);

/* PEs on anti-diagonal d (r + c = d) of the used rows x cols corner of
 * the array: the PEs a wavefront reaches in the same cycle. */
uint64_t ab_systolic_diagonal_pes(uint64_t d, uint64_t rows, uint64_t cols);

#ifdef __cplusplus
}
#endif

#endif
