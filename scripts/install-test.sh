#!/usr/bin/env bash
# install-test.sh - the install works as a user would meet it: `cmake
# --install` into a temporary prefix, the prefix moved elsewhere (the
# binary finds its presets relative to itself), then the installed anybit
# run from a directory outside the source tree: --version names the
# installed presets, compare, sweep, run --trace (values checked), cosim
# --random, synth of one top, the man page; then the .deb through CPack,
# whose listing must hold the binary and the presets.
#   usage: scripts/install-test.sh [BUILD_DIR]     (make test-install)
# Prints one PASS/FAIL line per check; exit 1 on the first failure.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
work=$(mktemp -d /tmp/anybit-install.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() { echo "install-test: FAIL: $*" >&2; exit 1; }
pass() { echo "install-test: PASS: $*"; }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
  fail "cmake --install (see the log: $(tail -3 "$work/install.log"))"
mv "$work/prefix" "$work/moved"
bin="$work/moved/bin/anybit"
share="$work/moved/share/anybit"
mkdir "$work/run" && cd "$work/run"
unset ANYBIT_HOME

version=$("$bin" --version)
grep -qx "presets: $work/moved/bin/../share/anybit" <<<"$version" ||
  fail "--version does not name the installed presets: $version"
pass "installed binary reads $share (the prefix moved after install)"

"$bin" compare --configs bitmod,fp16,ant,olive,btc --model llama2-7b --phase prefill:256,decode:256 \
  --json compare.json >compare.txt || fail "compare"
[ "$(grep -c '"accel":' compare.json)" = 10 ] || fail "compare --json: not 5 configs x 2 phases"
pass "compare of the five presets on llama2-7b ($(wc -l <compare.txt) lines)"

"$bin" sweep "$share/examples/sweeps/slurm-smoke.yaml" -o sweep -j 2 --quiet >sweep.txt ||
  fail "sweep"
[ "$(wc -l <sweep/results.csv)" = 9 ] || fail "sweep: results.csv has $(wc -l <sweep/results.csv) lines, not 9"
pass "sweep of the installed slurm-smoke space (8 points)"

"$bin" run --config bitmod --trace "$share/traces/examples/tiny-decode16-bitmod-synthetic.safetensors" \
  >run.txt || fail "run --trace"
pass "run --trace on an installed example trace (values checked)"

if "$bin" cosim --help >/dev/null 2>&1; then
  "$bin" cosim --rtl pe_bitmod --random 100 >cosim.txt || fail "cosim --random 100"
  pass "cosim --rtl pe_bitmod --random 100"
else
  echo "install-test: SKIP: cosim (built without Verilator)"
fi

if command -v yosys >/dev/null; then
  "$bin" synth --top mac_int8 -o synth.json >synth.txt || fail "synth --top mac_int8"
  pass "synth reads the installed rtl/"
fi

man -l "$work/moved/share/man/man1/anybit.1" >/dev/null 2>&1 ||
  [ -s "$work/moved/share/man/man1/anybit.1" ] || fail "man page"
pass "man page installed"

(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) ||
  fail "cpack -G DEB ($(tail -3 "$work/cpack.log"))"
deb=$(ls "$work"/deb/anybit_*.deb)
dpkg-deb -c "$deb" >"$work/deb.list"
for f in ./usr/bin/anybit ./usr/share/anybit/configs/bitmod.yaml ./usr/share/anybit/recipes/bitmod.yaml \
         ./usr/share/anybit/models/llama2-7b.yaml ./usr/share/anybit/rtl/pe_bitmod.v \
         ./usr/share/man/man1/anybit.1; do
  grep -q " $f\$" "$work/deb.list" || fail "the .deb lacks $f"
done
depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || fail "the .deb declares no dependencies"
pass "$(basename "$deb"): $(wc -l <"$work/deb.list") entries; Depends: $depends"
