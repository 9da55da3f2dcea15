#!/usr/bin/env bash
# Installs what DEADiff Studio needs to build, run and test on Debian 12, and nothing that is
# already there. Idempotent; run as root or through sudo.
#
#   packaging/install-deps.sh            build + run + test dependencies
#
# libopenblas0-openmp matters most: Debian's libtorch calls the system BLAS, and the default
# reference BLAS makes float32 matrix products ~30x slower (7.5 vs 230 GFLOP/s on 2 cores).
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config git
    # numerics
    libtorch-dev libopenblas0-openmp libgoogle-perftools-dev
    # images
    libopencv-dev libpng-dev libjpeg62-turbo-dev libtiff-dev
    # text, formats
    libicu-dev zlib1g-dev nlohmann-json3-dev libssl-dev
    # GUI
    qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    linguist-qt6 qt6-translations-l10n libqcustomplot-dev libgl-dev fonts-wqy-microhei
    # tests
    googletest libgtest-dev xvfb xauth
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages are installed."
    exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
    as_root=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
