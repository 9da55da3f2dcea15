#!/usr/bin/env python3
"""Stacks PNG images of one width top to bottom into one PNG (8-bit RGB or RGBA, not interlaced),
with a white gap between them. Standard library only, for docs figures made of several contact
sheets, e.g. the README's grid of the same batch job on two base models:

    docs/tools/stack_png.py OUT.png TOP.png BOTTOM.png
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        sys.exit(f"{path}: only 8-bit RGB/RGBA, non-interlaced PNGs")
    channels = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        if kind > 4:
            sys.exit(f"{path}: row {y} has an unknown filter type {kind}")
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # undo the PNG row filter (spec section 9)
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    if channels == 4:  # drop alpha: the sheets are opaque
        rows = [bytearray(b for k, b in enumerate(r) if k % 4 != 3) for r in rows]
    return width, rows


def write_png(path, width, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    # Filter "Up" on every row: the sheets' flat areas then compress like the originals.
    zero = bytearray(width * 3)
    raw = b"".join(
        b"\x02" + bytes((x - y) & 255 for x, y in zip(r, rows[k - 1] if k else zero))
        for k, r in enumerate(rows))
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)))
        out.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        out.write(chunk(b"IEND", b""))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    images = [read_png(p) for p in sys.argv[2:]]
    width = images[0][0]
    if any(w != width for w, _ in images):
        sys.exit("the images differ in width")
    rows = []
    for k, (_, image_rows) in enumerate(images):
        if k:
            rows += [bytearray(b"\xff" * width * 3) for _ in range(16)]
        rows += image_rows
    write_png(sys.argv[1], width, rows)


if __name__ == "__main__":
    main()
