#!/usr/bin/env bash
# Runs `metatrain bench` (three times, interleaved) beside the PyTorch and JAX peer scripts in one
# session and prints the medians side by side with our ratio to each peer (the machine drifts up to
# 2× between sessions, so only same-run ratios mean anything).
#   PEERS_DIR     the peer scripts (default benchmarks/peers, in this repository)
#   PEERS_PYTHON  a Python with jax, optax and torch (default $HOME/peers-venv/bin/python;
#                 set up as in benchmarks/peers/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS_DIR=${PEERS_DIR:-benchmarks/peers}
PEERS_PYTHON=${PEERS_PYTHON:-$HOME/peers-venv/bin/python}
out=$(mktemp -d)
swift build -c release --product metatrain >/dev/null
# Let the build's last processes exit: OpenBLAS's 2-thread products slow down 2× while anything else
# holds a core, which would time the build's tail rather than the workload.
sleep 5
.build/release/metatrain bench --json --threads 2 > "$out/metatrain.json"
# A pause after each peer too: for several seconds after a peer exits the machine is busy tearing
# it down (seen here: our MLP step at 1.35 ms for ~6 s after PyTorch exits, 0.53 ms after).
(cd "$PEERS_DIR" && "$PEERS_PYTHON" bench_jax.py) > "$out/jax.json" 2>/dev/null
sleep 15
.build/release/metatrain bench --json --threads 2 > "$out/metatrain3.json"
(cd "$PEERS_DIR" && NTHREADS=2 "$PEERS_PYTHON" bench_torch.py) > "$out/torch.json" 2>/dev/null
sleep 15
.build/release/metatrain bench --json --threads 2 > "$out/metatrain2.json"
python3 - "$out" <<'PY'
import json, sys, os
d = sys.argv[1]
ours = [json.load(open(os.path.join(d, f))) for f in ("metatrain.json", "metatrain2.json", "metatrain3.json")]
jax = json.load(open(os.path.join(d, "jax.json")))
torch = json.load(open(os.path.join(d, "torch.json")))
rows = [
    ("mlp_step_ms", jax.get("mlp_step_ms"), torch.get("mlp_step_ms_fused_adam")),
    ("mlp_muon_step_ms", None, torch.get("mlp_muon_step_ms")),
    ("cnn_step_ms", jax.get("cnn_step_ms"), min((torch[k] for k in torch if k.startswith("cnn_step_ms")), key=lambda v: v["med"])),
    ("adam_1e6_ms", jax.get("adam_1e6_ms"), torch.get("adam_1e6_ms_fused")),
    ("perparam_mlp_fwd_ms", jax.get("perparam_mlp_fwd_ms"), torch.get("perparam_mlp_fwd_ms")),
]
print(f"{'workload':<20}{'metatrain':>11}{'JAX':>9}{'PyTorch':>9}{'vs JAX':>9}{'vs PyTorch':>12}")
for name, j, t in rows:
    if name not in ours[0]: continue
    m = sorted(o[name]["med"] for o in ours)[1]  # median of our three runs: before, between and after the peers
    js, ts = j["med"] if j else float("nan"), t["med"] if t else float("nan")
    print(f"{name:<20}{m:>11.3f}{js:>9.3f}{ts:>9.3f}{m/js:>9.2f}{m/ts:>12.2f}")
print("(medians in ms, 2 threads; metatrain: median of 3 runs interleaved with the peers; PyTorch: fused Adam,")
print(" its faster CNN memory format; ratios < 1: metatrain is faster)")
print("metatrain runs:", ", ".join(f"{k}={[o[k]['med'] for o in ours]}" for k in ("mlp_step_ms", "mlp_muon_step_ms", "cnn_step_ms", "adam_1e6_ms", "perparam_mlp_fwd_ms", "lo_step_ms")))
PY
