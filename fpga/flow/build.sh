#!/usr/bin/env bash
# build.sh - the iCEBreaker bitstream by the open flow: Yosys synth_ice40 ->
# nextpnr-ice40 (UP5K, SG48, fpga/flow/icebreaker.pcf) -> icepack -> icetime.
# Writes OUT/icebreaker.bin, OUT/fpga.json (build hash, clocking, array
# shape, resources, Fmax per clock) and the tools' logs.  docs/fpga.md "Flow".
#
# Usage: fpga/flow/build.sh [OUT]   (default: build/fpga; run from anywhere)
# Environment: CLK_DIV, ROWS, COLS (default: the board preset's, below).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/build/fpga}"
CLK_DIV="${CLK_DIV:-2}"
ROWS="${ROWS:-1}"
COLS="${COLS:-2}"
LANES=4
STEPS=256
NGROUPS=16   # (not GROUPS: bash keeps that name for the user's group ids)

for tool in yosys nextpnr-ice40 icepack icetime sha256sum python3; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "fpga/flow/build.sh: $tool not found (scripts/deps.sh installs the flow)" >&2; exit 2; }
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"   # a relative OUT is the caller's, not the root's
cd "$root"
mapfile -t sources < <(grep -v -e "^#" -e "^[[:space:]]*$" fpga/flow/sources.txt)
hash="$(python3 "$here/build_hash.py" "$root")"
sys_mhz="$(python3 -c "print(12.0 / $CLK_DIV)")"

# The clocks' targets: the pin clock, and the system clock that the divider
# flop clk_sys_q makes in the fabric (nextpnr does not derive it by itself).
pcf="fpga/flow/icebreaker.pcf"
printf 'ctx.addClock("clk_12m", 12)\nctx.addClock("clk_sys_q", %s)\n' "$sys_mhz" > "$out/clocks.py"

start=$(date +%s)
yosys -q -l "$out/yosys.log" -p "read_verilog -DSYNTHESIS ${sources[*]};
  chparam -set CLK_DIV $CLK_DIV -set ROWS $ROWS -set COLS $COLS -set LANES $LANES \
          -set STEPS $STEPS -set GROUPS $NGROUPS -set BUILD_HASH 32'h$hash icebreaker_top;
  synth_ice40 -dsp -top icebreaker_top -json $out/icebreaker.json"
nextpnr-ice40 --up5k --package sg48 --pcf "$pcf" --pre-pack "$out/clocks.py" \
  --json "$out/icebreaker.json" --asc "$out/icebreaker.asc" --report "$out/nextpnr-report.json" \
  --seed 1 -l "$out/nextpnr.log" -q || { echo "fpga/flow/build.sh: nextpnr-ice40 failed, see $out/nextpnr.log" >&2; exit 1; }
icepack "$out/icebreaker.asc" "$out/icebreaker.bin"
icetime -d up5k -P sg48 -p "$pcf" -t -r "$out/icetime.rpt" "$out/icebreaker.asc" > "$out/icetime.log" 2>&1 || {
  echo "fpga/flow/build.sh: icetime failed, see $out/icetime.log (fpga-icestorm-chipdb installed?)" >&2; exit 1; }
end=$(date +%s)

python3 "$here/report.py" --out "$out" --hash "$hash" --clk-div "$CLK_DIV" \
  --rows "$ROWS" --cols "$COLS" --lanes "$LANES" --steps "$STEPS" --groups "$NGROUPS" \
  --seconds $((end - start))
echo "fpga/flow/build.sh: $out/icebreaker.bin, $out/fpga.json ($((end - start)) s)"
