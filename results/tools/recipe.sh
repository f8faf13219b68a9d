#!/usr/bin/env bash
# Reproduces the figures of the results/ reports on the shipped learned optimizer (results/README.md):
#   1. meta-trains the recipe in its two stages — Checkpoints/recipe-15k-config.json → runs/recipe-15k
#      (shipped as Checkpoints/recipe-15k.safetensors), then Checkpoints/default-config.json, which
#      warm-starts from that checkpoint and trains inside the step-size wrappers → runs/recipe-wrapped
#      (shipped as Checkpoints/default.safetensors, lo:default) — and their training reports;
#   2. evaluates stage 1 and the shipped default on the held-out list at the meta-training horizon (300
#      inner steps) and at 5× (1500), 3 seeds (stage 1 at 300 against sgd-momentum, adam, adam-tuned, lion
#      and adafactor), and the default on the tasks outside the zoo;
#   3. the ablations (results/2026-11-21-ablations/*.json, equal budgets): trains each, evaluates it at 300 steps,
#      times its update (lo_step_ms).
#   select — the use-time wrapper settings of `learned`, chosen on the whole train list (240 tasks, 300
#      steps): 1 seed for the screens, 3 seeds for the final two (≈ 20 min);
#   tune — fine-tunes lo:default on the MLP and CNN families inside those wrappers, mean and ramp meta-loss,
#      and checks both on the train list (≈ 55 min);
#   select5 — the fifth selection, on the valid and train lists (≈ 16 min): what `learned` is now ($L4 is
#      what it was before);
#   select4 — the fourth selection, on the valid list and the train list (≈ 35 min): $L4 ($L3 is what
#      `learned` was before it);
#   select3 — the third selection (gap_decay: weight decay gated by the generalization gap; ≈ 30 min):
#      $L3 ($L2 is what `learned` was before it);
#   retune — tried, not adopted: results/2026-12-07-fine-tuning-lo-default/recipe-retune.json fine-tunes lo:default 3,000 steps inside
#      those settings (≈ 21 min), then the train-list check against lo:default (≈ 5 min);
#   select2 — the second selection (keep_best, kernel_init_scale; ≈ 75 min): what `learned` is now ($L1 is
#      what `learned` was before it, and the reports of these runs name it `learned`);
# Usage: bash results/tools/recipe.sh [all|train|select|select2|select3|select4|select5|tune|retune|evaluate|ablations]   (default: all; about 6 hours on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p runs
what="${1:-all}"
swift build -c release --product metatrain >/dev/null
bin=.build/release/metatrain
baselines='momentum;adam;adam-tuned;lion;adafactor'
L1='plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.5,max_scale=10,inner=[lo:default]]'   # the first `learned`
L2='keep_best:tolerance=0.05,smoothing=0.95,inner=[plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[lo:default]]]'   # the second
L3='keep_best:tolerance=0.05,smoothing=0.95,inner=[plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[gap_decay:weight_decay=1e-2,gap=0.4,inner=[lo:default]]]]'   # the third
L4='keep_best:tolerance=0.05,smoothing=0.95,inner=[plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[gap_decay:weight_decay=1e-2,gap=0.4,decay=dense,inner=[lo:default]]]]'   # the fourth

if [[ $what == all || $what == train ]]; then
    "$bin" train --config Checkpoints/recipe-15k-config.json --out runs/recipe-15k
    "$bin" report runs/recipe-15k
    # Stage 2 starts from Checkpoints/recipe-15k.safetensors (the shipped copy of runs/recipe-15k/final.safetensors).
    "$bin" train --config Checkpoints/default-config.json --out runs/recipe-wrapped
    "$bin" report runs/recipe-wrapped
fi

