#!/usr/bin/env bash
# packaging/cluster/slurm-array.sbatch's own logic, without Slurm (ctest `cluster.slurm_template`,
# milliseconds, no root): the script runs as an array task or as the merge job would, with
# stand-ins for deadiff, sbatch and scontrol on PATH that record their arguments. Checks what the
# template decides: which deadiff command a task or the merge runs, threads from
# SLURM_CPUS_PER_TASK, the merge job submitted once (first task, first start) with an afterany
# dependency on the array, a requeue on status 75 only (bounded by DEADIFF_RETRIES), and the
# exit status passed through. Whether a real Slurm runs it so: tests/cluster/slurm_array_test.sh.
#
# Usage: slurm_template_test.sh SOURCE_DIR
set -euo pipefail

template=$(realpath "$1")/packaging/cluster/slurm-array.sbatch
work=$(mktemp -d /tmp/deadiff-slurm-template.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

mkdir -p "$work/bin"
# Each stand-in appends "name arg arg ..." (one line per call) to $work/calls.
cat >"$work/bin/deadiff" <<'EOF'
#!/bin/bash
echo "deadiff DEADIFF_THREADS=$DEADIFF_THREADS $*" >>"$CALLS"
exit "${FAKE_STATUS:-0}"
EOF
cat >"$work/bin/sbatch" <<'EOF'
#!/bin/bash
echo "sbatch $*" >>"$CALLS"
echo "4242"
EOF
cat >"$work/bin/scontrol" <<'EOF'
#!/bin/bash
echo "scontrol $*" >>"$CALLS"
EOF
chmod +x "$work/bin/"*

# run NAME EXPECTED_STATUS [VAR=VALUE...]: the template as Slurm would start it, in a clean
# environment plus the given variables; leaves the calls in $work/calls.
run() {
    local name=$1 expected=$2 status=0
    shift 2
    : >"$work/calls"
    env -i PATH="$work/bin:/usr/bin:/bin" CALLS="$work/calls" DEADIFF=deadiff "$@" \
        bash "$template" /jobs/job.json /shared/out ${SHARD_COUNT:+"$SHARD_COUNT"} \
        >"$work/stdout" 2>"$work/stderr" || status=$?
    [ "$status" = "$expected" ] || fail "$name: exit $status, expected $expected ($(cat "$work/stderr"))"
}
calls() { cat "$work/calls"; }
expect_call() { # name, exact line
    grep -qxF -- "$2" "$work/calls" || fail "$1: no call '$2' in: $(calls)"
}
expect_no() { # name, command
    ! grep -q "^$2 " "$work/calls" || fail "$1: unexpected $2 call: $(calls)"
}

task=(SLURM_ARRAY_JOB_ID=77 SLURM_ARRAY_TASK_MIN=0 SLURM_JOB_NAME=deadiff-batch)

run "first task" 0 "${task[@]}" SLURM_ARRAY_TASK_ID=0 SLURM_CPUS_PER_TASK=4
expect_call "first task" "deadiff DEADIFF_THREADS=4 batch /jobs/job.json -o /shared/out --shard env"
expect_call "first task" "sbatch --parsable --job-name=deadiff-batch-merge --cpus-per-task=1 --no-requeue --output=%x-%j.log --export=ALL,DEADIFF_MERGE_JOB=1 --dependency=afterany:77 $template /jobs/job.json /shared/out"
grep -qx "merge job: 4242 (starts when every task of 77 has ended)" "$work/stdout" ||
    fail "first task: the merge job's id is not in its log: $(cat "$work/stdout")"

run "other task" 0 "${task[@]}" SLURM_ARRAY_TASK_ID=3
expect_call "other task" "deadiff DEADIFF_THREADS=1 batch /jobs/job.json -o /shared/out --shard env"
expect_no "other task" sbatch

run "first task, requeued" 0 "${task[@]}" SLURM_ARRAY_TASK_ID=0 SLURM_RESTART_COUNT=1
expect_no "first task, requeued" sbatch
run "first task, DEADIFF_MERGE=0" 0 "${task[@]}" SLURM_ARRAY_TASK_ID=0 DEADIFF_MERGE=0
expect_no "first task, DEADIFF_MERGE=0" sbatch

SHARD_COUNT=8 run "shards of 8" 0 "${task[@]}" SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=2
expect_call "shards of 8" \
    "deadiff DEADIFF_THREADS=1 batch /jobs/job.json -o /shared/out --shard env --shard-count 8"

run "retryable" 75 "${task[@]}" SLURM_ARRAY_TASK_ID=2 FAKE_STATUS=75 SLURM_RESTART_COUNT=2
expect_call "retryable" "scontrol requeue 77_2"
run "retries spent" 75 "${task[@]}" SLURM_ARRAY_TASK_ID=2 FAKE_STATUS=75 SLURM_RESTART_COUNT=3
expect_no "retries spent" scontrol
run "more retries" 75 "${task[@]}" SLURM_ARRAY_TASK_ID=2 FAKE_STATUS=75 SLURM_RESTART_COUNT=3 \
    DEADIFF_RETRIES=5
expect_call "more retries" "scontrol requeue 77_2"
run "bad job" 2 "${task[@]}" SLURM_ARRAY_TASK_ID=2 FAKE_STATUS=2
expect_no "bad job" scontrol
run "other failure" 1 "${task[@]}" SLURM_ARRAY_TASK_ID=2 FAKE_STATUS=1
expect_no "other failure" scontrol

run "merge job" 0 SLURM_JOB_ID=4242 SLURM_CPUS_PER_TASK=1
expect_call "merge job" "deadiff DEADIFF_THREADS=1 batch /jobs/job.json -o /shared/out --merge"
expect_no "merge job" sbatch
# sbatch passes the submitting task's environment on: the merge job sees its array variables.
run "merge job, inherited task" 0 "${task[@]}" SLURM_ARRAY_TASK_ID=0 DEADIFF_MERGE_JOB=1
expect_call "merge job, inherited task" \
    "deadiff DEADIFF_THREADS=1 batch /jobs/job.json -o /shared/out --merge"
expect_no "merge job, inherited task" sbatch
run "incomplete merge" 1 SLURM_JOB_ID=4242 FAKE_STATUS=1
expect_no "incomplete merge" scontrol

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "ok: slurm-array.sbatch runs the right deadiff command, submits one merge, requeues on 75"
