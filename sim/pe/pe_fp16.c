/* pe_fp16.c - the FP16 MAC baseline PE: FP16 x FP16, FP32 accumulate,
 * 1 MAC per lane per cycle (docs/references.md#baseline-pes: FP16 mul+add PE, BitMoD's
 * FP16 baseline). */
#include <string.h>

#include "pe_mac.h"

static int fp16_prepare(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err)
{
    if (ab_pe_prepare_common(a, op, po, err) != 0)
        return -1;
    if (strcmp(op->weight_format, "fp16") != 0)
        return ab_pe_refuse(a, op, "weight_format", op->weight_format, "fp16 weights", err);
    if (strcmp(op->act_format, "fp16") != 0)
        return ab_pe_refuse(a, op, "act_format", op->act_format, "fp16 activations", err);
    po->cycles_per_step = 1;
    return 0;
}

const ab_pe_model ab_pe_model_fp16 = AB_PE_MAC_MODEL(AB_PE_FP16, fp16_prepare);
