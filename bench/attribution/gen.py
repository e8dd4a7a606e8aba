#!/usr/bin/env python3
"""bench/attribution/gen.py: a project for the attribution benchmark
(bench/attribution/run.sh): N touchpoints over N/5 entities, C conversions
(each of a distinct entity, at a random time in the touches' range), lead
milestones for half the entities, written straight into the project's SQLite
warehouse as raw_* tables, read by three view models, and the attribution
model of docs/gtm/attribution.md with all seven models. Fixed seed: the
same data every time.
  gen.py --out DIR [--touchpoints N] [--conversions C]
"""
import argparse
import os
import random
import sqlite3

CHANNELS = ["paid_search", "paid_social", "email", "organic", "direct", "referral"]
START = 1767225600  # 2026-01-01 00:00:00 UTC
SPAN = 180 * 86400


def ts(t):
    import time
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--touchpoints", type=int, default=1_000_000)
    ap.add_argument("--conversions", type=int, default=50_000)
    a = ap.parse_args()
    rnd = random.Random(14)
    os.makedirs(os.path.join(a.out, "models"), exist_ok=True)
    with open(os.path.join(a.out, "sluice.yml"), "w") as f:
        f.write("name: bench_attribution\n")
    for name in ("touchpoints", "conversions", "leads"):
        with open(os.path.join(a.out, "models", name + ".sql"), "w") as f:
            f.write("{{ config(materialized='view') }}\nselect * from raw_%s\n" % name)
    with open(os.path.join(a.out, "models", "attribution.yml"), "w") as f:
        f.write("""type: attribution
touchpoints: {from: touchpoints, entity: entity_id, time: touched_at, channel: channel, campaign: campaign, cost: cost}
conversions: {from: conversions, id: conversion_id, entity: entity_id, time: converted_at, value: amount}
milestones:
  lead_created: {from: leads, entity: entity_id, time: created_at}
  opportunity_created: {column: opportunity_created_at}
lookback: 90d
""")
    db = os.path.join(a.out, "warehouse.db")
    if os.path.exists(db):
        os.remove(db)
    con = sqlite3.connect(db)
    con.execute("create table raw_touchpoints (entity_id text, touched_at text, channel text, campaign text, cost real)")
    con.execute("create table raw_conversions (conversion_id text, entity_id text, converted_at text, "
                "opportunity_created_at text, amount real)")
    con.execute("create table raw_leads (entity_id text, created_at text)")
    entities = max(1, a.touchpoints // 5)
    rows = []
    for i in range(a.touchpoints):
        e = rnd.randrange(entities)
        rows.append(("e%d" % e, ts(START + rnd.randrange(SPAN)), rnd.choice(CHANNELS),
                     "cmp%d" % rnd.randrange(40), round(rnd.random() * 5, 2)))
        if len(rows) == 100_000:
            con.executemany("insert into raw_touchpoints values (?,?,?,?,?)", rows)
            rows = []
    con.executemany("insert into raw_touchpoints values (?,?,?,?,?)", rows)
    conv = []
    for i, e in enumerate(rnd.sample(range(entities), min(a.conversions, entities))):
        t = START + 30 * 86400 + rnd.randrange(SPAN - 30 * 86400)
        conv.append(("o%d" % i, "e%d" % e, ts(t), ts(t - rnd.randrange(20 * 86400)), rnd.randrange(1000, 50000)))
    con.executemany("insert into raw_conversions values (?,?,?,?,?)", conv)
    leads = [("e%d" % e, ts(START + rnd.randrange(SPAN))) for e in range(0, entities, 2)]
    con.executemany("insert into raw_leads values (?,?)", leads)
    con.commit()
    con.close()
    print("touchpoints %d, conversions %d, entities %d" % (a.touchpoints, len(conv), entities))


if __name__ == "__main__":
    main()
