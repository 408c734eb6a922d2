#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing scripts/slurm-sweep.sh.
#
#   scripts/slurm-local.sh start    install (if missing), configure, start; wait until the node is idle
#   scripts/slurm-local.sh stop     cancel its jobs, stop its daemons
#   scripts/slurm-local.sh status   daemons, node and queue; exit 0 up, 3 stopped, 1 partly up
#   scripts/slurm-local.sh env      print the line that points Slurm commands at this cluster
#
# Needs root (slurmd must be root to run jobs). Idempotent: start on a running
# cluster only checks it (or restarts it when the generated config changed);
# stop on a stopped one does nothing. Stale pid files, sockets and job state
# from an earlier run (killed daemons, a reboot) are cleared by start.
#
# What it changes on the machine:
#   - installs the Debian packages slurm-wlm and munge if missing (apt-get),
#     with a temporary /usr/sbin/policy-rc.d so that their postinst scripts
#     start no system daemons;
#   - everything else lives in $ANYBIT_SLURM_DIR (default /var/spool/anybit-slurm):
#     etc/slurm.conf, munge/munge.key (created once, kept), the daemons' state,
#     spool, pid files, sockets and logs (log/*.log);
#   - while running: a private munged (its own key and socket, not
#     /etc/munge or /run/munge), slurmctld on TCP port $ANYBIT_SLURM_PORT
#     (default 6817) and slurmd on the next port, as root;
#   - /etc/slurm/slurm.conf: when absent, a symlink to etc/slurm.conf is made
#     so that plain sinfo/sbatch/squeue find the cluster; stop removes it. An
#     existing slurm.conf (a real cluster's) is never touched: then export
#     SLURM_CONF (see `env`).
# Remove everything with: scripts/slurm-local.sh stop && rm -rf /var/spool/anybit-slurm
set -euo pipefail

prog=slurm-local.sh
state=${ANYBIT_SLURM_DIR:-/var/spool/anybit-slurm}
port=${ANYBIT_SLURM_PORT:-6817}
conf=$state/etc/slurm.conf
msock=$state/run/munge.socket.2
mkey=$state/munge/munge.key
etc_conf=/etc/slurm/slurm.conf
cluster=anybit-local
partition=local

usage() { # [exit status]
  cat >&2 <<EOF
usage: $0 start|stop|status|env
  start   install slurm-wlm + munge if missing, start a one-node cluster, wait until idle
  stop    cancel its jobs and stop its daemons (state in $state is kept)
  status  show daemons, node and queue (exit 0 up, 3 stopped, 1 partly up)
  env     print: export SLURM_CONF=$conf
environment: ANYBIT_SLURM_DIR (state dir), ANYBIT_SLURM_PORT (slurmctld port; slurmd uses +1)
EOF
  exit "${1:-2}"
}

say() { echo "$prog: $*"; }
die() { echo "$prog: $*" >&2; exit 1; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$prog: $1 needs root (slurmd runs jobs as their owner; packages are installed with apt-get)." >&2
    echo "$prog: run:  sudo $0 $1" >&2
    exit 1
  fi
}

# The node name slurmd registers as: the short host name, as slurmctld checks
# SlurmctldHost against it. Addresses are pinned to 127.0.0.1 so that a host
# name that does not resolve (containers) does not matter.
node_name() {
  local h
  h=$(hostname -s 2>/dev/null || hostname 2>/dev/null || true)
  [ -n "$h" ] || h=localhost
  echo "$h"
}

