// test_fpga.cpp - the iCEBreaker board link (docs/fpga.md).
//   FpgaLink.*    the host link alone (fpga/host/): the CRC's check value,
//                 request and reply round trips, every one-bit corruption of
//                 a reply detected, divisors, bad ports; and the retry logic
//                 against a scripted fake board on a pty (no Verilator).
//   FpgaBridge.*  the UART bit timing of fpga/sim/uart_bridge.hpp on a
//                 loopback (built with RTL).
//   FpgaBoard.*   end to end through the real binary, `anybit fpga sim --
//                 anybit fpga run --port {port} ...` on the Verilated board
//                 (built when CMake Verilated fpga/rtl/icebreaker_top.v).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

extern "C" {
#include "fpga/host/fpga_crc.h"
#include "fpga/host/fpga_link.h"
#include "fpga/host/fpga_packet.h"
#include "fpga/host/fpga_serial.h"
}

#ifdef ANYBIT_TEST_HAVE_RTL
#include "fpga/sim/pty_bridge.hpp"
#include "fpga/sim/uart_bridge.hpp"
#include "fpga_spec_board.hpp"
extern "C" {
#include "fpga/host/fpga_run.h"
#include "fpga/sim/fpga_sim.h"
#include "workload/trace.h"
}
#endif

