// accel_tlm.cpp - the TLM-2.0 target (accel_tlm.h): registers, the memory
// window, and the run thread that calls the C simulator.
#include "accel_tlm.h"

#include <cmath>
#include <cstring>

extern "C" {
#include "engine/engine.h"
#include "values/pe_values.h"
#include "workload/trace.h"
}

namespace anybit {

using sc_core::sc_time;
using sc_core::SC_NS;

AccelTlm::AccelTlm(sc_core::sc_module_name name, const ab_accel &accel)
    : sc_module(name), socket("socket"), accel_(accel), window_(AccelRegs::WINDOW_SIZE, 0)
{
    socket.register_b_transport(this, &AccelTlm::b_transport);
    SC_HAS_PROCESS(AccelTlm);
    SC_THREAD(run_thread);
}

uint32_t AccelTlm::read_reg(uint64_t off) const
{
    switch (off) {
    case AccelRegs::ID: return AccelRegs::ID_VALUE;
    case AccelRegs::VERSION: return AccelRegs::VERSION_VALUE;
    case AccelRegs::STATUS: return status_;
    case AccelRegs::TRACE_LEN: return trace_len_;
    case AccelRegs::OP_INDEX: return op_index_;
    case AccelRegs::CYCLES_LO: return (uint32_t)cycles_;
    case AccelRegs::CYCLES_HI: return (uint32_t)(cycles_ >> 32);
    case AccelRegs::OUT_COUNT: return out_count_;
    case AccelRegs::ENERGY_NJ: return energy_nj_;
    case AccelRegs::ERROR_MSG: return (uint32_t)(AccelRegs::WINDOW + AccelRegs::WINDOW_ERR);
    default: return 0;
    }
}

void AccelTlm::write_reg(uint64_t off, uint32_t v)
{
    switch (off) {
    case AccelRegs::CTRL:
        if ((v & AccelRegs::CTRL_START) && !(status_ & AccelRegs::STATUS_BUSY)) {
            status_ = AccelRegs::STATUS_BUSY;
            start_.notify(sc_core::SC_ZERO_TIME);
        }
        break;
    case AccelRegs::TRACE_LEN: trace_len_ = v; break;
    case AccelRegs::OP_INDEX: op_index_ = v; break;
    default: break; // read-only or unused: ignored, as a bus would
    }
}

void AccelTlm::b_transport(tlm::tlm_generic_payload &p, sc_time &delay)
{
    const uint64_t addr = p.get_address();
    const unsigned len = p.get_data_length();
    uint8_t *data = p.get_data_ptr();
    if (p.get_byte_enable_ptr()) {
        p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (addr >= AccelRegs::WINDOW) {
        const uint64_t off = addr - AccelRegs::WINDOW;
        if (off + len > AccelRegs::WINDOW_SIZE) {
            p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (p.is_write())
            std::memcpy(window_.data() + off, data, len);
        else
            std::memcpy(data, window_.data() + off, len);
        delay += sc_time(1, SC_NS) * (double)((len + 7) / 8); // 8 bytes per bus cycle
    } else {
        if (len != 4 || (addr & 3)) {
            p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
        uint32_t v;
        if (p.is_write()) {
            std::memcpy(&v, data, 4);
            write_reg(addr, v);
        } else {
            v = read_reg(addr);
            std::memcpy(data, &v, 4);
        }
        delay += sc_time(1, SC_NS);
    }
    p.set_response_status(tlm::TLM_OK_RESPONSE);
}

void AccelTlm::fail(const std::string &msg)
{
    const size_t n = std::min(msg.size(), (size_t)0xFFFF);
    std::memcpy(window_.data() + AccelRegs::WINDOW_ERR, msg.data(), n);
    window_[AccelRegs::WINDOW_ERR + n] = 0;
    status_ = AccelRegs::STATUS_DONE | AccelRegs::STATUS_ERROR;
}

void AccelTlm::run_thread()
{
    for (;;) {
        sc_core::wait(start_);
        out_count_ = 0;
        cycles_ = 0;
        energy_nj_ = 0;
        if (trace_len_ == 0 || trace_len_ > AccelRegs::WINDOW_OUT) {
            fail("TRACE_LEN: expected 1 .. 0x800000 bytes of trace image");
            continue;
        }
        // the parser takes ownership of a malloc'd copy of the image
        uint8_t *img = static_cast<uint8_t *>(std::malloc(trace_len_));
        std::memcpy(img, window_.data() + AccelRegs::WINDOW_TRACE, trace_len_);
        ab_trace t;
        ab_error err;
        if (ab_trace_parse(img, trace_len_, "window", &t, &err) != 0) {
            std::free(img);
            fail(err.msg);
            continue;
        }
        if (op_index_ >= t.nops) {
            ab_trace_free(&t);
            fail("OP_INDEX: beyond the trace's ops");
            continue;
        }
        ab_op_stats st;
        if (ab_sim_op(&accel_, &t.ops[op_index_].op, AB_MODE_FAST, &st, &err) != 0) {
            ab_trace_free(&t);
            fail(err.msg);
            continue;
        }
        std::vector<float> out;
        const size_t n = (size_t)(t.ops[op_index_].op.M * t.ops[op_index_].op.N);
        if (ab_values_present(&t, op_index_)) {
            out.resize(n);
            if (n * sizeof(float) > AccelRegs::WINDOW_ERR - AccelRegs::WINDOW_OUT ||
                ab_values_datapath(&accel_, &t, op_index_, out.data(), &err) != 0) {
                ab_trace_free(&t);
                fail(out.empty() ? "outputs do not fit the window" : err.msg);
                continue;
            }
        }
        ab_trace_free(&t);
        // the accelerator is busy for the simulated cycles
        sc_core::wait(sc_time(1.0 / accel_.clock_ghz, SC_NS) * (double)st.cycles);
        if (!out.empty())
            std::memcpy(window_.data() + AccelRegs::WINDOW_OUT, out.data(),
                        out.size() * sizeof(float));
        out_count_ = (uint32_t)out.size();
        cycles_ = st.cycles;
        energy_nj_ = (uint32_t)std::llround(st.energy.total_pj / 1000.0);
        status_ = AccelRegs::STATUS_DONE;
    }
}

} // namespace anybit
