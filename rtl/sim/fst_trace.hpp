// fst_trace.hpp - opening and closing the FST waveform of a Verilated model,
// shared by the shims (pe_bitmod, pe_btc, array_bitmod).  The models are
// verilated with TRACE_FST.
#ifndef ANYBIT_FST_TRACE_HPP
#define ANYBIT_FST_TRACE_HPP

#include <memory>
#include <new>

#include "verilated_fst_c.h"

namespace anybit_rtl {

inline void fst_close(std::unique_ptr<VerilatedFstC> &fst)
{
    if (fst) {
        fst->close();
        fst.reset();
    }
}

// Trace `top` into `path` from now on (any earlier trace is closed);
// 0, or -1 when the file cannot be opened.
template <typename Top>
int fst_open(Top *top, std::unique_ptr<VerilatedFstC> &fst, const char *path)
{
    fst_close(fst);
    std::unique_ptr<VerilatedFstC> f(new (std::nothrow) VerilatedFstC);
    if (!f)
        return -1;
    top->trace(f.get(), 99);
    f->open(path);
    if (!f->isOpen())
        return -1;
    fst = std::move(f);
    return 0;
}

} // namespace anybit_rtl

#endif
