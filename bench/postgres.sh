#!/bin/sh
# bench/postgres.sh: sluice and PostgreSQL, beside the tools users would
# otherwise use, on the same data in one run. Markdown on stdout (the
# PostgreSQL section of docs/BENCHMARKS.md is this output). Usage:
#   bench/postgres.sh [--runs N] [--pgloader-runs N] [--extract-rows N]
# A throwaway PostgreSQL 15 server at its default settings (fsync on,
# synchronous_commit on, shared_buffers 128MB) is started on 127.0.0.1 in
# /tmp/sluice-bench-pg and stopped at the end. Measured:
#   1. the 1M-contact CSV (bench/gen.py) into one typed table
#      (bigint, text, integer, timestamptz): psql \copy, pgloader, sluice
#      (append; casting, validating and checkpointing). Each timed command
#      drops and creates the table itself.
#   2. sluice upserting the same 1M rows (990,049 distinct ids) onto the
#      table those ids already fill: unchanged, then with a new lead_score.
#   3. sluice extracting a PostgreSQL table (default 10M rows) into SQLite
#      incrementally (cursor + key), with peak RSS; and the rerun (0 rows).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
RUNS=3
PGL_RUNS=1
XROWS=10000000
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    --pgloader-runs) PGL_RUNS=$2; shift ;;
    --extract-rows) XROWS=$2; shift ;;
    *) echo "usage: bench/postgres.sh [--runs N] [--pgloader-runs N] [--extract-rows N]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-pgwork}
PGDIR=/tmp/sluice-bench-pg
. "$here/lib.sh"
build_sluice
bench_data
C=$DATA/contacts.csv
PG_TEST_FSYNC=on "$root/scripts/pg-test-server.sh" start "$PGDIR" >&2
trap '"$root/scripts/pg-test-server.sh" stop "$PGDIR"' EXIT
URL=$(cat "$PGDIR/url")
PORT=$(echo "$URL" | sed 's/.*:\([0-9]*\)\/.*/\1/')
export URL
rm -rf "$WORK"; mkdir -p "$WORK/p/pipelines"
echo "name: bench" > "$WORK/p/sluice.yml"
DDL="CREATE TABLE contacts_typed (id bigint, email text, first_name text, last_name text, company text, domain text, phone text, country text, lifecycle_stage text, lead_score integer, created_at timestamptz, updated_at timestamptz)"
PSQL="psql -X -q $URL"
cat > "$WORK/p/pipelines/load.yml" <<YML
source: {type: csv, path: $C}
sinks: [{type: postgres, url: "\${URL}", table: contacts_typed}]
YML
cat > "$WORK/p/pipelines/upsert.yml" <<YML
source: {type: csv, path: $C}
sinks: [{type: postgres, url: "\${URL}", table: contacts_typed, mode: upsert, key: [id]}]
YML
cat > "$WORK/p/pipelines/upsert_changed.yml" <<YML
source: {type: csv, path: $C}
transforms: [{type: derive, columns: {lead_score: "abs(random() % 100)"}}]
sinks: [{type: postgres, url: "\${URL}", table: contacts_typed, mode: upsert, key: [id]}]
YML
cat > "$WORK/p/pipelines/extract.yml" <<YML
source: {type: postgres, url: "\${URL}", table: big, cursor: updated_at, cursor_key: id}
sinks: [{type: sqlite, table: big}]
YML
cat > "$WORK/contacts.load" <<LOAD
LOAD CSV
     FROM '$C'
          (id, email, first_name, last_name, company, domain, phone, country,
           lifecycle_stage, lead_score, created_at, updated_at)
     INTO postgresql://postgres@127.0.0.1:$PORT/sluice_test
          TARGET TABLE contacts_typed
     WITH skip header = 1,
          fields optionally enclosed by '"',
          fields escaped by double-quote,
          fields terminated by ','
  BEFORE LOAD DO
     \$\$ DROP TABLE IF EXISTS contacts_typed; \$\$,
     \$\$ $DDL; \$\$;
LOAD

check() { $PSQL -At -c 'SELECT count(*), count(lead_score), min(created_at), max(updated_at) FROM contacts_typed'; }
fresh="$PSQL -c 'DROP TABLE IF EXISTS contacts_typed; DROP TABLE IF EXISTS _sluice_state' -c '$DDL'"
{
measure_n psql_copy_typed "$RUNS" "$PSQL -c 'DROP TABLE IF EXISTS contacts_typed' -c '$DDL' -c \"\\copy contacts_typed from '$C' with (format csv, header true)\""
check > "$WORK/check_copy"
measure_n sluice_pg_typed "$RUNS" "$fresh; rm -rf $WORK/p/.sluice; $SLUICE -C $WORK/p -q run load"
check > "$WORK/check_sluice"
# the upsert target: the CSV's 990,049 distinct ids, loaded by the warm-up
# run (the file repeats some ids, which a unique key cannot take twice)
sh -c "$fresh" >/dev/null 2>&1
measure_n sluice_pg_upsert "$RUNS" "rm -rf $WORK/p/.sluice; $SLUICE -C $WORK/p -q run upsert"
check > "$WORK/check_upsert"
measure_n sluice_pg_upsert_changed "$RUNS" "rm -rf $WORK/p/.sluice; $SLUICE -C $WORK/p -q run upsert_changed"
measure_n pgloader_typed "$PGL_RUNS" "cd $WORK && pgloader --no-ssl-cert-verification $WORK/contacts.load"
check > "$WORK/check_pgloader"
} > "$WORK/results.txt"

