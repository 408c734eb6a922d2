/* lab2_pe.c - lab 2, "A bit-serial PE in RTL" (labs/lab2-pe/).
 *
 * The seed picks a BitMoD PE configuration (LANES 8 or 16, a weight format,
 * the group size, the groups of one output, the integer scale's bits) and
 * the values of a short run: reset, one work unit (one output over its K),
 * reset, a second unit, in the hardware schedule of rtl/pe_bitmod.v
 * ("Work-unit timing": a group's dequantization behind the next group's
 * steps, the dequantizer pacing a group shorter than its scale).
 *
 * The code part Verilates the student's five .v files with LANES and the
 * unit counter set and the lab's testbench (labs/lab2-pe/harness/
 * pe_lab_tb.cpp), runs that stimulus through them and compares, cycle by
 * cycle, every register (and on step cycles the adder tree's output, the
 * accumulator's sum, the exponent max and the normalization shift) with the
 * bit-exact C model kernels/bitmod_pe.h, and the unit counter's cycles with
 * the simulator's cycle rule (sim/pe/pe_bitmod.c through ab_pe_cycles, plus
 * the last group's dequantization).  The waveform of the run is left in the
 * student's folder as pe.fst (not in the reference solution's); the
 * folder's pe.gtkw, which `lab start` writes (extra_file), opens it.
 *
 * The numeric answers come from the same two models: one unit's cycles from
 * the cycle rule, the first unit_done's cycle from the schedule, the
 * dequantized mantissa then from the C model.
 *
 * Teachers: the questions' points and tolerances are the table below; the
 * tools' time limits are BUILD_LIMIT_S and RUN_LIMIT_S.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "accel/accel.h"
#include "atomic_file.h"
#include "bitmod_pe.h"
#include "bitmod_terms.h"
#include "format.h"
#include "lab/lab_impl.h"
#include "pe/pe.h"
#include "synth.h"

enum { Q_UNIT_CYCLES, Q_DONE_CYCLE, Q_DONE_DQ_MAN, Q_BUILDS, Q_BIT_EXACT, Q_CYCLE_RULE, NQ };

static const ab_lab_question questions[NQ] = {
    [Q_UNIT_CYCLES] = {.id = "q1_unit_cycles",
                       .what = "cycles of one work unit (one output over its K, its last "
                               "dequantization included) by the PE's cycle rule",
                       .points = 2, .tol_kind = AB_LAB_TOL_EXACT, .tol = 0.0,
                       .kind = AB_LAB_Q_ANSWER},
    [Q_DONE_CYCLE] = {.id = "q2_first_done_cycle",
                      .what = "the cycle (waveform time / 10) after whose rising edge unit_done "
                              "is first high",
                      .points = 1, .tol_kind = AB_LAB_TOL_EXACT, .tol = 0.0,
                      .kind = AB_LAB_Q_ANSWER},
    [Q_DONE_DQ_MAN] = {.id = "q3_first_done_dq_man",
                       .what = "dq_man (signed decimal) while unit_done is first high",
                       .points = 2, .tol_kind = AB_LAB_TOL_EXACT, .tol = 0.0,
                       .kind = AB_LAB_Q_ANSWER},
    [Q_BUILDS] = {.id = "q_rtl_builds",
                  .what = "your five .v files Verilate and build with LANES = lanes",
                  .points = 1, .tol_kind = AB_LAB_TOL_EXACT, .tol = 0.0,
                  .kind = AB_LAB_Q_CHECK},
    [Q_BIT_EXACT] = {.id = "q_rtl_bit_exact",
                     .what = "every register, every cycle, equals the C model kernels/bitmod_pe",
                     .points = 3, .tol_kind = AB_LAB_TOL_EXACT, .tol = 0.0,
                     .kind = AB_LAB_Q_CHECK},
    [Q_CYCLE_RULE] = {.id = "q_rtl_cycle_rule",
                      .what = "unit_done and unit_cycles agree with the simulator's cycle rule",
                      .points = 2, .tol_kind = AB_LAB_TOL_EXACT, .tol = 0.0,
                      .kind = AB_LAB_Q_CHECK},
};

/* Wall-clock limits of the code part's tools: a cold Verilator build of the
 * PE and its testbench takes 20 - 60 s on a loaded 2-core machine (measured,
 * labs/TEACHING.md), ~1 s from ccache; the run takes milliseconds. */
#define BUILD_LIMIT_S 110.0
#define RUN_LIMIT_S 20.0

