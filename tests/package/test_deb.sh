#!/usr/bin/env bash
# The .deb end to end (ctest label `package`): build it with CPack from this build folder, check
# it with lintian (no errors) and its AppStream file with appstreamcli, install it with
# `apt-get install ./deadiff-studio_*.deb`, run the installed deadiff from outside the source
# tree (its version, where it finds its data, a generation with the bundled demo model), and
# remove it again. Installing needs root: as another user the test skips (exit 77).
#
#   tests/package/test_deb.sh BUILD_DIR
set -euo pipefail

build_dir=$(cd "$1" && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: installing a .deb needs root (CI runs this test as root)"
    exit 77
fi
for tool in cpack dpkg-deb dpkg-shlibdeps apt-get lintian appstreamcli; do
    if ! command -v "$tool" >/dev/null; then
        echo "FAIL: $tool is missing; packaging/install-deps.sh installs it"
        exit 1
    fi
done
if dpkg-query -W -f='${Status}' deadiff-studio 2>/dev/null | grep -q "install ok installed"; then
    echo "SKIP: a deadiff-studio package is already installed here; this test does not replace it"
    exit 77
fi

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
echo "built $deb_name ($(du -h "$work/$deb_name" | cut -f1)) in $((SECONDS - start)) s"

echo "== contents"
dpkg-deb --info "$work/$deb_name" | sed -n '/Package:/,$p'
depends=$(dpkg-deb --field "$work/$deb_name" Depends)
for library in libc6 libtorch libqt6core6 libqt6network6 libqt6widgets6 libopencv-core; do
    grep -q "$library" <<<"$depends" || fail "Depends lacks $library (shlibdeps): $depends"
done
dpkg-deb --contents "$work/$deb_name" | awk '{print $6}' >"$work/contents"
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

echo "== appstreamcli validate"
dpkg-deb -x "$work/$deb_name" "$work/root"
appstreamcli validate --no-net --explain \
    "$work/root/usr/share/metainfo/io.github.deadiff.studio.metainfo.xml" ||
    fail "appstreamcli validate found errors"

echo "== lintian"
start=$SECONDS
lintian --fail-on error --no-tag-display-limit "$work/$deb_name" || fail "lintian found errors"
echo "lintian: no errors ($((SECONDS - start)) s)"

echo "== apt-get install ./$deb_name"
(cd "$work" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb_name") ||
    fail "apt-get install failed"
installed=1

echo "== the installed programs, from outside the source tree"
cd /tmp
ldd /usr/bin/deadiff /usr/bin/deadiff-studio | grep "not found" && fail "unresolved libraries"
[ "$(/usr/bin/deadiff --version)" = "deadiff $(dpkg-deb --field "$work/$deb_name" Version)" ] ||
    fail "deadiff --version says $(/usr/bin/deadiff --version)"
verbose=$(DEADIFF_THREADS=1 /usr/bin/deadiff --version --verbose)
echo "$verbose"
grep -qx "vocabulary: /usr/share/deadiff-studio/vocab" <<<"$verbose" || fail "vocabulary not from the package"
grep -qx "demo model: /usr/share/deadiff-studio/demo-model" <<<"$verbose" || fail "demo model not from the package"
grep -qx "catalogue:  /usr/share/deadiff-studio/model-catalog.json" <<<"$verbose" || fail "catalogue not from the package"
/usr/bin/deadiff models list --catalog /usr/share/deadiff-studio/model-catalog.json >"$work/list.txt" ||
    fail "deadiff models list failed"
grep -q "deadiff_v1" "$work/list.txt" || fail "the catalogue's DEADiff weights are not listed"
start=$SECONDS
DEADIFF_THREADS=2 /usr/bin/deadiff generate --prompt house \
    --style /usr/share/deadiff-studio/examples/neon.png --seed 1 --steps 10 -o "$work/house.png" ||
    fail "deadiff generate with the demo model failed"
[ "$(head -c 8 "$work/house.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
    fail "deadiff generate wrote no PNG"
grep -aq '"model":"/usr/share/deadiff-studio/demo-model"' "$work/house.png" ||
    fail "the image was not made with the installed demo model"
echo "generated $work/house.png with the installed demo model in $((SECONDS - start)) s"

echo "== apt-get remove"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q --purge deadiff-studio >/dev/null ||
    fail "apt-get remove failed"
installed=0
[ ! -e /usr/bin/deadiff ] || fail "/usr/bin/deadiff is still there after the removal"
[ ! -e /usr/share/deadiff-studio ] || fail "/usr/share/deadiff-studio is still there after the removal"
echo "PASS"
