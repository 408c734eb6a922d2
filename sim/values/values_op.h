/* values_op.h - an op's operands decoded from the trace once per
 * computation, after the checks that the accelerator's PE can run its
 * formats (values_load.c), and the per-kind computations over them.
 * Public: sim/values/pe_values.c and sim/values/values_<kind>.c compute on it, and the
 * RTL cosim (rtl/sim) drives the Verilated models with the same operands.
 * Decoding is not arithmetic: both computations (datapath and model) load
 * the op themselves, each from the trace as it is at that moment.
 */
#ifndef AB_VALUES_OP_H
#define AB_VALUES_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/accel.h"
#include "format.h"
#include "gemm_bitplane.h"
#include "quant.h"
#include "workload/trace.h"

typedef struct ab_vop {
    const ab_accel *a;
    const char *name;  /* op name, for messages */
    size_t M, N, K;
    size_t G, glen;    /* weight groups per row and their length (G * glen = K) */

    /* weights */
    ab_selector selector;
    uint8_t ncand;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint32_t *codes;     /* [N][K] unpacked codes */
    uint8_t *type_ids;   /* [N][G]: candidate of the group (all 0 without a selector) */
    float *gscale;       /* [N][G]: the group scale as the PE multiplies by it in FP32
                            (intK: the integer, exact) */
    uint32_t *gscale_int;/* [N][G]: intK integers (bitmod's bit-serial scale), else NULL */
    unsigned scale_bits; /* intK: K; 0 otherwise */
    float *row_scale;    /* [N]: intK's FP16 row scale, else 1 */
    int32_t *zp;         /* [N][G] zero points (asymmetric uintN), else NULL */
    ab_bp_kind w_kind;   /* btc: how the weight codes are planes */
    unsigned w_bits;     /* code width */

    /* activations */
    ab_format afmt;
    uint16_t *act_h;     /* [M][K] FP16 bits (bitmod, fp16, ant, olive) */
    uint32_t *act_codes; /* [M][K] integer PEs: act_quant codes */
    int32_t *act_val;    /* [M][K] their integer values */
    float *act_scale;    /* [M] per-token scales */
    ab_bp_kind a_kind;   /* btc */
    unsigned a_bits;
} ab_vop;

/* Check that a's PE runs op i's formats and decode its operands. */
int ab_vop_load(const ab_accel *a, const ab_trace *t, size_t i, ab_vop *v, ab_error *err);
/* The same, the weight codes unpacked on `jobs` threads (same result). */
int ab_vop_load_jobs(const ab_accel *a, const ab_trace *t, size_t i, unsigned jobs, ab_vop *v,
                     ab_error *err);
void ab_vop_free(ab_vop *v);

/* Weight rows [n0, n1) of a decoded op (n0 <= n1 <= v->N) as an op of
 * their own, N = n1 - n0: every per-row operand ([N][...] above) offset,
 * the activations shared.  A view: nothing is copied; free only v.  A
 * computation on the view gives exactly the columns n0 .. n1-1 of the
 * whole op's outputs (no output depends on another row), which is how
 * -j slices an op and how a check of a few tiles computes only their
 * outputs. */
ab_vop ab_vop_rows(const ab_vop *v, size_t n0, size_t n1);

/* Per-kind computations of out[M][N]. */
int ab_values_bitmod_datapath(const ab_vop *v, float *out, ab_error *err);
int ab_values_bitmod_model(const ab_vop *v, float *out, size_t *overflows, ab_error *err);
int ab_values_btc_datapath(const ab_vop *v, float *out, ab_error *err);
int ab_values_btc_model(const ab_vop *v, float *out, size_t *overflows, ab_error *err);
int ab_values_mac_datapath(const ab_vop *v, float *out, ab_error *err);
int ab_values_mac_model(const ab_vop *v, float *out, size_t *overflows, ab_error *err);

#endif