#define UNITS 2          /* work units of the run, each after a reset */
#define RESET_CYCLES 2   /* cycles of rst_n low before each unit */
#define MAX_CYCLES 2048  /* far above the largest run the draw makes */
#define ACT_CENTRE 15    /* FP16 exponent around which the activations lie (value ~1) */

/* The RTL's five files, as the student's folder holds them. */
static const char *const rtl_files[] = {"pe_bitmod.v", "bitmod_bs_mul.v", "bitmod_dequant.v",
                                        "bitmod_exp_match.v", "bitmod_grp_accum.v"};
#define NRTL (sizeof rtl_files / sizeof rtl_files[0])

/* Weight formats the seed picks from (all of kernels/bitmod_terms.h's kinds:
 * 2-bit-per-cycle integers of 2 to 4 cycles, and BitMoD's minifloats). */
static const char *const formats[] = {"int4", "int6", "int8", "bitmod_int4", "bitmod_fp3",
                                      "bitmod_fp4"};
static const unsigned lane_choices[] = {8, 16};
static const unsigned group_choices[] = {32, 48, 64, 96};

typedef struct lab2_draw {
    unsigned lanes, groups, scale_bits;
    unsigned group_size;
    const char *format;
    uint64_t values_seed;
} lab2_draw;

/* One clock cycle of the stimulus (the testbench's STIM line). */
typedef struct lab2_cycle {
    uint8_t rst_n, step, group_begin, dequant_begin, scale_sign, dequant_step, scale_bit;
    uint8_t unit_begin, unit_last, scale_len;
    uint16_t act[AB_BITMOD_LANES_MAX];
    ab_bitmod_term term[AB_BITMOD_LANES_MAX];
} lab2_cycle;

/* What the registers hold after a cycle's edge, plus the step's view. */
typedef struct lab2_regs {
    int32_t acc_exp, acc_man, acc_sign, dq_exp, dq_man, dq_sign, dq_in_man, dq_scale_sign;
    int32_t unit_done;
    uint32_t unit_cycles;
    int32_t max_exp, bs_out, acc_sum, norm_shift;
} lab2_regs;

typedef struct lab2_run {
    lab2_cycle *c;
    size_t n;
    size_t unit_end[UNITS];   /* the cycle whose edge takes a unit's last scale bit */
    uint64_t unit_model;      /* one unit's cycles by the cycle rule */
} lab2_run;

static unsigned pick(ab_rng *r, unsigned n)
{
    return (unsigned)(ab_rng_next(r) % n);
}

static void draw(uint64_t seed, lab2_draw *d)
{
    ab_rng r;
    ab_rng_seed(&r, seed ^ 0x1ab2be0000000002u);
    d->lanes = lane_choices[pick(&r, sizeof lane_choices / sizeof lane_choices[0])];
    d->format = formats[pick(&r, sizeof formats / sizeof formats[0])];
    d->group_size = group_choices[pick(&r, sizeof group_choices / sizeof group_choices[0])];
    d->groups = 2u + pick(&r, 2);     /* 2 .. 3 */
    d->scale_bits = 3u + pick(&r, 6); /* 3 .. 8 */
    d->values_seed = ab_rng_next(&r);
}

static void params(uint64_t seed, ab_lab_params *out)
{
    lab2_draw d;
    draw(seed, &d);
    memset(out, 0, sizeof *out);
    ab_lab_param_add(out, "lanes", "%u", d.lanes);
    ab_lab_param_add(out, "weight_format", "%s", d.format);
    ab_lab_param_add(out, "group_size", "%u", d.group_size);
    ab_lab_param_add(out, "groups_per_output", "%u", d.groups);
    ab_lab_param_add(out, "scale_bits", "%u", d.scale_bits);
    ab_lab_param_add(out, "units", "%u", UNITS);
    ab_lab_param_add(out, "reset_cycles_before_each_unit", "%u", RESET_CYCLES);
}

/* The student's GTKWave view, pe.gtkw (labs/lab2-pe/pe.gtkw is seed 7's):
 * the signals of the README's Background, signed ones as signed decimals
 * (GTKWave trace flags: 0x4 decimal, 0x20 right-justified, 0x400 signed,
 * 0x8 binary, 0x200 a blank row with a comment), dbg_bs_out at its width
 * for the seed's lanes (15 + log2 LANES bits).  No marker: the answers
 * are the student's to find. */
