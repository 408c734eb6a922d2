/* fpga_link.h - the host end of the board link (docs/fpga.md): requests
 * with bounded retries, and one call per command.
 *
 * Contract.  ab_fpga_transact sends one request and waits (timeout_ms) for
 * its reply; it retries up to `retries` more times when the board answers
 * E_CRC, E_TIMEOUT or E_LEN to a well-formed request (nothing executed),
 * when a reply arrives with a bad CRC or malformed, or when none arrives.
 * Before each retry it drains the line until it has been quiet long enough
 * for the board to have abandoned any partial request (its 256-bit-time
 * timeout), then flushes both ways.  Retries are counted by cause.  A lost
 * reply to a request that is not idempotent (WRITE counts buffer writes,
 * START counts tiles, SET_BAUD moves the rate) is resolved by asking the
 * board whether it executed (READ_COUNTERS, STATUS, IDENTIFY at either
 * rate) before anything is sent again, so the board's cumulative counters
 * see every request exactly once.
 *
 * Every call returns 0, or -1 with err naming the command and what went
 * wrong; *link_failed (ab_fpga_link.failed) tells a link that gave up (no
 * valid reply after every retry: exit 2, a board that does not answer)
 * from a board that answered with an error status (E_ARG, E_BUSY, ...).
 * No globals: everything lives in the ab_fpga_link.
 */
#ifndef AB_FPGA_LINK_H
#define AB_FPGA_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"
#include "fpga/host/fpga_packet.h"
#include "fpga/host/fpga_serial.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AB_FPGA_BOOT_BAUD 115200u
#define AB_FPGA_BOARD_CLOCK_HZ 12000000u /* the iCEBreaker's oscillator */

typedef struct ab_fpga_link_stats {
    uint64_t retry_crc;       /* the board answered E_CRC */
    uint64_t retry_timeout;   /* the board answered E_TIMEOUT */
    uint64_t retry_len;       /* the board answered E_LEN to a well-formed request */
    uint64_t retry_bad_reply; /* a reply with a bad CRC, a bad LEN or the wrong shape */
    uint64_t retry_no_reply;  /* no reply within the timeout */
    uint64_t requests;        /* frames sent (retries included) */
    uint64_t bytes_sent, bytes_received;
} ab_fpga_link_stats;

typedef struct ab_fpga_identity {
    uint8_t magic[4];
    uint8_t version, rows, cols, lanes;
    uint16_t steps, groups;
    uint32_t build_hash;
    uint16_t sysclk_khz;
    uint8_t clk_div, flags;
    uint16_t baud_divisor, max_payload;
} ab_fpga_identity;

typedef struct ab_fpga_tile_desc {
    uint8_t groups;
    uint16_t steps;
    uint8_t cpw, dq_bits, literal_align;
} ab_fpga_tile_desc;

typedef struct ab_fpga_board_status {
    uint8_t flags; /* bit 0 busy, bit 1 done, bit 2 started since RESET */
    uint32_t tiles_done;
} ab_fpga_board_status;

typedef struct ab_fpga_link {
    ab_fpga_serial port;
    unsigned timeout_ms; /* per reply */
    unsigned retries;    /* per request, beyond the first try */
    ab_fpga_link_stats stats;
    ab_fpga_decoder dec;
    uint32_t sysclk_hz;   /* from IDENTIFY (12 MHz / D); 0 before */
    /* what the board's counters must say, from the requests it executed */
    uint64_t words_written; /* buffer words since RESET */
    uint64_t tiles_started; /* STARTs executed since RESET */
    bool failed;            /* the last error was the link giving up */
    /* test hook: called with each frame before it is sent (may alter it) */
    void (*tx_hook)(void *ctx, uint8_t *frame, size_t n);
    void *tx_hook_ctx;
} ab_fpga_link;

typedef struct ab_fpga_reply {
    uint8_t cmd, status;
    uint16_t len;
    uint8_t payload[AB_FPGA_MAX_PAYLOAD];
} ab_fpga_reply;

/* Open the port at 115200 (the board's boot rate). */
int ab_fpga_link_open(ab_fpga_link *l, const char *port, unsigned timeout_ms, unsigned retries,
                      ab_error *err);
void ab_fpga_link_close(ab_fpga_link *l);
uint64_t ab_fpga_link_retries(const ab_fpga_link *l);

/* One request with retries; *r the reply (any status the board chose
 * other than the retried ones).  want_len: the reply payload length an OK
 * reply must have (-1: any). */
int ab_fpga_transact(ab_fpga_link *l, uint8_t cmd, const uint8_t *payload, size_t len,
                     int want_len, ab_fpga_reply *r, ab_error *err);

int ab_fpga_identify(ab_fpga_link *l, ab_fpga_identity *id, ab_error *err);
int ab_fpga_reset(ab_fpga_link *l, ab_error *err);
/* SET_BAUD to the divisor nearest baud (refused when more than 2 % off or
 * outside 4 .. 65535), then the port follows and IDENTIFY confirms the
 * board's divisor. */
int ab_fpga_set_baud(ab_fpga_link *l, uint32_t baud, ab_error *err);
/* The divisor for a rate at system clock hz; -1 with err when impossible. */
int ab_fpga_baud_divisor(uint32_t sysclk_hz, uint32_t baud, uint16_t *divisor, ab_error *err);
/* n words of word_bytes each, split into payloads of at most 256 bytes. */
int ab_fpga_write(ab_fpga_link *l, uint8_t buf, uint8_t index, uint16_t addr,
                  const uint8_t *words, size_t n, size_t word_bytes, ab_error *err);
int ab_fpga_start(ab_fpga_link *l, const ab_fpga_tile_desc *d, ab_error *err);
int ab_fpga_get_status(ab_fpga_link *l, ab_fpga_board_status *s, ab_error *err);
/* STATUS until done and not busy, or -1 at deadline_ms (absolute). */
int ab_fpga_wait_done(ab_fpga_link *l, int64_t deadline_ms, ab_fpga_board_status *s,
                      ab_error *err);
int ab_fpga_read_results(ab_fpga_link *l, uint16_t addr, size_t count, uint32_t *out,
                         ab_error *err);
int ab_fpga_read_counters(ab_fpga_link *l, uint32_t out[AB_FPGA_NCOUNTERS], ab_error *err);

/* IDENTIFY's payload, decoded */
void ab_fpga_identity_decode(const uint8_t p[AB_FPGA_IDENTIFY_LEN], ab_fpga_identity *id);

#ifdef __cplusplus
}
#endif

#endif
