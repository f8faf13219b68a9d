"""Writes baseline-trajectories.json: optax trajectories of the baselines the field measures against now
(NAdamW, Muon, Schedule-Free AdamW, Prodigy; DESIGN.md §12), in the format of more-trajectories.json:

    python3 Tests/MetaOptimizersTests/Fixtures/make_baseline_trajectories.py            # writes the file
    python3 Tests/MetaOptimizersTests/Fixtures/make_baseline_trajectories.py --float64  # prints float32 vs float64

Every case runs on the same five tensors: a rank-0 scalar, a vector, non-square matrices in both
orientations (3x5 and 6x2) and a rank-4 convolution kernel (3, 3, 2, 4) in HWIO order, for 10 steps of
gradients drawn from a seeded normal RNG, float32 throughout. The hyperparameters differ from optax's
defaults in every case. `hyper` spells optax's own argument names (`learning_rate`, prodigy's `betas`,
muon's `adam_learning_rate`), which the replay maps to ours, with one exception: muon's `kernels`
("adam", optax's default, or "muon") stands for optax's `muon_weight_dimension_numbers` (None, or a
tree giving 2-D leaves the default MuonDimensionNumbers(), rank-4 leaves
MuonDimensionNumbers(reduction_axis=(0, 1, 2), output_axis=3) and the others None; see `muon_dimension_numbers`).
Some cases also carry metatrain's common keys, which the replay passes on as they are: `schedule="cosine"`
with `decay_steps` and `final_scale` is optax.cosine_decay_schedule(learning_rate, decay_steps,
alpha=final_scale) given as the learning rate (the same factor as ours), and `clip_norm` is
optax.clip_by_global_norm chained before the optimizer. For schedule_free_adamw with a schedule the script
builds what schedule_free_adamw builds, with the product of its warm-up and the cosine as the rate.

`params` holds the parameters after each step, optax's `params` (for schedule_free_adamw that is y, where
gradients are taken); schedule_free_adamw cases also hold `eval_params`, optax.contrib.
schedule_free_eval_params(state, params) after each step (x, the weights to evaluate).

With --float64 the same cases run in float64 and the script prints, per case, the largest relative
difference between the float32 and the float64 trajectories (the measure of TrajectoryReplay.swift):
how far float32 rounding alone moves optax from the exact rule, which bounds the tolerance a replay can
be held to.
"""
import json
import os
import sys

FLOAT64 = "--float64" in sys.argv

import jax  # noqa: E402

jax.config.update("jax_platform_name", "cpu")
if FLOAT64:
    jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from trajectory_json import encode_case  # noqa: E402

DTYPE = np.float64 if FLOAT64 else np.float32
SHAPES = {"s": (), "v": (4,), "a": (3, 5), "b": (6, 2), "k": (3, 3, 2, 4)}
STEPS = 10
rng = np.random.default_rng(20250125)


def normal(shape, scale=1.0):
    # Drawn in float32 in both modes, so that --float64 replays the same inputs.
    return np.asarray(rng.standard_normal(shape) * scale, dtype=np.float32)


def muon_dimension_numbers():
    """A tree, not a function: optax calls a function on masked subtrees too, whose leaves have no shape."""
    dims = {2: optax.contrib.MuonDimensionNumbers(),
            4: optax.contrib.MuonDimensionNumbers(reduction_axis=(0, 1, 2), output_axis=3)}
    return {k: dims.get(len(s)) for k, s in SHAPES.items()}


def make_optimizer(name, h):
    h = dict(h)
    clip_norm = h.pop("clip_norm", None)
    if clip_norm is not None:
        return optax.chain(optax.clip_by_global_norm(clip_norm), make_optimizer(name, h))
    if h.pop("schedule", None) == "cosine":
        cosine = optax.cosine_decay_schedule(1.0, h.pop("decay_steps"), alpha=h.pop("final_scale"))
        if name == "schedule_free_adamw":
            return schedule_free_adamw_scheduled(cosine, **h)
        peak = h["learning_rate"]
        h["learning_rate"] = lambda count: peak * cosine(count)
    if name == "nadamw":
        return optax.nadamw(**h)
    if name == "muon":
        kernels = h.pop("kernels", "adam")
        if kernels == "muon":
            h["muon_weight_dimension_numbers"] = muon_dimension_numbers()
        return optax.contrib.muon(**h)
    if name == "schedule_free_adamw":
        return optax.contrib.schedule_free_adamw(**h)
    if name == "prodigy":
        h["betas"] = tuple(h["betas"])
        return optax.contrib.prodigy(**h)
    raise ValueError(name)


def schedule_free_adamw_scheduled(factor, learning_rate, warmup_steps=None, b1=0.9, b2=0.999, eps=1e-8,
                                  weight_decay=0.0, weight_lr_power=2.0):
    """optax.contrib.schedule_free_adamw's construction, with its rate multiplied by `factor(count)`."""
    warmup = (optax.warmup_constant_schedule(0.0, learning_rate, warmup_steps) if warmup_steps is not None
              else lambda count: learning_rate)
    rate = lambda count: warmup(count) * factor(count)
    base = optax.chain(optax.scale_by_rms(decay=b2, eps=eps, eps_in_sqrt=False, bias_correction=True),
                       optax.add_decayed_weights(weight_decay), optax.scale_by_learning_rate(rate))
    return optax.contrib.schedule_free(base, learning_rate=rate, b1=b1, weight_lr_power=weight_lr_power)


