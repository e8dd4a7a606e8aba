#!/bin/sh
# t0131: the milestones transform's pushdown hook (engine/project.h): a
# pipeline with milestones and a narrow sink reads only the key, the time,
# the rules' columns and what the sink takes (validate --json and -v say
# which), and writes the same rows, counts and milestones as with
# SLUICE_PUSHDOWN=0; a source column named milestone still fails the run
# as without pushdown.
. "$SRC/tests/cli/lib.sh"
python3 - <<'PY'
import json, random
rng = random.Random(20261201)
evs = ["Project Created", "Invite Sent", "Page Viewed"]
with open("ev.jsonl", "w") as f:
    for i in range(400):
        u = "u%d" % rng.randrange(40)
        f.write(json.dumps({"user_id": u, "event": rng.choice(evs),
                            "timestamp": "2026-01-%02dT%02d:00:00Z" % (1 + i // 24, i % 24),
                            "props": {"page": "/p%d" % rng.randrange(9), "note": "x" * rng.randrange(30)},
                            "plan": rng.choice(["free", "pro"])}) + "\n")
with open("clash.jsonl", "w") as f:
    f.write(json.dumps({"user_id": "u1", "event": "Project Created", "timestamp": "2026-01-01T00:00:00Z",
                        "milestone": 5}) + "\n")
PY
mkdir -p p/pipelines o
echo "name: p" > p/sluice.yml
cat > p/pipelines/ms.yml <<YML
source: {type: jsonl, path: $T/ev.jsonl}
batch_rows: 32
transforms:
  - type: milestones
    key: user_id
    time: timestamp
    rules:
      - {name: activated, first_time: "event = 'Project Created'"}
      - {name: team_growing, count: {when: "event = 'Invite Sent' AND plan = 'pro'", at_least: 2, within: 3d}}
sinks: [{type: jsonl, path: $T/o/ms.jsonl, select: [user_id, milestone, milestone_at]}]
YML
cat > p/pipelines/clash.yml <<YML
source: {type: jsonl, path: $T/clash.jsonl}
transforms:
  - {type: milestones, key: user_id, time: timestamp, rules: [{name: activated, first_time: "event = 'Project Created'"}]}
sinks: [{type: jsonl, path: $T/o/clash.jsonl, select: [user_id]}]
YML

# 1. what the source reads
assert_exit 0 "$SLUICE" -C p validate --json
assert_contains "validate: ms" '"ms":{"all":false,"columns":["user_id","milestone","milestone_at","timestamp","event","plan"]}' "$T/out"

# 2. the same with and without pushdown
for on in 1 0; do
  rm -rf p/.sluice o/ms.jsonl
  SLUICE_PUSHDOWN=$on "$SLUICE" -C p -v run ms >"$T/run_$on" 2>&1 || fail "ms on=$on: $(cat "$T/run_$on")"
  cp o/ms.jsonl "$T/ms_$on.jsonl"
done
assert_contains "debug log" "ms: source jsonl reads columns: user_id, milestone, milestone_at, timestamp, event, plan" "$T/run_1"
assert_contains "debug log off" "ms: source jsonl reads columns: all (SLUICE_PUSHDOWN=0)" "$T/run_0"
n=$(grep -c '"milestone":"' "$T/ms_1.jsonl" || true)
[ "$n" -gt 40 ] && ok || fail "only $n milestones"
assert_eq "same output" "$(cmp "$T/ms_1.jsonl" "$T/ms_0.jsonl" && wc -l < "$T/ms_1.jsonl")" "$((400 + n))"
assert_eq "same counts" "$(grep -o 'read [0-9]*, derived [0-9]*, loaded [0-9]*' "$T/run_1")" \
  "$(grep -o 'read [0-9]*, derived [0-9]*, loaded [0-9]*' "$T/run_0")"
assert_contains "counts" "read 400, derived $n, loaded $((400 + n))" "$T/run_1"

# 3. a source column called milestone fails the run with pushdown too
for on in 1 0; do
  set +e
  SLUICE_PUSHDOWN=$on "$SLUICE" -C p run clash >"$T/clash_$on" 2>&1
  rc=$?
  set -e
  assert_eq "clash on=$on fails" "$rc" "1"
  assert_contains "clash on=$on message" "the input already has a column 'milestone'" "$T/clash_$on"
done
finish
