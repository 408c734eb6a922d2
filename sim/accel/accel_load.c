/* accel_load.c - ab_accel_load: one accelerator YAML (configs/, schema in
 * docs/configs.md), read field by field with yaml_doc.h.
 *
 * Order: types and ranges of each field as it is read (one message at the
 * failing node); then the technology fills the per-event costs and the
 * energy:/area: sections override them; last, ab_accel_check's cross-field
 * checks, whose field path is mapped back to its YAML node for the line.
 */
#include "accel.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel_impl.h"
#include "energy.h"
#include "rtl_synth.h"
#include "workload/workload.h"
#include "yaml/yaml_doc.h"

static const char *const k_top_keys[] = {"name",    "source", "notes",  "recipe", "pe",
                                         "array",   "clock_ghz", "tech", "buffers", "dram",
                                         "energy",  "area",   "area_source", "tiling",
                                         "cycle_convention", NULL};
static const char *const k_pe_keys[] = {"kind", "lanes", "tile", "scale_bits",
                                        "rtl_literal_align", NULL};
static const char *const k_tile_keys[] = {"m", "n", "k", NULL};
static const char *const k_array_keys[] = {"rows", "cols", "dataflow", NULL};
static const char *const k_buffers_keys[] = {"weight", "activation", "output", NULL};
static const char *const k_buffer_keys[] = {"kb", "banks", "bank_bytes_per_cycle", NULL};
static const char *const k_dram_keys[] = {"preset", "bytes_per_cycle", "latency_cycles",
                                          "pj_per_bit", NULL};
static const char *const k_energy_keys[] = {"pe_cycle_pj", "pe_idle_pj", "dequant_pj",
                                            "pe_leakage_mw", "sram", NULL};
static const char *const k_sram_keys[] = {"read_pj_per_byte", "write_pj_per_byte",
                                          "leakage_mw", NULL};
static const char *const k_area_keys[] = {"pe_um2", "weight_sram_mm2", "activation_sram_mm2",
                                          "output_sram_mm2", "synth_json", NULL};
static const char *const k_tiling_keys[] = {"tm", "tn", "tk", NULL};

static const char *const k_buf_names[3] = {"weight", "activation", "output"};

static ab_sram_cfg *buf_of(ab_accel *a, int i)
{
    return i == 0 ? &a->wbuf : i == 1 ? &a->abuf : &a->obuf;
}

/* ---- small readers ------------------------------------------------------ */

/* Child mapping `key` of `map` with its keys checked; *out NULL when absent
 * and optional. */
static int section(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                   bool required, const char *const *keys, struct fy_node **out)
{
    char p[128];
    ab_ydoc_path(p, sizeof p, path, key);
    *out = ab_ydoc_get(map, key);
    if (!*out) {
        if (required)
            return ab_ydoc_fail(d, map, p, "missing required field (expected a mapping)");
        return 0;
    }
    return ab_ydoc_check_keys(d, *out, p, keys);
}

static int get_u32(const ab_ydoc *d, struct fy_node *map, const char *path, const char *key,
                   bool required, uint64_t max, uint32_t *out)
{
    uint64_t v = *out;
    if (ab_ydoc_uint(d, map, path, key, required, false, &v) != 0)
        return -1;
    if (v > max) {
        char fp[128];
        return ab_ydoc_fail(d, ab_ydoc_get(map, key), ab_ydoc_path(fp, sizeof fp, path, key),
                            "expected at most %llu, found %llu", (unsigned long long)max,
                            (unsigned long long)v);
    }
    *out = (uint32_t)v;
    return 0;
}

/* A free-text field (source, notes): any scalar. */
static int get_text(const ab_ydoc *d, struct fy_node *map, const char *key)
{
    struct fy_node *n = ab_ydoc_get(map, key);
    if (n && (!fy_node_is_scalar(n) || fy_node_is_alias(n)))
        return ab_ydoc_fail(d, n, key, "expected a string, found %s",
                            fy_node_is_mapping(n) ? "a mapping" : "a sequence");
    return 0;
}

