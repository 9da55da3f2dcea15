#!/bin/bash
# The hostile-input campaign of docs/reliability.md, against the real `deadiff` binary: broken,
# lying and hostile files, endless streams, absurd arguments, unwritable outputs, a full disk
# and requests larger than memory. Prints one Markdown table row per case: what was tried, the
# exit code (137/-9 = killed, 124 = hung), the seconds it took and the first line of stderr.
# Nothing is downloaded; every input is made here, in a temporary folder.
#
#   tests/tools/hostile_inputs.sh [BUILD_DIR]     (default: build/release)
#
# Each run gets 60 s and 6 GiB of address space (prlimit), so a regression shows as 124 or a
# memory error instead of hanging or filling the machine. The full-disk case mounts a small
# tmpfs and is skipped when mounting is not allowed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build/release}
CLI=$BUILD/bin/deadiff
W=$(mktemp -d)
cleanup() {
    mountpoint -q "$W/full" 2>/dev/null && umount "$W/full"
    rm -rf "$W"
}
trap cleanup EXIT
export DEADIFF_THREADS=${DEADIFF_THREADS:-1}
MODEL=$ROOT/resources/demo-model
NEON=$ROOT/resources/examples/neon.png
FIX=$ROOT/tests/fixtures
# Without --steps and --seed, for the cases that give their own (an option given twice is a
# different refusal).
GEN0=(generate --model "$MODEL" --prompt house --dtype float32)
GEN=("${GEN0[@]}" --steps 2 --seed 1)

