/* grid_quant.c - lab 1's code part, solved: one group of floats to a
 * lookup grid with anybit's rule (labs/lab1-formats/README.md, "The rule").
 */
#include <math.h>

float grid_quant_group(const double *values, unsigned ncodes, const float *x, unsigned n,
                       unsigned *codes);

float grid_quant_group(const double *values, unsigned ncodes, const float *x, unsigned n,
                       unsigned *codes)
{
    /* 1. the grid's largest magnitude, its ends, and its distinct values
     *    ascending, each with its lowest code */
    double fa = 0.0, lo = values[0], hi = values[0];
    double sorted[256];
    unsigned code_of[256], ns = 0;
    for (unsigned c = 0; c < ncodes; c++) {
        const double v = values[c] == 0.0 ? 0.0 : values[c];
        fa = fmax(fa, fabs(v));
        lo = fmin(lo, v);
        hi = fmax(hi, v);
        unsigned i = 0;
        while (i < ns && sorted[i] < v)
            i++;
        if (i < ns && sorted[i] == v)
            continue; /* a value seen before keeps its first code */
        for (unsigned j = ns; j > i; j--) {
            sorted[j] = sorted[j - 1];
            code_of[j] = code_of[j - 1];
        }
        sorted[i] = v;
        code_of[i] = c;
        ns++;
    }
    /* 2. the scale: the group's absmax onto fa, rounded to float */
    float m = 0.0f;
    for (unsigned i = 0; i < n; i++)
        if (fabsf(x[i]) > m)
            m = fabsf(x[i]);
    const double s = (double)m / fa;
    float scale = s > 0.0 ? (float)s : 1.0f;
    /* 3. each value: divide, clamp, count the decision points below it */
    for (unsigned i = 0; i < n; i++) {
        double y = (double)x[i] / (double)scale;
        if (y < lo)
            y = lo;
        else if (y > hi)
            y = hi;
        unsigned idx = 0;
        for (unsigned k = 0; k + 1 < ns; k++) {
            const double a = sorted[k], b = sorted[k + 1];
            const double mid = a + (b - a) / 2;
            /* a tie goes to the smaller magnitude, then to the positive value */
            const int up = fabs(b) != fabs(a) ? fabs(b) < fabs(a) : b > a;
            if (y > mid || (y == mid && up))
                idx++;
        }
        codes[i] = code_of[idx];
    }
    return scale;
}