/* Fail because `key` is present but means nothing for this PE kind. */
static int not_for_kind(const ab_ydoc *d, struct fy_node *pe, const char *key, const char *why)
{
    struct fy_node *n = ab_ydoc_get(pe, key);
    if (!n)
        return 0;
    char fp[64];
    return ab_ydoc_fail(d, n, ab_ydoc_path(fp, sizeof fp, "pe", key), "%s", why);
}

/* ---- sections ------------------------------------------------------------ */

static int load_pe(const ab_ydoc *d, ab_accel *a)
{
    struct fy_node *pe;
    if (section(d, d->root, "", "pe", true, k_pe_keys, &pe) != 0)
        return -1;
    char kind[32];
    if (ab_ydoc_str(d, pe, "pe", "kind", true, kind, sizeof kind) != 0)
        return -1;
    ab_pe_kind k;
    if (ab_pe_kind_parse(kind, &k) != 0)
        return ab_ydoc_fail(d, ab_ydoc_get(pe, "kind"), "pe.kind",
                            "expected bitmod, btc, fp16, int8, ant or olive, found \"%s\"", kind);
    ab_accel_kind_defaults(k, a);
    if (k != AB_PE_BTC &&
        not_for_kind(d, pe, "tile", "expected no tile for this PE kind (only a btc PE has an "
                     "MMA tile), found one") != 0)
        return -1;
    if (k != AB_PE_BITMOD &&
        (not_for_kind(d, pe, "scale_bits", "expected no scale_bits for this PE kind (only a "
                      "bitmod PE dequantizes bit-serially), found one") != 0 ||
         not_for_kind(d, pe, "rtl_literal_align", "expected no rtl_literal_align for this PE "
                      "kind (a bitmod PE setting), found one") != 0))
        return -1;
    if (k == AB_PE_BTC) {
        if (not_for_kind(d, pe, "lanes", "expected no lanes for a btc PE (pe.tile.k sets the "
                         "K bits per cycle), found one") != 0)
            return -1;
        struct fy_node *t;
        if (section(d, pe, "pe", "tile", false, k_tile_keys, &t) != 0)
            return -1;
        if (t && (get_u32(d, t, "pe.tile", "m", false, AB_ACCEL_MAX_TILE_MN, &a->tile_m) != 0 ||
                  get_u32(d, t, "pe.tile", "n", false, AB_ACCEL_MAX_TILE_MN, &a->tile_n) != 0 ||
                  get_u32(d, t, "pe.tile", "k", false, AB_ACCEL_MAX_TILE_K, &a->tile_k) != 0))
            return -1;
        a->lanes = a->tile_k;
        return 0;
    }
    if (get_u32(d, pe, "pe", "lanes", false, AB_ACCEL_MAX_TILE_K, &a->lanes) != 0)
        return -1;
    a->tile_k = a->lanes;
    if (k == AB_PE_BITMOD &&
        (get_u32(d, pe, "pe", "scale_bits", false, 64, &a->scale_bits) != 0 ||
         ab_ydoc_bool(d, pe, "pe", "rtl_literal_align", false, &a->bitmod_rtl_literal_align) != 0))
        return -1;
    return 0;
}

static int load_array(const ab_ydoc *d, ab_accel *a)
{
    struct fy_node *ar;
    if (section(d, d->root, "", "array", true, k_array_keys, &ar) != 0 ||
        get_u32(d, ar, "array", "rows", true, AB_ACCEL_MAX_DIM, &a->rows) != 0 ||
        get_u32(d, ar, "array", "cols", true, AB_ACCEL_MAX_DIM, &a->cols) != 0)
        return -1;
    char df[32] = "os";
    if (ab_ydoc_str(d, ar, "array", "dataflow", false, df, sizeof df) != 0)
        return -1;
    if (ab_dataflow_parse(df, &a->dataflow) != 0)
        return ab_ydoc_fail(d, ab_ydoc_get(ar, "dataflow"), "array.dataflow",
                            "expected os, ws, os_systolic, ws_systolic or is_systolic, found "
                            "\"%s\"", df);
    return 0;
}

