// fpga_run.cpp - `anybit fpga run` (fpga_run.h): identify the board, load
// tiles into it through the link (fpga_link.h), run them, and check every
// result word against ab_bitmod_pe_group and every counter against the
// simulator's cycle rule and the documented controller timing (docs/rtl.md
// "Controller timing"; docs/fpga.md "READ_COUNTERS").  The tiles are
// rtl/sim/cosim_array.hpp's (a trace op's, or random ones), cut for the
// board's own shape and depths as IDENTIFY reports them.
#include "fpga/host/fpga_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cosim_array.hpp"

extern "C" {
#include "accel/accel.h"
#include "atomic_file.h"
#include "bitmod_pe.h"
#include "fpga/host/fpga_link.h"
#include "pe/pe.h"
#include "values/pe_values.h"
#include "values/values_op.h"
}

#ifndef ANYBIT_FPGA_BUILD_HASH
#define ANYBIT_FPGA_BUILD_HASH 0u
#define ANYBIT_FPGA_BUILD_HASH_KNOWN 0
#endif

extern "C" uint32_t ab_fpga_build_hash(bool *known)
{
    if (known)
        *known = ANYBIT_FPGA_BUILD_HASH_KNOWN != 0;
    return uint32_t(ANYBIT_FPGA_BUILD_HASH);
}

