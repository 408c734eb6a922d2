// pty_bridge.hpp - a simulated board behind a pseudo-terminal (docs/fpga.md,
// "Host program and board-less path").  C++17, part of anybit_rtl.
//
// Contract.  open() makes a pty and holds its slave open (raw, 115200) so
// that hosts may come and go; slave_path() is what a host opens.  run()
// clocks the board at 12 MHz while anything is in flight: bytes the host
// wrote (read from the master) go onto uart_rx bit by bit at the baud the
// host set on the slave (tcgetattr on the master reads the slave's termios
// on Linux), uart_tx is deserialized at the same baud and written to the
// master.  After the last activity on either pin it keeps clocking for
// 1024 bit times (at the host's rate, or 115200 when slower), long enough
// for the board's 256-bit-time request timeout; then it blocks in poll()
// until the host writes again or stop_fd becomes readable (run returns).
// Fault switches act on byte counts (1-based) over the whole run; a flip
// inverts bit 0.  Nothing here is global: one bridge, one board.
#ifndef AB_FPGA_PTY_BRIDGE_HPP
#define AB_FPGA_PTY_BRIDGE_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "uart_bridge.hpp"

extern "C" {
#include "fpga/host/fpga_packet.h"
}

namespace ab_fpga_sim {

// The board's pins, one 12 MHz clock at a time.
struct Board {
    virtual ~Board() = default;
    // One clock of clk_12m with uart_rx at this level (rising edge inside).
    virtual void clock(bool uart_rx) = 0;
    virtual bool uart_tx() const = 0;
    virtual void set_fault_plant(bool on) = 0;
};

struct BridgeOptions {
    uint64_t drop_rx = 0, flip_rx = 0; // the N-th byte host -> board (0: never)
    uint64_t drop_tx = 0, flip_tx = 0; // the N-th byte board -> host
    int64_t mute_after = -1;           // after N replies the board's TX is not bridged
    // A host whose UART clock is off: its bits, both ways, last 1000 / (1000 + e)
    // of the nominal bit time (e per mille, -100 .. 100; a real FT2232H is
    // within a few tenths of a percent, a cheap USB-serial adapter may not be).
    int32_t baud_error_permille = 0;
    bool plant_fault = false;
};

struct BridgeStats {
    uint64_t clocks = 0;
    uint64_t host_bytes = 0;      // read from the host
    uint64_t board_bytes = 0;     // deserialized from uart_tx
    uint64_t forwarded = 0;       // written to the host
    uint64_t framing_errors = 0;  // uart_tx bytes whose stop bit was low
    uint64_t dropped_rx = 0, flipped_rx = 0, dropped_tx = 0, flipped_tx = 0;
    uint64_t replies = 0;         // whole reply frames the board sent
    uint64_t muted = 0;           // board bytes not bridged (--mute-after)
    double busy_seconds = 0;      // wall time spent clocking
};

class PtyBridge {
public:
    PtyBridge(Board &board, const BridgeOptions &o);
    ~PtyBridge();
    PtyBridge(const PtyBridge &) = delete;
    PtyBridge &operator=(const PtyBridge &) = delete;
    // 0, or -1 with *err
    int open(std::string *err);
    const std::string &slave_path() const { return slave_path_; }
    // Until stop_fd is readable (or poll fails): 0, or -1 with *err.
    int run(int stop_fd, std::string *err);
    const BridgeStats &stats() const { return st_; }

private:
    uint32_t host_baud() const;
    void from_host(const uint8_t *p, size_t n);
    void from_board(uint8_t b);
    void flush_to_host();

    Board &board_;
    BridgeOptions o_;
    BridgeStats st_;
    int master_ = -1, slave_ = -1;
    std::string slave_path_;
    UartSerializer ser_;
    UartDeserializer des_;
    ab_fpga_decoder replies_{};
    std::vector<uint8_t> out_;
    uint64_t clk_ = 0;
};

// termios speed of a pty/tty fd as baud (115200 when unknown)
uint32_t baud_of_fd(int fd);

} // namespace ab_fpga_sim

#endif
