# anybit_zynq.tcl - a Vivado project for the BitMoD array (rtl/array_bitmod.v)
# on a Zynq-7020 (XC7Z020, e.g. PYNQ-Z1 / Zybo Z7-20 / ZedBoard), for users
# who have Vivado.  UNTESTED here: Debian 12 has no Vivado; the project was
# written from the Vivado Tcl reference (UG835) and has not been run.
# docs/fpga.md "Estimates for bigger parts"; fpga/flow/estimate.sh gives the
# Yosys pre-place-and-route counts this script's reports can be set against.
#
# The array alone has far more ports than the package has pins, so it is
# synthesized and implemented out of context (no I/O buffers, no pin
# constraints): the utilization and the post-route timing of the array
# itself, the figures the estimate predicts.  Putting it on a board needs a
# wrapper (an AXI-Lite or UART front end such as fpga/rtl/board_link.v).
#
# Usage (from the repository root):
#   vivado -mode batch -source fpga/flow/vivado/anybit_zynq.tcl \
#          -tclargs [ROWS COLS [CLOCK_MHZ [PART [OUT]]]]
# Defaults: 4 4 50 xc7z020clg400-1 build/vivado.  Writes OUT/anybit_zynq/
# (the project), OUT/utilization.rpt, OUT/timing_summary.rpt.
set rows   [expr {[llength $argv] > 0 ? [lindex $argv 0] : 4}]
set cols   [expr {[llength $argv] > 1 ? [lindex $argv 1] : 4}]
set mhz    [expr {[llength $argv] > 2 ? [lindex $argv 2] : 50}]
set part   [expr {[llength $argv] > 3 ? [lindex $argv 3] : "xc7z020clg400-1"}]
set out    [expr {[llength $argv] > 4 ? [lindex $argv 4] : "build/vivado"}]

set root [file normalize [file join [file dirname [info script]] .. .. ..]]
set sources {
    rtl/bitmod_exp_match.v
    rtl/bitmod_bs_mul.v
    rtl/bitmod_grp_accum.v
    rtl/bitmod_dequant.v
    rtl/pe_bitmod.v
    rtl/array_bitmod.v
}

file mkdir $out
create_project -force anybit_zynq [file join $out anybit_zynq] -part $part
foreach f $sources {
    add_files -norecurse [file join $root $f]
}
set_property top array_bitmod [current_fileset]
set_property generic "ROWS=$rows COLS=$cols STEPS=256 GROUPS=16 LANES=4" [current_fileset]

# the one clock: every path of the array at the target rate
set xdc [file join $out anybit_zynq_clock.xdc]
set period [format %.3f [expr {1000.0 / $mhz}]]
set fh [open $xdc w]
puts $fh "create_clock -name clk -period $period \[get_ports clk\]"
close $fh
add_files -fileset constrs_1 -norecurse $xdc

set_property -name {STEPS.SYNTH_DESIGN.ARGS.MORE OPTIONS} -value {-mode out_of_context} \
    -objects [get_runs synth_1]
launch_runs synth_1 -jobs 4
wait_on_run synth_1
if {[get_property PROGRESS [get_runs synth_1]] ne "100%"} {
    error "anybit_zynq.tcl: synthesis failed (see [file join $out anybit_zynq])"
}
launch_runs impl_1 -jobs 4
wait_on_run impl_1
if {[get_property PROGRESS [get_runs impl_1]] ne "100%"} {
    error "anybit_zynq.tcl: implementation failed (see [file join $out anybit_zynq])"
}
open_run impl_1
report_utilization -file [file join $out utilization.rpt]
report_timing_summary -file [file join $out timing_summary.rpt]
puts "anybit_zynq.tcl: ${rows}x${cols} array on $part at $mhz MHz: [file join $out utilization.rpt], [file join $out timing_summary.rpt]"
