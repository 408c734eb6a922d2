/* lab4_roofline.c - lab 4, "Memory-bound or compute-bound?"
 * (labs/lab4-roofline/).
 *
 * Llama-2-7B on one preset with its own recipe: the seed picks the preset
 * (bitmod, int8, ant, olive), the decode context C and the prefill length
 * L.  Every expected value is a run of the engine (ab_workload_expand_with
 * + ab_sim_ops, fast mode), the numbers `anybit run --config P --model
 * llama2-7b --phase ... --json -` prints:
 *   operational intensity = 2 x MACs / DRAM bytes (read + write), ops/byte
 *   ridge point           = peak ops/s / DRAM bytes/s (the run's "peak")
 *   attainable            = min(peak, intensity x bandwidth)
 *   the knee              = the smallest batch B of 1, 2, 4, ..., 64 whose
 *                           doubling to 2B raises decode tokens/s by less
 *                           than KNEE_GAIN (25%); 128 when none does.
 * The presets and lengths were chosen so that no gain of the sweep lies
 * near 25% (the closest are 1.40 and 1.13), so the knee is a robust
 * integer.
 *
 * Teachers: the questions' points and tolerances are the table below.
 */
#include <stdio.h>
#include <string.h>

#include "accel/accel.h"
#include "engine/engine.h"
#include "lab/lab_impl.h"
#include "synth.h"
#include "workload/workload.h"

enum { Q_RIDGE, Q_DECODE_AI, Q_PREFILL_AI, Q_ATTAINABLE, Q_TOKENS, Q_KNEE, NQ };

#define KNEE_GAIN 1.25
#define KNEE_MAX_BATCH 128u

static const ab_lab_question questions[NQ] = {
    [Q_RIDGE] = {"q1_ridge_ops_per_byte",
                 "the preset's ridge point: peak ops/s / DRAM bytes/s, in ops/byte", 2,
                 AB_LAB_TOL_REL, 0.01, AB_LAB_Q_ANSWER},
    [Q_DECODE_AI] = {"q2_decode_intensity",
                     "decode:{context} batch 1: 2 x MACs / DRAM bytes, in ops/byte", 2,
                     AB_LAB_TOL_REL, 0.02, AB_LAB_Q_ANSWER},
    [Q_PREFILL_AI] = {"q3_prefill_intensity",
                      "prefill:{prefill} batch 1: 2 x MACs / DRAM bytes, in ops/byte", 2,
                      AB_LAB_TOL_REL, 0.02, AB_LAB_Q_ANSWER},
    [Q_ATTAINABLE] = {"q4_decode_attainable_gops",
                      "the roofline's attainable throughput of decode batch 1: "
                      "min(peak, intensity x bandwidth), in Gops/s", 2, AB_LAB_TOL_REL, 0.02, AB_LAB_Q_ANSWER},
    [Q_TOKENS] = {"q5_decode_tokens_per_s", "decode batch 1 tokens/s as the simulator reports it",
                  1, AB_LAB_TOL_REL, 0.01, AB_LAB_Q_ANSWER},
    [Q_KNEE] = {"q6_knee_batch",
                "the smallest batch B (1, 2, 4, ..., 64) whose doubling raises decode tokens/s "
                "by less than 25% (128 if none)", 3, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
};

static const char *const presets[] = {"bitmod", "int8", "ant", "olive"};
static const unsigned lengths[] = {128, 256, 512};

typedef struct lab4_draw {
    const char *preset;
    unsigned context, prefill;
} lab4_draw;

static void draw(uint64_t seed, lab4_draw *d)
{
    ab_rng r;
    ab_rng_seed(&r, seed ^ 0x1ab4f0000000004u);
    d->preset = presets[ab_rng_next(&r) % (sizeof presets / sizeof presets[0])];
    d->context = lengths[ab_rng_next(&r) % 3];
    d->prefill = lengths[ab_rng_next(&r) % 3];
}

static void params(uint64_t seed, ab_lab_params *out)
{
    lab4_draw d;
    draw(seed, &d);
    memset(out, 0, sizeof *out);
    ab_lab_param_add(out, "model", "llama2-7b");
    ab_lab_param_add(out, "preset", "%s", d.preset);
    ab_lab_param_add(out, "context", "%u", d.context);
    ab_lab_param_add(out, "prefill", "%u", d.prefill);
}

typedef struct run_figures {
    double intensity, tokens_per_s, peak_ops_s, bw_bytes_s;
} run_figures;

static int run(const ab_accel *a, const char *phase, uint32_t batch, run_figures *f,
               ab_error *err)
{
    ab_op_list ops;
    memset(&ops, 0, sizeof ops);
    const ab_expand_opts eo = {.batch = batch, .allow_long_context = false};
    if (ab_workload_expand_with("llama2-7b", a->recipe, phase, &eo, &ops, err) != 0) {
        ab_op_list_free(&ops);
        return -1;
    }
    ab_run_stats rs;
    memset(&rs, 0, sizeof rs);
    const int rc = ab_sim_ops(a, &ops, ab_throughput_items(&ops, phase, batch), AB_MODE_FAST,
                              &rs, err);
    ab_op_list_free(&ops);
    if (rc != 0)
        return -1;
    const double dram = (double)rs.ev.dram_read_bytes + (double)rs.ev.dram_write_bytes;
    const double clock_hz = a->clock_ghz * 1e9;
    f->intensity = dram > 0 ? 2.0 * (double)rs.macs / dram : 0.0;
    f->tokens_per_s = rs.tokens_per_s;
    f->peak_ops_s = 2.0 * rs.peak_macs_per_cycle * clock_hz;
    f->bw_bytes_s = a->dram.bytes_per_cycle * clock_hz;
    ab_run_stats_free(&rs);
    return 0;
}

static int expected(uint64_t seed, double *e, ab_error *err)
{
    lab4_draw d;
    draw(seed, &d);
    ab_accel a;
    if (ab_accel_load(d.preset, &a, err) != 0)
        return -1;
    char phase[32];
    run_figures dec, pre;
    snprintf(phase, sizeof phase, "decode:%u", d.context);
    if (run(&a, phase, 1, &dec, err) != 0)
        return -1;
    char pphase[32];
    snprintf(pphase, sizeof pphase, "prefill:%u", d.prefill);
    if (run(&a, pphase, 1, &pre, err) != 0)
        return -1;
    e[Q_RIDGE] = dec.peak_ops_s / dec.bw_bytes_s;
    e[Q_DECODE_AI] = dec.intensity;
    e[Q_PREFILL_AI] = pre.intensity;
    const double roof = dec.intensity * dec.bw_bytes_s;
    e[Q_ATTAINABLE] = (roof < dec.peak_ops_s ? roof : dec.peak_ops_s) / 1e9;
    e[Q_TOKENS] = dec.tokens_per_s;
    double before = dec.tokens_per_s;
    e[Q_KNEE] = KNEE_MAX_BATCH;
    for (uint32_t b = 1; b < KNEE_MAX_BATCH; b *= 2) {
        run_figures next;
        if (run(&a, phase, 2 * b, &next, err) != 0)
            return -1;
        if (next.tokens_per_s < KNEE_GAIN * before) {
            e[Q_KNEE] = b;
            break;
        }
        before = next.tokens_per_s;
    }
    return 0;
}

const ab_lab ab_lab4_roofline = {
    .number = 4,
    .dir = "lab4-roofline",
    .title = "Memory-bound or compute-bound?",
    .questions = questions,
    .nquestions = NQ,
    .params = params,
    .extra_file = NULL,
    .expected = expected,
};
