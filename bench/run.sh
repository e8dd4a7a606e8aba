#!/bin/sh
# bench/run.sh: sluice beside the tools users would otherwise use, on the same
# generated data, in one run: sqlite3 .import, Miller, jq, and DuckDB
# (bench/duckdb: its Node.js package, pinned, installed on first use) on
# four workloads (CSV -> database file, CSV -> CSV transform, JSONL filter +
# projection, CSV group-by). Reports medians of whole-process wall time,
# CPU and peak RSS, and the ratios, as Markdown on stdout (docs/BENCHMARKS.md
# is this output). Usage:
#   bench/run.sh [--runs N] [--scale10]
# Data: bench/gen.py writes 1M contacts (162 MB CSV) and 2M events (458 MB
# JSONL) into $DATA (default /tmp/sluice-benchdata, outside the repository). --scale10 also measures peak RSS at 10x the input (the files
# concatenated 10 times) to show that memory does not grow with the input.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
RUNS=3
SCALE10=0
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    --scale10) SCALE10=1 ;;
    *) echo "usage: bench/run.sh [--runs N] [--scale10]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench}
. "$here/lib.sh"
build_sluice
duckdb_peer
bench_data
C=$DATA/contacts.csv
E=$DATA/events.jsonl
rm -rf "$WORK"; mkdir -p "$WORK/p/pipelines" "$WORK/out"
echo "name: bench" > "$WORK/p/sluice.yml"
pipelines "$C" "$E"

reset_db="rm -rf $WORK/p/warehouse.db* $WORK/p/.sluice"
# DuckDB (bench/duckdb/duck.mjs): in memory but for the load (a DuckDB file),
# its own number of threads (one per core); the same work as each sluice pipeline
duck_load="rm -f $WORK/duck.db $WORK/duck.db.wal; $DUCK $WORK/duck.db \"CREATE TABLE contacts AS SELECT * FROM read_csv('$C')\""
duck_transform="$DUCK :memory: \"COPY (SELECT * REPLACE (lower(trim(email, ' ' || chr(9))) AS email), first_name || ' ' || last_name AS full_name FROM read_csv('$C', all_varchar = true) WHERE upper(trim(country, ' ' || chr(9))) IN ($KEEP)) TO '$WORK/out/duck_contacts.csv' (HEADER)\""
duck_events="$DUCK :memory: \"COPY (SELECT user_id, account_id, ts, properties.feature AS feature FROM read_json('$E') WHERE event = 'feature_used') TO '$WORK/out/duck_events.jsonl' (FORMAT json)\""
duck_groupby="$DUCK :memory: \"COPY (SELECT country, count(*) AS contacts FROM read_csv('$C') GROUP BY country) TO '$WORK/out/duck_groupby.csv' (HEADER)\""
{
# each set alternates its runs (sluice, peer, DuckDB, sluice, peer, DuckDB...)
measure_pair sluice_csv_sqlite "$reset_db; $SLUICE -C $WORK/p -q run load" \
  sqlite3_import "rm -f $WORK/imp.db; sqlite3 $WORK/imp.db '.import --csv $C contacts'" \
  duck_csv_db "$duck_load"
sqlite3 "$WORK/p/warehouse.db" 'select count(*) from contacts' > "$WORK/rows_sqlite"
echo 'begin{@keep={"US":1,"USA":1,"U.S.":1,"UNITED STATES":1,"UNITED STATES OF AMERICA":1,"CA":1,"CAN":1,"CANADA":1,"GB":1,"UK":1,"U.K.":1,"UNITED KINGDOM":1,"GREAT BRITAIN":1,"ENGLAND":1}} $email = tolower(strip($email)); filter haskey(@keep, toupper(strip($country))); $full_name = $first_name . " " . $last_name' > "$WORK/mlr.dsl"
measure_pair sluice_csv_transform "$reset_db; $SLUICE -C $WORK/p -q run transform" \
  mlr_csv_transform "mlr --icsv --ocsv put -f $WORK/mlr.dsl $C > $WORK/out/mlr_contacts.csv" \
  duck_csv_transform "$duck_transform"
measure_pair sluice_jsonl_filter "$reset_db; $SLUICE -C $WORK/p -q run events" \
  jq_jsonl_filter "jq -c 'select(.event==\"feature_used\") | {user_id, account_id, ts, feature: .properties.feature}' $E > $WORK/out/jq_events.jsonl" \
  duck_jsonl_filter "$duck_events"
measure_pair sluice_csv_groupby "$reset_db; $SLUICE -C $WORK/p -q run groupby" \
  duck_csv_groupby "$duck_groupby"
} > "$WORK/results.txt"

