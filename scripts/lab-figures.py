#!/usr/bin/env python3
"""lab-figures.py - make the labs' figures (screenshots and plots) from anybit runs.

Every image a lab page shows (labs/<lab>/README.md: ![...](figures/NAME.png))
is made here, never pasted: each recipe of FIGURES runs shell commands in a
fresh scratch folder with anybit first on PATH, then takes its picture in
one of three ways (a recipe with "page" runs its lab page's runnable
blocks instead, as scripts/labs-doctest.py does: the figure is then what
the page's own commands make):

  copy      a PNG the commands wrote (anybit plot's gnuplot output)
  chromium  an HTML page the commands wrote, shot by headless Chromium
            (--screenshot, a fixed window size, no GPU)
  gtkwave   an FST waveform the commands wrote, opened in GTKWave with the
            lab's save file (.gtkw) on a private X server (Xvfb), the GTKWave
            window grabbed by ImageMagick's `import`

Usage: scripts/lab-figures.py --anybit PATH [--out DIR] [--only NAME...]
       scripts/lab-figures.py --list
       scripts/lab-figures.py --check-refs
  --out         where labs/<lab>/figures/ go (default: this tree's labs/)
  --only        only the recipes whose lab/name (or name) is given
  --list        print every recipe: lab, file, kind, what it shows
  --check-refs  every figure a lab page names has a recipe and a committed
                file, and every recipe's figure is named by its page
Each figure is checked to be a PNG of at least 300 x 200 pixels.  Exit 0,
1 when a recipe or a check fails (naming it), 2 on usage.  Tools: bash,
chromium, Xvfb, gtkwave, xwininfo (x11-utils), import (imagemagick): Debian
packages, scripts/deps.sh installs them.
"""
import argparse
import glob
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FIGURES = [
    {
        "lab": "lab1-formats", "name": "sqnr-vs-bits.png", "kind": "copy",
        "what": "SQNR against bits per value of the page's formats on the seed-7 weights "
                "(gnuplot, step 3)",
        "page": True, "source": "my-lab1/sqnr-vs-bits.png",
    },
    {
        "lab": "lab2-pe", "name": "pe-waveform.png", "kind": "gtkwave",
        "what": "GTKWave on lab 2's pe.fst for seed 7 (the reference RTL), with the page's "
                "pe.gtkw view: resets, two work units, the dequantizer behind the next group",
        "run": """
anybit lab start 2 my-lab2 --seed 7 > /dev/null
cp "$ANYBIT_SOURCE"/labs/solutions/lab2-pe/*.v my-lab2/
anybit lab check 2 my-lab2 > /dev/null || test -s my-lab2/pe.fst
""",
        "source": "my-lab2/pe.fst", "gtkw": "my-lab2/pe.gtkw", "window": (1600, 900),
    },
    {
        "lab": "lab4-roofline", "name": "roofline.png", "kind": "copy",
        "what": "the roofline of the decode batch sweep: each op role of each batch under "
                "the int8 preset's two roofs",
        "page": True, "source": "batch/plots/roofline.png",
    },
    {
        "lab": "lab4-roofline", "name": "batch-report.png", "kind": "chromium",
        "what": "the top of anybit report's HTML page for the batch sweep, in Chromium",
        "page": True, "source": "batch/report.html", "window": (1400, 1000),
    },
    {
        "lab": "lab5-dse", "name": "energy-error.png", "kind": "copy",
        "what": "energy against error of lab 5's 60 design points, the front circled",
        "page": True, "source": "my-lab5/sweep/plots/accuracy.png",
    },
]

MIN_W, MIN_H = 300, 200


