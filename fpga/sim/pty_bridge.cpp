// pty_bridge.cpp - the pty side of the simulated board (pty_bridge.hpp).
#include "pty_bridge.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

namespace ab_fpga_sim {

namespace {

struct Rate {
    speed_t code;
    uint32_t baud;
};
const Rate k_rates[] = {
    {B9600, 9600},       {B19200, 19200},     {B38400, 38400},     {B57600, 57600},
    {B115200, 115200},   {B230400, 230400},   {B460800, 460800},   {B500000, 500000},
    {B576000, 576000},   {B921600, 921600},   {B1000000, 1000000}, {B1152000, 1152000},
    {B1500000, 1500000}, {B2000000, 2000000}, {B2500000, 2500000}, {B3000000, 3000000},
    {B3500000, 3500000}, {B4000000, 4000000},
};

constexpr uint64_t k_batch = 1024; // clocks between looks at the pty

} // namespace

uint32_t baud_of_fd(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return 115200;
    const speed_t s = cfgetospeed(&t);
    for (const Rate &r : k_rates)
        if (r.code == s)
            return r.baud;
    return 115200;
}

PtyBridge::PtyBridge(Board &board, const BridgeOptions &o) : board_(board), o_(o)
{
    ab_fpga_decoder_init(&replies_, true);
    board_.set_fault_plant(o.plant_fault);
}

PtyBridge::~PtyBridge()
{
    if (master_ >= 0)
        ::close(master_);
    if (slave_ >= 0)
        ::close(slave_);
}

int PtyBridge::open(std::string *err)
{
    char name[256];
    if (openpty(&master_, &slave_, name, nullptr, nullptr) != 0) {
        *err = std::string("openpty: ") + std::strerror(errno);
        return -1;
    }
    slave_path_ = name;
    fcntl(master_, F_SETFD, FD_CLOEXEC);
    fcntl(slave_, F_SETFD, FD_CLOEXEC);
    fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
    // raw from the start: an echoing slave would send the board's bytes
    // straight back to it before a host has configured the port
    struct termios t;
    if (tcgetattr(slave_, &t) == 0) {
        cfmakeraw(&t);
        cfsetspeed(&t, B115200);
        tcsetattr(slave_, TCSANOW, &t);
    }
    return 0;
}

uint32_t PtyBridge::host_baud() const
{
    return baud_of_fd(master_);
}

void PtyBridge::from_host(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint64_t idx = ++st_.host_bytes;
        uint8_t b = p[i];
        if (idx == o_.drop_rx) {
            st_.dropped_rx++;
            continue;
        }
        if (idx == o_.flip_rx) {
            b ^= 1u;
            st_.flipped_rx++;
        }
        ser_.push(b);
    }
}

void PtyBridge::from_board(uint8_t b)
{
    const uint64_t idx = ++st_.board_bytes;
    const bool muted = o_.mute_after >= 0 && st_.replies >= uint64_t(o_.mute_after);
    if (ab_fpga_decoder_feed(&replies_, b) != AB_FPGA_FRAME_MORE)
        st_.replies++;
    if (muted) {
        st_.muted++;
        return;
    }
    if (idx == o_.drop_tx) {
        st_.dropped_tx++;
        return;
    }
    if (idx == o_.flip_tx) {
        b ^= 1u;
        st_.flipped_tx++;
    }
    out_.push_back(b);
}

void PtyBridge::flush_to_host()
{
    while (!out_.empty()) {
        const ssize_t w = ::write(master_, out_.data(), out_.size());
        if (w <= 0)
            return; // full (EAGAIN): poll for POLLOUT
        st_.forwarded += uint64_t(w);
        out_.erase(out_.begin(), out_.begin() + w);
    }
}

int PtyBridge::run(int stop_fd, std::string *err)
{
    uint64_t quiet_until = 0; // keep clocking up to this clock
    bool last_tx = true;
    uint8_t buf[4096];
    for (;;) {
        const bool active = ser_.busy() || des_.busy() || clk_ < quiet_until;
        struct pollfd fds[2] = {{master_, short(POLLIN | (out_.empty() ? 0 : POLLOUT)), 0},
                                {stop_fd, POLLIN, 0}};
        const int pr = ::poll(fds, stop_fd >= 0 ? 2 : 1, active ? 0 : -1);
        if (pr < 0 && errno != EINTR) {
            *err = std::string("poll: ") + std::strerror(errno);
            return -1;
        }
        if (pr > 0 && (fds[1].revents & (POLLIN | POLLHUP)))
            return 0;
        // after the host's tcsetattr, before its bytes; a host clock that is off
        // (--baud-error) makes the line's real rate differ from the nominal one
        const uint32_t baud = uint32_t(uint64_t(host_baud()) * uint64_t(1000 + o_.baud_error_permille) / 1000);
        const uint64_t window = 1024 * k_board_hz / (baud < 115200 ? baud : 115200);
        if (pr > 0 && (fds[0].revents & POLLIN)) {
            const ssize_t n = ::read(master_, buf, sizeof buf);
            if (n > 0) {
                from_host(buf, size_t(n));
                quiet_until = clk_ + window;
            }
        }
        if (!out_.empty())
            flush_to_host();
        if (!(ser_.busy() || des_.busy() || clk_ < quiet_until))
            continue;
        const auto t0 = std::chrono::steady_clock::now();
        for (uint64_t i = 0; i < k_batch; i++, clk_++) {
            const bool rx = ser_.level(clk_, baud);
            board_.clock(rx);
            const bool tx = board_.uart_tx();
            uint8_t b = 0;
            switch (des_.sample(clk_, tx, baud, &b)) {
            case UartDeserializer::BYTE: from_board(b); break;
            case UartDeserializer::FRAMING_ERROR: st_.framing_errors++; break;
            case UartDeserializer::NONE: break;
            }
            if (!rx || tx != last_tx)
                quiet_until = clk_ + window;
            last_tx = tx;
        }
        st_.clocks = clk_;
        st_.busy_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!out_.empty())
            flush_to_host();
    }
}

} // namespace ab_fpga_sim
