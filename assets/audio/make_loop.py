#!/usr/bin/env python3
"""Synthesises `neon_loop.wav`: two bars of a 124 BPM club groove (kick on every beat,
clap on 2 and 4, off-beat hats, a sliding bass), 48 kHz mono 16-bit, loopable. Made for
backlot's neon_club layer set; standard library only, deterministic."""

import math
import os
import random
import struct
import wave

RATE = 48_000
BPM = 124.0
BARS = 2
BEAT = 60.0 / BPM
N = int(round(BARS * 4 * BEAT * RATE))


def main():
    rnd = random.Random(124)
    out = [0.0] * N

    def add(start_s, length_s, fn):
        s = int(start_s * RATE)
        for i in range(int(length_s * RATE)):
            if 0 <= s + i < N:
                out[s + i] += fn(i / RATE)

    for beat in range(BARS * 4):
        t0 = beat * BEAT
        # Kick: a pitch-dropping sine with a fast decay.
        add(t0, 0.35, lambda t: 0.9 * math.sin(2 * math.pi * (45 * t + 60 * (1 - math.exp(-t * 30)) / 30)) * math.exp(-t * 9))
        if beat % 2 == 1:
            # Clap: three short noise bursts.
            for k in range(3):
                add(t0 + k * 0.011, 0.12, lambda t: 0.35 * (rnd.random() * 2 - 1) * math.exp(-t * 35))
        # Off-beat open hat, closed hats on the sixteenths around it.
        add(t0 + BEAT / 2, 0.09, lambda t: 0.18 * (rnd.random() * 2 - 1) * math.exp(-t * 40))
        for q in (0.25, 0.75):
            add(t0 + BEAT * q, 0.03, lambda t: 0.08 * (rnd.random() * 2 - 1) * math.exp(-t * 120))
        # Bass on the off-beats, walking a minor figure.
        note = [55.0, 55.0, 65.41, 49.0][beat % 4]
        add(t0 + BEAT / 2, BEAT / 2 * 0.9, lambda t, f=note: 0.3 * math.tanh(3 * math.sin(2 * math.pi * f * t)) * math.exp(-t * 4))
    peak = max(abs(v) for v in out) or 1.0
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "neon_loop.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(v / peak * 0.89 * 32767)) for v in out))


if __name__ == "__main__":
    main()
