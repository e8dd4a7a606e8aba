#!/usr/bin/env python3
"""bench/models/gen.py: a dbt-style project of N SQL models for the compile
benchmark (bench/models/run.sh, docs/BENCHMARKS.md).

Four layers (staging, intermediate, marts, reports) of N/4 models each, in
folders of at most 100 models with one properties file per folder. A
staging model reads a source table; every other model ref()s 1 to 5 models
of the layers before it. Each model calls a project macro and builds
columns in a {% for %} loop, and one model in ten has a not_null test.
Deterministic: the same N and seed give the same files.

usage: gen.py --out DIR [--models N] [--seed S]
"""
import argparse
import os
import random

MACROS = """{% macro cents_to_dollars(col, scale=2) -%}
round({{ col }} / 100.0, {{ scale }})
{%- endmacro %}

{% macro safe_ratio(a, b) -%}
case when {{ b }} = 0 then null else {{ a }} * 1.0 / {{ b }} end
{%- endmacro %}
"""

LAYERS = ["staging", "intermediate", "marts", "reports"]
FOLDER = 100


def model_sql(rng, layer, name, upstreams, nsources):
    cols = ["c%d" % k for k in range(rng.randint(3, 6))]
    out = []
    if layer == 2 and rng.random() < 0.3:
        out.append("{{ config(materialized='table', tags=['mart']) }}\n")
    out.append("{%% set cols = %r %%}\n" % cols)
    out.append("select\n    u0.id,\n")
    out.append("    {{ cents_to_dollars('u0.amount_cents') }} as amount,\n")
    if len(upstreams) > 1:
        out.append("    {{ safe_ratio('u0.amount_cents', 'u1.amount_cents') }} as ratio,\n")
    out.append("    {% for c in cols %}u0.{{ c }} as {{ c }}_{{ loop.index }}{% if not loop.last %},\n    {% endif %}{% endfor %}\n")
    if layer == 0:
        out.append("from {{ source('raw', 'table_%d') }} as u0\n" % rng.randrange(nsources))
    else:
        out.append("from {{ ref('%s') }} as u0\n" % upstreams[0])
        for k, up in enumerate(upstreams[1:], 1):
            out.append("left join {{ ref('%s') }} as u%d on u%d.id = u0.id\n" % (up, k, k))
    out.append("where u0.id is not null{% if var('min_id', none) is not none %} and u0.id >= {{ var('min_id') }}{% endif %}\n")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=12)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = a.out
    os.makedirs(os.path.join(out, "macros"), exist_ok=True)
    with open(os.path.join(out, "dbt_project.yml"), "w") as f:
        f.write("name: bench\nversion: '1.0'\nconfig-version: 2\nprofile: bench\n"
                "models:\n  bench:\n    +materialized: view\n")
    with open(os.path.join(out, "macros", "helpers.sql"), "w") as f:
        f.write(MACROS)
    per_layer = max(1, a.models // 4)
    nsources = 50
    names = []  # per layer
    made = 0
    for layer, lname in enumerate(LAYERS):
        count = per_layer if layer < 3 else a.models - 3 * per_layer
        layer_names = []
        for k in range(count):
            layer_names.append("%s_%05d" % (lname[:3], k))
        names.append(layer_names)
        pool = [n for l in names[:layer] for n in l]
        for start in range(0, count, FOLDER):
            folder = os.path.join(out, "models", lname, "g%03d" % (start // FOLDER))
            os.makedirs(folder, exist_ok=True)
            props = ["version: 2\n"]
            if layer == 0 and start == 0:
                props.append("sources:\n  - name: raw\n    tables:\n")
                for s in range(nsources):
                    props.append("      - name: table_%d\n" % s)
            props.append("models:\n")
            for k in range(start, min(count, start + FOLDER)):
                name = layer_names[k]
                ups = []
                if layer > 0:
                    near = names[layer - 1]
                    n_up = rng.randint(1, 5)
                    ups = [near[rng.randrange(len(near))]]
                    while len(ups) < n_up:
                        cand = pool[rng.randrange(len(pool))]
                        if cand not in ups:
                            ups.append(cand)
                with open(os.path.join(folder, name + ".sql"), "w") as f:
                    f.write(model_sql(rng, layer, name, ups, nsources))
                props.append("  - name: %s\n    description: \"%s model %d\"\n" % (name, lname, k))
                props.append("    columns:\n      - name: id\n        description: the key\n")
                if k % 10 == 0:
                    props.append("        tests: [not_null]\n")
                made += 1
            with open(os.path.join(folder, "_%s_g%03d.yml" % (lname, start // FOLDER)), "w") as f:
                f.write("".join(props))
    print("wrote %d models to %s" % (made, out))


if __name__ == "__main__":
    main()
