#!/usr/bin/env python3
"""Writes resources/examples/sketch_square.png: a square drawn as a quick hand sketch would be
(four wobbly pencil strokes that overshoot at the corners, a little hatching), grey on off-white
paper, 256 x 256. Plain Python (zlib + struct), deterministic: the README's image-to-image demo
starts from it.

    python3 docs/tools/hand_sketch.py resources/examples/sketch_square.png
"""
import math
import random
import struct
import sys
import zlib

SIZE = 256


def write_png(path, pixels):
    raw = b"".join(b"\x00" + bytes(v for rgb in row for v in rgb) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def main():
    rng = random.Random(28)
    paper = (246, 242, 232)
    ink = (60, 58, 66)
    darkness = [[0.0] * SIZE for _ in range(SIZE)]

    def dab(x, y, radius, strength):
        for yy in range(int(y - radius - 1), int(y + radius + 2)):
            for xx in range(int(x - radius - 1), int(x + radius + 2)):
                if 0 <= xx < SIZE and 0 <= yy < SIZE:
                    d = math.hypot(xx - x, yy - y)
                    if d <= radius:
                        cover = strength * (1.0 - d / (radius + 0.5))
                        darkness[yy][xx] = min(1.0, darkness[yy][xx] + cover)

    def stroke(x0, y0, x1, y1, width, pressure):
        # A pencil line: a slow wobble across it, thinner and lighter at both ends.
        length = math.hypot(x1 - x0, y1 - y0)
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        phase = rng.uniform(0, 6.28)
        for i in range(int(length * 2)):
            t = i / (length * 2)
            wobble = 2.2 * math.sin(phase + t * 5.0) + rng.uniform(-0.4, 0.4)
            taper = min(1.0, 4 * t, 4 * (1 - t))
            dab(x0 + (x1 - x0) * t + nx * wobble, y0 + (y1 - y0) * t + ny * wobble,
                width * (0.6 + 0.4 * taper), pressure * (0.5 + 0.5 * taper))

    corners = [(70, 74), (186, 70), (190, 186), (68, 182)]
    for i in range(4):
        (x0, y0), (x1, y1) = corners[i], corners[(i + 1) % 4]
        # Overshoot past both corners, as a quick sketch does.
        dx, dy = x1 - x0, y1 - y0
        stroke(x0 - 0.08 * dx + rng.uniform(-2, 2), y0 - 0.08 * dy + rng.uniform(-2, 2),
               x1 + 0.06 * dx, y1 + 0.06 * dy, 2.6, 0.55)
    # Loose hatching in the lower right corner of the square.
    for k in range(6):
        x = 130 + 9 * k
        stroke(x, 178, x + 22, 150, 1.3, 0.3)

    pixels = [[tuple(round(p + (q - p) * darkness[y][x]) for p, q in zip(paper, ink))
               for x in range(SIZE)] for y in range(SIZE)]
    write_png(sys.argv[1], pixels)


if __name__ == "__main__":
    main()
