/* pack.c - LSB-first bit packing of codes 1..32 bits wide (pack.h).
 * Any width through a 64-bit window; the widths whose codes tile a byte
 * (1, 2, 4, 8, 16 bits: almost every trace) by simple loops, because a
 * whole model's codes are unpacked for every value check.
 * TracePack.RoundTripEveryWidth checks both against a bit-by-bit layout. */
#include "pack.h"

#include <stdbool.h>
#include <string.h>

size_t ab_pack_row_bytes(size_t n, unsigned bits)
{
    return (n * bits + 7u) / 8u;
}

/* The widths whole codes of which fill a byte (or two): simple loops the
 * compiler vectorizes, the same bits as the general loop (LSB first). */
static bool pack_byte_aligned(const uint32_t *codes, size_t n, unsigned bits, uint8_t *out)
{
    switch (bits) {
    case 8:
        for (size_t i = 0; i < n; i++)
            out[i] = (uint8_t)codes[i];
        return true;
    case 16:
        for (size_t i = 0; i < n; i++) {
            out[2 * i] = (uint8_t)codes[i];
            out[2 * i + 1] = (uint8_t)(codes[i] >> 8);
        }
        return true;
    case 4:
        for (size_t i = 0; i + 1 < n; i += 2)
            out[i / 2] = (uint8_t)((codes[i] & 15u) | (codes[i + 1] & 15u) << 4);
        if (n % 2)
            out[n / 2] = (uint8_t)(codes[n - 1] & 15u);
        return true;
    default:
        return false;
    }
}

static bool unpack_byte_aligned(const uint8_t *in, size_t n, unsigned bits, uint32_t *out)
{
    switch (bits) {
    case 8:
        for (size_t i = 0; i < n; i++)
            out[i] = in[i];
        return true;
    case 16:
        for (size_t i = 0; i < n; i++)
            out[i] = (uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8;
        return true;
    case 4:
        for (size_t i = 0; i + 1 < n; i += 2) {
            out[i] = in[i / 2] & 15u;
            out[i + 1] = (uint32_t)in[i / 2] >> 4;
        }
        if (n % 2)
            out[n - 1] = in[n / 2] & 15u;
        return true;
    case 2:
        for (size_t i = 0; i < n; i++)
            out[i] = (uint32_t)in[i / 4] >> (2 * (i % 4)) & 3u;
        return true;
    case 1:
        for (size_t i = 0; i < n; i++)
            out[i] = (uint32_t)in[i / 8] >> (i % 8) & 1u;
        return true;
    default:
        return false;
    }
}

void ab_pack_row(const uint32_t *codes, size_t n, unsigned bits, uint8_t *out)
{
    if (n == 0) /* nothing to write: out may be NULL */
        return;
    if (pack_byte_aligned(codes, n, bits, out))
        return;
    const uint32_t mask = bits >= 32 ? 0xffffffffu : (1u << bits) - 1u;
    memset(out, 0, ab_pack_row_bytes(n, bits));
    uint64_t acc = 0;
    unsigned have = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)(codes[i] & mask) << have;
        have += bits;
        while (have >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            have -= 8;
        }
    }
    if (have)
        out[o] = (uint8_t)acc;
}

void ab_unpack_row(const uint8_t *in, size_t n, unsigned bits, uint32_t *out)
{
    if (unpack_byte_aligned(in, n, bits, out))
        return;
    const uint64_t mask = (1ull << bits) - 1u;
    uint64_t acc = 0;
    unsigned have = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        while (have < bits) {
            acc |= (uint64_t)in[o++] << have;
            have += 8;
        }
        out[i] = (uint32_t)(acc & mask);
        acc >>= bits;
        have -= bits;
    }
}

int ab_pack_row_padding_clear(const uint8_t *in, size_t n, unsigned bits)
{
    const size_t used = n * bits;
    const size_t nbytes = ab_pack_row_bytes(n, bits);
    if (used % 8 == 0)
        return 1;
    return (in[nbytes - 1] >> (used % 8)) == 0;
}
