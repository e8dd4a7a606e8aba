#!/bin/sh
# t0050: `sluice run --full-refresh` on PostgreSQL tables and http sinks
# (issue #11; SQLite and files: t0049):
#   - append and upsert tables loaded twice, then --full-refresh after the
#     source lost rows: the table equals the source exactly (count and a
#     checksum); a view on it and its grants survive;
#   - a crash in the middle of a --full-refresh (after staged batches, or
#     after the swap's statements ran but before they commit) leaves the
#     old table intact; the next run resumes the refresh;
#   - an http sink under --full-refresh sends every row again ("full
#     resync": updates, nothing deleted);
#   - the same with the state store on PostgreSQL (the mark that makes a
#     resumed run a full refresh lives in either store);
#   - `run --json` has per-sink counts (PostgreSQL upsert: inserted vs
#     updated vs unchanged; http: created/updated/unchanged), and
#     `--dry-run --json` a plan with the requests an http sink would send.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
API=$(cat "${SLUICE_TEST_HTTPDIR:?run through ctest: its fixture starts the API}/url")
export URL API
pg() { psql -X -q -At "$URL" -c "$1"; }
ctl() { curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "$API$1" >/dev/null; }
crm() { curl -sf "$API/_crm" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
pg "DROP SCHEMA IF EXISTS t50 CASCADE; DROP ROLE IF EXISTS t50_reader; CREATE ROLE t50_reader"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
gen() {
  python3 -c '
import sys
keep = int(sys.argv[1])
print("id,email,name,amount")
for i in range(1, 1001):
    if i % keep == 0:
        print(f"{i},p{i}@example.com,name {i},{i % 97}.25")' "$1" > p/data/in.csv
}
want() {
  python3 -c '
import csv
rows = list(csv.DictReader(open("p/data/in.csv")))
print("%d|%d|%d|%.2f" % (len(rows), sum(int(r["id"]) for r in rows), sum(len(r["name"]) for r in rows),
                         sum(float(r["amount"]) for r in rows)))'
}
sum_of() { pg "select count(*) || '|' || coalesce(sum(id), 0) || '|' || coalesce(sum(length(name)), 0) || '|' || to_char(coalesce(sum(amount), 0), 'FM999999990.00') from t50.$1"; }
sink() {
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
print([s for s in r["sinks"] if s["id"] == sys.argv[2]][0][sys.argv[3]])' "$T/out" "$1" "$2"
}
counts() { for f in rows_created rows_updated rows_deleted rows_unchanged rows_failed; do printf '%s ' "$(sink "$1" $f)"; done; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0][sys.argv[2]])' "$T/out" "$1"; }
cat > p/pipelines/app.yml <<'YML'
source: {type: csv, path: data/in.csv, columns: {amount: decimal}}
sinks: [{type: postgres, url: "${URL}", schema: t50, table: app}]
batch_rows: 100
YML
cat > p/pipelines/ups.yml <<'YML'
source: {type: csv, path: data/in.csv, columns: {amount: decimal}}
sinks: [{type: postgres, url: "${URL}", schema: t50, table: ups, mode: upsert, key: [id]}]
batch_rows: 100
YML

# ---- loaded twice ------------------------------------------------------
gen 1
for run in 1 2; do
  assert_exit 0 "$SLUICE" -C p --json run app
  assert_eq "append run $run: counts" "$(counts postgres)" "1000 0 0 0 0 "
  assert_exit 0 "$SLUICE" -C p --json run ups
done
assert_eq "upsert run 2: all unchanged" "$(counts postgres)" "0 0 0 1000 0 "
assert_eq "append twice: the rows twice" "$(pg 'select count(*) from t50.app')" 2000
assert_eq "upsert: the source" "$(sum_of ups)" "$(want)"
pg "CREATE VIEW t50.app_n AS SELECT count(*) AS n FROM t50.app; GRANT SELECT ON t50.app TO t50_reader"
python3 -c '
import csv, sys
rows = list(csv.reader(open("p/data/in.csv")))
for r in rows[1:11]:
    r[2] = r[2] + " changed"
rows.append(["1001", "p1001@example.com", "name 1001", "1.25"])
csv.writer(sys.stdout, lineterminator="\n").writerows(rows)' > p/data/next.csv
mv p/data/next.csv p/data/in.csv
assert_exit 0 "$SLUICE" -C p --json run ups
assert_eq "upsert: 1 inserted, 10 updated, the rest unchanged" "$(counts postgres)" "1 10 0 990 0 "

# ---- the source lost rows: --full-refresh ------------------------------
gen 2
assert_exit 0 "$SLUICE" -C p --json run app ups --full-refresh
assert_eq "full refresh: status" "$(field status) $(field full_refresh)" "success True"
assert_eq "append table rebuilt: counts" "$(counts postgres)" "500 0 2000 0 0 "
assert_eq "append table equals the source" "$(sum_of app)" "$(want)"
assert_eq "upsert table equals the source" "$(sum_of ups)" "$(want)"
assert_eq "the view survives, on the new rows" "$(pg 'select n from t50.app_n')" 500
assert_eq "the grant survives" "$(pg "select has_table_privilege('t50_reader', 't50.app', 'SELECT')")" t
assert_eq "no staging table left" "$(pg "select count(*) from pg_tables where schemaname = 't50' and tablename like '%staging%'")" 0