# the outputs must agree before any figure means anything
rows_sqlite=$(cat "$WORK/rows_sqlite")
rows_import=$(sqlite3 "$WORK/imp.db" 'select count(*) from contacts')
rows_sl_csv=$(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline='')))-1)" "$WORK/out/sluice_contacts.csv")
rows_mlr=$(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline='')))-1)" "$WORK/out/mlr_contacts.csv")
rows_sl_ev=$(wc -l < "$WORK/out/sluice_events.jsonl")
rows_jq=$(wc -l < "$WORK/out/jq_events.jsonl")
rows_duck_db=$($DUCK "$WORK/duck.db" "SELECT count(*) FROM contacts")
rows_duck_csv=$(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline='')))-1)" "$WORK/out/duck_contacts.csv")
rows_duck_ev=$(wc -l < "$WORK/out/duck_events.jsonl")
# the group-by: both must give the same groups and counts
groups=$(python3 - "$WORK/out/sluice_groupby.csv" "$WORK/out/duck_groupby.csv" <<'PY'
import csv, sys
def read(p):
    return {(r['country'] or None): int(r['contacts']) for r in csv.DictReader(open(p, newline=''))}
a, b = read(sys.argv[1]), read(sys.argv[2])
print(f"{len(a)} groups, {'same counts' if a == b else 'COUNTS DIFFER'} in DuckDB's {len(b)}")
PY
)

if [ "$SCALE10" = 1 ]; then
  [ -f "$DATA/contacts_cat10.csv" ] || { head -1 "$C" > "$DATA/contacts_cat10.csv"; for i in 1 2 3 4 5 6 7 8 9 10; do tail -n +2 "$C"; done >> "$DATA/contacts_cat10.csv"; }
  [ -f "$DATA/events_cat10.jsonl" ] || for i in 1 2 3 4 5 6 7 8 9 10; do cat "$E"; done > "$DATA/events_cat10.jsonl"
  pipelines "$DATA/contacts_cat10.csv" "$DATA/events_cat10.jsonl"
  RUNS_1X=$RUNS
  RUNS=1
  {
  measure sluice_csv_sqlite_x10 "$reset_db; $SLUICE -C $WORK/p -q run load"
  measure sluice_jsonl_filter_x10 "$reset_db; $SLUICE -C $WORK/p -q run events"
  } >> "$WORK/results.txt"
  pipelines "$C" "$E"
  RUNS=$RUNS_1X
fi

python3 - "$WORK/results.txt" "$RUNS" "$rows_sqlite" "$rows_import" "$rows_sl_csv" "$rows_mlr" "$rows_sl_ev" "$rows_jq" \
  "$rows_duck_db" "$rows_duck_csv" "$rows_duck_ev" "$groups" <<'PY'
import sys
res = {}
for line in open(sys.argv[1]):
    n, w, c, m = line.split()
    res[n] = (float(w), float(c), float(m))
runs = sys.argv[2]
rs, ri, rsc, rm, rse, rj, rdd, rdc, rde, groups = sys.argv[3:13]
MB = {'csv': 165.24, 'jsonl': 460.39}
def row(name, tool, rows, mb):
    w, c, m = res[name]
    return f"| {tool} | {w:.2f} | {rows / w:,.0f} | {mb / w:.1f} | {c:.2f} | {m:.0f} |"
