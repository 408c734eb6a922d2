// uart_bridge.cpp - bit timing of the bridged UART pins (uart_bridge.hpp).
#include "uart_bridge.hpp"

namespace ab_fpga_sim {

bool UartSerializer::level(uint64_t clk, uint32_t baud)
{
    if (!active_) {
        if (q_.empty())
            return true;
        cur_ = q_.front();
        q_.pop_front();
        active_ = true;
        s0_ = clk; // a new stream of back-to-back bytes
        base_ = 0;
        baud_ = baud ? baud : 115200;
    }
    // global bit n of the stream covers clocks [s0 + ceil(n F / B), s0 + ceil((n+1) F / B)):
    // n = floor(t B / F)
    uint64_t k = (clk - s0_) * baud_ / k_board_hz - base_;
    if (k >= 10) { // the stop bit ended at this clock
        active_ = false;
        if (!q_.empty() && (baud ? baud : 115200) == baud_) { // the next byte follows at once
            cur_ = q_.front();
            q_.pop_front();
            active_ = true;
            base_ += 10;
            k -= 10;
        } else {
            return level(clk, baud);
        }
    }
    if (k == 0)
        return false;
    if (k == 9)
        return true;
    return (cur_ >> (k - 1)) & 1u;
}

UartDeserializer::Event UartDeserializer::sample(uint64_t clk, bool line, uint32_t baud,
                                                 uint8_t *out)
{
    switch (state_) {
    case WAIT_HIGH:
        if (line)
            state_ = IDLE;
        return NONE;
    case IDLE:
        if (!line) {
            state_ = RECEIVING;
            edge_ = clk;
            baud_ = baud ? baud : 115200;
            bit_ = 0;
            shift_ = 0;
        }
        return NONE;
    case RECEIVING:
        break;
    }
    const uint64_t at = edge_ + (2 * uint64_t(bit_) + 1) * k_board_hz / (2 * uint64_t(baud_));
    if (clk < at)
        return NONE;
    if (bit_ == 0) {
        if (line) { // a glitch, not a start bit
            state_ = IDLE;
            return NONE;
        }
    } else if (bit_ <= 8) {
        shift_ = uint8_t(shift_ | (unsigned(line) << (bit_ - 1)));
    } else {
        if (!line) {
            state_ = WAIT_HIGH;
            return FRAMING_ERROR;
        }
        state_ = IDLE;
        *out = shift_;
        return BYTE;
    }
    bit_++;
    return NONE;
}

} // namespace ab_fpga_sim
