/* fpga_link.c - requests, retries and the commands of the board link
 * (fpga_link.h). */
#include "fpga/host/fpga_link.h"

#include <stdio.h>
#include <string.h>

typedef enum outcome { OUT_REPLY, OUT_NOT_EXECUTED, OUT_LOST, OUT_IO_ERROR } outcome;
typedef enum cause { CAUSE_CRC, CAUSE_TIMEOUT, CAUSE_LEN, CAUSE_BAD_REPLY, CAUSE_NO_REPLY } cause;

static const char *cause_name(cause c)
{
    switch (c) {
    case CAUSE_CRC: return "the board answered E_CRC";
    case CAUSE_TIMEOUT: return "the board answered E_TIMEOUT";
    case CAUSE_LEN: return "the board answered E_LEN";
    case CAUSE_BAD_REPLY: return "a corrupt reply";
    default: return "no reply";
    }
}

static void count(ab_fpga_link *l, cause c)
{
    switch (c) {
    case CAUSE_CRC: l->stats.retry_crc++; break;
    case CAUSE_TIMEOUT: l->stats.retry_timeout++; break;
    case CAUSE_LEN: l->stats.retry_len++; break;
    case CAUSE_BAD_REPLY: l->stats.retry_bad_reply++; break;
    default: l->stats.retry_no_reply++; break;
    }
}

uint64_t ab_fpga_link_retries(const ab_fpga_link *l)
{
    const ab_fpga_link_stats *s = &l->stats;
    return s->retry_crc + s->retry_timeout + s->retry_len + s->retry_bad_reply + s->retry_no_reply;
}

int ab_fpga_link_open(ab_fpga_link *l, const char *port, unsigned timeout_ms, unsigned retries,
                      ab_error *err)
{
    memset(l, 0, sizeof *l);
    l->timeout_ms = timeout_ms ? timeout_ms : 1;
    l->retries = retries;
    ab_fpga_decoder_init(&l->dec, true);
    if (ab_fpga_serial_open(&l->port, port, AB_FPGA_BOOT_BAUD, err) != 0) {
        l->failed = true;
        return -1;
    }
    return 0;
}

void ab_fpga_link_close(ab_fpga_link *l)
{
    ab_fpga_serial_close(&l->port);
}

/* Read and drop bytes until the line has been quiet for long enough that
 * the board has abandoned any partial request (1024 bit times, at least
 * 50 ms of wall time for a slow simulated board, at most the timeout),
 * then flush both ways. */
static void recover(ab_fpga_link *l)
{
    int64_t quiet = (int64_t)(1024000u / (l->port.baud ? l->port.baud : 1u)) + 1;
    if (quiet < 50)
        quiet = 50;
    if (quiet > (int64_t)l->timeout_ms)
        quiet = (int64_t)l->timeout_ms;
    const int64_t give_up = ab_fpga_now_ms() + 10 * (int64_t)l->timeout_ms + quiet;
    uint8_t junk[512];
    for (;;) {
        const int64_t now = ab_fpga_now_ms();
        if (now >= give_up)
            break;
        ab_error e;
        const long n = ab_fpga_serial_read(&l->port, junk, sizeof junk, now + quiet, &e);
        if (n <= 0)
            break;
        l->stats.bytes_received += (uint64_t)n;
    }
    ab_fpga_serial_flush(&l->port);
    ab_fpga_decoder_restart(&l->dec);
}