# A live process: /proc/PID exists and is no zombie. (Daemons are reparented
# to PID 1, which in a container may reap them late: a killed daemon can stay a
# zombie with its name for seconds.)
alive() {
  local st
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# pid of a daemon of ours: from its pid file, checked against /proc (a stale
# pid file, or a pid reused by another program, counts as not running); else
# a process whose command line names our config / socket (pid file lost).
daemon_pid() { # name pidfile marker
  local name=$1 pidfile=$2 marker=$3 pid comm p
  if [ -s "$pidfile" ]; then
    pid=$(tr -dc 0-9 < "$pidfile")
    if [ -n "$pid" ] && alive "$pid"; then
      comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
      if [ "$comm" = "$name" ]; then echo "$pid"; return 0; fi
    fi
  fi
  for p in $(grep -lx -- "$name" /proc/[0-9]*/comm 2>/dev/null || true); do
    p=${p%/comm}
    alive "${p#/proc/}" || continue
    if tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
      echo "${p#/proc/}"; return 0
    fi
  done
  return 1
}

# slurmstepd processes of this cluster (they keep its slurmd log open), and
# every process below them: the jobs. Left behind when slurmd was killed
# without stop; nothing can track them once slurmctld -c forgot their jobs.
stray_steps() {
  local p f
  for p in $(grep -lx slurmstepd /proc/[0-9]*/comm 2>/dev/null || true); do
    p=${p%/comm}
    for f in "$p"/fd/*; do
      if [ "$(readlink "$f" 2>/dev/null || true)" = "$state/log/slurmd.log" ]; then
        echo "${p#/proc/}"; break
      fi
    done
  done
}

with_descendants() { # pids... -> those pids and all their descendants
  [ $# -gt 0 ] || return 0
  # pid ppid of every process (the name in /proc/PID/stat may hold spaces).
  sed -n 's/^\([0-9]*\) .*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' /proc/[0-9]*/stat 2>/dev/null |
    awk -v roots="$*" '
      { kids[$2] = kids[$2] " " $1 }
      END {
        n = split(roots, q, " ")
        for (i = 1; i <= n; i++) {
          print q[i]; m = split(kids[q[i]], k, " ")
          for (j = 1; j <= m; j++) q[++n] = k[j]
        }
      }'
}

kill_stray_steps() {
  local roots pids=() p
  roots=$(stray_steps | tr '\n' ' ')
  [ -n "${roots// /}" ] || return 0
  # shellcheck disable=SC2086 # a list of pids
  mapfile -t pids < <(with_descendants $roots)
  say "killing job steps left by an earlier run: pids ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  sleep 1
  for p in "${pids[@]}"; do if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi; done
}

munged_pid()    { daemon_pid munged    "$state/run/munged.pid"    "$msock"; }
slurmctld_pid() { daemon_pid slurmctld "$state/run/slurmctld.pid" "$conf"; }
slurmd_pid()    { daemon_pid slurmd    "$state/run/slurmd.pid"    "$conf"; }

stop_pids() { # name=pid ...: SIGTERM all, wait up to 10 s, then SIGKILL
  local np pid i left
  for np in "$@"; do kill -TERM "${np#*=}" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    left=0
    for np in "$@"; do if alive "${np#*=}"; then left=1; fi; done
    [ "$left" -eq 0 ] && break
    sleep 0.2
  done
  for np in "$@"; do
    pid=${np#*=}
    if alive "$pid"; then
      say "${np%%=*} (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    else
      say "stopped ${np%%=*} (pid $pid)"
    fi
  done
}

install_packages() {
  local missing=() b
  for b in slurmctld slurmd sbatch munged; do
    command -v "$b" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$prog: missing ${missing[*]}; install Slurm and MUNGE, e.g.:" >&2
    echo "$prog:   sudo apt-get update && sudo apt-get install -y --no-install-recommends slurm-wlm munge" >&2
    exit 1
  fi
  say "installing slurm-wlm munge (missing: ${missing[*]})"
  # Keep the packages' postinst from starting system munge/slurm daemons.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; made_policy=1
  fi
  local rc=0
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; } || rc=$?
  [ "$made_policy" -eq 1 ] && rm -f "$policy"
  [ "$rc" -eq 0 ] || die "apt-get install slurm-wlm munge failed (exit $rc)"
}

write_conf() { # -> $conf.new
  local node cpus mem line kv k v sockets="" cores="" threads="" boards=""
  node=$(node_name)
  cpus=$(nproc)
  mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
  # slurmd -C prints the hardware as slurmd itself will see it; prefer it.
  if line=$(slurmd -C 2>/dev/null | head -n 1) && [ -n "$line" ]; then
    for kv in $line; do
      k=${kv%%=*}; v=${kv#*=}
      case $k in
        CPUs) cpus=$v ;; Boards) boards=$v ;; SocketsPerBoard) sockets=$v ;;
        CoresPerSocket) cores=$v ;; ThreadsPerCore) threads=$v ;; RealMemory) mem=$v ;;
      esac
    done
  fi
  local topo=""
  if [ -n "$boards" ] && [ -n "$sockets" ] && [ -n "$cores" ] && [ -n "$threads" ]; then
    topo=" Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads"
  fi
  cat > "$conf.new" <<EOF
