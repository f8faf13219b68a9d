"""learned_optimization's side of the quadratic sanity run (docs/architecture.md §3), one seed per call.

RNNMLPLOpt (its per-tensor LSTM + per-parameter MLP, the library's defaults) meta-trained by
TruncatedPES on 4 tasks of 10-dim quadratics ||p - target||^2 (p and target ~ N(0, I), a new target per
episode), truncation 50, episode length log-uniform in [100, 300], random initial offsets, std 0.01,
outer Adam 1e-3, 1,500 outer steps. Prints one JSON line: the mean outer loss over the first and the
last 100 outer steps, their ratio, and the seconds per outer step after the first (compiling) one.

learned_optimization 0.0.1 (PyPI) predates the jax it now installs beside: the shims below restore
the renamed jax functions it calls and stand in for the TensorFlow imports that only its summaries
use. One change to the algorithm: the loss normalizer's bias correction is guarded (0 before the first
update), as in docs/architecture.md §2. Unguarded, jit computes 1/(1 - 0.95**0 + 1e-8) as inf and every loss is NaN.

usage: python lo_sanity.py SEED [OUTER_STEPS]
"""
import importlib.abc
import importlib.machinery
import json
import sys
import time
from unittest import mock

# --- compatibility shims (no effect on the computation) ---------------------------------------
_FAKE = ("tensorflow", "flax.metrics.tensorboard", "tensorflow_datasets", "seqio", "tensorboard")


class _FakeLoader(importlib.abc.Loader):
    def create_module(self, spec):
        module = mock.MagicMock(name=spec.name)
        module.__path__, module.__spec__, module.__name__ = [], spec, spec.name
        return module

    def exec_module(self, module):
        pass


class _FakeFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if any(name == f or name.startswith(f + ".") for f in _FAKE):
            return importlib.machinery.ModuleSpec(name, _FakeLoader(), is_package=True)
        return None


sys.meta_path.insert(0, _FakeFinder())

import jax  # noqa: E402
import jax.lib  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jax.tree_util as tu  # noqa: E402

for _name, _fn in [("tree_multimap", tu.tree_map), ("tree_map", tu.tree_map), ("tree_leaves", tu.tree_leaves),
                   ("tree_structure", tu.tree_structure), ("tree_unflatten", tu.tree_unflatten),
                   ("tree_flatten", tu.tree_flatten)]:
    if not hasattr(jax, _name):
        setattr(jax, _name, _fn)
if not hasattr(jax, "ShapedArray"):
    jax.ShapedArray = lambda shape, dtype: jax.ShapeDtypeStruct(shape, dtype)
if not hasattr(jax.lib, "xla_client"):
    jax.lib.xla_client = mock.MagicMock()

from learned_optimization.learned_optimizers import rnn_mlp_lopt  # noqa: E402
from learned_optimization.optimizers import base as opt_base  # noqa: E402
from learned_optimization.outer_trainers import gradient_learner, truncated_pes, truncation_schedule  # noqa: E402
from learned_optimization.tasks import base as tasks_base  # noqa: E402


# --- guarded bias correction ------------------------------------------------------------------
def _correction(normalizer, state):
    updates = jnp.asarray(state.updates, jnp.float32)
    return jnp.where(state.updates > 0, 1.0 / (1.0 - normalizer.decay ** updates + 1e-8), 0.0)


def _weight_loss(self, state, loss):
    c = _correction(self, state)
    return jnp.clip((loss - state.mean * c) * jax.lax.rsqrt(state.var * c + 1e-8), -5, 5)


rnn_mlp_lopt._LossNormalizer.weight_loss = _weight_loss
rnn_mlp_lopt._LossNormalizer.corrected_mean = lambda self, state: state.mean * _correction(self, state)


# --- the toy task family ----------------------------------------------------------------------
class Quadratic(tasks_base.Task):
    def __init__(self, target):
        self.target = target

    def init(self, key):
        return jax.random.normal(key, shape=(10,))

    def loss(self, params, key, data):
        return jnp.sum(jnp.square(params - self.target))


class QuadraticFamily(tasks_base.TaskFamily):
    datasets = None

    def sample(self, key):
        return jax.random.normal(key, shape=(10,))

    def task_fn(self, task_params):
        return Quadratic(task_params)


def main():
    seed = int(sys.argv[1])
    outer_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    lopt = rnn_mlp_lopt.RNNMLPLOpt()
    estimator = truncated_pes.TruncatedPES(
        task_family=QuadraticFamily(), learned_opt=lopt,
        trunc_sched=truncation_schedule.LogUniformLengthSchedule(min_length=100, max_length=300),
        num_tasks=4, trunc_length=50, random_initial_iteration_offset=300, std=0.01)
    trainer = gradient_learner.SingleMachineGradientLearner(lopt, [estimator], opt_base.Adam(1e-3))
    key = jax.random.PRNGKey(seed)
    state = trainer.init(key)
    losses = []
    start = None
    for i in range(outer_steps):
        key, step_key = jax.random.split(key)
        state, loss, _ = trainer.update(state, step_key, with_metrics=False)
        losses.append(float(loss))
        if i == 0:
            start = time.time()
    seconds = (time.time() - start) / max(1, outer_steps - 1)
    first, last = sum(losses[:100]) / 100, sum(losses[-100:]) / 100
    print(json.dumps({"seed": seed, "first100": first, "last100": last, "ratio": last / first,
                      "seconds_per_step": seconds}))


if __name__ == "__main__":
    main()