static int load_convention(const ab_ydoc *d, ab_accel *a)
{
    char c[16] = "anybit";
    if (ab_ydoc_str(d, d->root, "", "cycle_convention", false, c, sizeof c) != 0)
        return -1;
    if (strcmp(c, "anybit") == 0)
        a->convention = AB_CONV_ANYBIT;
    else if (strcmp(c, "scalesim") == 0)
        a->convention = AB_CONV_SCALESIM;
    else
        return ab_ydoc_fail(d, ab_ydoc_get(d->root, "cycle_convention"), "cycle_convention",
                            "expected anybit or scalesim, found \"%s\"", c);
    return 0;
}

static int load_clock_tech(const ab_ydoc *d, ab_accel *a)
{
    if (ab_ydoc_double(d, d->root, "", "clock_ghz", true, false, &a->clock_ghz) != 0)
        return -1;
    if (a->clock_ghz > AB_ACCEL_MAX_CLOCK_GHZ)
        return ab_ydoc_fail(d, ab_ydoc_get(d->root, "clock_ghz"), "clock_ghz",
                            "expected a clock in GHz, at most %g, found %g",
                            AB_ACCEL_MAX_CLOCK_GHZ, a->clock_ghz);
    snprintf(a->tech, sizeof a->tech, "28nm");
    if (ab_ydoc_str(d, d->root, "", "tech", false, a->tech, sizeof a->tech) != 0)
        return -1;
    if (ab_tech_check(a->tech, NULL) != 0)
        return ab_ydoc_fail(d, ab_ydoc_get(d->root, "tech"), "tech",
                            "expected 28nm or 45nm, found \"%s\"", a->tech);
    return 0;
}

static int load_buffers(const ab_ydoc *d, ab_accel *a)
{
    struct fy_node *bs;
    if (section(d, d->root, "", "buffers", true, k_buffers_keys, &bs) != 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        char p[64];
        ab_ydoc_path(p, sizeof p, "buffers", k_buf_names[i]);
        struct fy_node *b;
        if (section(d, bs, "buffers", k_buf_names[i], true, k_buffer_keys, &b) != 0)
            return -1;
        ab_sram_cfg *s = buf_of(a, i);
        uint64_t kb = 0;
        if (ab_ydoc_uint(d, b, p, "kb", true, false, &kb) != 0)
            return -1;
        if (kb > AB_ACCEL_MAX_KB) {
            char fp[96];
            return ab_ydoc_fail(d, ab_ydoc_get(b, "kb"), ab_ydoc_path(fp, sizeof fp, p, "kb"),
                                "expected at most %llu, found %llu",
                                (unsigned long long)AB_ACCEL_MAX_KB, (unsigned long long)kb);
        }
        s->bytes = kb * 1024u;
        s->banks = 1;                /* docs/configs.md defaults */
        s->bank_bytes_per_cycle = 8; /* a 64-bit port, the access of Horowitz's figures */
        if (get_u32(d, b, p, "banks", false, AB_ACCEL_MAX_BANKS, &s->banks) != 0 ||
            get_u32(d, b, p, "bank_bytes_per_cycle", false, AB_ACCEL_MAX_PORT_BYTES,
                    &s->bank_bytes_per_cycle) != 0)
            return -1;
    }
    return 0;
}

