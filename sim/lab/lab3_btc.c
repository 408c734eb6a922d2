/* lab3_btc.c - lab 3, "Binary tensor cores and WpAq" (labs/lab3-btc/).
 *
 * The seed picks a 4 x 4 int4 example (a weight matrix W, an activation
 * vector a, the row and the plane pair asked about), a GEMM shape M x N x K
 * and the precision WpAq of the cycle prediction.  The expected values come
 * from the library: kernels/gemm_bitplane.h for the example (the btc PE's
 * arithmetic), the btc PE model's cycle rule (sim/pe/pe_btc.c) and the
 * engine (ab_sim_op) on configs/btc.yaml for the cycles, the op quantized
 * by an in-memory recipe equal to the one the lab's README writes
 * (weights intP per channel with an fp16 scale, activations intQ, int32
 * accumulation), so the numbers are those `anybit run --config btc
 * --topology gemm.csv --recipe wPaQ.yaml` prints.
 *
 * Teachers: the questions' points and tolerances are the table below.
 */
#include <stdio.h>
#include <string.h>

#include "accel/accel.h"
#include "engine/engine.h"
#include "gemm_bitplane.h"
#include "lab/lab_impl.h"
#include "pe/pe.h"
#include "synth.h"
#include "workload/recipe.h"

enum { Q_POPCOUNT, Q_DOT, Q_PE_CYCLES, Q_COMPUTE, Q_W8A8, Q_W1A1, Q_SLOWDOWN, NQ };

