/* cmd_fpga.c - `anybit fpga`: the iCEBreaker board and its board-less twin
 * (docs/fpga.md).  run: tiles on a board over its serial port, checked
 * against the C models (fpga/host/fpga_run.h); sim: the Verilated board on
 * a pseudo-terminal (fpga/sim/fpga_sim.h); build, program, estimate: the
 * board flow's scripts (build.sh, program.sh, estimate.sh in the data root's fpga/flow/).
 *
 * run and sim need the RTL build (ANYBIT_HAVE_RTL); without Verilator they
 * say so and exit 2, as cosim does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "workload/trace.h"

#ifdef ANYBIT_HAVE_RTL
#include "fpga/host/fpga_run.h"
#include "fpga/sim/fpga_sim.h"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: anybit fpga run --port DEV (--trace T [--op N] [--tiles K] | --random N\n"
            "                       [--seed S]) [--baud B] [--timeout-ms MS] [--retries R]\n"
            "                       [--config C] [--expect-build HASH] [--json FILE]\n"
            "       anybit fpga sim [--drop-rx N] [--flip-rx N] [--drop-tx N] [--flip-tx N]\n"
            "                       [--mute-after N] [--baud-error PERMILLE] [--plant-fault]\n"
            "                       [--stats] [-- CMD ARGS...]\n"
            "       anybit fpga build | program | estimate [ARGS...]\n\n"
            "run       identify the board (magic, protocol version, build hash, array shape\n"
            "          against --config, default the icebreaker preset), switch to --baud\n"
            "          (default 115200), and run tiles on it: every result word against\n"
            "          ab_bitmod_pe_group (kernels/bitmod_pe.h), every counter against the C\n"
            "          cycle rule. --trace: the tiles of an op (default the first op with\n"
            "          values; --tiles K: the first K, default all); --random N: N random\n"
            "          tiles. --timeout-ms (default 1000) per reply, --retries (default 3)\n"
            "          per request. --json FILE ('-': stdout) writes the summary.\n"
            "sim       the Verilated board behind a pseudo-terminal, bridged bit by bit at\n"
            "          the baud the host sets; prints 'port /dev/pts/N' and runs until\n"
            "          killed, or runs CMD with each {port} replaced by the path and exits\n"
            "          with its status. Faults: the N-th byte host->board (rx) or\n"
            "          board->host (tx) dropped or with bit 0 flipped; --mute-after N: the\n"
            "          board's replies after the N-th are not bridged; --plant-fault: the\n"
            "          array's planted fault on; --baud-error E: the host's line runs E per\n"
            "          mille (-100 .. 100) off its rate. --stats: a statistics line at the end.\n"
            "build     fpga/flow/build.sh (the bitstream); program: fpga/flow/program.sh;\n"
            "          estimate: fpga/flow/estimate.sh\n\n"
            "Exit 0 when every check passes; 1 at the first mismatch (tile, output, expected,\n"
            "got); 2 on bad input, a port that is no serial port, a board of another build\n"
            "or shape, or a board that stops answering.\n");
}

/* fpga/flow/NAME under the data root, run with args; its exit status. */
static int run_flow_script(const char *sub, const char *script, int argc, char **argv)
{
    char root[4096], path[4300];
    ab_data_root(root, sizeof root);
    snprintf(path, sizeof path, "%s/fpga/flow/%s", root, script);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "anybit fpga %s: %s: not found (the board flow, fpga/flow/, is not in the "
                        "data root %s)\n", sub, path, root);
        return AB_EXIT_USAGE;
    }
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (!args) {
        fprintf(stderr, "anybit fpga %s: out of memory\n", sub);
        return AB_EXIT_USAGE;
    }
    char shell[] = "bash";
    args[0] = shell;
    args[1] = path;
    for (int i = 0; i < argc; i++)
        args[2 + i] = argv[i];
    fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) {
        free(args);
        fprintf(stderr, "anybit fpga %s: fork: %s\n", sub, strerror(errno));
        return AB_EXIT_USAGE;
    }
    if (pid == 0) {
        execvp(args[0], args);
        fprintf(stderr, "anybit fpga %s: cannot run bash %s: %s\n", sub, path, strerror(errno));
        _exit(AB_EXIT_USAGE);
    }
    free(args);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "anybit fpga %s: waitpid: %s\n", sub, strerror(errno));
            return AB_EXIT_USAGE;
        }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