static const char gtkw_text[] =
    "[*] lab 2's view of pe.fst (labs/lab2-pe/README.md): gtkwave pe.fst pe.gtkw\n"
    "[*] rising edge n of clk at time 10 n; PE of %u lanes\n"
    "[dumpfile] \"pe.fst\"\n"
    "[timestart] 0\n"
    "[size] 1600 900\n"
    "[treeopen] TOP.\n"
    "[treeopen] TOP.pe_bitmod.\n"
    "[sst_width] 240\n"
    "[signals_width] 260\n"
    "@28\nTOP.pe_bitmod.clk\nTOP.pe_bitmod.rst_n\nTOP.pe_bitmod.unit_begin\n"
    "TOP.pe_bitmod.step_valid\nTOP.pe_bitmod.group_begin\n"
    "@200\n-datapath (the step before the edge)\n"
    "@424\nTOP.pe_bitmod.dbg_bs_out[%u:0]\n"
    "@24\nTOP.pe_bitmod.dbg_max_exp[5:0]\n"
    "@200\n-group accumulator\n"
    "@24\nTOP.pe_bitmod.acc_exp[5:0]\n"
    "@424\nTOP.pe_bitmod.acc_man[14:0]\n"
    "@200\n-dequantizer\n"
    "@28\nTOP.pe_bitmod.dequant_begin\nTOP.pe_bitmod.dequant_step\nTOP.pe_bitmod.scale_bit\n"
    "@424\nTOP.pe_bitmod.dq_in_man[14:0]\nTOP.pe_bitmod.dq_man[20:0]\n"
    "@24\nTOP.pe_bitmod.dq_exp[5:0]\n"
    "@200\n-work-unit counter\n"
    "@28\nTOP.pe_bitmod.unit_last\nTOP.pe_bitmod.unit_done\n"
    "@24\nTOP.pe_bitmod.unit_cycles[31:0]\n";

static bool extra_file(uint64_t seed, size_t i, char *name, size_t name_cap, char *text,
                       size_t text_cap)
{
    if (i > 0)
        return false;
    lab2_draw d;
    draw(seed, &d);
    snprintf(name, name_cap, "pe.gtkw");
    snprintf(text, text_cap, gtkw_text, d.lanes, ab_bitmod_bs_out_bits(d.lanes) - 1u);
    return true;
}

/* One unit's cycles by the simulator's cycle rule: ab_pe_cycles of the
 * output's K on a PE of d->lanes lanes, plus its last group's
 * dequantization (pe_bitmod.c: the engine delays an output by
 * dequant_cycles). */
static int unit_model(const lab2_draw *d, uint64_t *cycles, ab_error *err)
{
    ab_accel a;
    ab_accel_default(AB_PE_BITMOD, &a);
    a.lanes = a.tile_k = d->lanes;
    ab_op o;
    memset(&o, 0, sizeof o);
    snprintf(o.name, sizeof o.name, "lab2_unit");
    o.kind = AB_OP_GEMM;
    o.M = o.N = 1;
    o.K = (uint64_t)d->group_size * d->groups;
    o.count = 1;
    o.weight_share = 1;
    snprintf(o.weight_format, sizeof o.weight_format, "%s", d->format);
    snprintf(o.act_format, sizeof o.act_format, "fp16");
    snprintf(o.acc_format, sizeof o.acc_format, "fp32");
    snprintf(o.scale_format, sizeof o.scale_format, "int%u", d->scale_bits);
    o.group_size = d->group_size;
    ab_pe_op po;
    if (ab_pe_prepare(&a, &o, &po, err) != 0)
        return -1;
    const ab_pe_work w = {.ws = false, .k0 = 0, .kt = o.K, .tokens = 0};
    *cycles = ab_pe_cycles(&a, &po, &w) + po.dequant_cycles;
    return 0;
}

/* An FP16 activation near 2^(ACT_CENTRE - 15): random sign and fraction,
 * now and then zero. */
static uint16_t random_act(ab_rng *r)
{
    const uint64_t x = ab_rng_next(r);
    if (x % 16 == 0)
        return 0;
    const unsigned e = ACT_CENTRE - 2u + (unsigned)((x >> 4) % 5);
    return (uint16_t)((((x >> 8) & 1u) << 15) | (e << 10) | ((x >> 16) & 0x3ffu));
}

