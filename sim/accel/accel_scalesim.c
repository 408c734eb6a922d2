/* accel_scalesim.c - a SCALE-Sim v2 configuration (.cfg, Python
 * configparser's INI format) read as an anybit accelerator
 * (docs/scalesim.md has the field-by-field table; the fields are those
 * scalesim/scale_config.py and configs/scale.cfg of scalesim-project/
 * scale-sim-v2 read, docs/references.md#scale-sim).
 *
 * The mapping: a systolic array of the 1-MAC-per-cycle INT8 PE with one
 * lane (SCALE-Sim is precision-agnostic: every operand is one word, one
 * MAC per PE per cycle; the int8 PE is the one anybit PE whose word is one
 * byte and whose rule is one MAC per cycle), Dataflow os|ws|is as
 * os_systolic|ws_systolic|is_systolic, the SRAMs' kB as bytes (1-byte
 * words), Bandwidth words/cycle as DRAM bytes/cycle, and SCALE-Sim's cycle
 * convention (ab_cycle_convention).  Everything else is the int8 preset's.
 *
 * Errors: one message "FILE:LINE: FIELD: ..." for an unknown section or
 * field, a malformed line, a bad value or a missing required field.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accel.h"
#include "accel_impl.h"
#include "energy.h"

/* A .cfg larger than this is not a SCALE-Sim config (scale.cfg is < 1 KB):
 * refused rather than read without bound. */
#define CFG_MAX_BYTES (1u << 20)
#define CFG_MAX_LINE 1024

typedef enum ftype {
    F_TEXT,    /* any string */
    F_COUNT,   /* integer >= 1 */
    F_UINT,    /* integer >= 0 */
    F_BOOL,    /* configparser's booleans */
    F_DF,      /* os, ws, is */
    F_BWMODE,  /* CALC, USER */
    F_BW,      /* positive words per cycle, a comma list (one per memory bank) */
} ftype;

typedef enum fid {
    RUN_NAME,
    ARRAY_H, ARRAY_W, IFMAP_KB, FILTER_KB, OFMAP_KB, IFMAP_OFF, FILTER_OFF, OFMAP_OFF,
    DATAFLOW, BANDWIDTH, MEM_BANKS, RD_REQ_BUF, WR_REQ_BUF, ONCHIP_BANKS, ONCHIP_PORTS,
    A_IFMAP_LAYOUT, A_FILTER_LAYOUT, A_IFMAP_BANK_BW, A_IFMAP_BANK_NUM, A_IFMAP_BANK_PORT,
    A_FILTER_BANK_BW, A_FILTER_BANK_NUM, A_FILTER_BANK_PORT,
    L_IFMAP_LAYOUT, L_FILTER_LAYOUT, L_IFMAP_BANK_BW, L_IFMAP_BANK_NUM, L_IFMAP_BANK_PORT,
    L_FILTER_BANK_BW, L_FILTER_BANK_NUM, L_FILTER_BANK_PORT,
    SP_SUPPORT, SP_REP, SP_OPT_MAP, SP_BLOCK, SP_SEED,
    IFACE_BW, RAMULATOR,
    TOPO_LOC, LAYOUT_LOC,
    F_COUNT_FIELDS
} fid;

typedef struct field {
    const char *section, *key; /* key as SCALE-Sim spells it (matched case-insensitively) */
    ftype type;
    bool required;
} field;

/* What SCALE-Sim v2 reads (scale_config.py, configs/scale.cfg); the
 * ignored ones are listed as such in docs/scalesim.md. */
