/* lab6_fpga.c - lab 6, "FPGA bring-up without a board" (labs/lab6-fpga/).
 *
 * Part A, the synthesis: the student builds the iCEBreaker bitstream once
 * (`anybit fpga build fpga` in the lab folder, the seed picking CLK_DIV)
 * and reads utilization and Fmax from fpga/fpga.json.  Those questions are
 * of kind AB_LAB_Q_CHECK: `check` grades them against the student's own
 * fpga.json, never rebuilding, after validating it: its build hash must be
 * the one this anybit was built with (CMake's hash of fpga/flow/sources.txt's
 * files, the one `anybit fpga run` asks the board for), its CLK_DIV the
 * seed's and its array the board preset's.  A stale or foreign build fails
 * q1 and with it every synthesis question, with the reason.
 *
 * Part B, the board-less run: one op of the example trace, the first
 * `tiles` of its tiles, through the Verilated board over a pseudo-terminal
 * (`anybit fpga sim -- anybit fpga run ...`), then the same op through the
 * simulator.  The expected values come from the library: the board's
 * working cycles from the BitMoD PE's cycle rule (sim/pe/pe_bitmod.c, the
 * rule `anybit fpga run` checks every on-chip counter against: a tile's
 * cycles plus its last group's dequantization), the simulator's from the
 * engine (ab_sim_op on configs/icebreaker.yaml), as `anybit run` prints.
 *
 * Teachers: the questions' points and tolerances are the table below.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "engine/engine.h"
#include "lab/lab_impl.h"
#include "pe/pe.h"
#include "synth.h"
#include "tensor_io.h"
#include "workload/trace.h"
#include "workload/workload.h"

/* The hash CMake computed from fpga/flow/sources.txt's files (docs/fpga.md
 * "Build hash"); CMakeLists.txt defines it for this file. */
#ifndef AB_LAB6_BUILD_HASH
#define AB_LAB6_BUILD_HASH 0u
#define AB_LAB6_BUILD_HASH_KNOWN 0
#endif

enum {
    Q_BUILD, Q_LC, Q_LC_PCT, Q_EBR, Q_FMAX, Q_SLACK,      /* part A: fpga.json */
    Q_BOARD, Q_SIM_COMPUTE, Q_BOARD_OP, Q_SIM_CYCLES, NQ, /* part B */
};
#define NQ_SYNTH (Q_SLACK + 1)