namespace {

using anybit_test::CliRun;

std::vector<uint8_t> bytes_of(const std::string &s)
{
    return std::vector<uint8_t>(s.begin(), s.end());
}

// ---- packets -----------------------------------------------------------------------

TEST(FpgaLink, CrcCheckValue)
{
    const std::vector<uint8_t> v = bytes_of("123456789");
    EXPECT_EQ(ab_fpga_crc16(v.data(), v.size()), 0x29B1u);
    // piecewise = whole
    const uint16_t part = ab_fpga_crc16_update(ab_fpga_crc16(v.data(), 4), v.data() + 4, 5);
    EXPECT_EQ(part, 0x29B1u);
    EXPECT_EQ(ab_fpga_crc16(nullptr, 0), 0xFFFFu);
}

TEST(FpgaLink, RequestRoundTrip)
{
    for (size_t len : {size_t(0), size_t(1), size_t(6), size_t(255), size_t(256)}) {
        std::vector<uint8_t> p(len);
        for (size_t i = 0; i < len; i++)
            p[i] = uint8_t(i * 37 + 11);
        uint8_t frame[AB_FPGA_MAX_FRAME];
        const size_t n = ab_fpga_encode_request(AB_FPGA_WRITE, p.data(), len, frame, sizeof frame);
        ASSERT_EQ(n, len + AB_FPGA_REQUEST_OVERHEAD);
        EXPECT_EQ(frame[0], 0xA5);
        EXPECT_EQ(frame[1], AB_FPGA_WRITE);
        EXPECT_EQ(ab_fpga_get16(frame + 2), len);
        // the CRC covers CMD, LEN and payload, little endian
        EXPECT_EQ(ab_fpga_get16(frame + 4 + len), ab_fpga_crc16(frame + 1, 3 + len));
        ab_fpga_decoder d;
        ab_fpga_decoder_init(&d, false);
        // junk before the sync byte is skipped and counted
        for (uint8_t junk : {0x00, 0x5A, 0xFF})
            EXPECT_EQ(ab_fpga_decoder_feed(&d, junk), AB_FPGA_FRAME_MORE);
        ab_fpga_frame_result fr = AB_FPGA_FRAME_MORE;
        for (size_t i = 0; i < n; i++) {
            ASSERT_EQ(fr, AB_FPGA_FRAME_MORE) << "frame ended early at byte " << i;
            fr = ab_fpga_decoder_feed(&d, frame[i]);
        }
        EXPECT_EQ(fr, AB_FPGA_FRAME_OK);
        EXPECT_EQ(d.skipped, 3u);
        EXPECT_EQ(d.cmd, AB_FPGA_WRITE);
        EXPECT_EQ(d.len, len);
        if (len > 0) { // (memcmp of an empty vector's null data is UB)
            EXPECT_EQ(std::memcmp(d.payload, p.data(), len), 0);
        }
        EXPECT_TRUE(ab_fpga_decoder_idle(&d));
    }
    uint8_t big[300] = {0}, frame[400];
    EXPECT_EQ(ab_fpga_encode_request(AB_FPGA_WRITE, big, 257, frame, sizeof frame), 0u);
    EXPECT_EQ(ab_fpga_encode_request(AB_FPGA_WRITE, big, 10, frame, 15), 0u); // cap
}

TEST(FpgaLink, ReplyRoundTrip)
{
    uint8_t p[AB_FPGA_IDENTIFY_LEN];
    for (unsigned i = 0; i < sizeof p; i++)
        p[i] = uint8_t(0xC0 + i);
    std::memcpy(p, "ABIT", 4);
    uint8_t frame[AB_FPGA_MAX_FRAME];
    const size_t n = ab_fpga_encode_reply(AB_FPGA_IDENTIFY, AB_FPGA_OK, p, sizeof p, frame,
                                          sizeof frame);
    ASSERT_EQ(n, sizeof p + AB_FPGA_REPLY_OVERHEAD);
    EXPECT_EQ(frame[0], 0x5A);
    ab_fpga_decoder d;
    ab_fpga_decoder_init(&d, true);
    ab_fpga_frame_result fr = AB_FPGA_FRAME_MORE;
    for (size_t i = 0; i < n; i++)
        fr = ab_fpga_decoder_feed(&d, frame[i]);
    ASSERT_EQ(fr, AB_FPGA_FRAME_OK);
    EXPECT_EQ(d.cmd, AB_FPGA_IDENTIFY);
    EXPECT_EQ(d.status, AB_FPGA_OK);
    ab_fpga_identity id;
    ab_fpga_identity_decode(d.payload, &id);
    EXPECT_EQ(std::memcmp(id.magic, "ABIT", 4), 0);
    EXPECT_EQ(id.version, 0xC4);
    EXPECT_EQ(id.steps, 0xC9C8);
    EXPECT_EQ(id.build_hash, 0xCFCECDCCu);
    // an error reply: no payload
    const size_t m = ab_fpga_encode_reply(AB_FPGA_START, AB_FPGA_E_BUSY, nullptr, 0, frame,
                                          sizeof frame);
    ASSERT_EQ(m, AB_FPGA_REPLY_OVERHEAD);
    for (size_t i = 0; i < m; i++)
        fr = ab_fpga_decoder_feed(&d, frame[i]);
    EXPECT_EQ(fr, AB_FPGA_FRAME_OK);
    EXPECT_EQ(d.status, AB_FPGA_E_BUSY);
    EXPECT_STREQ(ab_fpga_status_name(d.status), "E_BUSY");
}

// Every single-bit corruption of a reply is detected: the decoder never
// reports a good frame for it (a bad CRC, a bad LEN, or still waiting).
TEST(FpgaLink, CorruptReplyIsDetected)
{
    uint8_t p[40];
    for (unsigned i = 0; i < sizeof p; i++)
        p[i] = uint8_t(i * 91 + 3);
    uint8_t frame[AB_FPGA_MAX_FRAME];
    const size_t n = ab_fpga_encode_reply(AB_FPGA_READ_COUNTERS, AB_FPGA_OK, p, sizeof p, frame,
                                          sizeof frame);
    ASSERT_GT(n, 0u);
    size_t bad_crc = 0;
    for (size_t byte = 0; byte < n; byte++)
        for (unsigned bit = 0; bit < 8; bit++) {
            uint8_t f[AB_FPGA_MAX_FRAME];
            std::memcpy(f, frame, n);
            f[byte] ^= uint8_t(1u << bit);
            ab_fpga_decoder d;
            ab_fpga_decoder_init(&d, true);
            bool ok = false;
            for (size_t i = 0; i < n; i++) {
                const ab_fpga_frame_result fr = ab_fpga_decoder_feed(&d, f[i]);
                ok = ok || fr == AB_FPGA_FRAME_OK;
                bad_crc += fr == AB_FPGA_FRAME_BAD_CRC;
            }
            EXPECT_FALSE(ok) << "byte " << byte << " bit " << bit;
        }
    EXPECT_GT(bad_crc, (n - 3) * 8 / 2); // most corruptions are CRC mismatches
}

TEST(FpgaLink, BaudDivisors)
{
    ab_error e{};
    uint16_t d = 0;
    ASSERT_EQ(ab_fpga_baud_divisor(12000000, 115200, &d, &e), 0) << e.msg;
    EXPECT_EQ(d, 104);
    ASSERT_EQ(ab_fpga_baud_divisor(12000000, 1000000, &d, &e), 0) << e.msg;
    EXPECT_EQ(d, 12);
    ASSERT_EQ(ab_fpga_baud_divisor(12000000, 3000000, &d, &e), 0) << e.msg;
    EXPECT_EQ(d, 4);
    ASSERT_EQ(ab_fpga_baud_divisor(6000000, 1000000, &d, &e), 0) << e.msg;
    EXPECT_EQ(d, 6);
    EXPECT_NE(ab_fpga_baud_divisor(12000000, 4000000, &d, &e), 0); // divisor 3 < 4
    EXPECT_NE(std::string(e.msg).find("4 .. 65535"), std::string::npos) << e.msg;
    // 12 MHz / 2.5 Mbaud = 4.8: divisor 5 makes 2.4 Mbaud, 4 % off
    EXPECT_NE(ab_fpga_baud_divisor(12000000, 2500000, &d, &e), 0);
    EXPECT_NE(std::string(e.msg).find("% off"), std::string::npos) << e.msg;
    EXPECT_NE(ab_fpga_baud_divisor(12000000, 100, &d, &e), 0); // > 65535
}

TEST(FpgaLink, BadPortsAreNamed)
{
    ab_fpga_serial s;
    ab_error e{};
    EXPECT_NE(ab_fpga_serial_open(&s, "/nonexistent/ttyUSB9", 115200, &e), 0);
    EXPECT_NE(std::string(e.msg).find("/nonexistent/ttyUSB9"), std::string::npos) << e.msg;
    EXPECT_NE(ab_fpga_serial_open(&s, "/dev/null", 115200, &e), 0);
    EXPECT_NE(std::string(e.msg).find("/dev/null: not a serial port"), std::string::npos) << e.msg;
    EXPECT_NE(ab_fpga_serial_open(&s, "/tmp", 115200, &e), 0);
    EXPECT_NE(std::string(e.msg).find("not a serial port"), std::string::npos) << e.msg;
    // through the binary: one line naming the port, exit 2
    for (const char *port : {"/nonexistent/ttyUSB9", "/dev/null"}) {
        const CliRun r = anybit_test::anybit(std::string("fpga run --port ") + port +
                                             " --random 1 --expect-build 0");
        EXPECT_EQ(r.status, 2) << r.out << r.err;
        EXPECT_EQ(anybit_test::count_lines(r.err), 1u) << r.err;
#ifdef ANYBIT_TEST_HAVE_RTL
        EXPECT_NE(r.err.find(port), std::string::npos) << r.err;
#endif
        EXPECT_EQ(r.out, "");
    }
}

// ---- the link's retries against a scripted board on a pty --------------------------------

// A board at the packet level: it answers each request from `answer`
// (which may corrupt, drop or refuse), counting buffer words and tiles as
// the real one does.  Runs in a thread on the pty's master.
class FakeBoard {
public:
    struct Script {
        // the n-th request (0-based) of command cmd: what to do with it
        std::function<int(uint64_t n, uint8_t cmd)> action; // 0 answer, 1 corrupt, 2 drop, 3 E_CRC
    };
    explicit FakeBoard(Script s) : script_(std::move(s))
    {
        char name[128];
        EXPECT_EQ(openpty(&master_, &slave_, name, nullptr, nullptr), 0);
        path_ = name;
        struct termios t;
        tcgetattr(slave_, &t);
        cfmakeraw(&t);
        tcsetattr(slave_, TCSANOW, &t);
        fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
        th_ = std::thread([this] { loop(); });
    }
    ~FakeBoard()
    {
        stop_ = true;
        th_.join();
        close(master_);
        close(slave_);
    }
    const std::string &path() const { return path_; }
    uint64_t executed(uint8_t cmd) const { return exec_[cmd].load(); }
    uint64_t words() const { return words_.load(); }

private:
    void reply(uint8_t cmd, uint8_t status, const uint8_t *p, size_t n, int action)
    {
        uint8_t f[AB_FPGA_MAX_FRAME];
        const size_t m = ab_fpga_encode_reply(cmd, status, p, n, f, sizeof f);
        if (action == 1)
            f[m - 1] ^= 0x40; // a bad CRC
        if (action != 2)
            (void)!write(master_, f, m);
    }
    void loop()
    {
        ab_fpga_decoder d;
        ab_fpga_decoder_init(&d, false);
        while (!stop_) {
            struct pollfd p = {master_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0)
                continue;
            uint8_t buf[512];
            const ssize_t n = read(master_, buf, sizeof buf);
            for (ssize_t i = 0; i < n; i++) {
                if (ab_fpga_decoder_feed(&d, buf[i]) != AB_FPGA_FRAME_OK)
                    continue;
                const uint8_t cmd = d.cmd;
                const int act = script_.action(count_[cmd]++, cmd);
                if (act == 3) {
                    reply(cmd, AB_FPGA_E_CRC, nullptr, 0, 0);
                    continue;
                }
                exec_[cmd]++;
                uint8_t out[64] = {0};
                size_t len = 0;
                switch (cmd) {
                case AB_FPGA_IDENTIFY:
                    std::memcpy(out, "ABIT", 4);
                    out[4] = 1;
                    out[5] = out[6] = 2;
                    out[7] = 4;
                    ab_fpga_put16(out + 8, 64);
                    ab_fpga_put16(out + 10, 4);
                    ab_fpga_put16(out + 16, 12000);
                    out[18] = 1;
                    ab_fpga_put16(out + 20, 104);
                    ab_fpga_put16(out + 22, 256);
                    len = 24;
                    break;
                case AB_FPGA_WRITE: words_ += (d.len - 4) / 4; break;
                case AB_FPGA_READ_COUNTERS:
                    ab_fpga_put32(out + 4 * AB_FPGA_CTR_BUFFER_WRITE_CYCLES, uint32_t(words_));
                    len = 40;
                    break;
                case AB_FPGA_START: tiles_++; break; // done at once
                case AB_FPGA_STATUS:
                    out[0] = tiles_ ? 6 : 0;
                    ab_fpga_put32(out + 4, uint32_t(tiles_));
                    len = 8;
                    break;
                default: break;
                }
                reply(cmd, AB_FPGA_OK, out, len, act);
            }
        }
    }
    Script script_;
    int master_ = -1, slave_ = -1;
    std::string path_;
    std::thread th_;
    std::atomic<bool> stop_{false};
    uint64_t count_[256] = {};
    std::atomic<uint64_t> exec_[256] = {};
    std::atomic<uint64_t> words_{0};
    uint64_t tiles_ = 0;
};

ab_fpga_link open_link(const FakeBoard &b, unsigned retries)
{
    ab_fpga_link l;
    ab_error e{};
    EXPECT_EQ(ab_fpga_link_open(&l, b.path().c_str(), 200, retries, &e), 0) << e.msg;
    return l;
}

TEST(FpgaLink, CorruptReplyIsRetriedAndCounted)
{
    FakeBoard b({[](uint64_t n, uint8_t cmd) { return cmd == AB_FPGA_IDENTIFY && n == 0 ? 1 : 0; }});
    ab_fpga_link l = open_link(b, 3);
    ab_fpga_identity id;
    ab_error e{};
    ASSERT_EQ(ab_fpga_identify(&l, &id, &e), 0) << e.msg;
    EXPECT_EQ(std::memcmp(id.magic, "ABIT", 4), 0);
    EXPECT_EQ(l.stats.retry_bad_reply, 1u);
    EXPECT_EQ(ab_fpga_link_retries(&l), 1u);
    EXPECT_EQ(l.stats.requests, 2u);
    ab_fpga_link_close(&l);
}

TEST(FpgaLink, ECrcAndNoReplyAreRetriedAndCounted)
{
    FakeBoard b({[](uint64_t n, uint8_t cmd) {
        return cmd == AB_FPGA_STATUS ? (n == 0 ? 3 : n == 1 ? 2 : 0) : 0;
    }});
    ab_fpga_link l = open_link(b, 3);
    ab_fpga_board_status s;
    ab_error e{};
    ASSERT_EQ(ab_fpga_get_status(&l, &s, &e), 0) << e.msg;
    EXPECT_EQ(l.stats.retry_crc, 1u);
    EXPECT_EQ(l.stats.retry_no_reply, 1u);
    EXPECT_EQ(ab_fpga_link_retries(&l), 2u);
    ab_fpga_link_close(&l);
}

TEST(FpgaLink, GivesUpAfterItsRetries)
{
    FakeBoard b({[](uint64_t, uint8_t) { return 2; }}); // never answers
    ab_fpga_link l = open_link(b, 2);
    ab_fpga_identity id;
    ab_error e{};
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_NE(ab_fpga_identify(&l, &id, &e), 0);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(l.failed);
    EXPECT_NE(std::string(e.msg).find("3 tries"), std::string::npos) << e.msg;
    EXPECT_EQ(l.stats.retry_no_reply, 3u);
    EXPECT_LT(s, 10.0); // 3 x (200 ms + at most 200 ms of draining): a bound, not a timing
    ab_fpga_link_close(&l);
}

// A WRITE whose reply is lost executed on the board: the link asks
// READ_COUNTERS and does not write it again (buffer_write_cycles stays the
// count of words written once).
TEST(FpgaLink, LostWriteReplyIsResolvedNotRepeated)
{
    FakeBoard b({[](uint64_t n, uint8_t cmd) { return cmd == AB_FPGA_WRITE && n == 1 ? 1 : 0; }});
    ab_fpga_link l = open_link(b, 3);
    std::vector<uint8_t> w(4 * 100, 0x11);
    ab_error e{};
    ASSERT_EQ(ab_fpga_write(&l, AB_FPGA_BUF_TERMS, 0, 0, w.data(), 100, 4, &e), 0) << e.msg;
    EXPECT_EQ(b.executed(AB_FPGA_WRITE), 2u); // 63 + 37 words, each once
    EXPECT_EQ(b.words(), 100u);
    EXPECT_EQ(l.words_written, 100u);
    EXPECT_EQ(l.stats.retry_bad_reply, 1u);
    EXPECT_EQ(b.executed(AB_FPGA_READ_COUNTERS), 1u);
    ab_fpga_link_close(&l);
}

// A START whose reply is lost but which ran is not started again (the
// board's tiles_done would count it twice): STATUS says it ran.
TEST(FpgaLink, LostStartReplyIsResolvedNotRepeated)
{
    FakeBoard b({[](uint64_t n, uint8_t cmd) { return cmd == AB_FPGA_START && n == 0 ? 2 : 0; }});
    ab_fpga_link l = open_link(b, 3);
    const ab_fpga_tile_desc d{1, 1, 1, 1, 0};
    ab_error e{};
    ASSERT_EQ(ab_fpga_start(&l, &d, &e), 0) << e.msg;
    EXPECT_EQ(b.executed(AB_FPGA_START), 1u);
    EXPECT_EQ(l.tiles_started, 1u);
    EXPECT_EQ(l.stats.retry_no_reply, 1u);
    ab_fpga_board_status st;
    ASSERT_EQ(ab_fpga_wait_done(&l, ab_fpga_now_ms() + 2000, &st, &e), 0) << e.msg;
    EXPECT_EQ(st.tiles_done, 1u);
    ab_fpga_link_close(&l);
}

// ... and one that did not execute (E_CRC: the request was corrupt) is sent again.
TEST(FpgaLink, RefusedWriteIsSentAgain)
{
    FakeBoard b({[](uint64_t n, uint8_t cmd) { return cmd == AB_FPGA_WRITE && n == 0 ? 3 : 0; }});
    ab_fpga_link l = open_link(b, 3);
    std::vector<uint8_t> w(4 * 10, 0x22);
    ab_error e{};
    ASSERT_EQ(ab_fpga_write(&l, AB_FPGA_BUF_SCALE, 1, 0, w.data(), 10, 4, &e), 0) << e.msg;
    EXPECT_EQ(b.executed(AB_FPGA_WRITE), 1u);
    EXPECT_EQ(b.words(), 10u);
    EXPECT_EQ(l.stats.retry_crc, 1u);
    ab_fpga_link_close(&l);
}

#ifdef ANYBIT_TEST_HAVE_RTL
// ---- UART bit timing ------------------------------------------------------------------

using ab_fpga_sim::UartDeserializer;
using ab_fpga_sim::UartSerializer;

// Serialize bytes at baud tx, deserialize the line at baud rx.
std::vector<uint8_t> loop_back(const std::vector<uint8_t> &in, uint32_t tx, uint32_t rx,
                               uint64_t *framing, uint64_t *clocks)
{
    UartSerializer s;
    UartDeserializer d;
    std::vector<uint8_t> out;
    *framing = 0;
    uint8_t b;
    for (uint64_t clk = 0; clk < 10; clk++) // the line idles high before the first byte
        d.sample(clk, true, rx, &b);
    for (uint8_t x : in)
        s.push(x);
    uint64_t clk = 0, last_busy = 0;
    for (; clk < last_busy + 20 * ab_fpga_sim::k_board_hz / rx + 100; clk++) {
        const bool line = s.level(clk, tx);
        if (s.busy())
            last_busy = clk;
        switch (d.sample(clk, line, rx, &b)) {
        case UartDeserializer::BYTE: out.push_back(b); break;
        case UartDeserializer::FRAMING_ERROR: (*framing)++; break;
        default: break;
        }
    }
    *clocks = last_busy + 1;
    return out;
}

TEST(FpgaBridge, LoopbackAtEveryRate)
{
    std::vector<uint8_t> in;
    for (unsigned i = 0; i < 300; i++)
        in.push_back(uint8_t(i * 73 + (i >> 3)));
    for (uint32_t baud : {9600u, 115200u, 1000000u, 2000000u, 3000000u}) {
        uint64_t framing, clocks;
        EXPECT_EQ(loop_back(in, baud, baud, &framing, &clocks), in) << baud;
        EXPECT_EQ(framing, 0u) << baud;
        // back to back, the fractional clocks per bit accumulated exactly:
        // 300 bytes end at ceil(3000 F / B)
        const uint64_t F = ab_fpga_sim::k_board_hz;
        EXPECT_EQ(clocks, (3000 * F + baud - 1) / baud) << baud;
    }
}

TEST(FpgaBridge, BitEdgesFollowTheExactRate)
{
    // 115200 baud at 12 MHz: 104.1666 clocks per bit, so the edges of 0x55
    // (alternating bits) fall at ceil(k * 12e6 / 115200)
    UartSerializer s;
    s.push(0x55);
    bool last = true;
    std::vector<uint64_t> edges;
    for (uint64_t clk = 0; clk < 1100; clk++) {
        const bool l = s.level(clk, 115200);
        if (l != last)
            edges.push_back(clk);
        last = l;
    }
    ASSERT_EQ(edges.size(), 10u); // start, 8 data bits alternating from 1, stop
    for (unsigned k = 0; k < 10; k++)
        EXPECT_EQ(edges[k], (uint64_t(k) * 12000000 + 115199) / 115200) << k;
}

TEST(FpgaBridge, WrongRateGivesNoBytes)
{
    std::vector<uint8_t> in(64, 0xA5);
    uint64_t framing, clocks;
    const std::vector<uint8_t> out = loop_back(in, 1000000, 115200, &framing, &clocks);
    EXPECT_NE(out, in);
    const std::vector<uint8_t> out2 = loop_back(in, 115200, 1000000, &framing, &clocks);
    EXPECT_NE(out2, in);
    EXPECT_GT(framing, 0u);
}

// ---- the host driver end to end against the behavioural board ---------------------------

// The spec board (tests/fpga_spec_board.hpp) behind a pty in a thread.
struct SpecRig {
    anybit_test::SpecBoard board;
    ab_fpga_sim::PtyBridge bridge;
    int stop[2] = {-1, -1};
    std::thread th;
    std::string config;
    SpecRig(uint32_t hash, const ab_fpga_sim::BridgeOptions &o)
        : board(hash), bridge(board, o)
    {
        std::string err;
        EXPECT_EQ(bridge.open(&err), 0) << err;
        EXPECT_EQ(pipe(stop), 0);
        th = std::thread([this] {
            std::string e;
            bridge.run(stop[0], &e);
        });
        // the spec board's array is rtl_array_bitmod model 0: 4 x 4 PEs of 4 lanes
        config = anybit_test::tmp_dir("fpga") + "/spec4x4.yaml";
        const std::string y =
            "name: spec4x4\nrecipe: bitmod\npe: {kind: bitmod, lanes: 4, scale_bits: 16}\n"
            "array: {rows: 4, cols: 4}\nclock_ghz: 0.012\n"
            "buffers:\n  weight: {kb: 16}\n  activation: {kb: 8}\n  output: {kb: 1}\n"
            "dram: {preset: custom, bytes_per_cycle: 0.01, pj_per_bit: 18.75}\n";
        anybit_test::spit(config, y);
    }
    ~SpecRig()
    {
        (void)!write(stop[1], "x", 1);
        th.join();
        close(stop[0]);
        close(stop[1]);
    }
    int run(ab_fpga_run_opts o, ab_fpga_run_stats *st)
    {
        const std::string port = bridge.slave_path();
        o.port = port.c_str();
        o.config = config.c_str();
        o.stats = st;
        o.quiet = true;
        if (!o.timeout_ms)
            o.timeout_ms = 500;
        if (!o.baud)
            o.baud = 1000000;
        return ab_fpga_run(&o);
    }
};

ab_fpga_run_opts random_opts(uint64_t n, uint32_t hash)
{
    ab_fpga_run_opts o{};
    o.random_tiles = n;
    o.seed = 3;
    o.retries = 3;
    o.expect_build = hash;
    return o;
}

TEST(FpgaSpecBoard, RandomTilesAgree)
{
    SpecRig rig(0x1234abcd, {});
    ab_fpga_run_stats st{};
    EXPECT_EQ(rig.run(random_opts(20, 0x1234abcd), &st), 0);
    EXPECT_EQ(st.tiles, 20u);
    EXPECT_EQ(st.retries, 0u);
    EXPECT_GT(st.result_words, 20u * 16u);
}

TEST(FpgaSpecBoard, TraceOpAgrees)
{
    SpecRig rig(7, {});
    ab_trace t;
    ab_error e{};
    const std::string path =
        std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";
    ASSERT_EQ(ab_trace_read(path.c_str(), &t, &e), 0) << e.msg;
    ab_fpga_run_opts o{};
    o.trace = &t;
    o.trace_path = path.c_str();
    o.op = 1;
    o.op_given = true;
    o.retries = 3;
    o.expect_build = 7;
    ab_fpga_run_stats st{};
    EXPECT_EQ(rig.run(o, &st), 0);
    EXPECT_EQ(st.tiles, 32u);     // 128 channels / 4 rows, both groups in one chunk
    EXPECT_EQ(st.op_outputs, 128u);
    ab_trace_free(&t);
}

TEST(FpgaSpecBoard, FaultsAreRetried)
{
    for (int k = 0; k < 4; k++) {
        ab_fpga_sim::BridgeOptions bo;
        (k == 0 ? bo.drop_rx : k == 1 ? bo.flip_rx : k == 2 ? bo.drop_tx : bo.flip_tx) = 200;
        SpecRig rig(5, bo);
        ab_fpga_run_stats st{};
        EXPECT_EQ(rig.run(random_opts(3, 5), &st), 0) << k;
        EXPECT_GE(st.retries, 1u) << k;
    }
}

TEST(FpgaSpecBoard, BoardThatStopsAnsweringGivesUp)
{
    ab_fpga_sim::BridgeOptions bo;
    bo.mute_after = 4;
    SpecRig rig(5, bo);
    ab_fpga_run_stats st{};
    ab_fpga_run_opts o = random_opts(2, 5);
    o.timeout_ms = 200;
    o.retries = 1;
    EXPECT_EQ(rig.run(o, &st), 2);
}

TEST(FpgaSpecBoard, PlantedFaultIsAMismatch)
{
    ab_fpga_sim::BridgeOptions bo;
    bo.plant_fault = true;
    SpecRig rig(5, bo);
    ab_fpga_run_stats st{};
    EXPECT_EQ(rig.run(random_opts(3, 5), &st), 1);
}
#endif

// `anybit fpga build|program|estimate` find the flow scripts in the data
// root; a root without them is one message naming the script, exit 2.
TEST(FpgaLink, MissingFlowScriptIsNamed)
{
    const std::string empty = anybit_test::tmp_dir("fpga/empty-root");
    for (const char *sub : {"build", "program", "estimate"}) {
        const CliRun r = anybit_test::run_command(
            "ANYBIT_HOME='" + empty + "' " + ANYBIT_BIN + " fpga " + sub, anybit_test::tmp_dir("fpga"));
        EXPECT_EQ(r.status, 2) << sub << r.err;
        EXPECT_EQ(anybit_test::count_lines(r.err), 1u) << r.err;
        EXPECT_NE(r.err.find(std::string("fpga/flow/") + sub + ".sh: not found"), std::string::npos)
            << r.err;
    }
}

// make fpga's verdict (fpga/flow/check.py) on fpga.json files like the
// flow writes: the recorded build passes; a clock below its target, a part
// overfilled, buffers out of EBR, a bigger divider or a smaller array fail
// naming the field (exit 1); a file without its fields is exit 2.
TEST(FpgaFlow, CheckHoldsTheFloors)
{
    const std::string dir = anybit_test::tmp_dir("fpga_check");
    auto report = [&](double sys_mhz, int lc, int ebr, int clk_div, int cols) {
        char buf[1024];
        std::snprintf(buf, sizeof buf,
                      "{\"clk_div\": %d, \"array\": {\"rows\": 1, \"cols\": %d, \"lanes\": 4, "
                      "\"steps\": 256, \"groups\": 16}, \"utilization\": {"
                      "\"ICESTORM_LC\": {\"used\": %d, \"available\": 5280}, "
                      "\"ICESTORM_RAM\": {\"used\": %d, \"available\": 30}, "
                      "\"ICESTORM_DSP\": {\"used\": 2, \"available\": 8}}, \"clocks\": {"
                      "\"clk_sys\": {\"fmax_mhz\": %.3f, \"target_mhz\": %.3f}, "
                      "\"clk_12m\": {\"fmax_mhz\": 95.9, \"target_mhz\": 12.0}}}",
                      clk_div, cols, lc, ebr, sys_mhz, 12.0 / clk_div);
        const std::string path = dir + "/fpga.json";
        FILE *f = std::fopen(path.c_str(), "w");
        std::fputs(buf, f);
        std::fclose(f);
        return anybit_test::run_command("python3 " + std::string(ANYBIT_SOURCE_DIR) +
                                            "/fpga/flow/check.py " + path,
                                        dir);
    };
    const CliRun ok = report(6.173, 4970, 23, 2, 2);
    EXPECT_EQ(ok.status, 0) << ok.err;
    EXPECT_NE(ok.out.find("fits"), std::string::npos) << ok.out;
    const struct {
        double mhz;
        int lc, ebr, div, cols;
        const char *field;
    } bad[] = {{5.9, 4970, 23, 2, 2, "clocks.clk_sys.fmax_mhz"},
               {6.2, 5300, 23, 2, 2, "utilization.ICESTORM_LC"},
               {6.2, 4970, 12, 2, 2, "utilization.ICESTORM_RAM"},
               {4.5, 4970, 23, 3, 2, "clk_div"},
               {6.2, 4000, 17, 2, 1, "array.cols"}};
    for (const auto &b : bad) {
        const CliRun r = report(b.mhz, b.lc, b.ebr, b.div, b.cols);
        EXPECT_EQ(r.status, 1) << b.field << "\n" << r.out << r.err;
        EXPECT_NE(r.err.find(b.field), std::string::npos) << b.field << "\n" << r.err;
    }
    FILE *f = std::fopen((dir + "/fpga.json").c_str(), "w");
    std::fputs("{\"clk_div\": 2}", f);
    std::fclose(f);
    const CliRun m = anybit_test::run_command(
        "python3 " + std::string(ANYBIT_SOURCE_DIR) + "/fpga/flow/check.py " + dir + "/fpga.json", dir);
    EXPECT_EQ(m.status, 2) << m.err;
    EXPECT_NE(m.err.find("missing field"), std::string::npos) << m.err;
}

#ifdef ANYBIT_TEST_FPGA_BOARD
// ---- the Verilated board, end to end through the binary --------------------------------

const std::string kTrace =
    std::string(ANYBIT_SOURCE_DIR) + "/traces/examples/tiny-decode16-bitmod-synthetic.safetensors";

// Under ASan the Verilated board (generated code, not ours) runs about ten
// times slower, and the end-to-end runs below took 9 minutes of CI's 25:
// the sanitizer build runs the same checks on fewer tiles (the link, the
// bridge and the driver take the same paths; the Release build runs them
// all).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// `anybit fpga sim SIM -- anybit fpga run --port {port} RUN`.  The host's
// reply timeout is wall-clock time while the board is simulated: on a
// loaded machine (CI's two cores, the ASan build) a reply can take far
// longer than on a real board, so a run that does not test timeouts waits
// up to 15 s for each (a bound, never a measurement) and any retry it
// reports is a real one.
CliRun board(const std::string &sim, const std::string &run)
{
    const std::string wait = run.find("--timeout-ms") == std::string::npos ? " --timeout-ms 15000" : "";
    return anybit_test::anybit("fpga sim --stats " + sim + " -- " + ANYBIT_BIN +
                                   " fpga run --port {port} " + run + wait,
                               anybit_test::tmp_dir("fpga"));
}

uint64_t field(const std::string &out, const std::string &label)
{
    const size_t p = out.find(label);
    if (p == std::string::npos)
        return ~uint64_t(0);
    return std::strtoull(out.c_str() + p + label.size(), nullptr, 10);
}

ab_fpga_sim_params params()
{
    ab_fpga_sim_params p;
    ab_fpga_sim_board_params(&p);
    return p;
}

std::string fast_baud()
{
    return std::to_string(ab_fpga_fastest_baud(12000000u / params().clk_div));
}

void expect_agree(const CliRun &r)
{
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("result              agree"), std::string::npos) << r.out << r.err;
}