static const field k_fields[F_COUNT_FIELDS] = {
    [RUN_NAME] = {"general", "run_name", F_TEXT, true},
    [ARRAY_H] = {"architecture_presets", "ArrayHeight", F_COUNT, true},
    [ARRAY_W] = {"architecture_presets", "ArrayWidth", F_COUNT, true},
    [IFMAP_KB] = {"architecture_presets", "IfmapSramSzkB", F_COUNT, true},
    [FILTER_KB] = {"architecture_presets", "FilterSramSzkB", F_COUNT, true},
    [OFMAP_KB] = {"architecture_presets", "OfmapSramSzkB", F_COUNT, true},
    [IFMAP_OFF] = {"architecture_presets", "IfmapOffset", F_UINT, true},
    [FILTER_OFF] = {"architecture_presets", "FilterOffset", F_UINT, true},
    [OFMAP_OFF] = {"architecture_presets", "OfmapOffset", F_UINT, true},
    [DATAFLOW] = {"architecture_presets", "Dataflow", F_DF, true},
    [BANDWIDTH] = {"architecture_presets", "Bandwidth", F_BW, false},
    [MEM_BANKS] = {"architecture_presets", "MemoryBanks", F_COUNT, false},
    [RD_REQ_BUF] = {"architecture_presets", "ReadRequestBuffer", F_UINT, false},
    [WR_REQ_BUF] = {"architecture_presets", "WriteRequestBuffer", F_UINT, false},
    [ONCHIP_BANKS] = {"architecture_presets", "OnChipMemoryBanks", F_COUNT, false},
    [ONCHIP_PORTS] = {"architecture_presets", "OnChipMemoryBankPorts", F_COUNT, false},
    [A_IFMAP_LAYOUT] = {"architecture_presets", "IfmapCustomLayout", F_BOOL, false},
    [A_FILTER_LAYOUT] = {"architecture_presets", "FilterCustomLayout", F_BOOL, false},
    [A_IFMAP_BANK_BW] = {"architecture_presets", "IfmapSRAMBankBandwidth", F_COUNT, false},
    [A_IFMAP_BANK_NUM] = {"architecture_presets", "IfmapSRAMBankNum", F_COUNT, false},
    [A_IFMAP_BANK_PORT] = {"architecture_presets", "IfmapSRAMBankPort", F_COUNT, false},
    [A_FILTER_BANK_BW] = {"architecture_presets", "FilterSRAMBankBandwidth", F_COUNT, false},
    [A_FILTER_BANK_NUM] = {"architecture_presets", "FilterSRAMBankNum", F_COUNT, false},
    [A_FILTER_BANK_PORT] = {"architecture_presets", "FilterSRAMBankPort", F_COUNT, false},
    [L_IFMAP_LAYOUT] = {"layout", "IfmapCustomLayout", F_BOOL, false},
    [L_FILTER_LAYOUT] = {"layout", "FilterCustomLayout", F_BOOL, false},
    [L_IFMAP_BANK_BW] = {"layout", "IfmapSRAMBankBandwidth", F_COUNT, false},
    [L_IFMAP_BANK_NUM] = {"layout", "IfmapSRAMBankNum", F_COUNT, false},
    [L_IFMAP_BANK_PORT] = {"layout", "IfmapSRAMBankPort", F_COUNT, false},
    [L_FILTER_BANK_BW] = {"layout", "FilterSRAMBankBandwidth", F_COUNT, false},
    [L_FILTER_BANK_NUM] = {"layout", "FilterSRAMBankNum", F_COUNT, false},
    [L_FILTER_BANK_PORT] = {"layout", "FilterSRAMBankPort", F_COUNT, false},
    [SP_SUPPORT] = {"sparsity", "SparsitySupport", F_BOOL, false},
    [SP_REP] = {"sparsity", "SparseRep", F_TEXT, false},
    [SP_OPT_MAP] = {"sparsity", "OptimizedMapping", F_BOOL, false},
    [SP_BLOCK] = {"sparsity", "BlockSize", F_COUNT, false},
    [SP_SEED] = {"sparsity", "RandomNumberGeneratorSeed", F_UINT, false},
    [IFACE_BW] = {"run_presets", "InterfaceBandwidth", F_BWMODE, true},
    [RAMULATOR] = {"run_presets", "UseRamulatorTrace", F_BOOL, false},
    [TOPO_LOC] = {"network_presets", "TopologyCsvLoc", F_TEXT, false},
    [LAYOUT_LOC] = {"network_presets", "LayoutCsvLoc", F_TEXT, false},
};

static const char *const k_sections[] = {"general",  "architecture_presets", "layout",
                                         "sparsity", "run_presets", "network_presets", NULL};

typedef struct value {
    bool set;
    int line;
    char text[CFG_MAX_LINE];
    uint64_t u;  /* F_COUNT, F_UINT */
    bool b;      /* F_BOOL */
    double bw;   /* F_BW: the first bank's */
    unsigned nbw; /* F_BW: entries */
} value;

typedef struct cfg {
    const char *file;
    value v[F_COUNT_FIELDS];
    int section_line[8]; /* header line of each of k_sections, 0 if absent */
    ab_error *err;
} cfg;

