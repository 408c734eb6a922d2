// test_accel.cpp - accelerator descriptions and the energy model
// (sim/accel/accel.c, sim/accel/accel_load.c, sim/accel/tech.c, sim/accel/dram.c, sim/accel/energy.c).
// Expected numbers are written here from the sources (docs/references.md, the
// BitMoD PE table, Horowitz ISSCC 2014, the DRAM standards), not from the
// code.
#include <gtest/gtest.h>

#include "test_util.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "accel/accel.h"
#include "accel/energy.h"
}

namespace {

using anybit_test::replace;

void use_source_zoo() { setenv("ANYBIT_HOME", ANYBIT_SOURCE_DIR, 1); }

const double kE28 = 28.0 / 45.0;                  // energy 45 -> 28 nm
const double kA28 = (28.0 / 45.0) * (28.0 / 45.0); // area 45 -> 28 nm

std::string write_tmp(const std::string &name, const std::string &text)
{
    const std::string path = anybit_test::tmp_dir("accel") + "/" + name + ".yaml";
    anybit_test::spit(path, text);
    return path;
}

// Lines numbered for the messages' FILE:LINE.
const char *kGood =
    "name: t\n"                                                    // 1
    "recipe: bitmod\n"                                             // 2
    "pe:\n"                                                        // 3
    "  kind: bitmod\n"                                             // 4
    "  lanes: 4\n"                                                 // 5
    "  scale_bits: 8\n"                                            // 6
    "array:\n"                                                     // 7
    "  rows: 64\n"                                                 // 8
    "  cols: 16\n"                                                 // 9
    "  dataflow: os\n"                                             // 10
    "clock_ghz: 1.0\n"                                             // 11
    "tech: 28nm\n"                                                 // 12
    "buffers:\n"                                                   // 13
    "  weight: {kb: 512, banks: 8, bank_bytes_per_cycle: 16}\n"    // 14
    "  activation: {kb: 512, banks: 8, bank_bytes_per_cycle: 16}\n" // 15
    "  output: {kb: 64, banks: 8, bank_bytes_per_cycle: 16}\n"     // 16
    "dram:\n"                                                      // 17
    "  preset: bitmod\n";                                          // 18

const char *kGoodBtc =
    "name: b\n"
    "pe:\n"
    "  kind: btc\n"
    "  tile: {m: 8, n: 8, k: 128}\n"
    "array: {rows: 8, cols: 8}\n"
    "clock_ghz: 1\n"
    "buffers:\n"
    "  weight: {kb: 512, banks: 8, bank_bytes_per_cycle: 128}\n"
    "  activation: {kb: 512, banks: 8, bank_bytes_per_cycle: 128}\n"
    "  output: {kb: 64, banks: 8}\n"
    "dram: {preset: bitmod}\n";

// The message of a failing load ("" if it loaded).
std::string load_error(const std::string &path)
{
    ab_accel a;
    ab_error err = {{0}};
    const int rc = ab_accel_load(path.c_str(), &a, &err);
    if (rc == 0)
        return "";
    EXPECT_EQ(rc, -1);
    return err.msg;
}

void expect_yaml_error(const std::string &name, const std::string &text,
                       const std::string &expected)
{
    const std::string path = write_tmp(name, text);
    const std::string e = load_error(path);
    EXPECT_NE(e.find(path), std::string::npos) << name << ": " << e;
    EXPECT_NE(e.find(expected), std::string::npos) << name << ": message: " << e;
}

ab_accel load_ok(const std::string &path_or_name)
{
    use_source_zoo();
    ab_accel a;
    ab_error err = {{0}};
    EXPECT_EQ(ab_accel_load(path_or_name.c_str(), &a, &err), 0) << err.msg;
    return a;
}

std::string validate_error(const ab_accel &a)
{
    ab_error err = {{0}};
    if (ab_accel_validate(&a, &err) == 0)
        return "";
    return err.msg;
}

void expect_same_sram(const ab_sram_cfg &x, const ab_sram_cfg &y, const std::string &what)
{
    EXPECT_EQ(x.bytes, y.bytes) << what;
    EXPECT_EQ(x.banks, y.banks) << what;
    EXPECT_EQ(x.bank_bytes_per_cycle, y.bank_bytes_per_cycle) << what;
    EXPECT_DOUBLE_EQ(x.read_pj_per_byte, y.read_pj_per_byte) << what;
    EXPECT_DOUBLE_EQ(x.write_pj_per_byte, y.write_pj_per_byte) << what;
    EXPECT_DOUBLE_EQ(x.area_mm2, y.area_mm2) << what;
    EXPECT_DOUBLE_EQ(x.leakage_mw, y.leakage_mw) << what;
}

ab_pe_costs pe_costs(const char *tech, ab_pe_kind k)
{
    ab_accel a;
    ab_accel_default(k, &a);
    ab_pe_costs c;
    ab_error err = {{0}};
    EXPECT_EQ(ab_tech_pe_costs(tech, k, &a, &c, &err), 0) << err.msg;
    return c;
}

ab_sram_cfg sram(const char *tech, uint64_t bytes, uint32_t banks)
{
    ab_sram_cfg s = {};
    s.bytes = bytes;
    s.banks = banks;
    s.bank_bytes_per_cycle = 8;
    ab_error err = {{0}};
    EXPECT_EQ(ab_tech_sram_costs(tech, &s, &err), 0) << err.msg;
    return s;
}

} // namespace

// ---- presets -----------------------------------------------------------------

TEST(AccelPresets, EveryConfigLoadsAndValidates)
{
    use_source_zoo();
    size_t n = 0;
    for (const auto &e : std::filesystem::directory_iterator(std::string(ANYBIT_SOURCE_DIR) +
                                                            "/configs")) {
        if (e.path().extension() != ".yaml")
            continue;
        n++;
        const ab_accel a = load_ok(e.path().string());
        EXPECT_EQ(validate_error(a), "") << e.path();
        EXPECT_EQ(std::string(a.name), e.path().stem().string()) << e.path();
        EXPECT_NE(std::string(a.recipe), "") << e.path();
        EXPECT_TRUE(anybit_test::exists(std::string(ANYBIT_SOURCE_DIR) + "/recipes/" +
                                        a.recipe + ".yaml"))
            << e.path() << " names recipe " << a.recipe;
    }
    EXPECT_GE(n, 6u);
}

