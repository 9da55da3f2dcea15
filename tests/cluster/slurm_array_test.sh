#!/usr/bin/env bash
# A real Slurm on this machine (ctest label `cluster`; issue 23): Debian's slurm-wlm and munge,
# started as a single node from a private temporary folder (own munge key and socket, own
# state, spool, ports and config; nothing under /etc is used or changed), run the shipped
# packaging/cluster/slurm-array.sbatch on the bundled demo model with `sbatch --wait
# --array=0-3`, and check:
#   - local `--shard 0/2` + `--shard 1/2` + `--merge` and the Slurm array give, for every image,
#     the bytes of a one-machine run;
#   - a task cancelled mid-run (scancel) stops after its current step keeping its finished
#     images; the merge job the template submitted lists the missing images and names the shard;
#     the resubmitted shard makes only those (the others keep their inodes), and its merge
#     completes;
#   - every daemon started here is stopped at the end, on failure too (trap), and the leftovers
#     of an earlier run that was killed are stopped first, so runs can follow each other.
# Without root (daemons, package installs): skipped (exit 77) with a message.
#
# Usage: slurm_array_test.sh DEADIFF_BINARY SOURCE_DIR
set -euo pipefail

deadiff=$(realpath "$1")
source_dir=$(realpath "$2")
template=$source_dir/packaging/cluster/slurm-array.sbatch
examples=$source_dir/resources/examples
model=$source_dir/resources/demo-model
started=$SECONDS

say() { echo "[slurm-test $((SECONDS - started))s] $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: the Slurm test starts munged, slurmctld and slurmd and may install slurm-wlm" \
        "and munge, which needs root (CI runs .ci/run as root)"
    exit 77
fi
[ -f "$model/model.json" ] || fail "the bundled demo model is missing: $model"

# Leftovers of an earlier run that was killed before its trap ran: stop the daemons it started
# (a pid from its pid files whose command line names its folder), then remove the folder.
for old in /tmp/deadiff-slurm-test.*; do
    [ -d "$old" ] || continue
    for pidfile in "$old"/slurmd.pid "$old"/slurmctld.pid "$old"/munge-run/munged.pid; do
        pid=$(cat "$pidfile" 2>/dev/null || true)
        if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$old"; then
            say "stopping pid $pid left by an earlier run in $old"
            kill "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$old"
done

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null; }; then
        echo "skipped: slurm-wlm and munge are not installed and apt-get could not install them"
        exit 77
    fi
fi

work=$(mktemp -d /tmp/deadiff-slurm-test.XXXXXX)
chmod 755 "$work"
say "work folder $work"