static int load_dram(const ab_ydoc *d, ab_accel *a)
{
    struct fy_node *dr;
    if (section(d, d->root, "", "dram", true, k_dram_keys, &dr) != 0)
        return -1;
    ab_dram_cfg *m = &a->dram;
    snprintf(m->preset, sizeof m->preset, "custom");
    if (ab_ydoc_str(d, dr, "dram", "preset", false, m->preset, sizeof m->preset) != 0)
        return -1;
    const bool custom = strcmp(m->preset, "custom") == 0;
    if (!custom) {
        char name[sizeof m->preset];
        memcpy(name, m->preset, sizeof name);
        /* an unknown name stays in m->preset and ab_accel_check names it */
        (void)ab_dram_preset(name, a->clock_ghz, m, NULL);
    }
    /* a preset's values are defaults, overridable field by field; without
     * one, bandwidth and energy must be given */
    uint64_t lat = m->latency_cycles;
    if (ab_ydoc_double(d, dr, "dram", "bytes_per_cycle", custom, false, &m->bytes_per_cycle) != 0 ||
        ab_ydoc_double(d, dr, "dram", "pj_per_bit", custom, true, &m->pj_per_bit) != 0 ||
        ab_ydoc_uint(d, dr, "dram", "latency_cycles", false, true, &lat) != 0)
        return -1;
    if (lat > UINT32_MAX)
        return ab_ydoc_fail(d, ab_ydoc_get(dr, "latency_cycles"), "dram.latency_cycles",
                            "expected at most %u, found %llu", (unsigned)UINT32_MAX,
                            (unsigned long long)lat);
    m->latency_cycles = (uint32_t)lat;
    return 0;
}

/* area_source (docs/configs.md): "table" (the technology's PE area, the
 * default) or "yosys" (the PE's area_um2_estimate in the synth JSON of
 * `anybit synth`, area.synth_json, default out/synth.json relative to the
 * working directory, scaled to the node with the place-and-route factor). */
static int load_area_source(const ab_ydoc *d, struct fy_node *ar, ab_accel *a)
{
    char src[16] = "table";
    if (ab_ydoc_str(d, d->root, "", "area_source", false, src, sizeof src) != 0)
        return -1;
    struct fy_node *sn = ab_ydoc_get(d->root, "area_source");
    struct fy_node *jn = ar ? ab_ydoc_get(ar, "synth_json") : NULL;
    if (strcmp(src, "table") == 0) {
        if (jn)
            return ab_ydoc_fail(d, jn, "area.synth_json",
                                "expected no synth_json unless area_source is yosys, found one");
        return 0;
    }
    if (strcmp(src, "yosys") != 0)
        return ab_ydoc_fail(d, sn, "area_source", "expected table or yosys, found \"%s\"", src);
    if (ar && ab_ydoc_get(ar, "pe_um2"))
        return ab_ydoc_fail(d, ab_ydoc_get(ar, "pe_um2"), "area.pe_um2",
                            "expected no pe_um2 with area_source: yosys (the PE area comes "
                            "from the synth JSON), found one");
    const ab_synth_top *t = ab_synth_for_kind(a->pe);
    if (!t)
        return ab_ydoc_fail(d, sn, "area_source",
                            "expected table for a %s PE (no RTL top for it; yosys covers "
                            "bitmod, fp16, int8 and btc), found yosys", ab_pe_kind_name(a->pe));
    char path[AB_ACCEL_PATH_MAX] = "out/synth.json";
    if (jn && ab_ydoc_str(d, ar, "area", "synth_json", false, path, sizeof path) != 0)
        return -1;
    double um2 = 0.0;
    ab_error e;
    if (ab_synth_json_area(path, t->top, t->lanes ? a->lanes : 0u, &um2, &e) != 0)
        return ab_ydoc_fail(d, jn ? jn : sn, jn ? "area.synth_json" : "area_source", "%s%s",
                            e.msg, jn ? "" : " (area.synth_json not given: the default)");
    a->pe_costs.area_um2 = ab_tech_pe_area_from_28nm(a->tech, um2);
    return 0;
}