static int fail(const cfg *c, int line, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(const cfg *c, int line, const char *what, const char *fmt, ...)
{
    char msg[AB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ab_error_set(c->err, "%.200s:%d: %.80s: %.300s", c->file, line, what, msg);
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int section_index(const char *name)
{
    for (int i = 0; k_sections[i]; i++)
        if (strcmp(k_sections[i], name) == 0)
            return i;
    return -1;
}

/* A decimal integer, Python int()'s way (sign and surrounding blanks
 * allowed); false for anything else or past 2^63. */
static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    if (!*s)
        return false;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    if (strlen(p) > 18)
        return false;
    *out = strtoll(s, &end, 10);
    return *end == '\0';
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static int parse_value(const cfg *c, fid f, value *v)
{
    const field *fd = &k_fields[f];
    char what[96];
    snprintf(what, sizeof what, "%s.%s", fd->section, fd->key);
    int64_t i = 0;
    switch (fd->type) {
    case F_TEXT:
        return 0;
    case F_COUNT:
    case F_UINT:
        if (!parse_int(v->text, &i))
            return fail(c, v->line, what, "expected an integer, found \"%.100s\"", v->text);
        if (i < (fd->type == F_COUNT ? 1 : 0))
            return fail(c, v->line, what, "expected an integer of at least %d, found %lld",
                        fd->type == F_COUNT ? 1 : 0, (long long)i);
        v->u = (uint64_t)i;
        return 0;
    case F_BOOL:
        if (!parse_bool(v->text, &v->b))
            return fail(c, v->line, what, "expected True or False, found \"%.100s\"", v->text);
        return 0;
    case F_DF:
        if (strcmp(v->text, "os") && strcmp(v->text, "ws") && strcmp(v->text, "is"))
            return fail(c, v->line, what, "expected os, ws or is, found \"%.100s\"", v->text);
        return 0;
    case F_BWMODE:
        if (strcmp(v->text, "CALC") && strcmp(v->text, "USER"))
            return fail(c, v->line, what, "expected CALC or USER, found \"%.100s\"", v->text);
        return 0;
    case F_BW: {
        char buf[CFG_MAX_LINE];
        snprintf(buf, sizeof buf, "%s", v->text);
        v->nbw = 0;
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            char *t = trim(tok);
            char *end;
            const double x = strtod(t, &end);
            if (!*t || *end || !isfinite(x) || !(x > 0.0))
                return fail(c, v->line, what, "expected positive words per cycle (a number per "
                            "memory bank, comma-separated), found \"%.100s\"", v->text);
            if (v->nbw++ == 0)
                v->bw = x;
        }
        if (v->nbw == 0)
            return fail(c, v->line, what, "expected positive words per cycle, found \"\"");
        return 0;
    }
    }
    return 0;
}

/* Read the INI text into c->v: every line a comment, a [section] header or
 * KEY = VALUE / KEY: VALUE of a known field. */
static int read_ini(cfg *c, FILE *f)
{
    char line[CFG_MAX_LINE + 2];
    int lineno = 0, sec = -1;
    size_t total = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        const size_t len = strlen(line);
        total += len;
        if (total > CFG_MAX_BYTES)
            return fail(c, lineno, "file", "expected a SCALE-Sim config of at most %u bytes",
                        CFG_MAX_BYTES);
        if (len == sizeof line - 1 && line[len - 1] != '\n')
            return fail(c, lineno, "line", "expected lines of at most %d characters",
                        CFG_MAX_LINE);
        if (memchr(line, '\0', len) != NULL && strlen(line) != len)
            return fail(c, lineno, "line", "expected text, found a NUL byte");
        const bool indented = isspace((unsigned char)line[0]) && line[0] != '\n' &&
                              line[0] != '\r';
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (indented)
            return fail(c, lineno, sec >= 0 ? k_sections[sec] : "line",
                        "expected no indented line (configparser would read it as the "
                        "continuation of the previous value), found \"%.80s\"", s);
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close[1] != '\0')
                return fail(c, lineno, "section", "expected [NAME], found \"%.80s\"", s);
            *close = '\0';
            const char *name = s + 1;
            sec = section_index(name);
            if (sec < 0)
                return fail(c, lineno, name, "unknown section (expected general, "
                            "architecture_presets, layout, sparsity, run_presets or "
                            "network_presets: docs/scalesim.md)");
            if (c->section_line[sec])
                return fail(c, lineno, name, "section given twice (first at line %d)",
                            c->section_line[sec]);
            c->section_line[sec] = lineno;
            continue;
        }
        const size_t ksep = strcspn(s, "=:");
        if (s[ksep] == '\0')
            return fail(c, lineno, sec >= 0 ? k_sections[sec] : "line",
                        "expected KEY = VALUE or KEY: VALUE, found \"%.80s\"", s);
        s[ksep] = '\0';
        char *key = trim(s), *val = trim(s + ksep + 1);
        if (!*key)
            return fail(c, lineno, sec >= 0 ? k_sections[sec] : "line",
                        "expected a field name before the '%c'", '=');
        if (sec < 0)
            return fail(c, lineno, key, "expected a [section] header before the first field");
        int found = -1;
        for (int i = 0; i < F_COUNT_FIELDS; i++)
            if (strcmp(k_fields[i].section, k_sections[sec]) == 0 &&
                strcasecmp(k_fields[i].key, key) == 0)
                found = i;
        char what[160];
        snprintf(what, sizeof what, "%s.%s", k_sections[sec], key);
        if (found < 0)
            return fail(c, lineno, what, "unknown field of [%s] (docs/scalesim.md lists the "
                        "fields SCALE-Sim v2 reads)", k_sections[sec]);
        value *v = &c->v[found];
        if (v->set)
            return fail(c, lineno, what, "field given twice (first at line %d)", v->line);
        v->set = true;
        v->line = lineno;
        snprintf(v->text, sizeof v->text, "%s", val);
        if (parse_value(c, (fid)found, v) != 0)
            return -1;
    }
    if (ferror(f))
        return fail(c, lineno, "file", "read error");
    return 0;
}

