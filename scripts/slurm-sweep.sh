#!/usr/bin/env bash
# Runs an `anybit sweep` on a Slurm cluster: one job array of SHARDS tasks,
# task i running `anybit sweep SPACE -o DIR/shards/i --shard i/SHARDS -j CORES`,
# then one merge job, started only when every task succeeded
# (--dependency=afterok), running `anybit merge -o DIR DIR/shards/0 ...`.
# See docs/sweeps.md, "Running on a cluster (Slurm)".
#
# DIR must be on a file system that the compute nodes share with this machine,
# and the anybit binary (--anybit) must run there at the same path.
#
# Stdout: ARRAY_JOB_ID=... and MERGE_JOB_ID=... (eval-able); messages go to stderr.
# Exit: 0 submitted (with --wait: every task and the merge succeeded),
#       1 a failure (sbatch refused, a task or the merge failed), 2 usage.
#
# A rerun with the same arguments resumes: shards that finished (a 0 exit
# recorded in DIR/slurm/status, same space file) are not resubmitted, and the
# others rerun `anybit sweep`, which computes only their missing points.
set -euo pipefail

prog=slurm-sweep.sh
here=$(cd "$(dirname "$0")" && pwd -P)

usage() { # [exit status]
  cat >&2 <<EOF
usage: $0 SPACE.yaml -o DIR [-n SHARDS] [-j CORES_PER_TASK]
         [--partition P] [--time T] [--anybit PATH] [--wait]
  -o DIR          sweep directory (shared with the compute nodes): shards in DIR/shards/I,
                  merged results in DIR/results.csv, job scripts/logs/status in DIR/slurm
  -n SHARDS       array tasks, one shard each (default 4)
  -j CORES        CPUs per task: sbatch --cpus-per-task and anybit sweep -j (default 1)
  --partition P   sbatch --partition (default: the cluster's default partition)
  --time T        sbatch --time per task and for the merge, e.g. 30 or 2:00:00
  --anybit PATH   the anybit binary (default: \$ANYBIT, else anybit on PATH, else build/anybit)
  --wait          block until the merge job ends; exit 1 if a task or the merge failed
EOF
  exit "${1:-2}"
}

bad() { echo "$prog: $*" >&2; echo "$prog: see $0 --help" >&2; exit 2; }
say() { echo "$prog: $*" >&2; }
die() { echo "$prog: $*" >&2; exit 1; }

space="" dir="" shards=4 cores=1 partition="" time_limit="" anybit="${ANYBIT:-}" wait=0
need_arg() { if [ $# -lt 2 ] || [ -z "$2" ]; then bad "$1 needs a value"; fi; }
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage 0 ;;
    -o|--output) need_arg "$@"; dir=$2; shift 2 ;;
    -n|--shards) need_arg "$@"; shards=$2; shift 2 ;;
    -j|--jobs) need_arg "$@"; cores=$2; shift 2 ;;
    --partition) need_arg "$@"; partition=$2; shift 2 ;;
    --time) need_arg "$@"; time_limit=$2; shift 2 ;;
    --anybit) need_arg "$@"; anybit=$2; shift 2 ;;
    --output=*|--shards=*|--jobs=*|--partition=*|--time=*|--anybit=*)
      set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
    --wait) wait=1; shift ;;
    --) shift; if [ $# -ne 1 ] || [ -n "$space" ]; then bad "one SPACE.yaml expected"; fi; space=$1; shift ;;
    -*) bad "unknown option $1" ;;
    *) [ -z "$space" ] || bad "one SPACE.yaml expected, got '$space' and '$1'"; space=$1; shift ;;
  esac
done

[ -n "$space" ] || bad "missing SPACE.yaml"
[ -n "$dir" ] || bad "missing -o DIR"
if [ ! -f "$space" ] || [ ! -r "$space" ]; then bad "$space: no such readable file"; fi
case $shards in ''|*[!0-9]*|0*) bad "-n: expected a positive integer, found '$shards'" ;; esac
case $cores in ''|*[!0-9]*|0*) bad "-j: expected a positive integer, found '$cores'" ;; esac
[ "$shards" -le 100000 ] || bad "-n: at most 100000 shards"

# The binary, as an absolute path (the job runs elsewhere, maybe in another cwd).
if [ -z "$anybit" ]; then
  if command -v anybit >/dev/null 2>&1; then anybit=$(command -v anybit)
  elif [ -x "$here/../build/anybit" ]; then anybit=$here/../build/anybit
  else bad "anybit not found: give --anybit PATH (or put it on PATH)"
  fi
