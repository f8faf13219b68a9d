#!/usr/bin/env bash
# The quadratic sanity run (docs/architecture.md §3, results/2026-11-21-sanity-vs-learned-optimization/report.md): meta-trains
# configs/quadratic-sanity.json once per seed and prints, per seed, the mean meta-loss over the first
# and the last 100 outer steps, their ratio and the time per outer step; then the mean ratio ± its
# standard error.
#   SEEDS="0 1 2 3 4 5 6 7"   the seeds (default 0–7)
#   REFERENCE=1               also run learned_optimization's RNNMLPLOpt on the same toy, same seeds
#                             (results/2026-11-21-sanity-vs-learned-optimization/reference/lo_sanity.py; about 75 s per seed here). Its Python
#                             environment is made on first use in $LO_VENV (default $HOME/lo-venv)
#                             with pip: jax, dm-haiku, flax, optax, gin-config, learned_optimization.
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-0 1 2 3 4 5 6 7}
LO_VENV=${LO_VENV:-$HOME/lo-venv}
out=${OUT:-runs/sanity}
mkdir -p "$out"
swift build -c release --product metatrain >/dev/null
for s in $SEEDS; do
  rm -rf "$out/seed-$s"
  .build/release/metatrain train --config configs/quadratic-sanity.json --seed "$s" --out "$out/seed-$s" >"$out/seed-$s.log" 2>&1
done
if [ "${REFERENCE:-0}" = 1 ]; then
  if [ ! -x "$LO_VENV/bin/python" ]; then
    python3 -m venv "$LO_VENV"
    "$LO_VENV/bin/pip" install -q jax jaxlib numpy optax dm-haiku flax gin-config absl-py
    "$LO_VENV/bin/pip" install -q --no-deps learned_optimization==0.0.1
  fi
  : >"$out/reference.jsonl"
  for s in $SEEDS; do
    "$LO_VENV/bin/python" results/2026-11-21-sanity-vs-learned-optimization/reference/lo_sanity.py "$s" 2>/dev/null | grep '^{' >>"$out/reference.jsonl"
  done
fi
python3 - "$out" $SEEDS <<'PY'
import json, os, statistics as st, sys
out, seeds = sys.argv[1], [int(s) for s in sys.argv[2:]]
def summary(name, rows):
    rs = [r["ratio"] for r in rows]
    se = st.stdev(rs) / len(rs) ** 0.5 if len(rs) > 1 else float("nan")
    print(f"{name}: mean ratio {st.mean(rs):.3f} ± {se:.3f} (first 100 {st.mean(r['first100'] for r in rows):.3f}, "
          f"last 100 {st.mean(r['last100'] for r in rows):.3f}), {1000 * st.median(r['seconds_per_step'] for r in rows):.1f} ms per outer step")
ours = []
print("metatrain (configs/quadratic-sanity.json), meta-loss normalized by each task's expected initial loss")
print("seed  first100  last100  ratio  ms/step")
for s in seeds:
    steps = [json.loads(l) for l in open(os.path.join(out, f"seed-{s}", "metrics.jsonl"))]
    steps = [l for l in steps if l.get("type") == "step"]
    m = [l["metaLoss"] for l in steps]
    r = {"first100": st.mean(m[:100]), "last100": st.mean(m[-100:]),
         "seconds_per_step": steps[-1]["elapsed"] / len(steps)}
    r["ratio"] = r["last100"] / r["first100"]
    ours.append(r)
    print(f"{s:4d}  {r['first100']:8.3f}  {r['last100']:7.3f}  {r['ratio']:.3f}  {1000 * r['seconds_per_step']:.2f}")
summary("metatrain", ours)
ref_file = os.path.join(out, "reference.jsonl")
if os.path.exists(ref_file):
    ref = [json.loads(l) for l in open(ref_file)]
    print("learned_optimization RNNMLPLOpt (reference/lo_sanity.py), raw loss")
    print("seed  first100  last100  ratio  ms/step")
    for r in ref:
        print(f"{r['seed']:4d}  {r['first100']:8.2f}  {r['last100']:7.2f}  {r['ratio']:.3f}  {1000 * r['seconds_per_step']:.1f}")
    summary("learned_optimization", ref)
PY
