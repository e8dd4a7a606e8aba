#!/bin/sh
# t0116: projection pushdown (engine/project.h): the csv and jsonl readers
# read only the columns a pipeline can use. `sluice validate --json` says
# which (or "all" and why), `-v` logs them; a run with pushdown and one
# with SLUICE_PUSHDOWN=0 write the same bytes, count the same and send the
# same whole records to the DLQ; a crash mid-run then a rerun with
# pushdown still writes each row once.
. "$SRC/tests/cli/lib.sh"
python3 - <<'PY'
import json
evs = ["page_viewed", "feature_used", "signed_in"]
with open("ev.jsonl", "w") as f:
    for i in range(1, 121):
        f.write(json.dumps({"event": evs[i % 3], "user_id": "u%d" % i, "ts": "2026-01-01T00:00:%02dZ" % (i % 60),
                            "properties": {"feature": "f%d" % (i % 7), "plan": "pro"},
                            "context": {"ip": "10.0.0.%d" % i, "note": "caf\u00e9 \"q\""}}) + "\n")
        if i == 40:  # malformed inside a column the pipeline does not read: still a reject
            f.write('{"event": "feature_used", "user_id": "bad", "context": {"ip": tru}}\n')
        if i == 80:
            f.write('["not", "an", "object"]\n')
with open("c.csv", "w") as f:
    f.write("id,Email,email,country,notes\n")
    for i in range(1, 61):
        f.write('%d,A%d@X.com,a%d@x.com,%s,"a ""note"", %d"\n' % (i, i, i, ["US", "FR", "DE"][i % 3], i))
    f.write("61,short,row\n")
PY
mkdir -p p/pipelines o
echo "name: p" > p/sluice.yml
cat > p/pipelines/events.yml <<YML
source: {type: jsonl, path: $T/ev.jsonl, infer_types: false}
batch_rows: 16
transforms:
  - {type: filter, where: "event = 'feature_used'"}
  - {type: derive, columns: {feature: "properties ->> '\$.feature'"}}
  - {type: select, columns: [user_id, ts, feature]}
sinks: [{type: jsonl, path: $T/o/events.jsonl}]
YML
cat > p/pipelines/contacts.yml <<YML
source: {type: csv, path: $T/c.csv, normalize_names: snake_case}
transforms:
  - {type: rename, columns: {email_2: mail}}
sinks: [{type: csv, path: $T/o/contacts.csv, select: [id, mail], where: "country <> 'FR'"}]
YML
cat > p/pipelines/all.yml <<YML
source: {type: csv, path: $T/c.csv}
sinks: [{type: csv, path: $T/o/all.csv}]
YML

# 1. what each source reads
assert_exit 0 "$SLUICE" -C p validate --json
assert_contains "validate: events" '"events":{"all":false,"columns":["user_id","ts","properties","event"],"written":["feature"]}' "$T/out"
assert_contains "validate: contacts" '"contacts":{"all":false,"columns":["id","country","email_2"],"written":["mail"]}' "$T/out"
assert_contains "validate: all" '"all":{"all":true,"why":"sink csv takes every column"}' "$T/out"

# 2. the same with and without pushdown
for on in 1 0; do
  rm -rf p/.sluice
  SLUICE_PUSHDOWN=$on "$SLUICE" -C p -v run events >"$T/run_ev_$on" 2>&1 || fail "events on=$on: $(cat "$T/run_ev_$on")"
  SLUICE_PUSHDOWN=$on "$SLUICE" -C p run contacts >"$T/run_c_$on" 2>&1 || fail "contacts on=$on: $(cat "$T/run_c_$on")"
  cp o/events.jsonl "$T/events_$on.jsonl"
  cp o/contacts.csv "$T/contacts_$on.csv"
  q p/.sluice/state.db "select pipeline, stage, line, \"offset\", reason, hex(raw) from dlq order by pipeline, line" > "$T/dlq_$on"
done
assert_contains "debug log" "events: source jsonl reads columns: user_id, ts, properties, event; if the source has them (transforms write them): feature" "$T/run_ev_1"
assert_contains "debug log off" "events: source jsonl reads columns: all (SLUICE_PUSHDOWN=0)" "$T/run_ev_0"
assert_eq "events rows" "$(cmp "$T/events_1.jsonl" "$T/events_0.jsonl" && wc -l < "$T/events_1.jsonl")" "40"
assert_eq "contacts rows" "$(cmp "$T/contacts_1.csv" "$T/contacts_0.csv" && wc -l < "$T/contacts_1.csv")" "41"
assert_contains "events counts" "read 122, loaded 40, filtered 80, rejected 2" "$T/run_ev_1"
assert_contains "events counts off" "read 122, loaded 40, filtered 80, rejected 2" "$T/run_ev_0"
assert_contains "contacts counts" "read 61, loaded 40, filtered 20, rejected 1" "$T/run_c_1"
assert_eq "dlq" "$(cmp "$T/dlq_1" "$T/dlq_0" && wc -l < "$T/dlq_1")" "3"
assert_contains "dlq reason" "events|source|41|" "$T/dlq_1"
assert_contains "the derived value" '"user_id":"u1","ts":"2026-01-01T00:00:01Z","feature":"f1"' "$T/events_1.jsonl"
assert_contains "the suffixed column" "2,a2@x.com" "$T/contacts_1.csv"

# 3. a crash after the third commit, then a rerun: each row once
rm -rf p/.sluice o
set +e
SLUICE_FAILPOINTS="sink.after_commit=crash@3" "$SLUICE" -C p -q run events >/dev/null 2>&1
first=$?
set -e
[ "$first" -ne 0 ] || fail "the failpoint did not stop the run"
assert_exit 0 "$SLUICE" -C p run events
assert_eq "after a crash" "$(cmp o/events.jsonl "$T/events_0.jsonl" && echo same)" "same"
finish
