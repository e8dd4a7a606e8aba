#!/bin/sh
# t0049: `sluice run --full-refresh` rebuilds every sink from the source
# (issue #11), SQLite and files (PostgreSQL and http: t0050):
#   - append and upsert tables loaded twice, then --full-refresh after the
#     source lost rows: the table equals the source exactly (count and a
#     checksum), not the old rows plus the source again; the views on the
#     tables survive; a jsonl file sink is rewritten;
#   - a crash in the middle of a --full-refresh (a failpoint kills the
#     process after a staged batch, or just before the swap commits)
#     leaves the old table intact, and the next run, with or without the
#     flag, resumes the refresh;
#   - --full-refresh over an interrupted ordinary append run abandons its
#     epoch (its half-appended rows are replaced too);
#   - an upsert table made by a first --full-refresh keeps working as an
#     upsert table, and refreshes again;
#   - `run --json` has per-sink counts (rows created, updated, deleted,
#     unchanged, failed) and `--dry-run --json` a structured plan.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
# gen KEEP: ids 1..1000 with id % KEEP == 0 (KEEP 1: all) into data/in.csv
gen() {
  python3 -c '
import sys
keep = int(sys.argv[1])
print("id,name,amount")
for i in range(1, 1001):
    if i % keep == 0:
        print(f"{i},name {i},{i % 97}.25")' "$1" > p/data/in.csv
}
# the source's count and checksum, as the tables' below
want() {
  python3 -c '
import csv
rows = list(csv.DictReader(open("p/data/in.csv")))
print("%d|%d|%d|%.2f" % (len(rows), sum(int(r["id"]) for r in rows), sum(len(r["name"]) for r in rows),
                         sum(float(r["amount"]) for r in rows)))'
}
sum_of() { q p/warehouse.db "select count(*) || '|' || coalesce(sum(id), 0) || '|' || coalesce(sum(length(name)), 0) || '|' || printf('%.2f', total(amount)) from $1"; }
# sink SINK FIELD: a sink's count in the last --json run (first run of the document)
sink() {
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
print([s for s in r["sinks"] if s["id"] == sys.argv[2]][0][sys.argv[3]])' "$T/out" "$1" "$2"
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0][sys.argv[2]])' "$T/out" "$1"; }
balanced() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]
sys.exit(r["rows_read"] != r["rows_loaded"] + r["rows_filtered"] + r["rows_rejected"])' "$T/out" \
    && ok || fail "$1: rows_read != rows_loaded + rows_filtered + rows_rejected: $(cat "$T/out")"
}
cat > p/pipelines/app.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks: [{type: sqlite, table: app}]
batch_rows: 100
YML
cat > p/pipelines/ups.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks:
  - {type: sqlite, table: ups, mode: upsert, key: [id]}
  - {type: jsonl, path: out/ups.jsonl}
batch_rows: 100
YML

# ---- loaded twice ------------------------------------------------------
gen 1
for run in 1 2; do
  assert_exit 0 "$SLUICE" -C p --json run app
  assert_eq "append run $run: rows_created" "$(sink sqlite rows_created)" 1000
  assert_exit 0 "$SLUICE" -C p --json run ups
  balanced "upsert run $run"
  assert_eq "upsert run $run: jsonl rows_created" "$(sink jsonl rows_created)" 1000
done
assert_eq "upsert run 2: nothing new, nothing changed" \
  "$(sink sqlite rows_created) $(sink sqlite rows_updated) $(sink sqlite rows_unchanged) $(sink sqlite rows_failed)" "0 0 1000 0"
assert_eq "append twice: the rows twice" "$(q p/warehouse.db 'select count(*) from app')" 2000
assert_eq "upsert twice: the rows once" "$(sum_of ups)" "$(want)"
q p/warehouse.db "create view app_n as select count(*) as n from app; create view ups_big as select id from ups where amount > 90;
  create index app_name on app(name)"

# ---- an upsert that changes 10 rows and adds none: counted so ----------
python3 -c '
import csv, sys
rows = list(csv.reader(open("p/data/in.csv")))
for r in rows[1:11]:
    r[1] = r[1] + " changed"
csv.writer(sys.stdout, lineterminator="\n").writerows(rows)' > p/data/next.csv
mv p/data/next.csv p/data/in.csv
assert_exit 0 "$SLUICE" -C p --json run ups
assert_eq "upsert counts: updated, unchanged" \
  "$(sink sqlite rows_created) $(sink sqlite rows_updated) $(sink sqlite rows_unchanged)" "0 10 990"

# ---- the source lost rows: --full-refresh ------------------------------
gen 2
assert_exit 0 "$SLUICE" -C p --json run app ups --full-refresh
assert_eq "full refresh: status" "$(field status) $(field full_refresh)" "success True"
assert_eq "append table rebuilt: counts" "$(sink sqlite rows_created) $(sink sqlite rows_deleted)" "500 2000"
assert_eq "append table equals the source" "$(sum_of app)" "$(want)"
assert_eq "upsert table equals the source" "$(sum_of ups)" "$(want)"
assert_eq "the view on the table survives, on the new rows" "$(q p/warehouse.db 'select n from app_n')" 500
assert_eq "the view on the upsert table survives" "$(q p/warehouse.db 'select count(*) from ups_big')" \
  "$(python3 -c 'print(sum(1 for i in range(2, 1001, 2) if i % 97 + 0.25 > 90))')"
