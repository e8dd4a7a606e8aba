#!/bin/sh
# t0112: routing (engine/route.h): one JSON Lines pipeline, three sinks
# with where:/select:. Each sink gets exactly its rows and columns; a row
# no sink's where takes counts as filtered; a row one sink rejects goes to
# the DLQ (mapped back from the sink's copy to its line); the accounting
# line is exact and read + derived = loaded + filtered + rejected holds in
# the state store; a crash at each commit failpoint then a rerun leaves
# every sink with its rows exactly once; validate names a bad where or
# select at file:line:col with a suggestion.
. "$SRC/tests/cli/lib.sh"
python3 - <<'PY'
import json
kinds = ["page", "track", "milestone", "other"]
with open("in.jsonl", "w") as f:
    for i in range(1, 61):
        f.write(json.dumps({"id": i, "kind": kinds[i % 4], "user_id": "u%d" % (i % 5),
                            "user_plan": "pro" if i % 2 else "free", "props_a": i * 10,
                            "props_b": "b%d" % i, "secret": "s%d" % i}) + "\n")
    # line 61: a milestone without an id: the upsert sink refuses it (NULL key)
    f.write(json.dumps({"id": None, "kind": "milestone", "user_id": "u9", "user_plan": "pro",
                        "props_a": 0, "props_b": "x", "secret": "s"}) + "\n")
PY
setup() {
  rm -rf p; mkdir -p p/pipelines
  echo "name: p" > p/sluice.yml
  cat > p/pipelines/ev.yml <<YML
source: {type: jsonl, path: $T/in.jsonl}
batch_rows: 7
sinks:
  - type: sqlite
    name: wh
    table: events
    where: "kind <> 'other'"
    select: [id, kind, user_*]
  - type: sqlite
    name: ms
    path: ms.db
    table: milestones
    mode: upsert
    key: [id]
    where: "kind = 'milestone'"
    select: [id, user_id]
  - {type: jsonl, name: tracks, path: out/tracks.jsonl, where: "kind = 'track'", select: [id, props_*]}
YML
}
check() {
  assert_eq "$1: events rows" "$(q p/warehouse.db "select count(*), count(distinct id), sum(kind = 'other') from events")" "46|45|0"
  assert_eq "$1: events columns" "$(q p/warehouse.db "select group_concat(name, ',') from pragma_table_info('events')")" \
    "id,kind,user_id,user_plan"
  assert_eq "$1: milestones" "$(q p/ms.db "select count(*), group_concat(id, ','), min(user_id) from milestones")" \
    "15|2,6,10,14,18,22,26,30,34,38,42,46,50,54,58|u0"
  assert_eq "$1: milestones columns" "$(q p/ms.db "select group_concat(name, ',') from pragma_table_info('milestones')")" "id,user_id"
  assert_eq "$1: tracks" "$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open("p/out/tracks.jsonl")]
print(len(rows), sorted(set(k for r in rows for k in r)), [r["id"] for r in rows][:3], len(set(r["id"] for r in rows)))')" \
    "15 ['id', 'props_a', 'props_b'] [1, 5, 9] 15"
}

# 1. a clean run: routed rows, the accounting line, the DLQ
setup
"$SLUICE" -C p run >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"
assert_contains "accounting" "ev: success  read 61, loaded 45, filtered 15, rejected 1" "$T/out"
check clean
assert_eq "identity in the store" \
  "$(q p/.sluice/state.db "select rows_read + rows_derived = rows_loaded + rows_filtered + rows_rejected, rows_filtered from runs")" "1|15"
assert_eq "dlq: the refused row's line, from the ms sink" \
  "$(q p/.sluice/state.db "select line, stage, reason like '%NULL%' from dlq")" "61|ms|1"