// configs/<kind>.yaml and ab_accel_default(kind) are the same accelerator.
TEST(AccelPresets, YamlEqualsBuiltInDefault)
{
    for (int k = 0; k < AB_PE_KIND_COUNT; k++) {
        const ab_pe_kind kind = (ab_pe_kind)k;
        const std::string name = ab_pe_kind_name(kind);
        const ab_accel y = load_ok(name); // by preset name
        ab_accel d;
        ab_accel_default(kind, &d);
        EXPECT_EQ(validate_error(d), "") << name;
        EXPECT_NE(std::string(y.file).find("/configs/" + name + ".yaml"), std::string::npos);
        EXPECT_STREQ(y.name, d.name);
        EXPECT_STREQ(y.recipe, d.recipe) << name;
        EXPECT_EQ(y.pe, kind);
        EXPECT_EQ(y.rows, d.rows) << name;
        EXPECT_EQ(y.cols, d.cols) << name;
        EXPECT_EQ(y.lanes, d.lanes) << name;
        EXPECT_EQ(y.tile_m, d.tile_m) << name;
        EXPECT_EQ(y.tile_n, d.tile_n) << name;
        EXPECT_EQ(y.tile_k, d.tile_k) << name;
        EXPECT_EQ(y.scale_bits, d.scale_bits) << name;
        EXPECT_EQ(y.bitmod_rtl_literal_align, d.bitmod_rtl_literal_align) << name;
        EXPECT_EQ(y.dataflow, d.dataflow) << name;
        EXPECT_DOUBLE_EQ(y.clock_ghz, d.clock_ghz) << name;
        EXPECT_STREQ(y.tech, d.tech) << name;
        expect_same_sram(y.wbuf, d.wbuf, name + " weight");
        expect_same_sram(y.abuf, d.abuf, name + " activation");
        expect_same_sram(y.obuf, d.obuf, name + " output");
        EXPECT_STREQ(y.dram.preset, d.dram.preset) << name;
        EXPECT_DOUBLE_EQ(y.dram.bytes_per_cycle, d.dram.bytes_per_cycle) << name;
        EXPECT_EQ(y.dram.latency_cycles, d.dram.latency_cycles) << name;
        EXPECT_DOUBLE_EQ(y.dram.pj_per_bit, d.dram.pj_per_bit) << name;
        EXPECT_DOUBLE_EQ(y.pe_costs.cycle_pj, d.pe_costs.cycle_pj) << name;
        EXPECT_DOUBLE_EQ(y.pe_costs.idle_pj, d.pe_costs.idle_pj) << name;
        EXPECT_DOUBLE_EQ(y.pe_costs.dequant_pj, d.pe_costs.dequant_pj) << name;
        EXPECT_DOUBLE_EQ(y.pe_costs.area_um2, d.pe_costs.area_um2) << name;
        EXPECT_DOUBLE_EQ(y.pe_costs.leakage_mw, d.pe_costs.leakage_mw) << name;
        EXPECT_EQ(y.force_tm + y.force_tn + y.force_tk, 0u) << name;
    }
}

// The published evaluation setup (docs/references.md#bitmod-evaluation-setup).
TEST(AccelPresets, PublishedDesignPoints)
{
    struct Want {
        const char *name;
        uint32_t rows, cols;
    };
    for (const Want &w : {Want{"bitmod", 64, 16}, Want{"fp16", 64, 12}, Want{"ant", 64, 16},
                          Want{"olive", 72, 16}}) {
        const ab_accel a = load_ok(w.name);
        EXPECT_EQ(a.rows, w.rows) << w.name;
        EXPECT_EQ(a.cols, w.cols) << w.name;
        EXPECT_DOUBLE_EQ(a.clock_ghz, 1.0) << w.name;
        EXPECT_EQ(a.wbuf.bytes, 512u * 1024u) << w.name;
        EXPECT_EQ(a.abuf.bytes, 512u * 1024u) << w.name;
        EXPECT_EQ(a.wbuf.banks, 8u) << w.name;
        EXPECT_EQ(a.abuf.banks, 8u) << w.name;
        EXPECT_DOUBLE_EQ(a.dram.bytes_per_cycle, 256.0 / 8.0) << w.name;
        EXPECT_DOUBLE_EQ(a.dram.pj_per_bit * 64.0, 1200.0) << w.name;
    }
    const ab_accel b = load_ok("bitmod");
    EXPECT_EQ(b.lanes, 4u);
    EXPECT_EQ(b.scale_bits, 8u);
    EXPECT_EQ(b.dataflow, AB_DF_OS);
    const ab_accel t = load_ok("btc");
    EXPECT_EQ(t.tile_m, 8u);
    EXPECT_EQ(t.tile_n, 8u);
    EXPECT_EQ(t.tile_k, 128u);
    EXPECT_EQ(t.lanes, 128u);
}

TEST(AccelPresets, UnknownNameListsAvailable)
{
    use_source_zoo();
    ab_accel a;
    ab_error err = {{0}};
    EXPECT_EQ(ab_accel_load("tpu-v9", &a, &err), -1);
    const std::string e = err.msg;
    EXPECT_NE(e.find("unknown config 'tpu-v9'"), std::string::npos) << e;
    EXPECT_NE(e.find("(available: ant, bitmod, btc, fp16, icebreaker, int8, olive"), std::string::npos) << e;
    EXPECT_EQ(ab_accel_load("/nonexistent/x.yaml", &a, &err), -1);
    EXPECT_NE(std::string(err.msg).find("/nonexistent/x.yaml"), std::string::npos) << err.msg;
}

TEST(AccelNames, KindsAndDataflows)
{
    const char *names[] = {"bitmod", "btc", "fp16", "int8", "ant", "olive"};
    for (int k = 0; k < AB_PE_KIND_COUNT; k++) {
        EXPECT_STREQ(ab_pe_kind_name((ab_pe_kind)k), names[k]);
        ab_pe_kind p = AB_PE_KIND_COUNT;
        EXPECT_EQ(ab_pe_kind_parse(names[k], &p), 0);
        EXPECT_EQ(p, (ab_pe_kind)k);
    }
    ab_pe_kind p;
    EXPECT_EQ(ab_pe_kind_parse("BitMoD", &p), -1);
    EXPECT_EQ(ab_pe_kind_parse("", &p), -1);
    EXPECT_STREQ(ab_dataflow_name(AB_DF_OS), "os");
    EXPECT_STREQ(ab_dataflow_name(AB_DF_WS), "ws");
}

