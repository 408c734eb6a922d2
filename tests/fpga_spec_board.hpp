// fpga_spec_board.hpp - a behavioural board written from docs/fpga.md alone,
// at the pins (tests only): a UART at the board's divisor, the packet engine
// (framing, CRC, the 256-bit-time timeout, every command), and the Verilated
// array_bitmod (model 0 of rtl/sim/rtl_array_bitmod.h) as its array.  It
// lets tests/test_fpga.cpp run the host driver, the pty bridge and the CLI
// end to end without the board's Verilog, and it is a second reading of
// the spec beside fpga/rtl/.
#ifndef ANYBIT_TEST_FPGA_SPEC_BOARD_HPP
#define ANYBIT_TEST_FPGA_SPEC_BOARD_HPP

#include <cstring>
#include <deque>
#include <vector>

#include "fpga/sim/pty_bridge.hpp"

extern "C" {
#include "fpga/host/fpga_crc.h"
#include "fpga/host/fpga_packet.h"
#include "rtl_array_bitmod.h"
}

namespace anybit_test {

class SpecBoard final : public ab_fpga_sim::Board {
public:
    explicit SpecBoard(uint32_t build_hash) : hash_(build_hash)
    {
        a_ = ab_rtl_array_bitmod_create(false);
        ab_rtl_array_bitmod_dims(a_, &d_);
        results_.assign(size_t(d_.groups) * d_.rows * d_.cols, 0);
    }
    ~SpecBoard() override { ab_rtl_array_bitmod_destroy(a_); }
    bool fault = false;