fi
case $anybit in
  */*) ;;
  *) command -v "$anybit" >/dev/null 2>&1 || bad "--anybit $anybit: not found on PATH"
     anybit=$(command -v "$anybit") ;;
esac
if [ ! -f "$anybit" ] || [ ! -x "$anybit" ]; then bad "--anybit $anybit: not an executable file"; fi
anybit=$(cd "$(dirname "$anybit")" && pwd -P)/$(basename "$anybit")

for t in sbatch squeue; do
  command -v "$t" >/dev/null 2>&1 || die "$t not found: this needs a Slurm client (scripts/slurm-local.sh start sets one up here)"
done

space=$(cd "$(dirname "$space")" && pwd -P)/$(basename "$space")
mkdir -p "$dir" || die "cannot create $dir"
dir=$(cd "$dir" && pwd -P)
meta=$dir/slurm
mkdir -p "$meta/logs" "$meta/status" "$dir/shards"

# Jobs of an earlier submission still queued or running would write the same
# shard dirs: refuse (the ids are kept in DIR/slurm/jobs).
if [ -s "$meta/jobs" ]; then
  prev_ids=$(tr -s ' \n' ',' < "$meta/jobs"); prev_ids=${prev_ids%,}
  if live=$(squeue -h -j "$prev_ids" -o '%i %T' 2>/dev/null) \
     && awk '$2 ~ /^(PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|RESIZING|STOPPED|SIGNALING|STAGE_OUT)/ { f = 1 } END { exit !f }' <<<"$live"; then
    die "jobs of an earlier submission to $dir are still queued or running ($prev_ids): wait for them or scancel them, then rerun"
  fi
fi

# A rerun must shard the same way, or shard dirs would hold other points.
if [ -f "$meta/shards" ]; then
  prev=$(cat "$meta/shards")
  [ "$prev" = "$shards" ] || bad "$dir was submitted with -n $prev; rerun with -n $prev (or use a new -o DIR)"
else
  echo "$shards" > "$meta/shards"
fi

# Shards already done: exit 0 recorded, the same space file, results present.
hash=$(sha256sum "$space" | cut -d' ' -f1)
same_space=0
if [ -f "$meta/space.sha256" ] && [ "$(cat "$meta/space.sha256")" = "$hash" ]; then same_space=1; fi
echo "$hash" > "$meta/space.sha256"
todo=() done_count=0
for ((i = 0; i < shards; i++)); do
  if [ "$same_space" -eq 1 ] && [ "$(cat "$meta/status/task-$i.rc" 2>/dev/null || true)" = 0 ] \
     && [ -f "$dir/shards/$i/results.csv" ]; then
    done_count=$((done_count + 1))
  else
    rm -f "$meta/status/task-$i.rc"
    todo+=("$i")
  fi
done
rm -f "$meta/status/merge.rc"

# Job scripts: the values are written in, quoted, so the jobs depend on nothing
# but the shared file system.
q() { printf '%q' "$1"; }
cat > "$meta/task.sh" <<EOF
#!/bin/bash
# Generated by anybit scripts/slurm-sweep.sh: one shard of the sweep.
set -uo pipefail
i=\${SLURM_ARRAY_TASK_ID:?not a Slurm array task}
status=$(q "$meta/status")
rm -f "\$status/task-\$i.rc"
echo "shard \$i/$shards on \$(hostname) (job \${SLURM_JOB_ID:-?}, \${SLURM_CPUS_PER_TASK:-?} CPUs)"
$(q "$anybit") sweep $(q "$space") -o $(q "$dir/shards")/"\$i" --shard "\$i/$shards" -j $cores
rc=\$?
echo "\$rc" > "\$status/task-\$i.rc.\$\$" && mv -f "\$status/task-\$i.rc.\$\$" "\$status/task-\$i.rc"
exit "\$rc"
EOF
cat > "$meta/merge.sh" <<EOF
#!/bin/bash
# Generated by anybit scripts/slurm-sweep.sh: merges the shards into DIR.
set -uo pipefail
status=$(q "$meta/status")
rm -f "\$status/merge.rc"
shard_dirs=()
for ((i = 0; i < $shards; i++)); do shard_dirs+=($(q "$dir/shards")/"\$i"); done
$(q "$anybit") merge -o $(q "$dir") "\${shard_dirs[@]}"
rc=\$?
echo "\$rc" > "\$status/merge.rc.\$\$" && mv -f "\$status/merge.rc.\$\$" "\$status/merge.rc"
exit "\$rc"
EOF
chmod +x "$meta/task.sh" "$meta/merge.sh"

name=$(basename "$space"); name=${name%.yaml}; name=${name%.yml}
common=(--parsable --chdir="$dir" --ntasks=1)
[ -n "$partition" ] && common+=(--partition="$partition")
[ -n "$time_limit" ] && common+=(--time="$time_limit")

submit() { # sbatch args... -> job id on stdout
  local out
  out=$(sbatch "$@" 2>&1) || { echo "$out" >&2; return 1; }
  out=${out##*$'\n'}; out=${out%%;*}
  case $out in ''|*[!0-9]*) echo "sbatch printed no job id: $out" >&2; return 1 ;; esac
  echo "$out"
}

array_id=""
if [ ${#todo[@]} -gt 0 ]; then
  list=$(IFS=,; echo "${todo[*]}")
  [ ${#todo[@]} -eq "$shards" ] && list=0-$((shards - 1))
  array_id=$(submit "${common[@]}" --job-name="anybit-$name" --array="$list" \
    --cpus-per-task="$cores" --output="$meta/logs/shard-%a.job%A.out" "$meta/task.sh") \
    || die "sbatch refused the array job"
  if [ "$done_count" -gt 0 ]; then
    say "resuming: $done_count of $shards shards already done; submitted shards $list"
  fi
  say "array job $array_id: ${#todo[@]} task(s) x $cores CPU(s), logs in $meta/logs/"
  dep=(--dependency="afterok:$array_id" --kill-on-invalid-dep=yes)
else
  say "all $shards shards already done: merge only"
  dep=()
fi
merge_id=$(submit "${common[@]}" "${dep[@]}" --job-name="anybit-$name-merge" \
  --cpus-per-task=1 --output="$meta/logs/merge.job%j.out" "$meta/merge.sh") || {
  if [ -n "$array_id" ]; then scancel "$array_id" 2>/dev/null || true; say "cancelled array job $array_id"; fi
  die "sbatch refused the merge job"
}
if [ -n "$array_id" ]; then
  say "merge job $merge_id: runs once every task succeeded -> $dir/results.csv"
else
  say "merge job $merge_id -> $dir/results.csv"
fi
echo "${array_id:+$array_id }$merge_id" > "$meta/jobs"
echo "ARRAY_JOB_ID=$array_id"
echo "MERGE_JOB_ID=$merge_id"

if [ "$wait" -eq 0 ]; then
  say "watch: squeue -j ${array_id:+$array_id,}$merge_id   cancel: scancel ${array_id:+$array_id }$merge_id"
  exit 0
fi

# --wait: poll the queue until both jobs have left the active states (or the
# controller has forgotten them), then judge by the exit codes the job scripts
# recorded: a task killed (time limit, scancel, node failure) records none.
trap 'say "interrupted: the jobs keep running (scancel ${array_id:+$array_id }$merge_id to stop them)"; exit 130' INT TERM
ids=${array_id:+$array_id,}$merge_id
poll=1 errors=0 last="" SECONDS=0
while :; do
  if out=$(squeue -h -j "$ids" -o '%i %T %r' 2>&1); then
    errors=0
  elif grep -qi 'invalid job id' <<<"$out"; then
    break   # purged from the controller: finished
  else
    errors=$((errors + 1))
    [ "$errors" -le 30 ] || die "squeue keeps failing: $out"
    sleep 10; continue
  fi
  active=$(awk '$2 !~ /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE|OUT_OF_MEMORY)/' <<<"$out")
  [ -n "$active" ] || break
  # e.g. "PENDING 1 (Dependency), RUNNING 2"; a reason such as PartitionConfig
  # (more CPUs than a node has) means the job will never start.
  now=$(awk '{ k = $2; if ($2 == "PENDING" && $3 != "") k = k "@" $3; n[k]++ }
    END { for (k in n) { s = k; sub(/@.*/, "", s); r = k; sub(/^[^@]*@?/, "", r)
            printf "%s%s %d%s", sep, s, n[k], (k ~ /@/ ? " (" r ")" : ""); sep = ", " } }' <<<"$active")
  done_now=$(find "$meta/status" -name 'task-*.rc' | wc -l)
  line="$done_now/$shards shards finished; queue: $now"
  [ "$line" = "$last" ] || say "$line"
  last=$line
  # Every second for the first half minute (short sweeps, tests), then every 5 s.
  sleep "$poll"
  [ "$SECONDS" -lt 30 ] || poll=5
done

failed=()
for ((i = 0; i < shards; i++)); do
  rc=$(cat "$meta/status/task-$i.rc" 2>/dev/null || echo none)
  if [ "$rc" != 0 ]; then
    failed+=("$i")
    if [ "$rc" = none ]; then why="no exit status recorded (killed, timed out or never ran)"
    else why="exit $rc"; fi
    log=$(find "$meta/logs" -name "shard-$i.job*.out" -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-)
    say "shard $i FAILED: $why${log:+; log $log}"
  fi
done
mrc=$(cat "$meta/status/merge.rc" 2>/dev/null || echo none)
if [ "${#failed[@]}" -gt 0 ]; then
  [ "$mrc" = none ] && say "merge job $merge_id did not run (it needs every shard to succeed)"
  die "${#failed[@]} of $shards shards failed; fix and rerun the same command to resume"
fi
if [ "$mrc" != 0 ]; then
  [ "$mrc" = none ] && mrc="no exit status recorded"
  die "merge job $merge_id FAILED ($mrc); log $meta/logs/merge.job$merge_id.out"
fi
say "done: $dir/results.csv"
