/* cmd_cosim.c - `anybit cosim`: a Verilated RTL PE (or the PE array) in
 * lock-step with the C model of the same hardware (rtl/sim/rtl_cosim.h; docs/rtl.md "anybit cosim").
 *
 * Built into the anybit executable (not anybit_sim): with RTL
 * (ANYBIT_HAVE_RTL defined by CMake) it links anybit_rtl; without
 * Verilator it says so and exits 2.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "workload/trace.h"

#ifdef ANYBIT_HAVE_RTL
#include "values/pe_values.h"
#include "rtl_cosim.h"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: anybit cosim --rtl pe_bitmod|pe_btc|array (--trace T [--op N] [--tiles K] |\n"
            "                    --random N [--seed S]) [--lanes L] [--wave FILE.fst]\n\n"
            "  --rtl R        the Verilated model: pe_bitmod (rtl/pe_bitmod.v), pe_btc\n"
            "                 (rtl/pe_btc.v) or array (rtl/array_bitmod.v: R x C BitMoD PEs,\n"
            "                 their buffers and the tile controller)\n"
            "  --trace T      stimulus from a trace op's values (weights, activations, scales)\n"
            "  --op N         the op (0-based; default: the first op that carries values)\n"
            "  --tiles K      the first K work units of the op (default 1): pe_bitmod one output\n"
            "                 over K, pe_btc one tile_m x tile_n output tile, array R x C\n"
            "                 outputs over the groups its buffers hold\n"
            "  --random N     random stimulus of at least N cycles (the Cosim tests' generators)\n"
            "  --seed S       its seed (default 1)\n"
            "  --lanes L      pe_bitmod only: the PE's lanes, 1, 2, 4, 8 or 16 (default 4,\n"
            "                 BitMoD's; rtl/pe_bitmod.v's LANES), the C models with the same lanes\n"
            "  --wave FILE    FST waveform written at the first mismatch\n"
            "                 (default anybit-cosim-<R>.fst in the current directory)\n\n"
            "Every cycle every registered field of the RTL (and the debug view) is compared\n"
            "with the C model, and the cycle count with the simulator's timing model.\n"
            "Exit 0 when they agree; 1 at the first mismatch (op, tile, cycle, the signals\n"
            "with their RTL and C values, the waveform's path); 2 on bad input.\n"
            "(--inject-fault CYCLE, a test hook, drives the RTL's fault port at that cycle.)\n");
}

int cmd_cosim(int argc, char **argv)
{
    const char *rtl = NULL, *trace = NULL, *op_s = NULL, *tiles_s = NULL, *random_s = NULL,
               *seed_s = NULL, *wave = NULL, *fault_s = NULL, *lanes_s = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_value(argc, argv, &i, "--rtl", &rtl, &bad) ||
                   cli_opt_value(argc, argv, &i, "--trace", &trace, &bad) ||
                   cli_opt_value(argc, argv, &i, "--op", &op_s, &bad) ||
                   cli_opt_value(argc, argv, &i, "--tiles", &tiles_s, &bad) ||
                   cli_opt_value(argc, argv, &i, "--random", &random_s, &bad) ||
                   cli_opt_value(argc, argv, &i, "--seed", &seed_s, &bad) ||
                   cli_opt_value(argc, argv, &i, "--wave", &wave, &bad) ||
                   cli_opt_value(argc, argv, &i, "--lanes", &lanes_s, &bad) ||
                   cli_opt_value(argc, argv, &i, "--inject-fault", &fault_s, &bad)) {
            continue;
        } else {
            return cli_usage_error("cosim", "unexpected argument '%s' (anybit cosim --help)",
                                   argv[i]);
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!rtl)
        return cli_usage_error("cosim", "--rtl is required: pe_bitmod, pe_btc or array");
    const bool is_bitmod = strcmp(rtl, "pe_bitmod") == 0, is_array = strcmp(rtl, "array") == 0;
    if (!is_bitmod && !is_array && strcmp(rtl, "pe_btc") != 0)
        return cli_usage_error("cosim", "--rtl: unknown RTL model '%s' (pe_bitmod, pe_btc, array)",
                               rtl);
    if (!trace == !random_s)
        return cli_usage_error("cosim", "give one of --trace T or --random N (anybit cosim --help)");
    if (!trace && (op_s || tiles_s))
        return cli_usage_error("cosim", "--op and --tiles go with --trace");
    if (trace && seed_s)
        return cli_usage_error("cosim", "--seed goes with --random");
    size_t op = 0, tiles = 1, random_n = 0, seed = 1, fault = 0, lanes = 0;
    if (lanes_s && !is_bitmod)
        return cli_usage_error("cosim", "--lanes goes with --rtl pe_bitmod");
    if (lanes_s && (!cli_parse_size(lanes_s, 1, 16, &lanes) || (lanes & (lanes - 1)) != 0))
        return cli_usage_error("cosim", "--lanes: expected 1, 2, 4, 8 or 16, got '%s'", lanes_s);
    if (op_s && !cli_parse_size(op_s, 0, SIZE_MAX, &op))
        return cli_usage_error("cosim", "--op: expected an op index, got '%s'", op_s);
    if (tiles_s && !cli_parse_size(tiles_s, 1, SIZE_MAX, &tiles))
        return cli_usage_error("cosim", "--tiles: expected a count >= 1, got '%s'", tiles_s);
    if (random_s && !cli_parse_size(random_s, 1, (size_t)1 << 32, &random_n))
        return cli_usage_error("cosim", "--random: expected a cycle count 1 to 2^32, got '%s'",
                               random_s);
    if (seed_s && !cli_parse_size(seed_s, 0, SIZE_MAX, &seed))
        return cli_usage_error("cosim", "--seed: expected a non-negative integer, got '%s'",
                               seed_s);
    if (fault_s && !cli_parse_size(fault_s, 0, (size_t)1 << 40, &fault))
        return cli_usage_error("cosim", "--inject-fault: expected a cycle, got '%s'", fault_s);

#ifndef ANYBIT_HAVE_RTL
    (void)op;
    (void)tiles;
    (void)random_n;
    (void)seed;
    (void)fault;
    (void)wave;
    (void)is_bitmod;
    (void)is_array;
    (void)lanes;
    fprintf(stderr, "anybit cosim: this anybit was built without Verilator (the RTL models are "
                    "not compiled in; install verilator and reconfigure)\n");
    return AB_EXIT_USAGE;
#else
    char wave_default[64];
    if (!wave) {
        snprintf(wave_default, sizeof wave_default, "anybit-cosim-%s.fst", rtl);
        wave = wave_default;
    }
    ab_trace t;
    ab_error err = {0};
    bool have_trace = false;
    if (trace) {
        if (ab_trace_read(trace, &t, &err) != 0)
            return cli_input_error("cosim", &err);
        have_trace = true;
        if (!op_s) {
            size_t i = 0;
            while (i < t.nops && !ab_values_present(&t, i))
                i++;
            if (i == t.nops) {
                ab_trace_free(&t);
                fprintf(stderr, "anybit cosim: %s: no op carries values (weights and "
                                "activations); cosim needs them\n", trace);
                return AB_EXIT_USAGE;
            }
            op = i;
        }
    }
    ab_cosim_opts o;
    memset(&o, 0, sizeof o);
    o.pe = is_bitmod ? AB_COSIM_PE_BITMOD : is_array ? AB_COSIM_PE_ARRAY : AB_COSIM_PE_BTC;
    o.trace = have_trace ? &t : NULL;
    o.op = op;
    o.tiles = tiles;
    o.random_cycles = random_n;
    o.seed = seed;
    o.wave = wave;
    o.lanes = (unsigned)lanes;
    o.fault_cycle = fault_s ? (int64_t)fault : -1;
    ab_cosim_result r;
    const int rc = ab_cosim_run(&o, &r, &err);
    if (have_trace)
        ab_trace_free(&t);
    if (rc != 0) {
        if (trace)
            fprintf(stderr, "anybit cosim: %s: %s\n", trace, err.msg);
        else
            fprintf(stderr, "anybit cosim: %s\n", err.msg);
        return AB_EXIT_USAGE;
    }
    if (lanes)
        printf("cosim %s (%zu lanes) vs the C model: %s\n", rtl, lanes, r.unit);
    else
        printf("cosim %s vs the C model: %s\n", rtl, r.unit);
    printf("  RTL cycles          %" PRIu64 " (C timing model: %" PRIu64 ")  [%s]\n", r.cycles,
           r.model_cycles,
           is_array ? "the array controller's count, summed over the tiles"
                    : "the RTL's own count, summed over the work units");
    printf("  vectors             %" PRIu64 " (%s)\n", r.vectors,
           is_bitmod ? "weight groups"
           : is_array ? "tiles, every PE's registered fields vs a C PE, every clock"
           : (trace ? "output tiles" : "problems"));
    if (is_array && trace) {
        printf("  group results       %" PRIu64 " (every PE's vs ab_bitmod_pe_group)\n",
               r.group_checks);
        printf("  outputs compared    %" PRIu64 " (op outputs vs sim/values/values_bitmod.c's "
               "datapath, bit-exact)\n", r.outputs);
    } else if (is_array) {
        printf("  outputs compared    %" PRIu64 " (group results, every PE's vs "
               "ab_bitmod_pe_group)\n", r.outputs);
    } else if (is_bitmod && !trace) {
        printf("  outputs compared    (random work units: every registered field against the C "
               "PE, every cycle; group results against ab_bitmod_pe_group with --trace)\n");
    } else {
        printf("  outputs compared    %" PRIu64 " (%s)\n", r.outputs,
               is_bitmod ? "outputs, every group's dequantized value vs ab_bitmod_pe_group"
                         : "accumulators vs ab_bp_gemm at the end of each group piece");
    }
    /* the rate of clocks driven: the RTL's own counts overlap (a unit's
     * last dequantization runs behind the next unit) */
    const uint64_t clocks = r.driven_cycles ? r.driven_cycles : r.cycles;
    printf("  lock-step           %.3f s, %.2f M cycles/s\n", r.seconds,
           r.seconds > 0 ? (double)clocks / r.seconds / 1e6 : 0.0);
    if (r.agree) {
        printf("  RTL alone           %.2f M cycles/s\n", r.rtl_cycles_per_s / 1e6);
        printf("  result              agree (every registered field, every cycle)\n");
        ab_cosim_result_free(&r);
        return AB_EXIT_OK;
    }
    fputs(r.report ? r.report : "cosim mismatch\n", stdout);
    if (!r.wave_written && r.report && strstr(r.report, "waveform") == NULL)
        printf("    (no per-cycle mismatch: no waveform written)\n");
    printf("  result              MISMATCH\n");
    ab_cosim_result_free(&r);
    return AB_EXIT_CHECK;
#endif
}