/* The schedule's state: the dequantization waiting to be issued. */
typedef struct dq_queue {
    uint8_t bit[AB_BITMOD_SCALE_BITS_MAX];
    unsigned len, next; /* next == len + 1: nothing pending; 0: the begin is due */
    uint8_t sign, ends_unit;
    unsigned unit;
} dq_queue;

static lab2_cycle *push(lab2_run *run)
{
    if (run->n >= MAX_CYCLES)
        return NULL;
    lab2_cycle *c = &run->c[run->n++];
    memset(c, 0, sizeof *c);
    c->rst_n = 1;
    return c;
}

/* Issue the next dequantization op of q into cycle c: the begin with the
 * MSB in one cycle, then one bit per cycle. */
static void issue(dq_queue *q, lab2_cycle *c, lab2_run *run)
{
    if (q->next > q->len)
        return;
    if (q->next == 0) {
        c->dequant_begin = 1;
        c->scale_sign = q->sign;
        c->scale_len = (uint8_t)q->len;
        c->unit_last = q->ends_unit;
        q->next = 1;
    }
    c->dequant_step = 1;
    c->scale_bit = q->bit[q->next - 1];
    q->next++;
    if (q->next > q->len && q->ends_unit)
        run->unit_end[q->unit] = run->n - 1;
}

static int build_run(const lab2_draw *d, lab2_run *run, ab_error *err)
{
    ab_format f;
    if (ab_format_parse(d->format, &f, err) != 0)
        return -1;
    const unsigned cpw = ab_bitmod_cycles_per_weight(&f);
    if (unit_model(d, &run->unit_model, err) != 0)
        return -1;
    run->c = calloc(MAX_CYCLES, sizeof *run->c);
    if (!run->c)
        return ab_error_set(err, "lab 2: out of memory");
    run->n = 0;
    ab_rng r;
    ab_rng_seed(&r, d->values_seed);
    lab2_cycle *c;
    for (unsigned u = 0; u < UNITS; u++) {
        for (unsigned i = 0; i < RESET_CYCLES; i++) {
            if (!(c = push(run)))
                goto full;
            c->rst_n = 0;
        }
        dq_queue q = {.len = 0, .next = 1};
        for (unsigned g = 0; g < d->groups; g++) {
            unsigned used = 0, step_no = 0;
            for (unsigned base = 0; base < d->group_size; base += d->lanes) {
                uint16_t act[AB_BITMOD_LANES_MAX];
                ab_bitmod_term t[AB_BITMOD_LANES_MAX][AB_BITMOD_MAX_TERMS];
                for (unsigned i = 0; i < d->lanes; i++) {
                    if (base + i < d->group_size) {
                        act[i] = random_act(&r);
                        const uint32_t code = (uint32_t)(ab_rng_next(&r) & ((1u << f.bits) - 1u));
                        if (ab_bitmod_terms(&f, code, t[i], err) < 0)
                            return -1;
                    } else { /* padding as ab_bitmod_pe_group does it */
                        act[i] = 0;
                        for (unsigned k = 0; k < cpw; k++)
                            t[i][k] = (ab_bitmod_term){0, 0, 0, t[0][k].sig};
                    }
                }
                for (unsigned k = 0; k < cpw; k++) {
                    if (!(c = push(run)))
                        goto full;
                    c->step = 1;
                    c->group_begin = step_no == 0;
                    c->unit_begin = g == 0 && step_no == 0;
                    for (unsigned i = 0; i < d->lanes; i++) {
                        c->act[i] = act[i];
                        c->term[i] = t[i][k];
                    }
                    issue(&q, c, run);
                    step_no++;
                    used++;
                }
            }
            /* the dequantizer paces the PE: a group takes max(compute, scale bits) */
            for (; used < d->scale_bits || q.next <= q.len; used++) {
                if (!(c = push(run)))
                    goto full;
                issue(&q, c, run);
            }
            /* this group's dequantization, behind the next group's steps */
            /* a nonzero scale, so that the dequantized result is worth reading */
            const uint32_t scale =
                1u + (uint32_t)(ab_rng_next(&r) % ((1u << d->scale_bits) - 1u));
            q.len = d->scale_bits;
            q.next = 0;
            q.sign = (uint8_t)(ab_rng_next(&r) & 1u);
            q.ends_unit = g + 1 == d->groups;
            q.unit = u;
            for (unsigned b = 0; b < d->scale_bits; b++)
                q.bit[b] = (uint8_t)((scale >> (d->scale_bits - 1u - b)) & 1u);
        }
        while (q.next <= q.len) { /* the unit's last dequantization drains */
            if (!(c = push(run)))
                goto full;
            issue(&q, c, run);
        }
    }
    return 0;
full:
    return ab_error_set(err, "internal: lab 2's run is over %d cycles", MAX_CYCLES);
}