// Every tile of op 1 (k_proj, 1 x 128 x 256, bitmod_fp4_mix, groups of
// 128, int6 scales): result words bit-exact, counters equal, and the op's
// 128 outputs bit-equal to sim/values/values_bitmod.c's datapath.
TEST(FpgaBoard, TraceOpEveryTileBitExact)
{
    const ab_fpga_sim_params p = params();
    if (kSanitized) {
        const CliRun r = board("", "--trace " + kTrace + " --op 1 --tiles 8 --baud " + fast_baud());
        expect_agree(r);
        EXPECT_EQ(field(r.out, "tiles               "), 8u) << r.out;
        EXPECT_EQ(field(r.out, "retries             "), 0u) << r.out;
        return;
    }
    const CliRun r = board("", "--trace " + kTrace + " --op 1 --baud " + fast_baud());
    expect_agree(r);
    const uint64_t chunks = p.steps >= 64 && p.groups >= 2 ? 1 : 2;
    const uint64_t tiles = (128 + p.rows - 1) / p.rows * chunks;
    EXPECT_EQ(field(r.out, "tiles               "), tiles) << r.out;
    EXPECT_EQ(field(r.out, "op outputs          "), 128u) << r.out;
    EXPECT_EQ(field(r.out, "result words        "), tiles * 2 / chunks * p.rows * p.cols) << r.out;
    EXPECT_EQ(field(r.out, "retries             "), 0u) << r.out;
}

