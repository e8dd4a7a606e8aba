#!/bin/sh
# bench/http.sh: extraction from an HTTP API: sluice's http source beside a
# shell loop of curl fetching the same pages, in the same run, from the
# local fake API (tests/http/server.py: Python's threading HTTP server, so
# the server's own speed bounds both). Markdown on stdout. Usage:
#   bench/http.sh [--runs N]
# Work: 100,000 records as 1,000 pages of 100 (page pagination). sluice
# writes them into SQLite (typed, flattened); the curl loop writes the raw
# pages to one file. Then reverse ETL: 100,000 rows of an SQLite table sent
# to the fake CRM's batch endpoint, 100 records per request (no peer: the
# tools that do this are hosted services).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
RUNS=3
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    *) echo "usage: bench/http.sh [--runs N]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-http}
. "$here/lib.sh"
build_sluice
rm -rf "$WORK"; mkdir -p "$WORK/p/pipelines"
"$root/scripts/http-test-server.sh" start "$WORK/api" >&2
trap '"$root/scripts/http-test-server.sh" stop "$WORK/api"' EXIT
API=$(cat "$WORK/api/url")
export API
echo "name: bench" > "$WORK/p/sluice.yml"
for c in 1 4; do
cat > "$WORK/p/pipelines/extract_c$c.yml" <<YML
source:
  type: http
  url: \${API}
  path: /page
  params: {n: "100000"}
  pagination: {type: page, size_param: per_page, size: 100, total_path: meta.total}
  records_path: data
  flatten: true
  concurrency: $c
sinks: [{type: sqlite, table: records}]
YML
done
sqlite3 "$WORK/p/people.db" "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 100000)
  INSERT INTO people SELECT i, 'p' || i || '@example.com', 'Person ' || i, i % 100 FROM g"
cat > "$WORK/p/pipelines/sync.yml" <<'YML'
source: {type: sqlite, path: people.db, table: people}
sinks:
  - type: http
    url: ${API}
    key: [id]
    batch_size: 100
    batch_path: /crm/contacts/batch
    batch_body: '{"inputs": {{ records }}}'
    results_path: results
    body: '{"email": {{ email }}, "properties": {"name": {{ name }}, "score": {{ score }}}}'
    concurrency: 4
YML
cat > "$WORK/curl_loop.sh" <<SH
#!/bin/sh
# the pages one after another, as a shell script would fetch them
: > $WORK/pages.json
p=1
while [ \$p -le 1000 ]; do
  curl -sf "$API/page?n=100000&per_page=100&page=\$p" >> $WORK/pages.json || exit 1
  echo >> $WORK/pages.json
  p=\$((p + 1))
done
SH
reset="rm -rf $WORK/p/warehouse.db* $WORK/p/.sluice"
{
measure curl_loop "sh $WORK/curl_loop.sh"
measure sluice_c1 "$reset; $SLUICE -C $WORK/p -q run extract_c1"
measure sluice_c4 "$reset; $SLUICE -C $WORK/p -q run extract_c4"
# each timed sync starts from an empty CRM and sync state: 100k rows sent
measure sluice_sync "curl -sf -X POST --data '{}' $API/_reset; rm -rf $WORK/p/.sluice; $SLUICE -C $WORK/p -q run sync"
curl -sf "$API/_crm" > "$WORK/crm.json"
} > "$WORK/results.txt"
rows=$(sqlite3 "$WORK/p/warehouse.db" 'SELECT count(*) || " rows, " || count(DISTINCT id) || " distinct ids" FROM records')
recs=$(python3 -c "import json,sys; print(sum(len(json.loads(l)['data']) for l in open(sys.argv[1]) if l.strip()))" "$WORK/pages.json")
python3 - "$WORK/results.txt" "$RUNS" "$rows" "$recs" "$WORK/crm.json" <<'PY'
import json, sys
res = {}
for line in open(sys.argv[1]):
    n, w, c, m = line.split()
    res[n] = (float(w), float(c), float(m))
runs, rows, recs = sys.argv[2:5]
N = 100_000
print('| 100,000 records, 1,000 pages of 100, local API | wall s | records/s | CPU s | peak RSS MB | runs |')
print('|---|---|---|---|---|---|')
for key, label in (('curl_loop', 'shell loop of `curl` (raw pages to a file)'),
                   ('sluice_c1', '**sluice** http source -> SQLite, concurrency 1'),
                   ('sluice_c4', '**sluice** http source -> SQLite, concurrency 4')):
    w, c, m = res[key]
    print(f'| {label} | {w:.2f} | {N / w:,.0f} | {c:.2f} | {m:.0f} | {runs} |')
print()
print(f'* curl loop / sluice (concurrency 4) wall time: **{res["curl_loop"][0] / res["sluice_c4"][0]:.1f}x**; '
      f'curl loop / sluice (concurrency 1): {res["curl_loop"][0] / res["sluice_c1"][0]:.1f}x')
print(f'* checked: the SQLite table has {rows}; the curl pages hold {recs} records')
crm = json.load(open(sys.argv[5]))
w, c, m = res['sluice_sync']
print()
print('| reverse ETL: 100,000 rows -> the CRM\'s batch endpoint, 100 per request | wall s | rows/s | CPU s | peak RSS MB | runs |')
print('|---|---|---|---|---|---|')
print(f'| **sluice** sqlite source -> http sink (batch_size 100, concurrency 4) | {w:.2f} | {N / w:,.0f} | {c:.2f} | {m:.0f} | {runs} |')
print()
print(f'* checked at the server after the last run: {crm["records"]} records, {crm["creates"]} created, {crm["requests"]} requests')
PY