/* The C model over the run: regs[t] after cycle t. */
static int c_model(const lab2_draw *d, const lab2_run *run, lab2_regs *regs, ab_error *err)
{
    ab_bitmod_pe pe;
    if (ab_bitmod_pe_init_lanes(&pe, false, d->lanes, err) != 0)
        return -1;
    for (size_t t = 0; t < run->n; t++) {
        const lab2_cycle *c = &run->c[t];
        ab_bitmod_cycle_info info;
        memset(&info, 0, sizeof info);
        if (!c->rst_n) {
            if (ab_bitmod_pe_init_lanes(&pe, false, d->lanes, err) != 0)
                return -1;
        } else {
            if (c->dequant_begin)
                ab_bitmod_pe_dequant_begin(&pe, c->scale_sign);
            if (c->dequant_step)
                ab_bitmod_pe_dequant_step(&pe, c->scale_bit);
            if (c->group_begin)
                ab_bitmod_pe_group_begin(&pe);
            if (c->step)
                ab_bitmod_pe_step(&pe, c->act, c->term, &info);
        }
        lab2_regs *o = &regs[t];
        memset(o, 0, sizeof *o);
        o->acc_exp = pe.acc_exp;
        o->acc_man = pe.acc_man;
        o->acc_sign = pe.acc_sign;
        o->dq_exp = pe.dq_exp;
        o->dq_man = pe.dq_man;
        o->dq_sign = pe.dq_sign;
        o->dq_in_man = pe.dq_in_man;
        o->dq_scale_sign = pe.dq_scale_sign;
        o->max_exp = info.max_exp;
        o->bs_out = info.bs_out;
        o->acc_sum = info.acc_sum;
        o->norm_shift = info.norm_shift;
    }
    return 0;
}

/* The run and the C model's registers for a seed (callers free both). */
static int prepare(uint64_t seed, lab2_draw *d, lab2_run *run, lab2_regs **regs, ab_error *err)
{
    draw(seed, d);
    memset(run, 0, sizeof *run);
    *regs = NULL;
    if (build_run(d, run, err) != 0)
        return -1;
    /* the schedule is the cycle rule's (its unit's length), or this file is wrong */
    const uint64_t sched = run->unit_end[0] + 1 - RESET_CYCLES;
    if (sched != run->unit_model)
        return ab_error_set(err, "internal: lab 2's schedule takes %llu cycles per unit, the "
                                 "cycle rule %llu", (unsigned long long)sched,
                            (unsigned long long)run->unit_model);
    *regs = calloc(run->n, sizeof **regs);
    if (!*regs)
        return ab_error_set(err, "lab 2: out of memory");
    return c_model(d, run, *regs, err);
}

static int expected(uint64_t seed, double *e, ab_error *err)
{
    lab2_draw d;
    lab2_run run;
    lab2_regs *regs;
    const int rc = prepare(seed, &d, &run, &regs, err);
    if (rc == 0) {
        e[Q_UNIT_CYCLES] = (double)run.unit_model;
        e[Q_DONE_CYCLE] = (double)run.unit_end[0];
        e[Q_DONE_DQ_MAN] = (double)regs[run.unit_end[0]].dq_man;
    }
    free(run.c);
    free(regs);
    return rc;
}

/* ---- the code part ------------------------------------------------------ */

static int write_stimulus(const lab2_draw *d, const lab2_run *run, const char *path,
                          ab_error *err)
{
    ab_atomic_file af;
    if (ab_atomic_open(&af, path, err) != 0)
        return -1;
    for (size_t t = 0; t < run->n; t++) {
        const lab2_cycle *c = &run->c[t];
        fprintf(af.fp, "%u %u %u %u %u %u %u %u %u %u", c->rst_n, c->step, c->group_begin,
                c->dequant_begin, c->scale_sign, c->dequant_step, c->scale_bit, c->unit_begin,
                c->unit_last, c->scale_len);
        for (unsigned i = 0; i < d->lanes; i++)
            fprintf(af.fp, " %u %u %u %u %u", c->act[i], c->term[i].sign, c->term[i].exp,
                    c->term[i].man, c->term[i].sig);
        fputc('\n', af.fp);
    }
    return ab_atomic_commit(&af, err);
}