static int require(const cfg *c)
{
    for (int i = 0; i < F_COUNT_FIELDS; i++) {
        const field *fd = &k_fields[i];
        if (!fd->required || c->v[i].set)
            continue;
        const int s = section_index(fd->section);
        char what[96];
        snprintf(what, sizeof what, "%s.%s", fd->section, fd->key);
        if (!c->section_line[s])
            return fail(c, 1, what, "missing required field (the file has no [%s] section)",
                        fd->section);
        return fail(c, c->section_line[s], what, "missing required field of [%s]",
                    fd->section);
    }
    const value *mode = &c->v[IFACE_BW], *bw = &c->v[BANDWIDTH];
    if (strcmp(mode->text, "USER") == 0 && !bw->set)
        return fail(c, mode->line, "architecture_presets.Bandwidth",
                    "missing required field (InterfaceBandwidth: USER reads the DRAM "
                    "bandwidth from it)");
    return 0;
}

/* What anybit cannot model is refused, not silently dropped. */
static int refuse_unmodelled(const cfg *c)
{
    const value *b = &c->v[MEM_BANKS];
    if (b->set && b->u != 1)
        return fail(c, b->line, "architecture_presets.MemoryBanks",
                    "expected 1 (anybit has one DRAM interface; SCALE-Sim's per-bank memory "
                    "maps are not read), found %llu", (unsigned long long)b->u);
    const value *bw = &c->v[BANDWIDTH];
    const uint64_t banks = b->set ? b->u : 1;
    if (bw->set && strcmp(c->v[IFACE_BW].text, "USER") == 0 && bw->nbw != banks)
        return fail(c, bw->line, "architecture_presets.Bandwidth",
                    "expected one bandwidth per memory bank (%llu), found %u",
                    (unsigned long long)banks, bw->nbw);
    const value *sp = &c->v[SP_SUPPORT];
    if (sp->set && sp->b)
        return fail(c, sp->line, "sparsity.SparsitySupport",
                    "expected False (anybit does not model SCALE-Sim's sparse mappings), "
                    "found \"%.40s\"", sp->text);
    return 0;
}

/* The config field an ab_accel_check path stands for, and its line. */
static void field_of_path(const cfg *c, const char *path, const char **what, int *line)
{
    static const struct {
        const char *path;
        fid f;
    } k_map[] = {
        {"array.rows", ARRAY_H},          {"array.cols", ARRAY_W},
        {"buffers.weight.kb", FILTER_KB}, {"buffers.activation.kb", IFMAP_KB},
        {"buffers.output.kb", OFMAP_KB},  {"dram.bytes_per_cycle", BANDWIDTH},
        {"name", RUN_NAME},
    };
    for (size_t i = 0; i < sizeof k_map / sizeof k_map[0]; i++)
        if (strcmp(k_map[i].path, path) == 0 && c->v[k_map[i].f].set) {
            *what = k_fields[k_map[i].f].key;
            *line = c->v[k_map[i].f].line;
            return;
        }
    *what = path;
    *line = 1;
}

