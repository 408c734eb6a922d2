/* tech.c - technology constants: per-event energies and areas of the six PE
 * kinds and of SRAM arrays at 28 nm and 45 nm (energy.h).
 *
 * Every constant carries its source next to it; docs/energy.md explains the
 * derivations and tabulates the results.  Two sources, one node each:
 *   - BitMoD's PE synthesis table, 28 nm, 1 GHz (hardware/PE_Area_Power.xlsx
 *     of yc2367/BitMoD, docs/references.md#bitmod-pe-area-power): bitmod, fp16, ant, olive;
 *   - Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm, 0.9 V
 *     (docs/references.md#horowitz-2014): int8, btc, the olive decoder, SRAM.
 * A value is moved to the other node by the first-order rule below, then the
 * published simulator's place-and-route factor is applied to every PE.
 */
#include "energy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- nodes and scaling ------------------------------------------------- */

typedef enum node { NODE_28 = 28, NODE_45 = 45 } node;

/* First-order scaling (an assumption, docs/energy.md "Scaling"): switched
 * energy ~ C V^2 taken linear in the feature size, area quadratic. */
static double energy_scale(node from, node to)
{
    return (double)to / (double)from;
}

static double area_scale(node from, node to)
{
    const double r = (double)to / (double)from;
    return r * r;
}

static int parse_node(const char *tech, node *n)
{
    if (tech && strcmp(tech, "28nm") == 0) {
        *n = NODE_28;
        return 0;
    }
    if (tech && strcmp(tech, "45nm") == 0) {
        *n = NODE_45;
        return 0;
    }
    return -1;
}

int ab_tech_check(const char *tech, ab_error *err)
{
    node n;
    if (parse_node(tech, &n) != 0)
        return ab_error_set(err, "tech: expected 28nm or 45nm, found \"%.40s\"",
                            tech ? tech : "(none)");
    return 0;
}

/* ---- PE constants ------------------------------------------------------ */

/* BitMoD hardware/PE_Area_Power.xlsx, 28 nm, 1 GHz; power in mW, which at
 * 1 GHz is pJ per cycle (1 mW x 1 ns = 1 pJ). */
#define BM_EXP_MATCH_MW 0.136   /* exp_match, docs/references.md#bitmod-pe-area-power */
#define BM_BS_MUL_MW 0.185      /* bs_mul (bit-serial multiply + adder tree), same table */
#define BM_GRP_ACCUM_MW 0.195   /* grp_accum, same table */
#define BM_DEQUANT_MW 0.070     /* dequant (one scale bit per cycle), same table */
#define BM_PE_UM2 1793.7        /* BitMoD PE total area with registers, same table */
#define BM_EXP_MATCH_UM2 306.9  /* exp_match area with registers, same table */
#define BM_BS_MUL_UM2 748.3     /* bs_mul area with registers, same table */
#define BM_TABLE_LANES 4        /* the table's PE: 4 lanes (docs/references.md#bitmod-pe) */
#define FP16_PE_MW 0.77         /* FP16 mul+add PE, same table */
#define FP16_PE_UM2 1968.7      /* FP16 mul+add PE area with registers, same table */
#define FMA_F16I8_MW 0.613      /* FP16 x INT8 FMA (ANT/OliVe-style PE), same table */
#define FMA_F16I8_UM2 1318.6    /* FP16 x INT8 FMA area with registers, same table */

/* The published BitMoD simulator multiplies PE power and area by 1.5 for
 * place-and-route (docs/references.md#bitmod-pe-area-power); anybit applies it to every PE kind so
 * that all six are compared on the same footing. */
#define PNR_FACTOR 1.5

/* Horowitz ISSCC 2014, 45 nm, 0.9 V (docs/references.md#horowitz-2014):
 * energy per operation in pJ, area in um^2 (the same talk's area table). */
#define HZ_ADD8_PJ 0.03   /* 8-bit integer add */
#define HZ_ADD32_PJ 0.1   /* 32-bit integer add */
#define HZ_MUL8_PJ 0.2    /* 8-bit integer multiply */
#define HZ_ADD8_UM2 36.0  /* 8-bit adder */
#define HZ_ADD32_UM2 137.0 /* 32-bit adder */
#define HZ_MUL8_UM2 282.0 /* 8-bit multiplier */

/* idle_pj: a PE clocked without work, clock gating off.  Assumption (no
 * public figure): the clock tree and register clock pins of an idle PE
 * burn 10% of its busy-cycle energy.  Overridable: energy.pe_idle_pj. */
#define IDLE_FRACTION 0.10

/* Costs of one PE at its source node, before the place-and-route factor. */
typedef struct pe_base {
    node at;
    double cycle_pj, dequant_pj, area_um2;
} pe_base;

