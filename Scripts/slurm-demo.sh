#!/usr/bin/env bash
# A partitioned build on a real Slurm cluster of one node, started here and stopped at the end:
#   1. installs Debian's slurm-wlm and munge when missing (apt-get);
#   2. starts munged, slurmctld and slurmd on this machine with a minimal slurm.conf (127.0.0.1);
#   3. submits the 120 m BigEarthNet tiles as `sbatch --array=0-3` (build-dataset build --part auto)
#      plus a merge job with --dependency=afterok, waits, and compares the result with a build on
#      one machine (same keys, splits and frames);
#   4. fault case: the array again, with task 1 cancelled by scancel while it runs, resubmitted
#      alone, merged: the merged dataset.json must equal the first one byte for byte;
#   5. stops every daemon it started, by pid.
# Prints "slurm-demo: skipped: <reason>" and exits 0 when Slurm cannot be installed or started here.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/env.sh
skip() { echo "slurm-demo: skipped: $*"; exit 0; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  [ "$(id -u)" = 0 ] || skip "slurm-wlm and munge are not installed and this is not root"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge) >/dev/null 2>&1 \
    || skip "apt-get cannot install slurm-wlm and munge"
fi
[ "$(id -u)" = 0 ] || skip "the daemons are started as root (SlurmUser=root)"

bash Scripts/setup.sh >/dev/null
swift build -c release --product build-dataset >/dev/null
bin="$PWD/.build/release"
manifest="$PWD/manifests/bigearthnet-s1s2-tiles.json"
work="$PWD/out/slurm"
rm -rf "$work" && mkdir -p "$work/state" "$work/spool" "$work/logs"

# --- the cluster -----------------------------------------------------------------------------
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap stop EXIT

dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
munged --force --key-file="$work/munge.key" --socket="$work/munge.socket" --pid-file="$work/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munged.seed"
for _ in $(seq 50); do [ -s "$work/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/munged.pid")")

host=$(hostname -s)
cpus=$(nproc)
cat > "$work/slurm.conf" <<CONF
ClusterName=geopairs
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 100); do
  if sinfo -h -o "%t" 2>/dev/null | grep -qE "^(idle|mix|alloc)"; then up=1; break; fi
  sleep 0.2
done
[ "$up" = 1 ] || { tail -5 "$work/slurmctld.log" "$work/slurmd.log" 2>/dev/null; skip "the Slurm daemons did not come up on this machine"; }
echo "== a Slurm cluster of one node: $(sinfo -h -o '%P %D node(s) %c CPUs %t')"

# --- jobs ------------------------------------------------------------------------------------
cat > "$work/part.sh" <<JOB
#!/usr/bin/env bash
set -euo pipefail
sleep "\${GEOPAIRS_TASK_DELAY:-0}"
exec "$bin/build-dataset" build "$manifest" --out "\$1" --part auto --parts 4 --jobs 1
JOB
chmod +x "$work/part.sh"
wait_for() {  # waits until none of the given jobs is pending or running
  while squeue -h -j "$1" -o "%i" 2>/dev/null | grep -q .; do sleep 0.5; done
}
build() {  # DIR [DELAY]: submits the array and the merge, prints the array's job id
  local array
  array=$(GEOPAIRS_TASK_DELAY="${2:-0}" sbatch --parsable --export=ALL --array=0-3 --cpus-per-task=1 \
    -o "$work/logs/%x-%A_%a.out" -J parts "$work/part.sh" "$1")
  echo "$array"
}
merge() {  # DIR AFTER_JOB
  sbatch --parsable --export=ALL --dependency="afterok:$2" -o "$work/logs/merge-%j.out" -J merge \
    --wrap "$bin/build-dataset merge $1 --manifest $manifest"
}

echo "== sbatch --array=0-3 (build-dataset build --part auto --parts 4) + merge (--dependency=afterok)"
start=$(date +%s.%N)
array=$(build "$work/dataset")
merged=$(merge "$work/dataset" "$array")
wait_for "$array,$merged"
end=$(date +%s.%N)
cat "$work"/logs/merge-"$merged".out
[ -f "$work/dataset/dataset.json" ] || { echo "slurm-demo: the merge job wrote no dataset.json"; exit 1; }
printf 'array job %s and merge job %s done in %.1f s\n' "$array" "$merged" "$(echo "$end - $start" | bc)"

echo "== the same manifest on one machine, compared record by record"
"$bin/build-dataset" build "$manifest" --out "$work/single" --jobs 2 2>/dev/null
python3 Scripts/read_shards.py "$work/dataset" 2>/dev/null | python3 -c "import json,sys; print('\n'.join(sorted(json.dumps({k: v for k, v in json.loads(l).items()}, sort_keys=True) for l in sys.stdin)))" > "$work/parts.txt"
python3 Scripts/read_shards.py "$work/single" 2>/dev/null | python3 -c "import json,sys; print('\n'.join(sorted(json.dumps({k: v for k, v in json.loads(l).items()}, sort_keys=True) for l in sys.stdin)))" > "$work/single.txt"
if cmp -s "$work/parts.txt" "$work/single.txt"; then
  echo "identical: $(wc -l < "$work/parts.txt") frames (keys, splits, placements, sources and decoded bytes)"
else
  echo "slurm-demo: the merged dataset differs from the one-machine build"; diff "$work/parts.txt" "$work/single.txt" | head; exit 1
fi

echo "== fault: task 1 cancelled while it runs, resubmitted alone, merged again"
array=$(build "$work/retry" 5)
for _ in $(seq 100); do squeue -h -j "${array}_1" -t R -o "%i" | grep -q . && break; sleep 0.2; done
scancel "${array}_1"
echo "scancel ${array}_1 while it ran"
wait_for "$array"
if "$bin/build-dataset" merge "$work/retry" --manifest "$manifest" 2>"$work/merge-error.txt"; then
  echo "slurm-demo: merge succeeded with a part missing"; exit 1
fi
echo "merge refuses: $(head -1 "$work/merge-error.txt")"
again=$(sbatch --parsable --export=ALL --array=1 -o "$work/logs/%x-%A_%a.out" -J retry "$work/part.sh" "$work/retry")
merged=$(merge "$work/retry" "$again")
wait_for "$again,$merged"
cat "$work"/logs/merge-"$merged".out
if cmp -s "$work/retry/dataset.json" "$work/dataset/dataset.json"; then
  echo "identical: the retried build's dataset.json equals the first one, byte for byte"
else
  echo "slurm-demo: the retried build differs"; exit 1
fi
echo "== stopping the daemons (pids ${pids[*]})"
