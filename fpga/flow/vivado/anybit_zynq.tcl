# anybit_zynq.tcl - a Vivado project for the board core on a Zynq-7020
# (e.g. PYNQ-Z1, xc7z020clg400-1), for users who have Vivado.  UNTESTED
# HERE: Debian 12 has no Vivado, and nothing in anybit's tests runs it.
# It synthesizes fpga/rtl/board_core.v (the array, result buffer, counters
# and UART link of docs/fpga.md) out of context and reports utilization and
# timing at a 50 MHz target; wiring the UART to a board's pins (a PMOD, or
# the PS's UART through EMIO) is left to the user's own constraints.
#
# Usage: vivado -mode batch -source fpga/flow/vivado/anybit_zynq.tcl -tclargs ROOT [ROWS COLS]
set root [lindex $argv 0]
set rows [expr {[llength $argv] > 1 ? [lindex $argv 1] : 4}]
set cols [expr {[llength $argv] > 2 ? [lindex $argv 2] : 4}]
set out  [file join $root build fpga vivado]
file mkdir $out
create_project -force anybit_zynq $out -part xc7z020clg400-1
foreach f {rtl/bitmod_exp_match.v rtl/bitmod_bs_mul.v rtl/bitmod_grp_accum.v rtl/bitmod_dequant.v
           rtl/pe_bitmod.v rtl/array_bitmod.v fpga/rtl/uart_rx.v fpga/rtl/uart_tx.v
           fpga/rtl/crc16_ccitt.v fpga/rtl/board_link.v fpga/rtl/board_core.v} {
    add_files [file join $root $f]
}
set_property top board_core [current_fileset]
# 50 MHz system clock: 434 clocks per bit at 115200 baud
set_property generic "ROWS=$rows COLS=$cols CLK_KHZ=50000 CLK_DIV=1 DIV_DEFAULT=16'd434" [current_fileset]
synth_design -top board_core -part xc7z020clg400-1 -mode out_of_context
create_clock -name clk -period 20.000 [get_ports clk]
report_utilization -file [file join $out utilization.rpt]
report_timing_summary -file [file join $out timing.rpt]
puts "anybit_zynq.tcl: reports in $out"
