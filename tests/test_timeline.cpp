// test_timeline.cpp - `anybit run --timeline` (sim/engine/timeline.c): a
// one-tile op's schedule placed where the timing rules of docs/simulator.md
// put it (load, then compute after the DRAM latency, then the store), the
// physical limits every bucket must respect (DRAM bytes within bandwidth x
// bucket cycles, PE work within PEs x bucket cycles), conservation of every
// count the run reports, and bucket arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_ops.h"
#include "test_util.h"

extern "C" {
#include "accel/accel.h"
#include "engine/engine.h"
#include "engine/timeline.h"
#include "workload/workload.h"
}

namespace {

double series_sum(const ab_timeline &t, ab_timeline_series s)
{
    double v = 0;
    for (size_t b = 0; b < t.nbuckets; b++)
        v += t.series[s][b];
    return v;
}

void expect_close(double got, double want, const char *what)
{
    EXPECT_LE(std::fabs(got - want), 1e-9 * std::fabs(want) + 1e-6) << what;
}

} // namespace

// One tile of an fp16 GEMM: M=4, N=16, K=64 loads 16*64*2 + 4*64*2 = 2560
// bytes; at 16 bytes/cycle that is 160 cycles of transfer, done 10 cycles
// (the latency) later; compute runs from 170 for the tile's compute cycles;
// the store starts when compute ends (fp16 has no dequantization delay) and
// moves M*N = 64 outputs.  With one-cycle buckets every cycle is visible.
TEST(Timeline, OneTileOpIsLoadThenComputeThenStore)
{
    ab_accel a = anybit_test::roomy_accel(AB_PE_FP16);
    a.dram.bytes_per_cycle = 16;
    a.dram.latency_cycles = 10;
    a.force_tm = 4; // the whole op in one buffer tile
    a.force_tn = 16;
    a.force_tk = 64;
    ab_op op = anybit_test::make_op("op", AB_OP_GEMM, 4, 16, 64, "fp16", "fp16", 0, "fp16");
    ab_op_list ops = {0, 0, nullptr};
    ab_error e;
    ASSERT_EQ(ab_op_list_push(&ops, &op, &e), 0);
    ab_run_stats rs;
    ASSERT_EQ(ab_sim_ops(&a, &ops, 1, AB_MODE_FAST, &rs, &e), 0) << e.msg;
    ASSERT_EQ(rs.ops[0].tiles, 1u);
    ASSERT_EQ(rs.ev.dram_read_bytes, 2560u);
    const uint64_t compute = rs.compute_cycles, out_bytes = rs.ev.dram_write_bytes;
    const uint64_t store_xfer = (out_bytes + 15) / 16;
    ASSERT_EQ(rs.cycles, 170 + compute + store_xfer + 10);

    ab_timeline t;
    ASSERT_EQ(ab_timeline_init(&t, rs.cycles, rs.cycles, &e), 0) << e.msg;
    ASSERT_EQ(ab_sim_timeline(&a, &ops, &rs, &t, &e), 0) << e.msg;
    ASSERT_EQ(t.bucket_cycles, 1u);
    ASSERT_EQ(t.nbuckets, rs.cycles);
    const double pes = (double)a.rows * a.cols;
    for (uint64_t c = 0; c < rs.cycles; c++) {
        const bool loading = c < 160;
        const bool computing = c >= 170 && c < 170 + compute;
        const bool storing = c >= 170 + compute && c < 170 + compute + store_xfer;
        EXPECT_DOUBLE_EQ(t.series[AB_TL_DRAM_READ][c], loading ? 16.0 : 0.0) << "cycle " << c;
        EXPECT_EQ(t.series[AB_TL_PE_BUSY][c] > 0, computing) << "cycle " << c;
        EXPECT_LE(t.series[AB_TL_PE_BUSY][c], pes + 1e-9) << "cycle " << c;
        EXPECT_EQ(t.series[AB_TL_DRAM_WRITE][c] > 0, storing) << "cycle " << c;
    }
    expect_close(series_sum(t, AB_TL_DRAM_WRITE), (double)out_bytes, "store bytes");
    ab_timeline_free(&t);
    ab_run_stats_free(&rs);
    ab_op_list_free(&ops);
}