// ---- YAML errors -------------------------------------------------------------

TEST(AccelYaml, GoodFilesLoad)
{
    const ab_accel a = load_ok(write_tmp("good", kGood));
    EXPECT_STREQ(a.name, "t");
    EXPECT_EQ(a.rows, 64u);
    const ab_accel b = load_ok(write_tmp("goodbtc", kGoodBtc));
    EXPECT_EQ(b.pe, AB_PE_BTC);
    EXPECT_EQ(b.obuf.banks, 8u);
    EXPECT_EQ(b.obuf.bank_bytes_per_cycle, 8u); // documented default
    EXPECT_STREQ(b.tech, "28nm");                // documented default
    EXPECT_EQ(b.dataflow, AB_DF_OS);             // documented default
}

TEST(AccelYaml, BadFieldsNameFileFieldAndLine)
{
    const std::string g = kGood;
    expect_yaml_error("unknown", g + "colour: red\n", ":19: colour: unknown field");
    expect_yaml_error("nested", replace(g, "banks: 8, bank", "bank: 8, bank"),
                      ":14: buffers.weight.bank: unknown field");
    expect_yaml_error("rows0", replace(g, "rows: 64", "rows: 0"),
                      ":8: array.rows: expected a positive integer, found \"0\"");
    expect_yaml_error("rowsneg", replace(g, "rows: 64", "rows: -64"),
                      ":8: array.rows: expected a positive integer, found \"-64\"");
    expect_yaml_error("rowsseq", replace(g, "rows: 64", "rows: [64]"),
                      "array.rows: expected a positive integer, found a sequence");
    expect_yaml_error("rowsbig", replace(g, "rows: 64", "rows: 100000"),
                      ":8: array.rows: expected at most 65536, found 100000");
    // past any memory, and past the DMA's 64-bit rate (fuzz_scalesim_cfg
    // found it through a .cfg; YAML had the same hole)
    expect_yaml_error("dramhuge",
                      replace(g, "  preset: bitmod\n",
                              "  preset: custom\n  bytes_per_cycle: 1e30\n  latency_cycles: 1\n"
                              "  pj_per_bit: 1\n"),
                      "dram.bytes_per_cycle: expected at most 1e+12 bytes per cycle, found 1e+30");
    expect_yaml_error("kind", replace(g, "kind: bitmod", "kind: tpu"),
                      ":4: pe.kind: expected bitmod, btc, fp16, int8, ant or olive, found \"tpu\"");
    expect_yaml_error("nokind", replace(g, "  kind: bitmod\n", ""),
                      "pe.kind: missing required field");
    expect_yaml_error("dataflow", replace(g, "dataflow: os", "dataflow: rs"),
                      ":10: array.dataflow: expected os, ws, os_systolic, ws_systolic or is_systolic, found \"rs\"");
    expect_yaml_error("bitmodws", replace(g, "dataflow: os", "dataflow: ws"),
                      ":10: array.dataflow: expected os for a bitmod PE");
    expect_yaml_error("tech", replace(g, "tech: 28nm", "tech: 7nm"),
                      ":12: tech: expected 28nm or 45nm, found \"7nm\"");
    expect_yaml_error("clock0", replace(g, "clock_ghz: 1.0", "clock_ghz: 0"),
                      ":11: clock_ghz: expected a positive number, found \"0\"");
    expect_yaml_error("clockword", replace(g, "clock_ghz: 1.0", "clock_ghz: fast"),
                      "clock_ghz: expected a positive number, found \"fast\"");
    expect_yaml_error("clocknan", replace(g, "clock_ghz: 1.0", "clock_ghz: .nan"),
                      "clock_ghz: expected a positive number");
    expect_yaml_error("clockbig", replace(g, "clock_ghz: 1.0", "clock_ghz: 500"),
                      "clock_ghz: expected a clock in GHz, at most 100, found 500");
    expect_yaml_error("noclock", replace(g, "clock_ghz: 1.0\n", ""),
                      "clock_ghz: missing required field");
    expect_yaml_error("lanes", replace(g, "lanes: 4", "lanes: 3"),
                      ":5: pe.lanes: expected 1, 2, 4, 8 or 16 for a bitmod PE");
    expect_yaml_error("lanes32", replace(g, "lanes: 4", "lanes: 32"),
                      ":5: pe.lanes: expected 1, 2, 4, 8 or 16 for a bitmod PE");
    expect_yaml_error("scale17", replace(g, "scale_bits: 8", "scale_bits: 17"),
                      ":6: pe.scale_bits: expected 1 to 16");
    expect_yaml_error("scale0", replace(g, "scale_bits: 8", "scale_bits: 0"),
                      ":6: pe.scale_bits: expected a positive integer, found \"0\"");
    expect_yaml_error("kb0", replace(g, "weight: {kb: 512", "weight: {kb: 0"),
                      ":14: buffers.weight.kb: expected a positive integer, found \"0\"");
    expect_yaml_error("banks3", replace(g, "output: {kb: 64, banks: 8", "output: {kb: 64, banks: 3"),
                      ":16: buffers.output.banks: expected a divisor of the capacity (65536 bytes");
    expect_yaml_error("port", replace(g, "16}\n  activation", "x}\n  activation"),
                      ":14: buffers.weight.bank_bytes_per_cycle: expected a positive integer");
    // 512 rows x 4 lanes x 1 byte = 2048 bytes per half > 1 KB / 2
    expect_yaml_error("small", replace(replace(g, "rows: 64", "rows: 512"), "weight: {kb: 512",
                                       "weight: {kb: 1"),
                      ":14: buffers.weight.kb: expected room for 2 x 2048 bytes");
    expect_yaml_error("nooutput", replace(g, "  output: {kb: 64, banks: 8, bank_bytes_per_cycle: 16}\n", ""),
                      "buffers.output: missing required field");
    expect_yaml_error("preset", replace(g, "preset: bitmod", "preset: ddr9"),
                      ":18: dram.preset: expected custom, ddr4-3200, lpddr4, lpddr5, hbm2 or "
                      "bitmod, found \"ddr9\"");
    expect_yaml_error("custom", replace(g, "preset: bitmod", "pj_per_bit: 10"),
                      "dram.bytes_per_cycle: missing required field");
    expect_yaml_error("dramneg", g + "  bytes_per_cycle: -4\n",
                      ":19: dram.bytes_per_cycle: expected a positive number, found \"-4\"");
    expect_yaml_error("energy", g + "energy: {pe_cycle_pj: -1}\n",
                      ":19: energy.pe_cycle_pj: expected a non-negative number, found \"-1\"");
    expect_yaml_error("sramenergy",
                      g + "energy:\n  sram:\n    weight: {read_pj_per_byte: lots}\n",
                      ":21: energy.sram.weight.read_pj_per_byte: expected a non-negative number");
    expect_yaml_error("sramkey", g + "energy:\n  sram:\n    weights: {read_pj_per_byte: 1}\n",
                      ":21: energy.sram.weights: unknown field");
    expect_yaml_error("area", g + "area: {pe_um2: 0}\n",
                      ":19: area.pe_um2: expected a positive number, found \"0\"");
    expect_yaml_error("tiling", g + "tiling: {tm: 0}\n",
                      ":19: tiling.tm: expected a positive integer, found \"0\"");
    expect_yaml_error("noname", replace(g, "name: t\n", ""), "name: missing required field");
    expect_yaml_error("notes", g + "notes: [a, b]\n", ":19: notes: expected a string");
    expect_yaml_error("syntax", g + "array: [unclosed\n", "invalid YAML");
    expect_yaml_error("top", "- 1\n", "expected a mapping of fields at the top level");
}

