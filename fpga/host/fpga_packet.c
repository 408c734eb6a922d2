/* fpga_packet.c - encoding and decoding the link's frames (fpga_packet.h). */
#include "fpga/host/fpga_packet.h"

#include <string.h>

#include "fpga/host/fpga_crc.h"

const char *ab_fpga_cmd_name(uint8_t cmd)
{
    switch (cmd) {
    case AB_FPGA_IDENTIFY: return "IDENTIFY";
    case AB_FPGA_RESET: return "RESET";
    case AB_FPGA_SET_BAUD: return "SET_BAUD";
    case AB_FPGA_WRITE: return "WRITE";
    case AB_FPGA_START: return "START";
    case AB_FPGA_STATUS: return "STATUS";
    case AB_FPGA_READ_RESULTS: return "READ_RESULTS";
    case AB_FPGA_READ_COUNTERS: return "READ_COUNTERS";
    case AB_FPGA_CMD_NEVER_READ: return "(never read)";
    default: return "unknown";
    }
}

const char *ab_fpga_status_name(uint8_t status)
{
    switch (status) {
    case AB_FPGA_OK: return "OK";
    case AB_FPGA_E_CRC: return "E_CRC";
    case AB_FPGA_E_CMD: return "E_CMD";
    case AB_FPGA_E_LEN: return "E_LEN";
    case AB_FPGA_E_ARG: return "E_ARG";
    case AB_FPGA_E_BUSY: return "E_BUSY";
    case AB_FPGA_E_TIMEOUT: return "E_TIMEOUT";
    default: return "unknown";
    }
}

const char *ab_fpga_counter_name(unsigned i)
{
    static const char *const names[AB_FPGA_NCOUNTERS] = {
        "tile_cycles", "compute_cycles", "dequant_cycles",      "idle_cycles",
        "tiles_done",  "busy_cycles",    "buffer_write_cycles", "packets_ok",
        "crc_errors",  "link_errors"};
    return i < AB_FPGA_NCOUNTERS ? names[i] : "unknown";
}

/* header bytes after the sync byte: a request's CMD, LEN; a reply's CMD, STATUS, LEN */
static size_t encode(uint8_t sync, const uint8_t *head, size_t nhead, const uint8_t *payload,
                     size_t len, uint8_t *out, size_t cap)
{
    const size_t total = 1 + nhead + len + 2;
    if (len > AB_FPGA_MAX_PAYLOAD || total > cap || (len && !payload))
        return 0;
    out[0] = sync;
    memcpy(out + 1, head, nhead);
    if (len)
        memcpy(out + 1 + nhead, payload, len);
    const uint16_t crc = ab_fpga_crc16(out + 1, nhead + len);
    ab_fpga_put16(out + 1 + nhead + len, crc);
    return total;
}

size_t ab_fpga_encode_request(uint8_t cmd, const uint8_t *payload, size_t len, uint8_t *out,
                              size_t cap)
{
    const uint8_t head[3] = {cmd, (uint8_t)len, (uint8_t)(len >> 8)};
    return encode(AB_FPGA_SYNC_REQUEST, head, sizeof head, payload, len, out, cap);
}

size_t ab_fpga_encode_reply(uint8_t cmd, uint8_t status, const uint8_t *payload, size_t len,
                            uint8_t *out, size_t cap)
{
    const uint8_t head[4] = {cmd, status, (uint8_t)len, (uint8_t)(len >> 8)};
    return encode(AB_FPGA_SYNC_REPLY, head, sizeof head, payload, len, out, cap);
}

enum { ST_SYNC, ST_CMD, ST_STATUS, ST_LEN0, ST_LEN1, ST_PAYLOAD, ST_CRC0, ST_CRC1 };

void ab_fpga_decoder_init(ab_fpga_decoder *d, bool reply)
{
    memset(d, 0, sizeof *d);
    d->reply = reply;
    d->state = ST_SYNC;
}

void ab_fpga_decoder_restart(ab_fpga_decoder *d)
{
    d->state = ST_SYNC;
    d->got = 0;
}

bool ab_fpga_decoder_idle(const ab_fpga_decoder *d)
{
    return d->state == ST_SYNC;
}

static uint16_t frame_crc(const ab_fpga_decoder *d)
{
    uint8_t head[4];
    size_t n = 0;
    head[n++] = d->cmd;
    if (d->reply)
        head[n++] = d->status;
    head[n++] = (uint8_t)d->len;
    head[n++] = (uint8_t)(d->len >> 8);
    return ab_fpga_crc16_update(ab_fpga_crc16(head, n), d->payload, d->len);
}

ab_fpga_frame_result ab_fpga_decoder_feed(ab_fpga_decoder *d, uint8_t byte)
{
    switch (d->state) {
    case ST_SYNC:
        if (byte == (d->reply ? AB_FPGA_SYNC_REPLY : AB_FPGA_SYNC_REQUEST)) {
            d->state = ST_CMD;
            d->got = 0;
        } else {
            d->skipped++;
        }
        return AB_FPGA_FRAME_MORE;
    case ST_CMD:
        d->cmd = byte;
        d->status = 0;
        d->state = d->reply ? ST_STATUS : ST_LEN0;
        return AB_FPGA_FRAME_MORE;
    case ST_STATUS:
        d->status = byte;
        d->state = ST_LEN0;
        return AB_FPGA_FRAME_MORE;
    case ST_LEN0:
        d->len = byte;
        d->state = ST_LEN1;
        return AB_FPGA_FRAME_MORE;
    case ST_LEN1:
        d->len = (uint16_t)(d->len | (byte << 8));
        if (d->len > AB_FPGA_MAX_PAYLOAD) {
            d->state = ST_SYNC;
            return AB_FPGA_FRAME_BAD_LEN;
        }
        d->state = d->len ? ST_PAYLOAD : ST_CRC0;
        return AB_FPGA_FRAME_MORE;
    case ST_PAYLOAD:
        d->payload[d->got++] = byte;
        if (d->got == d->len)
            d->state = ST_CRC0;
        return AB_FPGA_FRAME_MORE;
    case ST_CRC0:
        d->crc_rx = byte;
        d->state = ST_CRC1;
        return AB_FPGA_FRAME_MORE;
    default: /* ST_CRC1 */
        d->crc_rx = (uint16_t)(d->crc_rx | (byte << 8));
        d->state = ST_SYNC;
        return d->crc_rx == frame_crc(d) ? AB_FPGA_FRAME_OK : AB_FPGA_FRAME_BAD_CRC;
    }
}
