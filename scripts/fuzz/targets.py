# The fuzz targets: one per input format. Each writes its mutated input(s) into the case directory
# (the working directory of the run, so every path on the command line is relative and a saved case
# replays from its own folder) and returns the metatrain arguments. Every command is kept small:
# 3 inner steps, 1 outer step, 1 thread, output under ./out.

import json
import os
import struct
import zlib

import mutators as M
from corpus import Corpus

SMALL_TASK = "heldout/quadratic-001"
# Optimizers a mutated task is trained with: plain, diverging, learned and program-defined.
TASK_OPTIMIZERS = ["sgd", "adam", "sgd:lr=1e3", "adam:lr=10", "lo:default", "program:lion,lr=1e3", "learned"]


def _write(case, name, data):
    path = os.path.join(case, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w", **({} if isinstance(data, bytes) else {"newline": ""})) as f:
        f.write(data)
    return name


def _link(case, name, target):
    os.symlink(target, os.path.join(case, name))
    return name


def _task_command(rng, spec_file):
    r = rng.random()
    if r < 0.35:
        return ["zoo", "validate", spec_file, "--steps", "3"]
    if r < 0.65:
        return ["zoo", "validate", spec_file, "--steps", "3", "--json"]
    return ["optimize", "--task", spec_file, "--optimizer", rng.choice(TASK_OPTIMIZERS), "--steps", "3",
            "--out", "out", "--threads", "1"]


def task(rng, c: Corpus, case):
    """A task spec, structure-aware: numbers, types, keys, nesting, dataset kinds and paths."""
    name, text = rng.choice(c.task_specs)
    if "digits/" in text:
        _link(case, "digits", c.digits_dir)
    if name.startswith("idx"):
        for base in ("train-images", "train-labels", "test-images", "test-labels"):
            _write(case, base, c.idx[base + "-idx" + ("3" if "images" in base else "1") + "-ubyte"])
    if name.startswith("cifar"):
        _write(case, "data_batch_1.bin", c.cifar_train)
        _write(case, "test_batch.bin", c.cifar_test)
    spec = _write(case, "task.json", M.mutate_json_text(rng, text))
    return _task_command(rng, spec)


def idx(rng, c: Corpus, case):
    """One of the four IDX files of a small digits task mutated (header, type, dims, size, gzip)."""
    family = rng.choice(["mlp", "mlp", "cnn"])
    test = rng.random() < 0.7
    spec = Corpus.idx_spec(family, test)
    if rng.random() < 0.3:
        spec["dataset"][rng.choice(["validationFraction", "limit"])] = rng.choice([0.01, 0.5, 1, 2, 100, 100000])
    files = ["train-images", "train-labels"] + (["test-images", "test-labels"] if test else [])
    victim = rng.choice(files)
    for base in files:
        seed = c.idx[base + "-idx" + ("3" if "images" in base else "1") + "-ubyte" + rng.choice(["", ".raw"])]
        data = seed
        if base == victim:
            data = bomb_idx(rng) if rng.random() < 0.02 and "images" in base else M.mutate_idx(rng, seed)
        _write(case, base, data)
    _write(case, "task.json", json.dumps(spec, indent=2))
    return _task_command(rng, "task.json")


_BOMBS = {}


def bomb_idx(rng):
    """A gzip IDX image file that inflates to 78 MB or 784 MB of zeros: a declared size that is real."""
    n = rng.choice([100_000, 1_000_000])
    if n not in _BOMBS:
        co = zlib.compressobj(1, zlib.DEFLATED, 31)  # wbits 31: a gzip stream
        out = [co.compress(struct.pack(">IIII", 0x803, n, 28, 28))]
        block = bytes(1 << 20)
        left = n * 28 * 28
        while left > 0:
            out.append(co.compress(block[:min(left, len(block))]))
            left -= len(block)
        out.append(co.flush())
        _BOMBS[n] = b"".join(out)
    return _BOMBS[n]


def cifar(rng, c: Corpus, case):
    """A small CIFAR-10 binary mutated (partial records, labels ≥ 10, empty, many records)."""
    family = rng.choice(["cnn", "mlp"])
    test = rng.random() < 0.7
    spec = Corpus.cifar_spec(family, test)
    train, testdata = c.cifar_train, c.cifar_test
    if rng.random() < 0.6 or not test:
        train = M.mutate_cifar(rng, train)
    else:
        testdata = M.mutate_cifar(rng, testdata)
    _write(case, "data_batch_1.bin", train)
    if test:
        _write(case, "test_batch.bin", testdata)
    r = rng.random()
    if r < 0.1:
        spec["dataset"]["trainFiles"] = ["data_batch_1.bin"] * rng.choice([2, 10])
    elif r < 0.15:
        spec["dataset"]["trainFiles"] = rng.choice([[], ["."], ["/dev/zero"], ["missing.bin"], ["data_batch_1.bin", 3]])
    _write(case, "task.json", json.dumps(spec, indent=2))
    return _task_command(rng, "task.json")


def family(rng, c: Corpus, case):
    """A zoo family spec (TaskZoo/families/*.json) mutated, then tasks sampled from it."""
    name = rng.choice(sorted(c.families))
    for f, text in c.families.items():
        _write(case, f"zoo/families/{f}.json", M.mutate_json_text(rng, text) if f == name else text)
    return ["zoo", "sample", "--zoo", "zoo", "--family", name, "--count", str(rng.choice([1, 5, 20]))]


def checkpoint(rng, c: Corpus, case):
    """A learned-optimizer checkpoint: header shapes/dtypes/offsets, metadata (architecture JSON), data."""
    r = rng.random()
    if r < 0.2:
        name, data = rng.choice(c.resumable)
        _write(case, "ckpt.safetensors", M.mutate_safetensors(rng, data))
        return ["train", "--resume", "ckpt.safetensors", "--outer-steps", "4", "--out", "out", "--threads", "1"]
    name, data = rng.choice(c.checkpoints)
    _write(case, "ckpt.safetensors", M.mutate_safetensors(rng, data))
    spec = ("learned:" if r < 0.3 else "lo:") + "ckpt.safetensors"
    if rng.random() < 0.15:
        spec += "," + rng.choice(["scale=1e4", "weight_decay=1", "decay=matrices,weight_decay=0.1"])
    return ["optimize", "--task", SMALL_TASK, "--optimizer", spec, "--steps", "3", "--out", "out", "--threads", "1"]


def spec(rng, c: Corpus, case):
    """An optimizer spec: random kinds, keys and values, nesting (up to thousands deep), brackets."""
    paths = ["ckpt.safetensors", "lion.prog", "default", "lion", "adamw"]
    _link(case, "ckpt.safetensors", os.path.join(c.repo, c.small_checkpoint[0]))
    _link(case, "lion.prog", os.path.join(c.repo, "Programs", "lion.prog"))
    s = rng.choice(c.specs) if rng.random() < 0.1 else M.mutate_spec(rng, c.catalogue, paths)
    task = rng.choice([SMALL_TASK, SMALL_TASK, "heldout/function2d-000", "heldout/mlp-003"])
    return ["optimize", "--task", task, "--optimizer", s, "--steps", "3", "--out", "out", "--threads", "1"]


def program(rng, c: Corpus, case):
    """A program file: shuffled statements, unknown functions, CRLF, huge constants, deep expressions."""
    name, text = rng.choice(c.programs)
    _write(case, "prog.prog", M.mutate_program(rng, text))
    s = "program:prog.prog" + rng.choice(["", "", "", ",lr=1e3", ",lr=-1", ",lr=nan", ",schedule=cosine", ",clip=0"])
    task = rng.choice([SMALL_TASK, SMALL_TASK, "heldout/mlp-003"])
    return ["optimize", "--task", task, "--optimizer", s, "--steps", "3", "--out", "out", "--threads", "1"]


def config(rng, c: Corpus, case):
    """A meta-training config, structure-aware; sometimes with an initialCheckpoint (maybe mutated)."""
    name, text = rng.choice(c.configs)
    text = M.mutate_json_text(rng, text)
    if rng.random() < 0.15:
        ck = c.small_checkpoint[1]
        _write(case, "init.safetensors", M.mutate_safetensors(rng, ck) if rng.random() < 0.7 else ck)
        try:
            doc = M.json_parse(text)
            if isinstance(doc, M.Obj):
                doc.pairs.append(("initialCheckpoint", "init.safetensors"))
                text = M.json_dump(doc)
        except ValueError:
            pass
    _write(case, "config.json", text)
    argv = ["train", "--config", "config.json", "--outer-steps", "1", "--out", "out", "--threads", "1",
            "--tasks-per-step", "1", "--truncation", "2"]
    # The held-out evaluation at the end of a run costs more than the rest; most runs skip it.
    return argv + (["--evaluate-every", "0"] if rng.random() < 0.8 else [])


def trajectory(rng, c: Corpus, case):
    """Optimizer trajectories (the optax fixture's format) for `replay`."""
    _write(case, "trajectories.json", M.mutate_json_text(rng, c.trajectories))
    argv = ["replay", "trajectories.json"]
    if rng.random() < 0.15:
        argv += ["--tolerance", rng.choice(["0", "-1", "nan", "1e999", "1e-3"])]
    return argv


def report(rng, c: Corpus, case):
    """A run directory with a mutated metrics.jsonl (torn lines, records, order) and config.json."""
    _write(case, "run/metrics.jsonl", M.mutate_jsonl(rng, c.metrics))
    cfg = c.small_config
    if rng.random() < 0.2:
        cfg = M.mutate_json_text(rng, cfg)
    if rng.random() < 0.9:
        _write(case, "run/config.json", cfg)
    argv = ["report", "run", "--out", "out"]
    if rng.random() < 0.15:
        argv += ["--window", rng.choice(["1", "2", "1000000", "2147483648", "9223372036854775807"])]
    return argv


# The schedule cycles through the formats in this order; cheap, rich formats appear more often.
SCHEDULE = [task, spec, checkpoint, program, config, idx, task, spec, checkpoint, cifar, family, trajectory,
            report, program, config, task]
TARGETS = {f.__name__: f for f in SCHEDULE}
