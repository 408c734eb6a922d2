/* pe_ant.c - the ANT baseline PE (MICRO'22): a bit-parallel FP16 x INT MAC
 * whose weight decoder takes ANT's int / flint / pot / float types of up to
 * 8 bits (docs/references.md#bitmod-evaluation-setup: ANT PEs at 1 MAC/cycle in BitMoD's comparison).
 * FP16 weights (the baselines' KV cache) run on the same MAC at 1/cycle,
 * as the published BitMoD simulator charges them. */
#include <string.h>

#include "pe_mac.h"
#include "quant.h"

static int ant_prepare(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err)
{
    if (ab_pe_prepare_common(a, op, po, err) != 0)
        return -1;
    const char *runs = "ANT types (antN, int/flint/pot/float of at most 8 bits) or fp16 weights";
    ab_selector sel;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint8_t ncand = 0;
    if (ab_quant_candidates(op->weight_format, &sel, cand, &ncand, err) != 0)
        return -1;
    const bool fp16 = strcmp(op->weight_format, "fp16") == 0;
    const bool ant = sel == AB_SELECT_ANT ||
                     (sel == AB_SELECT_NONE && cand[0].bits <= 8 &&
                      (cand[0].family == AB_FAMILY_INT || cand[0].family == AB_FAMILY_FLOAT ||
                       strncmp(cand[0].name, "flint", 5) == 0 ||
                       strncmp(cand[0].name, "pot", 3) == 0));
    if (!fp16 && !ant)
        return ab_pe_refuse(a, op, "weight_format", op->weight_format, runs, err);
    if (strcmp(op->act_format, "fp16") != 0)
        return ab_pe_refuse(a, op, "act_format", op->act_format, "fp16 activations", err);
    po->cycles_per_step = 1;
    return 0;
}

const ab_pe_model ab_pe_model_ant = AB_PE_MAC_MODEL(AB_PE_ANT, ant_prepare);