# ---- a crash in the middle of a full refresh: the old table ------------
old=$(sum_of app)
gen 3
set +e
SLUICE_FAILPOINTS=sink.after_commit=crash@3 "$SLUICE" -C p run app --full-refresh >/dev/null 2>&1
rc=$?
set -e
assert_eq "crash after 3 staged batches: killed" "$rc" 137
assert_eq "crash: readers see the old table" "$(sum_of app)" "$old"
assert_exit 0 "$SLUICE" -C p --json run app
assert_eq "the next run resumes the refresh" "$(field resumed) $(field full_refresh) $(field rows_read)" "True True 33"
assert_eq "resumed refresh: the table equals the source" "$(sum_of app)" "$(want)"
old=$(sum_of app)
gen 5
set +e
SLUICE_FAILPOINTS=sink.before_swap_commit=crash "$SLUICE" -C p run app --full-refresh >/dev/null 2>&1
rc=$?
set -e
assert_eq "crash before the swap commits: killed" "$rc" 137
assert_eq "crash in the swap: the old table" "$(sum_of app)" "$old"
assert_eq "crash in the swap: the view" "$(pg 'select n from t50.app_n')" 333
assert_exit 0 "$SLUICE" -C p --json run app --full-refresh
assert_eq "rerun resumes it" "$(field resumed) $(field full_refresh)" "True True"
assert_eq "after the swap: the table equals the source" "$(sum_of app)" "$(want)"

# ---- a first full refresh makes an upsert table that stays one ---------
cat > p/pipelines/fresh.yml <<'YML'
source: {type: csv, path: data/in.csv, columns: {amount: decimal}}
sinks: [{type: postgres, url: "${URL}", schema: t50, table: fresh, mode: upsert, key: [id]}]
YML
assert_exit 0 "$SLUICE" -C p --json run fresh --full-refresh
assert_exit 0 "$SLUICE" -C p --json run fresh --full-refresh
assert_eq "refreshed twice" "$(sum_of fresh) $(counts postgres)" "$(want) 200 0 200 0 0 "
gen 1
assert_exit 0 "$SLUICE" -C p --json run fresh
assert_eq "then an ordinary upsert" "$(sum_of fresh) $(counts postgres)" "$(want) 800 0 0 200 0 "

# ---- the state store on PostgreSQL: an interrupted refresh resumes ----
export PGOPTIONS='-c client_min_messages=warning'
ADMIN=${URL%/*}/postgres
# a database of our own: other tests use the sluice_state schema of theirs
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS t0050" -c "CREATE DATABASE t0050"
SURL=${URL%/*}/t0050
export SURL
mkdir -p s/pipelines
printf 'name: s\nstate: {type: postgres, url: "${SURL}"}\n' > s/sluice.yml
printf 'source: {type: csv, path: %s/p/data/in.csv}\nsinks: [{type: sqlite, table: app}]\nbatch_rows: 100\n' "$T" \
  > s/pipelines/app.yml
gen 1
assert_exit 0 "$SLUICE" -C s run app
assert_exit 0 "$SLUICE" -C s run app
assert_eq "pg state: appended twice" "$(q s/warehouse.db 'select count(*) from app')" 2000
gen 4
set +e
SLUICE_FAILPOINTS=sink.after_commit=crash@2 "$SLUICE" -C s run app --full-refresh >/dev/null 2>&1
rc=$?
set -e
assert_eq "pg state: crash during the refresh" "$rc" 137
assert_eq "pg state: the old table" "$(q s/warehouse.db 'select count(*) from app')" 2000
assert_exit 0 "$SLUICE" -C s --json run app
assert_eq "pg state: the next run resumes the refresh" "$(field resumed) $(field full_refresh) $(field rows_read)" "True True 50"
assert_eq "pg state: the table is the source" "$(q s/warehouse.db 'select count(*), sum(id) from app')" "250|125500"

# ---- http: --full-refresh resends every row, deletes nothing -----------
gen 10
cat > p/pipelines/sync.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks:
  - type: http
    url: ${API}
    key: [id]
    mode: mirror
    path: /crm/contacts
    update_path: /crm/contacts/{{ dest_id }}
    body: '{"email": {{ email }}, "properties": {"name": {{ name }}}}'
YML
ctl /_reset '{}'
assert_exit 0 "$SLUICE" -C p --json run sync
assert_eq "first sync: created" "$(counts http)" "100 0 0 0 0 "
assert_exit 0 "$SLUICE" -C p --json run sync
assert_eq "no change: unchanged, nothing sent" "$(counts http)$(crm requests)" "0 0 0 100 0 100"
assert_exit 0 "$SLUICE" -C p --json run sync --dry-run --full-refresh
python3 - "$T/out" "$API" <<'PY' && ok || fail "dry-run plan: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
plan = r["plan"]
assert r["run_id"] == "dry-run" and plan["full_refresh"] is True, r
assert plan["source"]["type"] == "csv" and plan["source"]["inputs"][0]["rows"] == 100, plan["source"]
[s] = plan["sinks"]
assert s["id"] == "http" and s["dry_run"] is True and s["rows"] == 100, s
assert s["would"] == {"created": 0, "updated": 100, "deleted": 0, "unchanged": 0, "failed": 0}, s["would"]
req = s["requests"]
assert len(req) == 3, req
assert req[0]["method"] == "PATCH" and req[0]["url"].startswith(sys.argv[2] + "/crm/contacts/c"), req[0]
body = json.loads(req[0]["body"])
assert body == {"email": "p10@example.com", "properties": {"name": "name 10"}}, body
PY
assert_eq "the dry run sent nothing" "$(crm requests)" 100
assert_exit 0 "$SLUICE" -C p --json run sync --full-refresh
assert_eq "full refresh: every row sent again as an update" "$(counts http)" "0 100 0 0 0 "
assert_eq "at the CRM: 100 updates, no delete, 100 records" "$(crm updates) $(crm deletes) $(crm records)" "100 0 100"
finish