def trajectory(name, hyper, steps=STEPS, grads=None):
    params0 = {k: normal(s, 0.5) for k, s in SHAPES.items()}
    grads = grads or [{k: normal(s) for k, s in SHAPES.items()} for _ in range(steps)]
    opt = make_optimizer(name, hyper)
    params = {k: jnp.asarray(v, dtype=DTYPE) for k, v in params0.items()}
    state = opt.init(params)
    after, evaluated = [], []
    for g in grads:
        updates, state = opt.update({k: jnp.asarray(v, dtype=DTYPE) for k, v in g.items()}, state, params)
        params = optax.apply_updates(params, updates)
        after.append({k: np.asarray(v) for k, v in params.items()})
        if name == "schedule_free_adamw":
            x = optax.contrib.schedule_free_eval_params(state[-1] if isinstance(state, tuple) and "clip_norm" in hyper else state,
                                                        params)
            evaluated.append({k: np.asarray(v) for k, v in x.items()})
    case = {"optimizer": name, "hyper": hyper, "shapes": {k: list(s) for k, s in SHAPES.items()},
            "params0": params0, "grads": grads, "params": after}
    if evaluated:
        case["eval_params"] = evaluated
    return case


def steady(scale):
    """Gradients with a steady direction plus noise (Prodigy's estimate of D grows only when successive
    gradients agree; with pure noise it stays at estim_lr0 and the case would test little)."""
    direction = {k: normal(s) for k, s in SHAPES.items()}
    return [{k: direction[k] + normal(s, scale) for k, s in SHAPES.items()} for _ in range(STEPS)]


cases = [
    trajectory("nadamw", {"learning_rate": 0.01, "b1": 0.8, "b2": 0.95, "eps": 1e-6, "weight_decay": 0.05}),
    trajectory("nadamw", {"learning_rate": 0.003, "b1": 0.95, "b2": 0.9, "eps": 1e-3, "weight_decay": 0.0}),
    trajectory("muon", {"learning_rate": 0.02, "beta": 0.9, "weight_decay": 0.1, "adam_b1": 0.8, "adam_b2": 0.99}),
    trajectory("muon", {"learning_rate": 0.05, "ns_steps": 3, "beta": 0.8, "eps": 1e-5, "nesterov": False,
                        "adam_learning_rate": 0.003, "adam_weight_decay": 0.01}),
    trajectory("muon", {"learning_rate": 0.01, "adaptive": True, "consistent_rms": 0.2, "kernels": "muon"}),
    trajectory("muon", {"learning_rate": 0.03, "beta": 0.5, "kernels": "muon", "weight_decay": 0.02}),
    trajectory("schedule_free_adamw", {"learning_rate": 0.01, "warmup_steps": 4, "b1": 0.8, "b2": 0.99,
                                       "weight_decay": 0.01}),
    trajectory("schedule_free_adamw", {"learning_rate": 0.05, "b1": 0.95, "b2": 0.9, "eps": 1e-4,
                                       "weight_lr_power": 1.0}),
    trajectory("schedule_free_adamw", {"learning_rate": 0.003, "warmup_steps": 20, "b1": 0.5, "weight_lr_power": 0.0}),
    trajectory("prodigy", {"learning_rate": 0.5, "betas": [0.8, 0.99], "estim_lr0": 1e-3, "weight_decay": 0.05},
               grads=steady(0.3)),
    trajectory("prodigy", {"learning_rate": 1.0, "betas": [0.9, 0.95], "beta3": 0.9, "eps": 1e-6,
                           "estim_lr0": 1e-4, "estim_lr_coef": 2.0, "safeguard_warmup": True}, grads=steady(0.5)),
    # The common keys: a cosine schedule as the learning rate (inside the rule for schedule_free_adamw and
    # prodigy, whose averaging weights and estimate of D read the rate), and clipping before it.
    trajectory("nadamw", {"learning_rate": 0.02, "b1": 0.85, "weight_decay": 0.01, "schedule": "cosine",
                          "decay_steps": 8, "final_scale": 0.1}),
    trajectory("muon", {"learning_rate": 0.04, "adam_b2": 0.98, "schedule": "cosine", "decay_steps": 12,
                        "final_scale": 0.3, "clip_norm": 2.0}),
    trajectory("schedule_free_adamw", {"learning_rate": 0.02, "warmup_steps": 3, "b1": 0.85, "schedule": "cosine",
                                       "decay_steps": 8, "final_scale": 0.2, "clip_norm": 3.0}),
    trajectory("prodigy", {"learning_rate": 0.8, "betas": [0.85, 0.98], "estim_lr0": 1e-3, "schedule": "cosine",
                           "decay_steps": 9, "final_scale": 0.05, "clip_norm": 4.0}, grads=steady(0.3)),
]


def flat(step):
    return np.concatenate([np.asarray(step[k], np.float64).ravel() for k in sorted(step)])


def relative_error(ours, reference):
    """TrajectoryReplay.relativeErrors: |ours - ref| / max(|ref|, RMS(ref))."""
    rms = np.sqrt(np.mean(reference ** 2))
    return float(np.max(np.abs(ours - reference) / np.maximum(np.abs(reference), max(rms, 1e-38))))


here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "baseline-trajectories.json")
if FLOAT64:
    with open(out) as f:
        stored = json.load(f)["cases"]
    for c, s in zip(cases, stored):
        worst = max(relative_error(flat(a), flat(b)) for key in ("params", "eval_params") if key in c
                    for a, b in zip(c[key], s[key]))
        print(f"{c['optimizer']:20s} {json.dumps(c['hyper'])}: float32 vs float64 max relative difference {worst:.2e}")
else:
    with open(out, "w") as f:
        f.write('{"source":' + json.dumps(f"optax {optax.__version__}, jax {jax.__version__}, float32; make_baseline_trajectories.py")
                + ',"cases":[\n' + ",\n".join(encode_case(c) for c in cases) + "\n]}\n")
    print(out, os.path.getsize(out), "bytes")
