#!/usr/bin/env python3
# A mutational fuzzer for the metatrain CLI (Python 3 standard library only). It mutates the files and
# strings a user hands metatrain, runs the built binary on each under a timeout and a memory limit, keeps
# every distinct failing input with a one-line repro.sh, and prints a summary. See README.md beside it.

import argparse
import json
import os
import random
import shlex
import shutil
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import runner  # noqa: E402
import targets  # noqa: E402
from corpus import Corpus  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="scripts/fuzz.sh",
        description="Fuzz the metatrain binary with mutated task specs, IDX/CIFAR files, checkpoints, "
                    "optimizer specs, programs, training configs, trajectories and metrics files.")
    p.add_argument("--seconds", type=float, default=120, help="wall-clock budget of the campaign (default 120)")
    p.add_argument("--seed", type=int, default=0, help="campaign seed: input N is the same for the same seed")
    p.add_argument("--out", help="output directory (default: runs/fuzz-SEED); crashes go to OUT/crashes/KIND/")
    p.add_argument("--binary", help="metatrain binary (default: .build/release/metatrain, else .build/debug/metatrain)")
    p.add_argument("--targets", help="comma-separated formats to fuzz (default: all): " + ",".join(targets.TARGETS))
    p.add_argument("--max-runs", type=int, help="stop after this many inputs (as well as after --seconds)")
    p.add_argument("--timeout", type=float, default=20, help="seconds per run before it counts as a timeout (default 20)")
    p.add_argument("--memory-gib", type=float, default=4, help="address-space limit per run in GiB (default 4)")
    p.add_argument("--strict", action="store_true", help="fail on timeouts and out-of-memory exits too")
    p.add_argument("--report-only", action="store_true", help="print the summary and exit 0 whatever was found")
    p.add_argument("--keep", type=int, default=20, help="inputs kept per outcome kind other than traps, at most (default 20)")
    p.add_argument("--quiet", action="store_true", help="no line per new failure")
    return p.parse_args(argv)


def find_binary(explicit):
    if explicit:
        path = os.path.abspath(explicit)
    else:
        path = next((os.path.join(REPO, ".build", c, "metatrain") for c in ("release", "debug")
                     if os.path.isfile(os.path.join(REPO, ".build", c, "metatrain"))), None)
        if path is None:
            raise SystemExit("fuzz: no metatrain binary; run `swift build -c release` (or `swift build`) "
                             "first, or pass --binary PATH")
    if not os.access(path, os.X_OK):
        raise SystemExit(f"fuzz: {path} is not an executable")
    return path


