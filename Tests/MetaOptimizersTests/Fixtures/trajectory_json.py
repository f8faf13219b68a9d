"""The trajectory files' JSON, shared by make_trajectories.py and make_baseline_trajectories.py: float32 values
written as their shortest round-tripping decimals, tensors as nested lists, one case per line."""

import json

import numpy as np

TENSOR_KEYS = ("params0", "grads", "params", "eval_params")


def number(x):
    x = np.float32(x)
    if x == 0:
        return "0"
    s = str(x)  # numpy prints float32's shortest round-tripping decimal
    return s[:-2] if s.endswith(".0") else s


def encode(v):
    if isinstance(v, np.floating):
        return number(v)
    if isinstance(v, np.ndarray):
        return number(v) if v.ndim == 0 else "[" + ",".join(encode(e) for e in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + encode(e) for k, e in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(encode(e) for e in v) + "]"
    return json.dumps(v)


def encode_case(c):
    return "{" + ",".join(json.dumps(k) + ":" + (encode(v) if k in TENSOR_KEYS else json.dumps(v)) for k, v in c.items()) + "}"
