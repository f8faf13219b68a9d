#!/usr/bin/env python3
"""Writes results/2026-11-21-recipe-wide/recipe-wide.json: a meta-training config whose task pool is the zoo's 240 train tasks
plus 60 wider or deeper MLPs made from the first 60 train MLPs (same data, new widths and seeds):
40 with 1-3 hidden layers of 160-512 units (log-uniform, at most 350,000 weights) and 20 with 5-8
layers of 32-96 units. Deterministic (Python's random with the given seed).

    python3 results/2026-11-21-recipe-wide/wide-tasks.py results/2026-11-21-recipe-wide/recipe-wide-base.json 7 results/2026-11-21-recipe-wide/recipe-wide.json

BASE is any meta-training config; its "tasks" is replaced by the explicit list.
"""
import json, random, math, sys
random.seed(int(sys.argv[2]) if len(sys.argv)>2 else 7)
train=json.load(open('TaskZoo/train.json'))['tasks']
mlps=[t['config'] for t in train if t['config']['family']=='mlp']
def inputs(c):
    d=c['dataset']; k=d['kind']
    if k=='glyphs': return d['size']**2
    if k=='teacher_student': return d['dimension']
    if k=='blobs': return d.get('dimension',2)
    return 2
out=[]
for i,c in enumerate(mlps[:60]):
    c=json.loads(json.dumps(c))
    if i%3!=2:  # wide
        L=random.randint(1,3)
        while True:
            w=[int(round(math.exp(random.uniform(math.log(160),math.log(512))))) for _ in range(L)]
            dims=[inputs(c)]+w
            p=sum(dims[j]*dims[j+1] for j in range(L))
            if p<=350000: break
    else:  # deep
        L=random.randint(5,8); w0=int(round(math.exp(random.uniform(math.log(32),math.log(96)))))
        w=[w0]*L
    c['hidden']=w
    c['seed']=random.randrange(2**31)
    out.append(c)
base=json.load(open(sys.argv[1]))
base['tasks']=[t['config'] for t in train]+out
json.dump(base,open(sys.argv[3],'w'),indent=1)
print(len(base['tasks']), sum(1 for c in out if len(c['hidden'])<=3), 'wide')
