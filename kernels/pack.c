/* pack.c - LSB-first bit packing of codes 1..32 bits wide (pack.h).
 * Bit at a time through a 64-bit window: widths are arbitrary, so there
 * is no byte-aligned fast path to get wrong; traces are small enough. */
#include "pack.h"

#include <string.h>

size_t ab_pack_row_bytes(size_t n, unsigned bits)
{
    return (n * bits + 7u) / 8u;
}

void ab_pack_row(const uint32_t *codes, size_t n, unsigned bits, uint8_t *out)
{
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