    void clock(bool rx) override
    {
        rx_clock(rx);
        tx_clock();
        array_clock();
        if (in_packet_ && ++gap_ >= 256u * div_)
            abandon();
    }
    bool uart_tx() const override { return tx_line_; }
    void set_fault_plant(bool on) override { fault = on; }

private:
    // ---- UART ----
    void rx_clock(bool rx)
    {
        if (rx_state_ == 0) {
            if (!rx) {
                rx_state_ = 1;
                rx_cnt_ = div_ / 2;
                rx_bit_ = 0;
                rx_shift_ = 0;
            }
            return;
        }
        if (rx_cnt_-- != 0)
            return;
        rx_cnt_ = div_ - 1;
        if (rx_bit_ == 0) {
            if (rx) { rx_state_ = 0; return; } // glitch
        } else if (rx_bit_ <= 8) {
            rx_shift_ = uint8_t(rx_shift_ | (unsigned(rx) << (rx_bit_ - 1)));
        } else {
            rx_state_ = 0;
            if (rx)
                byte_in(rx_shift_);
            else
                link_errors_++;
            return;
        }
        rx_bit_++;
    }
    void tx_clock()
    {
        if (!tx_busy_) {
            if (txq_.empty()) {
                tx_line_ = true;
                if (pending_div_) { div_ = pending_div_; pending_div_ = 0; }
                return;
            }
            tx_byte_ = txq_.front();
            txq_.pop_front();
            tx_busy_ = true;
            tx_bit_ = 0;
            tx_cnt_ = div_;
        }
        tx_line_ = tx_bit_ == 0 ? false : tx_bit_ <= 8 ? ((tx_byte_ >> (tx_bit_ - 1)) & 1u) : true;
        if (--tx_cnt_ == 0) {
            tx_cnt_ = div_;
            if (++tx_bit_ == 10)
                tx_busy_ = false;
        }
    }
    // ---- packets ----
    void abandon()
    {
        reply(cmd_read_ ? cmd_ : 0xFF, len_bad_ ? AB_FPGA_E_LEN : AB_FPGA_E_TIMEOUT, nullptr, 0);
        if (!len_bad_)
            link_errors_++;
        in_packet_ = false;
    }
    void byte_in(uint8_t b)
    {
        gap_ = 0;
        if (!in_packet_) {
            if (b == AB_FPGA_SYNC_REQUEST) {
                in_packet_ = true;
                pos_ = 0;
                cmd_read_ = len_bad_ = false;
                buf_.clear();
            } else {
                link_errors_++;
            }
            return;
        }
        if (len_bad_)
            return; // ignore until the gap
        buf_.push_back(b);
        if (buf_.size() == 1) {
            cmd_ = b;
            cmd_read_ = true;
        }
        if (buf_.size() == 3) {
            len_ = uint16_t(buf_[1] | (buf_[2] << 8));
            if (len_ > 256)
                len_bad_ = true;
        }
        if (buf_.size() >= 3 && buf_.size() == size_t(3 + len_ + 2)) {
            in_packet_ = false;
            const uint16_t crc = uint16_t(buf_[3 + len_] | (buf_[4 + len_] << 8));
            if (crc != ab_fpga_crc16(buf_.data(), 3 + len_)) {
                crc_errors_++;
                reply(cmd_, AB_FPGA_E_CRC, nullptr, 0);
                return;
            }
            execute(cmd_, buf_.data() + 3, len_);
        }
    }
    void reply(uint8_t cmd, uint8_t status, const uint8_t *p, size_t n)
    {
        uint8_t f[AB_FPGA_MAX_FRAME];
        const size_t m = ab_fpga_encode_reply(cmd, status, status ? nullptr : p, status ? 0 : n, f,
                                              sizeof f);
        for (size_t i = 0; i < m; i++)
            txq_.push_back(f[i]);
        if (status == AB_FPGA_OK)
            packets_ok_++;
    }
    void execute(uint8_t cmd, const uint8_t *p, uint16_t len)
    {
        uint8_t out[256] = {0};
        switch (cmd) {
        case AB_FPGA_IDENTIFY:
            if (len) return reply(cmd, AB_FPGA_E_LEN, nullptr, 0);
            std::memcpy(out, "ABIT", 4);
            out[4] = 1;
            out[5] = uint8_t(d_.rows);
            out[6] = uint8_t(d_.cols);
            out[7] = uint8_t(d_.lanes);
            ab_fpga_put16(out + 8, uint16_t(d_.steps));
            ab_fpga_put16(out + 10, uint16_t(d_.groups));
            ab_fpga_put32(out + 12, hash_);
            ab_fpga_put16(out + 16, 12000);
            out[18] = 1;
            out[19] = fault ? 1 : 0;
            ab_fpga_put16(out + 20, div_);
            ab_fpga_put16(out + 22, 256);
            return reply(cmd, AB_FPGA_OK, out, 24);
        case AB_FPGA_RESET:
            ab_rtl_array_bitmod_reset(a_);
            std::memset(ctr_, 0, sizeof ctr_);
            tiles_done_ = busy_cycles_ = writes_ = packets_ok_ = crc_errors_ = link_errors_ = 0;
            started_ = done_ = running_ = false;
            return reply(cmd, AB_FPGA_OK, nullptr, 0);
        case AB_FPGA_SET_BAUD: {
            if (len != 2) return reply(cmd, AB_FPGA_E_LEN, nullptr, 0);
            const uint16_t d = ab_fpga_get16(p);
            if (d < 4) return reply(cmd, AB_FPGA_E_ARG, nullptr, 0);
            reply(cmd, AB_FPGA_OK, nullptr, 0);
            pending_div_ = d; // after the reply is out
            return;
        }
        case AB_FPGA_WRITE: return write(cmd, p, len);
        case AB_FPGA_START: {
            if (len != 6) return reply(cmd, AB_FPGA_E_LEN, nullptr, 0);
            if (running_) return reply(cmd, AB_FPGA_E_BUSY, nullptr, 0);
            desc_ = {p[0], ab_fpga_get16(p + 1), p[3], p[4]};
            if (desc_.groups < 1 || desc_.groups > d_.groups || desc_.steps < 1 ||
                desc_.groups * desc_.steps > d_.steps || desc_.cpw < 1 || desc_.cpw > 4 ||
                desc_.dq_bits < 1 || desc_.dq_bits > 16 || p[5] > 1)
                return reply(cmd, AB_FPGA_E_ARG, nullptr, 0);
            ab_rtl_array_bitmod_start(a_, &desc_);
            running_ = started_ = true;
            done_ = false;
            return reply(cmd, AB_FPGA_OK, nullptr, 0);
        }
        case AB_FPGA_STATUS:
            out[0] = uint8_t((running_ ? 1 : 0) | (done_ ? 2 : 0) | (started_ ? 4 : 0));
            ab_fpga_put32(out + 4, tiles_done_);
            return reply(cmd, AB_FPGA_OK, out, 8);
        case AB_FPGA_READ_RESULTS: {
            if (len != 3) return reply(cmd, AB_FPGA_E_LEN, nullptr, 0);
            const unsigned addr = ab_fpga_get16(p), n = p[2];
            if (running_) return reply(cmd, AB_FPGA_E_BUSY, nullptr, 0);
            if (n < 1 || n > 64 || addr + n > desc_.groups * d_.rows * d_.cols)
                return reply(cmd, AB_FPGA_E_ARG, nullptr, 0);
            for (unsigned i = 0; i < n; i++)
                ab_fpga_put32(out + 4 * i, results_[addr + i]);
            return reply(cmd, AB_FPGA_OK, out, 4 * n);
        }
        case AB_FPGA_READ_COUNTERS: {
            if (len) return reply(cmd, AB_FPGA_E_LEN, nullptr, 0);
            const uint32_t c[10] = {ctr_[0], ctr_[1], ctr_[2], ctr_[3], tiles_done_, busy_cycles_,
                                    writes_, packets_ok_, crc_errors_, link_errors_};
            for (unsigned i = 0; i < 10; i++)
                ab_fpga_put32(out + 4 * i, c[i]);
            return reply(cmd, AB_FPGA_OK, out, 40);
        }
        default: return reply(cmd, AB_FPGA_E_CMD, nullptr, 0);
        }
    }
    void write(uint8_t cmd, const uint8_t *p, uint16_t len)
    {
        if (len < 5) return reply(cmd, AB_FPGA_E_LEN, nullptr, 0);
        const unsigned buf = p[0], idx = p[1], addr = ab_fpga_get16(p + 2);
        const unsigned wb = buf == 1 ? 2 * d_.lanes : 4;
        if (buf > 2) return reply(cmd, AB_FPGA_E_ARG, nullptr, 0);
        if ((len - 4) % wb) return reply(cmd, AB_FPGA_E_LEN, nullptr, 0);
        if (running_) return reply(cmd, AB_FPGA_E_BUSY, nullptr, 0);
        const unsigned n = (len - 4) / wb;
        const unsigned depth = buf == 0 ? 4 * d_.steps : buf == 1 ? d_.steps : d_.groups;
        const unsigned count = buf == 1 ? d_.cols : d_.rows;
        if (idx >= count || addr + n > depth) return reply(cmd, AB_FPGA_E_ARG, nullptr, 0);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *w = p + 4 + i * wb;
            if (buf == 0) {
                const uint32_t x = ab_fpga_get32(w);
                ab_bitmod_term t[AB_BITMOD_LANES_MAX];
                for (unsigned l = 0; l < d_.lanes; l++) {
                    const unsigned b = (x >> (7 * l)) & 0x7f;
                    t[l] = ab_bitmod_term{uint8_t(b & 1), uint8_t((b >> 1) & 3), uint8_t((b >> 3) & 1),
                                          uint8_t((b >> 4) & 7)};
                }
                ab_rtl_array_bitmod_write_terms(a_, idx, (addr + i) >> 2, (addr + i) & 3, t,
                                                (x >> (7 * d_.lanes)) & 1);
            } else if (buf == 1) {
                uint16_t act[AB_BITMOD_LANES_MAX];
                for (unsigned l = 0; l < d_.lanes; l++)
                    act[l] = ab_fpga_get16(w + 2 * l);
                ab_rtl_array_bitmod_write_act(a_, idx, addr + i, act);
            } else {
                const uint32_t x = ab_fpga_get32(w);
                ab_rtl_array_bitmod_write_scale(a_, idx, addr + i, x & 0xffff, (x >> 16) & 1);
            }
            writes_++;
        }
        reply(cmd, AB_FPGA_OK, nullptr, 0);
    }
    // ---- the array ----
    void array_clock()
    {
        if (!running_)
            return;
        const bool flip = fault && cyc_ == 3;
        ab_rtl_array_bitmod_clock(a_, flip, 0, 0);
        cyc_++;
        ab_rtl_array_status st;
        ab_rtl_array_bitmod_status(a_, &st);
        if (st.out_valid)
            for (unsigned r = 0; r < d_.rows; r++)
                for (unsigned c = 0; c < d_.cols; c++) {
                    ab_rtl_pe_bitmod_state s;
                    ab_rtl_array_bitmod_pe_state(a_, r, c, &s);
                    results_[(size_t(st.out_group) * d_.rows + r) * d_.cols + c] =
                        (uint32_t(s.dq_man) & 0x1fffff) | (uint32_t(s.dq_exp & 0x3f) << 21) |
                        (uint32_t(s.dq_sign & 1) << 27);
                }
        if (st.done) {
            running_ = false;
            done_ = true;
            cyc_ = 0;
            const uint32_t sc = desc_.steps * desc_.cpw, slot = sc > desc_.dq_bits ? sc : desc_.dq_bits;
            ctr_[0] = st.cycles;
            ctr_[1] = desc_.groups * sc;
            ctr_[2] = desc_.groups * desc_.dq_bits;
            ctr_[3] = st.cycles - (sc + (desc_.groups - 1) * slot + desc_.dq_bits);
            tiles_done_++;
            busy_cycles_ += st.cycles;
        }
    }