# Written by anybit scripts/slurm-local.sh: a one-node test cluster on this
# machine. Rewritten by every start; edits are lost.
ClusterName=$cluster
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$msock
StateSaveLocation=$state/slurmctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups (containers often have none writable): plain process tracking.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Report the configured hardware (below) even if detection differs.
SlurmdParameters=config_overrides
ReturnToService=2
# Refuse at submission a job that can never run (more CPUs than the node has).
EnforcePartLimits=ALL
MinJobAge=600
MailProg=/bin/true
# Start jobs as soon as they can run (default: batch jobs may wait up to 3 s).
SchedulerParameters=batch_sched_delay=0
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus$topo RealMemory=$mem State=UNKNOWN
PartitionName=$partition Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

munge_ok() { munge -n -S "$msock" 2>/dev/null | unmunge -S "$msock" >/dev/null 2>&1; }
ctld_ok()  { scontrol ping 2>/dev/null | grep -q 'is UP'; }

node_state() { sinfo -h -N -n "$(node_name)" -o '%T' 2>/dev/null | head -n 1; }

show_log() { # file
  [ -f "$1" ] || return 0
  echo "---- last lines of $1" >&2
  tail -n 20 "$1" >&2
}

link_etc() {
  if [ -L "$etc_conf" ] && [ "$(readlink "$etc_conf")" = "$conf" ]; then return 0; fi
  if [ -e "$etc_conf" ] || [ -L "$etc_conf" ]; then
    say "note: $etc_conf exists and is not ours; left alone. Use: export SLURM_CONF=$conf"
    return 0
  fi
  mkdir -p "$(dirname "$etc_conf")"
  ln -s "$conf" "$etc_conf"
}

unlink_etc() {
  if [ -L "$etc_conf" ] && [ "$(readlink "$etc_conf")" = "$conf" ]; then rm -f "$etc_conf"; fi
}