/* The testbench's OUT file; false (reason set) when it is short or bad. */
static bool read_outputs(const char *path, size_t n, lab2_regs *rtl, char *reason, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(reason, cap, "the testbench wrote no output");
        return false;
    }
    size_t t = 0;
    for (; t < n; t++) {
        unsigned long long cyc;
        lab2_regs *o = &rtl[t];
        if (fscanf(f, "%llu %d %d %d %d %d %d %d %d %d %u %d %d %d %d", &cyc, &o->acc_exp,
                   &o->acc_man, &o->acc_sign, &o->dq_exp, &o->dq_man, &o->dq_sign,
                   &o->dq_in_man, &o->dq_scale_sign, &o->unit_done, &o->unit_cycles,
                   &o->max_exp, &o->bs_out, &o->acc_sum, &o->norm_shift) != 15 ||
            cyc != t)
            break;
    }
    fclose(f);
    if (t < n) {
        snprintf(reason, cap, "the testbench's output stops at cycle %zu of %zu", t, n);
        return false;
    }
    return true;
}

/* The first cycle whose registers (or, on a step cycle, whose datapath
 * view) differ from the C model; the reason names it and the fields. */
static bool bit_exact(const lab2_run *run, const lab2_regs *rtl, const lab2_regs *c,
                      const char *wave_note, char *reason, size_t cap)
{
    for (size_t t = 0; t < run->n; t++) {
        const lab2_regs *a = &rtl[t], *b = &c[t];
        struct {
            const char *name;
            int32_t rtl, c;
            bool on;
        } f[] = {
            {"dbg_max_exp", a->max_exp, b->max_exp, run->c[t].step && run->c[t].rst_n},
            {"dbg_bs_out", a->bs_out, b->bs_out, run->c[t].step && run->c[t].rst_n},
            {"dbg_acc_sum", a->acc_sum, b->acc_sum, run->c[t].step && run->c[t].rst_n},
            {"dbg_norm_shift", a->norm_shift, b->norm_shift, run->c[t].step && run->c[t].rst_n},
            {"acc_exp", a->acc_exp, b->acc_exp, true},
            {"acc_man", a->acc_man, b->acc_man, true},
            {"acc_sign", a->acc_sign, b->acc_sign, true},
            {"dq_exp", a->dq_exp, b->dq_exp, true},
            {"dq_man", a->dq_man, b->dq_man, true},
            {"dq_sign", a->dq_sign, b->dq_sign, true},
            {"dq_in_man", a->dq_in_man, b->dq_in_man, true},
            {"dq_scale_sign", a->dq_scale_sign, b->dq_scale_sign, true},
        };
        const size_t nf = sizeof f / sizeof f[0];
        size_t first = nf, more = 0;
        for (size_t i = 0; i < nf; i++)
            if (f[i].on && f[i].rtl != f[i].c) {
                if (first == nf)
                    first = i;
                else
                    more++;
            }
        if (first < nf) {
            /* the datapath view (of the step before the edge) comes first:
             * the earliest cause, the adder tree before the accumulator */
            char also[48] = "";
            if (more)
                snprintf(also, sizeof also, ", %zu more fields differ", more);
            snprintf(reason, cap, "cycle %zu: %s is %d in the RTL, %d in the C model%s "
                     "(%s)", t, f[first].name, (int)f[first].rtl, (int)f[first].c,
                     also, wave_note);
            return false;
        }
    }
    snprintf(reason, cap, "all %zu cycles bit-exact with kernels/bitmod_pe (%s)",
             run->n, wave_note);
    return true;
}

/* unit_done high exactly after each unit's last scale bit, with the cycle
 * rule's count. */