if [[ $what == all || $what == select ]]; then
    w() { echo "plateau:rise=${2:-0.03},inner=[hypergrad:$1,inner=[lo:default${3:-}]]"; }
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/select-screen-1 --optimizers \
        "$(w beta=0.1);$(w beta=0.3,init_scale=0.5);$(w beta=0.3,init_scale=0.4);$(w beta=0.4,init_scale=0.5);$(w beta=0.3,init_scale=0.5 0.03 ,schedule=cosine,final_scale=0.1);$(w beta=0.3,init_scale=0.5 0.05)"
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/select-screen-2 --optimizers \
        "$(w beta=0.3,init_scale=0.5,max_scale=10);$(w beta=0.3,init_scale=0.5,max_scale=3);$(w beta=0.3,init_scale=0.5,max_scale=30);$(w beta=0.2,init_scale=0.5,max_scale=10);$(w beta=0.5,init_scale=0.5,max_scale=10);$(w beta=0.3,init_scale=0.3,max_scale=10)"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-final --optimizers \
        "$(w beta=0.2,init_scale=0.5,max_scale=10);$(w beta=0.3,init_scale=0.5,max_scale=10);$(w beta=0.1)"
    # Around the chosen setting, after the choice (none beats it by more than the noise; not adopted).
    H=beta=0.3,init_scale=0.5,max_scale=10
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/select-screen-3 --optimizers \
        "plateau:rise=0.03,patience=10,inner=[hypergrad:$H,inner=[lo:default]];plateau:rise=0.03,factor=0.7,inner=[hypergrad:$H,inner=[lo:default]];$(w beta=0.3,init_scale=0.6,max_scale=10);$(w $H,min_scale=0.1);$(w $H 0.03 ,weight_decay=1e-3,decay=matrices);$(w $H 0.02)"
fi

