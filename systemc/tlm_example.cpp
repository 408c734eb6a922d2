// tlm_example.cpp - an example initiator for the anybit TLM-2.0 target
// (accel_tlm.h), and the test that both work: it loads a trace image into
// the accelerator's memory window over the bus, starts op N, polls STATUS,
// reads the cycle counter and the outputs back, and checks them against the
// C simulator (cycles) and the kernels/ datapath model (values, bit for
// bit), then provokes an error (an op index beyond the trace) and checks the
// ERROR bit and message.  Exit 0 when every check passes, 1 otherwise, 2 on
// bad arguments.
//
//   tlm_example CONFIG TRACE [OP ...]
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "accel_tlm.h"

extern "C" {
#include "engine/engine.h"
#include "values/pe_values.h"
#include "workload/trace.h"
}

using anybit::AccelRegs;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;

struct Initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket;
    const ab_accel *accel;
    std::string trace_path;
    std::vector<unsigned> ops;
    int failures = 0;

    SC_HAS_PROCESS(Initiator);
    Initiator(sc_core::sc_module_name n, const ab_accel *a, std::string path,
              std::vector<unsigned> op_list)
        : sc_module(n), socket("socket"), accel(a), trace_path(std::move(path)),
          ops(std::move(op_list))
    {
        SC_THREAD(main_thread);
    }

    void transact(bool write, uint64_t addr, void *data, unsigned len)
    {
        tlm::tlm_generic_payload p;
        sc_time delay = sc_core::SC_ZERO_TIME;
        p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        p.set_address(addr);
        p.set_data_ptr(static_cast<unsigned char *>(data));
        p.set_data_length(len);
        p.set_streaming_width(len);
        p.set_byte_enable_ptr(nullptr);
        p.set_dmi_allowed(false);
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        socket->b_transport(p, delay);
        if (p.is_response_error())
            check(false, "bus error at 0x" + std::to_string(addr));
        wait(delay); // an approximately-timed initiator: consume the delay
    }
    uint32_t rd(uint64_t a)
    {
        uint32_t v = 0;
        transact(false, a, &v, 4);
        return v;
    }
    void wr(uint64_t a, uint32_t v) { transact(true, a, &v, 4); }

    void check(bool ok, const std::string &what)
    {
        std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what.c_str());
        failures += !ok;
    }

    uint32_t run_op(unsigned op)
    {
        wr(AccelRegs::OP_INDEX, op);
        wr(AccelRegs::CTRL, AccelRegs::CTRL_START);
        uint32_t st;
        while ((st = rd(AccelRegs::STATUS)) & AccelRegs::STATUS_BUSY)
            wait(sc_time(1, SC_US));
        return st;
    }

    void main_thread()
    {
        check(rd(AccelRegs::ID) == AccelRegs::ID_VALUE, "ID register reads \"ANYB\"");
        std::ifstream in(trace_path, std::ios::binary);
        std::vector<uint8_t> img((std::istreambuf_iterator<char>(in)), {});
        check(!img.empty(), "read " + trace_path);
        for (size_t off = 0; off < img.size(); off += 4096) // 4 KB bursts into the window
            transact(true, AccelRegs::WINDOW + AccelRegs::WINDOW_TRACE + off, img.data() + off,
                     (unsigned)std::min<size_t>(4096, img.size() - off));
        wr(AccelRegs::TRACE_LEN, (uint32_t)img.size());

        ab_trace t;
        ab_error err;
        if (ab_trace_read(trace_path.c_str(), &t, &err) != 0) {
            check(false, err.msg);
            sc_core::sc_stop();
            return;
        }
        for (unsigned op : ops) {
            const sc_time t0 = sc_core::sc_time_stamp();
            const uint32_t st = run_op(op);
            const std::string name = op < t.nops ? t.ops[op].op.name : "?";
            check(st == AccelRegs::STATUS_DONE, "op " + std::to_string(op) + " (" + name +
                                                    ") DONE without ERROR");
            const uint64_t cycles =
                rd(AccelRegs::CYCLES_LO) | (uint64_t)rd(AccelRegs::CYCLES_HI) << 32;
            ab_op_stats ref;
            if (ab_sim_op(accel, &t.ops[op].op, AB_MODE_FAST, &ref, &err) != 0) {
                check(false, err.msg);
                continue;
            }
            check(cycles == ref.cycles, "cycle counter " + std::to_string(cycles) +
                                            " = the simulator's " + std::to_string(ref.cycles));
            const double busy_ns = (sc_core::sc_time_stamp() - t0).to_seconds() * 1e9;
            check(busy_ns >= (double)cycles / accel->clock_ghz,
                  "busy for at least cycles x clock period of simulated time");
            const uint32_t n = rd(AccelRegs::OUT_COUNT);
            if (!ab_values_present(&t, op)) {
                check(n == 0, "no outputs for an op without values");
                continue;
            }
            std::vector<float> got(n), want((size_t)(t.ops[op].op.M * t.ops[op].op.N));
            transact(false, AccelRegs::WINDOW + AccelRegs::WINDOW_OUT, got.data(),
                     (unsigned)(n * sizeof(float)));
            size_t overflows = 0;
            if (ab_values_model(accel, &t, op, want.data(), &overflows, &err) != 0) {
                check(false, err.msg);
                continue;
            }
            check(n == want.size() && std::memcmp(got.data(), want.data(), n * 4) == 0,
                  std::to_string(n) + " outputs read over the bus equal the kernels/ model "
                                      "bit for bit");
        }
        // an op index beyond the trace: ERROR, with a message in the window
        const uint32_t st = run_op((unsigned)t.nops);
        char msg[128] = {0};
        transact(false, rd(AccelRegs::ERROR_MSG), msg, sizeof msg - 1);
        check((st & AccelRegs::STATUS_ERROR) && std::strstr(msg, "OP_INDEX"),
              std::string("a bad OP_INDEX sets ERROR: \"") + msg + "\"");
        ab_trace_free(&t);
        sc_core::sc_stop();
    }
};

int sc_main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: tlm_example CONFIG TRACE [OP ...]\n");
        return 2;
    }
    ab_accel a;
    ab_error err;
    if (ab_accel_load(argv[1], &a, &err) != 0) {
        std::fprintf(stderr, "tlm_example: %s\n", err.msg);
        return 2;
    }
    std::vector<unsigned> ops;
    for (int i = 3; i < argc; i++)
        ops.push_back((unsigned)std::strtoul(argv[i], nullptr, 10));
    if (ops.empty())
        ops.push_back(0);
    anybit::AccelTlm target("accel", a);
    Initiator cpu("cpu", &a, argv[2], ops);
    cpu.socket.bind(target.socket);
    sc_core::sc_start();
    std::printf("tlm_example: %s, %d failure(s), simulated time %s\n",
                cpu.failures ? "FAILED" : "passed", cpu.failures,
                sc_core::sc_time_stamp().to_string().c_str());
    return cpu.failures ? 1 : 0;
}
