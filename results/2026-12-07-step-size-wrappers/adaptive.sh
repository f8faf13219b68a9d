#!/usr/bin/env bash
# Reproduces the figures of results/2026-12-07-step-size-wrappers/report.md (step-size adaptation around the learned optimizer):
#   select   — the settings, chosen on the *train* list (first 24 MLP and 16 CNN tasks, 300 steps, 1 seed);
#   evaluate — held-out at 300 and 1,500 steps (3 seeds) and the tasks outside the zoo (300 steps, 3 seeds).
# Usage: bash results/2026-12-07-step-size-wrappers/adaptive.sh [all|select|evaluate]   (select ≈ 4 min, evaluate ≈ 25 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:-all}"
swift build -c release --product metatrain >/dev/null
bin=.build/release/metatrain
W='lo:Checkpoints/recipe-15k.safetensors,weight_decay=3e-3,decay=matrices'
H="hypergrad:beta=0.1,inner=[$W]"
S="plateau:rise=0.03,inner=[$H]"                                   # the recommended spec
SA='plateau:rise=0.03,inner=[hypergrad:beta=0.1,inner=[adam]]'      # the same wrappers around Adam
I="plateau:rise=0.03,inner=[hypergrad:beta=0.1,init_scale=0.3,inner=[$W]];plateau:rise=0.03,inner=[hypergrad:beta=0.1,init_scale=0.1,inner=[$W]];plateau:rise=0.03,inner=[hypergrad:beta=0.1,init_scale=0.03,inner=[$W]]"
for F in 64 128; do for P in 0.5 1; do I="$I;plateau:rise=0.03,inner=[hypergrad:beta=0.1,fan_in=$F,fan_in_power=$P,inner=[$W]]"; done; done

if [[ $what == all || $what == select ]]; then
    for f in 'mlp 24' 'cnn 16'; do
        set -- $f
        "$bin" compare --tasks train --family "$1" --limit "$2" --steps 300 --seeds 1 --out "runs/adaptive-select-$1" --optimizers \
            "$W;hypergrad:beta=0.02,inner=[$W];hypergrad:beta=0.05,inner=[$W];$H;hypergrad:beta=0.2,inner=[$W];hypergrad:beta=0.1,per=global,inner=[$W];plateau:inner=[$H];plateau:patience=40,smoothing=0.95,inner=[$H];plateau:rise=0.01,inner=[$H];$S;plateau:rise=0.03,patience=10,inner=[$H];adam;adam-tuned;$I;mechanic:inner=[$W];mechanic:s_init=1e-3,inner=[$W];mechanic:s_init=0.03,inner=[$W];mechanic:s_init=0.1,inner=[$W];mechanic:inner=[adam:lr=1]"
    done
fi

if [[ $what == all || $what == evaluate ]]; then
    "$bin" compare --tasks heldout --steps 300 --seeds 3 --out runs/adaptive-heldout-300 \
        --optimizers "$S;$H;$W;$SA;hypergrad:beta=0.1,inner=[adam];adam;adam-tuned"
    "$bin" compare --tasks heldout --steps 1500 --seeds 3 --out runs/adaptive-heldout-1500 --optimizers "$S;$SA;adam"
    "$bin" compare --tasks TaskZoo/beyond/tasks.json --steps 300 --seeds 3 --out runs/adaptive-beyond-300 \
        --optimizers "$S;$H;$SA;adam;adam-tuned"
fi