static const ab_lab_question questions[NQ] = {
    [Q_POPCOUNT] = {"q1_plane_popcount",
                    "popcount(a plane plane_i AND row example_row of W, plane plane_j), an integer",
                    2, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
    [Q_DOT] = {"q2_dot", "y[example_row] = W[example_row] . a, summed from the plane pairs",
               2, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
    [Q_PE_CYCLES] = {"q3_pe_cycles",
                     "cycles of one btc PE for one 8x8 output block over all K at "
                     "W{predict_p}A{predict_q}", 2, AB_LAB_TOL_EXACT, 0.0, AB_LAB_Q_ANSWER},
    [Q_COMPUTE] = {"q4_compute_cycles",
                   "the array's compute cycles of the whole GEMM at W{predict_p}A{predict_q} "
                   "(predicted, then checked with anybit run)", 2, AB_LAB_TOL_REL, 0.02, AB_LAB_Q_ANSWER},
    [Q_W8A8] = {"q5_cycles_w8a8", "total cycles of the GEMM at W8A8 (anybit run)", 1,
                AB_LAB_TOL_REL, 0.01, AB_LAB_Q_ANSWER},
    [Q_W1A1] = {"q6_cycles_w1a1", "total cycles of the GEMM at W1A1 (anybit run)", 1,
                AB_LAB_TOL_REL, 0.01, AB_LAB_Q_ANSWER},
    [Q_SLOWDOWN] = {"q7_slowdown_w8a8_over_w1a1",
                    "cycles at W8A8 / cycles at W1A1 (compare with p.q = 64)", 2,
                    AB_LAB_TOL_REL, 0.03, AB_LAB_Q_ANSWER},
};

/* What a seed picks. */
typedef struct lab3_draw {
    int8_t W[4][4], a[4];
    unsigned row, plane_i, plane_j; /* plane_i: of a; plane_j: of W */
    uint64_t M, N, K;
    unsigned p, q;
} lab3_draw;

static unsigned pick(ab_rng *r, unsigned n)
{
    return (unsigned)(ab_rng_next(r) % n);
}

static void draw(uint64_t seed, lab3_draw *d)
{
    ab_rng r;
    ab_rng_seed(&r, seed ^ 0x1ab3b7c000000003u);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            d->W[i][k] = (int8_t)((int)pick(&r, 16) - 8);
    for (int k = 0; k < 4; k++)
        d->a[k] = (int8_t)((int)pick(&r, 16) - 8);
    d->row = pick(&r, 4);
    d->plane_i = pick(&r, 4);
    d->plane_j = pick(&r, 4);
    /* whole 64 x 64 array blocks and 128-input k steps, so the prediction
     * is a product; sizes keep a run well under a second */
    d->M = 64u * (2u + pick(&r, 5)); /* 128 .. 384 */
    d->N = 64u * (3u + pick(&r, 6)); /* 192 .. 512 */
    d->K = 128u * (4u + pick(&r, 9)); /* 512 .. 1536 */
    d->p = 2u + pick(&r, 3);          /* 2 .. 4 */
    d->q = 3u + pick(&r, 6);          /* 3 .. 8 */
}

static void row_text(char *out, size_t cap, const int8_t *v)
{
    snprintf(out, cap, "[%d, %d, %d, %d]", v[0], v[1], v[2], v[3]);
}

static void params(uint64_t seed, ab_lab_params *out)
{
    lab3_draw d;
    draw(seed, &d);
    memset(out, 0, sizeof *out);
    char t[64];
    for (int i = 0; i < 4; i++) {
        char key[8];
        snprintf(key, sizeof key, "W%d", i);
        row_text(t, sizeof t, d.W[i]);
        ab_lab_param_add(out, key, "%s", t);
    }
    row_text(t, sizeof t, d.a);
    ab_lab_param_add(out, "a", "%s", t);
    ab_lab_param_add(out, "example_row", "%u", d.row);
    ab_lab_param_add(out, "plane_i", "%u", d.plane_i);
    ab_lab_param_add(out, "plane_j", "%u", d.plane_j);
    ab_lab_param_add(out, "gemm_M", "%llu", (unsigned long long)d.M);
    ab_lab_param_add(out, "gemm_N", "%llu", (unsigned long long)d.N);
    ab_lab_param_add(out, "gemm_K", "%llu", (unsigned long long)d.K);
    ab_lab_param_add(out, "predict_p", "%u", d.p);
    ab_lab_param_add(out, "predict_q", "%u", d.q);
}

static bool extra_file(uint64_t seed, size_t i, char *name, size_t name_cap, char *text,
                       size_t text_cap)
{
    if (i > 0)
        return false;
    lab3_draw d;
    draw(seed, &d);
    snprintf(name, name_cap, "gemm.csv");
    snprintf(text, text_cap, "Layer, M, N, K,\ngemm, %llu, %llu, %llu,\n",
             (unsigned long long)d.M, (unsigned long long)d.N, (unsigned long long)d.K);
    return true;
}

/* The GEMM quantized as the README's wPaQ.yaml recipe quantizes it. */
static int gemm_op(const lab3_draw *d, unsigned p, unsigned q, ab_op *op, ab_error *err)
{
    memset(op, 0, sizeof *op);
    snprintf(op->name, sizeof op->name, "gemm");
    op->kind = AB_OP_GEMM;
    op->M = d->M;
    op->N = d->N;
    op->K = d->K;
    op->count = 1;
    op->weight_share = 1;
    ab_recipe r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "w%ua%u", p, q);
    snprintf(r.weights.format, sizeof r.weights.format, "int%u", p);
    snprintf(r.weights.scale, sizeof r.weights.scale, "fp16");
    snprintf(r.kv_cache.format, sizeof r.kv_cache.format, "int8");
    snprintf(r.kv_cache.scale, sizeof r.kv_cache.scale, "fp16");
    snprintf(r.act_format, sizeof r.act_format, "int%u", q);
    snprintf(r.acc_format, sizeof r.acc_format, "int32");
    return ab_recipe_apply(&r, op, err);
}

static int sim_gemm(const ab_accel *a, const lab3_draw *d, unsigned p, unsigned q,
                    ab_op_stats *st, ab_error *err)
{
    ab_op op;
    if (gemm_op(d, p, q, &op, err) != 0)
        return -1;
    return ab_sim_op(a, &op, AB_MODE_FAST, st, err);
}

/* The example through the bit-plane kernels: popcounts and y = W a. */
static int example(const lab3_draw *d, double *popcount, double *dot, ab_error *err)
{
    uint8_t wc[16], ac[4];
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            wc[i * 4 + k] = (uint8_t)(d->W[i][k] & 0xf);
    for (int k = 0; k < 4; k++)
        ac[k] = (uint8_t)(d->a[k] & 0xf);
    const size_t kw = ab_bp_words(4);
    uint64_t wp[4 * 4 * 2], ap[4 * 1 * 2]; /* [bits][rows][kw], kw = 2 for K = 4 */
    if (kw != 2)
        return ab_error_set(err, "internal: lab 3 expects 2 words per packed row, got %zu", kw);
    ab_bp_pack(wc, 4, 4, 4, wp);
    ab_bp_pack(ac, 1, 4, 4, ap);
    uint32_t c = 0;
    ab_bp_popc_gemm(ap + d->plane_i * kw, 1, wp + (d->plane_j * 4u + d->row) * kw, 1, kw,
                    AB_BP_AND, &c, 1);
    *popcount = (double)c;
    const ab_bp_matrix x = ab_bp_matrix_of(ap, 1, 4, 4, AB_BP_SIGNED);
    const ab_bp_matrix w = ab_bp_matrix_of(wp, 4, 4, 4, AB_BP_SIGNED);
    int64_t y[4];
    if (ab_bp_gemm(&x, &w, y, NULL, err) != 0)
        return -1;
    *dot = (double)y[d->row];
    return 0;
}

static int expected(uint64_t seed, double *e, ab_error *err)
{
    lab3_draw d;
    draw(seed, &d);
    if (example(&d, &e[Q_POPCOUNT], &e[Q_DOT], err) != 0)
        return -1;
    ab_accel a;
    if (ab_accel_load("btc", &a, err) != 0)
        return -1;
    ab_op op;
    ab_pe_op po;
    if (gemm_op(&d, d.p, d.q, &op, err) != 0 || ab_pe_prepare(&a, &op, &po, err) != 0)
        return -1;
    const ab_pe_work whole_k = {.ws = false, .k0 = 0, .kt = d.K, .tokens = 0};
    e[Q_PE_CYCLES] = (double)ab_pe_cycles(&a, &po, &whole_k);
    ab_op_stats st, s8, s1;
    if (sim_gemm(&a, &d, d.p, d.q, &st, err) != 0 || sim_gemm(&a, &d, 8, 8, &s8, err) != 0 ||
        sim_gemm(&a, &d, 1, 1, &s1, err) != 0)
        return -1;
    e[Q_COMPUTE] = (double)st.compute_cycles;
    e[Q_W8A8] = (double)s8.cycles;
    e[Q_W1A1] = (double)s1.cycles;
    e[Q_SLOWDOWN] = (double)s8.cycles / (double)s1.cycles;
    return 0;
}

const ab_lab ab_lab3_btc = {
    .number = 3,
    .dir = "lab3-btc",
    .title = "Binary tensor cores and WpAq",
    .questions = questions,
    .nquestions = NQ,
    .params = params,
    .extra_file = extra_file,
    .expected = expected,
};
