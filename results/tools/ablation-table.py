#!/usr/bin/env python3
"""The ablation table of results/2026-11-21-ablations/report.md from `compare` results: for each learned optimizer run (one
results.json each, 300 steps, 3 seeds), its mean / median normalized held-out test loss and on how many
tasks its seed-mean beats default Adam and adam-tuned, taken from the baseline compare (same tasks, seeds
and steps, so the baseline runs are identical).
Usage: results/tools/ablation-table.py BASELINE_RESULTS.json NAME=RESULTS.json …"""
import collections, json, statistics, sys

def seed_means(path):
    runs = json.load(open(path))["runs"]
    d = collections.defaultdict(list)
    for r in runs:
        d[(r["optimizer"], r["task"])].append(r["normalizedTestLoss"])
    out = collections.defaultdict(dict)
    for (opt, task), v in d.items():
        out[opt][task] = sum(v) / len(v)
    return out

base = seed_means(sys.argv[1])
print("| learned optimizer | mean | median | better than adam | better than adam-tuned |")
print("|---|---:|---:|---:|---:|")
for arg in sys.argv[2:]:
    name, path = arg.split("=", 1)
    m = seed_means(path)
    (opt, tasks), = [(o, t) for o, t in m.items() if o.startswith("lo:")][:1] or [(None, None)]
    vals = list(tasks.values())
    wins = lambda b: sum(1 for t, v in tasks.items() if v < base[b][t])
    print(f"| {name} | {statistics.mean(vals):.3f} | {statistics.median(vals):.3g} | {wins('adam')}/{len(tasks)} | {wins('adam-tuned')}/{len(tasks)} |")