/* The technology's costs, then the config's overrides. */
static int load_costs(const ab_ydoc *d, ab_accel *a)
{
    ab_error e;
    if (ab_tech_pe_costs(a->tech, a->pe, a, &a->pe_costs, &e) != 0)
        return ab_ydoc_fail(d, ab_ydoc_get(d->root, "pe"), "pe", "%s", e.msg);
    for (int i = 0; i < 3; i++)
        /* a capacity below one byte per bank leaves the costs at 0 here;
         * ab_accel_check then names buffers.<b>.banks */
        (void)ab_tech_sram_costs(a->tech, buf_of(a, i), NULL);

    struct fy_node *en, *ar;
    if (section(d, d->root, "", "energy", false, k_energy_keys, &en) != 0 ||
        section(d, d->root, "", "area", false, k_area_keys, &ar) != 0)
        return -1;
    ab_pe_costs *c = &a->pe_costs;
    if (en) {
        const double cycle0 = c->cycle_pj, idle0 = c->idle_pj;
        if (ab_ydoc_double(d, en, "energy", "pe_cycle_pj", false, true, &c->cycle_pj) != 0)
            return -1;
        /* an overridden busy cost keeps the technology's idle fraction
         * unless pe_idle_pj is given too */
        if (ab_ydoc_get(en, "pe_cycle_pj"))
            c->idle_pj = cycle0 > 0.0 ? c->cycle_pj * (idle0 / cycle0) : 0.0;
        if (ab_ydoc_double(d, en, "energy", "pe_idle_pj", false, true, &c->idle_pj) != 0 ||
            ab_ydoc_double(d, en, "energy", "dequant_pj", false, true, &c->dequant_pj) != 0 ||
            ab_ydoc_double(d, en, "energy", "pe_leakage_mw", false, true, &c->leakage_mw) != 0)
            return -1;
        struct fy_node *sr;
        if (section(d, en, "energy", "sram", false, k_buffers_keys, &sr) != 0)
            return -1;
        for (int i = 0; sr && i < 3; i++) {
            char p[64];
            ab_ydoc_path(p, sizeof p, "energy.sram", k_buf_names[i]);
            struct fy_node *b;
            ab_sram_cfg *s = buf_of(a, i);
            if (section(d, sr, "energy.sram", k_buf_names[i], false, k_sram_keys, &b) != 0)
                return -1;
            if (b && (ab_ydoc_double(d, b, p, "read_pj_per_byte", false, true,
                                     &s->read_pj_per_byte) != 0 ||
                      ab_ydoc_double(d, b, p, "write_pj_per_byte", false, true,
                                     &s->write_pj_per_byte) != 0 ||
                      ab_ydoc_double(d, b, p, "leakage_mw", false, true, &s->leakage_mw) != 0))
                return -1;
        }
    }
    if (ar && (ab_ydoc_double(d, ar, "area", "pe_um2", false, false, &c->area_um2) != 0 ||
               ab_ydoc_double(d, ar, "area", "weight_sram_mm2", false, false,
                              &a->wbuf.area_mm2) != 0 ||
               ab_ydoc_double(d, ar, "area", "activation_sram_mm2", false, false,
                              &a->abuf.area_mm2) != 0 ||
               ab_ydoc_double(d, ar, "area", "output_sram_mm2", false, false,
                              &a->obuf.area_mm2) != 0))
        return -1;
    return load_area_source(d, ar, a);
}

static int load_tiling(const ab_ydoc *d, ab_accel *a)
{
    struct fy_node *t;
    if (section(d, d->root, "", "tiling", false, k_tiling_keys, &t) != 0)
        return -1;
    if (t && (ab_ydoc_uint(d, t, "tiling", "tm", false, false, &a->force_tm) != 0 ||
              ab_ydoc_uint(d, t, "tiling", "tn", false, false, &a->force_tn) != 0 ||
              ab_ydoc_uint(d, t, "tiling", "tk", false, false, &a->force_tk) != 0))
        return -1;
    return 0;
}

/* The deepest node on a dotted path ("buffers.weight.kb"), for the line of
 * a cross-field failure; NULL if not even the first key is there. */
static struct fy_node *node_on_path(struct fy_node *root, const char *path)
{
    struct fy_node *n = root, *found = NULL;
    const char *p = path;
    while (n && *p) {
        const char *dot = strchr(p, '.');
        const size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char key[64];
        if (len >= sizeof key)
            break;
        memcpy(key, p, len);
        key[len] = '\0';
        n = ab_ydoc_get(n, key);
        if (n)
            found = n;
        p += len + (dot ? 1 : 0);
    }
    return found;
}

