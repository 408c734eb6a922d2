/* pack.h - weight/activation codes of any width 1..32 bits (traces: 1..16, 32 for fp32
 * weights) packed into
 * bytes, the layout traces store codes in (docs/trace-format.md).
 *
 * Layout: one row is a little-endian bit stream; code i of the row occupies
 * stream bits [i*bits, (i+1)*bits), least significant bit first, and stream
 * bit j is bit (j % 8) of byte j / 8.  Each row starts on a byte boundary
 * and its unused high bits in the last byte are zero.
 */
#ifndef AB_PACK_H
#define AB_PACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes one row of n codes takes: ceil(n * bits / 8). */
size_t ab_pack_row_bytes(size_t n, unsigned bits);

/* Pack n codes (only their low `bits` bits) into out[ab_pack_row_bytes]
 * (n == 0 writes nothing; out may then be NULL). */
void ab_pack_row(const uint32_t *codes, size_t n, unsigned bits, uint8_t *out);

/* Unpack n codes from a packed row. */
void ab_unpack_row(const uint8_t *in, size_t n, unsigned bits, uint32_t *out);

/* True when the padding bits after the last code of a packed row are all
 * zero (readers reject rows with stray bits). */
int ab_pack_row_padding_clear(const uint8_t *in, size_t n, unsigned bits);

#ifdef __cplusplus
}
#endif

#endif