static int pe_base_of(ab_pe_kind k, const ab_accel *a, pe_base *b, ab_error *err)
{
    memset(b, 0, sizeof *b);
    switch (k) {
    case AB_PE_BITMOD: {
        /* one compute cycle exercises exp_match, bs_mul and grp_accum; the
         * dequantizer is charged separately, per scale bit.  A PE of L
         * lanes (pe.lanes; the table's has 4): exp_match and bs_mul are
         * per-lane units plus an (L-1)-node tree, taken linear in L
         * (x L/4); grp_accum and dequant are one per PE and kept (their
         * sum widens by log2(L/4) bits, neglected): an anybit assumption,
         * docs/energy.md "BitMoD lanes", checked there against Yosys */
        const double lf = (a ? (double)a->lanes : (double)BM_TABLE_LANES) / BM_TABLE_LANES;
        *b = (pe_base){NODE_28, (BM_EXP_MATCH_MW + BM_BS_MUL_MW) * lf + BM_GRP_ACCUM_MW,
                       BM_DEQUANT_MW,
                       BM_PE_UM2 + (BM_EXP_MATCH_UM2 + BM_BS_MUL_UM2) * (lf - 1.0)};
        return 0;
    }
    case AB_PE_FP16:
        *b = (pe_base){NODE_28, FP16_PE_MW, 0.0, FP16_PE_UM2};
        return 0;
    case AB_PE_ANT:
        /* ANT's decoded operand is an int/flint/pot/float code times a
         * per-channel scale applied outside the PE: the FP16 x INT8 FMA */
        *b = (pe_base){NODE_28, FMA_F16I8_MW, 0.0, FMA_F16I8_UM2};
        return 0;
    case AB_PE_OLIVE: {
        /* the FP16 x INT8 FMA plus OliVe's outlier decoder, modelled as one
         * 8-bit add per cycle (the abfloat exponent-bias adjust) from the
         * Horowitz table moved to 28 nm: an anybit assumption, the decoder
         * has no public synthesis figure */
        const double dec_pj = HZ_ADD8_PJ * energy_scale(NODE_45, NODE_28);
        const double dec_um2 = HZ_ADD8_UM2 * area_scale(NODE_45, NODE_28);
        *b = (pe_base){NODE_28, FMA_F16I8_MW + dec_pj, 0.0, FMA_F16I8_UM2 + dec_um2};
        return 0;
    }
    case AB_PE_INT8:
        /* no 28 nm table entry: an 8-bit multiply and a 32-bit accumulate
         * add (Horowitz, 45 nm); pipeline registers are not counted */
        *b = (pe_base){NODE_45, HZ_MUL8_PJ + HZ_ADD32_PJ, 0.0, HZ_MUL8_UM2 + HZ_ADD32_UM2};
        return 0;
    case AB_PE_BTC: {
        /* one binary MMA unit, m x n x k bit products per cycle: an AND and
         * a popcount-tree full adder per bit product (a k-input popcount
         * tree has about k full adders; one full-adder bit = an 8-bit add
         * / 8), plus m x n 32-bit accumulate adds.  The AND gates are
         * folded into the full-adder figure; registers are not counted. */
        if (!a || a->tile_m == 0 || a->tile_n == 0 || a->tile_k == 0)
            return ab_error_set(err, "pe.tile: a btc PE needs a positive m x n x k tile");
        const double bit_products = (double)a->tile_m * a->tile_n * a->tile_k;
        const double accums = (double)a->tile_m * a->tile_n;
        *b = (pe_base){NODE_45, bit_products * (HZ_ADD8_PJ / 8.0) + accums * HZ_ADD32_PJ, 0.0,
                       bit_products * (HZ_ADD8_UM2 / 8.0) + accums * HZ_ADD32_UM2};
        return 0;
    }
    case AB_PE_KIND_COUNT:
        break;
    }
    return ab_error_set(err, "pe.kind: unknown PE kind %d", (int)k);
}

int ab_tech_pe_costs(const char *tech, ab_pe_kind k, const ab_accel *a, ab_pe_costs *c,
                     ab_error *err)
{
    node to;
    if (parse_node(tech, &to) != 0)
        return ab_tech_check(tech, err);
    pe_base b;
    if (pe_base_of(k, a, &b, err) != 0)
        return -1;
    const double es = energy_scale(b.at, to), as = area_scale(b.at, to);
    c->cycle_pj = b.cycle_pj * es * PNR_FACTOR;
    c->dequant_pj = b.dequant_pj * es * PNR_FACTOR;
    c->idle_pj = IDLE_FRACTION * c->cycle_pj;
    c->area_um2 = b.area_um2 * as * PNR_FACTOR;
    /* Leakage per PE: 0.  The BitMoD table's power is the synthesis tool's
     * total (static included), so the 28 nm kinds carry their leakage in
     * cycle_pj; the Horowitz-derived kinds (int8, btc) have none in their
     * source, a known optimism.  Overridable: energy.pe_leakage_mw. */
    c->leakage_mw = 0.0;
    return 0;
}