TEST(AccelYaml, KindSpecificFields)
{
    const std::string g = kGood, b = kGoodBtc;
    expect_yaml_error("btck", replace(b, "k: 128", "k: 100"),
                      ":4: pe.tile.k: expected a multiple of 64");
    expect_yaml_error("btcm0", replace(b, "m: 8", "m: 0"),
                      ":4: pe.tile.m: expected a positive integer, found \"0\"");
    expect_yaml_error("btclanes", replace(b, "  tile:", "  lanes: 4\n  tile:"),
                      ":4: pe.lanes: expected no lanes for a btc PE");
    expect_yaml_error("btcscale", replace(b, "  tile:", "  scale_bits: 8\n  tile:"),
                      "pe.scale_bits: expected no scale_bits for this PE kind");
    const std::string fp = replace(replace(g, "kind: bitmod", "kind: fp16"), "lanes: 4", "lanes: 1");
    expect_yaml_error("fpscale", fp, ":6: pe.scale_bits: expected no scale_bits for this PE kind");
    const std::string fp_ok = replace(fp, "  scale_bits: 8\n", "");
    EXPECT_EQ(load_error(write_tmp("fp_ok", fp_ok)), "");
    expect_yaml_error("fplanes", replace(fp_ok, "lanes: 1", "lanes: 2"),
                      ":5: pe.lanes: expected 1 for an fp16 PE");
    expect_yaml_error("fptile", replace(fp_ok, "  lanes: 1\n", "  tile: {m: 1}\n"),
                      ":5: pe.tile: expected no tile for this PE kind");
    expect_yaml_error("fpalign", replace(fp_ok, "  lanes: 1\n", "  rtl_literal_align: true\n"),
                      ":5: pe.rtl_literal_align: expected no rtl_literal_align");
    // weight-stationary is fine for a MAC PE
    EXPECT_EQ(load_error(write_tmp("fp_ws", replace(fp_ok, "dataflow: os", "dataflow: ws"))), "");
    // btc: 8 x 8 units x 16 bytes (k 128 bits) = 1024 bytes per half > 1 KB / 2
    expect_yaml_error("btcsmall", replace(b, "weight: {kb: 512", "weight: {kb: 1"),
                      "buffers.weight.kb: expected room for 2 x 1024 bytes");
}

// Preset values are defaults; every field of the energy:, area: and dram:
// sections overrides them one by one.
TEST(AccelYaml, Overrides)
{
    const std::string g = kGood;
    const ab_accel base = load_ok(write_tmp("ov_base", g));
    const ab_accel a = load_ok(write_tmp(
        "ov", g + "  latency_cycles: 100\n"
                  "energy:\n  pe_cycle_pj: 2.0\n  dequant_pj: 0.5\n  pe_leakage_mw: 0.01\n"
                  "  sram:\n    output: {read_pj_per_byte: 3, leakage_mw: 0}\n"
                  "area: {pe_um2: 1000, weight_sram_mm2: 0.5}\n"
                  "tiling: {tm: 16, tk: 256}\n"));
    EXPECT_EQ(a.dram.latency_cycles, 100u);
    EXPECT_DOUBLE_EQ(a.dram.bytes_per_cycle, 32.0); // the preset's, not overridden
    EXPECT_DOUBLE_EQ(a.pe_costs.cycle_pj, 2.0);
    // an overridden busy cost keeps the 10% idle fraction
    EXPECT_DOUBLE_EQ(a.pe_costs.idle_pj, 0.2);
    EXPECT_DOUBLE_EQ(a.pe_costs.dequant_pj, 0.5);
    EXPECT_DOUBLE_EQ(a.pe_costs.leakage_mw, 0.01);
    EXPECT_DOUBLE_EQ(a.obuf.read_pj_per_byte, 3.0);
    EXPECT_DOUBLE_EQ(a.obuf.write_pj_per_byte, base.obuf.write_pj_per_byte);
    EXPECT_DOUBLE_EQ(a.obuf.leakage_mw, 0.0);
    EXPECT_DOUBLE_EQ(a.wbuf.read_pj_per_byte, base.wbuf.read_pj_per_byte);
    EXPECT_DOUBLE_EQ(a.pe_costs.area_um2, 1000.0);
    EXPECT_DOUBLE_EQ(a.wbuf.area_mm2, 0.5);
    EXPECT_DOUBLE_EQ(a.abuf.area_mm2, base.abuf.area_mm2);
    EXPECT_EQ(a.force_tm, 16u);
    EXPECT_EQ(a.force_tn, 0u);
    EXPECT_EQ(a.force_tk, 256u);
    const ab_accel idle = load_ok(
        write_tmp("ov_idle", g + "energy: {pe_cycle_pj: 2.0, pe_idle_pj: 0}\n"));
    EXPECT_DOUBLE_EQ(idle.pe_costs.idle_pj, 0.0);
    // a custom DRAM: bandwidth and energy given, latency defaults to 0
    const ab_accel c = load_ok(write_tmp(
        "ov_custom", replace(g, "preset: bitmod", "bytes_per_cycle: 12.5\n  pj_per_bit: 7")));
    EXPECT_STREQ(c.dram.preset, "custom");
    EXPECT_DOUBLE_EQ(c.dram.bytes_per_cycle, 12.5);
    EXPECT_DOUBLE_EQ(c.dram.pj_per_bit, 7.0);
    EXPECT_EQ(c.dram.latency_cycles, 0u);
    // the preset's bandwidth follows the config's clock
    const ab_accel h = load_ok(write_tmp(
        "ov_hbm", replace(replace(g, "preset: bitmod", "preset: hbm2"), "clock_ghz: 1.0",
                          "clock_ghz: 2")));
    EXPECT_DOUBLE_EQ(h.dram.bytes_per_cycle, 128.0);
    EXPECT_EQ(h.dram.latency_cycles, 88u);
    // tech: 45nm changes the PE and SRAM costs
    const ab_accel n45 = load_ok(write_tmp("ov_45", replace(g, "tech: 28nm", "tech: 45nm")));
    EXPECT_NEAR(n45.pe_costs.cycle_pj, base.pe_costs.cycle_pj * 45.0 / 28.0, 1e-12);
    EXPECT_NEAR(n45.wbuf.read_pj_per_byte, base.wbuf.read_pj_per_byte * 45.0 / 28.0, 1e-12);
}