assert_eq "the index survives" "$(q p/warehouse.db "select count(*) from sqlite_master where name = 'app_name'")" 1
assert_eq "no staging table left" "$(q p/warehouse.db "select count(*) from sqlite_master where name like '%staging%'")" 0
assert_eq "the jsonl file is rewritten" "$(wc -l < p/out/ups.jsonl | tr -d ' ')" 500
assert_exit 0 "$SLUICE" -C p --json run ups
assert_eq "the next ordinary upsert run: nothing changed" \
  "$(sink sqlite rows_created) $(sink sqlite rows_updated) $(sink sqlite rows_unchanged) $(field full_refresh)" "0 0 500 False"

# ---- a crash in the middle of a full refresh: the old table ------------
old=$(sum_of app)
gen 3
set +e
SLUICE_FAILPOINTS=sink.after_commit=crash@3 "$SLUICE" -C p run app --full-refresh >/dev/null 2>&1
rc=$?
set -e
assert_eq "crash after 3 staged batches: killed" "$rc" 137
assert_eq "crash: readers see the old table" "$(sum_of app)" "$old"
assert_eq "crash: the view too" "$(q p/warehouse.db 'select n from app_n')" 500
assert_exit 0 "$SLUICE" -C p --json run app
assert_eq "the next run (no flag) resumes the refresh" "$(field resumed) $(field full_refresh) $(field rows_read)" "True True 33"
assert_eq "resumed refresh: the table equals the source" "$(sum_of app)" "$(want)"
old=$(sum_of app)
gen 5
set +e
SLUICE_FAILPOINTS=sink.before_swap_commit=crash "$SLUICE" -C p run app --full-refresh >/dev/null 2>&1
rc=$?
set -e
assert_eq "crash before the swap commits: killed" "$rc" 137
assert_eq "crash in the swap: the old table" "$(sum_of app)" "$old"
assert_exit 0 "$SLUICE" -C p --json run app --full-refresh
assert_eq "rerun with the flag resumes it" "$(field resumed) $(field full_refresh) $(field rows_read)" "True True 0"
assert_eq "after the swap: the table equals the source" "$(sum_of app)" "$(want)"

# ---- --full-refresh over an interrupted ordinary run -------------------
gen 4
set +e
SLUICE_FAILPOINTS=sink.after_commit=crash@2 "$SLUICE" -C p run app >/dev/null 2>&1
set -e
assert_eq "the interrupted append left rows appended" "$(q p/warehouse.db 'select count(*) from app')" 400
assert_exit 0 "$SLUICE" -C p --json run app --full-refresh
assert_eq "its epoch abandoned, a new one" "$(field resumed) $(field full_refresh)" "False True"
assert_eq "the table equals the source" "$(sum_of app)" "$(want)"

# ---- a first full refresh makes an upsert table ------------------------
cat > p/pipelines/fresh.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks: [{type: sqlite, table: fresh, mode: upsert, key: [id]}]
YML
assert_exit 0 "$SLUICE" -C p --json run fresh --full-refresh
assert_eq "first refresh: made the table" "$(sum_of fresh)" "$(want)"
assert_exit 0 "$SLUICE" -C p --json run fresh --full-refresh
assert_eq "second refresh (the key index has the table's name)" "$(sum_of fresh) $(sink sqlite rows_deleted)" "$(want) 250"
gen 1
assert_exit 0 "$SLUICE" -C p --json run fresh
assert_eq "then an ordinary upsert" "$(sum_of fresh) $(sink sqlite rows_created) $(sink sqlite rows_unchanged)" "$(want) 750 250"
assert_eq "one key index" "$(q p/warehouse.db "select count(*) from sqlite_master where type = 'index' and tbl_name = 'fresh'")" 1

# ---- --dry-run --json: the plan ------------------------------------------
assert_exit 0 "$SLUICE" -C p --json run ups --dry-run
python3 - "$T/out" "$T/p/data/in.csv" <<'PY' && ok || fail "dry-run plan: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
plan = r["plan"]
assert r["run_id"] == "dry-run", r
assert plan["source"] == {"id": "csv", "type": "csv", "inputs": [{"input": sys.argv[2], "rows": 1000}],
                          "inputs_total": 1}, plan["source"]
assert plan["transforms"] == [], plan
assert [(s["id"], s["type"], s["dry_run"], s["rows"], s["would"]) for s in plan["sinks"]] == \
    [("sqlite", "sqlite", False, 1000, None), ("jsonl", "jsonl", False, 1000, None)], plan["sinks"]
PY
finish