TEST(FpgaBoard, TwoHundredRandomTiles)
{
    const uint64_t n = kSanitized ? 12 : 200;
    const CliRun r = board("", "--random " + std::to_string(n) + " --seed 11 --baud " + fast_baud());
    expect_agree(r);
    EXPECT_EQ(field(r.out, "tiles               "), n) << r.out;
    EXPECT_EQ(field(r.out, "retries             "), 0u) << r.out;
}

// A host whose UART clock runs 3 % slow (--baud-error -30) at 115200: the
// board's receiver samples each bit in its middle, so a frame still reads
// right (sampling at a bit's start would drift out of the host's bits by
// the third bit), and the bridge reads the board's bits at the host's rate.
TEST(FpgaBoard, HostClockThreePercentSlowStillWorks)
{
    const CliRun r = board("--baud-error -30", kSanitized ? "--random 1 --seed 3" : "--random 12 --seed 3");
    expect_agree(r);
    EXPECT_EQ(field(r.out, "retries             "), 0u) << r.out;
}

// A rate error past what 8N1 tolerates (about 5 % over ten bits, both
// sides' errors together) garbles frames: the host gives up, exit 2.
TEST(FpgaBoard, HostClockEightPercentOffIsNoAnswer)
{
    const CliRun r = board("--baud-error -80", "--random 1 --seed 3 --timeout-ms 300 --retries 1");
    EXPECT_EQ(r.status, 2) << r.out << r.err;
}

