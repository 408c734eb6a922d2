#!/usr/bin/env python3
"""report.py - fpga.json from one run of fpga/flow/build.sh: the build
hash, the clocking, the array's shape, the resources nextpnr used of the
UP5K's, the post-route Fmax of each clock against its target, icetime's
estimate and the tools' versions.  fpga/flow/check.py reads it.

Usage: report.py --out DIR --hash HEX --clk-div D --rows R --cols C --lanes L
                 --steps S --groups G --seconds T
"""
import argparse
import json
import os
import re
import subprocess


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    for name in ("out", "hash"):
        ap.add_argument("--" + name, required=True)
    for name in ("clk-div", "rows", "cols", "lanes", "steps", "groups", "seconds"):
        ap.add_argument("--" + name, type=int, required=True)
    a = ap.parse_args()
    with open(os.path.join(a.out, "nextpnr-report.json"), encoding="utf-8") as f:
        rep = json.load(f)
    util = {k: {"used": v["used"], "available": v["available"]}
            for k, v in rep["utilization"].items()
            if k in ("ICESTORM_LC", "ICESTORM_RAM", "ICESTORM_SPRAM", "ICESTORM_DSP", "SB_IO", "SB_GB")}
    for k in ("ICESTORM_SPRAM", "ICESTORM_DSP"):
        util.setdefault(k, {"used": 0, "available": 4 if k == "ICESTORM_SPRAM" else 8})
    clocks = {}
    for name, v in rep["fmax"].items():
        # nextpnr names a clock net after its driver: the pin, or the global buffer
        key = "clk_12m" if name.startswith("clk_12m") else "clk_sys" if "clk_sys" in name else name
        clocks[key] = {"net": name, "fmax_mhz": round(v["achieved"], 3),
                       "target_mhz": round(v["constraint"], 3)}
    icetime_ns = None
    try:
        with open(os.path.join(a.out, "icetime.log"), encoding="utf-8") as f:
            m = re.search(r"Timing estimate:\s*([0-9.]+)\s*ns", f.read())
            if m:
                icetime_ns = float(m.group(1))
    except OSError:
        pass
    doc = {
        "board": "iCEBreaker (iCE40UP5K-SG48)",
        "build_hash": a.hash,
        "clk_div": a.clk_div,
        "system_clock_mhz": round(12.0 / a.clk_div, 6),
        "array": {"rows": a.rows, "cols": a.cols, "lanes": a.lanes,
                  "steps": a.steps, "groups": a.groups},
        "utilization": util,
        "clocks": clocks,
        "icetime": {"critical_path_ns": icetime_ns,
                    "fmax_mhz": round(1000.0 / icetime_ns, 3) if icetime_ns else None},
        "seconds": a.seconds,
        "tools": {"yosys": tool_version(["yosys", "-V"]),
                  "nextpnr-ice40": tool_version(["nextpnr-ice40", "--version"])},
        "bitstream": "icebreaker.bin",
    }
    tmp = os.path.join(a.out, "fpga.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, os.path.join(a.out, "fpga.json"))


if __name__ == "__main__":
    main()
