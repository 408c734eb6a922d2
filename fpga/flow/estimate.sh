#!/usr/bin/env bash
# estimate.sh - resource estimates of the BitMoD array (rtl/array_bitmod.v,
# 4 lanes, 256 steps, 16 groups, aligned terms) for parts bigger than the
# UP5K: Yosys synth_ecp5 (Lattice ECP5) or synth_xilinx -family xc7 (Zynq-7020),
# one synthesis per array size, and whether each fits the part.  These are
# synthesis counts before place and route: Debian 12 ships no nextpnr-ecp5
# (prjtrellis) and no Xilinx place and route.  docs/fpga.md "Bigger boards".
#
# Usage: fpga/flow/estimate.sh --target ecp5-25|ecp5-85|xc7z020 [--sizes 1x2,2x2,4x4] [--out DIR]
# Prints a table; writes DIR/estimate-TARGET.json (DIR default build/fpga).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target=""
sizes="1x2,2x2,4x4"
out="$root/build/fpga"
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="${2:-}"; shift 2 ;;
    --sizes) sizes="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    *) echo "estimate.sh: unknown argument '$1' (--target, --sizes, --out)" >&2; exit 2 ;;
  esac
done
# Part capacities: Lattice ECP5 and ECP5-5G Family Data Sheet FPGA-DS-02012
# (LFE5U-25F: 24 K LUTs, 56 sysMEM EBR of 18 Kbit, 28 18x18 multipliers;
# LFE5U-85F: 84 K LUTs, 208 EBR, 156 multipliers); Xilinx DS190 Zynq-7000
# overview (XC7Z020: 53 200 LUTs, 106 400 flip-flops, 140 36 Kb BRAM, 220 DSP48E1).
case "$target" in
  ecp5-25) synth="synth_ecp5"; luts=24000; ffs=24000; brams=56; dsps=28; lut_cells="LUT4"; ram_cells="DP16KD"; dsp_cells="MULT18X18D" ;;
  ecp5-85) synth="synth_ecp5"; luts=84000; ffs=84000; brams=208; dsps=156; lut_cells="LUT4"; ram_cells="DP16KD"; dsp_cells="MULT18X18D" ;;
  xc7z020) synth="synth_xilinx -family xc7"; luts=53200; ffs=106400; brams=140; dsps=220; lut_cells="LUT1 LUT2 LUT3 LUT4 LUT5 LUT6"; ram_cells="RAMB36E1 RAMB18E1"; dsp_cells="DSP48E1" ;;
  *) echo "estimate.sh: --target must be ecp5-25, ecp5-85 or xc7z020 (got '${target}')" >&2; exit 2 ;;
esac
IFS=',' read -ra list <<< "$sizes"
for sz in "${list[@]}"; do   # every size checked before anything is printed or written
  [[ "$sz" =~ ^[1-9][0-9]?x[1-9][0-9]?$ ]] || { echo "estimate.sh: --sizes: '$sz' is not RxC (e.g. 4x4)" >&2; exit 2; }
done
command -v yosys >/dev/null 2>&1 || { echo "estimate.sh: yosys not found (scripts/deps.sh installs it)" >&2; exit 2; }
mkdir -p "$out"
cd "$root"
rtl="rtl/bitmod_exp_match.v rtl/bitmod_bs_mul.v rtl/bitmod_grp_accum.v rtl/bitmod_dequant.v rtl/pe_bitmod.v rtl/array_bitmod.v"
json="$out/estimate-$target.json"
tmp="$json.tmp"
printf '{\n  "target": "%s",\n  "caveat": "Yosys synthesis counts before place and route (no open P&R for this family in Debian 12)",\n  "part": {"luts": %d, "ffs": %d, "brams": %d, "dsps": %d},\n  "sizes": [' \
  "$target" "$luts" "$ffs" "$brams" "$dsps" > "$tmp"
printf '%-6s %10s %10s %8s %6s %s\n' size LUTs FFs BRAM DSP fits
first=1
for sz in "${list[@]}"; do
  [[ "$sz" =~ ^([1-9][0-9]?)x([1-9][0-9]?)$ ]]
  r="${BASH_REMATCH[1]}"; c="${BASH_REMATCH[2]}"
  log="$out/estimate-$target-${r}x${c}.log"
  yosys -q -l "$log" -p "read_verilog $rtl; chparam -set ROWS $r -set COLS $c -set RTL_LITERAL_ALIGN 0 array_bitmod;
    $synth -top array_bitmod; tee -o $log.stat stat" >/dev/null 2>"$log.warnings"
  count() { local n=0 k v; for k in $1; do v=$(awk -v cell="$k" '$1 == cell { print $2 }' "$log.stat" | tail -1); n=$((n + ${v:-0})); done; echo "$n"; }
  l=$(count "$lut_cells")
  if [ "$synth" = synth_ecp5 ]; then
    # an ECP5 carry cell (CCU2C) is two LUT4s, a 16 x 4 distributed RAM
    # (TRELLIS_DPR16X4) six (Lattice FPGA-TN-02032, ECP5 memory usage guide)
    l=$((l + 2 * $(count CCU2C) + 6 * $(count TRELLIS_DPR16X4)))
  else
    l=$((l + $(count "RAM32M RAM64M RAM32X1D RAM64X1D RAM128X1D SRL16E SRLC32E")))
  fi
  f=$(awk '$1 ~ /^(FD|TRELLIS_FF)/ { s += $2 } END { print s + 0 }' "$log.stat")
  b=$(count "$ram_cells")
  d=$(count "$dsp_cells")
  fits=yes
  [ "$l" -le "$luts" ] && [ "$f" -le "$ffs" ] && [ "$b" -le "$brams" ] && [ "$d" -le "$dsps" ] || fits=no
  printf '%-6s %10d %10d %8d %6d %s\n' "${r}x${c}" "$l" "$f" "$b" "$d" "$fits"
  [ $first = 1 ] || printf ',' >> "$tmp"
  first=0
  printf '\n    {"rows": %d, "cols": %d, "luts": %d, "ffs": %d, "brams": %d, "dsps": %d, "fits": %s}' \
    "$r" "$c" "$l" "$f" "$b" "$d" "$([ $fits = yes ] && echo true || echo false)" >> "$tmp"
done
printf '\n  ]\n}\n' >> "$tmp"
mv "$tmp" "$json"
echo "estimate.sh: $json"