    uint32_t hash_;
    ab_rtl_array_bitmod *a_ = nullptr;
    ab_rtl_array_dims d_{};
    std::vector<uint32_t> results_;
    uint16_t div_ = 104, pending_div_ = 0;
    unsigned rx_state_ = 0, rx_cnt_ = 0, rx_bit_ = 0;
    uint8_t rx_shift_ = 0;
    std::deque<uint8_t> txq_;
    bool tx_busy_ = false, tx_line_ = true;
    uint8_t tx_byte_ = 0;
    unsigned tx_bit_ = 0, tx_cnt_ = 0;
    bool in_packet_ = false, cmd_read_ = false, len_bad_ = false;
    uint32_t gap_ = 0;
    size_t pos_ = 0;
    uint8_t cmd_ = 0;
    uint16_t len_ = 0;
    std::vector<uint8_t> buf_;
    ab_rtl_array_tile desc_{1, 1, 1, 1};
    bool running_ = false, done_ = false, started_ = false;
    uint64_t cyc_ = 0;
    uint32_t ctr_[4] = {0, 0, 0, 0};
    uint32_t tiles_done_ = 0, busy_cycles_ = 0, writes_ = 0, packets_ok_ = 0, crc_errors_ = 0,
             link_errors_ = 0;
};

} // namespace anybit_test

#endif
