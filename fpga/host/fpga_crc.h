/* fpga_crc.h - CRC-16/CCITT-FALSE of the board link (docs/fpga.md "Framing"):
 * polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR;
 * check value 0x29B1 for "123456789".
 *
 * Contract: ab_fpga_crc16_update(crc, p, n) continues a CRC over n more
 * bytes (start from AB_FPGA_CRC_INIT), so a packet's CRC may be computed
 * piece by piece; p may be NULL when n is 0.
 */
#ifndef AB_FPGA_CRC_H
#define AB_FPGA_CRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AB_FPGA_CRC_INIT 0xFFFFu

uint16_t ab_fpga_crc16_update(uint16_t crc, const uint8_t *p, size_t n);
uint16_t ab_fpga_crc16(const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
