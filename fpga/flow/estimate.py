#!/usr/bin/env python3
"""estimate.py - pre-place-and-route resource estimates of the BitMoD array
(rtl/array_bitmod.v, not the iCE40 board top) on bigger FPGAs, by Yosys's
synth_ecp5 / synth_xilinx at each array size.  fpga/flow/estimate.sh is the
entry point; docs/fpga.md "Estimates for bigger parts" explains the figures.

Debian 12 ships no nextpnr-ecp5 (prjtrellis) and no Xilinx place and route,
so these are synthesis counts: no routing, no timing.  A design whose counts
fit can still fail to route; one that does not fit will not.

Usage: estimate.py --target ecp5-25|ecp5-85|xc7z020 [--sizes 2x2,4x4,8x8]
                   [--steps 256] [--groups 16] [--lanes 4] [--out DIR] [--jobs N]
Writes DIR/<target>/<RxC>.log (Yosys), <RxC>.stat.json, and
DIR/estimate-<target>.json; prints the table.  Exit 2 on a bad argument or a
missing tool, 1 when Yosys fails.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The array and its PE, in dependency order (fpga/flow/sources.txt's first six).
ARRAY_SOURCES = [
    "rtl/bitmod_exp_match.v",
    "rtl/bitmod_bs_mul.v",
    "rtl/bitmod_grp_accum.v",
    "rtl/bitmod_dequant.v",
    "rtl/pe_bitmod.v",
    "rtl/array_bitmod.v",
]

# Part capacities.  Sources:
#   ECP5: Lattice FPGA-DS-02012 "ECP5 and ECP5-5G Family Data Sheet", Table 1.1
#     (ECP5 and ECP5-5G Family Selection Guide): LFE5U-25: 24K LUTs, 56 sysMEM
#     EBR blocks (18 Kbit, DP16KD), 28 18x18 multipliers; LFE5U-85: 84K LUTs,
#     208 EBR, 156 18x18 multipliers.  Every LUT4 has its flip-flop (a slice:
#     2 LUT4 + 2 FF), so FFs = LUTs.  The "K" figures are taken as thousands
#     (conservative: the parts have slightly more).
#   XC7Z020: Xilinx DS190 "Zynq-7000 SoC Data Sheet: Overview", Table 1
#     (Z-7020): 53,200 LUTs, 106,400 flip-flops, 140 36-Kb block RAMs (280
#     18-Kb), 220 DSP slices (DSP48E1).
TARGETS = {
    "ecp5-25": {
        "part": "LFE5U-25F",
        "synth": "synth_ecp5",
        "capacity": {"luts": 24000, "ffs": 24000, "bram": 56, "dsp": 28},
        "bram_unit": "DP16KD (18 Kbit EBR)",
        "dsp_unit": "MULT18X18D",
        "source": "Lattice FPGA-DS-02012, Table 1.1",
    },
    "ecp5-85": {
        "part": "LFE5U-85F",
        "synth": "synth_ecp5",
        "capacity": {"luts": 84000, "ffs": 84000, "bram": 208, "dsp": 156},
        "bram_unit": "DP16KD (18 Kbit EBR)",
        "dsp_unit": "MULT18X18D",
        "source": "Lattice FPGA-DS-02012, Table 1.1",
    },
    "xc7z020": {
        "part": "XC7Z020",
        "synth": "synth_xilinx -family xc7 -flatten",
        "capacity": {"luts": 53200, "ffs": 106400, "bram": 140, "dsp": 220},
        "bram_unit": "RAMB36E1 (36 Kbit; a RAMB18E1 counts 0.5)",
        "dsp_unit": "DSP48E1",
        "source": "Xilinx DS190, Table 1",
    },
}

# LUT4 equivalents of the ECP5 cells Yosys emits: a CCU2C (2-bit carry) is a
# slice's two LUT4s; a TRELLIS_DPR16X4 (16x4 distributed RAM) takes 3 slices
# (FPGA-DS-02012, "Number of Slices Required to Implement Distributed RAM"),
# 6 LUT4s.  PFUMX / L6MUX21 are the slice's wide-function muxes, no LUTs.
ECP5_LUTS = {"LUT4": 1, "CCU2C": 2, "TRELLIS_DPR16X4": 6}
ECP5_FFS = ("TRELLIS_FF",)
ECP5_BRAM = {"DP16KD": 1.0, "PDPW16KD": 1.0}
ECP5_DSP = ("MULT18X18D", "ALU54B")

# 7-series LUTs: LUT1..LUT6 (and INV, a LUT1), and the LUT RAM / shift registers that occupy
# SLICEM LUTs (UG474: a RAM32M / RAM64M is a slice's 4 LUTs, RAM32X1D /
# RAM64X1D 2, RAM128X1D 4).  MUXF7/8 and CARRY4 are in the slice, no LUTs.
XC7_LUTS = {"INV": 1, "LUT1": 1, "LUT2": 1, "LUT3": 1, "LUT4": 1, "LUT5": 1, "LUT6": 1,
            "LUT6_2": 1, "RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2,
            "RAM128X1D": 4, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2,
            "RAM256X1S": 4, "SRL16E": 1, "SRLC32E": 1, "RAM32M16": 8, "RAM64M8": 8}
XC7_FFS = ("FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE")
XC7_BRAM = {"RAMB36E1": 1.0, "RAMB18E1": 0.5}
XC7_DSP = ("DSP48E1",)


def fail(msg, code=2):
    print("fpga/flow/estimate.sh: " + msg, file=sys.stderr)
    sys.exit(code)


def parse_sizes(text):
    sizes = []
    for item in text.split(","):
        m = re.fullmatch(r"\s*(\d+)x(\d+)\s*", item)
        if not m:
            fail("--sizes: '%s' is not ROWSxCOLS (e.g. 2x2,4x4,8x8)" % item)
        rows, cols = int(m.group(1)), int(m.group(2))
        if not (1 <= rows <= 64 and 1 <= cols <= 64):
            fail("--sizes: '%s': rows and columns must be 1 .. 64" % item)
        sizes.append((rows, cols))
    return sizes


def power_of_two(name, value, low, high):
    if value < low or value > high or value & (value - 1):
        fail("--%s: %d must be a power of two, %d .. %d" % (name, value, low, high))


def count(cells, table):
    if isinstance(table, dict):
        return sum(cells.get(k, 0) * w for k, w in table.items())
    return sum(cells.get(k, 0) for k in table)


def resources(target, cells):
    if target.startswith("ecp5"):
        luts, ffs, bram, dsp = ECP5_LUTS, ECP5_FFS, ECP5_BRAM, ECP5_DSP
    else:
        luts, ffs, bram, dsp = XC7_LUTS, XC7_FFS, XC7_BRAM, XC7_DSP
    return {"luts": int(count(cells, luts)), "ffs": int(count(cells, ffs)),
            "bram": count(cells, bram), "dsp": int(count(cells, dsp))}


def synthesize(target, rows, cols, args, outdir):
    tag = "%dx%d" % (rows, cols)
    log = os.path.join(outdir, tag + ".log")
    stat = os.path.join(outdir, tag + ".stat.json")
    sources = " ".join(os.path.join(ROOT, s) for s in ARRAY_SOURCES)
    script = ("read_verilog -defer %s; "
              "chparam -set ROWS %d -set COLS %d -set STEPS %d -set GROUPS %d -set LANES %d array_bitmod; "
              "%s -top array_bitmod; tee -q -o %s stat -json"
              % (sources, rows, cols, args.steps, args.groups, args.lanes,
                 TARGETS[target]["synth"], stat))
    begin = time.monotonic()
    proc = subprocess.run(["yosys", "-q", "-l", log, "-p", script],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - begin
    if proc.returncode != 0:
        fail("yosys failed for %s %s (see %s): %s" % (target, tag, log, proc.stderr.strip()[-400:]), 1)
    with open(stat, encoding="utf-8") as f:
        design = json.load(f)["design"]
    cells = design.get("num_cells_by_type", {})
    used = resources(target, cells)
    cap = TARGETS[target]["capacity"]
    util = {k: round(100.0 * used[k] / cap[k], 1) for k in cap}
    return {"rows": rows, "cols": cols, "pes": rows * cols, "used": used,
            "utilization_pct": util, "fits": all(used[k] <= cap[k] for k in cap),
            "cells": cells, "synth_seconds": round(seconds, 1)}


def main():
    ap = argparse.ArgumentParser(prog="fpga/flow/estimate.sh",
                                 description="Yosys resource estimates of rtl/array_bitmod.v on bigger FPGAs")
    ap.add_argument("--target", required=True, choices=sorted(TARGETS))
    ap.add_argument("--sizes", default="2x2,4x4,8x8")
    ap.add_argument("--steps", type=int, default=256)
    ap.add_argument("--groups", type=int, default=16)
    ap.add_argument("--lanes", type=int, default=4)
    ap.add_argument("--out", default=os.path.join("build", "fpga-estimate"))
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    sizes = parse_sizes(args.sizes)
    power_of_two("steps", args.steps, 2, 512)
    power_of_two("groups", args.groups, 2, 4096)
    power_of_two("lanes", args.lanes, 1, 16)
    if args.jobs < 1:
        fail("--jobs: must be at least 1")
    if shutil.which("yosys") is None:
        fail("yosys not found (scripts/deps.sh installs it)")

    outdir = os.path.join(args.out, args.target)
    os.makedirs(outdir, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(lambda rc: synthesize(args.target, rc[0], rc[1], args, outdir), sizes))

    spec = TARGETS[args.target]
    version = subprocess.run(["yosys", "-V"], capture_output=True, text=True).stdout.strip()
    report = {
        "target": args.target, "part": spec["part"], "capacity": spec["capacity"],
        "capacity_source": spec["source"], "bram_unit": spec["bram_unit"], "dsp_unit": spec["dsp_unit"],
        "module": "array_bitmod", "steps": args.steps, "groups": args.groups, "lanes": args.lanes,
        "yosys": version, "stage": "synthesis only (no place and route, no timing)",
        "sizes": runs,
    }
    path = os.path.join(args.out, "estimate-%s.json" % args.target)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)

    cap = spec["capacity"]
    print("%s (%s), array_bitmod STEPS %d GROUPS %d LANES %d, Yosys %s, pre-P&R"
          % (args.target, spec["part"], args.steps, args.groups, args.lanes, spec["synth"]))
    print("| array | LUTs | FFs | BRAM | DSP | fits |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        u, p = r["used"], r["utilization_pct"]
        print("| %dx%d | %d (%.1f %%) | %d (%.1f %%) | %g (%.1f %%) | %d (%.1f %%) | %s |"
              % (r["rows"], r["cols"], u["luts"], p["luts"], u["ffs"], p["ffs"],
                 u["bram"], p["bram"], u["dsp"], p["dsp"], "yes" if r["fits"] else "no"))
    print("| capacity | %d | %d | %d | %d | |" % (cap["luts"], cap["ffs"], cap["bram"], cap["dsp"]))
    print("written: " + path)


if __name__ == "__main__":
    main()
