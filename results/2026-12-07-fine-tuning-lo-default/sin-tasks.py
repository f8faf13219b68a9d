#!/usr/bin/env python3
"""Writes a meta-training config whose task pool is the zoo's 240 train tasks plus 40 sin-activation
MLPs: train MLPs 60-99 (the ones results/2026-11-21-recipe-wide/wide-tasks.py does not use) with their activation set to sin
and a new seed (same data, widths and initializer). Only 6 of the 100 train MLPs use sin, and a sin
network is where the shipped optimizer loses most against adam-tuned. Deterministic.

    python3 results/2026-12-07-fine-tuning-lo-default/sin-tasks.py BASE SEED OUT

results/2026-12-07-fine-tuning-lo-default/recipe-sin.json came from a BASE equal to Checkpoints/default-config.json (stage 2 of the
recipe) with initialCheckpoint
Checkpoints/default.safetensors, outerSteps 3000, seed 4 and outer optimizer
adam:lr=3e-4,schedule=warmup_cosine,warmup=100,final_scale=0.1, and SEED 11.
"""
import json, random, sys
random.seed(int(sys.argv[2]))
train = json.load(open('TaskZoo/train.json'))['tasks']
mlps = [t['config'] for t in train if t['config']['family'] == 'mlp']
extra = []
for c in mlps[60:100]:
    c = json.loads(json.dumps(c))
    c['activation'] = 'sin'
    c['seed'] = random.randrange(2**31)
    extra.append(c)
base = json.load(open(sys.argv[1]))
base['tasks'] = [t['config'] for t in train] + extra
json.dump(base, open(sys.argv[3], 'w'), indent=1)
print(len(base['tasks']), 'tasks,', len(extra), 'sin MLPs')
