/* fpga_serial.c - termios port, raw 8N1 (fpga_serial.h).  cfmakeraw and
 * cfsetspeed are BSD/GNU, hence _DEFAULT_SOURCE. */
#define _DEFAULT_SOURCE
#include "fpga/host/fpga_serial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int64_t ab_fpga_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct rate {
    uint32_t baud;
    speed_t code;
} rate;

static const rate k_rates[] = {
    {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
    {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
    {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
    {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
    {3500000, B3500000}, {4000000, B4000000},
};

static int speed_code(uint32_t baud, speed_t *code)
{
    for (size_t i = 0; i < sizeof k_rates / sizeof k_rates[0]; i++)
        if (k_rates[i].baud == baud) {
            *code = k_rates[i].code;
            return 0;
        }
    return -1;
}

int ab_fpga_serial_rate_ok(uint32_t baud)
{
    speed_t c;
    return speed_code(baud, &c);
}

const char *ab_fpga_serial_rates(void)
{
    return "9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, "
           "1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000";
}

static int configure(ab_fpga_serial *s, uint32_t baud, ab_error *err)
{
    speed_t code;
    if (speed_code(baud, &code) != 0)
        return ab_error_set(err, "%s: %u baud: termios has no such rate (one of %s)", s->path,
                            baud, ab_fpga_serial_rates());
    struct termios t;
    if (tcgetattr(s->fd, &t) != 0)
        return ab_error_set(err, "%s: tcgetattr: %s", s->path, strerror(errno));
    cfmakeraw(&t);
    t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CSIZE | CRTSCTS);
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (cfsetspeed(&t, code) != 0 || tcsetattr(s->fd, TCSANOW, &t) != 0)
        return ab_error_set(err, "%s: cannot set %u baud: %s", s->path, baud, strerror(errno));
    s->baud = baud;
    return 0;
}

int ab_fpga_serial_open(ab_fpga_serial *s, const char *path, uint32_t baud, ab_error *err)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    snprintf(s->path, sizeof s->path, "%s", path);
    struct stat st;
    if (stat(path, &st) != 0)
        return ab_error_set(err, "%s: no such serial port (%s)", path, strerror(errno));
    if (!S_ISCHR(st.st_mode))
        return ab_error_set(err, "%s: not a serial port (not a character device)", path);
    s->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0)
        return ab_error_set(err, "%s: cannot open the serial port: %s", path, strerror(errno));
    if (!isatty(s->fd)) {
        ab_fpga_serial_close(s);
        return ab_error_set(err, "%s: not a serial port (not a terminal)", path);
    }
    if (configure(s, baud, err) != 0) {
        ab_fpga_serial_close(s);
        return -1;
    }
    ab_fpga_serial_flush(s);
    return 0;
}

void ab_fpga_serial_close(ab_fpga_serial *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

int ab_fpga_serial_set_baud(ab_fpga_serial *s, uint32_t baud, ab_error *err)
{
    tcdrain(s->fd);
    return configure(s, baud, err);
}

void ab_fpga_serial_flush(ab_fpga_serial *s)
{
    tcflush(s->fd, TCIOFLUSH);
}

static int wait_fd(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        const int64_t left = deadline_ms - ab_fpga_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, events, 0};
        const int r = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r > 0)
            return 1;
    }
}

int ab_fpga_serial_write(ab_fpga_serial *s, const uint8_t *p, size_t n, int64_t deadline_ms,
                         ab_error *err)
{
    size_t done = 0;
    while (done < n) {
        const ssize_t w = write(s->fd, p + done, n - done);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return ab_error_set(err, "%s: write: %s", s->path, strerror(errno));
        const int r = wait_fd(s->fd, POLLOUT, deadline_ms);
        if (r < 0)
            return ab_error_set(err, "%s: poll: %s", s->path, strerror(errno));
        if (r == 0)
            return ab_error_set(err, "%s: the port took no more bytes (%zu of %zu written)",
                                s->path, done, n);
    }
    return 0;
}

long ab_fpga_serial_read(ab_fpga_serial *s, uint8_t *p, size_t cap, int64_t deadline_ms,
                         ab_error *err)
{
    for (;;) {
        const ssize_t r = read(s->fd, p, cap);
        if (r > 0)
            return (long)r;
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return ab_error_set(err, "%s: read: %s", s->path, strerror(errno));
        const int w = wait_fd(s->fd, POLLIN, deadline_ms);
        if (w < 0)
            return ab_error_set(err, "%s: poll: %s", s->path, strerror(errno));
        if (w == 0)
            return 0;
    }
}
