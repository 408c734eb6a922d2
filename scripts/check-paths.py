#!/usr/bin/env python3
"""check-paths.py - fails on a file of the tree that names a path outside it.

A user who clones anybit must be able to follow every path a file names.
For every text file of the tree (git's tracked and untracked-but-not-ignored
files) this reports:
  - a relative path with `../` that leaves the repository, or that names
    no file or folder of it (from the file's own folder or from the root);
  - an absolute path into a home or workspace folder (/home, /root, /work,
    /Users, /mnt, /srv): a path on somebody's machine;
  - a Markdown file the tree does not have, named by a bare name or by a
    path under one of the tree's top folders (looked up from the file's
    folder, the root and docs/); a path under a folder the tree has not is
    another repository's (docs/references.md cites those) and is left alone.
Anything under tests/fuzz/'s data folders (seeds/, dict/, crashes/) is
skipped, and so are binary files.

Usage: scripts/check-paths.py [--root DIR]   (default: this script's tree)
Exit 0 when every path resolves inside the tree, 1 with one line per
offending mention (file:line), 2 on a usage error.
"""
import os
import re
import sys

from house_tree import tree_files

UP_RE = re.compile(r"(?<![\w./-])((?:\.\./)+[\w.\-/]*[\w\-/])")
ABS_RE = re.compile(r"(?<![\w.~-])(/(?:home|root|work|Users|mnt|srv)/[\w.\-/]*)")
MD_RE = re.compile(r"(?<![\w.\-/])((?:[\w.\-]+/)*[\w\-]+\.md)(?![\w])")
SKIP_PARTS = ("fuzz/seeds/", "fuzz/dict/", "fuzz/crashes/")


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = argv[1:]
    if args[:1] == ["--root"] and len(args) == 2:
        root = os.path.abspath(args[1])
    elif args:
        print("usage: scripts/check-paths.py [--root DIR]", file=sys.stderr)
        return 2
    files = tree_files(root)
    fileset = set(files)
    dirset = {os.path.dirname(f) for f in files}
    for d in list(dirset):
        while d:
            d = os.path.dirname(d)
            dirset.add(d)
    basenames = {os.path.basename(f) for f in files}
    top_dirs = {f.split("/")[0] for f in files if "/" in f}

    def exists(rel):
        rel = os.path.normpath(rel).rstrip("/")
        return not rel.startswith("..") and (rel in fileset or rel in dirset)

    bad = []
    nfiles = 0
    for f in sorted(files):
        if any(p in f for p in SKIP_PARTS):
            continue
        path = os.path.join(root, f)
        try:
            with open(path, "rb") as fh:
                data = fh.read(2 << 20)
        except OSError:
            continue
        if b"\0" in data:
            continue
        text = data.decode("utf-8", errors="replace")
        nfiles += 1
        here = os.path.dirname(f)
        for ln, line in enumerate(text.splitlines(), 1):
            for m in UP_RE.finditer(line):
                p = m.group(1)
                inside = os.path.normpath(os.path.join(here, p))
                if inside.startswith(".."):
                    bad.append(f"{f}:{ln}: names {p}, outside the repository")
                elif not (exists(inside) or exists(p.lstrip("./"))):
                    bad.append(f"{f}:{ln}: names {p}, which is no file of the repository")
            for m in ABS_RE.finditer(line):
                bad.append(f"{f}:{ln}: names {m.group(1)}, a path on somebody's machine")
            for m in MD_RE.finditer(line):
                p = m.group(1)
                if p.startswith("../") or ("/" not in p and p in basenames):
                    continue
                if "/" in p and p.split("/")[0] not in top_dirs:
                    continue
                if not (exists(os.path.join(here, p)) or exists(p) or exists(os.path.join("docs", p))):
                    bad.append(f"{f}:{ln}: names {p}, which the repository does not have")
    for b in bad:
        print("check-paths: " + b)
    if bad:
        print(f"check-paths: {len(bad)} mention(s) of paths outside the repository")
        return 1
    print(f"check-paths: {nfiles} files: every path they name is in the repository")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
