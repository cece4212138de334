#!/usr/bin/env python3
"""Generates backlot's small glTF models (no downloads, deterministic).

    python3 assets/models/make_models.py

mesa.gltf  - a flat-topped desert butte, banded sandstone colours, ~1 unit tall, 2 wide.
rock.gltf  - a lumpy boulder about 1 m across, for physics props.
"""
import base64
import json
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def noise(x, y, z, seed):
    """Cheap smooth value noise from summed sines (deterministic, no dependencies)."""
    v = 0.0
    amp = 1.0
    f = 1.0
    for i in range(4):
        v += amp * math.sin(f * (1.7 * x + 3.1 * seed + i)) * math.sin(f * (2.3 * z + 1.3 * y + 0.7 * seed + 2 * i))
        amp *= 0.5
        f *= 2.1
    return v


def write_gltf(name, positions, normals, colors, indices, metallic=0.0, roughness=0.95):
    pos = b"".join(struct.pack("<3f", *p) for p in positions)
    nor = b"".join(struct.pack("<3f", *n) for n in normals)
    col = b"".join(struct.pack("<4f", c[0], c[1], c[2], 1.0) for c in colors)
    idx = b"".join(struct.pack("<I", i) for i in indices)
    buf = pos + nor + col + idx
    mins = [min(p[i] for p in positions) for i in range(3)]
    maxs = [max(p[i] for p in positions) for i in range(3)]
    n = len(positions)
    doc = {
        "asset": {"version": "2.0", "generator": "backlot make_models.py"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": name}],
        "materials": [{
            "name": name,
            "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": metallic, "roughnessFactor": roughness},
        }],
        "meshes": [{"name": name, "primitives": [{
            "attributes": {"POSITION": 0, "NORMAL": 1, "COLOR_0": 2},
            "indices": 3, "material": 0}]}],
        "buffers": [{"byteLength": len(buf), "uri": "data:application/octet-stream;base64," + base64.b64encode(buf).decode()}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": len(pos), "target": 34962},
            {"buffer": 0, "byteOffset": len(pos), "byteLength": len(nor), "target": 34962},
            {"buffer": 0, "byteOffset": len(pos) + len(nor), "byteLength": len(col), "target": 34962},
            {"buffer": 0, "byteOffset": len(pos) + len(nor) + len(col), "byteLength": len(idx), "target": 34963},
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": n, "type": "VEC3", "min": mins, "max": maxs},
            {"bufferView": 1, "componentType": 5126, "count": n, "type": "VEC3"},
            {"bufferView": 2, "componentType": 5126, "count": n, "type": "VEC4"},
            {"bufferView": 3, "componentType": 5125, "count": len(indices), "type": "SCALAR"},
        ],
    }
    with open(os.path.join(HERE, name + ".gltf"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))


def smooth_normals(positions, indices):
    acc = [[0.0, 0.0, 0.0] for _ in positions]
    for t in range(0, len(indices), 3):
        a, b, c = indices[t:t + 3]
        pa, pb, pc = positions[a], positions[b], positions[c]
        u = [pb[i] - pa[i] for i in range(3)]
        v = [pc[i] - pa[i] for i in range(3)]
        n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
        for k in (a, b, c):
            for i in range(3):
                acc[k][i] += n[i]
    out = []
    for n in acc:
        l = math.sqrt(sum(x * x for x in n)) or 1.0
        out.append([x / l for x in n])
    return out


def mesa():
    """Lathe profile (radius by height) with noise: steep banded cliffs, talus skirt, flat cap."""
    rings = [  # (height, radius)
        (0.0, 1.00), (0.08, 0.86), (0.18, 0.72), (0.30, 0.64), (0.55, 0.60),
        (0.78, 0.57), (0.92, 0.55), (1.0, 0.50), (1.0, 0.0),
    ]
    seg = 96
    positions, colors = [], []
    for (h, r) in rings:
        for s in range(seg):
            a = 2 * math.pi * s / seg
            x, z = math.cos(a), math.sin(a)
            wobble = 1.0 + 0.18 * noise(x * 2, h * 3, z * 2, 1.0) if r > 0 else 1.0
            ledge = 0.03 * math.sin(h * 40.0) if 0.2 < h < 0.95 else 0.0
            rr = max(0.0, r * wobble + ledge)
            positions.append((x * rr * (1.0 + 0.35 * (x > 0)), h, z * rr * 0.8))
            band = 0.5 + 0.5 * math.sin(h * 30.0 + 0.8 * noise(x, h, z, 3.0))
            base = (0.62, 0.30, 0.17) if h < 0.97 else (0.66, 0.42, 0.26)
            shade = 0.85 + 0.25 * band
            colors.append((base[0] * shade, base[1] * shade, base[2] * shade * 0.95))
    indices = []
    for ring in range(len(rings) - 1):
        for s in range(seg):
            a = ring * seg + s
            b = ring * seg + (s + 1) % seg
            c = a + seg
            d = b + seg
            indices += [a, c, b, b, c, d]
    write_gltf("mesa", positions, smooth_normals(positions, indices), colors, indices)


def rock():
    """A subdivided octahedron pushed about by noise: a 1 m boulder."""
    verts = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
    faces = [(0, 2, 4), (4, 2, 1), (1, 2, 5), (5, 2, 0), (0, 4, 3), (4, 1, 3), (1, 5, 3), (5, 0, 3)]
    for _ in range(4):
        cache = {}
        new_faces = []

        def mid(i, j):
            key = (min(i, j), max(i, j))
            if key not in cache:
                p = [(verts[i][k] + verts[j][k]) / 2 for k in range(3)]
                l = math.sqrt(sum(x * x for x in p))
                verts.append(tuple(x / l for x in p))
                cache[key] = len(verts) - 1
            return cache[key]

        for a, b, c in faces:
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            new_faces += [(a, ab, ca), (ab, b, bc), (ca, bc, c), (ab, bc, ca)]
        faces = new_faces
    positions, colors = [], []
    for v in verts:
        r = 0.5 * (1.0 + 0.22 * noise(v[0] * 2, v[1] * 2, v[2] * 2, 7.0))
        positions.append((v[0] * r * 1.2, v[1] * r * 0.8, v[2] * r))
        g = 0.45 + 0.1 * noise(v[0] * 6, v[1] * 6, v[2] * 6, 2.0)
        colors.append((g * 1.15, g * 0.86, g * 0.62))
    indices = [i for f in faces for i in f]
    write_gltf("rock", positions, smooth_normals(positions, indices), colors, indices, roughness=1.0)


if __name__ == "__main__":
    mesa()
    rock()
