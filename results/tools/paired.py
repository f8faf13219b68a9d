#!/usr/bin/env python3
"""Paired comparison of two optimizers from `metatrain compare` summaries (summary.json).

    python3 results/tools/paired.py A/summary.json OPT_A B/summary.json OPT_B [TaskZoo/LIST.json]

Several files joined by '+' are read as one (`runs/t/summary.json+runs/v/summary.json`, tasks of
several lists; `TaskZoo/train.json+TaskZoo/valid.json`). Prints both means over the tasks the two share, the paired difference A − B with its standard error
over tasks, how many tasks A wins, and — given the zoo list the tasks come from — the summed
difference per family and dataset kind. (The paired figures of the results/ reports, e.g. "0.017 ± 0.064" and the teacher–student sums.)
"""
import json
import signal
import statistics
import sys
from collections import defaultdict


def task_means(paths):
    """taskMeans of one summary.json, or of several joined by '+' (a task in two keeps the later)."""
    means = {}
    for p in paths.split("+"):
        means.update(json.load(open(p))["taskMeans"])
    return means


def main(argv):
    if len(argv) not in (5, 6):
        sys.exit(__doc__.strip())
    a, b = task_means(argv[1]), task_means(argv[3])
    opt_a, opt_b = argv[2], argv[4]
    tasks = sorted(set(a) & set(b))
    for name, table, opt in ((argv[1], a, opt_a), (argv[3], b, opt_b)):
        missing = [t for t in tasks if opt not in table[t]]
        if missing:
            sys.exit(f"{name}: no optimizer {opt!r} on {missing[0]} (has: {', '.join(sorted(table[missing[0]]))})")
    diff = {t: a[t][opt_a] - b[t][opt_b] for t in tasks}
    d = list(diff.values())
    se = statistics.stdev(d) / len(d) ** 0.5 if len(d) > 1 else float("nan")
    print(f"{len(tasks)} tasks: A mean {statistics.mean(a[t][opt_a] for t in tasks):.4f}, "
          f"B mean {statistics.mean(b[t][opt_b] for t in tasks):.4f}")
    print(f"A − B: {statistics.mean(d):+.4f} ± {se:.4f} (standard error over tasks); A lower on {sum(x < 0 for x in d)}")
    if len(argv) == 6:
        config = {x["id"]: x["config"] for p in argv[5].split("+") for x in json.load(open(p))["tasks"]}
        groups = defaultdict(list)
        for t in tasks:
            c = config[t]
            groups[c["family"] + "/" + c.get("dataset", {}).get("kind", "")].append(diff[t])
        for g, v in sorted(groups.items()):
            print(f"  {g:28s} {len(v):3d} tasks  A − B summed {sum(v):+8.2f}  A lower on {sum(x < 0 for x in v)}")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `| head` ends it quietly
    main(sys.argv)
