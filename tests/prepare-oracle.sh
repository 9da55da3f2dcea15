#!/usr/bin/env bash
# Makes the random-weight oracle checkpoints that the oracle tests compare against (see
# ../shared/oracle/README.md): 7.6 GB (DEADiff) + 1.4 GB (ControlNet) + 2.1 GB (plain SD 1.5,
# section h, seed 7) under ~/.cache/deadiff/oracle, written once (~1 minute). The writing holds
# the oracle lock (/tmp/deadiff-oracle.lock, as the oracle tests on a shared machine do), so it
# never runs beside a test that has a 7.6 GB model in memory. Needs Debian's python3-torch, a test-only
# dependency installed here when missing. Without ../shared it does nothing: the oracle tests
# then skip with a message.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
shared=${DEADIFF_SHARED_DIR:-$here/../shared}
out=${DEADIFF_ORACLE_DIR:-$HOME/.cache/deadiff/oracle}

if [ ! -f "$shared/oracle/make_weights.py" ]; then
    echo "prepare-oracle: $shared/oracle not found; oracle tests will be skipped."
    exit 0
fi

make_file() {
    local manifest=$1 seed=$2 target=$3
    if [ -s "$out/$target" ]; then
        echo "prepare-oracle: $out/$target present."
        return
    fi
    if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
        as_root=()
        [ "$(id -u)" -ne 0 ] && as_root=(sudo)
        echo "prepare-oracle: installing python3-torch (test-only dependency)"
        DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends python3-torch
    fi
    local free_kb
    free_kb=$(df -Pk "$out" | awk 'NR==2 {print $4}')
    if [ "$free_kb" -lt 10000000 ]; then
        echo "prepare-oracle: less than 10 GB free in $out; oracle tests will be skipped."
        return
    fi
    echo "prepare-oracle: writing $out/$target"
    local lock=()
    command -v flock >/dev/null && lock=(flock /tmp/deadiff-oracle.lock)
    (cd "$shared/oracle" &&
        "${lock[@]}" /usr/bin/python3 make_weights.py "$manifest" "$seed" "$out/$target.partial")
    mv "$out/$target.partial" "$out/$target"
}

mkdir -p "$out"
make_file manifest.json 2024 deadiff_random_s2024.safetensors
make_file controlnet_manifest.json 2024 control_random_s2024.safetensors
if [ -f "$shared/oracle/sd15_base_manifest.json" ]; then
    make_file sd15_base_manifest.json 7 sd15_base_random_s7.safetensors
fi
