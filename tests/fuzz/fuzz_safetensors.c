/* fuzz_safetensors.c - libFuzzer target for the safetensors parser: any
 * input is rejected with a message or parsed, after which every tensor is
 * converted to float32 and the metadata is queried.  The parser takes
 * ownership of its buffer on success, so the input is copied to the heap
 * (an exact-size copy, so ASan sees any read past the end). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    ab_safetensors st;
    ab_error err;
    if (ab_safetensors_parse(buf, size, "fuzz.safetensors", &st, &err) != 0) {
        free(buf);
        return 0;
    }
    for (size_t i = 0; i < st.ntensors; i++) {
        const ab_st_entry *e = &st.tensors[i];
        if (e->begin > e->end || e->end > st.data_len || ab_safetensors_find(&st, e->name) != e)
            abort();
        ab_tensor t;
        if (ab_safetensors_to_tensor(&st, e, &t, &err) == 0) {
            volatile float sink = 0.0f;
            for (size_t k = 0; k < t.count; k++)
                sink += t.data[k];
            (void)sink;
            ab_tensor_free(&t);
        } else if (e->dtype != AB_DTYPE_BOOL) {
            abort(); /* only BOOL bytes are checked at conversion time */
        }
    }
    char *v = ab_safetensors_metadata(&st, "anybit");
    free(v);
    ab_safetensors_free(&st);
    return 0;
}
