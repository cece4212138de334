#!/usr/bin/env python3
"""Trains and exports backlot's shipped learned-model layer, `look.onnx`.

The model turns music and motion features into a look: key-light colour and level and a
backdrop level. Its training data is generated here from a hand-designed look (the
`design` function, what a lighting designer would do by hand), so the model is a smooth,
compact stand-in that users can retrain on their own looks or replace.

Inputs (8, each 0..1, in this order — the layer file's `inputs` must match):
    rms, band 0 (kick), band 3 (mids), band 6 (hats), beat phase, onset, performer speed,
    performer presence
Outputs (5, each 0..1): key red, key green, key blue, key level, backdrop level.

Writes, beside this script:
    look_train.csv        the training data (features, then targets)
    look.onnx             the model (Gemm → Tanh → Gemm → Sigmoid, opset 13)
    look_reference.json   fixed inputs and the outputs this script computes for them;
                          backlot's tests check that tract reproduces them.

Needs numpy and onnx (`pip install numpy onnx`). Deterministic: same files every run.
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
N_IN, N_HIDDEN, N_OUT = 8, 24, 5


def design(x):
    rms, kick, mids, hats, phase, onset, speed, presence = x.T
    energy = np.clip(0.6 * rms + 0.25 * kick + 0.15 * hats, 0, 1)
    pulse = np.exp(-6 * phase) * (0.5 + 0.5 * onset)
    warmth = np.clip(0.5 + 0.6 * (kick - hats), 0, 1)[:, None]
    motion = (speed * presence)[:, None]
    cool, warm, hot = np.array([0.2, 0.5, 1.0]), np.array([1.0, 0.35, 0.15]), np.array([1.0, 0.1, 0.7])
    colour = cool * (1 - warmth) + warm * warmth
    colour = colour * (1 - 0.5 * motion) + hot * 0.5 * motion
    level = np.clip(0.25 + 0.5 * energy + 0.25 * pulse, 0, 1)
    backdrop = np.clip(0.2 + 0.5 * mids + 0.3 * motion[:, 0] + 0.2 * pulse, 0, 1)
    return np.column_stack([colour, level, backdrop]).astype(np.float32)


def forward(params, x):
    w1, b1, w2, b2 = params
    h = np.tanh(x @ w1 + b1)
    return 1.0 / (1.0 + np.exp(-(h @ w2 + b2))), h


def train(x, y, steps=4000, lr=0.01):
    rng = np.random.default_rng(7)
    params = [
        rng.normal(0, 0.5, (N_IN, N_HIDDEN)).astype(np.float32),
        np.zeros(N_HIDDEN, np.float32),
        rng.normal(0, 0.5, (N_HIDDEN, N_OUT)).astype(np.float32),
        np.zeros(N_OUT, np.float32),
    ]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for step in range(1, steps + 1):
        out, h = forward(params, x)
        d_out = 2 * (out - y) / len(x) * out * (1 - out)
        g_w2 = h.T @ d_out
        g_b2 = d_out.sum(0)
        d_h = d_out @ params[2].T * (1 - h * h)
        g_w1 = x.T @ d_h
        g_b1 = d_h.sum(0)
        for i, g in enumerate([g_w1, g_b1, g_w2, g_b2]):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            mh = m[i] / (1 - 0.9**step)
            vh = v[i] / (1 - 0.999**step)
            params[i] = (params[i] - lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return params


def export(params, path):
    w1, b1, w2, b2 = params
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["features", "w1", "b1"], ["h_lin"]),
            helper.make_node("Tanh", ["h_lin"], ["h"]),
            helper.make_node("Gemm", ["h", "w2", "b2"], ["o_lin"]),
            helper.make_node("Sigmoid", ["o_lin"], ["look"]),
        ],
        "backlot_look",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, N_IN])],
        [helper.make_tensor_value_info("look", TensorProto.FLOAT, [1, N_OUT])],
        [numpy_helper.from_array(a, n) for a, n in zip(params, ["w1", "b1", "w2", "b2"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="backlot")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    rng = np.random.default_rng(2026)
    x = rng.random((4000, N_IN)).astype(np.float32)
    # Presence is mostly on or off; onsets are mostly 0 or 1.
    x[:, 7] = (x[:, 7] > 0.3).astype(np.float32)
    x[:, 5] = (x[:, 5] > 0.8).astype(np.float32)
    y = design(x)
    with open(os.path.join(HERE, "look_train.csv"), "w") as f:
        f.write("rms,kick,mids,hats,beat_phase,onset,performer_speed,performer_presence,key_r,key_g,key_b,key_level,backdrop\n")
        for row in np.column_stack([x, y]):
            f.write(",".join(f"{v:.6f}" for v in row) + "\n")
    params = train(x, y)
    out, _ = forward(params, x)
    print(f"training mean absolute error: {np.abs(out - y).mean():.4f}")
    export(params, os.path.join(HERE, "look.onnx"))
    probe = np.random.default_rng(99).random((16, N_IN)).astype(np.float32)
    ref, _ = forward(params, probe)
    with open(os.path.join(HERE, "look_reference.json"), "w") as f:
        json.dump({"inputs": probe.tolist(), "outputs": ref.astype(np.float32).tolist()}, f, indent=1)


if __name__ == "__main__":
    main()
