// sweep_fixture.h - builds sweep directories in the documented layout
// (docs/sweeps.md: sweep.yaml, sweep.json, inputs/, points/P.json,
// results.csv, results.json) for the suites of the commands that read
// them, without `anybit sweep`.  Each ok point's `run` object comes from a
// real `anybit run --json` of the tiny model on a bitmod config with the
// point's axis values, so the numbers are the simulator's own.
#ifndef ANYBIT_SWEEP_FIXTURE_H
#define ANYBIT_SWEEP_FIXTURE_H

#include <cjson/cJSON.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "test_util.h"

namespace anybit_test {

struct FixturePoint {
    unsigned rows = 64;                 // config.array.rows
    double clock_ghz = 1.0;             // config.clock_ghz
    std::string phase = "decode:16";    // workload.phase
    std::string status = "ok";          // ok, dropped, constraint
    std::string reason;                 // for dropped / constraint
};

// A CSV field the way ab_csv_field writes it (RFC 4180 quoting).
inline std::string csv_field(const std::string &s)
{
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"')
            q += '"';
        q += c;
    }
    return q + "\"";
}

inline std::string fmt_num(double v)
{
    char b[64];
    std::snprintf(b, sizeof b, "%.10g", v);
    return b;
}

inline double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *const kFixtureOutputs[] = {
    "cycles",      "compute_cycles", "stall_cycles", "seconds",     "energy_pj",
    "pe_pj",       "dequant_pj",     "sram_read_pj", "sram_write_pj", "dram_pj",
    "leakage_pj",  "area_mm2",       "tokens_per_s", "edp_pj_s",    "utilization",
    "macs",        "dram_bytes",     "output_sqnr_db", "output_nmse"};

// The output columns of one run object.
inline std::vector<double> fixture_outputs(const cJSON *run)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(run, "energy");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(run, "events");
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(run, "accuracy");
    return {jnum(run, "cycles"),       jnum(run, "compute_cycles"), jnum(run, "stall_cycles"),
            jnum(run, "seconds"),      jnum(run, "energy_pj"),      jnum(e, "pe_pj"),
            jnum(e, "dequant_pj"),     jnum(e, "sram_read_pj"),     jnum(e, "sram_write_pj"),
            jnum(e, "dram_pj"),        jnum(e, "leakage_pj"),       jnum(run, "area_mm2"),
            jnum(run, "tokens_per_s"), jnum(run, "edp_pj_s"),       jnum(run, "utilization"),
            jnum(run, "macs"),
            jnum(ev, "dram_read_bytes") + jnum(ev, "dram_write_bytes"),
            jnum(acc, "output_sqnr_db"), jnum(acc, "output_nmse")};
}

