"""Writes more-trajectories.json: optax trajectories beyond Tests/TestSupport/Fixtures/optimizer-trajectories.json (other hyperparameters,
shapes and lengths), in the same format. Run with the peers venv:

    $HOME/peers-venv/bin/python Tests/MetaOptimizersTests/Fixtures/make_trajectories.py

Gradients are random (seeded), fed step by step; `params` holds the parameters after each step (the
slow weights for lookahead_*). `mechanize_X` is optax.contrib.mechanize around X; its own settings
are spelled s_init, num_betas, mechanic_weight_decay and mechanic_eps in `hyper`. Numbers are written as float32's shortest decimal so that the file stays
small (< 200 KB); the 128x128 Adafactor tensor has sparse gradients and zero initial values, so most
of it is written as 0.
"""
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
from trajectory_json import encode_case  # noqa: E402

jax.config.update("jax_platform_name", "cpu")
rng = np.random.default_rng(20240611)
SMALL = {"b": (), "w": (2, 2, 2)}


def normal(shape, scale=1.0):
    return np.asarray(rng.standard_normal(shape) * scale, dtype=np.float32)


def make_optimizer(name, h):
    if name == "sgd":
        return optax.sgd(h["lr"])
    if name == "momentum":
        return optax.sgd(h["lr"], momentum=h["momentum"])
    if name == "nesterov":
        return optax.sgd(h["lr"], momentum=h["momentum"], nesterov=True)
    if name == "rmsprop":
        return optax.rmsprop(h["lr"], decay=h["decay"], eps=h["eps"], eps_in_sqrt=h.get("eps_in_sqrt", False))
    if name == "adagrad":
        return optax.adagrad(h["lr"], initial_accumulator_value=h["initial_accumulator_value"], eps=h["eps"])
    if name == "adam":
        return optax.adam(h["lr"], b1=h["b1"], b2=h["b2"], eps=h["eps"])
    if name == "adamw":
        return optax.adamw(h["lr"], b1=h["b1"], b2=h["b2"], eps=h["eps"], weight_decay=h["weight_decay"])
    if name == "lion":
        return optax.lion(h["lr"], b1=h["b1"], b2=h["b2"], weight_decay=h["weight_decay"])
    if name == "adafactor":
        return optax.adafactor(
            h["lr"], min_dim_size_to_factor=h["min_dim_size_to_factor"], decay_rate=h["decay_rate"],
            multiply_by_parameter_scale=h["multiply_by_parameter_scale"],
            clipping_threshold=h["clipping_threshold"], eps=h["eps"])
    raise ValueError(name)


def trajectory(name, hyper, shapes, steps, params0=None, grads=None):
    params0 = params0 or {k: normal(s, 0.5) for k, s in shapes.items()}
    grads = grads or [{k: normal(s) for k, s in shapes.items()} for _ in range(steps)]
    if name.startswith("lookahead_"):
        inner_hyper = {k: v for k, v in hyper.items() if k not in ("sync_period", "slow_step_size")}
        opt = optax.lookahead(make_optimizer(name[len("lookahead_"):], inner_hyper),
                              sync_period=hyper["sync_period"], slow_step_size=hyper["slow_step_size"])
        params = optax.LookaheadParams.init_synced({k: jnp.asarray(v) for k, v in params0.items()})
    elif name.startswith("mechanize_"):
        own = {"s_init": "s_init", "num_betas": "num_betas", "mechanic_weight_decay": "weight_decay", "mechanic_eps": "eps"}
        inner_hyper = {k: v for k, v in hyper.items() if k not in own}
        opt = optax.contrib.mechanize(make_optimizer(name[len("mechanize_"):], inner_hyper),
                                      **{own[k]: v for k, v in hyper.items() if k in own})
        params = {k: jnp.asarray(v) for k, v in params0.items()}
    else:
        opt = make_optimizer(name, hyper)
        params = {k: jnp.asarray(v) for k, v in params0.items()}
    state = opt.init(params)
    after = []
    for g in grads:
        updates, state = opt.update({k: jnp.asarray(v) for k, v in g.items()}, state, params)
        params = optax.apply_updates(params, updates)
        after.append({k: np.asarray(v) for k, v in (params.slow if name.startswith("lookahead_") else params).items()})
    return {"optimizer": name, "hyper": hyper, "shapes": {k: list(s) for k, s in shapes.items()},
            "params0": params0, "grads": grads, "params": after}


