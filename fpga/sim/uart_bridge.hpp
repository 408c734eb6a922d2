// uart_bridge.hpp - the board's two UART pins driven and sampled at a
// host's baud, clock by clock of the 12 MHz board clock (docs/fpga.md,
// "Host program and board-less path").  C++17, part of anybit_rtl; no
// Verilator in it, so a loopback "board" can test it.
//
// Contract.
//   Serializer (host -> board, uart_rx): bytes go out back to back, 8N1,
//   LSB first, idle high.  Bytes queued back to back form one stream begun
//   at clock s0; its n-th bit (bit k = n mod 10 of a byte: 0 start, 1..8
//   data, 9 stop) covers clocks [s0 + ceil(n F / B), s0 + ceil((n+1) F / B))
//   with F = 12 MHz and B the stream's baud: the fractional clocks per bit
//   accumulate exactly (integer arithmetic) over the whole stream, never
//   rounded per bit or per byte.
//   Deserializer (board -> host, uart_tx): a falling edge from idle starts
//   a byte; bit k is sampled at clock e + floor((2k + 1) F / 2B) after the
//   edge's clock e; a start bit that reads high there is a glitch (ignored);
//   a stop bit that reads low is a framing error: the byte is dropped and
//   counted, and the line must go high before the next start bit.
//   Each byte takes the baud its caller gives when it starts, so a host
//   that changes rate between bytes is followed exactly.
#ifndef AB_FPGA_UART_BRIDGE_HPP
#define AB_FPGA_UART_BRIDGE_HPP

#include <cstddef>
#include <cstdint>
#include <deque>

namespace ab_fpga_sim {

constexpr uint64_t k_board_hz = 12000000; // the iCEBreaker's oscillator

class UartSerializer {
public:
    void push(uint8_t b) { q_.push_back(b); }
    bool busy() const { return active_ || !q_.empty(); }
    std::size_t queued() const { return q_.size(); }
    // The line level during clock `clk` (clocks are numbered by the
    // caller, one call per clock, increasing); baud: for a byte that
    // starts at this clock.
    bool level(uint64_t clk, uint32_t baud);

private:
    std::deque<uint8_t> q_;
    bool active_ = false;
    uint8_t cur_ = 0;
    uint64_t s0_ = 0;   // clock the stream of back-to-back bytes began
    uint64_t base_ = 0; // bits of the stream before this byte
    uint32_t baud_ = 115200;
};

class UartDeserializer {
public:
    enum Event { NONE, BYTE, FRAMING_ERROR };
    // Sample the line after clock clk; baud: for a byte whose start edge
    // is this clock.  BYTE: *out holds it.
    Event sample(uint64_t clk, bool line, uint32_t baud, uint8_t *out);
    bool busy() const { return state_ != IDLE; }

private:
    enum State { WAIT_HIGH, IDLE, RECEIVING };
    State state_ = WAIT_HIGH;
    uint64_t edge_ = 0;
    uint32_t baud_ = 115200;
    unsigned bit_ = 0;
    uint8_t shift_ = 0;
};

} // namespace ab_fpga_sim

#endif
