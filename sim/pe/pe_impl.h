/* pe_impl.h - what the PE model files share (not part of the public API). */
#ifndef AB_PE_IMPL_H
#define AB_PE_IMPL_H

#include <stdint.h>

#include "ab_math.h"
#include "pe.h"

extern const ab_pe_model ab_pe_model_bitmod;
extern const ab_pe_model ab_pe_model_btc;
extern const ab_pe_model ab_pe_model_fp16;
extern const ab_pe_model ab_pe_model_int8;
extern const ab_pe_model ab_pe_model_ant;
extern const ab_pe_model ab_pe_model_olive;

/* Sum of per_group(len) over the pieces of the weight groups (length
 * `group`, 0: one group) that the inputs k0 .. k0+kt-1 cover. */
uint64_t ab_pe_sum_groups(uint64_t k0, uint64_t kt, uint64_t group,
                          uint64_t (*per_group)(const void *ctx, uint64_t len), const void *ctx);


/* The fields of ab_pe_op every PE fills the same way: bits of weights,
 * activations, outputs, group length and weight metadata; checks that the
 * formats parse.  The PE's own prepare then checks what it can run. */
int ab_pe_prepare_common(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err);

/* "op NAME: weight format F: the KIND PE runs ..." */
int ab_pe_refuse(const ab_accel *a, const ab_op *op, const char *field, const char *found,
                 const char *runs, ab_error *err);

/* Walk of the groups of [k0, k0+kt) one piece at a time, for steppers:
 * counters[0] = next k, limits[0] = end, limits[1] = group. */
void ab_pe_walk_begin(ab_pe_stepper *s, uint64_t k0, uint64_t kt, uint64_t group);
/* Length of the group piece starting at counters[0] (0 at the end). */
uint64_t ab_pe_walk_piece(const ab_pe_stepper *s);

#endif
