/* fpga_packet.h - the board link's packets (docs/fpga.md "The packet
 * protocol (version 1)"): commands, status codes, request encoding and an
 * incremental decoder of replies (and, for tests and tools, the reverse:
 * reply encoding and request decoding).
 *
 * Contract: encoders write the whole frame (sync, header, payload, CRC
 * little endian) and return its length, or 0 when the payload is over
 * AB_FPGA_MAX_PAYLOAD or does not fit cap.  The decoder takes bytes one at
 * a time, skips (and counts) bytes before a sync byte, and reports a frame
 * once its CRC arrived: good, a CRC mismatch, or a LEN over 256 (the frame
 * is then abandoned at once).  It never reads past a frame; the bytes after
 * one start the next.
 */
#ifndef AB_FPGA_PACKET_H
#define AB_FPGA_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AB_FPGA_SYNC_REQUEST 0xA5u
#define AB_FPGA_SYNC_REPLY 0x5Au
#define AB_FPGA_MAX_PAYLOAD 256u
#define AB_FPGA_REQUEST_OVERHEAD 6u /* sync, CMD, LEN (2), CRC (2) */
#define AB_FPGA_REPLY_OVERHEAD 7u   /* sync, CMD, STATUS, LEN (2), CRC (2) */
#define AB_FPGA_MAX_FRAME (AB_FPGA_MAX_PAYLOAD + AB_FPGA_REPLY_OVERHEAD)
#define AB_FPGA_PROTOCOL_VERSION 1u
#define AB_FPGA_IDENTIFY_LEN 24u
#define AB_FPGA_STATUS_LEN 8u
#define AB_FPGA_NCOUNTERS 10u
#define AB_FPGA_MAX_READ_WORDS 64u
#define AB_FPGA_CMD_NEVER_READ 0xFFu

typedef enum ab_fpga_cmd {
    AB_FPGA_IDENTIFY = 0x01,
    AB_FPGA_RESET = 0x02,
    AB_FPGA_SET_BAUD = 0x03,
    AB_FPGA_WRITE = 0x10,
    AB_FPGA_START = 0x20,
    AB_FPGA_STATUS = 0x21,
    AB_FPGA_READ_RESULTS = 0x30,
    AB_FPGA_READ_COUNTERS = 0x31
} ab_fpga_cmd;

typedef enum ab_fpga_status_code {
    AB_FPGA_OK = 0x00,
    AB_FPGA_E_CRC = 0x01,
    AB_FPGA_E_CMD = 0x02,
    AB_FPGA_E_LEN = 0x03,
    AB_FPGA_E_ARG = 0x04,
    AB_FPGA_E_BUSY = 0x05,
    AB_FPGA_E_TIMEOUT = 0x06
} ab_fpga_status_code;

/* WRITE's buf field */
enum { AB_FPGA_BUF_TERMS = 0, AB_FPGA_BUF_ACT = 1, AB_FPGA_BUF_SCALE = 2 };

/* READ_COUNTERS' order */
enum {
    AB_FPGA_CTR_TILE_CYCLES = 0,
    AB_FPGA_CTR_COMPUTE_CYCLES,
    AB_FPGA_CTR_DEQUANT_CYCLES,
    AB_FPGA_CTR_IDLE_CYCLES,
    AB_FPGA_CTR_TILES_DONE,
    AB_FPGA_CTR_BUSY_CYCLES,
    AB_FPGA_CTR_BUFFER_WRITE_CYCLES,
    AB_FPGA_CTR_PACKETS_OK,
    AB_FPGA_CTR_CRC_ERRORS,
    AB_FPGA_CTR_LINK_ERRORS
};

const char *ab_fpga_cmd_name(uint8_t cmd);       /* "IDENTIFY", ..., "0x42" style: "unknown" */
const char *ab_fpga_status_name(uint8_t status); /* "OK", "E_CRC", ..., "unknown" */
const char *ab_fpga_counter_name(unsigned i);    /* "tile_cycles", ... */

size_t ab_fpga_encode_request(uint8_t cmd, const uint8_t *payload, size_t len, uint8_t *out,
                              size_t cap);
size_t ab_fpga_encode_reply(uint8_t cmd, uint8_t status, const uint8_t *payload, size_t len,
                            uint8_t *out, size_t cap);

typedef enum ab_fpga_frame_result {
    AB_FPGA_FRAME_MORE = 0, /* need more bytes */
    AB_FPGA_FRAME_OK,       /* a frame with a good CRC is in the decoder */
    AB_FPGA_FRAME_BAD_CRC,  /* a frame whose CRC did not match */
    AB_FPGA_FRAME_BAD_LEN   /* LEN over 256: abandoned */
} ab_fpga_frame_result;

typedef struct ab_fpga_decoder {
    bool reply;        /* decoding replies (else requests) */
    unsigned state;    /* private */
    size_t got;        /* payload bytes so far */
    uint16_t crc_rx;   /* private */
    uint8_t cmd, status;
    uint16_t len;
    uint8_t payload[AB_FPGA_MAX_PAYLOAD];
    uint64_t skipped;  /* bytes dropped while waiting for a sync byte */
} ab_fpga_decoder;

void ab_fpga_decoder_init(ab_fpga_decoder *d, bool reply);
/* Back to waiting for a sync byte (the skipped count is kept). */
void ab_fpga_decoder_restart(ab_fpga_decoder *d);
/* Between frames: no partial frame held. */
bool ab_fpga_decoder_idle(const ab_fpga_decoder *d);
ab_fpga_frame_result ab_fpga_decoder_feed(ab_fpga_decoder *d, uint8_t byte);

/* little-endian fields */
static inline uint16_t ab_fpga_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t ab_fpga_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void ab_fpga_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void ab_fpga_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#ifdef __cplusplus
}
#endif

#endif
