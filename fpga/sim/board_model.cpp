// board_model.cpp - the Verilated iCEBreaker top as a Board (board_model.hpp).
// In anybit_rtl beside its verilate(); without the board's Verilog
// (AB_FPGA_HAVE_BOARD unset) make_icebreaker_board() returns nullptr.
#include "board_model.hpp"

#include "fpga_sim.h"

#ifdef AB_FPGA_HAVE_BOARD
#include <memory>

#include "Vicebreaker_top.h"
#include "Vicebreaker_top___024root.h"
#include "verilated.h"

// board_core's planted fault (a public_flat_rw register), by its hierarchical name
#define AB_FPGA_FAULT_PLANT(top) ((top)->rootp->icebreaker_top__DOT__u_core__DOT__fault_plant)
#endif

extern "C" void ab_fpga_sim_board_params(ab_fpga_sim_params *p)
{
    p->clk_div = AB_FPGA_CLK_DIV;
    p->rows = AB_FPGA_ROWS;
    p->cols = AB_FPGA_COLS;
    p->lanes = AB_FPGA_LANES;
    p->steps = AB_FPGA_STEPS;
    p->groups = AB_FPGA_GROUPS;
    p->build_hash = AB_FPGA_BUILD_HASH;
}

namespace ab_fpga_sim {

#ifdef AB_FPGA_HAVE_BOARD

namespace {

class IcebreakerBoard final : public Board {
public:
    IcebreakerBoard() : ctx_(new VerilatedContext), top_(new Vicebreaker_top(ctx_.get()))
    {
        top_->clk_12m = 0;
        top_->uart_rx = 1;
        top_->btn_n = 1;
        top_->eval();
    }
    ~IcebreakerBoard() override { top_->final(); }
    void clock(bool uart_rx) override
    {
        top_->uart_rx = uart_rx;
        top_->clk_12m = 0;
        top_->eval();
        top_->clk_12m = 1;
        top_->eval();
    }
    bool uart_tx() const override { return top_->uart_tx; }
    void set_fault_plant(bool on) override { AB_FPGA_FAULT_PLANT(top_) = on; }

private:
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<Vicebreaker_top> top_;
};

} // namespace

Board *make_icebreaker_board()
{
    try {
        return new IcebreakerBoard;
    } catch (...) {
        return nullptr;
    }
}

#else

Board *make_icebreaker_board()
{
    return nullptr;
}

#endif

} // namespace ab_fpga_sim
