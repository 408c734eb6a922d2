/* dtype.c - the element types of stored tensors: names, sizes and exact
 * conversion to float32 (binary16 and bfloat16 by bit manipulation, the
 * readers' fast path).  Shared by npy.c and safetensors.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_io_impl.h"

const char *ab_dtype_name(ab_dtype d)
{
    switch (d) {
    case AB_DTYPE_F32: return "F32";
    case AB_DTYPE_F16: return "F16";
    case AB_DTYPE_BF16: return "BF16";
    case AB_DTYPE_F64: return "F64";
    case AB_DTYPE_I8: return "I8";
    case AB_DTYPE_U8: return "U8";
    case AB_DTYPE_I16: return "I16";
    case AB_DTYPE_U16: return "U16";
    case AB_DTYPE_I32: return "I32";
    case AB_DTYPE_U32: return "U32";
    case AB_DTYPE_I64: return "I64";
    case AB_DTYPE_U64: return "U64";
    case AB_DTYPE_BOOL: return "BOOL";
    }
    return "?";
}

size_t ab_dtype_size(ab_dtype d)
{
    switch (d) {
    case AB_DTYPE_I8:
    case AB_DTYPE_U8:
    case AB_DTYPE_BOOL: return 1;
    case AB_DTYPE_F16:
    case AB_DTYPE_BF16:
    case AB_DTYPE_I16:
    case AB_DTYPE_U16: return 2;
    case AB_DTYPE_F32:
    case AB_DTYPE_I32:
    case AB_DTYPE_U32: return 4;
    case AB_DTYPE_F64:
    case AB_DTYPE_I64:
    case AB_DTYPE_U64: return 8;
    }
    return 0;
}

static float f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

float ab_half_to_float(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0x1f) /* inf, or NaN with its payload kept */
        return f32_from_bits(sign | 0x7f800000u | man << 13);
    if (exp != 0) /* rebias 15 -> 127 */
        return f32_from_bits(sign | (exp + 112u) << 23 | man << 13);
    if (man == 0)
        return f32_from_bits(sign);
    /* Subnormal half = man * 2^-24: every one is a normal float32, so
     * shift the leading one into the implicit-bit position. */
    uint32_t e = 113; /* float32 biased exponent of 2^-14 */
    while (!(man & 0x400u)) {
        man <<= 1;
        e--;
    }
    return f32_from_bits(sign | e << 23 | (man & 0x3ffu) << 13);
}

float ab_bf16_to_float(uint16_t b)
{
    return f32_from_bits((uint32_t)b << 16);
}

int ab_shape_count(const size_t *shape, size_t ndim, size_t *count)
{
    for (size_t i = 0; i < ndim; i++) {
        if (shape[i] == 0) {
            *count = 0;
            return 0;
        }
    }
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++) {
        if (n > SIZE_MAX / shape[i])
            return -1;
        n *= shape[i];
    }
    *count = n;
    return 0;
}

int ab_shape_bytes(size_t count, ab_dtype d, size_t *bytes)
{
    const size_t sz = ab_dtype_size(d);
    if (sz == 0 || count > SIZE_MAX / sz)
        return -1;
    *bytes = count * sz;
    return 0;
}

void ab_shape_format(char *buf, size_t cap, const size_t *shape, size_t ndim)
{
    size_t pos = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i <= ndim && pos < cap; i++) {
        const char *sep = i == 0 ? "[" : ", ";
        int n;
        if (i == ndim)
            n = snprintf(buf + pos, cap - pos, "%s]", ndim == 0 ? "[" : "");
        else
            n = snprintf(buf + pos, cap - pos, "%s%zu", sep, shape[i]);
        if (n < 0)
            break;
        pos += (size_t)n;
    }
}

int ab_dtype_to_f32(ab_dtype d, const uint8_t *src, size_t count, float *dst, size_t *bad)
{
    size_t i;
    switch (d) {
    case AB_DTYPE_F32:
        for (i = 0; i < count; i++)
            dst[i] = f32_from_bits(ab_le32(src + 4 * i));
        return 0;
    case AB_DTYPE_F16:
        for (i = 0; i < count; i++)
            dst[i] = ab_half_to_float(ab_le16(src + 2 * i));
        return 0;
    case AB_DTYPE_BF16:
        for (i = 0; i < count; i++)
            dst[i] = ab_bf16_to_float(ab_le16(src + 2 * i));
        return 0;
    case AB_DTYPE_F64:
        for (i = 0; i < count; i++) {
            const uint64_t bits = ab_le64(src + 8 * i);
            double v;
            memcpy(&v, &bits, sizeof v);
            dst[i] = (float)v; /* IEEE: out of range rounds to +-inf */
        }
        return 0;
    case AB_DTYPE_I8:
        for (i = 0; i < count; i++)
            dst[i] = (float)(int8_t)src[i];
        return 0;
    case AB_DTYPE_U8:
        for (i = 0; i < count; i++)
            dst[i] = (float)src[i];
        return 0;
    case AB_DTYPE_I16:
        for (i = 0; i < count; i++)
            dst[i] = (float)(int16_t)ab_le16(src + 2 * i);
        return 0;
    case AB_DTYPE_U16:
        for (i = 0; i < count; i++)
            dst[i] = (float)ab_le16(src + 2 * i);
        return 0;
    case AB_DTYPE_I32:
        for (i = 0; i < count; i++)
            dst[i] = (float)(int32_t)ab_le32(src + 4 * i);
        return 0;
    case AB_DTYPE_U32:
        for (i = 0; i < count; i++)
            dst[i] = (float)ab_le32(src + 4 * i);
        return 0;
    case AB_DTYPE_I64:
        for (i = 0; i < count; i++)
            dst[i] = (float)(int64_t)ab_le64(src + 8 * i);
        return 0;
    case AB_DTYPE_U64:
        for (i = 0; i < count; i++)
            dst[i] = (float)ab_le64(src + 8 * i);
        return 0;
    case AB_DTYPE_BOOL:
        for (i = 0; i < count; i++) {
            if (src[i] > 1) {
                *bad = i;
                return -1;
            }
            dst[i] = (float)src[i];
        }
        return 0;
    }
    *bad = 0;
    return -1;
}

int ab_tensor_alloc(ab_tensor *t, const size_t *shape, size_t ndim, size_t count,
                    const char *what, ab_error *err)
{
    memset(t, 0, sizeof *t);
    if (ndim > AB_TENSOR_MAX_DIMS)
        return ab_error_set(err, "%s: %zu dimensions, at most %d supported", what, ndim,
                            AB_TENSOR_MAX_DIMS);
    if (count > SIZE_MAX / sizeof(float))
        return ab_error_set(err, "%s: %zu elements do not fit in memory", what, count);
    t->data = malloc((count ? count : 1) * sizeof(float));
    if (!t->data)
        return ab_error_set(err, "%s: out of memory for %zu elements", what, count);
    t->ndim = ndim;
    for (size_t i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->count = count;
    return 0;
}