static bool cycle_rule(const lab2_run *run, const lab2_regs *rtl, char *reason, size_t cap)
{
    size_t u = 0;
    for (size_t t = 0; t < run->n; t++) {
        const bool end = u < UNITS && run->unit_end[u] == t;
        if (!end && rtl[t].unit_done) {
            snprintf(reason, cap, "cycle %zu: unit_done is high, but no unit ends there (unit %zu "
                     "ends at cycle %zu)", t, u, u < UNITS ? run->unit_end[u] : 0);
            return false;
        }
        if (!end)
            continue;
        if (!rtl[t].unit_done) {
            snprintf(reason, cap, "cycle %zu: unit %zu ends (its last scale bit), unit_done is "
                     "low", t, u);
            return false;
        }
        if (rtl[t].unit_cycles != run->unit_model) {
            snprintf(reason, cap, "unit %zu: unit_cycles is %u, the cycle rule gives %llu", u,
                     rtl[t].unit_cycles, (unsigned long long)run->unit_model);
            return false;
        }
        u++;
    }
    snprintf(reason, cap, "both units: unit_done on time, %llu cycles as the cycle rule says",
             (unsigned long long)run->unit_model);
    return true;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Copy a file (the waveform) to `to`, atomically; false when it cannot. */
static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return false;
    ab_atomic_file af;
    ab_error e;
    if (ab_atomic_open(&af, to, &e) != 0) {
        fclose(in);
        return false;
    }
    char buf[65536];
    size_t n;
    bool ok = true;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = ok && fwrite(buf, 1, n, af.fp) == n;
    ok = ok && !ferror(in);
    fclose(in);
    if (!ok) {
        ab_atomic_abort(&af);
        return false;
    }
    return ab_atomic_commit(&af, &e) == 0;
}

/* Verilate and build the student's files with the testbench into exe: 1,
 * or 0 (the reason: the tool's first error) when they do not build.  -1:
 * no tool. */
static int build_model(const ab_lab_check_ctx *ctx, const lab2_draw *d, char *exe,
                       size_t exe_cap, char *reason, size_t cap, ab_error *err)
{
    char path[4096], tb[4096], inc[4096], lanes[32], cflags[4200], log[4096];
    snprintf(path, sizeof path, "%s/rtl", ctx->scratch);
    if (mkdir(path, 0755) != 0)
        return ab_error_set(err, "%s: cannot create", path);
    for (size_t i = 0; i < NRTL; i++) {
        char from[4096], to[4096];
        snprintf(from, sizeof from, "%s/%s", ctx->dir, rtl_files[i]);
        snprintf(to, sizeof to, "%s/rtl/%s", ctx->scratch, rtl_files[i]);
        if (!copy_file(from, to)) {
            snprintf(reason, cap, "%.120s: missing or unreadable", from);
            return 0;
        }
    }
    snprintf(tb, sizeof tb, "%s/harness/pe_lab_tb.cpp", ctx->lab_root);
    snprintf(inc, sizeof inc, "%s/../../rtl/sim", ctx->lab_root);
    if (!is_dir(inc))
        return ab_error_set(err, "%s: missing (the lab's testbench includes its "
                                 "verilated_bits.hpp)", inc);
    snprintf(lanes, sizeof lanes, "-GLANES=%u", d->lanes);
    snprintf(cflags, sizeof cflags, "-DLAB_LANES=%u -I%s", d->lanes, inc);
    /* relative paths inside the scratch folder: every build's generated
     * code is the same text, so ccache (when installed) serves a rebuild.
     * A build that fails with ccache after Verilator itself passed (it
     * wrote its makefile: a cache that cannot be written) is tried once
     * without it, in a folder of its own. */
    snprintf(log, sizeof log, "%s/verilator.log", ctx->scratch);
    const bool cache = ab_lab_have_tool("ccache");
    int st = -1;
    for (int attempt = cache ? 0 : 1; attempt < 2; attempt++) {
        char *argv[] = {"verilator", "--cc", "--exe", "--build", "--trace-fst", "-Wno-fatal",
                        lanes, "-GUNIT_COUNTER=1", "--top-module", "pe_bitmod", "-Mdir",
                        attempt == 0 ? "obj" : "obj-nocache", "-o", "pe_lab", "-CFLAGS", cflags,
                        "-MAKEFLAGS", attempt == 0 ? "OBJCACHE=ccache" : "OBJCACHE=",
                        "rtl/pe_bitmod.v", "rtl/bitmod_bs_mul.v", "rtl/bitmod_dequant.v",
                        "rtl/bitmod_exp_match.v", "rtl/bitmod_grp_accum.v", tb, NULL};
        if (ab_lab_run(argv, ctx->scratch, NULL, log, BUILD_LIMIT_S, &st, err) != 0)
            return -1;
        if (st == 0) {
            snprintf(exe, exe_cap, "%s/%s/pe_lab", ctx->scratch,
                     attempt == 0 ? "obj" : "obj-nocache");
            return 1;
        }
        char mk[4200];
        snprintf(mk, sizeof mk, "%s/obj/Vpe_bitmod.mk", ctx->scratch);
        if (st < 0 || !is_file(mk))
            break; /* over the limit, or Verilator refused the files */
    }
    if (st < 0) {
        snprintf(reason, cap, "verilator: over the %.0f s limit", BUILD_LIMIT_S);
        return 0;
    }
    char line[160];
    ab_lab_log_tail(log, line, sizeof line);
    snprintf(reason, cap, "verilator (exit %d): %.130s", st, line);
    return 0;
}

