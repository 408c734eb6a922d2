#!/usr/bin/env python3
"""layering.py - checks that includes run one way, downward through the rooms.

Every folder that holds C or C++ sources is a room: its README.md has a line

    May include: kernels, sim/yaml, sim/workload

naming the rooms whose public headers its files may include (`(none)`
for the ground floor); an entry may also name one header
(`kernels/tensor_io.h`), for a room allowed only part of another.  This script reads those lines, checks that the
rooms form no cycle (data flows one way), then reads every quoted
`#include` of every source file and fails on:
  - an include of a room the including room's README does not name,
  - an include of another room's private header (`*_impl.h`),
  - a source file in a folder with no README.md or no `May include:` line,
  - an include that climbs out with `../` to a file that does not exist.
Headers that resolve to no file of the tree (Verilator's generated and
runtime headers) are external and not checked.

Usage: scripts/layering.py [--root DIR]   (default: the tree this script is in)
Exit 0 when every include is allowed, 1 with one line per violation, 2 on
a usage error.  docs/design.md "Rooms" explains the rule.
"""
import os
import re
import sys

from house_tree import tree_files

SOURCE_EXT = (".c", ".h", ".cpp", ".hpp")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
# Where an include is looked up after the including file's own folder: the
# include directories CMakeLists.txt gives the targets (the root for
# "golden/golden.h").
SEARCH_DIRS = ("kernels", "sim", "rtl/sim", "systemc", "tests", ".")


def read_rooms(root, files):
    """{room: set of rooms it may include} from each README's May include line."""
    rooms = {}
    for f in files:
        if os.path.basename(f) != "README.md":
            continue
        room = os.path.dirname(f) or "."
        with open(os.path.join(root, f), encoding="utf-8") as fh:
            for line in fh:
                m = re.match(r"^\s*May include:\s*(.*)$", line)
                if m:
                    names = [x.strip().strip("`").rstrip("/") for x in m.group(1).split(",")]
                    rooms[room] = {x for x in names if x and x not in ("(none)", "nothing")}
                    break
    return rooms


def find_cycle(rooms):
    state = {}

    def visit(r, path):
        state[r] = 1
        for n in sorted(rooms.get(r, ())):
            if state.get(n) == 1:
                return path + [r, n]
            if n in rooms and n not in state:
                c = visit(n, path + [r])
                if c:
                    return c
        state[r] = 2
        return None

    for r in sorted(rooms):
        if r not in state:
            c = visit(r, [])
            if c:
                return c[c.index(c[-1]):]
    return None


def resolve(root, src, name, fileset):
    """The tree file an include names, or None when it is external."""
    here = os.path.dirname(src)
    cands = [os.path.normpath(os.path.join(here, name))]
    cands += [os.path.normpath(os.path.join(d, name)) for d in SEARCH_DIRS]
    for c in cands:
        if not c.startswith("..") and c in fileset:
            return c
    return None


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = argv[1:]
    if args[:1] == ["--root"] and len(args) == 2:
        root = os.path.abspath(args[1])
    elif args:
        print("usage: scripts/layering.py [--root DIR]", file=sys.stderr)
        return 2
    files = tree_files(root)
    fileset = set(files)
    rooms = read_rooms(root, files)
    bad = []
    graph = {}
    for room, allowed in sorted(rooms.items()):
        graph[room] = set()
        for a in sorted(allowed):
            if a in rooms:
                graph[room].add(a)
            elif a in fileset and os.path.dirname(a) in rooms:
                graph[room].add(os.path.dirname(a))
            else:
                bad.append(f"{room}/README.md: May include names '{a}', which is no room "
                           "(no README.md with a May include line) and no header of one")
    cycle = find_cycle(graph)
    if cycle:
        bad.append("rooms include each other in a cycle: " + " -> ".join(cycle))
    nfiles = nincl = 0
    roomless = set()
    for src in sorted(files):
        if not src.endswith(SOURCE_EXT):
            continue
        room = os.path.dirname(src) or "."
        if room not in rooms:
            if room not in roomless:
                roomless.add(room)
                bad.append(f"{src}: its folder {room}/ is no room (a README.md with a "
                           "'May include:' line)")
            continue
        nfiles += 1
        with open(os.path.join(root, src), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for m in INCLUDE_RE.finditer(text):
            name = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            nincl += 1
            target = resolve(root, src, name, fileset)
            if target is None:
                if "../" in name:
                    bad.append(f"{src}:{line}: #include \"{name}\" climbs out to no file of the tree")
                continue
            troom = os.path.dirname(target) or "."
            if troom == room:
                continue
            if os.path.basename(target).endswith("_impl.h"):
                bad.append(f"{src}:{line}: #include \"{name}\" is {troom}/'s private header "
                           f"({target}); use its public header")
            elif troom not in rooms[room] and target not in rooms[room]:
                bad.append(f"{src}:{line}: #include \"{name}\": room {room}/ may not include "
                           f"{troom}/ ({room}/README.md: May include: "
                           f"{', '.join(sorted(rooms[room])) or '(none)'})")
    for b in bad:
        print("layering: " + b)
    if bad:
        print(f"layering: {len(bad)} violation(s)")
        return 1
    print(f"layering: {len(rooms)} rooms, {nfiles} source files, {nincl} includes: "
          "every include runs downward")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