static outcome attempt(ab_fpga_link *l, uint8_t *frame, size_t n, uint8_t cmd, int want_len,
                       ab_fpga_reply *r, cause *why, ab_error *err)
{
    if (l->tx_hook)
        l->tx_hook(l->tx_hook_ctx, frame, n);
    const int64_t t0 = ab_fpga_now_ms();
    if (ab_fpga_serial_write(&l->port, frame, n, t0 + (int64_t)l->timeout_ms, err) != 0)
        return OUT_IO_ERROR;
    l->stats.requests++;
    l->stats.bytes_sent += n;
    const int64_t deadline = ab_fpga_now_ms() + (int64_t)l->timeout_ms;
    ab_fpga_decoder_restart(&l->dec);
    uint8_t buf[AB_FPGA_MAX_FRAME];
    for (;;) {
        const long got = ab_fpga_serial_read(&l->port, buf, sizeof buf, deadline, err);
        if (got < 0)
            return OUT_IO_ERROR;
        if (got == 0) {
            *why = CAUSE_NO_REPLY;
            return OUT_LOST;
        }
        l->stats.bytes_received += (uint64_t)got;
        for (long i = 0; i < got; i++) {
            const ab_fpga_frame_result fr = ab_fpga_decoder_feed(&l->dec, buf[i]);
            if (fr == AB_FPGA_FRAME_MORE)
                continue;
            if (fr != AB_FPGA_FRAME_OK) {
                *why = CAUSE_BAD_REPLY;
                return OUT_LOST;
            }
            const ab_fpga_decoder *d = &l->dec;
            r->cmd = d->cmd;
            r->status = d->status;
            r->len = d->len;
            memcpy(r->payload, d->payload, d->len);
            if (r->cmd != cmd && r->cmd != AB_FPGA_CMD_NEVER_READ) {
                *why = CAUSE_BAD_REPLY;
                return OUT_LOST;
            }
            switch (r->status) {
            case AB_FPGA_E_CRC: *why = CAUSE_CRC; return OUT_NOT_EXECUTED;
            case AB_FPGA_E_TIMEOUT: *why = CAUSE_TIMEOUT; return OUT_NOT_EXECUTED;
            case AB_FPGA_E_LEN: *why = CAUSE_LEN; return OUT_NOT_EXECUTED; /* ours are well-formed */
            default: break;
            }
            if (r->cmd != cmd || (r->status == AB_FPGA_OK && want_len >= 0 && r->len != want_len) ||
                (r->status != AB_FPGA_OK && r->len != 0)) {
                *why = CAUSE_BAD_REPLY;
                return OUT_LOST;
            }
            return OUT_REPLY;
        }
    }
}

/* Decides, after a lost reply, whether the board executed the request. */
typedef int (*resolver)(ab_fpga_link *l, const void *ctx, bool *executed, ab_error *err);

static int transact_resolve(ab_fpga_link *l, uint8_t cmd, const uint8_t *payload, size_t len,
                            int want_len, ab_fpga_reply *r, resolver resolve, const void *rctx,
                            ab_error *err)
{
    uint8_t frame[AB_FPGA_MAX_FRAME];
    const size_t n = ab_fpga_encode_request(cmd, payload, len, frame, sizeof frame);
    if (n == 0)
        return ab_error_set(err, "%s: payload of %zu bytes (at most %u)", ab_fpga_cmd_name(cmd),
                            len, AB_FPGA_MAX_PAYLOAD);
    cause last = CAUSE_NO_REPLY;
    for (unsigned a = 0; a <= l->retries; a++) {
        uint8_t copy[AB_FPGA_MAX_FRAME]; /* the hook may alter what is sent */
        memcpy(copy, frame, n);
        const outcome o = attempt(l, copy, n, cmd, want_len, r, &last, err);
        if (o == OUT_REPLY)
            return 0;
        if (o == OUT_IO_ERROR) {
            l->failed = true;
            return -1;
        }
        count(l, last);
        recover(l);
        if (o == OUT_LOST && resolve) {
            bool executed = false;
            if (resolve(l, rctx, &executed, err) != 0)
                return -1;
            if (executed) {
                r->cmd = cmd;
                r->status = AB_FPGA_OK;
                r->len = 0;
                return 0;
            }
        }
    }
    l->failed = true;
    return ab_error_set(err, "%s: the board at %s gave no valid reply in %u tries of %u ms "
                             "(last: %s)",
                        ab_fpga_cmd_name(cmd), l->port.path, l->retries + 1, l->timeout_ms,
                        cause_name(last));
}

int ab_fpga_transact(ab_fpga_link *l, uint8_t cmd, const uint8_t *payload, size_t len,
                     int want_len, ab_fpga_reply *r, ab_error *err)
{
    return transact_resolve(l, cmd, payload, len, want_len, r, NULL, NULL, err);
}

