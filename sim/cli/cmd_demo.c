/* cmd_demo.c - `anybit demo`, the default job of `make run` until the
 * simulator lands: seeded transformer-like weights through the formats and
 * quantizers of kernels/, as the comparison tables a user would ask for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "quant.h"
#include "synth.h"
#include "tensor_io.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: anybit demo [--rows R] [--cols K] [--seed S] [--laplace] [--save FILE.npy]\n\n"
            "Quantizes seeded synthetic weights (Gaussian, per-row std spread, 0.1%%\n"
            "outliers at 10x; default 256 x 4096) with the 3/4-bit formats, the BitMoD,\n"
            "ANT and OliVe selectors and OCP MX, and prints the error tables.\n"
            "--laplace draws heavy-tailed (Laplace) values instead of Gaussian ones;\n"
            "--save writes the weights to FILE.npy (float32) instead of the tables,\n"
            "for `anybit quant` and the course labs.\n");
}

typedef struct demo_table {
    const char *title;
    ab_granularity granularity;
    uint32_t group_size;
    ab_scale_kind scale;
    uint8_t scale_bits;
    const char *formats[8];
} demo_table;

static const demo_table tables[] = {
    {"4-bit weights, group 128, FP16 scales", AB_GRAN_GROUP, 128, AB_SCALE_FP16, 0,
     {"int4s", "int4", "fp4_e2m1", "flint4", "bitmod_fp4", "bitmod_fp4_mix", NULL}},
    {"3-bit weights, group 128, FP16 scales", AB_GRAN_GROUP, 128, AB_SCALE_FP16, 0,
     {"int3s", "bitmod_fp3", "bitmod_fp3_mix", "e2m0f", NULL}},
    {"BitMoD as in the paper: group 128, 8-bit integer scales x FP16 per channel",
     AB_GRAN_GROUP, 128, AB_SCALE_INTK, 8, {"bitmod_fp4_mix", "bitmod_fp3_mix", "int4s", NULL}},
    {"per-tensor type selection: ANT and OliVe vs INT", AB_GRAN_TENSOR, 0, AB_SCALE_FP32, 0,
     {"int4s", "ant4", "olive4", "olive4_flint", "int8", NULL}},
    {"OCP MX block formats (32 elements per E8M0 scale)", AB_GRAN_GROUP, 32, AB_SCALE_E8M0, 0,
     {"mxfp4", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp8_e4m3", "mxint8", NULL}},
};

int cmd_demo(int argc, char **argv)
{
    size_t rows = 256, cols = 4096, seed = 1;
    bool bad = false, laplace = false;
    const char *save = NULL;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return AB_EXIT_OK;
        } else if (cli_opt_value(argc, argv, &i, "--rows", &v, &bad)) {
            if (!bad && !cli_parse_size(v, 1, 1u << 20, &rows))
                return cli_usage_error("demo", "--rows must be 1..1048576, got '%s'", v);
        } else if (cli_opt_value(argc, argv, &i, "--cols", &v, &bad)) {
            if (!bad && (!cli_parse_size(v, 128, 1u << 20, &cols) || cols % 128))
                return cli_usage_error("demo", "--cols must be a multiple of 128, got '%s'", v);
        } else if (cli_opt_value(argc, argv, &i, "--seed", &v, &bad)) {
            if (!bad && !cli_parse_size(v, 0, (size_t)-1, &seed))
                return cli_usage_error("demo", "--seed must be a non-negative integer, got '%s'", v);
        } else if (strcmp(argv[i], "--laplace") == 0) {
            laplace = true;
        } else if (cli_opt_value(argc, argv, &i, "--save", &v, &bad)) {
            save = v;
        } else {
            return cli_usage_error("demo", "unknown argument '%s' (anybit demo --help)", argv[i]);
        }
    }
    if (bad)
        return AB_EXIT_USAGE;

    ab_synth_params p = ab_synth_defaults();
    if (laplace)
        p.dist = AB_SYNTH_LAPLACE;
    ab_tensor t;
    memset(&t, 0, sizeof t);
    t.ndim = 2;
    t.shape[0] = rows;
    t.shape[1] = cols;
    t.count = rows * cols;
    t.data = malloc(t.count * sizeof *t.data);
    if (!t.data)
        return cli_usage_error("demo", "out of memory for %zu x %zu weights", rows, cols);
    ab_synth_weights(&p, seed, t.data, rows, cols);
    if (save) {
        ab_error err = {{0}};
        const int wrc = ab_npy_write_f32(save, t.data, 2, t.shape, &err);
        ab_tensor_free(&t);
        if (wrc != 0)
            return cli_input_error("demo", &err);
        printf("wrote %s: synthetic weights %zu x %zu float32, seed %zu (%s std %.3g, "
               "per-row log-normal spread %.2g, %.2g%% outliers x%.0f)\n",
               save, rows, cols, seed, laplace ? "Laplace" : "Gaussian", p.std,
               p.channel_spread, 100 * p.outlier_fraction, p.outlier_scale);
        return AB_EXIT_OK;
    }

    printf("anybit demo: synthetic weights %zu x %zu, seed %zu (%s std %.3g, per-row\n"
           "log-normal spread %.2g, %.2g%% outliers x%.0f). Lower MSE / higher SQNR is better;\n"
           "bits/value counts scales and type ids.\n",
           rows, cols, seed, laplace ? "Laplace" : "Gaussian", p.std, p.channel_spread,
           100 * p.outlier_fraction, p.outlier_scale);
    int rc = AB_EXIT_OK;
    for (size_t k = 0; k < sizeof tables / sizeof tables[0] && rc == AB_EXIT_OK; k++) {
        const demo_table *d = &tables[k];
        ab_quant_spec spec;
        memset(&spec, 0, sizeof spec);
        spec.granularity = d->granularity;
        spec.group_size = d->group_size;
        spec.scale = d->scale;
        spec.scale_bits = d->scale_bits;
        size_t n = 0;
        while (n < 8 && d->formats[n])
            n++;
        const quant_outputs none = {NULL, NULL, NULL, true, 1};
        printf("\n== %s\n", d->title);
        rc = quant_report("synthetic", &t, &spec, d->formats, n, &none);
    }
    ab_tensor_free(&t);
    return rc;
}
