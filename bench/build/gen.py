#!/usr/bin/env python3
"""bench/build/gen.py: a project of N table models over a seed for the
`sluice build` benchmark (bench/build/run.sh, docs/BENCHMARKS.md): four
layers of N/4 models; a model of layer k > 0 joins 1 to 3 models of layer
k - 1 on id. Every model's SQL is valid on SQLite and PostgreSQL, so the
build measures sluice's own time per model beside the warehouse's.
Deterministic: the same N and seed give the same files.

usage: gen.py --out DIR [--models N] [--rows R] [--seed S]
"""
import argparse
import os
import random

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--models", type=int, default=200)
ap.add_argument("--rows", type=int, default=100)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
rnd = random.Random(a.seed)
os.makedirs(os.path.join(a.out, "models"), exist_ok=True)
os.makedirs(os.path.join(a.out, "seeds"), exist_ok=True)
with open(os.path.join(a.out, "sluice.yml"), "w") as f:
    f.write("name: buildbench\nmodels:\n  +materialized: table\n")
with open(os.path.join(a.out, "seeds", "base.csv"), "w") as f:
    f.write("id,v\n")
    for i in range(1, a.rows + 1):
        f.write(f"{i},{rnd.randint(0, 1000)}\n")
per = max(1, a.models // 4)
layers = []
for k in range(4):
    names = [f"l{k}_{i:04d}" for i in range(per)]
    for name in names:
        if k == 0:
            sql = "select id, v + %d as v from {{ ref('base') }}\n" % rnd.randint(0, 9)
        else:
            ups = rnd.sample(layers[k - 1], min(len(layers[k - 1]), rnd.randint(1, 3)))
            sql = "select u0.id, " + " + ".join(f"u{j}.v" for j in range(len(ups))) + " as v\n"
            sql += "from {{ ref('%s') }} u0\n" % ups[0]
            for j, u in enumerate(ups[1:], 1):
                sql += "join {{ ref('%s') }} u%d on u%d.id = u0.id\n" % (u, j, j)
        with open(os.path.join(a.out, "models", name + ".sql"), "w") as f:
            f.write(sql)
    layers.append(names)
print(f"wrote {per * 4} models to {a.out}")