cmd_start() {
  install_packages   # not root and packages missing: prints the apt-get command, exits 1
  need_root start
  PATH=$PATH:/usr/sbin:/sbin
  export SLURM_CONF=$conf
  mkdir -p "$state"/etc "$state"/run "$state"/log "$state"/slurmctld "$state"/slurmd
  chmod 755 "$state"
  install -d -m 700 "$state/munge"
  if [ ! -s "$mkey" ]; then
    say "creating munge key $mkey"
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile="$mkey" --bits=1024
    else
      dd if=/dev/urandom of="$mkey" bs=1024 count=1 2>/dev/null
    fi
  fi
  chmod 600 "$mkey"

  write_conf
  if [ -f "$conf" ] && cmp -s "$conf" "$conf.new"; then
    rm -f "$conf.new"
  else
    if slurmctld_pid >/dev/null || slurmd_pid >/dev/null; then
      say "configuration changed: restarting"
      cmd_stop
    fi
    mv "$conf.new" "$conf"
  fi
  link_etc

  local pid
  if pid=$(munged_pid); then
    say "munged running (pid $pid)"
  else
    rm -f "$state/run/munged.pid" "$msock" "$msock.lock"
    munged --socket="$msock" --key-file="$mkey" --pid-file="$state/run/munged.pid" \
      --log-file="$state/log/munged.log" --seed-file="$state/munge/munged.seed" \
      || { show_log "$state/log/munged.log"; die "munged failed to start"; }
    say "started munged"
  fi
  munge_ok || { show_log "$state/log/munged.log"; die "munge does not answer on $msock"; }

  if pid=$(slurmctld_pid); then
    say "slurmctld running (pid $pid)"
  else
    rm -f "$state/run/slurmctld.pid"
    # -c: start with no saved jobs (stop cancels them anyway): old state of a
    # killed controller or another configuration cannot break this start.
    slurmctld -f "$conf" -c || { show_log "$state/log/slurmctld.log"; die "slurmctld failed to start"; }
    say "started slurmctld"
  fi
  local i
  for ((i = 0; i < 100; i++)); do ctld_ok && break; sleep 0.2; done
  ctld_ok || { show_log "$state/log/slurmctld.log"; die "slurmctld does not answer (scontrol ping)"; }

  if pid=$(slurmd_pid); then
    say "slurmd running (pid $pid)"
  else
    rm -f "$state/run/slurmd.pid"
    kill_stray_steps
    # No job of ours can be running: stale job spool dirs (same job ids after
    # slurmctld -c) must go.
    rm -rf "${state:?}/slurmd"; mkdir -p "$state/slurmd"
    slurmd -f "$conf" -N "$(node_name)" || { show_log "$state/log/slurmd.log"; die "slurmd failed to start"; }
    say "started slurmd"
  fi

  local st=""
  for ((i = 0; i < 150; i++)); do
    st=$(node_state || true)
    case $st in
      idle|mixed|allocated|completing) break ;;
      *down*|*drain*|*fail*)
        # ReturnToService=2 normally revives it; nudge once after a few seconds.
        if [ "$i" -eq 25 ]; then scontrol update NodeName="$(node_name)" State=RESUME 2>/dev/null || true; fi ;;
    esac
    sleep 0.2
  done
  case $st in
    idle|mixed|allocated|completing) ;;
    *)
      sinfo -N -l >&2 || true
      scontrol show node "$(node_name)" 2>/dev/null | grep -i reason >&2 || true
      show_log "$state/log/slurmctld.log"; show_log "$state/log/slurmd.log"
      die "node $(node_name) is '${st:-unknown}', not idle, after 30 s" ;;
  esac
  say "up: node $(node_name) $st, partition $partition, $(sinfo -h -o '%c' | head -n 1) CPUs"
  if [ "$(readlink "$etc_conf" 2>/dev/null || true)" != "$conf" ]; then
    say "for sbatch/sinfo/squeue, first: export SLURM_CONF=$conf"
  fi
}

cmd_stop() {
  need_root stop
  PATH=$PATH:/usr/sbin:/sbin
  export SLURM_CONF=$conf
  local pid ids i
  if [ -f "$conf" ] && slurmctld_pid >/dev/null && ctld_ok; then
    ids=$(squeue -h -o '%A' 2>/dev/null | sort -u | tr '\n' ' '); ids=${ids% }
    if [ -n "${ids// /}" ]; then
      say "cancelling jobs: $ids"
      # shellcheck disable=SC2086 # a list of job ids
      scancel $ids 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        [ -z "$(squeue -h -o '%A' 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
  fi
  # All three at once: none needs another to shut down (each takes ~2 s).
  local procs=() d
  for d in slurmd slurmctld munged; do
    if pid=$("${d}_pid"); then procs+=("$d=$pid"); fi
  done
  [ ${#procs[@]} -eq 0 ] || stop_pids "${procs[@]}"
  kill_stray_steps
  rm -f "$state/run/slurmd.pid" "$state/run/slurmctld.pid" "$state/run/munged.pid"
  unlink_etc
  say "stopped (state kept in $state)"
}

cmd_status() {
  PATH=$PATH:/usr/sbin:/sbin
  export SLURM_CONF=$conf
  local up=0 total=0 pid d
  for d in munged slurmctld slurmd; do
    total=$((total + 1))
    if pid=$("${d}_pid"); then
      echo "$d: running (pid $pid)"; up=$((up + 1))
    else
      echo "$d: stopped"
    fi
  done
  echo "config: $conf"
  if [ "$up" -eq 0 ]; then return 3; fi
  if ctld_ok; then
    sinfo -N -o '%N %T %c %m %P' || true
    squeue || true
  fi
  if [ "$up" -eq "$total" ] && ctld_ok; then
    case $(node_state || true) in idle|mixed|allocated|completing) return 0 ;; esac
  fi
  return 1
}

[ $# -eq 1 ] || usage
case $1 in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) echo "export SLURM_CONF=$conf" ;;
  -h|--help) usage 0 ;;
  *) usage ;;
esac
