/* pe_int8.c - the INT8 MAC baseline PE: integer weights and activations of
 * at most 8 bits, INT32 accumulate, 1 MAC per lane per cycle. */
#include "pe_mac.h"
#include "quant.h"

static int int8_prepare(const ab_accel *a, const ab_op *op, ab_pe_op *po, ab_error *err)
{
    if (ab_pe_prepare_common(a, op, po, err) != 0)
        return -1;
    const char *runs = "integer weights and activations of at most 8 bits";
    ab_selector sel;
    ab_format cand[AB_QUANT_MAX_CANDIDATES];
    uint8_t ncand = 0;
    if (ab_quant_candidates(op->weight_format, &sel, cand, &ncand, err) != 0)
        return -1;
    if (sel != AB_SELECT_NONE || !ab_pe_mac_int_format(&cand[0], 8))
        return ab_pe_refuse(a, op, "weight_format", op->weight_format, runs, err);
    ab_format af;
    if (ab_format_parse(op->act_format, &af, err) != 0 || !ab_pe_mac_int_format(&af, 8))
        return ab_pe_refuse(a, op, "act_format", op->act_format, runs, err);
    po->cycles_per_step = 1;
    return 0;
}

const ab_pe_model ab_pe_model_int8 = AB_PE_MAC_MODEL(AB_PE_INT8, int8_prepare);