// The same tiles at the boot rate and at a second one, with the same results.
TEST(FpgaBoard, SameRunAtTwoBaudRates)
{
    const CliRun a = board("", "--random 4 --seed 5");
    const CliRun b = board("", "--random 4 --seed 5 --baud 1000000 --json -");
    expect_agree(a);
    EXPECT_EQ(b.status, 0) << b.out << b.err;
    EXPECT_NE(a.out.find("at 115200 baud"), std::string::npos) << a.out;
    EXPECT_NE(b.err.find("at 1000000 baud"), std::string::npos) << b.err; // the table, beside --json -
    EXPECT_NE(b.out.find("\"baud\": 1000000"), std::string::npos) << b.out;
    EXPECT_NE(b.out.find("\"result_words\": " + std::to_string(field(a.out, "result words        "))),
              std::string::npos)
        << a.out << b.out;
}

TEST(FpgaBoard, WrongBuildHashIsRefused)
{
    const CliRun r = board("", "--random 1 --expect-build 0xdeadbeef");
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("build hash is 0x"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("expects 0xdeadbeef"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("agree"), std::string::npos);
}

TEST(FpgaBoard, ConfigOfAnotherShapeIsRefused)
{
    const CliRun r = board("", "--random 1 --config bitmod");
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("describes 64 x 16 PEs"), std::string::npos) << r.err;
}