if [[ $what == all || $what == select2 ]]; then
    # The second selection (2026-12-07, third session): what `learned` was until select3 ($L2). Family screens first (1 seed
    # unless said), then the whole train list at 3 seeds. About 75 min on 2 cores.
    P="plateau:rise=0.03,inner=[hypergrad:beta=0.3,max_scale=10"
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/select-screen-4 --optimizers \
        "$L1;average:decay=0.8,inner=[$L1];average:decay=0.9,inner=[$L1];average:decay=0.95,inner=[$L1];lookahead:k=5,alpha=0.5,inner=[$L1];lookahead:k=10,alpha=0.5,inner=[$L1]"
    "$bin" compare --tasks train --family mlp --steps 300 --seeds 1 --out runs/train-mlp-tuned --optimizers "$L1;adam-tuned;adafactor"
    "$bin" compare --tasks train --family mlp --steps 300 --seeds 1 --out runs/train-mlp-scales --optimizers \
        "$(for s in 0.25 0.5 1 2 4; do printf '%s' "plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.5,max_scale=10,inner=[lo:default,scale=$s]];"; done)lo:default"
    "$bin" compare --tasks train --family mlp --steps 300 --seeds 1 --out runs/train-mlp-a --optimizers \
        "$P,init_scale=0.125,inner=[lo:default]];$P,init_scale=0.25,inner=[lo:default]];plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.5,max_scale=2.5,inner=[lo:default]];plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.25,max_scale=2.5,inner=[lo:default]];$P,init_scale=0.5,per=global,inner=[lo:default]];plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.125,max_scale=2.5,min_scale=0.0025,inner=[lo:default]]"
    "$bin" compare --tasks train --family cnn --steps 300 --seeds 1 --out runs/train-cnn-a --optimizers \
        "$P,init_scale=0.125,inner=[lo:default]];$P,init_scale=0.25,inner=[lo:default]];plateau:rise=0.03,inner=[hypergrad:beta=0.5,init_scale=0.125,max_scale=10,inner=[lo:default]]"
    "$bin" compare --tasks train --family mlp --steps 300 --seeds 1 --out runs/train-mlp-b --optimizers \
        "$P,init_scale=0.5,fan_in=64,fan_in_power=0.5,inner=[lo:default]];$P,init_scale=0.5,fan_in=64,fan_in_power=1,inner=[lo:default]];$P,init_scale=0.5,fan_in=256,fan_in_power=1,inner=[lo:default]]"
    "$bin" compare --tasks train --family mlp --steps 300 --seeds 1 --out runs/train-mlp-c --optimizers \
        "$(for w in 20 50 100; do printf '%s;' "$P,init_scale=0.5,inner=[lo:default,schedule=warmup,warmup=$w]]"; done)"
    "$bin" compare --tasks train --family mlp --steps 300 --seeds 1 --out runs/train-mlp-d --optimizers \
        "$(for c in Checkpoints/recipe-15k results/2026-11-21-recipe-wide/recipe-wide results/self-training/recipe-long results/2026-11-21-training-changes-against-overfitting/recipe-valid results/2026-11-21-recipe-5k/recipe-5k; do printf '%s;' "plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.5,max_scale=10,inner=[lo:$c.safetensors]]"; done)"
    "$bin" compare --tasks train --family cnn --steps 300 --seeds 1 --out runs/train-cnn-b --optimizers \
        "$P,init_scale=0.125,kernel_init_scale=0.5,inner=[lo:default]];$P,init_scale=0.25,kernel_init_scale=0.5,inner=[lo:default]];$P,init_scale=0.125,kernel_init_scale=1,inner=[lo:default]]"
    A="$P,init_scale=0.25,kernel_init_scale=0.5,inner=[lo:default]]"
    B="$P,init_scale=0.125,kernel_init_scale=0.7,inner=[lo:default]]"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-final-2 --optimizers \
        "$L1;$A;$P,init_scale=0.125,kernel_init_scale=1,inner=[lo:default]];$B"
    "$bin" compare --tasks train --family mlp --steps 300 --seeds 3 --out runs/train-mlp-kb --optimizers \
        "$L1;keep_best:inner=[$L1];keep_best:smoothing=0.95,inner=[$L1];keep_best:smoothing=0.8,inner=[$L1];keep_best:inner=[$A]"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-final-3 --optimizers \
        "$L1;keep_best:inner=[$L1];keep_best:inner=[$A];keep_best:inner=[$B]"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-final-4 --optimizers \
        "keep_best:tolerance=0.02,inner=[$A];keep_best:tolerance=0.05,inner=[$A]"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-final-5 --optimizers \
        "keep_best:tolerance=0.1,inner=[$A];keep_best:tolerance=0.05,smoothing=0.95,inner=[$A];keep_best:tolerance=0.05,inner=[$L1]"
    # The chosen spec ($L2, `learned` then) against the first, side by side (results/2026-12-07-learned-second-selection/final-2/).
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select2-final --optimizers "$L1;$L2"
    # A screen around the chosen spec, after the choice (1 seed; results/2026-12-07-learned-second-selection/screen-5/).
    # K TOLERANCE SMOOTHING PLATEAU-SETTINGS BETA INIT KERNEL-INIT [,LO-KEYS]: `learned`'s shape, spelled out.
    K(){ echo "keep_best:tolerance=$1,smoothing=$2,inner=[plateau:$3,inner=[hypergrad:beta=$4,init_scale=$5,kernel_init_scale=$6,max_scale=10,inner=[lo:default${7:-}]]]"; }
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/select-screen-5 --optimizers \
        "$L2;$(K 0.05 0.95 rise=0.03 0.2 0.25 0.5);$(K 0.05 0.95 rise=0.03 0.4 0.25 0.5);$(K 0.03 0.95 rise=0.03 0.3 0.25 0.5);$(K 0.05 0.97 rise=0.03 0.3 0.25 0.5);$(K 0.05 0.95 rise=0.03 0.3 0.3 0.5);$(K 0.05 0.95 rise=0.03 0.3 0.2 0.5);$(K 0.05 0.95 rise=0.03 0.3 0.25 0.5 ,scale=0.8);$(K 0.05 0.95 rise=0.05 0.3 0.25 0.5)"
    # adam-tuned on the whole train list (seed 0; results/2026-12-07-learned-second-selection/train-adam-tuned/) and a screen of
    # plateau settings inside `learned` on the train MLPs (results/2026-12-07-learned-second-selection/screen-6-mlp-plateau/).
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/train-adam-tuned --optimizers adam-tuned
    Q(){ K 0.05 0.95 "$1" 0.3 0.25 0.5; }
    "$bin" compare --tasks train --family mlp --steps 300 --seeds 1 --out runs/train-mlp-plateau --optimizers \
        "$L2;$(Q rise=0);$(Q rise=0,patience=50);$(Q rise=0.01);$(Q rise=0.03,factor=0.3);$(Q rise=0.03,smoothing=0.95)"
    # The other shipped checkpoints inside the same wrappers (1 seed; results/2026-12-07-learned-second-selection/screen-7/).
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/select-screen-7 --optimizers \
        "$L2;${L2/lo:default/lo:results/2026-11-21-recipe-wide/recipe-wide.safetensors};${L2/lo:default/lo:Checkpoints/recipe-15k.safetensors}"
    # Tried, not adopted: fine-tune lo:default 2,000 outer steps on the MLP family inside the new wrappers
    # (≈ 23 min), then the train-list check (1 seed; results/2026-12-07-fine-tuning-lo-default/retune-mlp/).
    "$bin" train --config results/2026-12-07-fine-tuning-lo-default/recipe-retune-mlp.json --out runs/ft-mlp
    "$bin" report runs/ft-mlp
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/select-ft-mlp --optimizers "${L2/lo:default/lo:runs/ft-mlp/final.safetensors}"
fi

