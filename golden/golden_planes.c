/* golden_planes.c - ABQ-LLM's bit-plane decomposition
 * (docs/references.md#abq-llm), written one bit at a time: a q-bit
 * operand X is the sum over planes i of c_i X_i, X_i the {0,1} matrix of
 * bit i of every code, c_i = 2^i except the top plane of a two's
 * complement operand, which weighs -2^(q-1); bin's one plane stands for
 * 2b - 1.  The layout is the one the binary tensor core reads
 * (kernels/gemm_bitplane.h "Packing", as text): plane-major, K padded with
 * zero bits to a multiple of 128, bit c of a row in bit c % 64 of word
 * c / 64.
 *
 * The golden outputs of the btc PE do not go through these planes (they
 * are the exact integer dot products, golden_int.c); the planes are here so
 * that the tests can check the kernels' packing and plane weights against
 * them, and these planes against the values they stand for.
 */
#include <string.h>

#include "golden_impl.h"

size_t ab_golden_bp_words(size_t k)
{
    const size_t padded = (k + 127) / 128 * 128;
    return padded / 64;
}

void ab_golden_bp_planes(const uint32_t *codes, size_t rows, size_t k, unsigned bits,
                         uint64_t *planes)
{
    const size_t words = ab_golden_bp_words(k);
    memset(planes, 0, (size_t)bits * rows * words * sizeof *planes);
    for (unsigned i = 0; i < bits; i++)
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < k; c++) {
                const uint64_t bit = (codes[r * k + c] >> i) & 1u;
                planes[((size_t)i * rows + r) * words + c / 64] |= bit << (c % 64);
            }
}

int64_t ab_golden_bp_plane_coef(unsigned plane, unsigned bits, bool is_signed)
{
    int64_t c = 1;
    for (unsigned i = 0; i < plane; i++)
        c *= 2;
    return is_signed && plane == bits - 1 ? -c : c;
}

int64_t ab_golden_bp_element(const uint64_t *planes, size_t rows, size_t k, unsigned bits,
                             bool is_signed, bool pm1, size_t r, size_t c)
{
    const size_t words = ab_golden_bp_words(k);
    int64_t v = 0;
    for (unsigned i = 0; i < bits; i++) {
        const uint64_t word = planes[((size_t)i * rows + r) * words + c / 64];
        v += (int64_t)((word >> (c % 64)) & 1u) * ab_golden_bp_plane_coef(i, bits, is_signed);
    }
    return pm1 ? 2 * v - 1 : v;
}