#ifndef ANYBIT_HAVE_RTL
static int no_rtl(const char *sub)
{
    fprintf(stderr, "anybit fpga %s: this anybit was built without Verilator (the Verilated "
                    "board and the tile checker are not compiled in; install verilator and "
                    "reconfigure)\n", sub);
    return AB_EXIT_USAGE;
}
#endif

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    size_t v = 0;
    if (!cli_parse_size(s, (size_t)lo, (size_t)hi, &v))
        return false;
    *out = v;
    return true;
}

static int cmd_fpga_sim(int argc, char **argv)
{
    const char *drop_rx = NULL, *flip_rx = NULL, *drop_tx = NULL, *flip_tx = NULL, *mute = NULL;
    const char *baud_error = NULL;
    bool plant = false, stats = false, bad = false;
    char **cmd = NULL;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("fpga sim", "'--' must be followed by a command");
            cmd = argv + i + 1;
            break;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (strcmp(argv[i], "--plant-fault") == 0) {
            plant = true;
        } else if (strcmp(argv[i], "--stats") == 0) {
            stats = true;
        } else if (cli_opt_once(argc, argv, &i, "--drop-rx", &drop_rx, &bad) ||
                   cli_opt_once(argc, argv, &i, "--flip-rx", &flip_rx, &bad) ||
                   cli_opt_once(argc, argv, &i, "--drop-tx", &drop_tx, &bad) ||
                   cli_opt_once(argc, argv, &i, "--flip-tx", &flip_tx, &bad) ||
                   cli_opt_once(argc, argv, &i, "--mute-after", &mute, &bad) ||
                   cli_opt_once(argc, argv, &i, "--baud-error", &baud_error, &bad)) {
            continue;
        } else {
            return cli_usage_error("fpga sim", "unexpected argument '%s' (anybit fpga --help)",
                                   argv[i]);
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    uint64_t v[5] = {0, 0, 0, 0, 0};
    const char *vals[5] = {drop_rx, flip_rx, drop_tx, flip_tx, mute};
    const char *names[5] = {"--drop-rx", "--flip-rx", "--drop-tx", "--flip-tx", "--mute-after"};
    for (int k = 0; k < 5; k++)
        if (vals[k] && !parse_u64(vals[k], k == 4 ? 0 : 1, UINT32_MAX, &v[k]))
            return cli_usage_error("fpga sim", "%s: expected a byte count%s, got '%s'", names[k],
                                   k == 4 ? " (replies, >= 0)" : " >= 1", vals[k]);
    long error_permille = 0;
    if (baud_error) {
        char *end = NULL;
        error_permille = strtol(baud_error, &end, 10);
        if (end == baud_error || *end != '\0' || error_permille < -100 || error_permille > 100)
            return cli_usage_error("fpga sim", "--baud-error: expected per mille, -100 .. 100, got '%s'",
                                   baud_error);
    }
#ifndef ANYBIT_HAVE_RTL
    (void)error_permille;
    (void)plant;
    (void)stats;
    (void)cmd;
    return no_rtl("sim");
#else
    ab_fpga_sim_opts o;
    memset(&o, 0, sizeof o);
    o.drop_rx = v[0];
    o.flip_rx = v[1];
    o.drop_tx = v[2];
    o.flip_tx = v[3];
    o.mute_after = mute ? (int64_t)v[4] : -1;
    o.baud_error_permille = (int32_t)error_permille;
    o.plant_fault = plant;
    o.stats = stats;
    o.cmd = cmd;
    return ab_fpga_sim_main(&o);
#endif
}

static int cmd_fpga_run(int argc, char **argv)
{
    const char *port = NULL, *trace = NULL, *op_s = NULL, *tiles_s = NULL, *random_s = NULL,
               *seed_s = NULL, *baud_s = NULL, *timeout_s = NULL, *retries_s = NULL,
               *config = NULL, *expect_s = NULL, *json = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_once(argc, argv, &i, "--port", &port, &bad) ||
                   cli_opt_once(argc, argv, &i, "--trace", &trace, &bad) ||
                   cli_opt_once(argc, argv, &i, "--op", &op_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "--tiles", &tiles_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "--random", &random_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "--seed", &seed_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "--baud", &baud_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "--timeout-ms", &timeout_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "--retries", &retries_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "--config", &config, &bad) ||
                   cli_opt_once(argc, argv, &i, "--expect-build", &expect_s, &bad) ||
                   cli_opt_once(argc, argv, &i, "--json", &json, &bad)) {
            continue;
        } else {
            return cli_usage_error("fpga run", "unexpected argument '%s' (anybit fpga --help)",
                                   argv[i]);
        }
    }
    if (bad)
        return AB_EXIT_USAGE;
    if (!port)
        return cli_usage_error("fpga run", "--port DEV is required (the board's serial port, "
                                           "or the pty of anybit fpga sim)");
    if (!trace == !random_s)
        return cli_usage_error("fpga run", "give one of --trace T or --random N");
    if (!trace && (op_s || tiles_s))
        return cli_usage_error("fpga run", "--op and --tiles go with --trace");
    if (trace && seed_s)
        return cli_usage_error("fpga run", "--seed goes with --random");
    uint64_t op = 0, tiles = 0, random_n = 0, seed = 1, baud = 115200, timeout = 1000,
             retries = 3, expect = 0;
    if (op_s && !parse_u64(op_s, 0, UINT32_MAX, &op))
        return cli_usage_error("fpga run", "--op: expected an op index, got '%s'", op_s);
    if (tiles_s && !parse_u64(tiles_s, 1, UINT32_MAX, &tiles))
        return cli_usage_error("fpga run", "--tiles: expected a count >= 1, got '%s'", tiles_s);
    if (random_s && !parse_u64(random_s, 1, UINT32_MAX, &random_n))
        return cli_usage_error("fpga run", "--random: expected a tile count >= 1, got '%s'",
                               random_s);
    if (seed_s && !parse_u64(seed_s, 0, UINT32_MAX, &seed))
        return cli_usage_error("fpga run", "--seed: expected a non-negative integer, got '%s'",
                               seed_s);
    if (baud_s && !parse_u64(baud_s, 1, 4000000, &baud))
        return cli_usage_error("fpga run", "--baud: expected a rate up to 4000000, got '%s'",
                               baud_s);
    if (timeout_s && !parse_u64(timeout_s, 1, 600000, &timeout))
        return cli_usage_error("fpga run", "--timeout-ms: expected 1 .. 600000, got '%s'",
                               timeout_s);
    if (retries_s && !parse_u64(retries_s, 0, 100, &retries))
        return cli_usage_error("fpga run", "--retries: expected 0 .. 100, got '%s'", retries_s);
    if (expect_s) {
        char *end = NULL;
        errno = 0;
        const unsigned long long x = strtoull(expect_s, &end, 0);
        if (errno || !end || *end || end == expect_s || x > UINT32_MAX)
            return cli_usage_error("fpga run", "--expect-build: expected a 32-bit hash (0x1234abcd), "
                                               "got '%s'", expect_s);
        expect = x;
    }