// Writes the sweep directory `dir` (created; existing files replaced) with
// one point per entry of pts, in order.  Returns false (with a gtest
// failure) when a run fails.
inline bool write_sweep_fixture(const std::string &dir, const std::vector<FixturePoint> &pts,
                                const std::string &name = "fixture",
                                const std::string &description =
                                    "rows x clock x phase on the tiny model (test fixture)")
{
    const std::string src = ANYBIT_SOURCE_DIR;
    const std::string tiny = src + "/traces/examples/tiny.yaml";
    EXPECT_EQ(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "/inputs' '" + dir +
                           "/points'")
                              .c_str()),
              0);
    spit(dir + "/sweep.yaml",
         "name: " + name + "\ndescription: " + description +
             "\nbase:\n  config: bitmod\n  model: " + tiny +
             "\n  phase: decode:16\naxes:\n  - field: config.array.rows\n    values: [32, 64]\n"
             "  - field: config.clock_ghz\n    values: [0.5, 1.0]\n"
             "  - field: workload.phase\n    values: [decode:16, prefill:8]\n");
    const std::vector<std::string> inputs = {"config", "model",  "recipe",
                                             "phase",  "batch",  "mode",
                                             "config.array.rows", "config.clock_ghz",
                                             "workload.phase"};
    std::string csv = "point,status,reason";
    for (const auto &c : inputs)
        csv += "," + csv_field(c);
    for (const char *c : kFixtureOutputs)
        csv += std::string(",") + c;
    csv += "\n";
    cJSON *all = cJSON_CreateArray();
    const std::string config_text = slurp(src + "/configs/bitmod.yaml");
    std::map<std::string, std::string> run_cache; // the same inputs run once
    for (size_t p = 0; p < pts.size(); p++) {
        const FixturePoint &fp = pts[p];
        char id[32];
        std::snprintf(id, sizeof id, "%06zu", p);
        const std::vector<std::string> in = {"bitmod",     "traces/examples/tiny.yaml",
                                             "bitmod",     fp.phase,
                                             "1",          "fast",
                                             std::to_string(fp.rows), fmt_num(fp.clock_ghz),
                                             fp.phase};
        const std::string cfg = dir + "/inputs/" + id + ".config.yaml";
        std::string text = replace(config_text, "rows: 64", "rows: " + std::to_string(fp.rows));
        text = replace(text, "clock_ghz: 1.0", "clock_ghz: " + fmt_num(fp.clock_ghz));
        spit(cfg, text);
        spit(dir + "/inputs/" + id + ".recipe.yaml", slurp(src + "/recipes/bitmod.yaml"));
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "point", (double)p);
        cJSON_AddStringToObject(row, "status", fp.status.c_str());
        cJSON_AddStringToObject(row, "reason", fp.reason.c_str());
        cJSON *jin = cJSON_AddObjectToObject(row, "inputs");
        for (size_t k = 0; k < inputs.size(); k++)
            cJSON_AddStringToObject(jin, inputs[k].c_str(), in[k].c_str());
        cJSON *jout = cJSON_AddObjectToObject(row, "outputs");
        csv += std::to_string(p) + "," + fp.status + "," + csv_field(fp.reason);
        for (const auto &v : in)
            csv += "," + csv_field(v);
        cJSON *run = nullptr;
        if (fp.status == "ok") {
            const std::string key = std::to_string(fp.rows) + "/" + fmt_num(fp.clock_ghz) + "/" +
                                    fp.phase;
            if (!run_cache.count(key)) {
                const std::string json = dir + "/run-" + id + ".json";
                CliRun r = anybit("run --config " + cfg + " --model " + tiny + " --phase " +
                                      fp.phase + " --json " + json,
                                  dir + "/.."); // captures stay out of the sweep

                EXPECT_EQ(r.status, 0) << r.err;
                if (r.status != 0)
                    return false;
                run_cache[key] = slurp(json);
                std::remove(json.c_str());
            }
            run = cJSON_Parse(run_cache[key].c_str());
            const std::vector<double> out = fixture_outputs(run);
            for (size_t k = 0; k < out.size(); k++) {
                csv += "," + fmt_num(out[k]);
                cJSON_AddNumberToObject(jout, kFixtureOutputs[k], out[k]);
            }
        } else {
            for (size_t k = 0; k < sizeof kFixtureOutputs / sizeof *kFixtureOutputs; k++)
                csv += ",";
        }
        csv += "\n";
        cJSON_AddItemToArray(all, cJSON_Duplicate(row, true));
        if (run)
            cJSON_AddItemToObject(row, "run", run);
        char *pt = cJSON_Print(row);
        spit(dir + "/points/" + id + ".json", std::string(pt) + "\n");
        cJSON_free(pt);
        cJSON_Delete(row);
    }
    spit(dir + "/results.csv", csv);
    char *rj = cJSON_Print(all);
    spit(dir + "/results.json", std::string(rj) + "\n");
    cJSON_free(rj);
    cJSON_Delete(all);
    cJSON *sj = cJSON_CreateObject();
    cJSON_AddStringToObject(sj, "name", name.c_str());
    cJSON_AddStringToObject(sj, "hash", "0123456789abcdef");
    cJSON_AddNumberToObject(sj, "points", (double)pts.size());
    cJSON *cols = cJSON_AddArrayToObject(sj, "inputs");
    for (const auto &c : inputs)
        cJSON_AddItemToArray(cols, cJSON_CreateString(c.c_str()));
    char *st = cJSON_Print(sj);
    spit(dir + "/sweep.json", std::string(st) + "\n");
    cJSON_free(st);
    cJSON_Delete(sj);
    return true;
}

// The standard fixture: rows {32, 64} x clock {0.5, 1.0} x phase
// {decode:16, prefill:8} (points 0-7, ok), then a point its constraint
// removed and two the simulator refused (reasons with a comma and a quote,
// so the CSV needs its quoting).
inline std::vector<FixturePoint> standard_points()
{
    std::vector<FixturePoint> pts;
    for (unsigned rows : {32u, 64u})
        for (double clk : {0.5, 1.0})
            for (const char *ph : {"decode:16", "prefill:8"}) {
                FixturePoint p;
                p.rows = rows;
                p.clock_ghz = clk;
                p.phase = ph;
                pts.push_back(p);
            }
    FixturePoint c;
    c.rows = 128;
    c.status = "constraint";
    c.reason = "PE budget";
    pts.push_back(c);
    FixturePoint d1;
    d1.rows = 16;
    d1.status = "dropped";
    d1.reason = "buffers too small: no tile of lm_head fits, weight 1 KB";
    pts.push_back(d1);
    FixturePoint d2 = d1;
    d2.clock_ghz = 0.5;
    d2.reason = "pe.kind \"btc\" cannot run the recipe's formats";
    pts.push_back(d2);
    return pts;
}

} // namespace anybit_test

#endif
