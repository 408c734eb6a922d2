#!/usr/bin/env bash
# program.sh - put the bitstream on an iCEBreaker: iceprog (icestorm) writes
# the SPI flash (kept across power cycles), or with --sram loads the FPGA's
# configuration RAM only; openFPGALoader does the same where iceprog is not
# installed.  Needs the board on USB (docs/fpga.md "Bring-up"); not run by
# the tests: there is no board here.
#
# Usage: fpga/flow/program.sh [--sram] [BIN]   (default build/fpga/icebreaker.bin)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sram=0
bin="$root/build/fpga/icebreaker.bin"
for a in "$@"; do
  case "$a" in
    --sram) sram=1 ;;
    -*) echo "program.sh: unknown option '$a' (--sram)" >&2; exit 2 ;;
    *) bin="$a" ;;
  esac
done
[ -f "$bin" ] || { echo "program.sh: $bin: no such bitstream (run make fpga first)" >&2; exit 2; }
if command -v iceprog >/dev/null 2>&1; then
  if [ $sram = 1 ]; then exec iceprog -S "$bin"; else exec iceprog "$bin"; fi
elif command -v openFPGALoader >/dev/null 2>&1; then
  if [ $sram = 1 ]; then exec openFPGALoader -b ice40_generic "$bin"; else exec openFPGALoader -b ice40_generic -f "$bin"; fi
else
  echo "program.sh: neither iceprog (fpga-icestorm) nor openFPGALoader is installed" >&2
  exit 2
fi
