#!/usr/bin/env python3
"""build_hash.py - the board's build hash (docs/fpga.md "Build hash"): the
first four bytes of the SHA-256 of the concatenated Verilog sources that
fpga/flow/sources.txt lists (blank and # lines aside), in its order, read as a little-endian u32.
Prints it as 8 hex digits.  CMake computes the same value for the
Verilated board and the anybit binary.

Usage: build_hash.py ROOT
"""
import hashlib
import os
import sys


def build_hash(root):
    h = hashlib.sha256()
    with open(os.path.join(root, "fpga", "flow", "sources.txt"), encoding="utf-8") as f:
        for line in f:
            name = line.strip()
            if name and not name.startswith("#"):
                with open(os.path.join(root, name), "rb") as src:
                    h.update(src.read())
    return int.from_bytes(h.digest()[:4], "little")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build_hash.py ROOT")
    print("%08x" % build_hash(sys.argv[1]))
