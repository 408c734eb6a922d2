/* fpga_serial.h - the host's serial port for the board link: a termios
 * device in raw 8N1 at a standard rate, writes and reads with poll() and
 * deadlines on the monotonic clock.
 *
 * Contract: ab_fpga_serial_open refuses (-1, err naming the path) a path
 * that does not exist, cannot be opened, or is not a terminal, and a rate
 * termios has no constant for; nothing ever blocks past its deadline.
 * Deadlines are absolute milliseconds of ab_fpga_now_ms().
 */
#ifndef AB_FPGA_SERIAL_H
#define AB_FPGA_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "ab_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ab_fpga_serial {
    int fd;
    uint32_t baud;
    char path[256];
} ab_fpga_serial;

/* milliseconds of CLOCK_MONOTONIC */
int64_t ab_fpga_now_ms(void);

/* 0 when termios has a constant for the rate (9600 ... 4000000). */
int ab_fpga_serial_rate_ok(uint32_t baud);
/* "9600, 19200, ..." */
const char *ab_fpga_serial_rates(void);

int ab_fpga_serial_open(ab_fpga_serial *s, const char *path, uint32_t baud, ab_error *err);
void ab_fpga_serial_close(ab_fpga_serial *s);
/* The port's rate now (after the output drained). */
int ab_fpga_serial_set_baud(ab_fpga_serial *s, uint32_t baud, ab_error *err);
/* Discard what is queued both ways. */
void ab_fpga_serial_flush(ab_fpga_serial *s);
/* All n bytes by the deadline: 0, or -1 with err (timeout or I/O error). */
int ab_fpga_serial_write(ab_fpga_serial *s, const uint8_t *p, size_t n, int64_t deadline_ms,
                         ab_error *err);
/* Up to cap bytes, waiting until the deadline for the first: the count,
 * 0 at the deadline, -1 with err on an I/O error. */
long ab_fpga_serial_read(ab_fpga_serial *s, uint8_t *p, size_t cap, int64_t deadline_ms,
                         ab_error *err);

#ifdef __cplusplus
}
#endif

#endif