#ifndef ANYBIT_HAVE_RTL
    (void)json;
    (void)config;
    (void)expect;
    return no_rtl("run");
#else
    bool known = false;
    const uint32_t compiled = ab_fpga_build_hash(&known);
    if (!expect_s && !known) {
        fprintf(stderr, "anybit fpga run: this anybit was configured without fpga/flow/sources.txt, "
                        "so it knows no board build hash; give --expect-build HASH\n");
        return AB_EXIT_USAGE;
    }
    ab_trace t;
    ab_error err = {0};
    if (trace && ab_trace_read(trace, &t, &err) != 0)
        return cli_input_error("fpga run", &err);
    ab_fpga_run_opts o;
    memset(&o, 0, sizeof o);
    o.port = port;
    o.trace = trace ? &t : NULL;
    o.trace_path = trace;
    o.op = (size_t)op;
    o.op_given = op_s != NULL;
    o.tiles = tiles;
    o.random_tiles = random_n;
    o.seed = seed;
    o.baud = (uint32_t)baud;
    o.timeout_ms = (unsigned)timeout;
    o.retries = (unsigned)retries;
    o.config = config ? config : "icebreaker";
    o.expect_build = expect_s ? (uint32_t)expect : compiled;
    o.json = json;
    const int rc = ab_fpga_run(&o);
    if (trace)
        ab_trace_free(&t);
    return rc;
#endif
}

int cmd_fpga(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? AB_EXIT_USAGE : AB_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "run") == 0)
        return cmd_fpga_run(argc - 1, argv + 1);
    if (strcmp(sub, "sim") == 0)
        return cmd_fpga_sim(argc - 1, argv + 1);
    if (strcmp(sub, "build") == 0)
        return run_flow_script("build", "build.sh", argc - 2, argv + 2);
    if (strcmp(sub, "program") == 0)
        return run_flow_script("program", "program.sh", argc - 2, argv + 2);
    if (strcmp(sub, "estimate") == 0)
        return run_flow_script("estimate", "estimate.sh", argc - 2, argv + 2);
    return cli_usage_error("fpga", "unknown subcommand '%s' (run, sim, build, program, estimate)",
                           sub);
}