/* -1 unless the reply is OK */
static int want_ok(ab_fpga_link *l, const ab_fpga_reply *r, ab_error *err)
{
    if (r->status == AB_FPGA_OK)
        return 0;
    l->failed = false;
    return ab_error_set(err, "%s: the board answered %s (0x%02x)", ab_fpga_cmd_name(r->cmd),
                        ab_fpga_status_name(r->status), r->status);
}

static int simple(ab_fpga_link *l, uint8_t cmd, const uint8_t *p, size_t n, int want_len,
                  ab_fpga_reply *r, resolver res, const void *rctx, ab_error *err)
{
    l->failed = false;
    if (transact_resolve(l, cmd, p, n, want_len, r, res, rctx, err) != 0)
        return -1;
    return want_ok(l, r, err);
}

void ab_fpga_identity_decode(const uint8_t p[AB_FPGA_IDENTIFY_LEN], ab_fpga_identity *id)
{
    memcpy(id->magic, p, 4);
    id->version = p[4];
    id->rows = p[5];
    id->cols = p[6];
    id->lanes = p[7];
    id->steps = ab_fpga_get16(p + 8);
    id->groups = ab_fpga_get16(p + 10);
    id->build_hash = ab_fpga_get32(p + 12);
    id->sysclk_khz = ab_fpga_get16(p + 16);
    id->clk_div = p[18];
    id->flags = p[19];
    id->baud_divisor = ab_fpga_get16(p + 20);
    id->max_payload = ab_fpga_get16(p + 22);
}

int ab_fpga_identify(ab_fpga_link *l, ab_fpga_identity *id, ab_error *err)
{
    ab_fpga_reply r;
    if (simple(l, AB_FPGA_IDENTIFY, NULL, 0, AB_FPGA_IDENTIFY_LEN, &r, NULL, NULL, err) != 0)
        return -1;
    ab_fpga_identity_decode(r.payload, id);
    l->sysclk_hz = id->clk_div ? AB_FPGA_BOARD_CLOCK_HZ / id->clk_div
                               : (uint32_t)id->sysclk_khz * 1000u;
    return 0;
}

int ab_fpga_reset(ab_fpga_link *l, ab_error *err)
{
    ab_fpga_reply r;
    if (simple(l, AB_FPGA_RESET, NULL, 0, 0, &r, NULL, NULL, err) != 0)
        return -1;
    l->words_written = 0;
    l->tiles_started = 0;
    return 0;
}

int ab_fpga_baud_divisor(uint32_t sysclk_hz, uint32_t baud, uint16_t *divisor, ab_error *err)
{
    if (sysclk_hz == 0 || baud == 0)
        return ab_error_set(err, "%u baud: no system clock known (IDENTIFY first)", baud);
    const uint64_t d = ((uint64_t)sysclk_hz + baud / 2) / baud;
    if (d < 4 || d > 65535)
        return ab_error_set(err, "%u baud: the board's %u Hz clock needs a divisor of %llu; "
                                 "SET_BAUD takes 4 .. 65535 (%u .. %u baud)",
                            baud, sysclk_hz, (unsigned long long)d, sysclk_hz / 65535u,
                            sysclk_hz / 4u);
    const double actual = (double)sysclk_hz / (double)d;
    const double off = (actual - baud) / baud;
    if (off > 0.02 || off < -0.02)
        return ab_error_set(err, "%u baud: the nearest rate the board's %u Hz clock makes is "
                                 "%.0f baud (divisor %llu), %.1f %% off (at most 2 %%)",
                            baud, sysclk_hz, actual, (unsigned long long)d, off * 100.0);
    *divisor = (uint16_t)d;
    return 0;
}

typedef struct baud_ctx {
    uint32_t old_baud, new_baud;
    uint16_t old_div, new_div;
} baud_ctx;

/* IDENTIFY with one retry at the port's rate: its divisor, or -1. */
static int probe_divisor(ab_fpga_link *l, uint16_t *div)
{
    const unsigned keep = l->retries;
    l->retries = keep < 1 ? keep : 1;
    ab_fpga_identity id;
    ab_error e;
    const int rc = ab_fpga_identify(l, &id, &e);
    l->retries = keep;
    if (rc == 0)
        *div = id.baud_divisor;
    return rc;
}

