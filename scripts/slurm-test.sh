#!/usr/bin/env bash
# `make test-slurm`: the Slurm path of sweeps end to end on this machine.
#
#   scripts/slurm-test.sh ANYBIT SPACE.yaml SHARDS [OUT]
#
# Starts the local one-node cluster (scripts/slurm-local.sh; needs root),
# runs scripts/slurm-sweep.sh SPACE -n SHARDS --wait into OUT/slurm, runs a
# plain `ANYBIT sweep SPACE` into OUT/local, and requires the two results.csv
# to be identical files. Stops the cluster again unless it was already up.
# Prints PASS or FAIL and the time of each step; exit 0 on PASS.
set -euo pipefail

prog=slurm-test.sh
here=$(cd "$(dirname "$0")" && pwd -P)
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 ANYBIT SPACE.yaml SHARDS [OUT (default out/test-slurm)]" >&2
  exit 2
fi
anybit=$1 space=$2 shards=$3 out=${4:-out/test-slurm}

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
fail() { echo "$prog: FAIL: $*" >&2; exit 1; }

t0=$(now)
rm -rf "$out"
mkdir -p "$out"

started=0
if "$here/slurm-local.sh" status >/dev/null 2>&1; then
  echo "$prog: local Slurm already up: using it, leaving it up"
else
  t=$(now)
  if ! "$here/slurm-local.sh" start; then
    # Under `make test` (ANYBIT_SLURM_OPTIONAL=1) a machine that cannot run
    # Slurm (no root, no package mirror, no daemons) skips; a Slurm that runs
    # and gives different results still fails below.
    if [ "${ANYBIT_SLURM_OPTIONAL:-0}" = 1 ]; then
      echo "$prog: SKIP: could not start a local Slurm on this machine (make test-slurm shows why)"
      exit 0
    fi
    fail "could not start the local Slurm"
  fi
  started=1
  echo "$prog: slurm start: $(took "$t")"
fi
stop_slurm() {
  if [ "$started" -eq 1 ]; then
    local t; t=$(now)
    "$here/slurm-local.sh" stop >/dev/null || echo "$prog: warning: slurm-local.sh stop failed" >&2
    echo "$prog: slurm stop: $(took "$t")"
  fi
}
trap stop_slurm EXIT
eval "$("$here/slurm-local.sh" env)"
export SLURM_CONF

t=$(now)
"$here/slurm-sweep.sh" "$space" -o "$out/slurm" -n "$shards" -j 1 --anybit "$anybit" --wait \
  || fail "slurm-sweep.sh failed (logs in $out/slurm/slurm/logs)"
echo "$prog: slurm sweep ($shards shards, submit to merged): $(took "$t")"

t=$(now)
"$anybit" sweep "$space" -o "$out/local" -j "$(nproc)" >"$out/local.log" 2>&1 \
  || { cat "$out/local.log" >&2; fail "the plain local sweep failed"; }
echo "$prog: plain local sweep: $(took "$t")"

a=$out/slurm/results.csv b=$out/local/results.csv
[ -f "$a" ] || fail "$a missing"
[ -f "$b" ] || fail "$b missing"
rows=$(($(wc -l < "$b") - 1))
[ "$rows" -ge 1 ] || fail "$b has no rows"
if ! cmp -s "$a" "$b"; then
  diff "$b" "$a" | head -n 20 >&2 || true
  fail "$a differs from the plain sweep's $b (diff above: < local, > slurm)"
fi
echo "$prog: PASS: $a identical to the plain sweep ($rows rows, $shards shards); total $(took "$t0")"