// ---- programmatic validation ------------------------------------------------------

TEST(AccelValidate, NamesTheField)
{
    ab_accel d;
    ab_accel_default(AB_PE_BITMOD, &d);
    ASSERT_EQ(validate_error(d), "");

    ab_accel a = d;
    a.rows = 0;
    EXPECT_EQ(validate_error(a), "<config>: array.rows: expected a positive integer, found 0");
    snprintf(a.file, sizeof a.file, "my.yaml");
    EXPECT_EQ(validate_error(a), "my.yaml: array.rows: expected a positive integer, found 0");

    a = d;
    a.cols = 70000;
    EXPECT_NE(validate_error(a).find("array.cols: expected at most 65536, found 70000"),
              std::string::npos);
    a = d;
    a.dataflow = AB_DF_WS;
    EXPECT_NE(validate_error(a).find("array.dataflow: expected os for a bitmod PE"),
              std::string::npos);
    a = d;
    a.lanes = 6;
    EXPECT_NE(validate_error(a).find("pe.lanes: expected 1, 2, 4, 8 or 16"), std::string::npos);
    for (uint32_t lanes : {1u, 2u, 8u, 16u}) {
        a.lanes = lanes;
        a.tile_k = lanes;
        ab_error e{};
        EXPECT_EQ(ab_accel_validate(&a, &e), 0) << lanes << " lanes: " << e.msg;
    }
    a = d;
    a.scale_bits = 0;
    EXPECT_NE(validate_error(a).find("pe.scale_bits: expected 1 to 16"), std::string::npos);
    a = d;
    a.clock_ghz = 0.0;
    EXPECT_NE(validate_error(a).find("clock_ghz: expected a clock in GHz"), std::string::npos);
    a = d;
    snprintf(a.tech, sizeof a.tech, "7nm");
    EXPECT_NE(validate_error(a).find("tech: expected 28nm or 45nm, found \"7nm\""),
              std::string::npos);
    a = d;
    a.abuf.banks = 0;
    EXPECT_NE(validate_error(a).find("buffers.activation.banks: expected a positive integer"),
              std::string::npos);
    a = d;
    a.obuf.bytes = 1001; // not a multiple of 8 banks
    EXPECT_NE(validate_error(a).find("buffers.output.banks: expected a divisor"),
              std::string::npos);
    a = d;
    a.wbuf.read_pj_per_byte = -1.0;
    EXPECT_NE(validate_error(a).find("energy.sram.weight.read_pj_per_byte: expected a "
                                     "non-negative number, found -1"),
              std::string::npos);
    a = d;
    a.pe_costs.idle_pj = NAN;
    EXPECT_NE(validate_error(a).find("energy.pe_idle_pj"), std::string::npos);
    a = d;
    a.dram.bytes_per_cycle = 0.0;
    EXPECT_NE(validate_error(a).find("dram.bytes_per_cycle: expected a positive number"),
              std::string::npos);
    a = d;
    snprintf(a.dram.preset, sizeof a.dram.preset, "sdram");
    EXPECT_NE(validate_error(a).find("dram.preset: expected custom, ddr4-3200"),
              std::string::npos);
    a = d;
    a.name[0] = '\0';
    EXPECT_NE(validate_error(a).find("name: expected a non-empty string"), std::string::npos);

    ab_accel t;
    ab_accel_default(AB_PE_BTC, &t);
    ASSERT_EQ(validate_error(t), "");
    a = t;
    a.tile_k = a.lanes = 96;
    EXPECT_NE(validate_error(a).find("pe.tile.k: expected a multiple of 64 (K bits"),
              std::string::npos);
    a = t;
    a.lanes = 4;
    EXPECT_NE(validate_error(a).find("pe.lanes: expected 128 for a btc PE"), std::string::npos);
    a = t;
    a.tile_n = 0;
    EXPECT_NE(validate_error(a).find("pe.tile.n: expected a positive integer"),
              std::string::npos);

    ab_accel f;
    ab_accel_default(AB_PE_FP16, &f);
    f.dataflow = AB_DF_WS; // allowed for a MAC PE
    EXPECT_EQ(validate_error(f), "");
    f.lanes = 4;
    EXPECT_NE(validate_error(f).find("pe.lanes: expected 1 for an fp16 PE"), std::string::npos);
}

TEST(AccelArea, PesTimesUnitPlusSrams)
{
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    const double bitcell = 0.127, eff = 0.7; // TSMC 28 nm HD cell, array efficiency
    const double sram_mm2 = (2.0 * 512 * 1024 + 64 * 1024) * 8 * bitcell / eff * 1e-6;
    const double pe_mm2 = 1793.7 * 1.5 * 64 * 16 * 1e-6;
    EXPECT_NEAR(ab_accel_area_mm2(&a), pe_mm2 + sram_mm2, 1e-9);
    a.rows *= 2;
    EXPECT_NEAR(ab_accel_area_mm2(&a), 2 * pe_mm2 + sram_mm2, 1e-9);
}

// ---- PE costs -------------------------------------------------------------------

