# The seed corpus, read from the repository (task specs, zoo families, IDX files, checkpoints, programs,
# training configs, the optax trajectories) plus the inputs the repository has no file for: a small
# CIFAR-10 binary and a metrics.jsonl, generated here from fixed seeds so every campaign starts alike.

import glob
import gzip
import json
import os
import random
import subprocess

from mutators import parse_optimizers_help


def _read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def _dump(v):
    return json.dumps(v, indent=2) + "\n"


def cifar_records(seed, count):
    """`count` CIFAR-10 records: 1 label byte (0–9), then 3×32×32 pixel bytes, channel-major."""
    rng = random.Random(f"cifar:{seed}")
    out = bytearray()
    for k in range(count):
        label = k % 10
        out.append(label)
        # A class-dependent gradient with noise, so the data is learnable but not trivial.
        for c in range(3):
            for i in range(1024):
                out.append((label * 25 + c * 40 + (i % 32) * 3 + rng.randrange(40)) % 256)
    return bytes(out)


def metrics_template():
    """A metrics.jsonl as `metatrain train` writes it: step records and held-out evaluations."""
    tasks = ["heldout/mlp-000", "heldout/cnn-000", "heldout/quadratic-000", "heldout/function2d-000"]
    lines = []
    for step in range(12):
        lines.append({"clippedFraction": 0, "elapsed": 0.01 * (step + 1), "episodesStarted": int(step % 5 == 4),
                      "gradientNorm": 0.1 + 0.01 * step, "innerSteps": 4, "innerStepsPerSecond": 9000.5,
                      "metaLoss": 0.5 - 0.01 * step, "nanGradientEntries": 0, "negativeLoss": 0.5 - 0.01 * step,
                      "positiveLoss": 0.49 - 0.01 * step, "seconds": 0.0009, "step": step, "type": "step",
                      "updateMaxAbs": 0.001, "updateRMS": 0.00099})
        if step % 4 == 3:
            lines.append({"adam": 2.6443, "elapsed": 0.01 * (step + 1) + 0.5, "learnedOptimizer": 3.79 - 0.01 * step,
                          "step": step + 1, "steps": 200, "tasks": tasks, "type": "eval", "wins": step // 4})
    return "".join(json.dumps(l, separators=(",", ":"), sort_keys=True) + "\n" for l in lines)


class Corpus:
    def __init__(self, repo, binary):
        self.repo = repo
        r = lambda *p: os.path.join(repo, *p)
        zoo = r("TaskZoo")

        # Task specs: every zoo entry as a single-spec file, the beyond tasks (their IDX paths are relative
        # to the spec, so a run links digits/ beside it), and small IDX and CIFAR specs of our own.
        self.task_specs = []
        for name in ("train", "valid", "heldout"):
            for entry in json.loads(_read(os.path.join(zoo, f"{name}.json")))["tasks"]:
                self.task_specs.append((entry["id"], _dump(entry["config"])))
        for entry in json.loads(_read(os.path.join(zoo, "beyond", "tasks.json")))["tasks"]:
            self.task_specs.append((entry["id"], _dump(entry["config"])))
        self.task_specs.append(("idx-mlp", _dump(self.idx_spec("mlp"))))
        self.task_specs.append(("cifar-cnn", _dump(self.cifar_spec("cnn"))))
        self.task_specs.sort()
        self.digits_dir = os.path.join(zoo, "beyond", "digits")

        self.families = {os.path.basename(p)[:-5]: _read(p) for p in sorted(glob.glob(os.path.join(zoo, "families", "*.json")))}

        # IDX files, gzip as committed and plain.
        self.idx = {}
        for p in sorted(glob.glob(os.path.join(self.digits_dir, "*.gz"))):
            base = os.path.basename(p)[:-3]
            data = _read(p, "rb")
            self.idx[base] = data
            self.idx[base + ".raw"] = gzip.decompress(data)

        self.cifar_train = cifar_records(0, 40)
        self.cifar_test = cifar_records(1, 20)

        self.checkpoints = [(os.path.relpath(p, repo), _read(p, "rb")) for p in sorted(
            [r("Checkpoints", "default.safetensors")] + glob.glob(r("Checkpoints", "*.safetensors"))
            + glob.glob(r("Tests", "MetaTrainingTests", "Fixtures", "*.safetensors")))]
        seen = set()
        self.checkpoints = [c for c in self.checkpoints if not (c[0] in seen or seen.add(c[0]))]
        # A resumable checkpoint (trainer state included) for `train --resume`.
        self.resumable = [c for c in self.checkpoints if "resumable" in c[0]] or self.checkpoints[:1]
        self.small_checkpoint = next((c for c in self.checkpoints if "uninterrupted" in c[0]), self.checkpoints[0])

        self.programs = [(os.path.basename(p), _read(p)) for p in sorted(glob.glob(r("Programs", "*.prog")))]

        self.configs = [(os.path.relpath(p, repo), _read(p)) for p in sorted(
            glob.glob(r("configs", "*.json")) + glob.glob(r("Checkpoints", "*-config.json"))
            + [r("Tests", "MetaTrainingTests", "Fixtures", "small-config.json")])]
        self.small_config = _read(r("Tests", "MetaTrainingTests", "Fixtures", "small-config.json"))

        self.trajectories = _read(r("Tests", "TestSupport", "Fixtures", "optimizer-trajectories.json"))
        self.metrics = metrics_template()

        help_text = subprocess.run([binary, "optimizers"], capture_output=True, text=True, timeout=60).stdout
        self.catalogue = parse_optimizers_help(help_text)
        if not self.catalogue["kinds"]:
            raise SystemExit(f"fuzz: could not read the optimizer catalogue from `{binary} optimizers`")
        # Seed specs: each kind with its documented keys and defaults.
        self.specs = []
        for kind, keys in sorted(self.catalogue["kinds"].items()):
            plain = {k: v for k, v in keys.items() if "(" not in v and " " not in v}
            self.specs.append(kind + (":" + ",".join(f"{k}={v}" for k, v in plain.items()) if plain else ""))

    @staticmethod
    def idx_spec(family, test=True):
        d = {"kind": "idx", "images": "train-images", "labels": "train-labels"}
        if test:
            d.update({"testImages": "test-images", "testLabels": "test-labels"})
        spec = {"family": family, "batchSize": 16, "dataset": d, "seed": 1}
        spec.update({"hidden": [8]} if family == "mlp" else {"channels": [4], "strides": [2]})
        return spec

    @staticmethod
    def cifar_spec(family, test=True):
        d = {"kind": "cifar10", "trainFiles": ["data_batch_1.bin"], "validationFraction": 0.2}
        if test:
            d["testFiles"] = ["test_batch.bin"]
        spec = {"family": family, "batchSize": 8, "dataset": d, "seed": 2}
        spec.update({"hidden": [8]} if family == "mlp" else {"channels": [4], "strides": [2]})
        return spec

    def summary(self):
        return (f"{len(self.task_specs)} task specs, {len(self.families)} families, {len(self.idx)} IDX files, "
                f"2 CIFAR files, {len(self.checkpoints)} checkpoints, {len(self.specs)} optimizer kinds, "
                f"{len(self.programs)} programs, {len(self.configs)} configs, 1 trajectory file, 1 metrics.jsonl")