// Whole workloads: every bucket within the DRAM's bandwidth and the array's
// PE count, and the series adding up to the run's own totals (nothing
// dropped or counted twice, duplicates of an op replayed at their start).
TEST(Timeline, BucketsRespectBandwidthAndAddUpToTheRun)
{
    setenv("ANYBIT_HOME", ANYBIT_SOURCE_DIR, 1);
    struct Case {
        ab_pe_kind pe;
        const char *recipe, *phase;
        size_t buckets;
    } const cases[] = {{AB_PE_BITMOD, "bitmod", "decode:64", 97},
                       {AB_PE_BITMOD, "bitmod", "prefill:64", 500},
                       {AB_PE_FP16, "fp16", "prefill:32", 1000},
                       {AB_PE_BTC, "btc-w4a4", "decode:16", 7}};
    for (const Case &c : cases) {
        ab_accel a;
        ab_accel_default(c.pe, &a);
        ab_op_list ops;
        ab_error e;
        ASSERT_EQ(ab_workload_expand("llama2-7b", c.recipe, c.phase, 1, &ops, &e), 0) << e.msg;
        ab_run_stats rs;
        ASSERT_EQ(ab_sim_ops(&a, &ops, 1, AB_MODE_FAST, &rs, &e), 0) << e.msg;
        ab_timeline t;
        ASSERT_EQ(ab_timeline_init(&t, rs.cycles, c.buckets, &e), 0);
        ASSERT_EQ(ab_sim_timeline(&a, &ops, &rs, &t, &e), 0) << e.msg;
        EXPECT_EQ(t.nbuckets, c.buckets) << c.phase;
        const double bw = a.dram.bytes_per_cycle, pes = (double)a.rows * a.cols;
        for (size_t b = 0; b < t.nbuckets; b++) {
            const double w = (double)t.bucket_cycles;
            EXPECT_LE(t.series[AB_TL_DRAM_READ][b] + t.series[AB_TL_DRAM_WRITE][b],
                      bw * w * (1 + 1e-9))
                << c.recipe << " " << c.phase << " bucket " << b;
            EXPECT_LE(t.series[AB_TL_PE_BUSY][b], pes * w * (1 + 1e-9)) << b;
        }
        const ab_energy_events &ev = rs.ev;
        expect_close(series_sum(t, AB_TL_DRAM_READ), (double)ev.dram_read_bytes, "dram read");
        expect_close(series_sum(t, AB_TL_DRAM_WRITE), (double)ev.dram_write_bytes, "dram write");
        expect_close(series_sum(t, AB_TL_SRAM_READ),
                     (double)(ev.sram_read_bytes[0] + ev.sram_read_bytes[1] + ev.sram_read_bytes[2]),
                     "sram read");
        expect_close(series_sum(t, AB_TL_SRAM_WRITE),
                     (double)(ev.sram_write_bytes[0] + ev.sram_write_bytes[1] +
                              ev.sram_write_bytes[2]),
                     "sram write");
        expect_close(series_sum(t, AB_TL_PE_BUSY), (double)ev.pe_busy_cycles, "pe busy");
        ab_timeline_free(&t);
        ab_run_stats_free(&rs);
        ab_op_list_free(&ops);
    }
}