TEST(EnergyPe, BitmodTableAt28nm)
{
    const ab_pe_costs c = pe_costs("28nm", AB_PE_BITMOD);
    EXPECT_DOUBLE_EQ(c.cycle_pj, (0.136 + 0.185 + 0.195) * 1.5);
    EXPECT_DOUBLE_EQ(c.dequant_pj, 0.070 * 1.5);
    EXPECT_DOUBLE_EQ(c.area_um2, 1793.7 * 1.5);
    EXPECT_DOUBLE_EQ(c.idle_pj, 0.1 * c.cycle_pj);
    EXPECT_DOUBLE_EQ(c.leakage_mw, 0.0);
}

TEST(EnergyPe, BaselinesAt28nm)
{
    const ab_pe_costs fp = pe_costs("28nm", AB_PE_FP16);
    EXPECT_DOUBLE_EQ(fp.cycle_pj, 0.77 * 1.5);
    EXPECT_DOUBLE_EQ(fp.area_um2, 1968.7 * 1.5);
    EXPECT_DOUBLE_EQ(fp.dequant_pj, 0.0);
    const ab_pe_costs ant = pe_costs("28nm", AB_PE_ANT);
    EXPECT_DOUBLE_EQ(ant.cycle_pj, 0.613 * 1.5);
    EXPECT_DOUBLE_EQ(ant.area_um2, 1318.6 * 1.5);
    // OliVe: the FMA plus one 8-bit add (Horowitz 0.03 pJ, 36 um^2 at 45 nm)
    const ab_pe_costs ol = pe_costs("28nm", AB_PE_OLIVE);
    EXPECT_DOUBLE_EQ(ol.cycle_pj, (0.613 + 0.03 * kE28) * 1.5);
    EXPECT_DOUBLE_EQ(ol.area_um2, (1318.6 + 36.0 * kA28) * 1.5);
    // INT8 MAC: 8-bit multiply + 32-bit add (Horowitz, 45 nm) moved to 28 nm
    const ab_pe_costs i8 = pe_costs("28nm", AB_PE_INT8);
    EXPECT_DOUBLE_EQ(i8.cycle_pj, (0.2 + 0.1) * kE28 * 1.5);
    EXPECT_DOUBLE_EQ(i8.area_um2, (282.0 + 137.0) * kA28 * 1.5);
    EXPECT_LT(i8.cycle_pj, fp.cycle_pj);
}

TEST(EnergyPe, HorowitzDirectlyAt45nm)
{
    const ab_pe_costs i8 = pe_costs("45nm", AB_PE_INT8);
    EXPECT_DOUBLE_EQ(i8.cycle_pj, 0.3 * 1.5);
    EXPECT_DOUBLE_EQ(i8.area_um2, 419.0 * 1.5);
    // m8n8k128: 8192 bit products at one full-adder bit (0.03 pJ / 8, 36 um^2 / 8)
    // plus 64 32-bit accumulate adds (0.1 pJ, 137 um^2)
    const ab_pe_costs b = pe_costs("45nm", AB_PE_BTC);
    EXPECT_DOUBLE_EQ(b.cycle_pj, (8192 * 0.03 / 8 + 64 * 0.1) * 1.5);
    EXPECT_DOUBLE_EQ(b.area_um2, (8192 * 36.0 / 8 + 64 * 137.0) * 1.5);
    EXPECT_NEAR(b.cycle_pj, 55.68, 1e-9);
    // 28 nm table values moved up to 45 nm the same way
    const ab_pe_costs bm = pe_costs("45nm", AB_PE_BITMOD);
    EXPECT_NEAR(bm.cycle_pj, (0.136 + 0.185 + 0.195) / kE28 * 1.5, 1e-12);
    EXPECT_NEAR(bm.area_um2, 1793.7 / kA28 * 1.5, 1e-9);
}

TEST(EnergyPe, BtcScalesWithTheTileAndUnknownTechFails)
{
    ab_accel a;
    ab_accel_default(AB_PE_BTC, &a);
    ab_pe_costs c1, c2;
    ab_error err = {{0}};
    ASSERT_EQ(ab_tech_pe_costs("45nm", AB_PE_BTC, &a, &c1, &err), 0);
    a.tile_k = 256;
    ASSERT_EQ(ab_tech_pe_costs("45nm", AB_PE_BTC, &a, &c2, &err), 0);
    EXPECT_NEAR(c2.cycle_pj - c1.cycle_pj, 8192 * 0.03 / 8 * 1.5, 1e-9);
    EXPECT_EQ(ab_tech_pe_costs("7nm", AB_PE_BITMOD, &a, &c1, &err), -1);
    EXPECT_NE(std::string(err.msg).find("tech: expected 28nm or 45nm"), std::string::npos);
    EXPECT_EQ(ab_tech_check("28nm", &err), 0);
    EXPECT_EQ(ab_tech_check("45nm", &err), 0);
    EXPECT_EQ(ab_tech_check("28", &err), -1);
}

// ---- SRAM -------------------------------------------------------------------------

TEST(EnergySram, HorowitzAnchorsExactlyAt45nm)
{
    EXPECT_DOUBLE_EQ(sram("45nm", 8 * 1024, 1).read_pj_per_byte, 10.0 / 8);
    EXPECT_DOUBLE_EQ(sram("45nm", 32 * 1024, 1).read_pj_per_byte, 20.0 / 8);
    EXPECT_DOUBLE_EQ(sram("45nm", 1024 * 1024, 1).read_pj_per_byte, 100.0 / 8);
    // between anchors: a straight line in log-log (8 KB -> 32 KB: slope 1/2)
    EXPECT_NEAR(sram("45nm", 16 * 1024, 1).read_pj_per_byte, 10.0 * std::sqrt(2.0) / 8, 1e-12);
    // beyond 1 MB: the last segment's slope, log 5 / log 32
    const double s = std::log(5.0) / std::log(32.0);
    EXPECT_NEAR(sram("45nm", 4u << 20, 1).read_pj_per_byte, 100.0 * std::pow(4.0, s) / 8, 1e-9);
    // below 8 KB: the first segment's slope
    EXPECT_NEAR(sram("45nm", 2 * 1024, 1).read_pj_per_byte, 10.0 * std::pow(0.25, 0.5) / 8,
                1e-12);
    // 28 nm: energy linear in the feature size
    EXPECT_DOUBLE_EQ(sram("28nm", 32 * 1024, 1).read_pj_per_byte, 2.5 * kE28);
    const ab_sram_cfg w = sram("28nm", 64 * 1024, 1);
    EXPECT_DOUBLE_EQ(w.write_pj_per_byte, w.read_pj_per_byte);
}