def png_size(path):
    """(width, height) of a PNG file, None when it is not one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def key(f):
    return "%s/%s" % (f["lab"], f["name"])


def run_sh(text, cwd, env, what, timeout=300):
    p = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    if p.returncode != 0:
        tail = "\n".join(p.stdout.decode("utf-8", "replace").rstrip().split("\n")[-12:])
        raise RuntimeError("%s: the commands exited %d:\n%s" % (what, p.returncode, tail))


def shoot_chromium(html, out, window):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise RuntimeError("chromium is not installed (scripts/deps.sh)")
    with tempfile.TemporaryDirectory(prefix="lab-figures-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--user-data-dir=" + profile, "--window-size=%d,%d" % window,
               "--screenshot=" + out, "file://" + os.path.abspath(html)]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0 or not os.path.exists(out):
            raise RuntimeError("chromium could not shoot %s: %s" % (
                html, p.stdout.decode("utf-8", "replace")[-400:]))


def gtkwave_window(display, env):
    """The id of GTKWave's top-level window on `display`, or None."""
    p = subprocess.run(["xwininfo", "-display", display, "-root", "-tree"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for line in p.stdout.decode("utf-8", "replace").split("\n"):
        m = re.match(r"\s*(0x[0-9a-f]+) \"GTKWave - [^\"]*\": .* (\d+)x(\d+)\+", line)
        if m and int(m.group(2)) >= MIN_W and int(m.group(3)) >= MIN_H:
            return m.group(1)
    return None


def shoot_gtkwave(fst, gtkw, out, window):
    for tool in ("Xvfb", "gtkwave", "xwininfo", "import"):
        if not shutil.which(tool):
            raise RuntimeError("%s is not installed (scripts/deps.sh)" % tool)
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-nolisten", "tcp", "-screen", "0",
                             "%dx%dx24" % window], pass_fds=(w,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    wave = None
    try:
        number = b""
        while not number.endswith(b"\n"):
            c = os.read(r, 1)
            if not c:
                raise RuntimeError("Xvfb did not start")
            number += c
        display = ":" + number.decode().strip()
        env = dict(os.environ, DISPLAY=display)
        # opened from the waveform's folder, as the lab page does: the title
        # shows the file's name, not the scratch path
        wave = subprocess.Popen(["gtkwave", "--rcvar", "splash_disable on", "--rcvar",
                                 "do_initial_zoom_fit yes", "-a", os.path.abspath(gtkw),
                                 os.path.basename(fst)],
                                cwd=os.path.dirname(os.path.abspath(fst)), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        win, t0 = None, time.monotonic()
        while win is None and time.monotonic() - t0 < 30:
            time.sleep(0.5)
            win = gtkwave_window(display, env)
        if win is None:
            raise RuntimeError("GTKWave opened no window within 30 s")
        time.sleep(2.0)  # let it draw the traces
        p = subprocess.run(["import", "-display", display, "-window", win, out], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("import failed: " + p.stdout.decode("utf-8", "replace")[-300:])
    finally:
        os.close(r)
        for proc in (wave, xvfb):
            if proc:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def doctest_blocks(page):
    """The runnable blocks of a page, as labs-doctest.py reads them."""
    spec = importlib.util.spec_from_file_location(
        "labs_doctest", os.path.join(ROOT, "scripts", "labs-doctest.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.blocks_of(page)


def run_page(f, cwd, env):
    page = os.path.join(ROOT, "labs", f["lab"], "README.md")
    for line, want, text in doctest_blocks(page):
        p = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=cwd, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        if p.returncode != want:
            tail = "\n".join(p.stdout.decode("utf-8", "replace").rstrip().split("\n")[-12:])
            raise RuntimeError("%s: labs/%s/README.md block at line %d exited %d, not %d:\n%s"
                               % (key(f), f["lab"], line, p.returncode, want, tail))


def make(f, anybit, out_root, scratch_root):
    scratch = os.path.join(scratch_root, re.sub(r"[^A-Za-z0-9._-]", "_", key(f)))
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(anybit) + os.pathsep + env.get("PATH", "")
    env["ANYBIT_SOURCE"] = ROOT
    t0 = time.monotonic()
    if f.get("page"):
        run_page(f, scratch, env)
    else:
        run_sh(f["run"], scratch, env, key(f))
    dest_dir = os.path.join(out_root, f["lab"], "figures")
    os.makedirs(dest_dir, exist_ok=True)
    dest = os.path.join(dest_dir, f["name"])
    tmp = dest + ".tmp.png"
    source = os.path.join(scratch, f["source"])
    if not os.path.exists(source):
        raise RuntimeError("%s: the commands did not write %s" % (key(f), f["source"]))
    if f["kind"] == "copy":
        shutil.copyfile(source, tmp)
    elif f["kind"] == "chromium":
        shoot_chromium(source, tmp, f.get("window", (1400, 1000)))
    elif f["kind"] == "gtkwave":
        shoot_gtkwave(source, os.path.join(scratch, f["gtkw"]), tmp, f.get("window", (1400, 900)))
    else:
        raise RuntimeError("%s: unknown kind %r" % (key(f), f["kind"]))
    size = png_size(tmp)
    if not size or size[0] < MIN_W or size[1] < MIN_H:
        os.remove(tmp)
        raise RuntimeError("%s: not a PNG of at least %dx%d (%s)" % (key(f), MIN_W, MIN_H, size))
    os.replace(tmp, dest)
    return dest, size, time.monotonic() - t0


def check_refs(figures):
    """Problems: a page's figure without a recipe or file, a recipe no page names."""
    problems, named = [], set()
    for page in sorted(glob.glob(os.path.join(ROOT, "labs", "*", "README.md"))):
        lab = os.path.basename(os.path.dirname(page))
        with open(page, encoding="utf-8") as fh:
            text = fh.read()
        for name in re.findall(r"\]\(figures/([^)\s]+)\)", text):
            named.add("%s/%s" % (lab, name))
            if not any(key(f) == "%s/%s" % (lab, name) for f in figures):
                problems.append("labs/%s/README.md names figures/%s, which no recipe of "
                                "scripts/lab-figures.py makes" % (lab, name))
            path = os.path.join(ROOT, "labs", lab, "figures", name)
            if not png_size(path):
                problems.append("labs/%s/figures/%s: missing or not a PNG (run "
                                "scripts/lab-figures.py --anybit build/anybit)" % (lab, name))
    for f in figures:
        if key(f) not in named:
            problems.append("recipe %s: labs/%s/README.md does not show it" % (key(f), f["lab"]))
    for png in glob.glob(os.path.join(ROOT, "labs", "*", "figures", "*.png")):
        rel = "%s/%s" % (os.path.basename(os.path.dirname(os.path.dirname(png))),
                         os.path.basename(png))
        if rel not in named:
            problems.append("labs/%s: a file no page shows" % rel.replace("/", "/figures/", 1))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--anybit")
    ap.add_argument("--out")
    ap.add_argument("--only", nargs="+")
    ap.add_argument("--scratch")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--check-refs", action="store_true")
    args = ap.parse_args()
    if args.list:
        for f in FIGURES:
            print("%-34s %-8s %s" % (key(f), f["kind"], f["what"]))
        return 0
    if args.check_refs:
        problems = check_refs(FIGURES)
        for p in problems:
            print("lab-figures: " + p, file=sys.stderr)
        if not problems:
            print("lab-figures: %d figures, each named by its page and committed" % len(FIGURES))
        return 1 if problems else 0
    if not args.anybit or not os.access(args.anybit, os.X_OK):
        print("lab-figures: --anybit PATH (an executable anybit) is required", file=sys.stderr)
        return 2
    todo = [f for f in FIGURES
            if not args.only or key(f) in args.only or f["name"] in args.only]
    if args.only and not todo:
        print("lab-figures: no recipe named %s (--list)" % " ".join(args.only), file=sys.stderr)
        return 2
    out_root = os.path.abspath(args.out or os.path.join(ROOT, "labs"))
    scratch_root = args.scratch or tempfile.mkdtemp(prefix="lab-figures-")
    os.makedirs(scratch_root, exist_ok=True)
    anybit = os.path.abspath(args.anybit)
    t_all = time.monotonic()
    for f in todo:
        try:
            dest, size, dt = make(f, anybit, out_root, scratch_root)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
            print("lab-figures: %s" % e, file=sys.stderr)
            return 1
        print("ok  %s: %dx%d, %.1f s" % (os.path.relpath(dest, out_root), size[0], size[1], dt))
    print("lab-figures: %d figures in %s, %.1f s" % (len(todo), out_root, time.monotonic() - t_all))
    if not args.scratch:
        shutil.rmtree(scratch_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
