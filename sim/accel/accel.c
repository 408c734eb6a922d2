/* accel.c - accelerator descriptions: kind and dataflow names, the checks
 * every description must pass, the built-in presets and the area total
 * (accel.h).  Loading YAML is accel_load.c's job.
 *
 * The presets here are the numbers of configs/<kind>.yaml (where each one's
 * source is written); tests/test_accel.cpp checks that both agree.
 */
#include "accel.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "accel_impl.h"
#include "energy.h"

static const char *const k_kind_names[AB_PE_KIND_COUNT] = {
    [AB_PE_BITMOD] = "bitmod", [AB_PE_BTC] = "btc", [AB_PE_FP16] = "fp16",
    [AB_PE_INT8] = "int8",     [AB_PE_ANT] = "ant", [AB_PE_OLIVE] = "olive",
};

const char *ab_pe_kind_name(ab_pe_kind k)
{
    return (unsigned)k < AB_PE_KIND_COUNT ? k_kind_names[k] : "?";
}

/* The index of s in names[0..n), or -1. */
static int name_index(const char *const *names, unsigned n, const char *s)
{
    for (unsigned i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

int ab_pe_kind_parse(const char *s, ab_pe_kind *k)
{
    const int i = name_index(k_kind_names, AB_PE_KIND_COUNT, s);
    if (i < 0)
        return -1;
    *k = (ab_pe_kind)i;
    return 0;
}

static const char *const k_dataflow_names[AB_DF_COUNT] = {
    [AB_DF_OS] = "os",
    [AB_DF_WS] = "ws",
    [AB_DF_OS_SYSTOLIC] = "os_systolic",
    [AB_DF_WS_SYSTOLIC] = "ws_systolic",
    [AB_DF_IS_SYSTOLIC] = "is_systolic",
};

const char *ab_dataflow_name(ab_dataflow d)
{
    return (unsigned)d < AB_DF_COUNT ? k_dataflow_names[d] : "?";
}

int ab_dataflow_parse(const char *s, ab_dataflow *d)
{
    const int i = name_index(k_dataflow_names, AB_DF_COUNT, s);
    if (i < 0)
        return -1;
    *d = (ab_dataflow)i;
    return 0;
}

bool ab_dataflow_systolic(ab_dataflow d)
{
    return d == AB_DF_OS_SYSTOLIC || d == AB_DF_WS_SYSTOLIC || d == AB_DF_IS_SYSTOLIC;
}

const char *ab_cycle_convention_name(ab_cycle_convention c)
{
    return c == AB_CONV_SCALESIM ? "scalesim" : c == AB_CONV_ANYBIT ? "anybit" : "?";
}

/* ---- defaults and presets --------------------------------------------- */

void ab_accel_kind_defaults(ab_pe_kind k, ab_accel *a)
{
    a->pe = k;
    a->scale_bits = 0;
    a->bitmod_rtl_literal_align = false;
    /* tile: the PE's output block (m tokens x n channels) and the K it
     * takes per step; 1 x 1 x lanes for every PE but the binary MMA unit */
    switch (k) {
    case AB_PE_BITMOD:
        a->lanes = 4;      /* the RTL PE is a 4-lane dot product (docs/references.md#bitmod-pe) */
        a->scale_bits = 8; /* 8 metadata bits per 128-weight group (docs/references.md#bitmod-quantization) */
        break;
    case AB_PE_BTC:
        /* mma.m8n8k128.b1 (docs/references.md#abq-llm); lanes = K bits per cycle */
        a->tile_m = 8;
        a->tile_n = 8;
        a->tile_k = 128;
        a->lanes = a->tile_k;
        return;
    default:
        a->lanes = 1; /* one MAC per cycle (docs/references.md#bitmod-evaluation-setup: 1 MAC/cycle baselines) */
        break;
    }
    a->tile_m = 1;
    a->tile_n = 1;
    a->tile_k = a->lanes;
}

/* The preset of each kind: configs/<kind>.yaml.  Everything not listed is
 * shared by all six (the BitMoD evaluation's memory system and clock, so
 * that comparisons are fair): 1 GHz, 28 nm, output-stationary, 512 KB
 * weight and activation SRAMs of 8 banks, a 64 KB output SRAM of 8 banks,
 * the "bitmod" DRAM. */
typedef struct preset {
    const char *recipe;
    uint32_t rows, cols;
    uint32_t in_port_bytes; /* weight and activation bank ports */
} preset;

static const preset k_presets[AB_PE_KIND_COUNT] = {
    [AB_PE_BITMOD] = {"bitmod", 64, 16, 16},
    [AB_PE_BTC] = {"btc-w4a4", 8, 8, 128},
    [AB_PE_FP16] = {"fp16", 64, 12, 16},
    [AB_PE_INT8] = {"int8", 64, 16, 16},
    [AB_PE_ANT] = {"ant", 64, 16, 16},
    [AB_PE_OLIVE] = {"olive", 72, 16, 16},
};

static void preset_sram(ab_sram_cfg *s, uint64_t kb, uint32_t banks, uint32_t port,
                        const char *tech)
{
    memset(s, 0, sizeof *s);
    s->bytes = kb * 1024u;
    s->banks = banks;
    s->bank_bytes_per_cycle = port;
    ab_tech_sram_costs(tech, s, NULL); /* cannot fail: known tech, sane sizes */
}

void ab_accel_default(ab_pe_kind k, ab_accel *a)
{
    if ((unsigned)k >= AB_PE_KIND_COUNT)
        k = AB_PE_BITMOD;
    const preset *p = &k_presets[k];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", ab_pe_kind_name(k));
    snprintf(a->recipe, sizeof a->recipe, "%s", p->recipe);
    ab_accel_kind_defaults(k, a);
    a->rows = p->rows;
    a->cols = p->cols;
    a->dataflow = AB_DF_OS;
    a->clock_ghz = 1.0;
    snprintf(a->tech, sizeof a->tech, "28nm");
    preset_sram(&a->wbuf, 512, 8, p->in_port_bytes, a->tech);
    preset_sram(&a->abuf, 512, 8, p->in_port_bytes, a->tech);
    preset_sram(&a->obuf, 64, 8, 16, a->tech);
    ab_dram_preset("bitmod", a->clock_ghz, &a->dram, NULL);
    ab_tech_pe_costs(a->tech, k, a, &a->pe_costs, NULL);
}

double ab_accel_area_mm2(const ab_accel *a)
{
    const double pes = (double)a->rows * (double)a->cols;
    return a->pe_costs.area_um2 * pes * 1e-6 + a->wbuf.area_mm2 + a->abuf.area_mm2 +
           a->obuf.area_mm2;
}

/* ---- checks -------------------------------------------------------------- */

typedef struct issue {
    char *path, *what;
    size_t path_cap, what_cap;
} issue;

static int fail(const issue *is, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const issue *is, const char *path, const char *fmt, ...)
{
    snprintf(is->path, is->path_cap, "%s", path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(is->what, is->what_cap, fmt, ap);
    va_end(ap);
    return -1;
}

static int check_count(const issue *is, const char *path, uint64_t v, uint64_t max)
{
    if (v == 0)
        return fail(is, path, "expected a positive integer, found 0");
    if (v > max)
        return fail(is, path, "expected at most %llu, found %llu", (unsigned long long)max,
                    (unsigned long long)v);
    return 0;
}

static int check_number(const issue *is, const char *path, double v, bool allow_zero)
{
    if (!isfinite(v) || v < 0.0 || (!allow_zero && v == 0.0))
        return fail(is, path, "expected a %s number, found %g",
                    allow_zero ? "non-negative" : "positive", v);
    return 0;
}

static int check_pe(const ab_accel *a, const issue *is)
{
    switch (a->pe) {
    case AB_PE_BITMOD:
        if (a->lanes < 1 || a->lanes > 16 || (a->lanes & (a->lanes - 1)) != 0)
            return fail(is, "pe.lanes", "expected 1, 2, 4, 8 or 16 for a bitmod PE (the "
                        "lanes of rtl/pe_bitmod.v's LANES; 4 is BitMoD's), found %u",
                        (unsigned)a->lanes);
        if (a->scale_bits < 1 || a->scale_bits > 16)
            return fail(is, "pe.scale_bits", "expected 1 to 16 (bits of the integer group "
                        "scale, dequantized one per cycle), found %u", (unsigned)a->scale_bits);
        if (a->dataflow != AB_DF_OS)
            return fail(is, "array.dataflow", "expected os for a bitmod PE (its group "
                        "accumulator and dequantizer sit in the PE, so outputs must stay "
                        "there: output-stationary only), found %s", ab_dataflow_name(a->dataflow));
        return 0;
    case AB_PE_BTC:
        if (ab_dataflow_systolic(a->dataflow))
            return fail(is, "array.dataflow", "expected os or ws for a btc PE (a systolic "
                        "dataflow streams one element per PE per cycle; a binary MMA takes "
                        "a tile_m x tile_n x tile_k block at once), found %s",
                        ab_dataflow_name(a->dataflow));
        if (check_count(is, "pe.tile.m", a->tile_m, AB_ACCEL_MAX_TILE_MN) != 0 ||
            check_count(is, "pe.tile.n", a->tile_n, AB_ACCEL_MAX_TILE_MN) != 0 ||
            check_count(is, "pe.tile.k", a->tile_k, AB_ACCEL_MAX_TILE_K) != 0)
            return -1;
        if (a->tile_k % AB_ACCEL_BTC_K_ALIGN != 0)
            return fail(is, "pe.tile.k", "expected a multiple of %u (K bits are packed in "
                        "64-bit words; the hardware MMA has k = 128 or 256), found %u",
                        AB_ACCEL_BTC_K_ALIGN, (unsigned)a->tile_k);
        if (a->lanes != a->tile_k)
            return fail(is, "pe.lanes", "expected %u for a btc PE (lanes = pe.tile.k, the K "
                        "bits one MMA takes per cycle), found %u", (unsigned)a->tile_k,
                        (unsigned)a->lanes);
        return 0;
    case AB_PE_FP16:
    case AB_PE_INT8:
    case AB_PE_ANT:
    case AB_PE_OLIVE:
        if (a->lanes != 1)
            return fail(is, "pe.lanes", "expected 1 for an %s PE (one MAC per cycle: its "
                        "costs are those of one MAC), found %u", ab_pe_kind_name(a->pe),
                        (unsigned)a->lanes);
        return 0;
    case AB_PE_KIND_COUNT:
        break;
    }
    return fail(is, "pe.kind", "expected one of bitmod, btc, fp16, int8, ant, olive, found "
                "kind %d", (int)a->pe);
}

static const char *const k_buf_names[3] = {"weight", "activation", "output"};

/* The smallest tile each SRAM must hold in one half of its double buffer:
 * one step of the array at 1 byte per element (1 bit per element for the
 * bit-planes of a btc PE).  A necessary condition only; the engine's mapper
 * checks the real tiles with the real formats. */
static uint64_t min_half_bytes(const ab_accel *a, int buf)
{
    const bool btc = a->pe == AB_PE_BTC;
    const uint64_t blk_n = btc ? a->tile_n : 1, blk_m = btc ? a->tile_m : 1;
    const uint64_t k_bytes = btc ? a->tile_k / 8u : a->lanes;
    switch (buf) {
    case 0:
        return (uint64_t)a->rows * blk_n * k_bytes;
    case 1:
        return (uint64_t)a->cols * blk_m * k_bytes;
    default:
        return (uint64_t)a->rows * blk_n * a->cols * blk_m;
    }
}

static int check_buffer(const ab_accel *a, const issue *is, int i)
{
    const ab_sram_cfg *s = i == 0 ? &a->wbuf : i == 1 ? &a->abuf : &a->obuf;
    const char *b = k_buf_names[i];
    char p[96];
    snprintf(p, sizeof p, "buffers.%s.kb", b);
    if (s->bytes == 0)
        return fail(is, p, "expected a positive integer, found 0");
    if (s->bytes > AB_ACCEL_MAX_KB * 1024u)
        return fail(is, p, "expected at most %llu KB, found %llu bytes",
                    (unsigned long long)AB_ACCEL_MAX_KB, (unsigned long long)s->bytes);
    snprintf(p, sizeof p, "buffers.%s.banks", b);
    if (check_count(is, p, s->banks, AB_ACCEL_MAX_BANKS) != 0)
        return -1;
    if (s->bytes % s->banks != 0)
        return fail(is, p, "expected a divisor of the capacity (%llu bytes: banks are equal "
                    "arrays), found %u", (unsigned long long)s->bytes, (unsigned)s->banks);
    snprintf(p, sizeof p, "buffers.%s.bank_bytes_per_cycle", b);
    if (check_count(is, p, s->bank_bytes_per_cycle, AB_ACCEL_MAX_PORT_BYTES) != 0)
        return -1;
    const uint64_t need = min_half_bytes(a, i);
    if (s->bytes / 2u < need) {
        snprintf(p, sizeof p, "buffers.%s.kb", b);
        return fail(is, p, "expected room for 2 x %llu bytes (the smallest %s tile of a "
                    "%u x %u array, in each half of the double buffer), found %llu bytes",
                    (unsigned long long)need, b, (unsigned)a->rows, (unsigned)a->cols,
                    (unsigned long long)s->bytes);
    }
    snprintf(p, sizeof p, "energy.sram.%s.read_pj_per_byte", b);
    if (check_number(is, p, s->read_pj_per_byte, true) != 0)
        return -1;
    snprintf(p, sizeof p, "energy.sram.%s.write_pj_per_byte", b);
    if (check_number(is, p, s->write_pj_per_byte, true) != 0)
        return -1;
    snprintf(p, sizeof p, "energy.sram.%s.leakage_mw", b);
    if (check_number(is, p, s->leakage_mw, true) != 0)
        return -1;
    snprintf(p, sizeof p, "area.%s_sram_mm2", b);
    return check_number(is, p, s->area_mm2, false);
}

static int check_dram(const ab_accel *a, const issue *is)
{
    const ab_dram_cfg *d = &a->dram;
    ab_dram_cfg tmp;
    if (strcmp(d->preset, "custom") != 0 && ab_dram_preset(d->preset, 1.0, &tmp, NULL) != 0)
        return fail(is, "dram.preset", "expected custom, ddr4-3200, lpddr4, lpddr5, hbm2 or "
                    "bitmod, found \"%.31s\"", d->preset);
    if (check_number(is, "dram.bytes_per_cycle", d->bytes_per_cycle, false) != 0 ||
        check_number(is, "dram.pj_per_bit", d->pj_per_bit, true) != 0)
        return -1;
    if (d->bytes_per_cycle > AB_ACCEL_MAX_DRAM_BYTES_PER_CYCLE)
        return fail(is, "dram.bytes_per_cycle", "expected at most %g bytes per cycle, found %g",
                    AB_ACCEL_MAX_DRAM_BYTES_PER_CYCLE, d->bytes_per_cycle);
    return 0;
}

int ab_accel_check(const ab_accel *a, char *path, size_t path_cap, char *what, size_t what_cap)
{
    const issue is = {path, what, path_cap, what_cap};
    if (!a->name[0])
        return fail(&is, "name", "expected a non-empty string, found \"\"");
    if (check_pe(a, &is) != 0)
        return -1;
    if (check_count(&is, "array.rows", a->rows, AB_ACCEL_MAX_DIM) != 0 ||
        check_count(&is, "array.cols", a->cols, AB_ACCEL_MAX_DIM) != 0)
        return -1;
    if ((unsigned)a->dataflow >= AB_DF_COUNT)
        return fail(&is, "array.dataflow", "expected os, ws, os_systolic, ws_systolic or "
                    "is_systolic, found dataflow %d", (int)a->dataflow);
    if (a->convention != AB_CONV_ANYBIT && a->convention != AB_CONV_SCALESIM)
        return fail(&is, "cycle_convention", "expected anybit or scalesim, found convention %d",
                    (int)a->convention);
    if (!isfinite(a->clock_ghz) || !(a->clock_ghz > 0.0) ||
        a->clock_ghz > AB_ACCEL_MAX_CLOCK_GHZ)
        return fail(&is, "clock_ghz", "expected a clock in GHz, above 0 and at most %g, "
                    "found %g", AB_ACCEL_MAX_CLOCK_GHZ, a->clock_ghz);
    if (ab_tech_check(a->tech, NULL) != 0)
        return fail(&is, "tech", "expected 28nm or 45nm, found \"%.15s\"", a->tech);
    for (int i = 0; i < 3; i++)
        if (check_buffer(a, &is, i) != 0)
            return -1;
    if (check_dram(a, &is) != 0)
        return -1;
    const ab_pe_costs *c = &a->pe_costs;
    if (check_number(&is, "energy.pe_cycle_pj", c->cycle_pj, true) != 0 ||
        check_number(&is, "energy.pe_idle_pj", c->idle_pj, true) != 0 ||
        check_number(&is, "energy.dequant_pj", c->dequant_pj, true) != 0 ||
        check_number(&is, "energy.pe_leakage_mw", c->leakage_mw, true) != 0 ||
        check_number(&is, "area.pe_um2", c->area_um2, false) != 0)
        return -1;
    return 0;
}

int ab_accel_validate(const ab_accel *a, ab_error *err)
{
    char path[96], what[384];
    if (ab_accel_check(a, path, sizeof path, what, sizeof what) == 0)
        return 0;
    return ab_error_set(err, "%.200s: %s: %s", a->file[0] ? a->file : "<config>", path, what);
}
