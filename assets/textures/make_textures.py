#!/usr/bin/env python3
"""Generates backlot's small tileable textures as PNG (deterministic, standard library only).

    python3 assets/textures/make_textures.py

asphalt.png - 256x256 tileable asphalt: fine aggregate speckle over soft mottling (sRGB).
"""
import math
import os
import random
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write_png(path, w, h, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def asphalt(n=256):
    rnd = random.Random(7)
    # Tileable mottling: sum of periodic sines over the tile.
    waves = [(rnd.randint(1, 6), rnd.randint(1, 6), rnd.random() * math.tau, rnd.random()) for _ in range(12)]
    rows = []
    for y in range(n):
        row = []
        for x in range(n):
            m = sum(a * math.sin(math.tau * (fx * x + fy * y) / n + p) for fx, fy, p, a in waves) / 12.0
            speck = rnd.random()
            v = 0.55 + 0.25 * m
            if speck > 0.93:
                v += 0.35 * rnd.random()
            elif speck < 0.05:
                v -= 0.25
            v = max(0.0, min(1.0, v))
            g = int(v * 255)
            row += [g, int(g * 0.98), int(g * 0.95)]
        rows.append(row)
    write_png(os.path.join(HERE, "asphalt.png"), n, n, rows)


if __name__ == "__main__":
    asphalt()