static int resolve_baud(ab_fpga_link *l, const void *ctx, bool *executed, ab_error *err)
{
    const baud_ctx *b = ctx;
    uint16_t div = 0;
    if (ab_fpga_serial_set_baud(&l->port, b->new_baud, err) != 0)
        return -1;
    if (probe_divisor(l, &div) == 0 && div == b->new_div) {
        *executed = true;
        return 0;
    }
    if (ab_fpga_serial_set_baud(&l->port, b->old_baud, err) != 0)
        return -1;
    if (probe_divisor(l, &div) == 0 && div == b->old_div) {
        *executed = false;
        return 0;
    }
    l->failed = true;
    return ab_error_set(err, "SET_BAUD: the reply was lost and the board answers neither at %u "
                             "nor at %u baud", b->old_baud, b->new_baud);
}

int ab_fpga_set_baud(ab_fpga_link *l, uint32_t baud, ab_error *err)
{
    l->failed = false;
    if (ab_fpga_serial_rate_ok(baud) != 0)
        return ab_error_set(err, "--baud %u: termios has no such rate (one of %s)", baud,
                            ab_fpga_serial_rates());
    baud_ctx b;
    if (ab_fpga_baud_divisor(l->sysclk_hz, baud, &b.new_div, err) != 0)
        return -1;
    ab_fpga_identity id;
    if (ab_fpga_identify(l, &id, err) != 0)
        return -1;
    b.old_div = id.baud_divisor;
    b.old_baud = l->port.baud;
    b.new_baud = baud;
    uint8_t p[2];
    ab_fpga_put16(p, b.new_div);
    ab_fpga_reply r;
    if (simple(l, AB_FPGA_SET_BAUD, p, 2, 0, &r, resolve_baud, &b, err) != 0)
        return -1;
    if (l->port.baud != baud && ab_fpga_serial_set_baud(&l->port, baud, err) != 0)
        return -1;
    if (ab_fpga_identify(l, &id, err) != 0)
        return -1;
    if (id.baud_divisor != b.new_div) {
        l->failed = false;
        return ab_error_set(err, "SET_BAUD %u: the board reports divisor %u after it answered OK "
                                 "to %u", baud, id.baud_divisor, b.new_div);
    }
    return 0;
}

typedef struct write_ctx {
    uint64_t words;
} write_ctx;

static int resolve_write(ab_fpga_link *l, const void *ctx, bool *executed, ab_error *err)
{
    const write_ctx *w = ctx;
    uint32_t c[AB_FPGA_NCOUNTERS];
    if (ab_fpga_read_counters(l, c, err) != 0)
        return -1;
    const uint64_t have = c[AB_FPGA_CTR_BUFFER_WRITE_CYCLES];
    if (have == (uint32_t)(l->words_written + w->words)) {
        *executed = true;
        return 0;
    }
    if (have == (uint32_t)l->words_written) {
        *executed = false;
        return 0;
    }
    l->failed = false;
    return ab_error_set(err, "WRITE: the reply was lost and buffer_write_cycles is %llu, neither "
                             "%llu (not executed) nor %llu (executed)",
                        (unsigned long long)have, (unsigned long long)l->words_written,
                        (unsigned long long)(l->words_written + w->words));
}

int ab_fpga_write(ab_fpga_link *l, uint8_t buf, uint8_t index, uint16_t addr,
                  const uint8_t *words, size_t n, size_t word_bytes, ab_error *err)
{
    if (word_bytes == 0 || word_bytes > AB_FPGA_MAX_PAYLOAD - 4)
        return ab_error_set(err, "WRITE: %zu-byte words", word_bytes);
    const size_t per = (AB_FPGA_MAX_PAYLOAD - 4) / word_bytes;
    uint8_t p[AB_FPGA_MAX_PAYLOAD];
    for (size_t done = 0; done < n;) {
        const size_t k = n - done < per ? n - done : per;
        p[0] = buf;
        p[1] = index;
        ab_fpga_put16(p + 2, (uint16_t)(addr + done));
        memcpy(p + 4, words + done * word_bytes, k * word_bytes);
        const write_ctx w = {k};
        ab_fpga_reply r;
        if (simple(l, AB_FPGA_WRITE, p, 4 + k * word_bytes, 0, &r, resolve_write, &w, err) != 0)
            return -1;
        l->words_written += k;
        done += k;
    }
    return 0;
}

