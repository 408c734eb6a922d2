/* fuzz_format_name.c - libFuzzer target for the format-name parser and, for
 * every name it accepts, encode/decode/canonical over a few codes and the
 * input bytes reinterpreted as doubles. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[64];
    const size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
    memcpy(name, data, n);
    name[n] = '\0';
    ab_format f;
    ab_error err;
    if (ab_format_parse(name, &f, &err) != 0)
        return 0;
    const uint32_t ncodes = f.bits >= 12 ? 4096u : (1u << f.bits);
    for (uint32_t c = 0; c < ncodes; c++) {
        const double v = ab_format_decode(&f, c);
        const uint32_t back = ab_format_encode(&f, v);
        if (back != ab_format_canonical(&f, c))
            abort();
    }
    for (size_t i = 0; i + 8 <= size; i += 8) {
        double x;
        memcpy(&x, data + i, 8);
        const uint32_t code = ab_format_encode(&f, x);
        const double v = ab_format_decode(&f, code);
        if (!isnan(x) && !isnan(v) && isfinite(x) && fabs(v) > ab_format_absmax(&f) &&
            !isinf(v))
            abort();
    }
    return 0;
}
