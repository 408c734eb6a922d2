/* tensor_io_impl.h - pieces shared by the .npy and safetensors readers and
 * writers (not part of the public API): little-endian field access, shape
 * arithmetic that cannot overflow, and element conversion to float32. */
#ifndef AB_TENSOR_IO_IMPL_H
#define AB_TENSOR_IO_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tensor_io.h"

/* Explicit byte assembly: input buffers are unaligned and the host order
 * is irrelevant. */
static inline uint16_t ab_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t ab_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ab_le64(const uint8_t *p)
{
    return (uint64_t)ab_le32(p) | (uint64_t)ab_le32(p + 4) << 32;
}

static inline void ab_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void ab_put_le64(uint8_t *p, uint64_t v)
{
    ab_put_le32(p, (uint32_t)v);
    ab_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Element count of a shape (1 for ndim 0).  A shape with a zero dimension
 * has count 0 whatever the other dimensions are; otherwise -1 when the
 * product does not fit in size_t. */
int ab_shape_count(const size_t *shape, size_t ndim, size_t *count);

/* count * dtype size, or -1 on size_t overflow. */
int ab_shape_bytes(size_t count, ab_dtype d, size_t *bytes);

/* "[4, 8]" into buf (truncated to cap, always terminated). */
void ab_shape_format(char *buf, size_t cap, const size_t *shape, size_t ndim);

/* Convert count little-endian elements of dtype d to float32 (round to
 * nearest even where float32 cannot hold a value exactly).  BOOL elements
 * must be 0 or 1: on any other byte returns -1 and its index in *bad. */
int ab_dtype_to_f32(ab_dtype d, const uint8_t *src, size_t count, float *dst, size_t *bad);

/* Fill t's shape and allocate count floats (at least one, so data is never
 * NULL on success). */
int ab_tensor_alloc(ab_tensor *t, const size_t *shape, size_t ndim, size_t count,
                    const char *what, ab_error *err);

#endif