TEST(EnergySram, GrowsWithCapacityAndBanksReadOneBank)
{
    double prev = 0.0, prev_area = 0.0;
    for (uint64_t kb = 1; kb <= 64 * 1024; kb *= 2) {
        const ab_sram_cfg s = sram("28nm", kb * 1024, 1);
        EXPECT_GT(s.read_pj_per_byte, prev) << kb << " KB";
        EXPECT_GT(s.area_mm2, prev_area) << kb << " KB";
        prev = s.read_pj_per_byte;
        prev_area = s.area_mm2;
    }
    // a 512 KB SRAM of 8 banks reads like a 64 KB array
    EXPECT_DOUBLE_EQ(sram("28nm", 512 * 1024, 8).read_pj_per_byte,
                     sram("28nm", 64 * 1024, 1).read_pj_per_byte);
    // area: bits x 0.127 um^2 / 0.7 at 28 nm, quadratic scaling to 45 nm
    EXPECT_NEAR(sram("28nm", 512 * 1024, 8).area_mm2, 512.0 * 1024 * 8 * 0.127 / 0.7 * 1e-6,
                1e-12);
    EXPECT_NEAR(sram("45nm", 512 * 1024, 8).area_mm2,
                512.0 * 1024 * 8 * 0.127 / kA28 / 0.7 * 1e-6, 1e-12);
    // leakage: 10 mW per MiB (documented assumption)
    EXPECT_DOUBLE_EQ(sram("28nm", 512 * 1024, 8).leakage_mw, 5.0);
    ab_sram_cfg bad = {};
    bad.bytes = 4;
    bad.banks = 8;
    ab_error err = {{0}};
    EXPECT_EQ(ab_tech_sram_costs("28nm", &bad, &err), -1);
}

// ---- DRAM -------------------------------------------------------------------------

TEST(EnergyDram, PresetsFollowBandwidthOverClock)
{
    struct Std {
        const char *name;
        double gb_per_s;
    };
    for (const Std &s : {Std{"ddr4-3200", 25.6}, Std{"lpddr4", 34.1}, Std{"lpddr5", 51.2},
                         Std{"hbm2", 1024 * 2.0 / 8}}) {
        for (double ghz : {0.5, 1.0, 2.0}) {
            ab_dram_cfg d;
            ab_error err = {{0}};
            ASSERT_EQ(ab_dram_preset(s.name, ghz, &d, &err), 0) << err.msg;
            EXPECT_DOUBLE_EQ(d.bytes_per_cycle, s.gb_per_s / ghz) << s.name << " @" << ghz;
            EXPECT_STREQ(d.preset, s.name);
            EXPECT_GT(d.latency_cycles, 0u) << s.name;
            EXPECT_GT(d.pj_per_bit, 0.0) << s.name;
        }
    }
    ab_dram_cfg d1, d2;
    ASSERT_EQ(ab_dram_preset("ddr4-3200", 1.0, &d1, nullptr), 0);
    ASSERT_EQ(ab_dram_preset("ddr4-3200", 2.0, &d2, nullptr), 0);
    EXPECT_EQ(d1.latency_cycles, 44u); // 43.75 ns (tRP + tRCD + tCL + burst)
    EXPECT_EQ(d2.latency_cycles, 88u);
    EXPECT_DOUBLE_EQ(d1.pj_per_bit, 1300.0 / 64); // Horowitz 1.3 nJ per 64 bits
    ASSERT_EQ(ab_dram_preset("hbm2", 1.0, &d1, nullptr), 0);
    EXPECT_DOUBLE_EQ(d1.pj_per_bit, 3.97); // O'Connor et al. MICRO 2017
    // BitMoD's DRAM: 256 bits per cycle at any clock, 1200 pJ per 64 bits
    for (double ghz : {0.5, 1.0, 3.0}) {
        ASSERT_EQ(ab_dram_preset("bitmod", ghz, &d1, nullptr), 0);
        EXPECT_DOUBLE_EQ(d1.bytes_per_cycle, 32.0);
        EXPECT_DOUBLE_EQ(d1.pj_per_bit, 18.75);
    }
    ab_error err = {{0}};
    EXPECT_EQ(ab_dram_preset("ddr3", 1.0, &d1, &err), -1);
    EXPECT_NE(std::string(err.msg).find("expected one of ddr4-3200"), std::string::npos);
    EXPECT_EQ(ab_dram_preset("hbm2", 0.0, &d1, &err), -1);
}

// ---- the energy sum ------------------------------------------------------------------

TEST(EnergyCompute, PartsAndTheirSum)
{
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    a.clock_ghz = 2.0;
    a.pe_costs.leakage_mw = 0.001;
    ab_energy_events ev = {};
    ev.cycles = 3000;
    ev.pe_busy_cycles = 1000000;
    ev.pe_idle_cycles = 50000;
    ev.dequant_cycles = 8000;
    ev.sram_read_bytes[0] = 100000;
    ev.sram_read_bytes[1] = 20000;
    ev.sram_read_bytes[2] = 3000;
    ev.sram_write_bytes[0] = 400;
    ev.sram_write_bytes[1] = 50;
    ev.sram_write_bytes[2] = 6;
    ev.dram_read_bytes = 70000;
    ev.dram_write_bytes = 800;
    ab_energy e;
    ab_energy_compute(&a, &ev, &e);

    const double cyc = (0.136 + 0.185 + 0.195) * 1.5;
    EXPECT_NEAR(e.pe_pj, 1000000 * cyc + 50000 * 0.1 * cyc, 1e-6);
    EXPECT_NEAR(e.dequant_pj, 8000 * 0.070 * 1.5, 1e-9);
    const double big = a.wbuf.read_pj_per_byte, out = a.obuf.read_pj_per_byte;
    EXPECT_DOUBLE_EQ(a.abuf.read_pj_per_byte, big); // same size, same energy
    EXPECT_GT(big, out);                            // 64 KB bank vs 8 KB bank
    EXPECT_NEAR(e.sram_read_pj, 120000 * big + 3000 * out, 1e-6);
    EXPECT_NEAR(e.sram_write_pj, 450 * big + 6 * out, 1e-9);
    EXPECT_NEAR(e.dram_pj, 70800 * 8 * 18.75, 1e-6);
    // leakage: (0.001 mW x 1024 PEs + 10 mW/MiB x 1.0625 MiB) over 3000
    // cycles at 2 GHz = 1500 ns; 1 mW x 1 ns = 1 pJ
    EXPECT_NEAR(e.leakage_pj, (0.001 * 1024 + 10.0 * 1.0625) * 1500.0, 1e-9);
    // total: exactly the parts as reported, summed in the documented order
    EXPECT_EQ(e.total_pj,
              e.pe_pj + e.dequant_pj + e.sram_read_pj + e.sram_write_pj + e.dram_pj + e.leakage_pj);
    EXPECT_GT(e.total_pj, e.dram_pj);

    ab_energy_events none = {};
    ab_energy_compute(&a, &none, &e);
    EXPECT_EQ(e.total_pj, 0.0);
}