class Campaign:
    def __init__(self, args):
        self.args = args
        self.binary = find_binary(args.binary)
        self.out = os.path.abspath(args.out or os.path.join(REPO, "runs", f"fuzz-{args.seed}"))
        if os.path.exists(self.out) and os.listdir(self.out):
            # A fresh directory per campaign, so the crashes in it are this campaign's.
            shutil.rmtree(os.path.join(self.out, "crashes"), ignore_errors=True)
            shutil.rmtree(os.path.join(self.out, "work"), ignore_errors=True)
        os.makedirs(self.out, exist_ok=True)
        self.work = os.path.join(self.out, "work")
        self.env = dict(os.environ)
        self.env.update({
            "METATRAIN_ZOO": os.path.join(REPO, "TaskZoo"),
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            # The crash message and the crashed thread's frames, without the registers and image list.
            "SWIFT_BACKTRACE": "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,limit=24,top=12",
        })
        names = args.targets.split(",") if args.targets else None
        if names:
            unknown = [n for n in names if n not in targets.TARGETS]
            if unknown:
                raise SystemExit(f"fuzz: unknown target(s) {', '.join(unknown)}; valid: {', '.join(targets.TARGETS)}")
        self.schedule = [t for t in targets.SCHEDULE if names is None or t.__name__ in names]
        self.counts = {t.__name__: dict.fromkeys(runner.OUTCOMES, 0) for t in self.schedule}
        self.failures = {}  # dedup key → {"kind", "count", "dir", "message"}
        self.kept = dict.fromkeys(runner.OUTCOMES, 0)

    def case_rng(self, index):
        # Input N of a campaign depends only on (seed, N), not on timing or on the inputs before it.
        return random.Random(f"metatrain-fuzz:{self.args.seed}:{index}")

    def run(self):
        corpus = Corpus(REPO, self.binary)
        print(f"fuzz: {self.binary}\nfuzz: seed {self.args.seed}, {self.args.seconds:g} s, out {self.out}\n"
              f"fuzz: corpus: {corpus.summary()}", flush=True)
        deadline = time.monotonic() + self.args.seconds
        log = open(os.path.join(self.out, "log.jsonl"), "w")
        index = 0
        while time.monotonic() < deadline and (self.args.max_runs is None or index < self.args.max_runs):
            target = self.schedule[index % len(self.schedule)]
            rng = self.case_rng(index)
            shutil.rmtree(self.work, ignore_errors=True)
            os.makedirs(self.work)
            argv = target(rng, corpus, self.work)
            budget = min(self.args.timeout, max(1.0, deadline - time.monotonic() + 5))
            result = runner.run(self.binary, argv, self.work, self.env, budget, int(self.args.memory_gib * (1 << 30)))
            if result.timed_out and budget < self.args.timeout:
                break  # cut short by the campaign's end, not a finding
            name = target.__name__
            self.counts[name][result.outcome] += 1
            log.write(json.dumps({"index": index, "target": name, "outcome": result.outcome, "rc": result.returncode,
                                  "seconds": round(result.seconds, 3), "args": argv[:2]}) + "\n")
            if result.outcome not in ("ok", "error"):
                self.record(index, name, argv, result)
            index += 1
        log.close()
        shutil.rmtree(self.work, ignore_errors=True)
        return self.summarize(index)

    def record(self, index, target, argv, result):
        key = runner.dedup_key(result, target, argv)
        seen = self.failures.get(key)
        if seen:
            seen["count"] += 1
            return
        kind = result.outcome
        entry = {"kind": kind, "count": 1, "dir": None, "message": runner.crash_message(result.stderr),
                 "frames": runner.top_frames(result.stderr), "signal": result.signal_name, "target": target,
                 "index": index}
        self.failures[key] = entry
        if kind != "trap" and self.kept[kind] >= self.args.keep:
            return
        self.kept[kind] += 1
        case = os.path.join(self.out, "crashes", kind, f"{self.kept[kind]:03d}-{target}")
        shutil.rmtree(case, ignore_errors=True)
        # Symlinks (the digits folder, a shipped checkpoint) are copied as files, so a case stands alone.
        shutil.copytree(self.work, case, symlinks=False, ignore=shutil.ignore_patterns("out", ".stdout", ".stderr"))
        with open(os.path.join(case, "stderr.txt"), "w") as f:
            f.write(result.stderr)
        command = " ".join(shlex.quote(a) for a in argv)
        with open(os.path.join(case, "repro.sh"), "w") as f:
            f.write("#!/usr/bin/env bash\n"
                    f"# {kind}: {key}\n"
                    f"# seed {self.args.seed}, input {index}, target {target}; exit {result.signal_name or result.returncode}\n"
                    f'cd "$(dirname "$0")" && rm -rf out && METATRAIN_ZOO={shlex.quote(self.env["METATRAIN_ZOO"])} '
                    f'"${{METATRAIN:-{self.binary}}}" {command}\n')
        os.chmod(os.path.join(case, "repro.sh"), 0o755)
        with open(os.path.join(case, "info.json"), "w") as f:
            json.dump(dict(entry, key=key, args=argv, seed=self.args.seed, returncode=result.returncode,
                           seconds=round(result.seconds, 3)), f, indent=2)
        entry["dir"] = os.path.relpath(case, self.out)
        if not self.args.quiet:
            what = entry["message"] or result.signal_name or f"exit {result.returncode}"
            print(f"  [{index}] {runner.OUTCOME_TITLES[kind]} in {target}: {what[:160]}  → {entry['dir']}", flush=True)

    def summarize(self, total):
        cols = runner.OUTCOMES
        width = max(len(n) for n in list(self.counts) + ["total"])
        header = f"{'format':<{width}}  {'runs':>6}  " + "  ".join(f"{runner.OUTCOME_TITLES[c]:>{max(6, len(runner.OUTCOME_TITLES[c]))}}" for c in cols)
        lines = ["", f"fuzz summary: {total} inputs, seed {self.args.seed}", header, "-" * len(header)]
        totals = dict.fromkeys(cols, 0)
        for name, row in self.counts.items():
            for c in cols:
                totals[c] += row[c]
            lines.append(f"{name:<{width}}  {sum(row.values()):>6}  " + "  ".join(
                f"{row[c]:>{max(6, len(runner.OUTCOME_TITLES[c]))}}" for c in cols))
        lines.append(f"{'total':<{width}}  {total:>6}  " + "  ".join(
            f"{totals[c]:>{max(6, len(runner.OUTCOME_TITLES[c]))}}" for c in cols))
        distinct = {k: sorted(((key, e) for key, e in self.failures.items() if e["kind"] == k), key=lambda x: x[1]["index"])
                    for k in cols}
        for kind in ("trap", "oom", "timeout", "silent"):
            if distinct[kind]:
                lines.append(f"\ndistinct {runner.OUTCOME_TITLES[kind]} ({len(distinct[kind])}):")
                for key, e in distinct[kind]:
                    where = f"  → {e['dir']}/repro.sh" if e["dir"] else "  (not kept: --keep)"
                    lines.append(f"  {e['count']:>4}×  {key[:200]}{where}")
        text = "\n".join(lines) + "\n"
        print(text)
        with open(os.path.join(self.out, "summary.txt"), "w") as f:
            f.write(text)
        with open(os.path.join(self.out, "summary.json"), "w") as f:
            json.dump({"seed": self.args.seed, "inputs": total, "binary": self.binary, "counts": self.counts,
                       "failures": [dict(e, key=k) for k, e in self.failures.items()]}, f, indent=2)
        failed = totals["trap"] > 0 or (self.args.strict and (totals["timeout"] + totals["oom"] + totals["silent"]) > 0)
        if self.args.report_only:
            if failed:
                print("fuzz: failures found, but --report-only: exit 0")
            return 0
        return 1 if failed else 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return Campaign(args).run()
    except KeyboardInterrupt:
        print("fuzz: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
