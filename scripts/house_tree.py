"""house_tree.py - the files of the tree as the house checks see them
(scripts/layering.py, scripts/check-paths.py): git's tracked files and its
untracked ones that are not ignored where the tree is a checkout, else a
walk that skips hidden folders and the top-level build*/ and out/ folders
(.gitignore's)."""
import os
import subprocess


def tree_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True, capture_output=True).stdout
        # dict.fromkeys: a path in conflict during a merge is listed once per index stage
        files = [f for f in dict.fromkeys(out.decode().split("\0"))
                 if f and os.path.isfile(os.path.join(root, f))]
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, dirs, names in os.walk(root):
        rel = os.path.relpath(d, root)
        dirs[:] = [x for x in dirs if not x.startswith(".") and
                   not (rel == "." and (x.startswith("build") or x == "out"))]
        files += [os.path.normpath(os.path.join(rel, n)) for n in names]
    return files
