#!/usr/bin/env python3
"""check.py - make fpga's verdict on fpga.json against fpga/flow/floors.json:
the design fits the UP5K (every resource at most what the part has), each
clock's post-route Fmax reaches its target (the system clock 12 / CLK_DIV
MHz, the 12 MHz pin clock's divider 12 MHz), and the array, its buffers in
EBR and the clock divider are no worse than recorded.  Exit 0 and a one-line
summary, or exit 1 naming each field that fails; exit 2 on a missing or
malformed file.

Usage: check.py FPGA_JSON [FLOORS_JSON]
"""
import json
import os
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("check.py: %s: %s" % (path, e), file=sys.stderr)
        sys.exit(2)


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: check.py FPGA_JSON [FLOORS_JSON]", file=sys.stderr)
        sys.exit(2)
    rep = load(sys.argv[1])
    floors = load(sys.argv[2] if len(sys.argv) == 3 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "floors.json"))
    bad = []
    try:
        for name, u in sorted(rep["utilization"].items()):
            if u["used"] > u["available"]:
                bad.append("utilization.%s: %d used of %d" % (name, u["used"], u["available"]))
        sys_target = 12.0 / rep["clk_div"]
        clocks = rep["clocks"]
        for key, target in (("clk_sys", sys_target), ("clk_12m", floors["min_fmax_12m_mhz"])):
            if key not in clocks:
                bad.append("clocks.%s: missing from nextpnr's report" % key)
            elif clocks[key]["fmax_mhz"] < target:
                bad.append("clocks.%s.fmax_mhz: %.3f below %.3f MHz" % (key, clocks[key]["fmax_mhz"], target))
            elif clocks[key]["target_mhz"] + 1e-3 < target:
                bad.append("clocks.%s.target_mhz: %.3f, constrained below %.3f MHz" %
                           (key, clocks[key]["target_mhz"], target))
        if rep["clk_div"] > floors["max_clk_div"]:
            bad.append("clk_div: %d, above the recorded %d" % (rep["clk_div"], floors["max_clk_div"]))
        arr = rep["array"]
        for field in ("rows", "cols", "lanes", "steps", "groups"):
            if arr[field] < floors["min_" + field]:
                bad.append("array.%s: %d, below the recorded %d" % (field, arr[field], floors["min_" + field]))
        ebr = rep["utilization"]["ICESTORM_RAM"]["used"]
        if ebr < floors["min_ebr"]:
            bad.append("utilization.ICESTORM_RAM: %d EBR, below the recorded %d (buffers left EBR?)" %
                       (ebr, floors["min_ebr"]))
    except (KeyError, TypeError) as e:
        print("check.py: %s: missing field %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(2)
    if bad:
        for b in bad:
            print("check.py: %s: %s" % (sys.argv[1], b), file=sys.stderr)
        sys.exit(1)
    lc = rep["utilization"]["ICESTORM_LC"]
    print("fpga: %dx%d array fits: %d/%d LCs, %d/%d EBR, %d DSP; system clock %.3f MHz (target %.3f), "
          "12 MHz clock %.1f MHz" % (arr["rows"], arr["cols"], lc["used"], lc["available"], ebr,
                                     rep["utilization"]["ICESTORM_RAM"]["available"],
                                     rep["utilization"]["ICESTORM_DSP"]["used"],
                                     clocks["clk_sys"]["fmax_mhz"], sys_target,
                                     clocks["clk_12m"]["fmax_mhz"]))


if __name__ == "__main__":
    main()
