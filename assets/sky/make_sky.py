#!/usr/bin/env python3
"""Generates backlot's equirectangular HDR skies (Radiance RGBE, deterministic, no downloads).

    python3 assets/sky/make_sky.py

desert_afternoon.hdr - 1024x512 clear desert sky: deep blue zenith, warm hazy horizon,
                       a late-afternoon sun (disc ~2000x the horizon; the scene's directional light carries the direct sun) at azimuth 304 (front-left), 21.7 deg up, matching desert_road.scene.ron's sun.
Values are relative luminance (1.0 = the horizon's brightness); the scene's exposure scales them.
"""
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def rgbe(r, g, b):
    m = max(r, g, b)
    if m < 1e-32:
        return bytes((0, 0, 0, 0))
    e = math.frexp(m)[1]
    scale = 256.0 / (2.0 ** e)
    return bytes((min(255, int(r * scale)), min(255, int(g * scale)), min(255, int(b * scale)), e + 128))


def desert(w=1024, h=512):
    sun_az, sun_el = math.radians(304.0), math.radians(21.7)
    sun = (math.cos(sun_el) * math.sin(sun_az), math.sin(sun_el), -math.cos(sun_el) * math.cos(sun_az))
    rows = []
    for y in range(h):
        el = math.pi / 2 - (y + 0.5) / h * math.pi
        row = bytearray()
        for x in range(w):
            az = ((x + 0.5) / w - 0.5) * 2 * math.pi
            d = (math.cos(el) * math.sin(az), math.sin(el), -math.cos(el) * math.cos(az))
            if el >= 0:
                t = (1.0 - el / (math.pi / 2)) ** 5.0
                zen = (0.07, 0.2, 0.6)
                hor = (1.0, 0.86, 0.68)
                c = [zen[i] + (hor[i] - zen[i]) * t for i in range(3)]
            else:
                t = min(1.0, -el / 0.15)
                hor = (0.9, 0.72, 0.52)
                gnd = (0.35, 0.26, 0.18)
                c = [hor[i] + (gnd[i] - hor[i]) * t for i in range(3)]
            cos_sun = sum(d[i] * sun[i] for i in range(3))
            # Mie-like glow around the sun, then the disc itself (0.53 deg).
            glow = 0.9 * math.exp((cos_sun - 1.0) * 25.0) + 3.0 * math.exp((cos_sun - 1.0) * 400.0)
            c = [c[0] + glow * 1.0, c[1] + glow * 0.85, c[2] + glow * 0.6]
            if cos_sun > math.cos(math.radians(0.53)):
                c = [2000.0, 1800.0, 1500.0]
            row += rgbe(*c)
        rows.append(bytes(row))
    with open(os.path.join(HERE, "desert_afternoon.hdr"), "wb") as f:
        f.write(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n")
        f.write(f"-Y {h} +X {w}\n".encode())
        for r in rows:
            f.write(r)


if __name__ == "__main__":
    desert()