// ceil(total / n) cycles a bucket, as many buckets as cover the run; an
// amount spread over a boundary is split by the cycles on each side.
TEST(Timeline, BucketArithmetic)
{
    ab_timeline t;
    ab_error e;
    ASSERT_EQ(ab_timeline_init(&t, 10, 3, &e), 0);
    EXPECT_EQ(t.bucket_cycles, 4u);
    EXPECT_EQ(t.nbuckets, 3u);
    ab_timeline_spread(&t, AB_TL_DRAM_READ, 2, 6, 8.0); // cycles 2,3 | 4,5
    EXPECT_DOUBLE_EQ(t.series[AB_TL_DRAM_READ][0], 4.0);
    EXPECT_DOUBLE_EQ(t.series[AB_TL_DRAM_READ][1], 4.0);
    ab_timeline_spread(&t, AB_TL_PE_BUSY, 9, 9, 5.0); // an instant: its bucket
    EXPECT_DOUBLE_EQ(t.series[AB_TL_PE_BUSY][2], 5.0);
    ab_timeline_free(&t);
    ASSERT_EQ(ab_timeline_init(&t, 5, 100, &e), 0); // more buckets than cycles
    EXPECT_EQ(t.bucket_cycles, 1u);
    EXPECT_EQ(t.nbuckets, 5u);
    ab_timeline_free(&t);
    EXPECT_EQ(ab_timeline_init(&t, 5, 0, &e), -1);
    EXPECT_NE(std::string(e.msg).find("expected 1 to 1000000 buckets, found 0"), std::string::npos);
}

// The CLI: --timeline - is the CSV alone on stdout (the table on stderr),
// its DRAM bytes add up to the run's JSON, and bad uses are one message,
// exit 2, no file.
TEST(Timeline, CliWritesCsvAndRefusesBadUse)
{
    using anybit_test::anybit;
    using anybit_test::CliRun;
    const std::string d = anybit_test::tmp_dir("timeline");
    const std::string wl = "run --config bitmod --model llama2-7b --phase decode:32";
    CliRun r = anybit(wl + " --timeline - --timeline-buckets 50 --json " + d + "/r.json", d);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("op (x ops)"), std::string::npos); // the table went to stderr
    std::vector<std::string> lines;
    for (size_t p = 0, q; (q = r.out.find('\n', p)) != std::string::npos; p = q + 1)
        lines.push_back(r.out.substr(p, q - p));
    ASSERT_EQ(lines.size(), 51u);
    EXPECT_EQ(lines[0].rfind("bucket,start_cycle,end_cycle,start_s,end_s,dram_read_bytes,", 0), 0u);
    double dram = 0;
    uint64_t last_end = 0;
    for (size_t i = 1; i < lines.size(); i++) {
        std::vector<std::string> f;
        for (size_t p = 0, q;; p = q + 1) {
            q = lines[i].find(',', p);
            f.push_back(lines[i].substr(p, q == std::string::npos ? q : q - p));
            if (q == std::string::npos)
                break;
        }
        ASSERT_EQ(f.size(), 13u) << lines[i];
        EXPECT_EQ(std::stoull(f[1]), last_end) << "buckets are contiguous";
        last_end = std::stoull(f[2]);
        dram += std::stod(f[5]) + std::stod(f[6]);
        const double util = std::stod(f[12]);
        EXPECT_GE(util, 0);
        EXPECT_LE(util, 1 + 1e-9);
    }
    const std::string json = anybit_test::slurp(d + "/r.json");
    auto num = [&](const std::string &key) {
        const size_t p = json.find("\"" + key + "\":");
        EXPECT_NE(p, std::string::npos) << key;
        return std::stod(json.substr(json.find(':', p) + 1));
    };
    EXPECT_EQ(last_end, (uint64_t)num("cycles"));
    const double want = num("dram_read_bytes") + num("dram_write_bytes");
    EXPECT_NEAR(dram, want, 1e-6 * want);

    struct Bad {
        std::string args, needle;
    } const bad[] = {
        {wl + " --timeline-buckets 10", "--timeline-buckets goes with --timeline"},
        {wl + " --timeline " + d + "/t.csv --timeline-buckets 0", "expected an integer in [1, 1000000]"},
        {wl + " --timeline - --json -", "one document at a time on stdout"},
        {wl + " --timeline " + d + "/t.csv --timeline " + d + "/u.csv", "--timeline given twice"},
    };
    for (const Bad &b : bad) {
        r = anybit(b.args, d);
        EXPECT_EQ(r.status, 2) << b.args;
        EXPECT_NE(r.err.find(b.needle), std::string::npos) << b.args << ": " << r.err;
        EXPECT_FALSE(anybit_test::exists(d + "/t.csv"));
    }
}