/* ---- resolving a name ----------------------------------------------------- */

static int cmp_name(const void *x, const void *y)
{
    return strcmp((const char *)x, (const char *)y);
}

/* "a, b, c": the presets in <root>/configs, sorted, for an unknown name. */
static void preset_names(const char *some_preset_path, char *buf, size_t cap)
{
    char dir[AB_ACCEL_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", some_preset_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    buf[0] = '\0';
    DIR *dp = opendir(dir);
    if (!dp) {
        snprintf(buf, cap, "none: %.300s is not readable", dir);
        return;
    }
    char names[64][AB_ACCEL_NAME_MAX];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL && n < 64) {
        const size_t len = strlen(e->d_name);
        if (len <= 5 || len - 5 >= AB_ACCEL_NAME_MAX || e->d_name[0] == '.' ||
            strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        memcpy(names[n], e->d_name, len - 5);
        names[n++][len - 5] = '\0';
    }
    closedir(dp);
    qsort(names, n, sizeof names[0], cmp_name);
    size_t used = 0;
    for (size_t i = 0; i < n && used + strlen(names[i]) + 3 < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
    if (n == 0)
        snprintf(buf, cap, "none in %.300s", dir);
}

/* A preset name or a path (anything with a '/' or ending in .yaml), as
 * --model and --recipe take them. */
static int resolve(const char *arg, char *out, size_t cap, ab_error *err)
{
    if (!arg || !*arg)
        return ab_error_set(err, "no accelerator config given (a preset name or a YAML path)");
    const size_t len = strlen(arg);
    if (strchr(arg, '/') || (len > 5 && strcmp(arg + len - 5, ".yaml") == 0)) {
        if ((size_t)snprintf(out, cap, "%s", arg) >= cap)
            return ab_error_set(err, "config path too long: %.200s", arg);
        return 0;
    }
    if (ab_zoo_path("configs", arg, out, cap, err) != 0)
        return -1;
    if (access(out, R_OK) != 0) {
        char names[480];
        preset_names(out, names, sizeof names);
        return ab_error_set(err, "unknown config '%.60s' (available: %s)", arg, names);
    }
    return 0;
}

int ab_accel_load(const char *name_or_path, ab_accel *a, ab_error *err)
{
    memset(a, 0, sizeof *a);
    const size_t len = name_or_path ? strlen(name_or_path) : 0;
    if (len > 4 && strcmp(name_or_path + len - 4, ".cfg") == 0)
        return ab_accel_load_scalesim(name_or_path, a, err);
    if (resolve(name_or_path, a->file, sizeof a->file, err) != 0)
        return -1;
    ab_ydoc d;
    if (ab_ydoc_load(&d, a->file, err) != 0)
        return -1;
    int rc = -1;
    struct fy_node *root = d.root;
    if (ab_ydoc_check_keys(&d, root, "", k_top_keys) != 0 ||
        ab_ydoc_str(&d, root, "", "name", true, a->name, sizeof a->name) != 0 ||
        get_text(&d, root, "source") != 0 || get_text(&d, root, "notes") != 0 ||
        ab_ydoc_str(&d, root, "", "recipe", false, a->recipe, sizeof a->recipe) != 0 ||
        load_pe(&d, a) != 0 || load_array(&d, a) != 0 || load_convention(&d, a) != 0 ||
        load_clock_tech(&d, a) != 0 ||
        load_buffers(&d, a) != 0 || load_dram(&d, a) != 0 || load_costs(&d, a) != 0 ||
        load_tiling(&d, a) != 0)
        goto out;
    char path[96], what[384];
    if (ab_accel_check(a, path, sizeof path, what, sizeof what) != 0) {
        ab_ydoc_fail(&d, node_on_path(root, path), path, "%s", what);
        goto out;
    }
    rc = 0;
out:
    ab_ydoc_free(&d);
    return rc;
}