if [[ $what == all || $what == tune ]]; then
    # Fourth session: fine-tune lo:default on the MLP and CNN families only, inside `learned`'s step-size
    # wrappers, with the meta-loss on validation batches, the plain mean over the episode and the ramp that
    # leans on its end (2,000 outer steps each, 1 thread each, run side by side: ≈ 45 min), then both inside
    # `learned`'s wrappers as they were then ($L2) against $L2 on the whole train list, 3 seeds (≈ 8 min).
    "$bin" train --config results/2026-12-07-fine-tuning-lo-default/recipe-tune-nets.json --out runs/recipe-tune-nets --threads 1 &
    "$bin" train --config results/2026-12-07-fine-tuning-lo-default/recipe-tune-nets-ramp.json --out runs/recipe-tune-nets-ramp --threads 1 &
    wait
    "$bin" report runs/recipe-tune-nets
    "$bin" report runs/recipe-tune-nets-ramp
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-tune-nets --optimizers \
        "$L2;${L2/lo:default/lo:runs/recipe-tune-nets/final.safetensors};${L2/lo:default/lo:runs/recipe-tune-nets-ramp/final.safetensors}"
fi

if [[ $what == all || $what == select3 ]]; then
    # The third selection (fourth session): weight decay inside `learned`'s wrappers, gated by the
    # generalization gap (`gap_decay`) or not (`lo:default,weight_decay=`), on the whole train list, 3 seeds
    # (≈ 25 min). $L2 is what `learned` was before it; the reports name `learned` as it was then, $L2.
    # The 58 train MLPs on generated data (teacher–student, spirals, blobs): step-size settings and plain decay
    # inside $L2, 1 seed (results/2026-12-07-learned-third-selection/generated-mlps-1/ and -2/, where $L2 is named `learned`).
    python3 -c 'import json; z = json.load(open("TaskZoo/train.json")); z["tasks"] = [t for t in z["tasks"] if t["config"]["family"] == "mlp" and t["config"].get("dataset", {}).get("kind") != "glyphs"]; json.dump(z, open("runs/train-mlp-generated.json", "w"))'
    S(){ echo "keep_best:tolerance=0.05,smoothing=0.95,inner=[plateau:rise=0.03,inner=[hypergrad:beta=$1,init_scale=0.25,kernel_init_scale=0.5,max_scale=$2,inner=[lo:default$3]]]"; }
    "$bin" compare --tasks runs/train-mlp-generated.json --steps 300 --seeds 1 --out runs/generated-mlps-1 --optimizers \
        "$L2;$(S 0 10);$(S 0.3 1);$(S 0.3 10 ,scale=0.5);lo:default;adam-tuned"
    "$bin" compare --tasks runs/train-mlp-generated.json --steps 300 --seeds 1 --out runs/generated-mlps-2 --optimizers \
        "$L2;$(for w in 1e-3 3e-3 1e-2 3e-2; do printf '%s;' "$(S 0.3 10 ,weight_decay=$w,decay=matrices)"; done)"
    # The curves of results/2026-12-07-learned-third-selection/report.md's example (curve.csv: training, validation and test losses):
    "$bin" optimize --task train/mlp-057 --optimizer "$L2" --steps 300 --seed 0 --out runs/mlp-057-learned
    "$bin" optimize --task train/mlp-057 --optimizer adam:lr=0.0119 --steps 300 --seed 0 --out runs/mlp-057-adam
    G(){ echo "keep_best:tolerance=0.05,smoothing=0.95,inner=[plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[${1}lo:default${2:-}${1:+]}]]]"; }
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-wd --optimizers \
        "$L2;$(G '' ,weight_decay=1e-3,decay=matrices);$(G '' ,weight_decay=3e-3,decay=matrices)"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-wd-dense --optimizers \
        "$(G '' ,weight_decay=3e-3,decay=dense);$(G '' ,weight_decay=1e-2,decay=dense)"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-gap --optimizers \
        "$(G 'gap_decay:weight_decay=3e-3,inner=[');$(G 'gap_decay:weight_decay=1e-2,inner=[')"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-gap-2 --optimizers \
        "$(G 'gap_decay:weight_decay=1e-2,decay=dense,inner=[');$(G 'gap_decay:weight_decay=1e-2,gap=0.4,inner=[')"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-gap-3 --optimizers \
        "$(G 'gap_decay:weight_decay=1e-2,gap=0.4,decay=dense,inner=[');$(G 'gap_decay:weight_decay=2e-2,gap=0.8,inner=[')"
    # The chosen spec ($L3, `learned` then) at seed 0, to pair with train-adam-tuned (python3 results/tools/paired.py).
    "$bin" compare --tasks train --steps 300 --seeds 1 --out runs/train-learned-seed0 --optimizers "$L3"