def sparse_factored_case():
    """One Adafactor step on a 128x128 tensor (factored at the default threshold) beside a 2x130 one
    (not factored: its second-largest dimension is 2) and a scalar."""
    shapes = {"big": (128, 128), "wide": (2, 130), "s": ()}
    support = rng.random((128, 128)) < 0.015
    big_grad = np.where(support, normal((128, 128)), 0).astype(np.float32)
    params0 = {"big": np.zeros((128, 128), np.float32), "wide": normal((2, 130), 0.5), "s": normal((), 0.5)}
    grads = [{"big": big_grad, "wide": normal((2, 130)), "s": normal(())}]
    hyper = {"lr": 0.05, "min_dim_size_to_factor": 128, "decay_rate": 0.8, "clipping_threshold": 1.0,
             "multiply_by_parameter_scale": False, "eps": 1e-30}
    return trajectory("adafactor", hyper, shapes, 1, params0, grads)


cases = [
    trajectory("sgd", {"lr": 0.3}, {"only": ()}, 20),
    trajectory("momentum", {"lr": 0.03, "momentum": 0.5}, SMALL, 20),
    trajectory("nesterov", {"lr": 0.02, "momentum": 0.95}, SMALL, 25),
    trajectory("rmsprop", {"lr": 0.003, "decay": 0.99, "eps": 1e-6}, SMALL, 25),
    trajectory("rmsprop", {"lr": 0.003, "decay": 0.95, "eps": 1e-4, "eps_in_sqrt": True}, SMALL, 20),
    trajectory("adagrad", {"lr": 0.05, "initial_accumulator_value": 0.5, "eps": 1e-5}, SMALL, 20),
    trajectory("adam", {"lr": 0.01, "b1": 0.5, "b2": 0.9, "eps": 1e-3}, SMALL, 25),
    trajectory("adamw", {"lr": 0.003, "b1": 0.8, "b2": 0.99, "eps": 1e-6, "weight_decay": 0.1}, SMALL, 24),
    trajectory("lion", {"lr": 0.001, "b1": 0.95, "b2": 0.98, "weight_decay": 0.1}, SMALL, 25),
    trajectory("adafactor", {"lr": 0.02, "min_dim_size_to_factor": 3, "decay_rate": 0.7, "clipping_threshold": 1.5,
                             "multiply_by_parameter_scale": True, "eps": 1e-30},
               # k: factored over its non-adjacent axes 0 and 2; t: a tie between equal dimensions.
               {"k": (4, 2, 3), "t": (3, 3), "s": ()}, 20),
    sparse_factored_case(),
    trajectory("lookahead_adam", {"lr": 0.01, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "sync_period": 4, "slow_step_size": 0.8},
               SMALL, 25),
    trajectory("lookahead_momentum", {"lr": 0.05, "momentum": 0.9, "sync_period": 2, "slow_step_size": 0.3}, SMALL, 21),
    # Mechanic: its defaults around Adam at lr 1 (optax's advice), then other settings around SGD with momentum.
    # Gradients with a steady direction, so that the scale grows (random ones leave it near s_init and
    # the weights still). At the default s_init=1e-6 the first steps move the weights by ~1e-6, and
    # (x0 - x) loses most of its digits in float32: optax in float32 and in float64 then differ by 1e-3
    # after 40 steps, so this case starts at 1e-3, and stops after 12 steps (by 20, float32 and float64 differ by 8e-6).
    trajectory("mechanize_adam", {"lr": 1.0, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "s_init": 1e-3}, SMALL, 12,
               grads=[{k: normal(s, 0.3) + np.float32(1) for k, s in SMALL.items()} for _ in range(12)]),
    trajectory("mechanize_momentum", {"lr": 0.1, "momentum": 0.9, "s_init": 1e-3, "num_betas": 3,
                                      "mechanic_weight_decay": 0.1, "mechanic_eps": 1e-6}, {"b": (3,), "w": (4, 5)}, 40),
]


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "more-trajectories.json")
with open(out, "w") as f:
    f.write('{"source":' + json.dumps(f"optax {optax.__version__}, jax {jax.__version__}, float32; make_trajectories.py")
            + ',"cases":[\n' + ",\n".join(encode_case(c) for c in cases) + "\n]}\n")
print(out, os.path.getsize(out), "bytes")