static int to_accel(const cfg *c, ab_accel *a)
{
    const value *v = c->v;
    ab_accel_default(AB_PE_INT8, a);
    snprintf(a->file, sizeof a->file, "%s", c->file);
    if (!v[RUN_NAME].text[0] || strlen(v[RUN_NAME].text) >= sizeof a->name)
        return fail(c, v[RUN_NAME].line, "general.run_name",
                    "expected a name of 1 to %zu characters, found \"%.80s\"",
                    sizeof a->name - 1, v[RUN_NAME].text);
    /* its length was checked above: a copy, no truncation (snprintf here
     * trips GCC's -Wformat-truncation in a debug build) */
    memcpy(a->name, v[RUN_NAME].text, strlen(v[RUN_NAME].text) + 1);
    snprintf(a->recipe, sizeof a->recipe, "int8");
    static const struct {
        fid f;
        uint64_t max;
    } k_bounds[] = {{ARRAY_H, AB_ACCEL_MAX_DIM}, {ARRAY_W, AB_ACCEL_MAX_DIM},
                    {IFMAP_KB, AB_ACCEL_MAX_KB}, {FILTER_KB, AB_ACCEL_MAX_KB},
                    {OFMAP_KB, AB_ACCEL_MAX_KB}};
    for (size_t i = 0; i < sizeof k_bounds / sizeof k_bounds[0]; i++)
        if (v[k_bounds[i].f].u > k_bounds[i].max) {
            char what[96];
            snprintf(what, sizeof what, "architecture_presets.%s", k_fields[k_bounds[i].f].key);
            return fail(c, v[k_bounds[i].f].line, what, "expected at most %llu, found %llu",
                        (unsigned long long)k_bounds[i].max,
                        (unsigned long long)v[k_bounds[i].f].u);
        }
    a->rows = (uint32_t)v[ARRAY_H].u;
    a->cols = (uint32_t)v[ARRAY_W].u;
    a->dataflow = strcmp(v[DATAFLOW].text, "os") == 0   ? AB_DF_OS_SYSTOLIC
                  : strcmp(v[DATAFLOW].text, "ws") == 0 ? AB_DF_WS_SYSTOLIC
                                                        : AB_DF_IS_SYSTOLIC;
    a->convention = AB_CONV_SCALESIM;
    /* SCALE-Sim's SRAMs (without its optional bank-layout model) have no
     * port limit: the widest port anybit takes never paces the array */
    const uint32_t port = AB_ACCEL_MAX_PORT_BYTES;
    ab_sram_cfg *bufs[3] = {&a->abuf, &a->wbuf, &a->obuf};
    const fid kbs[3] = {IFMAP_KB, FILTER_KB, OFMAP_KB};
    for (int i = 0; i < 3; i++) {
        memset(bufs[i], 0, sizeof *bufs[i]);
        bufs[i]->bytes = v[kbs[i]].u * 1024u; /* 1-byte words */
        bufs[i]->banks = 1;
        bufs[i]->bank_bytes_per_cycle = port;
        (void)ab_tech_sram_costs(a->tech, bufs[i], NULL); /* checked below */
    }
    /* DRAM energy: the DDR4-3200 preset's (docs/energy.md "DRAM"); no
     * access latency, as SCALE-Sim's stall-free count has none */
    ab_dram_preset("ddr4-3200", a->clock_ghz, &a->dram, NULL);
    snprintf(a->dram.preset, sizeof a->dram.preset, "custom");
    a->dram.latency_cycles = 0;
    if (strcmp(v[IFACE_BW].text, "USER") == 0)
        a->dram.bytes_per_cycle = v[BANDWIDTH].bw; /* SCALE-Sim takes the first bank's */
    else
        /* CALC: SCALE-Sim computes stall-free cycles and reports the
         * bandwidth they need; a bandwidth that moves all three buffers in
         * one cycle keeps anybit's DMA from ever stalling the array */
        a->dram.bytes_per_cycle = (double)(a->wbuf.bytes + a->abuf.bytes + a->obuf.bytes);
    char path[96], what[384];
    if (ab_accel_check(a, path, sizeof path, what, sizeof what) != 0) {
        const char *field_name;
        int line;
        field_of_path(c, path, &field_name, &line);
        return fail(c, line, field_name, "%s", what);
    }
    return 0;
}

int ab_accel_load_scalesim(const char *path, ab_accel *a, ab_error *err)
{
    memset(a, 0, sizeof *a);
    cfg *c = calloc(1, sizeof *c);
    if (!c)
        return ab_error_set(err, "out of memory reading %s", path);
    c->file = path;
    c->err = err;
    int rc = -1;
    FILE *f = fopen(path, "r");
    if (!f) {
        ab_error_set(err, "%.300s: cannot open the SCALE-Sim config", path);
        goto out;
    }
    rc = read_ini(c, f);
    fclose(f);
    if (rc == 0)
        rc = require(c);
    if (rc == 0)
        rc = refuse_unmodelled(c);
    if (rc == 0)
        rc = to_accel(c, a);
out:
    free(c);
    return rc;
}