fi

if [[ $what == all || $what == select4 ]]; then
    # The fourth selection (fifth session), on the valid list (96 tasks no meta-training saw, sampled like
    # heldout) and the train list, 3 seeds, 300 steps (≈ 35 min). $L3 is what `learned` was before it (the
    # valid-300 report names it `learned`). Rule, fixed before the last two runs: the lowest mean over the
    # 336 train + valid tasks among $L3 and the two candidates.
    "$bin" compare --tasks valid --steps 300 --seeds 3 --out runs/valid-300 --optimizers "$L3;$L2;adam;adam-tuned;adafactor"
    K(){ echo "keep_best:tolerance=${2:-0.05},smoothing=0.95,inner=[hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[$1]]"; }
    D='gap_decay:weight_decay=1e-2,gap=0.4,inner=[lo:default]'
    # $L3 without one wrapper each (plateau, keep_best, both).
    "$bin" compare --tasks valid --steps 300 --seeds 3 --out runs/valid-layers --optimizers \
        "hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[$D];$(K "$D");plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[$D]]"
    "$bin" compare --tasks valid --steps 300 --seeds 3 --out runs/valid-screen-2 --optimizers \
        "$(K lo:default);$(K 'gap_decay:weight_decay=1e-2,gap=0.4,decay=dense,inner=[lo:default]');$(K 'gap_decay:weight_decay=2e-2,gap=0.8,inner=[lo:default]');$(K "$D" 0.1)"
    # The best of those (no plateau, decay on dense layers) on the train list, where it loses to $L3 (the
    # plateau helps the train list's generated-data MLPs), then $L3 with decay=dense on valid (its train-list
    # run is select-gap-3's first spec): the one chosen, `learned` now.
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/train-select4 --optimizers "$(K 'gap_decay:weight_decay=1e-2,gap=0.4,decay=dense,inner=[lo:default]')"
    "$bin" compare --tasks valid --steps 300 --seeds 3 --out runs/valid-screen-3 --optimizers "${L3/gap=0.4,/gap=0.4,decay=dense,}"
fi

if [[ $what == all || $what == select5 ]]; then
    # The fifth selection (fifth session, after the fourth's held-out runs): three settings inside $L4 on the
    # valid and the train list, 3 seeds (≈ 16 min). Rule, fixed before the runs: adopt the lowest mean over
    # the 336 train + valid tasks if it is below $L4's by more than one paired standard error ($L4's own runs:
    # runs/valid-screen-3 and runs/select-gap-3, from select4 and select3).
    W(){ echo "keep_best:tolerance=0.05,smoothing=0.95,inner=[plateau:$1,inner=[hypergrad:beta=0.3,init_scale=$2,kernel_init_scale=0.5,max_scale=$3,inner=[gap_decay:weight_decay=1e-2,gap=0.4,decay=dense,inner=[lo:default$4]]]]"; }
    # First the 30 spirals MLPs of the train and valid lists, where $L4 trails adam-tuned on every list
    # (results/2026-12-07-learned-fifth-selection/spirals-1/, where $L4 is named `learned`).
    python3 -c 'import json; ts = [t for l in ("train", "valid") for t in json.load(open(f"TaskZoo/{l}.json"))["tasks"] if t["config"]["family"] == "mlp" and t["config"].get("dataset", {}).get("kind") == "spirals"]; json.dump({"name": "spirals-train-valid", "version": 1, "generatedBy": "recipe.sh select5", "seed": 0, "tasks": ts}, open("runs/spirals-train-valid.json", "w"))'
    "$bin" compare --tasks runs/spirals-train-valid.json --steps 300 --seeds 3 --out runs/spirals-1 --optimizers \
        "$L4;$(W rise=0.03 0.25 30);$(W rise=0.03 0.5 10);$(W rise=0.1 0.25 10);$(W rise=0.03,patience=40 0.25 10);$(W rise=0.03 0.25 10 ,scale=2);adam-tuned"
    O="$(W rise=0.03 0.35 10);$(W rise=0.03 0.5 10);$(W rise=0.1 0.25 10)"
    "$bin" compare --tasks valid --steps 300 --seeds 3 --out runs/valid-screen-4 --optimizers "$O"
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/train-screen-4 --optimizers "$O"
fi

