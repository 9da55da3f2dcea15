#!/usr/bin/env bash
# Makes the random-weight oracle checkpoints that the oracle tests compare against (see
# ../shared/oracle/README.md): 7.6 GB (DEADiff) + 1.4 GB (ControlNet) under
# ~/.cache/deadiff/oracle, written once (~1 minute). Needs Debian's python3-torch, a test-only
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
    local manifest=$1 target=$2
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
    (cd "$shared/oracle" && /usr/bin/python3 make_weights.py "$manifest" 2024 "$out/$target.partial")
    mv "$out/$target.partial" "$out/$target"
}

mkdir -p "$out"
make_file manifest.json deadiff_random_s2024.safetensors
make_file controlnet_manifest.json control_random_s2024.safetensors
