// board_model.hpp - the Verilated iCEBreaker top (fpga/rtl/icebreaker_top.v)
// as a pty_bridge Board.  C++17, part of anybit_rtl (board_model.cpp is in
// the same target as its verilate()).
#ifndef AB_FPGA_BOARD_MODEL_HPP
#define AB_FPGA_BOARD_MODEL_HPP

#include "pty_bridge.hpp"

namespace ab_fpga_sim {

// The board after its power-on reset; nullptr on allocation failure.
Board *make_icebreaker_board();

} // namespace ab_fpga_sim

#endif