if [[ $what == all || $what == retune ]]; then
    "$bin" train --config results/2026-12-07-fine-tuning-lo-default/recipe-retune.json --out runs/recipe-retune
    "$bin" compare --tasks train --steps 300 --seeds 3 --out runs/select-retune --optimizers \
        "plateau:rise=0.03,inner=[hypergrad:beta=0.3,init_scale=0.5,max_scale=10,inner=[lo:runs/recipe-retune/final.safetensors]];$L1"
fi

if [[ $what == all || $what == evaluate ]]; then
    ck=runs/recipe-15k/final.safetensors
    "$bin" compare --tasks heldout --optimizers "lo:$ck;$baselines" --steps 300 --seeds 3 --out runs/recipe-15k-heldout-300
    # At 5× the horizon against default Adam (the 5× goal); add "$baselines" for the full set (≈ 30 min more).
    "$bin" compare --tasks heldout --optimizers "lo:$ck;adam" --steps 1500 --seeds 3 --out runs/recipe-15k-heldout-1500
    d=runs/recipe-wrapped/final.safetensors
    S="plateau:rise=0.03,inner=[hypergrad:beta=0.1,inner=[lo:$d]]"    # how the default is meant to be used
    "$bin" compare --tasks heldout --steps 300 --seeds 3 --out runs/wrapped-heldout-300 \
        --optimizers "$S;plateau:rise=0.03,inner=[hypergrad:beta=0.1,inner=[lo:$d,weight_decay=3e-3,decay=matrices]];lo:$d;adam;adam-tuned"
    "$bin" compare --tasks heldout --steps 1500 --seeds 3 --out runs/default-heldout-1500 --optimizers "$S;momentum;adam;lion;adafactor"
    "$bin" compare --tasks TaskZoo/beyond/tasks.json --steps 300 --seeds 3 --out runs/default-beyond-300 \
        --optimizers "$S;lo:$d;adam;adam-tuned"
    # The first `learned` (the shipped default inside the wrappers chosen by "select"; its reports name it `learned`).
    B='plateau:rise=0.03,inner=[hypergrad:beta=0.1,inner=[lo:default]]'
    "$bin" compare --tasks heldout --steps 300 --seeds 3 --out runs/learned-heldout-300 --optimizers "$L1;$B;lo:default;$baselines"
    "$bin" compare --tasks TaskZoo/beyond/tasks.json --steps 300 --seeds 3 --out runs/learned-beyond-300 --optimizers "$L1;$B;adam;adam-tuned"
    "$bin" compare --tasks heldout --steps 1500 --seeds 3 --out runs/learned-heldout-1500 --optimizers "$L1;adam;adafactor"
    # The second `learned` ($L2, the selection "select2"; these reports name it `learned`).
    "$bin" compare --tasks heldout --steps 300 --seeds 3 --out runs/learned2-heldout-300 --optimizers "$L2;$L1;lo:default;$baselines"
    "$bin" compare --tasks heldout --steps 1500 --seeds 3 --out runs/learned2-heldout-1500 --optimizers "$L2;adam;adafactor"
    "$bin" compare --tasks TaskZoo/beyond/tasks.json --steps 300 --seeds 3 --out runs/learned2-beyond-300 --optimizers "$L2;$L1;adam;adam-tuned"
    # The same at 6 seeds (0–5, so 0–2 repeat), run after the 3-seed figures, to see how much of the gap is noise.
    "$bin" compare --tasks heldout --steps 300 --seeds 6 --out runs/learned2-heldout-300-6seeds --optimizers "$L2;$L1;adam;adam-tuned"
    # 5× the horizon against every baseline, adam-tuned's sweep included (≈ 38 min).
    "$bin" compare --tasks heldout --steps 1500 --seeds 3 --out runs/learned2-heldout-1500-all --optimizers "$L2;$baselines"
    # The third `learned` ($L3, the selection "select3": gap_decay inside; these reports name it `learned`).
    "$bin" compare --tasks heldout --steps 300 --seeds 3 --out runs/learned3-heldout-300 --optimizers "$L3;$L2;$baselines"
    "$bin" compare --tasks heldout --steps 1500 --seeds 3 --out runs/learned3-heldout-1500 --optimizers "$L3;$L2;adam;adafactor"
    "$bin" compare --tasks TaskZoo/beyond/tasks.json --steps 300 --seeds 3 --out runs/learned3-beyond-300 --optimizers "$L3;$L2;adam;adam-tuned"
    # $L3 alone at 6 seeds, paired with adam-tuned and $L2 in learned2-heldout-300-6seeds (≈ 2 min).
    "$bin" compare --tasks heldout --steps 300 --seeds 6 --out runs/learned3-heldout-300-6seeds --optimizers "$L3"
    # The fourth `learned` ($L4, the selection "select4": the gated decay on dense layers only; these reports
    # name it `learned`), ≈ 20 min.
    "$bin" compare --tasks heldout --steps 300 --seeds 3 --out runs/learned4-heldout-300 --optimizers "$L4;$L3;$baselines"
    "$bin" compare --tasks heldout --steps 1500 --seeds 3 --out runs/learned4-heldout-1500 --optimizers "$L4;$L3;adam;adafactor"
    "$bin" compare --tasks TaskZoo/beyond/tasks.json --steps 300 --seeds 3 --out runs/learned4-beyond-300 --optimizers "$L4;$L3;adam;adam-tuned"
    # The sweep both ways: one rate per (task, seed), as adam-tuned always was, and one per task (≈ 6 min).
    "$bin" compare --tasks heldout --steps 300 --seeds 3 --out runs/learned4-sweeps --optimizers "$L4;adam-tuned;adam-tuned:per=task"
    # $L4 alone at 6 seeds, paired with adam-tuned in learned2-heldout-300-6seeds (≈ 2 min).
    "$bin" compare --tasks heldout --steps 300 --seeds 6 --out runs/learned4-heldout-300-6seeds --optimizers "$L4"
    # `learned` now (the fifth selection, "select5": the plateau waits for a 10% rise): results/2026-12-07-learned-fifth-selection/report.md's
    # figures (≈ 20 min); pair with adam-tuned:per=task in learned4-sweeps and adam-tuned in
    # learned2-heldout-300-6seeds with results/tools/paired.py.
    "$bin" compare --tasks heldout --steps 300 --seeds 3 --out runs/learned5-heldout-300 --optimizers "learned;$L4;$baselines"
    "$bin" compare --tasks heldout --steps 300 --seeds 6 --out runs/learned5-heldout-300-6seeds --optimizers learned
    "$bin" compare --tasks TaskZoo/beyond/tasks.json --steps 300 --seeds 3 --out runs/learned5-beyond-300 --optimizers "learned;$L4;adam;adam-tuned"
    "$bin" compare --tasks heldout --steps 1500 --seeds 3 --out runs/learned5-heldout-1500 --optimizers "learned;$L4;adam;adafactor"