namespace {

using namespace ab_cosim_array;

enum { EXIT_OK = 0, EXIT_CHECK = 1, EXIT_USAGE = 2 };

int say(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int say(int code, const char *fmt, ...)
{
    std::fprintf(stderr, "anybit fpga run: ");
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
    return code;
}

// a link error: the board stopped answering (2) or answered with an
// error status the host did not expect (1: the board disagrees with the spec)
int link_error(const ab_fpga_link &l, const ab_error &e, const std::string &where)
{
    return say(l.failed ? EXIT_USAGE : EXIT_CHECK, "%s%s", where.c_str(), e.msg);
}

uint32_t result_word(const ab_bitmod_group_result &e, uint8_t scale_sign)
{
    return (uint32_t(e.dq_man) & 0x1fffffu) | (uint32_t(e.dq_exp & 0x3fu) << 21) |
           (uint32_t((e.dq_sign ^ scale_sign) & 1u) << 27);
}

std::string fields(uint32_t w)
{
    const int32_t man = int32_t((w & 0x1fffffu) ^ 0x100000u) - 0x100000;
    char b[128];
    std::snprintf(b, sizeof b, "dq_man %d, dq_exp %u, dq_sign %u%s (0x%08x)", man,
                  (w >> 21) & 0x3fu, (w >> 27) & 1u, (w >> 28) ? ", high bits set" : "", w);
    return b;
}

double word_value(uint32_t w, uint8_t scale_sign)
{
    const int32_t man = int32_t((w & 0x1fffffu) ^ 0x100000u) - 0x100000;
    const double v = std::ldexp(double(man), int((w >> 21) & 0x3fu) - AB_BITMOD_VALUE_EXP_OFFSET);
    return scale_sign ? -v : v;
}

struct Totals {
    uint64_t tiles = 0, words = 0, outputs = 0, cycles = 0;
};

struct Runner {
    const ab_fpga_run_opts &o;
    ab_fpga_link link{};
    ab_fpga_identity id{};
    ab_accel a{};
    bool literal = false;
    ab_rtl_array_dims d{};
    Totals tot;
    uint64_t busy_sum = 0;
    explicit Runner(const ab_fpga_run_opts &opts) : o(opts) {}

    int identify_and_check();
    int run_tile(const Tile &t, std::vector<uint32_t> *words);
};

int Runner::identify_and_check()
{
    ab_error e{};
    if (ab_fpga_identify(&link, &id, &e) != 0)
        return link_error(link, e, "");
    if (std::memcmp(id.magic, "ABIT", 4) != 0)
        return say(EXIT_USAGE, "%s: the board's IDENTIFY magic is %02x %02x %02x %02x, not ABIT "
                               "(41 42 49 54): not an anybit board",
                   o.port, id.magic[0], id.magic[1], id.magic[2], id.magic[3]);
    if (id.version != AB_FPGA_PROTOCOL_VERSION)
        return say(EXIT_USAGE, "%s: the board speaks protocol version %u, this anybit version %u",
                   o.port, id.version, AB_FPGA_PROTOCOL_VERSION);
    if (id.build_hash != o.expect_build)
        return say(EXIT_USAGE, "%s: the board's build hash is 0x%08x, this anybit expects 0x%08x "
                               "(the SHA-256 of fpga/flow/sources.txt's files): the bitstream and "
                               "the host were built from different sources (make fpga, or "
                               "--expect-build)",
                   o.port, id.build_hash, o.expect_build);
    if (id.rows != a.rows || id.cols != a.cols || id.lanes != a.lanes)
        return say(EXIT_USAGE, "%s: the board's array is %u x %u PEs of %u lanes; %s describes "
                               "%u x %u PEs of %u lanes",
                   o.port, id.rows, id.cols, id.lanes, o.config, a.rows, a.cols, a.lanes);
    if (id.lanes > 4 || id.steps == 0 || id.groups == 0 || id.rows == 0 || id.cols == 0)
        return say(EXIT_USAGE, "%s: the board reports %u lanes, %u steps, %u groups: this host "
                               "drives 1..4 lanes and non-empty buffers",
                   o.port, id.lanes, id.steps, id.groups);
    d.rows = id.rows;
    d.cols = id.cols;
    d.lanes = id.lanes;
    d.steps = id.steps;
    d.groups = id.groups;
    return EXIT_OK;
}

// Load, run and read back one tile; the board's result words in *words.
int Runner::run_tile(const Tile &t, std::vector<uint32_t> *words)
{
    ab_error e{};
    TileBuffers b;
    std::string berr;
    if (tile_buffers(t, &b, &berr) != 0)
        return say(EXIT_USAGE, "%s", berr.c_str());
    const size_t steps = size_t(t.G) * t.S;
    const std::string where = t.what + ": ";
    // weight terms: every slot of each step (unused ones zero) so that one
    // write covers a row
    std::vector<uint8_t> bytes;
    for (unsigned r = 0; r < t.R; r++) {
        bytes.assign(steps * 4 * 4, 0);
        for (size_t s = 0; s < steps; s++)
            for (unsigned k = 0; k < b.words_per_step; k++)
                ab_fpga_put32(&bytes[(s * 4 + k) * 4], b.terms[(r * steps + s) * t.cpw + k]);
        if (ab_fpga_write(&link, AB_FPGA_BUF_TERMS, uint8_t(r), 0, bytes.data(), steps * 4, 4,
                          &e) != 0)
            return link_error(link, e, where);
    }
    const size_t ab = 2 * size_t(t.lanes);
    for (unsigned c = 0; c < t.C; c++) {
        bytes.assign(steps * ab, 0);
        for (size_t s = 0; s < steps; s++)
            for (unsigned i = 0; i < t.lanes; i++)
                ab_fpga_put16(&bytes[s * ab + 2 * i], b.act[(c * steps + s) * t.lanes + i]);
        if (ab_fpga_write(&link, AB_FPGA_BUF_ACT, uint8_t(c), 0, bytes.data(), steps, ab, &e) != 0)
            return link_error(link, e, where);
    }
    for (unsigned r = 0; r < t.R; r++) {
        bytes.assign(size_t(t.G) * 4, 0);
        for (unsigned g = 0; g < t.G; g++)
            ab_fpga_put32(&bytes[g * 4], b.scale[size_t(r) * t.G + g]);
        if (ab_fpga_write(&link, AB_FPGA_BUF_SCALE, uint8_t(r), 0, bytes.data(), t.G, 4, &e) != 0)
            return link_error(link, e, where);
    }
    const ab_fpga_tile_desc desc{uint8_t(t.G), uint16_t(t.S), uint8_t(t.cpw), uint8_t(t.dq),
                                 uint8_t(literal ? 1 : 0)};
    if (ab_fpga_start(&link, &desc, &e) != 0)
        return link_error(link, e, where);
    ab_fpga_board_status st{};
    const int64_t deadline =
        ab_fpga_now_ms() + std::max<int64_t>(2000, 4 * int64_t(link.timeout_ms) * (link.retries + 1));
    if (ab_fpga_wait_done(&link, deadline, &st, &e) != 0)
        return link_error(link, e, where);
    words->assign(size_t(t.G) * t.R * t.C, 0);
    if (ab_fpga_read_results(&link, 0, words->size(), words->data(), &e) != 0)
        return link_error(link, e, where);
    return EXIT_OK;
}

// The reference group results of a tile (ab_bitmod_pe_group on its codes,
// activations and scale), [r][c][g].
int reference(const Tile &t, bool literal, std::vector<ab_bitmod_group_result> *ref)
{
    ref->assign(size_t(t.R) * t.C * t.G, ab_bitmod_group_result{});
    const size_t K = size_t(t.G) * t.L;
    for (unsigned r = 0; r < t.R; r++)
        for (unsigned c = 0; c < t.C; c++)
            for (unsigned g = 0; g < t.G; g++) {
                ab_bitmod_pe p;
                ab_error err{};
                if (ab_bitmod_pe_init_lanes(&p, literal, t.lanes, &err) != 0)
                    return say(EXIT_USAGE, "%s", err.msg);
                const size_t gi = size_t(r) * t.G + g;
                if (ab_bitmod_pe_group(&p, &t.fmt[gi], &t.act[c * K + size_t(g) * t.L],
                                       &t.codes[r * K + size_t(g) * t.L], t.L, t.scale[gi], t.dq,
                                       &(*ref)[(size_t(r) * t.C + c) * t.G + g], &err) != 0)
                    return say(EXIT_USAGE, "%s: row %u group %u: ab_bitmod_pe_group: %s",
                               t.what.c_str(), r, g, err.msg);
            }
    return EXIT_OK;
}

struct Counters {
    uint32_t v[AB_FPGA_NCOUNTERS];
};

int write_json(const ab_fpga_run_opts &o, const Runner &run, const std::string &workload,
               double secs)
{
    ab_atomic_file af;
    ab_error e{};
    if (ab_atomic_open(&af, o.json, &e) != 0)
        return say(EXIT_USAGE, "%s", e.msg);
    const ab_fpga_link_stats &s = run.link.stats;
    const uint64_t bytes = s.bytes_sent + s.bytes_received;
    std::string w;
    for (char ch : workload)
        if (ch == '"' || ch == '\\')
            w += '\\', w += ch;
        else
            w += ch;
    std::fprintf(af.fp,
                 "{\n  \"port\": \"%s\",\n  \"baud\": %u,\n  \"workload\": \"%s\",\n"
                 "  \"board\": {\"rows\": %u, \"cols\": %u, \"lanes\": %u, \"steps\": %u, "
                 "\"groups\": %u, \"build_hash\": \"0x%08x\", \"sysclk_khz\": %u, \"clk_div\": %u},\n"
                 "  \"tiles\": %llu,\n  \"result_words\": %llu,\n  \"op_outputs\": %llu,\n"
                 "  \"cycles\": %llu,\n"
                 "  \"retries\": {\"total\": %llu, \"crc\": %llu, \"timeout\": %llu, \"len\": %llu, "
                 "\"bad_reply\": %llu, \"no_reply\": %llu},\n"
                 "  \"requests\": %llu,\n  \"bytes_sent\": %llu,\n  \"bytes_received\": %llu,\n"
                 "  \"seconds\": %.6f,\n  \"tiles_per_s\": %.3f,\n  \"bytes_per_s\": %.1f,\n"
                 "  \"result\": \"agree\"\n}\n",
                 run.link.port.path, run.link.port.baud, w.c_str(), run.d.rows, run.d.cols,
                 run.d.lanes, run.d.steps, run.d.groups, run.id.build_hash, run.id.sysclk_khz,
                 run.id.clk_div, (unsigned long long)run.tot.tiles,
                 (unsigned long long)run.tot.words, (unsigned long long)run.tot.outputs,
                 (unsigned long long)run.tot.cycles,
                 (unsigned long long)ab_fpga_link_retries(&run.link),
                 (unsigned long long)s.retry_crc, (unsigned long long)s.retry_timeout,
                 (unsigned long long)s.retry_len, (unsigned long long)s.retry_bad_reply,
                 (unsigned long long)s.retry_no_reply, (unsigned long long)s.requests,
                 (unsigned long long)s.bytes_sent, (unsigned long long)s.bytes_received, secs,
                 secs > 0 ? double(run.tot.tiles) / secs : 0.0,
                 secs > 0 ? double(bytes) / secs : 0.0);
    if (ab_atomic_commit(&af, &e) != 0)
        return say(EXIT_USAGE, "%s", e.msg);
    return EXIT_OK;
}

int run_all(Runner &run)
{
    const ab_fpga_run_opts &o = run.o;
    ab_error e{};
    if (ab_accel_load(o.config, &run.a, &e) != 0)
        return say(EXIT_USAGE, "%s", e.msg);
    if (run.a.pe != AB_PE_BITMOD)
        return say(EXIT_USAGE, "%s: pe.kind: expected bitmod (the board's array is BitMoD), found "
                               "%s", o.config, ab_pe_kind_name(run.a.pe));
    run.literal = run.a.bitmod_rtl_literal_align;

    // the workload, before the board is touched: a bad trace is bad input
    ab_vop v{};
    bool have_v = false;
    ab_pe_op po{};
    size_t op = o.op;
    std::string workload;
    if (o.trace) {
        if (!o.op_given) {
            op = 0;
            while (op < o.trace->nops && !ab_values_present(o.trace, op))
                op++;
            if (op == o.trace->nops)
                return say(EXIT_USAGE, "%s: no op carries values (weights and activations)",
                           o.trace_path);
        }
        if (op >= o.trace->nops)
            return say(EXIT_USAGE, "%s: --op %zu: out of range (the trace has %zu ops)",
                       o.trace_path, op, o.trace->nops);
        if (!ab_values_present(o.trace, op))
            return say(EXIT_USAGE, "%s: op %zu carries no values", o.trace_path, op);
        if (ab_vop_load(&run.a, o.trace, op, &v, &e) != 0)
            return say(EXIT_USAGE, "%s: op %zu: %s", o.trace_path, op, e.msg);
        have_v = true;
        if (ab_pe_prepare(&run.a, &o.trace->ops[op].op, &po, &e) != 0) {
            ab_vop_free(&v);
            return say(EXIT_USAGE, "%s: op %zu: %s", o.trace_path, op, e.msg);
        }
    }
    struct VopGuard {
        ab_vop *v;
        bool on;
        ~VopGuard()
        {
            if (on)
                ab_vop_free(v);
        }
    } guard{&v, have_v};

    if (ab_fpga_link_open(&run.link, o.port, o.timeout_ms, o.retries, &e) != 0)
        return say(EXIT_USAGE, "%s", e.msg);
    struct LinkGuard {
        ab_fpga_link *l;
        ~LinkGuard() { ab_fpga_link_close(l); }
    } lguard{&run.link};
    const auto t0 = std::chrono::steady_clock::now();
    int rc = run.identify_and_check();
    if (rc != EXIT_OK)
        return rc;
    if (o.baud != AB_FPGA_BOOT_BAUD) {
        if (ab_fpga_set_baud(&run.link, o.baud, &e) != 0)
            return say(run.link.failed || !std::strstr(e.msg, "board") ? EXIT_USAGE : EXIT_CHECK,
                       "%s", e.msg);
    }
    if (ab_fpga_reset(&run.link, &e) != 0)
        return link_error(run.link, e, "");

    OpTiling tl;
    uint64_t ntiles = o.random_tiles;
    std::vector<float> datapath, acc;
    std::vector<size_t> groups_done;
    if (have_v) {
        if (op_tiling(v, po, run.d, &tl, &e) != 0)
            return say(EXIT_USAGE, "%s: the board cannot run op %zu: %s", o.trace_path, op, e.msg);
        ntiles = o.tiles ? std::min<uint64_t>(o.tiles, tl.tiles()) : tl.tiles();
        datapath.assign(v.M * v.N, 0.0f);
        if (ab_values_bitmod_datapath(&v, datapath.data(), &e) != 0)
            return say(EXIT_USAGE, "%s: op %zu: %s", o.trace_path, op, e.msg);
        acc.assign(v.M * v.N, 0.0f);
        groups_done.assign(v.M * v.N, 0);
        std::ostringstream w;
        w << "op " << op << " '" << v.name << "' (M x N x K = " << v.M << " x " << v.N << " x "
          << v.K << "), " << ntiles << " of its " << tl.tiles() << " tiles";
        workload = w.str();
    } else {
        workload = "random tiles, seed " + std::to_string(o.seed);
    }
    std::mt19937_64 rng(o.seed);
    std::vector<uint32_t> words;
    std::vector<ab_bitmod_group_result> ref;
    for (uint64_t i = 0; i < ntiles; i++) {
        OpTile ot;
        if (have_v)
            ot = op_tile(v, po, run.d, tl, i);
        else
            ot.t = random_tile(rng, run.d, i);
        const Tile &t = ot.t;
        if ((rc = reference(t, run.literal, &ref)) != EXIT_OK)
            return rc;
        if ((rc = run.run_tile(t, &words)) != EXIT_OK)
            return rc;
        // every result word, bit for bit
        for (unsigned g = 0; g < t.G; g++)
            for (unsigned r = 0; r < t.R; r++)
                for (unsigned c = 0; c < t.C; c++) {
                    const size_t addr = (size_t(g) * t.R + r) * t.C + c;
                    const uint8_t ss = t.ssign[size_t(r) * t.G + g];
                    const uint32_t want = result_word(ref[(size_t(r) * t.C + c) * t.G + g], ss);
                    const uint32_t got = words[addr];
                    run.tot.words++;
                    if (got != want)
                        return say(EXIT_CHECK, "MISMATCH in %s: output (row %u, col %u, group %u), "
                                               "result word %zu: expected %s (ab_bitmod_pe_group), "
                                               "got %s (the board)",
                                   t.what.c_str(), r, c, g, addr, fields(want).c_str(),
                                   fields(got).c_str());
                }
        // the counters
        Counters cn;
        if (ab_fpga_read_counters(&run.link, cn.v, &e) != 0)
            return link_error(run.link, e, t.what + ": ");
        const uint64_t sc = uint64_t(t.S) * t.cpw, slot = std::max<uint64_t>(sc, t.dq);
        const uint64_t tile = c_rule_cycles(run.a, t);
        const uint64_t either = sc + uint64_t(t.G - 1) * slot + t.dq;
        run.busy_sum += tile;
        run.tot.tiles++;
        const uint64_t want_c[7] = {tile,
                                    uint64_t(t.G) * sc,
                                    uint64_t(t.G) * t.dq,
                                    tile - either,
                                    run.tot.tiles,
                                    run.busy_sum,
                                    run.link.words_written};
        const char *why[7] = {"c_rule_cycles: sim/pe/pe_bitmod.c's cycles() + dequant_cycles",
                              "G x S x cpw", "G x dq_bits",
                              "tile_cycles - cycles computing or dequantizing",
                              "tiles since RESET", "tile_cycles summed since RESET",
                              "words written since RESET"};
        for (unsigned k = 0; k < 7; k++)
            if (uint32_t(want_c[k]) != cn.v[k])
                return say(EXIT_CHECK, "MISMATCH in %s: counter %s: expected %llu (%s), got %u "
                                       "(the board)",
                           t.what.c_str(), ab_fpga_counter_name(k),
                           (unsigned long long)want_c[k], why[k], cn.v[k]);
        if (tile != uint64_t(t.G) * slot + t.dq)
            return say(EXIT_CHECK, "internal: %s: the C rule says %llu cycles, the documented "
                                   "controller timing %llu",
                       t.what.c_str(), (unsigned long long)tile,
                       (unsigned long long)(uint64_t(t.G) * slot + t.dq));
        run.tot.cycles += tile;
        if (!have_v)
            continue;
        // the op's outputs: group results summed in FP32 in group order,
        // times the row scale (sim/values/values_bitmod.c), bit for bit
        for (unsigned r = 0; r < t.R && ot.n0 + r < v.N; r++)
            for (unsigned c = 0; c < t.C && ot.m0 + c < v.M; c++) {
                const size_t out = (ot.m0 + c) * v.N + ot.n0 + r;
                for (unsigned g = 0; g < t.G; g++)
                    acc[out] = acc[out] + float(word_value(words[(size_t(g) * t.R + r) * t.C + c],
                                                           t.ssign[size_t(r) * t.G + g]));
                groups_done[out] += t.G;
                if (groups_done[out] != v.G)
                    continue;
                const float y = acc[out] * v.row_scale[ot.n0 + r];
                uint32_t yb, eb;
                std::memcpy(&yb, &y, 4);
                std::memcpy(&eb, &datapath[out], 4);
                run.tot.outputs++;
                if (yb != eb)
                    return say(EXIT_CHECK, "MISMATCH in %s: op output (m %zu, n %zu): the board's "
                                           "group results give %.9g (0x%08x), "
                                           "sim/values/values_bitmod.c's datapath %.9g (0x%08x)",
                               t.what.c_str(), ot.m0 + c, ot.n0 + r, double(y), yb,
                               double(datapath[out]), eb);
            }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const ab_fpga_link_stats &s = run.link.stats;
    if (o.stats) {
        ab_fpga_run_stats &x = *o.stats;
        x.tiles = run.tot.tiles;
        x.result_words = run.tot.words;
        x.op_outputs = run.tot.outputs;
        x.cycles = run.tot.cycles;
        x.retries = ab_fpga_link_retries(&run.link);
        x.requests = s.requests;
        x.bytes_sent = s.bytes_sent;
        x.bytes_received = s.bytes_received;
        x.seconds = secs;
    }
    if (o.quiet && !o.json)
        return EXIT_OK;
    FILE *table = o.json && std::strcmp(o.json, "-") == 0 ? stderr : stdout;
    const uint64_t bytes = s.bytes_sent + s.bytes_received;
    std::fprintf(table, "fpga run on %s at %u baud: board %u x %u PEs of %u lanes, %u steps, %u "
                        "groups, %u kHz (12 MHz / %u), build 0x%08x%s\n",
                 o.port, run.link.port.baud, run.d.rows, run.d.cols, run.d.lanes, run.d.steps,
                 run.d.groups, run.id.sysclk_khz, run.id.clk_div, run.id.build_hash,
                 (run.id.flags & 1u) ? " [planted fault ON]" : "");
    std::fprintf(table, "  workload            %s\n", workload.c_str());
    std::fprintf(table, "  tiles               %llu (results vs ab_bitmod_pe_group, counters vs "
                        "the C cycle rule)\n", (unsigned long long)run.tot.tiles);
    std::fprintf(table, "  result words        %llu bit-exact\n", (unsigned long long)run.tot.words);
    if (have_v)
        std::fprintf(table, "  op outputs          %llu bit-exact (vs sim/values/values_bitmod.c's "
                            "datapath)\n", (unsigned long long)run.tot.outputs);
    std::fprintf(table, "  cycles              %llu working cycles (tile_cycles = c_rule_cycles, "
                        "every tile)\n", (unsigned long long)run.tot.cycles);
    std::fprintf(table, "  retries             %llu (crc %llu, timeout %llu, len %llu, bad_reply "
                        "%llu, no_reply %llu)\n",
                 (unsigned long long)ab_fpga_link_retries(&run.link),
                 (unsigned long long)s.retry_crc, (unsigned long long)s.retry_timeout,
                 (unsigned long long)s.retry_len, (unsigned long long)s.retry_bad_reply,
                 (unsigned long long)s.retry_no_reply);
    std::fprintf(table, "  link                %llu requests, %llu bytes sent, %llu received in "
                        "%.3f s: %.2f tiles/s, %.0f bytes/s\n",
                 (unsigned long long)s.requests, (unsigned long long)s.bytes_sent,
                 (unsigned long long)s.bytes_received, secs,
                 secs > 0 ? double(run.tot.tiles) / secs : 0.0,
                 secs > 0 ? double(bytes) / secs : 0.0);
    std::fprintf(table, "  result              agree\n");
    if (o.json)
        return write_json(o, run, workload, secs);
    return EXIT_OK;
}

} // namespace

extern "C" uint32_t ab_fpga_fastest_baud(uint32_t sysclk_hz)
{
    static const uint32_t rates[] = {4000000, 3500000, 3000000, 2500000, 2000000, 1500000,
                                     1152000, 1000000, 921600,  576000,  500000,  460800,
                                     230400,  115200};
    for (uint32_t r : rates) {
        uint16_t d;
        if (ab_fpga_baud_divisor(sysclk_hz, r, &d, nullptr) == 0)
            return r;
    }
    return AB_FPGA_BOOT_BAUD;
}

extern "C" int ab_fpga_run(const ab_fpga_run_opts *o)
{
    Runner run(*o);
    return run_all(run);
}
