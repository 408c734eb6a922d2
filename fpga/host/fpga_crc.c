/* fpga_crc.c - CRC-16/CCITT-FALSE, bit by bit (packets are at most 263
 * bytes: a table would buy nothing at UART rates). */
#include "fpga/host/fpga_crc.h"

uint16_t ab_fpga_crc16_update(uint16_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc = (uint16_t)(crc ^ (uint16_t)(p[i] << 8));
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
    return crc;
}

uint16_t ab_fpga_crc16(const uint8_t *p, size_t n)
{
    return ab_fpga_crc16_update(AB_FPGA_CRC_INIT, p, n);
}