static const ab_lab_question questions[NQ] = {
    [Q_BUILD] = {"q1_fpga_build",
                 "fpga/fpga.json from `anybit fpga build` of the current sources (build hash), "
                 "with your seed's clk_div", 2, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_CHECK},
    [Q_LC] = {"q2_logic_cells", "logic cells (ICESTORM_LC) the design uses", 2,
              AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_CHECK},
    [Q_LC_PCT] = {"q3_logic_cells_percent", "those logic cells in % of the UP5K's", 1,
                  AB_LAB_TOL_ABS, 0.5, AB_LAB_Q_CHECK},
    [Q_EBR] = {"q4_ebr_blocks", "block RAMs (ICESTORM_RAM, 4 kbit EBR) used", 1,
               AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_CHECK},
    [Q_FMAX] = {"q5_fmax_sys_mhz", "post-route Fmax of the system clock, MHz", 2,
                AB_LAB_TOL_REL, 0.005, AB_LAB_Q_CHECK},
    [Q_SLACK] = {"q6_slack_ns",
                 "the system clock's slack: its period at the target minus the critical path "
                 "(1000/target - 1000/Fmax), ns; negative: it does not meet the clock", 2,
                 AB_LAB_TOL_ABS, 0.5, AB_LAB_Q_CHECK},
    [Q_BOARD] = {"q7_board_cycles",
                 "the board's working cycles of your op's first `tiles` tiles (`cycles` of "
                 "anybit fpga run --json)", 3, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
    [Q_SIM_COMPUTE] = {"q8_sim_compute_cycles",
                       "the simulator's compute cycles of the whole op (anybit run, icebreaker)",
                       2, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
    [Q_BOARD_OP] = {"q9_board_cycles_whole_op",
                    "the board's working cycles of all of the op's tiles (predicted from q7 and "
                    "the simulator's tile count)", 2, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
    [Q_SIM_CYCLES] = {"q10_sim_cycles",
                      "the simulator's total cycles of the op, the UART link as its DRAM", 1,
                      AB_LAB_TOL_REL, 0.01, AB_LAB_Q_ANSWER},
};

/* The trace of part B and its ops that carry values (weights and
 * activations: the ones the board can run, `anybit trace info` lists them);
 * expected() checks that each still does. */
static const char trace_rel[] = "traces/examples/tiny-decode16-bitmod-synthetic.safetensors";
static const unsigned value_ops[] = {0, 1, 2, 5};
/* The board's depths as fpga/flow/build.sh builds it (STEPS, NGROUPS;
 * docs/fpga.md "Resources and Fmax"): an op lab 6 picks must fit one tile
 * along K. */
enum { BOARD_STEPS = 256, BOARD_GROUPS = 16 };

typedef struct lab6_draw {
    unsigned clk_div; /* the build's CLK_DIV: system clock 12 MHz / clk_div */
    unsigned op;      /* trace op index */
    unsigned tiles;   /* --tiles of the board-less run */
} lab6_draw;

static void draw(uint64_t seed, lab6_draw *d)
{
    ab_rng r;
    ab_rng_seed(&r, seed ^ 0x1ab6f96a00000006u);
    d->clk_div = 2u + (unsigned)(ab_rng_next(&r) % 3u); /* 2 .. 4: 6, 4, 3 MHz */
    d->op = value_ops[ab_rng_next(&r) % (sizeof value_ops / sizeof value_ops[0])];
    d->tiles = 4u + (unsigned)(ab_rng_next(&r) % 9u); /* 4 .. 12: a few seconds at 115200 baud */
}

static void params(uint64_t seed, ab_lab_params *out)
{
    lab6_draw d;
    draw(seed, &d);
    memset(out, 0, sizeof *out);
    ab_lab_param_add(out, "clk_div", "%u", d.clk_div);
    ab_lab_param_add(out, "trace", "%s", trace_rel);
    ab_lab_param_add(out, "op", "%u", d.op);
    ab_lab_param_add(out, "tiles", "%u", d.tiles);
}

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

/* Part B's numbers for op d->op: the board's cycles per tile (the cycle
 * rule of one tile of the op plus its last group's dequantization, as
 * rtl/sim/cosim_array.cpp's c_rule_cycles), its tiles, and the engine's
 * statistics of the op. */
static int part_b(const lab6_draw *d, uint64_t *per_tile, uint64_t *tiles, ab_op_stats *st,
                  ab_error *err)
{
    ab_accel a;
    if (ab_accel_load("icebreaker", &a, err) != 0)
        return -1;
    char root[4096], path[4200];
    ab_data_root(root, sizeof root);
    snprintf(path, sizeof path, "%s/%s", root, trace_rel);
    ab_trace t;
    if (ab_trace_read(path, &t, err) != 0)
        return -1;
    int rc = -1;
    ab_pe_op po;
    if (d->op >= t.nops || !ab_trace_op_has_values(&t, d->op)) {
        ab_error_set(err, "%s: op %u carries no values (lab 6 needs one the board can run)", path,
                     d->op);
        goto done;
    }
    const ab_op *op = &t.ops[d->op].op;
    if (ab_pe_prepare(&a, op, &po, err) != 0)
        goto done;
    const uint64_t group = po.group ? po.group : op->K;
    const uint64_t G = ceil_div(op->K, group);
    if (G > BOARD_GROUPS || G * ceil_div(group, a.lanes) > BOARD_STEPS) {
        ab_error_set(err, "internal: lab 6's op %u (K %llu) needs more than one board tile along "
                     "K", d->op, (unsigned long long)op->K);
        goto done;
    }
    const ab_pe_work w = {.ws = false, .k0 = 0, .kt = G * group, .tokens = 0};
    *per_tile = ab_pe_cycles(&a, &po, &w) + po.dequant_cycles;
    /* output stationary: rows hold output channels n, columns tokens m */
    *tiles = ceil_div(op->N, a.rows) * ceil_div(op->M, a.cols);
    rc = ab_sim_op(&a, op, AB_MODE_FAST, st, err);
done:
    ab_trace_free(&t);
    return rc;
}

static int expected(uint64_t seed, double *e, ab_error *err)
{
    lab6_draw d;
    draw(seed, &d);
    uint64_t per_tile = 0, tiles = 0;
    ab_op_stats st;
    if (part_b(&d, &per_tile, &tiles, &st, err) != 0)
        return -1;
    const uint64_t run = d.tiles < tiles ? d.tiles : tiles;
    e[Q_BOARD] = (double)(run * per_tile);
    e[Q_SIM_COMPUTE] = (double)st.compute_cycles;
    e[Q_BOARD_OP] = (double)(tiles * per_tile);
    e[Q_SIM_CYCLES] = (double)st.cycles;
    return 0;
}

/* ---- part A: the student's fpga.json -------------------------------------- */

typedef struct lab6_build {
    double lc_used, lc_avail, ebr_used, fmax_mhz, target_mhz;
} lab6_build;

/* obj.a.b... as a number; false (with `why`) when absent or not a number */
static bool num_at(const cJSON *root, const char *const *keys, double *v, char *why, size_t cap)
{
    const cJSON *n = root;
    char path[128] = "";
    size_t used = 0;
    for (size_t i = 0; keys[i]; i++) {
        used += (size_t)snprintf(path + used, sizeof path - used, "%s%s", i ? "." : "", keys[i]);
        n = cJSON_IsObject(n) ? cJSON_GetObjectItemCaseSensitive(n, keys[i]) : NULL;
    }
    if (!cJSON_IsNumber(n)) {
        snprintf(why, cap, "fpga/fpga.json: %s: missing or not a number", path);
        return false;
    }
    *v = n->valuedouble;
    return true;
}

/* Read and validate DIR/fpga/fpga.json; false with the one-line reason. */
static bool read_build(const ab_lab_check_ctx *ctx, const lab6_draw *d, lab6_build *b, char *why,
                       size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/fpga/fpga.json", ctx->dir);
    uint8_t *buf = NULL;
    size_t len = 0;
    ab_error e = {{0}};
    if (ab_read_file(path, &buf, &len, &e) != 0) {
        snprintf(why, cap, "no fpga/fpga.json: run `anybit fpga build fpga` in your lab folder "
                 "(with CLK_DIV=%u)", d->clk_div);
        return false;
    }
    cJSON *j = cJSON_ParseWithLength((const char *)buf, len);
    free(buf);
    bool ok = false;
    if (!cJSON_IsObject(j)) {
        snprintf(why, cap, "fpga/fpga.json: not a JSON object (a broken or edited build?)");
        goto done;
    }
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "build_hash");
    char *end = NULL;
    const unsigned long hash = cJSON_IsString(h) ? strtoul(h->valuestring, &end, 16) : 0;
    if (!cJSON_IsString(h) || !end || *end || strlen(h->valuestring) != 8) {
        snprintf(why, cap, "fpga/fpga.json: build_hash: missing or not 8 hex digits");
        goto done;
    }
    if ((uint32_t)hash != (uint32_t)AB_LAB6_BUILD_HASH) {
        snprintf(why, cap, "fpga/fpga.json: build_hash %08lx is not the current sources' "
                 "(%08x): a stale or foreign build, run `anybit fpga build fpga` again", hash,
                 (unsigned)AB_LAB6_BUILD_HASH);
        goto done;
    }
    double clk_div = 0, rows = 0, cols = 0;
    static const char *const k_div[] = {"clk_div", NULL};
    static const char *const k_rows[] = {"array", "rows", NULL};
    static const char *const k_cols[] = {"array", "cols", NULL};
    static const char *const k_lc[] = {"utilization", "ICESTORM_LC", "used", NULL};
    static const char *const k_lca[] = {"utilization", "ICESTORM_LC", "available", NULL};
    static const char *const k_ebr[] = {"utilization", "ICESTORM_RAM", "used", NULL};
    static const char *const k_fmax[] = {"clocks", "clk_sys", "fmax_mhz", NULL};
    static const char *const k_tgt[] = {"clocks", "clk_sys", "target_mhz", NULL};
    if (!num_at(j, k_div, &clk_div, why, cap) || !num_at(j, k_rows, &rows, why, cap) ||
        !num_at(j, k_cols, &cols, why, cap) || !num_at(j, k_lc, &b->lc_used, why, cap) ||
        !num_at(j, k_lca, &b->lc_avail, why, cap) || !num_at(j, k_ebr, &b->ebr_used, why, cap) ||
        !num_at(j, k_fmax, &b->fmax_mhz, why, cap) || !num_at(j, k_tgt, &b->target_mhz, why, cap))
        goto done;
    if (clk_div != (double)d->clk_div) {
        snprintf(why, cap, "fpga/fpga.json: clk_div %g, your seed's is %u: build with "
                 "`CLK_DIV=%u anybit fpga build fpga`", clk_div, d->clk_div, d->clk_div);
        goto done;
    }
    ab_accel a;
    if (ab_accel_load("icebreaker", &a, &e) != 0 || rows != (double)a.rows ||
        cols != (double)a.cols) {
        snprintf(why, cap, "fpga/fpga.json: array %g x %g is not the board preset's (build "
                 "without ROWS or COLS set)", rows, cols);
        goto done;
    }
    if (b->lc_avail <= 0 || b->fmax_mhz <= 0 || b->target_mhz <= 0) {
        snprintf(why, cap, "fpga/fpga.json: a zero capacity, Fmax or target (a broken build?)");
        goto done;
    }
    ok = true;
done:
    cJSON_Delete(j);
    return ok;
}

static void grade_number(const ab_lab_question *q, const ab_lab_answer *a, double want,
                         ab_lab_result *r)
{
    r->answered = a->answered;
    r->answer = a->value;
    r->expected = want;
    r->pass = false;
    if (!a->present)
        snprintf(r->reason, sizeof r->reason, "missing from answers.yaml");
    else if (!a->answered)
        snprintf(r->reason, sizeof r->reason, "not answered (answer is blank)");
    else if (ab_lab_within(q, a->value, want)) {
        r->pass = true;
        snprintf(r->reason, sizeof r->reason, "%.10g matches your fpga/fpga.json", a->value);
    } else
        snprintf(r->reason, sizeof r->reason, "%.10g does not match your fpga/fpga.json",
                 a->value);
}

static int check(const ab_lab_check_ctx *ctx, ab_lab_result *r, ab_error *err)
{
    if (!AB_LAB6_BUILD_HASH_KNOWN)
        return ab_error_set(err, "lab 6: this anybit was built without the board's build hash "
                            "(fpga/flow/sources.txt missing at configure time)");
    lab6_draw d;
    draw(ctx->seed, &d);
    lab6_build b;
    char why[160];
    if (!read_build(ctx, &d, &b, why, sizeof why)) {
        snprintf(r[Q_BUILD].reason, sizeof r[Q_BUILD].reason, "%s", why);
        for (size_t i = Q_BUILD + 1; i < NQ_SYNTH; i++)
            snprintf(r[i].reason, sizeof r[i].reason, "needs a valid fpga build (q1_fpga_build)");
        return 0;
    }
    r[Q_BUILD].pass = true;
    snprintf(r[Q_BUILD].reason, sizeof r[Q_BUILD].reason,
             "fpga/fpga.json: build hash %08x, clk_div %u", (unsigned)AB_LAB6_BUILD_HASH,
             d.clk_div);
    const double want[NQ_SYNTH] = {
        [Q_LC] = b.lc_used,
        [Q_LC_PCT] = 100.0 * b.lc_used / b.lc_avail,
        [Q_EBR] = b.ebr_used,
        [Q_FMAX] = b.fmax_mhz,
        [Q_SLACK] = 1000.0 / b.target_mhz - 1000.0 / b.fmax_mhz,
    };
    for (size_t i = Q_BUILD + 1; i < NQ_SYNTH; i++)
        grade_number(&questions[i], &ctx->answers->a[i], want[i], &r[i]);
    return 0;
}

const ab_lab ab_lab6_fpga = {
    .number = 6,
    .dir = "lab6-fpga",
    .title = "FPGA bring-up without a board",
    .questions = questions,
    .nquestions = NQ,
    .params = params,
    .extra_file = NULL,
    .expected = expected,
    .check = check,
};