print(f"| tool | median wall s | rows/s (input) | MB/s (input) | cpu s | peak RSS MB |")
print(f"|---|---:|---:|---:|---:|---:|")
print(f"| **CSV -> SQLite, 1M contacts** (rows in table: sluice {rs}, sqlite3 {ri}, DuckDB {rdd}) | | | | | |")
print(row('sluice_csv_sqlite', 'sluice', 1e6, MB['csv']))
print(row('sqlite3_import', 'sqlite3 `.import --csv`', 1e6, MB['csv']))
print(row('duck_csv_db', 'DuckDB 1.5 `CREATE TABLE AS read_csv` (DuckDB file)', 1e6, MB['csv']))
print(f"| **CSV -> CSV transform** (rows out: sluice {rsc}, mlr {rm}, DuckDB {rdc}) | | | | | |")
print(row('sluice_csv_transform', 'sluice', 1e6, MB['csv']))
print(row('mlr_csv_transform', 'mlr 6 `put`', 1e6, MB['csv']))
print(row('duck_csv_transform', 'DuckDB 1.5 `COPY (SELECT ...)`', 1e6, MB['csv']))
print(f"| **JSONL filter + projection, 2M events** (rows out: sluice {rse}, jq {rj}, DuckDB {rde}) | | | | | |")
print(row('sluice_jsonl_filter', 'sluice', 2e6, MB['jsonl']))
print(row('jq_jsonl_filter', 'jq 1.6 `-c`', 2e6, MB['jsonl']))
print(row('duck_jsonl_filter', 'DuckDB 1.5 `COPY (SELECT ...) (FORMAT json)`', 2e6, MB['jsonl']))
print(f"| **CSV group-by country, count** ({groups}) | | | | | |")
print(row('sluice_csv_groupby', 'sluice (`aggregate` transform)', 1e6, MB['csv']))
print(row('duck_csv_groupby', 'DuckDB 1.5 `GROUP BY`', 1e6, MB['csv']))
print()
import os
work = os.path.dirname(sys.argv[1])
def ratio(a, b):
    return res[b][0] / res[a][0]
def paired(a, b):
    """min and max of peer/sluice over the alternating pairs of runs"""
    wa = [float(l.split()[0]) for l in open(os.path.join(work, a + ".runs"))]
    wb = [float(l.split()[0]) for l in open(os.path.join(work, b + ".runs"))]
    rs = [y / x for x, y in zip(wa, wb)]
    return f"(run by run: {min(rs):.2f}x-{max(rs):.2f}x)"
print(f"Ratios (peer wall time / sluice wall time, {runs} alternating runs of each, medians):")
print()
print(f"- CSV -> SQLite: **{ratio('sluice_csv_sqlite', 'sqlite3_import'):.2f}x** faster than `sqlite3 .import` {paired('sluice_csv_sqlite', 'sqlite3_import')}")
print(f"- CSV -> CSV transform: **{ratio('sluice_csv_transform', 'mlr_csv_transform'):.2f}x** faster than Miller {paired('sluice_csv_transform', 'mlr_csv_transform')}")
print(f"- JSONL filter + projection: **{ratio('sluice_jsonl_filter', 'jq_jsonl_filter'):.2f}x** faster than jq {paired('sluice_jsonl_filter', 'jq_jsonl_filter')}")
print()
print("Against DuckDB (DuckDB wall time / sluice wall time, the same alternating runs; above 1 means sluice is faster):")
print()
for a, b, what in (('sluice_csv_sqlite', 'duck_csv_db', 'CSV -> database file (sluice: SQLite; DuckDB: its own file)'),
                   ('sluice_csv_transform', 'duck_csv_transform', 'CSV -> CSV transform'),
                   ('sluice_jsonl_filter', 'duck_jsonl_filter', 'JSONL filter + projection'),
                   ('sluice_csv_groupby', 'duck_csv_groupby', 'CSV group-by')):
    print(f"- {what}: **{ratio(a, b):.2f}x** {paired(a, b)}")
if 'sluice_csv_sqlite_x10' in res:
    print()
    print("Memory at 10x the input (the same files concatenated 10 times; one run):")
    print()
    print("| pipeline | input | wall s | peak RSS MB at 1x | peak RSS MB at 10x |")
    print("|---|---|---:|---:|---:|")
    print(f"| CSV -> SQLite | 10M contacts, 1.65 GB | {res['sluice_csv_sqlite_x10'][0]:.1f} | {res['sluice_csv_sqlite'][2]:.0f} | {res['sluice_csv_sqlite_x10'][2]:.0f} |")
    print(f"| JSONL filter + projection | 20M events, 4.6 GB | {res['sluice_jsonl_filter_x10'][0]:.1f} | {res['sluice_jsonl_filter'][2]:.0f} | {res['sluice_jsonl_filter_x10'][2]:.0f} |")
PY
