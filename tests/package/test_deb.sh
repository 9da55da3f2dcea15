#!/usr/bin/env bash
# The .deb, built with CPack from a build folder where everything is built (`all`).
#
#   tests/package/test_deb.sh BUILD_DIR            the package's contents only
#   tests/package/test_deb.sh BUILD_DIR --install  also install it (ctest package.deb, label package)
#
# Default (no root, no network; 64 s on 2 busy cores, 40 s of it cpack): cpack, then check the
# package itself: its control fields (Depends from dpkg-shlibdeps), every file the issue lists
# (binaries, vocabularies, demo model, examples, catalogue, .desktop, hicolor icons, AppStream
# metainfo, man pages, copyright, changelog), `appstreamcli validate`; then unpack it with
# `dpkg-deb -x` into a temporary folder and run the unpacked deadiff from /tmp: its version, that
# it finds its vocabularies, demo model and catalogue inside the unpacked tree (relative to
# itself, not in the source checkout), and a generation with the unpacked demo model.
#
# --install (needs root, changes the machine's packages, slower): also `lintian` (no errors),
# `apt-get install ./deadiff-studio_*.deb`, the same runs from /usr/bin, `apt-get remove
# --purge`, and checks that nothing is left; without root, or with the package already
# installed, that part is left out with a note.
set -euo pipefail

build_dir=$(cd "$1" && pwd)
install_mode=0
[ "${2:-}" = "--install" ] && install_mode=1

