/* pe_olive.c - the OliVe baseline PE (ISCA'23): a bit-parallel FP16 x INT
 * MAC behind an outlier-victim pair decoder (normal int4/flint4 values,
 * abfloat outliers; docs/references.md#olive), 1 MAC/cycle; FP16 weights (the
 * KV cache) at 1/cycle as in BitMoD's comparison. */
#include <string.h>

#include "pe_mac.h"
#include "quant.h"

static int olive_prepare(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err)
{
    if (ab_pe_prepare_common(a, op, po, err) != 0)
        return -1;
    ab_selector sel;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint8_t ncand = 0;
    if (ab_quant_candidates(op->weight_format, &sel, cand, &ncand, err) != 0)
        return -1;
    if (sel != AB_SELECT_OLIVE && strcmp(op->weight_format, "fp16") != 0)
        return ab_pe_refuse(a, op, "weight_format", op->weight_format,
                            "OliVe weights (olive4, olive4_flint) or fp16", err);
    if (strcmp(op->act_format, "fp16") != 0)
        return ab_pe_refuse(a, op, "act_format", op->act_format, "fp16 activations", err);
    po->cycles_per_step = 1;
    return 0;
}

const ab_pe_model ab_pe_model_olive = AB_PE_MAC_MODEL(AB_PE_OLIVE, olive_prepare);
