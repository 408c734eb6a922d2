// accel_tlm.h - a TLM-2.0 target model of an anybit accelerator: the
// integration point for virtual platforms.  It wraps the C simulator
// (sim/engine/engine.h for cycles, sim/values/pe_values.h for output values) behind a
// register map and a memory window (docs/systemc.md).
//
// Register map (32-bit registers, little-endian, offsets from the base):
//   0x000 ID        RO  0x414E5942 ("ANYB")
//   0x004 VERSION   RO  0x00010000 (1.0)
//   0x008 CTRL      WO  bit 0 START: run op OP_INDEX of the trace in the window
//   0x00C STATUS    RO  bit 0 BUSY, bit 1 DONE, bit 2 ERROR (sticky until START)
//   0x010 TRACE_LEN RW  bytes of the trace image at WINDOW_TRACE
//   0x014 OP_INDEX  RW  which op to run
//   0x018 CYCLES_LO RO  simulated cycles of the last run (low, high word)
//   0x01C CYCLES_HI RO
//   0x020 OUT_COUNT RO  outputs written at WINDOW_OUT (M x N floats), 0 if none
//   0x024 ENERGY_NJ RO  energy of the last run in nJ (rounded)
//   0x028 ERROR_MSG RO  offset in the window of the last error text (NUL-terminated)
// Memory window (byte-addressable, at 0x1000_0000):
//   WINDOW_TRACE = 0x1000_0000 + 0x0000_0000  a trace file image (docs/trace-format.md)
//   WINDOW_OUT   = 0x1000_0000 + 0x0080_0000  the op's outputs, float32, row-major M x N
//   WINDOW_ERR   = 0x1000_0000 + 0x00F0_0000  the last error message
// START parses the image, simulates the op on the configured accelerator
// (fast mode), keeps BUSY for cycles x clock period of simulated time, then
// writes the outputs (when the op carries values) and raises DONE.
#ifndef ANYBIT_ACCEL_TLM_H
#define ANYBIT_ACCEL_TLM_H

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

extern "C" {
#include "accel/accel.h"
}

namespace anybit {

struct AccelRegs {
    static constexpr uint64_t ID = 0x000, VERSION = 0x004, CTRL = 0x008, STATUS = 0x00C,
                              TRACE_LEN = 0x010, OP_INDEX = 0x014, CYCLES_LO = 0x018,
                              CYCLES_HI = 0x01C, OUT_COUNT = 0x020, ENERGY_NJ = 0x024,
                              ERROR_MSG = 0x028;
    static constexpr uint32_t ID_VALUE = 0x414E5942u, VERSION_VALUE = 0x00010000u;
    static constexpr uint32_t CTRL_START = 1u;
    static constexpr uint32_t STATUS_BUSY = 1u, STATUS_DONE = 2u, STATUS_ERROR = 4u;
    static constexpr uint64_t WINDOW = 0x10000000u, WINDOW_SIZE = 0x01000000u;
    static constexpr uint64_t WINDOW_TRACE = 0x0, WINDOW_OUT = 0x00800000u,
                              WINDOW_ERR = 0x00F00000u;
};

class AccelTlm : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<AccelTlm> socket;

    // accel: a loaded accelerator description (ab_accel_load).
    AccelTlm(sc_core::sc_module_name name, const ab_accel &accel);

  private:
    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
    void run_thread();
    void fail(const std::string &msg);
    uint32_t read_reg(uint64_t off) const;
    void write_reg(uint64_t off, uint32_t v);

    ab_accel accel_;
    std::vector<uint8_t> window_;
    uint32_t status_ = 0, trace_len_ = 0, op_index_ = 0, out_count_ = 0, energy_nj_ = 0;
    uint64_t cycles_ = 0;
    sc_core::sc_event start_;
};

} // namespace anybit

#endif