# the extraction source: XROWS rows, 1000 sharing each updated_at value
$PSQL -c "DROP TABLE IF EXISTS big" -c "CREATE TABLE big AS SELECT g AS id, 'user' || g || '@example.com' AS email,
  (g % 1000) * 1.25 AS amount, timestamptz '2026-01-01' + (g / 1000) * interval '1 second' AS updated_at,
  g % 7 = 0 AS active FROM generate_series(1, $XROWS) g" -c "CREATE INDEX ON big (updated_at, id)" -c "ANALYZE big"
{
measure_n sluice_pg_extract 1 "rm -rf $WORK/p/warehouse.db* $WORK/p/.sluice; $SLUICE -C $WORK/p -q run extract"
measure_n sluice_pg_extract_rerun 1 "$SLUICE -C $WORK/p -q run extract"
} >> "$WORK/results.txt"
sqlite3 "$WORK/p/warehouse.db" 'SELECT count(*), count(DISTINCT id) FROM big' > "$WORK/check_extract"

python3 - "$WORK" "$RUNS" "$PGL_RUNS" "$XROWS" <<'PY'
import sys
work, runs, pgl_runs, xrows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
res = {}
for line in open(f'{work}/results.txt'):
    n, w, c, m = line.split()
    res[n] = (float(w), float(c), float(m))
chk = {k: open(f'{work}/check_{k}').read().strip() for k in ('copy', 'sluice', 'upsert', 'pgloader', 'extract')}
rows = 1_000_000
def row(label, key, n):
    w, c, m = res[key]
    return f'| {label} | {w:.2f} | {rows / w:,.0f} | {c:.2f} | {m:.0f} | {n} |'
print('| 1M contacts CSV (165 MB) -> typed PostgreSQL table | wall s | rows/s | client CPU s | peak RSS MB | runs |')
print('|---|---|---|---|---|---|')
print(row('psql `\\copy`', 'psql_copy_typed', runs))
print(row('**sluice** (csv -> postgres, append)', 'sluice_pg_typed', runs))
print(row('pgloader', 'pgloader_typed', pgl_runs))
print(row('**sluice** upsert of the same 1M rows onto the 990,049-row table they fill (nothing changed)', 'sluice_pg_upsert', runs))
print(row('**sluice** upsert of the 1M rows with a new lead_score (about 99% of rows changed)', 'sluice_pg_upsert_changed', runs))
cw, sw, pw = res['psql_copy_typed'][0], res['sluice_pg_typed'][0], res['pgloader_typed'][0]
print()
print(f'* sluice / `\\copy` wall time: **{sw / cw:.2f}** (target <= 1.0)')
print(f'* pgloader / sluice wall time: **{pw / sw:.1f}x** (target >= 10x)')
print(f'* upsert: {rows / res["sluice_pg_upsert"][0]:,.0f} rows/s when nothing changed (unchanged rows are not rewritten), '
      f'{rows / res["sluice_pg_upsert_changed"][0]:,.0f} rows/s when almost every row changed')
print(f'* loaded tables agree (count, non-null lead_score, min created_at, max updated_at): '
      f'`\\copy` {chk["copy"]}; sluice {chk["sluice"]}; after upsert {chk["upsert"]}; pgloader {chk["pgloader"]}')
print()
w, c, m = res['sluice_pg_extract']
rw = res['sluice_pg_extract_rerun'][0]
print(f'| PostgreSQL table of {xrows:,} rows -> SQLite, incremental (cursor updated_at, key id) | wall s | rows/s | CPU s | peak RSS MB |')
print('|---|---|---|---|---|')
print(f'| first run (everything) | {w:.2f} | {xrows / w:,.0f} | {c:.2f} | {m:.0f} |')
print(f'| rerun, no changes (0 rows) | {rw:.2f} | - | {res["sluice_pg_extract_rerun"][1]:.2f} | {res["sluice_pg_extract_rerun"][2]:.0f} |')
print()
print(f'* SQLite table after the runs (count, distinct ids): {chk["extract"]}')
PY