fi

if [[ $what == all || $what == ablations ]]; then
    for a in lstm-ff lstm-ff-small perparam-mlp learnable-adam; do
        "$bin" train --config "results/2026-11-21-ablations/$a.json" --out "runs/ablation-$a"
        "$bin" compare --tasks heldout --optimizers "lo:runs/ablation-$a/final.safetensors" --steps 300 --seeds 3 \
            --out "runs/ablation-$a-heldout"
        "$bin" bench --threads 1 --only lo_step_ms --step-optimizer "lo:runs/ablation-$a/final.safetensors" --json \
            > "runs/ablation-$a-bench.json"
    done
fi

if [[ $what == all || $what == ablations ]]; then
    python3 results/tools/ablation-table.py runs/recipe-15k-heldout-300/results.json \
        "LSTM_FF 64/32×2, recipe (15,000 steps)=runs/recipe-15k-heldout-300/results.json" \
        "LSTM_FF 64/32×2 (1,000 steps)=runs/ablation-lstm-ff-heldout/results.json" \
        "LSTM_FF 16/8×2 (1,000 steps)=runs/ablation-lstm-ff-small-heldout/results.json" \
        "per-parameter MLP, no LSTM (1,000 steps)=runs/ablation-perparam-mlp-heldout/results.json" \
        "learnable Adam (1,000 steps)=runs/ablation-learnable-adam-heldout/results.json"
fi
