/* accuracy_impl.h - what the accuracy modules share (private to the room):
 * an op's float operands, made once and reused by every recipe measured on
 * them (accuracy_op.c makes them, accuracy_cache.c keeps them). */
#ifndef AB_ACCURACY_IMPL_H
#define AB_ACCURACY_IMPL_H

#include "accuracy/accuracy.h"

/* The float side of one op's estimate: everything that does not depend on
 * the weight format. */
typedef struct ab_acc_operands {
    uint32_t rows, tokens;
    size_t K;
    float *w;              /* rows x K */
    float *act, *act_q;    /* tokens x K: float and as the act_format holds them */
    double *ref;           /* tokens x rows: act x W^T from the float operands */
    double weight_signal;  /* mean W^2 */
    double output_signal;  /* mean ref^2 */
    ab_accuracy_source activations_source;
} ab_acc_operands;

/* The operands of op (synthetic of `seed`, or act[tokens][K] given),
 * rows and tokens clamped as accuracy_op.c says.  -1 with err (the op
 * named). */
int ab_acc_operands_make(const ab_op *op, uint32_t rows, uint64_t seed, const float *act,
                         uint32_t tokens, ab_acc_operands *o, ab_error *err);
void ab_acc_operands_free(ab_acc_operands *o);

/* Op measured on its cached synthetic operands (made on a miss), or the
 * measurement of the same weight-side spec kept from before. */
int ab_acc_cache_measure(ab_accuracy_cache *c, const ab_op *op, uint32_t rows, uint64_t seed,
                         ab_op_accuracy *out, ab_error *err);

/* One op measured on its operands: the weights quantized, the errors. */
int ab_acc_measure(const ab_op *op, const ab_acc_operands *o, ab_op_accuracy *out,
                   ab_error *err);

#endif