assert_eq "dlq: the row as the sink got it" "$(q p/.sluice/state.db "select raw from dlq")" '{"id":null,"user_id":"u9"}'
# a dry run's plan: the rows each sink's where takes
"$SLUICE" -C p run --dry-run --json >"$T/out" 2>/dev/null
assert_eq "dry-run rows per sink" "$(python3 -c '
import json, sys
print([(s["id"], s["rows"]) for s in json.load(open(sys.argv[1]))["runs"][0]["plan"]["sinks"]])' "$T/out")" \
  "[('wh', 46), ('ms', 16), ('tracks', 15)]"

# 2. a crash (or an error) at each commit failpoint, then a rerun: every
# sink exactly once; the runs' totals still account for every line
# (3 sinks commit each batch: the Nth hit is batch (N+2)/3's sink (N-1)%3+1,
# so the sinks' positions differ when the rerun starts)
for case in sink.after_data@4 sink.before_checkpoint@5 sink.after_commit@8; do
    point=${case%@*}; at=${case#*@}
    setup
    set +e
    SLUICE_FAILPOINTS="$point=crash@$at" "$SLUICE" -C p -q run >/dev/null 2>&1
    first=$?
    set -e
    [ "$first" -ne 0 ] || fail "$point@$at did not stop the run"
    "$SLUICE" -C p run >"$T/out" 2>&1 || fail "$point@$at: rerun: $(cat "$T/out")"
    check "$point@$at"
    assert_eq "$point@$at: identity" \
      "$(q p/.sluice/state.db "select count(*) from runs where status = 'success' and rows_read + rows_derived <> rows_loaded + rows_filtered + rows_rejected")" 0
    assert_contains "$point@$at: resumed" "(resumed)" "$T/out"
done

# 3. validate: a bad where or select at file:line:col
setup
cat > p/pipelines/bad.yml <<YML
source: {type: jsonl, path: $T/in.jsonl}
sinks:
  - type: sqlite
    table: a
    where: "kind = = 'x'"
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "where syntax" "pipelines/bad.yml:5:13: where: expression 'kind = = 'x'': near \"=\": syntax error" "$T/err"
cat > p/pipelines/bad.yml <<YML
source: {type: jsonl, path: $T/in.jsonl}
sinks:
  - type: sqlite
    table: b
    where: "knd = 'x'"
    select: [id, usr_id, nope_*]
    mode: upsert
    key: [kind]
YML
assert_exit 1 "$SLUICE" -C p validate
assert_contains "where column" "pipelines/bad.yml:5:13: sink sqlite, where" "$T/err"
assert_contains "where suggestion" "did you mean 'kind'" "$T/err"
assert_contains "select name" "pipelines/bad.yml:6:18: sink sqlite, select" "$T/err"
assert_contains "select suggestion" "did you mean 'user_id'" "$T/err"
assert_contains "select glob" "pipelines/bad.yml:6:26: sink sqlite, select: 'nope_*' matches no column" "$T/err"
assert_contains "key outside select" "pipelines/bad.yml:8:11: sink sqlite, key" "$T/err"
# help documents the generic keys
"$SLUICE" help sink jsonl >"$T/out"
assert_contains "help where" "where            SQL condition" "$T/out"
assert_contains "help select" "select           list of the columns" "$T/out"
# two sqlite sinks on one warehouse file (Segment's tables in one lane):
# each sink writes and commits in turn (they waited for each other's write
# lock for 30 s, then failed: "database is locked")
rm -f p/pipelines/bad.yml
mkdir -p two/pipelines
echo "name: two" > two/sluice.yml
printf 'id,kind\n1,a\n2,b\n3,a\n' > two/in.csv
cat > two/pipelines/split.yml <<YML
source: {type: csv, path: in.csv}
sinks:
  - {type: sqlite, table: t_a, where: "kind = 'a'"}
  - {type: sqlite, table: t_b, where: "kind = 'b'"}
  - {type: sqlite, table: t_all}
YML
assert_exit 0 "$SLUICE" -C two run split
assert_eq "two sinks, one file" "$(q two/warehouse.db "select (select count(*) from t_a) || ',' || (select count(*) from t_b) || ',' || (select count(*) from t_all)")" "2,1,3"
finish
