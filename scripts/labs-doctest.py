#!/usr/bin/env python3
"""labs-doctest.py - run every runnable command of the labs' pages, in order.

A lab page marks a fenced block as runnable by its info string:

    ```sh runnable            the block must exit 0
    ```sh runnable status=N   the block must exit N (a grader run on an
                              unfilled starter: status=1)

Pages: labs/*.md and labs/*/README.md of the tree, sorted.  Each page gets
a fresh scratch folder; its blocks run there one after the other, each in
its own `bash -e -o pipefail` (so a `cd` does not carry over: a block that
works in a lab's folder starts with `cd my-labN`), with the folder of the
given anybit binary first on PATH.  A block may be indented (inside a list
item); its fence's indentation is removed from its lines.

On the first failure it prints the page, the block (number and line), the
command that failed and the tail of the block's output, and exits 1.  It
prints each block's time and each page's total (labs/TEACHING.md's
measured times come from here).

Usage: scripts/labs-doctest.py --anybit PATH [--root DIR] [--scratch DIR]
       [--timeout S] [PAGE...]
  --root     the tree whose labs/ is read (default: this script's tree)
  --scratch  where the scratch folders go (default: a temporary folder)
  PAGE       only these pages (paths relative to the root)
Exit 0 every block as expected, 1 a block failed, 2 usage (no pages, no
binary).  Debian's python3 alone: no packages.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

FENCE_RE = re.compile(r"^(\s*)```\s*sh\s+runnable(?:\s+status=(\d+))?\s*$")
ANY_FENCE_RE = re.compile(r"^(\s*)```")


def blocks_of(path):
    """[(line number, expected status, text)] of a page's runnable blocks."""
    out = []
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE_RE.match(lines[i])
        if not m:
            # skip other fenced blocks whole, so that a ``` inside one is not read
            o = ANY_FENCE_RE.match(lines[i])
            if o:
                i += 1
                while i < len(lines) and not ANY_FENCE_RE.match(lines[i]):
                    i += 1
            i += 1
            continue
        indent, status, start = m.group(1), int(m.group(2) or 0), i + 1
        body = []
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        if i == len(lines):
            raise SystemExit("labs-doctest: %s:%d: runnable block never closed" % (path, start))
        out.append((start, status, "\n".join(body) + "\n"))
        i += 1
    return out


def run_block(text, cwd, env, timeout, last_file):
    # the DEBUG trap records each simple command before it runs: with -e the
    # last one recorded is the one that failed
    script = ("trap 'printf \"%%s\\n\" \"$BASH_COMMAND\" > \"%s\"' DEBUG\n" % last_file) + text
    t0 = time.monotonic()
    try:
        p = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        status, output = p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        status, output = "timeout after %d s" % timeout, (e.stdout or b"").decode("utf-8", "replace")
    return status, output, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--anybit", required=True)
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--scratch")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("pages", nargs="*")
    args = ap.parse_args()
    anybit = os.path.abspath(args.anybit)
    if not os.access(anybit, os.X_OK):
        print("labs-doctest: %s: not an executable anybit" % anybit, file=sys.stderr)
        return 2
    root = os.path.abspath(args.root)
    pages = args.pages or sorted(
        os.path.relpath(p, root)
        for p in glob.glob(os.path.join(root, "labs", "*.md")) +
        glob.glob(os.path.join(root, "labs", "*", "README.md")))
    pages = [p for p in pages if blocks_of(os.path.join(root, p))]
    if not pages:
        print("labs-doctest: no page under %s/labs has a runnable block" % root, file=sys.stderr)
        return 2
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(anybit) + os.pathsep + env.get("PATH", "")
    scratch_root = args.scratch or tempfile.mkdtemp(prefix="labs-doctest-")
    os.makedirs(scratch_root, exist_ok=True)
    total = 0.0
    for page in pages:
        blocks = blocks_of(os.path.join(root, page))
        cwd = os.path.join(scratch_root, re.sub(r"[^A-Za-z0-9._-]", "_", page))
        shutil.rmtree(cwd, ignore_errors=True)
        os.makedirs(cwd)
        last_file = os.path.join(scratch_root, ".last-command")
        page_time = 0.0
        for n, (line, want, text) in enumerate(blocks, 1):
            status, output, dt = run_block(text, cwd, env, args.timeout, last_file)
            page_time += dt
            if status != want:
                try:
                    with open(last_file, encoding="utf-8") as fh:
                        cmd = fh.read().strip()
                except OSError:
                    cmd = "(unknown)"
                tail = "\n".join(output.rstrip("\n").split("\n")[-15:])
                print("labs-doctest: %s: block %d (line %d) exited %s, expected %d\n"
                      "  command: %s\n  scratch: %s\n  output (last lines):\n%s"
                      % (page, n, line, status, want, cmd, cwd,
                         "\n".join("    " + x for x in tail.split("\n"))))
                return 1
            print("ok  %s block %d (line %d): %.2f s" % (page, n, line, dt))
        print("page %s: %d blocks, %.1f s" % (page, len(blocks), page_time))
        total += page_time
    print("labs-doctest: %d pages, every runnable block as expected, %.1f s" % (len(pages), total))
    if not args.scratch:
        shutil.rmtree(scratch_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