static int resolve_start(ab_fpga_link *l, const void *ctx, bool *executed, ab_error *err)
{
    (void)ctx;
    ab_fpga_board_status s;
    if (ab_fpga_get_status(l, &s, err) != 0)
        return -1;
    if ((s.flags & 1u) || s.tiles_done == (uint32_t)(l->tiles_started + 1)) {
        *executed = true;
        return 0;
    }
    if (s.tiles_done == (uint32_t)l->tiles_started) {
        *executed = false;
        return 0;
    }
    l->failed = false;
    return ab_error_set(err, "START: the reply was lost and the board reports %u tiles done, "
                             "%llu expected", s.tiles_done, (unsigned long long)l->tiles_started);
}

int ab_fpga_start(ab_fpga_link *l, const ab_fpga_tile_desc *d, ab_error *err)
{
    uint8_t p[6];
    p[0] = d->groups;
    ab_fpga_put16(p + 1, d->steps);
    p[3] = d->cpw;
    p[4] = d->dq_bits;
    p[5] = d->literal_align;
    ab_fpga_reply r;
    if (simple(l, AB_FPGA_START, p, sizeof p, 0, &r, resolve_start, NULL, err) != 0)
        return -1;
    l->tiles_started++;
    return 0;
}

int ab_fpga_get_status(ab_fpga_link *l, ab_fpga_board_status *s, ab_error *err)
{
    ab_fpga_reply r;
    if (simple(l, AB_FPGA_STATUS, NULL, 0, AB_FPGA_STATUS_LEN, &r, NULL, NULL, err) != 0)
        return -1;
    s->flags = r.payload[0];
    s->tiles_done = ab_fpga_get32(r.payload + 4);
    return 0;
}

int ab_fpga_wait_done(ab_fpga_link *l, int64_t deadline_ms, ab_fpga_board_status *s,
                      ab_error *err)
{
    for (;;) {
        if (ab_fpga_get_status(l, s, err) != 0)
            return -1;
        if ((s->flags & 2u) && !(s->flags & 1u) && s->tiles_done >= (uint32_t)l->tiles_started)
            return 0;
        if (ab_fpga_now_ms() >= deadline_ms) {
            l->failed = false;
            return ab_error_set(err, "STATUS: the tile has not finished by the deadline (flags "
                                     "0x%02x, %u tiles done, %llu started)",
                                s->flags, s->tiles_done, (unsigned long long)l->tiles_started);
        }
    }
}

int ab_fpga_read_results(ab_fpga_link *l, uint16_t addr, size_t count, uint32_t *out,
                         ab_error *err)
{
    for (size_t done = 0; done < count;) {
        const size_t k = count - done < AB_FPGA_MAX_READ_WORDS ? count - done
                                                                : AB_FPGA_MAX_READ_WORDS;
        uint8_t p[3];
        ab_fpga_put16(p, (uint16_t)(addr + done));
        p[2] = (uint8_t)k;
        ab_fpga_reply r;
        if (simple(l, AB_FPGA_READ_RESULTS, p, 3, (int)(4 * k), &r, NULL, NULL, err) != 0)
            return -1;
        for (size_t i = 0; i < k; i++)
            out[done + i] = ab_fpga_get32(r.payload + 4 * i);
        done += k;
    }
    return 0;
}

int ab_fpga_read_counters(ab_fpga_link *l, uint32_t out[AB_FPGA_NCOUNTERS], ab_error *err)
{
    ab_fpga_reply r;
    if (simple(l, AB_FPGA_READ_COUNTERS, NULL, 0, 4 * AB_FPGA_NCOUNTERS, &r, NULL, NULL, err) != 0)
        return -1;
    for (unsigned i = 0; i < AB_FPGA_NCOUNTERS; i++)
        out[i] = ab_fpga_get32(r.payload + 4 * i);
    return 0;
}
