#!/usr/bin/env bash
# estimate.sh - Yosys resource estimates of the BitMoD array
# (rtl/array_bitmod.v) on bigger FPGAs than the iCEBreaker's UP5K, at
# several array sizes: synth_ecp5 (Lattice ECP5) or synth_xilinx (Zynq-7020).
# Pre-place-and-route only: Debian 12 ships no nextpnr-ecp5 / prjtrellis and
# no Xilinx place and route.  docs/fpga.md "Estimates for bigger parts".
#
# Usage: fpga/flow/estimate.sh --target ecp5-25|ecp5-85|xc7z020
#                              [--sizes 2x2,4x4,8x8] [--steps 256] [--groups 16]
#                              [--lanes 4] [--out build/fpga-estimate] [--jobs N]
# Prints a table; writes OUT/estimate-TARGET.json and the Yosys logs under
# OUT/TARGET/.  Exit 2: bad argument or no yosys; 1: Yosys failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v python3 >/dev/null 2>&1 || { echo "fpga/flow/estimate.sh: python3 not found" >&2; exit 2; }
exec python3 "$here/estimate.py" "$@"
