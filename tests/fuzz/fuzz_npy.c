/* fuzz_npy.c - libFuzzer target for the .npy parser: any input must be
 * rejected with a message or parsed into a tensor whose every element can
 * be read (ASan checks the reads, the leak checker the frees). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ab_tensor t;
    ab_error err;
    if (ab_npy_parse(data, size, "fuzz.npy", &t, &err) != 0) {
        if (t.data != NULL || memchr(err.msg, '\0', sizeof err.msg) == NULL)
            abort();
        return 0;
    }
    size_t count = 1;
    for (size_t i = 0; i < t.ndim; i++)
        count *= t.shape[i];
    if (count != t.count || t.data == NULL)
        abort();
    volatile float sink = 0.0f;
    for (size_t i = 0; i < t.count; i++)
        sink += t.data[i];
    (void)sink;
    ab_tensor_free(&t);
    return 0;
}
