#!/usr/bin/env bash
# Installs the Debian packages anybit needs, only those missing.
# Idempotent: a fast no-op when everything is present.  As root it runs
# apt-get; otherwise it prints the exact command to run and exits 1.
set -euo pipefail

packages=(
  cmake ninja-build make g++ clang pkg-config
  libgtest-dev libcjson-dev libfyaml-dev
  verilator yosys libsystemc-dev nextpnr-ice40 fpga-icestorm gnuplot-nox
  fpga-icestorm-chipdb     # icetime (make fpga) reads the iCE40 chip databases
  chromium                 # tests: the sweep report is opened in headless Chromium
  gtkwave xvfb xauth x11-utils imagemagick   # scripts/lab-figures.py: GTKWave shot on a private X server
  ccache                   # lab 2's grader Verilates a student's RTL: repeated builds hit the cache
  libclang-rt-14-dev
  python3 python3-torch python3-numpy python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: apt-get not found; install these packages with your system's package manager: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]}" >&2
  echo "deps.sh: run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