// A byte lost or corrupted either way: the run passes, the retry counted
// under its cause.  Host -> board byte 300 is inside a WRITE payload: lost,
// the request stops short and the board answers E_TIMEOUT; flipped, E_CRC.
// Board -> host byte 20 is inside the IDENTIFY reply's payload (a bad CRC);
// byte 60 a later reply's sync byte (the reply never starts: no reply).
TEST(FpgaBoard, DroppedAndFlippedBytesAreRetried)
{
    const struct {
        const char *sim, *cause, *bridge;
    } faults[] = {{"--drop-rx 300", "timeout 1", "dropped 1, flipped 0), board"},
                  {"--flip-rx 300", "crc 1", "dropped 0, flipped 1), board"},
                  {"--drop-tx 60", "no_reply 1", "dropped 1, flipped 0, muted"},
                  {"--flip-tx 20", "bad_reply 1", "dropped 0, flipped 1, muted"}};
    for (const auto &f : faults) {
        // 3 s: the lost reply sync byte costs one timeout; a busy machine must not cost more
        const CliRun r = board(f.sim, std::string(kSanitized ? "--random 1" : "--random 3") +
                                          " --seed 2 --timeout-ms 3000");
        expect_agree(r);
        EXPECT_EQ(field(r.out, "retries             "), 1u) << f.sim << "\n" << r.out;
        EXPECT_NE(r.out.find(f.cause), std::string::npos) << f.sim << "\n" << r.out;
        EXPECT_NE(r.err.find(f.bridge), std::string::npos) << f.sim << "\n" << r.err;
    }
}

// The board stops answering after 6 replies: exit 2 once the retries are
// spent, within (retries + 2) x (timeout + drain) (a bound, generous).
TEST(FpgaBoard, BoardThatStopsAnsweringIsExit2)
{
    const auto t0 = std::chrono::steady_clock::now();
    const CliRun r = board("--mute-after 6", "--random 2 --timeout-ms 300 --retries 2");
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("gave no valid reply in 3 tries of 300 ms"), std::string::npos) << r.err;
    EXPECT_LT(s, 30.0);
}

TEST(FpgaBoard, PlantedFaultIsTheFirstMismatch)
{
    const CliRun r = board("--plant-fault", "--random 3 --seed 2 --baud " + fast_baud());
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("MISMATCH in tile "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("expected dq_man"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("agree"), std::string::npos) << r.out; // no summary after a mismatch
}
#endif

} // namespace
