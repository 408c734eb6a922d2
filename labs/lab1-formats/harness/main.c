/* main.c - lab 1's harness (labs/lab1-formats/README.md, step 4): the
 * grader compiles it with your grid_quant.c, `cc -std=c11 -O1 main.c
 * grid_quant.c -lm`, and runs `./grid_quant INPUT OUTPUT`.
 *
 * INPUT (text, numbers in C's %a hex notation so that nothing is rounded):
 *   ncodes
 *   ncodes lines: the value of code 0, 1, ...
 *   group_size ngroups
 *   ngroups * group_size lines: the inputs, group after group
 * OUTPUT: one line per group, the scale (%a) then group_size codes.
 * It uses nothing of anybit: only your function below.
 */
#include <stdio.h>
#include <stdlib.h>

float grid_quant_group(const double *values, unsigned ncodes, const float *x, unsigned n,
                       unsigned *codes);

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s INPUT OUTPUT\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        fprintf(stderr, "error: cannot read %s\n", argv[1]);
        return 2;
    }
    unsigned ncodes = 0, group = 0;
    unsigned long ngroups = 0;
    if (fscanf(in, "%u", &ncodes) != 1 || ncodes < 2 || ncodes > 256) {
        fprintf(stderr, "error: %s: bad code count\n", argv[1]);
        return 2;
    }
    double values[256];
    for (unsigned c = 0; c < ncodes; c++)
        if (fscanf(in, "%la", &values[c]) != 1) {
            fprintf(stderr, "error: %s: bad value of code %u\n", argv[1], c);
            return 2;
        }
    if (fscanf(in, "%u %lu", &group, &ngroups) != 2 || group == 0 || group > 4096) {
        fprintf(stderr, "error: %s: bad group size or count\n", argv[1]);
        return 2;
    }
    float *x = malloc(group * sizeof *x);
    unsigned *codes = malloc(group * sizeof *codes);
    FILE *out = fopen(argv[2], "w");
    if (!x || !codes || !out) {
        fprintf(stderr, "error: cannot write %s\n", argv[2]);
        return 2;
    }
    for (unsigned long g = 0; g < ngroups; g++) {
        for (unsigned k = 0; k < group; k++) {
            double v;
            if (fscanf(in, "%la", &v) != 1) {
                fprintf(stderr, "error: %s: group %lu is short\n", argv[1], g);
                return 2;
            }
            x[k] = (float)v;
        }
        const float scale = grid_quant_group(values, ncodes, x, group, codes);
        fprintf(out, "%a", (double)scale);
        for (unsigned k = 0; k < group; k++)
            fprintf(out, " %u", codes[k]);
        fputc('\n', out);
    }
    fclose(in);
    free(x);
    free(codes);
    return fclose(out) == 0 ? 0 : 1;
}