TEST(EnergyCompute, EveryPartCountsAlone)
{
    ab_accel a;
    ab_accel_default(AB_PE_FP16, &a);
    a.pe_costs.leakage_mw = 0.5;
    // each event alone gives a positive total equal to its own part
    for (int which = 0; which < 9; which++) {
        ab_energy_events ev = {};
        switch (which) {
        case 0: ev.pe_busy_cycles = 7; break;
        case 1: ev.pe_idle_cycles = 7; break;
        case 2: a.pe_costs.dequant_pj = 0.25; ev.dequant_cycles = 7; break;
        case 3: ev.sram_read_bytes[1] = 7; break;
        case 4: ev.sram_write_bytes[2] = 7; break;
        case 5: ev.dram_read_bytes = 7; break;
        case 6: ev.dram_write_bytes = 7; break;
        case 7: ev.cycles = 7; break;
        default: ev.sram_read_bytes[0] = 7; break;
        }
        ab_energy e;
        ab_energy_compute(&a, &ev, &e);
        const double parts[] = {e.pe_pj, e.dequant_pj, e.sram_read_pj, e.sram_write_pj,
                                e.dram_pj, e.leakage_pj};
        int nonzero = 0;
        for (double p : parts)
            nonzero += p != 0.0;
        EXPECT_EQ(nonzero, 1) << "event " << which;
        EXPECT_GT(e.total_pj, 0.0) << "event " << which;
    }
}

// ---- docs/energy.md's tables are the code's numbers ----------------------------------

namespace {

std::vector<std::string> table_cells(const std::string &line)
{
    std::vector<std::string> cells;
    if (line.size() < 2 || line[0] != '|')
        return cells;
    size_t p = 1;
    while (p < line.size()) {
        const size_t q = line.find('|', p);
        if (q == std::string::npos)
            break;
        std::string c = line.substr(p, q - p);
        c.erase(0, c.find_first_not_of(' '));
        c.erase(c.find_last_not_of(' ') + 1);
        cells.push_back(c);
        p = q + 1;
    }
    return cells;
}

// The docs round to 4-5 significant digits.
void expect_doc_number(const std::string &cell, double code, const std::string &where)
{
    char *end = nullptr;
    const double v = std::strtod(cell.c_str(), &end);
    ASSERT_TRUE(end && end != cell.c_str()) << where << ": not a number: " << cell;
    if (code == 0.0)
        EXPECT_EQ(v, 0.0) << where;
    else
        EXPECT_NEAR(v / code, 1.0, 1e-3) << where << ": docs " << v << ", code " << code;
}

} // namespace

TEST(EnergyDocs, TablesMatchTheCode)
{
    std::istringstream in(anybit_test::slurp(std::string(ANYBIT_SOURCE_DIR) + "/docs/energy.md"));
    std::string line;
    size_t pe_rows = 0, sram_rows = 0, dram_rows = 0;
    while (std::getline(in, line)) {
        const auto c = table_cells(line);
        ab_pe_kind k;
        if (c.size() == 7 && ab_pe_kind_parse(c[0].c_str(), &k) == 0 &&
            (c[1] == "28nm" || c[1] == "45nm")) {
            const ab_pe_costs pc = pe_costs(c[1].c_str(), k);
            ab_accel a;
            ab_accel_default(k, &a);
            const std::string w = c[0] + " " + c[1];
            expect_doc_number(c[2], pc.cycle_pj, w + " cycle_pj");
            expect_doc_number(c[3], pc.idle_pj, w + " idle_pj");
            expect_doc_number(c[4], pc.dequant_pj, w + " dequant_pj");
            expect_doc_number(c[5], pc.area_um2, w + " area_um2");
            expect_doc_number(c[6], pc.area_um2 * a.rows * a.cols * 1e-6, w + " array mm2");
            pe_rows++;
        } else if (c.size() == 6 && !c[0].empty() &&
                   c[0].find_first_not_of("0123456789") == std::string::npos) {
            const uint64_t bytes = std::stoull(c[0]) * 1024;
            const ab_sram_cfg s45 = sram("45nm", bytes, 1), s28 = sram("28nm", bytes, 1);
            expect_doc_number(c[1], s45.read_pj_per_byte, c[0] + " KB 45nm pJ/B");
            expect_doc_number(c[2], s28.read_pj_per_byte, c[0] + " KB 28nm pJ/B");
            expect_doc_number(c[3], s45.area_mm2, c[0] + " KB 45nm mm2");
            expect_doc_number(c[4], s28.area_mm2, c[0] + " KB 28nm mm2");
            expect_doc_number(c[5], s28.leakage_mw, c[0] + " KB mW");
            sram_rows++;
        } else if (c.size() == 6 && c[0].size() > 2 && c[0][0] == '`') {
            const std::string name = c[0].substr(1, c[0].size() - 2);
            ab_dram_cfg d;
            ASSERT_EQ(ab_dram_preset(name.c_str(), 1.0, &d, nullptr), 0) << name;
            expect_doc_number(c[2], d.bytes_per_cycle, name + " B/cycle");
            const size_t arrow = c[3].rfind(' ');
            expect_doc_number(c[3].substr(arrow == std::string::npos ? 0 : arrow + 1),
                              d.latency_cycles, name + " latency");
            expect_doc_number(c[4], d.pj_per_bit, name + " pJ/bit");
            dram_rows++;
        }
    }
    EXPECT_EQ(pe_rows, 12u);
    EXPECT_GE(sram_rows, 8u);
    EXPECT_EQ(dram_rows, 5u);
}
