#!/usr/bin/env python3
"""mutants.py - mutation testing: every mutant listed in tests/mutants/*.txt
must make its tests fail.

A scratch copy of the tree (the files git tracks or would track: a new test
file counts before it is committed) is built once, without the Verilated
models (-DANYBIT_RTL=OFF); then, one mutant at a time, the
mutant's text is applied to the copy, the copy rebuilt (only what the
change touches), the mutant's GoogleTest filter run, and the file restored.
A mutant is *killed* when its tests fail, *survived* when they pass,
*stillborn* when the mutated tree does not build (a broken mutant, fixed in
the list), *stale* when its `find` text no longer occurs exactly once.

Usage: scripts/mutants.py [--work DIR] [--sample N] [--only ID,...] [--list NAME] [--jobs J]
  --work DIR   scratch folder (default build-mutants/); reused between runs
  --only IDS   run these mutants (comma-separated ids)
  --list NAME  run the mutants of tests/mutants/NAME only
  --sample N   run N mutants spread over the list (the CI sample), else all
Exit 0 when every mutant run was killed, 1 otherwise, 2 on a bad list.
docs/performance.md "Mutation testing" records a run.
"""
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIELDS = ("id", "file", "find", "replace", "tests", "why")


def load(path):
    mutants, cur = [], {}
    with open(path, encoding="utf-8") as fh:
        for ln, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur:
                    mutants.append(cur)
                    cur = {}
                continue
            key, sep, val = line.partition(": ")
            if not sep or key not in FIELDS:
                print(f"mutants: {path}:{ln}: expected 'FIELD: value' with FIELD one of "
                      f"{', '.join(FIELDS)}, found '{line[:60]}'", file=sys.stderr)
                sys.exit(2)
            cur[key] = val.replace("\\n", "\n")
            cur.setdefault("line", ln)
    if cur:
        mutants.append(cur)
    for m in mutants:
        missing = [f for f in FIELDS if f not in m]
        if missing:
            print(f"mutants: {path}:{m['line']}: mutant lacks {', '.join(missing)}", file=sys.stderr)
            sys.exit(2)
    return mutants


def run(cmd, cwd, timeout=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, errors="replace",
                          timeout=timeout)


def main(argv):
    args = argv[1:]
    work, sample, only, listname, jobs = os.path.join(ROOT, "build-mutants"), 0, None, None, "2"
    while args:
        a = args.pop(0)
        if a == "--work" and args:
            work = os.path.abspath(args.pop(0))
        elif a == "--sample" and args:
            sample = int(args.pop(0))
        elif a == "--only" and args:
            only = set(args.pop(0).split(","))
        elif a == "--list" and args:
            listname = args.pop(0)
        elif a == "--jobs" and args:
            jobs = args.pop(0)
        else:
            print(__doc__.split("\n\n")[2], file=sys.stderr)
            return 2
    mutants, seen = [], {}
    listdir = os.path.join(ROOT, "tests", "mutants")
    for name in sorted(os.listdir(listdir)):
        if not name.endswith(".txt") or (listname and name != listname):
            continue
        for m in load(os.path.join(listdir, name)):
            where = f"tests/mutants/{name}:{m['line']}"
            if m["id"] in seen:
                print(f"mutants: {where}: id '{m['id']}' is already used at {seen[m['id']]}",
                      file=sys.stderr)
                return 2
            seen[m["id"]] = where
            mutants.append(m)
    if listname and not mutants:
        print(f"mutants: tests/mutants/{listname}: no such list (or it is empty)", file=sys.stderr)
        return 2
    if only:
        unknown = only - set(seen)
        if unknown:
            print(f"mutants: --only names no listed mutant: {', '.join(sorted(unknown))}",
                  file=sys.stderr)
            return 2
        mutants = [m for m in mutants if m["id"] in only]
    if sample and sample < len(mutants):
        step = len(mutants) / sample
        mutants = [mutants[int(i * step)] for i in range(sample)]

    src, build = os.path.join(work, "src"), os.path.join(work, "build")
    files = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                ROOT).stdout.split("\0")
    for f in files:
        if f and os.path.isfile(os.path.join(ROOT, f)):
            dst = os.path.join(src, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not os.path.exists(dst) or open(dst, "rb").read() != open(os.path.join(ROOT, f), "rb").read():
                shutil.copy2(os.path.join(ROOT, f), dst)
    t0 = time.time()
    if not os.path.exists(os.path.join(build, "build.ninja")):
        r = run(["cmake", "-S", src, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                 "-DANYBIT_RTL=OFF", "-DANYBIT_BENCH=OFF"], ROOT)
        if r.returncode:
            print(r.stdout[-2000:], r.stderr[-2000:])
            return 2
    r = run(["cmake", "--build", build, "-j", jobs, "--target", "anybit_tests", "anybit"], ROOT)
    if r.returncode:
        print("mutants: the unmutated copy does not build:\n" + r.stdout[-3000:])
        return 2
    print(f"mutants: scratch copy built in {time.time() - t0:.0f} s ({work})")
    tests_bin = os.path.join(build, "anybit_tests")
    results = {"killed": 0, "survived": 0, "stillborn": 0, "stale": 0}
    survivors = []
    for m in mutants:
        path = os.path.join(src, m["file"])
        text = open(path, encoding="utf-8").read()
        n = text.count(m["find"])
        if n != 1:
            results["stale"] += 1
            print(f"  stale      {m['id']}: '{m['find'][:50]}' occurs {n} times in {m['file']}")
            continue
        t1 = time.time()
        open(path, "w", encoding="utf-8").write(text.replace(m["find"], m["replace"]))
        try:
            b = run(["cmake", "--build", build, "-j", jobs, "--target", "anybit_tests", "anybit"], ROOT)
            if b.returncode:
                verdict = "stillborn"
            else:
                try:
                    t = run([tests_bin, "--gtest_filter=" + m["tests"], "--gtest_brief=1"], build,
                            timeout=600)
                    verdict = "killed" if t.returncode else "survived"
                except subprocess.TimeoutExpired:
                    verdict = "killed"  # a hang is noticed by CTest's timeout too
        finally:
            open(path, "w", encoding="utf-8").write(text)
        results[verdict] += 1
        if verdict != "killed":
            survivors.append(m["id"])
        print(f"  {verdict:10} {m['id']} ({m['file']}; {m['tests']}) {time.time() - t1:.0f} s")
    # leave the copy as the tree is (the next run rebuilds only what changed)
    run(["cmake", "--build", build, "-j", jobs, "--target", "anybit_tests", "anybit"], ROOT)
    ran = results["killed"] + results["survived"]
    print(f"mutants: {len(mutants)} listed, killed {results['killed']}, survived "
          f"{results['survived']}, stillborn {results['stillborn']}, stale {results['stale']}; "
          f"score {100.0 * results['killed'] / ran if ran else 0:.0f}% in {time.time() - t0:.0f} s")
    if survivors:
        print("mutants: not killed: " + ", ".join(survivors))
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