# Without root, or with a deadiff-studio package already installed, the install part is left out
# (said below) and the rest still runs.
if [ "$install_mode" = 1 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "NOTE: not root: lintian and apt-get install/remove are left out"
        install_mode=0
    elif dpkg-query -W -f='${Status}' deadiff-studio 2>/dev/null | grep -q "install ok installed"; then
        echo "NOTE: a deadiff-studio package is already installed here; this test does not replace it, so apt-get install/remove are left out"
        install_mode=0
    fi
fi
if [ "$install_mode" = 1 ]; then
    tools="cpack dpkg-deb dpkg-shlibdeps appstreamcli lintian apt-get"
else
    tools="cpack dpkg-deb dpkg-shlibdeps appstreamcli"
fi
for tool in $tools; do
    if ! command -v "$tool" >/dev/null; then
        echo "FAIL: $tool is missing; packaging/install-deps.sh installs it"
        exit 1
    fi
done

work=$(mktemp -d /tmp/deadiff-package-XXXXXX)
installed=0
cleanup() {
    if [ "$installed" = 1 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get remove -y -q --purge deadiff-studio >/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

echo "== cpack -G DEB"
start=$SECONDS
(cd "$build_dir" && cpack -G DEB -B "$work/cpack" >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log"; fail "cpack failed"; }
cp "$work"/cpack/deadiff-studio_*.deb "$work/"
deb_name=$(cd "$work" && ls deadiff-studio_*.deb)
deb="$work/$deb_name"
echo "built $deb_name ($(du -h "$deb" | cut -f1)) in $((SECONDS - start)) s"

echo "== control fields"
dpkg-deb --field "$deb"
version=$(dpkg-deb --field "$deb" Version)
[ "$(dpkg-deb --field "$deb" Package)" = deadiff-studio ] || fail "the package is not deadiff-studio"
[ "$deb_name" = "deadiff-studio_${version}_$(dpkg --print-architecture).deb" ] ||
    fail "unexpected file name $deb_name"
[ -n "$(dpkg-deb --field "$deb" Maintainer)" ] || fail "no Maintainer"
# shlibdeps: the libraries the binaries link, as Debian 12 names their packages.
depends=$(dpkg-deb --field "$deb" Depends)
for library in libc6 libtorch libqt6core6 libqt6network6 libqt6widgets6 libopencv-core \
    libssl3; do
    grep -q "$library" <<<"$depends" || fail "Depends lacks $library (shlibdeps): $depends"
done

echo "== contents"
dpkg-deb --contents "$deb" | awk '{print $6}' >"$work/contents"
for path in ./usr/bin/deadiff ./usr/bin/deadiff-studio \
    ./usr/share/deadiff-studio/vocab/bpe_simple_vocab_16e6.txt.gz \
    ./usr/share/deadiff-studio/vocab/bert-base-uncased-vocab.txt \
    ./usr/share/deadiff-studio/demo-model/model.json \
    ./usr/share/deadiff-studio/demo-model/model.safetensors \
    ./usr/share/deadiff-studio/examples/neon.png \
    ./usr/share/deadiff-studio/model-catalog.json \
    ./usr/share/applications/deadiff-studio.desktop \
    ./usr/share/metainfo/io.github.deadiff.studio.metainfo.xml \
    ./usr/share/man/man1/deadiff.1.gz ./usr/share/man/man1/deadiff-studio.1.gz \
    ./usr/share/doc/deadiff-studio/copyright ./usr/share/doc/deadiff-studio/changelog.gz; do
    grep -qx "$path" "$work/contents" || fail "the package lacks $path"
done
for size in 16 22 24 32 48 64 128 256; do
    grep -qx "./usr/share/icons/hicolor/${size}x${size}/apps/deadiff-studio.png" "$work/contents" ||
        fail "the package lacks the ${size}x${size} icon"
done
# Nothing of the build or the source tree slips in.
! grep -E '\.(o|a|cmake|h|cpp)$|/CMakeFiles/|/_CPack_Packages/' "$work/contents" ||
    fail "build files in the package"

dpkg-deb -x "$deb" "$work/root"
root="$work/root"
for size in 16 22 24 32 48 64 128 256; do
    icon="$root/usr/share/icons/hicolor/${size}x${size}/apps/deadiff-studio.png"
    file -b "$icon" | grep -q "PNG image data, $size x $size" ||
        fail "the ${size}x${size} icon is $(file -b "$icon")"
done
gzip -t "$root/usr/share/man/man1/deadiff.1.gz" "$root/usr/share/man/man1/deadiff-studio.1.gz" \
    "$root/usr/share/doc/deadiff-studio/changelog.gz" || fail "a compressed document is broken"
cmp -s "$root/usr/share/deadiff-studio/model-catalog.json" \
    "$(dirname "$0")/../../resources/model-catalog.json" || fail "the catalogue differs from resources/"
grep -q "^Exec=deadiff-studio" "$root/usr/share/applications/deadiff-studio.desktop" ||
    fail "the .desktop file does not start deadiff-studio"

echo "== appstreamcli validate"
appstreamcli validate --no-net --explain \
    "$root/usr/share/metainfo/io.github.deadiff.studio.metainfo.xml" ||
    fail "appstreamcli validate found errors"

# $1: the folder that holds bin/deadiff and share/deadiff-studio (…/usr).
run_installed() {
    local prefix=$1
    cd /tmp
    ! ldd "$prefix/bin/deadiff" "$prefix/bin/deadiff-studio" | grep "not found" ||
        fail "unresolved libraries"
    [ "$("$prefix/bin/deadiff" --version)" = "deadiff $version" ] ||
        fail "deadiff --version says $("$prefix/bin/deadiff" --version), the package $version"
    local verbose
    verbose=$(DEADIFF_THREADS=1 "$prefix/bin/deadiff" --version --verbose)
    echo "$verbose" | grep -E "^(vocabulary|demo model|catalogue):"
    local data
    data=$(realpath "$prefix/share/deadiff-studio")
    # Found relative to the executable, not in the source checkout the build came from.
    grep -qx "vocabulary: $data/vocab" <<<"$verbose" || fail "vocabulary not from the package"
    grep -qx "demo model: $data/demo-model" <<<"$verbose" || fail "demo model not from the package"
    grep -qx "catalogue:  $data/model-catalog.json" <<<"$verbose" ||
        fail "catalogue not from the package"
    "$prefix/bin/deadiff" models list >"$work/list.txt" || fail "deadiff models list failed"
    grep -q "deadiff_v1" "$work/list.txt" || fail "the catalogue's DEADiff weights are not listed"
    local start=$SECONDS
    rm -f "$work/house.png"
    DEADIFF_THREADS=2 "$prefix/bin/deadiff" generate --prompt house \
        --style "$data/examples/neon.png" --seed 1 --steps 4 -o "$work/house.png" ||
        fail "deadiff generate with the demo model failed"
    [ "$(head -c 8 "$work/house.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
        fail "deadiff generate wrote no PNG"
    grep -aq "\"model\":\"$data/demo-model\"" "$work/house.png" ||
        fail "the image was not made with the packaged demo model"
    echo "generated a picture with $data/demo-model in $((SECONDS - start)) s"
    cd - >/dev/null
}

echo "== the unpacked programs, from outside the source tree"
XDG_DATA_HOME="$work/xdg" run_installed "$root/usr"

if [ "$install_mode" = 0 ]; then
    echo "PASS (lintian and apt-get install: tests/package/test_deb.sh BUILD_DIR --install)"
    exit 0
fi

echo "== lintian"
start=$SECONDS
lintian --fail-on error --tag-display-limit 0 "$deb" || fail "lintian found errors"
echo "lintian: no errors ($((SECONDS - start)) s)"

echo "== apt-get install ./$deb_name"
(cd "$work" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb_name") ||
    fail "apt-get install failed"
installed=1
XDG_DATA_HOME="$work/xdg" run_installed /usr

echo "== apt-get remove --purge"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q --purge deadiff-studio >/dev/null ||
    fail "apt-get remove failed"
installed=0
[ ! -e /usr/bin/deadiff ] || fail "/usr/bin/deadiff is still there after the removal"
[ ! -e /usr/share/deadiff-studio ] || fail "/usr/share/deadiff-studio is still there after the removal"
echo "PASS"