static int check(const ab_lab_check_ctx *ctx, ab_lab_result *r, ab_error *err)
{
    lab2_draw d;
    lab2_run run;
    lab2_regs *c = NULL, *rtl = NULL;
    int rc = -1;
    if (prepare(ctx->seed, &d, &run, &c, err) != 0)
        goto out;
    char stim[4096], outp[4096], fst[4096], log[4096], wave[4096];
    snprintf(stim, sizeof stim, "%s/stim.txt", ctx->scratch);
    snprintf(outp, sizeof outp, "%s/out.txt", ctx->scratch);
    snprintf(fst, sizeof fst, "%s/pe.fst", ctx->scratch);
    snprintf(log, sizeof log, "%s/run.log", ctx->scratch);
    if (write_stimulus(&d, &run, stim, err) != 0)
        goto out;
    char exe[4096];
    const int built = build_model(ctx, &d, exe, sizeof exe, r[Q_BUILDS].reason,
                                  sizeof r[Q_BUILDS].reason, err);
    if (built < 0)
        goto out;
    rc = 0;
    if (!built) {
        snprintf(r[Q_BIT_EXACT].reason, sizeof r[Q_BIT_EXACT].reason,
                 "not run: the RTL does not build");
        snprintf(r[Q_CYCLE_RULE].reason, sizeof r[Q_CYCLE_RULE].reason,
                 "not run: the RTL does not build");
        goto out;
    }
    r[Q_BUILDS].pass = true;
    snprintf(r[Q_BUILDS].reason, sizeof r[Q_BUILDS].reason,
             "Verilated and built with LANES = %u", d.lanes);
    char *argv[] = {exe, stim, outp, fst, NULL};
    int st;
    if (ab_lab_run(argv, ctx->scratch, NULL, log, RUN_LIMIT_S, &st, err) != 0) {
        rc = -1;
        goto out;
    }
    /* the waveform goes to the student's folder (not into the reference
     * solution's, a source tree) */
    char sol[4096];
    snprintf(sol, sizeof sol, "%s/../solutions/%s", ctx->lab_root, "lab2-pe");
    snprintf(wave, sizeof wave, "%s/pe.fst", ctx->dir);
    const char *kept = "waveform pe.fst"; /* in the folder: a reason stays one short line */
    if (same_dir(ctx->dir, sol) || !copy_file(fst, wave))
        kept = "no waveform kept";
    rtl = calloc(run.n, sizeof *rtl);
    if (!rtl) {
        rc = ab_error_set(err, "lab 2: out of memory");
        goto out;
    }
    char why[160];
    if (st != 0) {
        char line[160];
        ab_lab_log_tail(log, line, sizeof line);
        if (st < 0)
            snprintf(why, sizeof why, "the testbench ran over the %.0f s limit", RUN_LIMIT_S);
        else
            snprintf(why, sizeof why, "the testbench failed (exit %d): %.100s", st, line);
    }
    if (st != 0 || !read_outputs(outp, run.n, rtl, why, sizeof why)) {
        snprintf(r[Q_BIT_EXACT].reason, sizeof r[Q_BIT_EXACT].reason, "%s", why);
        snprintf(r[Q_CYCLE_RULE].reason, sizeof r[Q_CYCLE_RULE].reason, "%s", why);
        goto out;
    }
    r[Q_BIT_EXACT].pass = bit_exact(&run, rtl, c, kept, r[Q_BIT_EXACT].reason,
                                    sizeof r[Q_BIT_EXACT].reason);
    r[Q_CYCLE_RULE].pass = cycle_rule(&run, rtl, r[Q_CYCLE_RULE].reason,
                                      sizeof r[Q_CYCLE_RULE].reason);
out:
    free(run.c);
    free(c);
    free(rtl);
    return rc;
}

const ab_lab ab_lab2_pe = {
    .number = 2,
    .dir = "lab2-pe",
    .title = "A bit-serial PE in RTL",
    .questions = questions,
    .nquestions = NQ,
    .params = params,
    .extra_file = extra_file,
    .expected = expected,
    .check = check,
};