echo "| case | exit | s | message |"
echo "|---|---|---|---|"
run() { # run "case" args...
    local name=$1
    shift
    local start end rc message
    start=$(date +%s.%N)
    timeout 60 prlimit --as=6442450944 "$CLI" "$@" >/dev/null 2>"$W/stderr"
    rc=$?
    end=$(date +%s.%N)
    # The last line: progress bars come first, the verdict last.
    message=$(tr '\r' '\n' <"$W/stderr" | grep -v '^\s*$' | grep -v "^Run 'deadiff" | tail -1)
    message=${message//|/\\|}
    printf '| %s | %s | %.1f | %s |\n' "$name" "$rc" "$(echo "$end - $start" | bc)" "${message:0:150}"
}

# --- weight files (the issue's campaign) ---
printf '\x40\x00\x00\x00\x00\x00\x00\x00{"a": {"dtype"' >"$W/truncated-header.safetensors"
run "safetensors, truncated header" inspect "$W/truncated-header.safetensors"
printf '\x00\x00\x00\x00\x00\x01\x00\x00{}' >"$W/lying-length.safetensors"
run "safetensors, header length 2^40" inspect "$W/lying-length.safetensors"
printf '\x20\x00\x00\x00\x00\x00\x00\x00{"w":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}' >"$W/short-data.safetensors"
run "safetensors, tensor past the end" inspect "$W/short-data.safetensors"
run "pickle calling os.system" inspect "$FIX/torch/hostile_system.pt"
run "pickle calling eval" inspect "$FIX/torch/hostile_eval.pt"
run "legacy (pre-1.6) torch file" inspect "$FIX/torch/legacy.pt"
python3 - "$W" <<'PY'
import sys, zipfile, zlib
w = sys.argv[1]
# A zip bomb: data.pkl inflates to 2 GiB of zeros from a few MB.
with zipfile.ZipFile(w + "/zip-bomb.ckpt", "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("archive/data.pkl", "w", force_zip64=True) as f:
        block = bytes(1 << 24)
        for _ in range(128):
            f.write(block)
# 200k nested MARKs in data.pkl.
with zipfile.ZipFile(w + "/nested-marks.ckpt", "w") as z:
    z.writestr("archive/data.pkl", b"\x80\x02" + b"(" * 200000 + b".")
# A PNG announcing 60000 x 60000 pixels.
import struct
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
open(w + "/bomb.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                                  chunk(b"IDAT", zlib.compress(b"\0" * 100000)) + chunk(b"IEND", b""))
# A PNG whose tEXt chunk claims 1.9 GB (fuzz_png_metadata's finding).
open(w + "/huge-text.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(
    ">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + struct.pack(">I", 1946157525) + b"tEXtparameters\0x")
PY
run "zip bomb (2 GiB data.pkl)" inspect "$W/zip-bomb.ckpt"
run "pickle with 200k nested MARKs" inspect "$W/nested-marks.ckpt"

# --- images ---
run "PNG announcing 60000x60000" "${GEN[@]}" --style "$W/bomb.png" -o "$W/o.png"
head -c 3000 "$NEON" >"$W/truncated.png"
run "truncated PNG as style" "${GEN[@]}" --style "$W/truncated.png" -o "$W/o.png"
JPEG=$FIX/image/decode/jpeg_420.jpg
head -c $(($(stat -c %s "$JPEG") / 2)) "$JPEG" >"$W/truncated.jpg"
run "truncated JPEG as style" "${GEN[@]}" --style "$W/truncated.jpg" -o "$W/o.png"
run "294-byte JPEG declaring 8237x7936" "${GEN[@]}" \
    --style "$ROOT/tests/fuzz/corpus/image_decode/regression-jpeg-size-bomb.jpg" -o "$W/o.png"
run "15-byte PBM declaring 16000x16000" "${GEN[@]}" \
    --style "$ROOT/tests/fuzz/corpus/image_decode/regression-pnm-header-only.pbm" -o "$W/o.png"
run "'P6' without its space, DICM at 128" "${GEN[@]}" \
    --style "$ROOT/tests/fuzz/corpus/image_decode/regression-netpbm-magic-gdcm-abort" -o "$W/o.png"
printf 'GIF89a' >"$W/a.gif"
run "GIF as style" "${GEN[@]}" --style "$W/a.gif" -o "$W/o.png"
: >"$W/empty.png"
run "empty file as style" "${GEN[@]}" --style "$W/empty.png" -o "$W/o.png"

# --- endless streams and things that are not files ---
mkfifo "$W/fifo.png"
mkdir "$W/folder.png"
for input in /dev/zero "$W/fifo.png" "$W/folder.png"; do
    label=${input/$W\//}
    run "$label as --style" "${GEN[@]}" --style "$input" -o "$W/o.png"
    run "$label as --content" "${GEN[@]}" --content "$input" --mode content -o "$W/o.png"
    run "$label as --depth" "${GEN[@]}" --depth "$input" --control "$input" -o "$W/o.png"
    run "$label as --depth-model" "${GEN[@]}" --depth-from "$NEON" --depth-model "$input" --control "$input" -o "$W/o.png"
    run "$label as --model" generate --model "$input" --prompt x -o "$W/o.png"
    run "$label as batch job" batch "$input" -o "$W/out"
    run "$label to inspect" inspect "$input"
done

# --- arguments ---
run "--width 100000" "${GEN[@]}" --width 100000 -o "$W/o.png"
run "--width 100" "${GEN[@]}" --width 100 -o "$W/o.png"
run "--steps 0" "${GEN0[@]}" --seed 1 --steps 0 -o "$W/o.png"
run "--steps 10000000" "${GEN0[@]}" --seed 1 --steps 10000000 -o "$W/o.png"
run "--seed -5" "${GEN0[@]}" --steps 2 --seed -5 -o "$W/o.png"
run "--seed 99999999999999999999999" "${GEN0[@]}" --steps 2 --seed 99999999999999999999999 -o "$W/o.png"
run "--cfg nan" "${GEN[@]}" --cfg nan -o "$W/o.png"
run "--batch 1000" "${GEN[@]}" --batch 1000 -o "$W/o.png"
run "--cache-interval 0" "${GEN[@]}" --cache-interval 0 -o "$W/o.png"
run "--mix 7 with one style" "${GEN[@]}" --style "$NEON" --mix 7 -o "$W/o.png"
printf '{"prompts": [' >"$W/broken.json"
run "batch job: broken JSON" batch "$W/broken.json" -o "$W/out"
printf '{"prompts": ["a"], "styles": [[5]]}' >"$W/wrong-type.json"
run "batch job: wrong type" batch "$W/wrong-type.json" -o "$W/out"
printf '{"prompts": ["a"], "seed_count": 100000}' >"$W/too-many.json"
run "batch job: 100000 images" batch "$W/too-many.json" -o "$W/out"

# --- outputs ---
run "-o into a missing folder" "${GEN[@]}" -o "$W/no-such-folder/o.png"
run "-o /dev/null" "${GEN[@]}" -o /dev/null
run "-o is a folder" "${GEN[@]}" -o "$W/folder.png"
run "-o under /proc (not writable)" "${GEN[@]}" -o /proc/self/o.png
: >"$W/a-file"
run "batch -o below a file" batch "$ROOT/resources/examples/demo-batch.json" -o "$W/a-file/out"
mkdir -p "$W/full"
if mount -t tmpfs -o size=4k tmpfs "$W/full" 2>/dev/null; then
    run "full disk (4 KiB tmpfs)" "${GEN[@]}" -o "$W/full/o.png"
    echo "| (files left on the full disk: $(ls -A "$W/full" | wc -l)) | | | |"
else
    echo "| full disk | skipped | | mounting a tmpfs is not allowed here |"
fi

# --- memory ---
run "2048 px, prlimit --as 6 GiB" "${GEN[@]}" --width 2048 --height 2048 --batch 16 -o "$W/o.png"
DEADIFF_MEMORY_LIMIT=1G run "2048 px, DEADIFF_MEMORY_LIMIT=1G" "${GEN[@]}" --width 2048 --height 2048 -o "$W/o.png"