stop_pid_file() {
    local pid
    pid=$(cat "$1" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    set +e
    if [ -f "$work/slurmctld.pid" ]; then
        # Jobs first, while the controller runs, so slurmd ends their processes itself.
        squeue -h -o %A 2>/dev/null | sort -u | xargs -r scancel 2>/dev/null
        for _ in $(seq 40); do
            [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    stop_pid_file "$work/slurmd.pid"
    stop_pid_file "$work/slurmctld.pid"
    stop_pid_file "$work/munge-run/munged.pid"
    if [ "$status" -ne 0 ]; then
        for log in "$work"/slurmctld.log "$work"/slurmd.log "$work"/submit/*.log; do
            [ -f "$log" ] && { echo "--- tail of $log"; tail -n 25 "$log"; }
        done
    fi
    rm -rf "$work"
    say "daemons stopped, $work removed (exit $status)"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# munged: own key, socket, pid, log and seed; run as the munge user, as the package does.
mkdir -p "$work/munge-run" "$work/munge-lib"
chown munge:munge "$work/munge-run" "$work/munge-lib"
chmod 755 "$work/munge-run"
chmod 700 "$work/munge-lib"
runuser -u munge -- mungekey --create --keyfile="$work/munge-lib/munge.key"
runuser -u munge -- munged --socket="$work/munge-run/munge.socket" \
    --key-file="$work/munge-lib/munge.key" --pid-file="$work/munge-run/munged.pid" \
    --log-file="$work/munge-lib/munged.log" --seed-file="$work/munge-lib/munged.seed"
munge -S "$work/munge-run/munge.socket" -n | unmunge -S "$work/munge-run/munge.socket" >/dev/null ||
    fail "munged does not answer"

# Two free TCP ports (a connection refused: nobody listens there).
free_port() {
    local port
    for port in $(shuf -i 20000-45000 -n 100); do
        [ "$port" = "${1:-}" ] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    fail "no free port"
}
ctld_port=$(free_port)
slurmd_port=$(free_port "$ctld_port")
host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10))

mkdir -p "$work/state" "$work/spool" "$work/submit" "$work/job"
: >"$work/plugstack.conf"
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Written by tests/cluster/slurm_array_test.sh: a single node, private to $work.
ClusterName=deadifftest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge-run/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
KillWait=10
MinJobAge=600
PlugStackConfig=$work/plugstack.conf
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=deadiff Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
    [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break
    sleep 0.5
done
[ "$(sinfo -h -o %T)" = idle ] || fail "the node is not idle: $(sinfo -h -o '%T %E')"
say "slurmctld and slurmd up: node $host, $cpus CPUs, ports $ctld_port/$slurmd_port"

# The job: 2 prompts x 2 styles x 3 seeds = 12 images of 64 px; 4 shards of 3 requests.
job=$work/job/job.json
cat >"$job" <<EOF
{"template": {"steps": 12, "width": 64, "height": 64, "seed": 7},
 "prompts": ["a red moon", "a cat"],
 "styles": [["$examples/woodcut.png"], ["$examples/neon.png"]],
 "seed_count": 3}
EOF
export DEADIFF_DEMO_MODEL=$model DEADIFF=$deadiff
images() { # the file names of the job (or of shard $1)
    "$deadiff" batch "$job" --dry-run ${1:+--shard "$1"} | awk -F'\t' 'NF == 2 {print $1}'
}
mapfile -t all < <(images)
mapfile -t shard2 < <(images 2/4)
[ "${#all[@]}" = 12 ] && [ "${#shard2[@]}" = 3 ] || fail "unexpected plan: ${all[*]}"

same_bytes() { # folder: every image of the job equals the one-machine run's
    local name
    for name in "${all[@]}"; do
        cmp -s "$work/single/$name" "$1/$name" || fail "$1/$name differs from the one-machine run"
    done
}

# One thread, as every task below (--cpus-per-task=1): the thread count changes LibTorch's
# reduction order, so only equal counts promise equal bytes (docs/cluster.md).
DEADIFF_THREADS=1 "$deadiff" batch "$job" -o "$work/single" >/dev/null 2>"$work/single.log" ||
    fail "one-machine run: $(tail -n 3 "$work/single.log")"
say "one-machine run: ${#all[@]} images"

for shard in 0/2 1/2; do
    DEADIFF_THREADS=1 "$deadiff" batch "$job" -o "$work/local" --shard "$shard" >/dev/null \
        2>"$work/local.log" || fail "--shard $shard: $(tail -n 3 "$work/local.log")"
done
"$deadiff" batch "$job" -o "$work/local" --merge >/dev/null 2>"$work/local.log" ||
    fail "local merge: $(tail -n 3 "$work/local.log")"
same_bytes "$work/local"
say "--shard 0/2 + --shard 1/2 + --merge (1 thread each): the same bytes"

# The array; task 2 is cancelled once it has written its first image.
cd "$work/submit"
out=$work/slurm
timeout 300 sbatch --parsable --wait --array=0-3 --cpus-per-task=1 --mem=1G "$template" "$job" \
    "$out" >sbatch.out 2>sbatch.err &
sbatch_pid=$!
for _ in $(seq 100); do
    job_id=$(head -n 1 sbatch.out 2>/dev/null | cut -d';' -f1)
    [ -n "$job_id" ] && break
    sleep 0.1
done
[ -n "$job_id" ] || fail "sbatch printed no job id: $(cat sbatch.err)"
say "array job $job_id submitted"
first=""
for _ in $(seq 1200); do
    for name in "${shard2[@]}"; do
        [ -f "$out/$name" ] && first=$name && break
    done
    [ -n "$first" ] && break
    sleep 0.1
done
[ -n "$first" ] || fail "task 2 wrote no image in 120 s"
scancel "${job_id}_2"
say "task 2 cancelled after writing $first"
array_status=0
wait "$sbatch_pid" || array_status=$?
say "sbatch --wait returned $array_status"

for k in 0 1 3; do
    grep -q "shard $k/4: 3 images: 3 generated, 0 kept" "deadiff-batch-${job_id}_$k.log" ||
        fail "task $k did not make its 3 images"
done
grep -q "cancelled; finished images are kept" "deadiff-batch-${job_id}_2.log" ||
    fail "task 2 did not stop cleanly on SIGTERM"
declare -A inode
kept=0
for name in "${shard2[@]}"; do
    if [ -f "$out/$name" ]; then
        inode[$name]=$(stat -c %i "$out/$name")
        kept=$((kept + 1))
    fi
done
[ "$kept" -ge 1 ] && [ "$kept" -lt 3 ] ||
    fail "task 2 had $kept of 3 images when cancelled (it must be mid-run)"
for name in "${all[@]}"; do
    [ -n "${inode[$name]:-}" ] || inode[$name]=$(stat -c %i "$out/$name" 2>/dev/null || echo none)
done

wait_for_job() { # job id: waits until it has ended; prints "STATE EXITCODE"
    local state=""
    for _ in $(seq 240); do
        state=$(scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
        case $state in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
        sleep 0.5
    done
    echo "$state $(scontrol show job "$1" | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2)"
}
merge_id=$(sed -n 's/^merge job: \([0-9]*\).*/\1/p' "deadiff-batch-${job_id}_0.log")
[ -n "$merge_id" ] || fail "task 0 did not submit the merge job"
read -r state code < <(wait_for_job "$merge_id")
[ "$state $code" = "FAILED 1:0" ] || fail "merge job $merge_id: $state $code, expected FAILED 1:0"
grep -q "merge: 12 images: $((9 + kept)) there, $((3 - kept)) missing" \
    "deadiff-batch-merge-$merge_id.log" || fail "the merge did not count the missing images"
grep -q "shards lacking them: 2/4" "deadiff-batch-merge-$merge_id.log" ||
    fail "the merge did not name shard 2/4"
say "merge job $merge_id: $((3 - kept)) missing, shard 2/4 named"

# Shard 2 of 4 again: only its missing images are made.
timeout 200 sbatch --parsable --wait --array=2 --cpus-per-task=1 --mem=1G "$template" "$job" \
    "$out" 4 >resubmit.out 2>resubmit.err || fail "resubmitted task failed: $(cat resubmit.err)"
again=$(head -n 1 resubmit.out | cut -d';' -f1)
grep -q "shard 2/4: 3 images: $((3 - kept)) generated, $kept kept" "deadiff-batch-${again}_2.log" ||
    fail "the resubmitted shard did not make exactly its missing images"
for name in "${all[@]}"; do
    [ "${inode[$name]}" = none ] || [ "$(stat -c %i "$out/$name")" = "${inode[$name]}" ] ||
        fail "$name was written again"
done
merge_id=$(sed -n 's/^merge job: \([0-9]*\).*/\1/p' "deadiff-batch-${again}_2.log")
[ -n "$merge_id" ] || fail "the resubmitted task did not submit a merge job"
read -r state code < <(wait_for_job "$merge_id")
[ "$state $code" = "COMPLETED 0:0" ] || fail "merge job $merge_id: $state $code"
grep -q "merge: 12 images: 12 there, 0 missing" "deadiff-batch-merge-$merge_id.log" ||
    fail "the second merge is not complete"
[ -f "$out/manifest.csv" ] && [ -f "$out/contact-sheet.png" ] || fail "the merge wrote no manifest"
same_bytes "$out"
say "resubmitted shard 2/4 made $((3 - kept)), kept $kept; merge $merge_id complete;" \
    "all 12 images byte-identical to the one-machine run"