/* area_source: yosys (docs/configs.md): a 28 nm pre-layout estimate moved
 * like the table's areas: node scaling, then the place-and-route factor. */
double ab_tech_pe_area_from_28nm(const char *tech, double um2_28nm)
{
    node to;
    if (parse_node(tech, &to) != 0)
        return -1.0;
    return um2_28nm * area_scale(NODE_28, to) * PNR_FACTOR;
}

/* ---- SRAM -------------------------------------------------------------- */

/* Horowitz ISSCC 2014, 45 nm: energy of a 64-bit read from an SRAM array of
 * 8 KB, 32 KB and 1 MB (docs/references.md#horowitz-2014). */
typedef struct sram_anchor {
    double bytes, pj_per_64b;
} sram_anchor;

static const sram_anchor k_sram_anchors[] = {
    {8.0 * 1024, 10.0},          /* 8 KB: 10 pJ */
    {32.0 * 1024, 20.0},         /* 32 KB: 20 pJ */
    {1024.0 * 1024, 100.0},      /* 1 MB: 100 pJ */
};
#define N_SRAM_ANCHORS (sizeof k_sram_anchors / sizeof k_sram_anchors[0])

/* 6T bitcell area: TSMC 28 nm high-density cell, 0.127 um^2 (the foundry's
 * published 28 nm HD bitcell).  At 45 nm the quadratic rule gives 0.328
 * um^2, within 6% of Intel's published 45 nm cell (0.346 um^2, Mistry et
 * al., IEDM 2007). */
#define BITCELL_UM2_28NM 0.127
/* Array efficiency (bitcells / macro area): assumption, typical of compiled
 * SRAM macros; decoders, sense amplifiers and I/O take the rest. */
#define SRAM_ARRAY_EFFICIENCY 0.7
/* Leakage: assumption, 10 mW per MiB at either node (about 1.2 nW per bit
 * incl. periphery: a high-side figure between low-power and
 * high-performance 28 nm libraries).  Overridable per buffer:
 * energy.sram.<buffer>.leakage_mw. */
#define SRAM_LEAK_MW_PER_MIB 10.0

/* pJ per 64-bit read of one array of `bytes` at 45 nm: piecewise power law
 * through the anchors (linear in log-log), extended beyond the ends with
 * the end segments' slopes.  Each anchor is the base point of the segment
 * it starts (the last one of the segment above it), so the anchors come
 * out exactly. */
static double sram_pj_per_64b_45nm(double bytes)
{
    const sram_anchor *A = k_sram_anchors;
    size_t seg = 0; /* segment [A[seg], A[seg+1]] */
    while (seg + 2 < N_SRAM_ANCHORS && bytes >= A[seg + 1].bytes)
        seg++;
    const double slope = log(A[seg + 1].pj_per_64b / A[seg].pj_per_64b) /
                         log(A[seg + 1].bytes / A[seg].bytes);
    const sram_anchor *base = &A[seg];
    if (bytes >= A[seg + 1].bytes)
        base = &A[seg + 1]; /* at or beyond the last anchor */
    return base->pj_per_64b * pow(bytes / base->bytes, slope);
}

int ab_tech_sram_costs(const char *tech, ab_sram_cfg *s, ab_error *err)
{
    node to;
    if (parse_node(tech, &to) != 0)
        return ab_tech_check(tech, err);
    if (s->bytes == 0 || s->banks == 0 || s->bytes < s->banks)
        return ab_error_set(err, "SRAM of %llu bytes in %u banks: expected a positive "
                            "capacity of at least one byte per bank",
                            (unsigned long long)s->bytes, (unsigned)s->banks);
    /* banked arrays read one bank: the bank's capacity sets the energy */
    const double bank_bytes = (double)s->bytes / (double)s->banks;
    const double pj_per_byte_45 = sram_pj_per_64b_45nm(bank_bytes) / 8.0;
    s->read_pj_per_byte = pj_per_byte_45 * energy_scale(NODE_45, to);
    /* write = read: an assumption (Horowitz gives reads only) */
    s->write_pj_per_byte = s->read_pj_per_byte;
    const double cell_um2 = BITCELL_UM2_28NM * area_scale(NODE_28, to);
    s->area_mm2 = (double)s->bytes * 8.0 * cell_um2 / SRAM_ARRAY_EFFICIENCY * 1e-6;
    s->leakage_mw = SRAM_LEAK_MW_PER_MIB * (double)s->bytes / (1024.0 * 1024.0);
    return 0;
}
