#!/bin/sh
# t0025: a source that cannot read all of its input fails the run; it never
# looks like a short successful read (case 44: an API outage or one failing
# page replaced a full_refresh table with what little was read, a lost page
# counted as one rejected row, exit 0, no alert). Each source below first
# loads a full_refresh table, then meets its fault: the run exits 1, the
# table keeps its rows (the http one in both warehouses, SQLite and
# PostgreSQL), and a failure alert goes out:
#   http: the API down; page 3 of 5 answering 503 after every retry; a
#         permanent 404 (also with on_error: dlq); then the API back: the
#         whole, exactly once;
#   csv:  a truncated .csv.gz and .csv.zst; a glob matching a dangling
#         link; a quote left open to the end of the file;
#   json: a document cut short.
. "$SRC/tests/cli/lib.sh"
rpid=
trap '[ -n "$rpid" ] && kill $rpid 2>/dev/null; rm -rf "$T"' EXIT
API=$(cat "${SLUICE_TEST_HTTPDIR:?run through ctest: its fixture starts the API}/url")
PG_URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export API PG_URL
psql -X -q "$PG_URL" -c "DROP SCHEMA IF EXISTS t0025 CASCADE; CREATE SCHEMA t0025" >/dev/null
pgcount() { psql -X -qtA "$PG_URL" -c "SELECT count(*) FROM t0025.api"; }
curl -sf -X POST -H 'Content-Type: application/json' --data '{}' "$API/_reset" >/dev/null
mkdir -p rx p/pipelines p/data p/g
python3 "$SRC/tests/alerts/receiver.py" rx & rpid=$!
wait_for 10 test -s rx/smtp.port && ok || fail "alert receiver did not start"
export HOOK_URL="http://127.0.0.1:$(cat rx/http.port)/hook/"
cat > p/sluice.yml <<'YML'
name: t
alerts:
  channels:
    - {name: hook, type: webhook, url: "${HOOK_URL}", on: [failure]}
YML
alerts() { [ -f rx/http.jsonl ] && grep -c "\"path\": \"/hook/\"" rx/http.jsonl || echo 0; }
alerted() { test "$(alerts)" -gt "$a0"; }

# ---- http -------------------------------------------------------------------
cat > p/pipelines/api.yml <<'YML'
source:
  type: http
  url: "${API_URL}"
  path: /bad/page
  params: {total: "1", fail: "${FAIL_PAGE:-0}"}
  pagination: {type: page, size_param: per_page, size: 50, total_path: meta.total}
  records_path: data
  retry: {attempts: 2, base: 10ms}
sinks:
  - {type: sqlite, table: api, mode: full_refresh}
  - {type: postgres, url: "${PG_URL}", schema: t0025, table: api, mode: full_refresh}
YML
export API_URL="$API"
assert_exit 0 "$SLUICE" -C p run api
assert_eq "api: loaded" "$(q p/warehouse.db 'SELECT count(*) FROM api')" 230
assert_eq "api: loaded (postgres)" "$(pgcount)" 230
a0=$(alerts)
# one page fails for good
assert_exit 1 env FAIL_PAGE=3 "$SLUICE" -C p run api
assert_contains "api: the failing page is named" "fail=3&page=3&per_page=50: HTTP 503 (after every retry)" "$T/err"
assert_eq "api: table kept after a failing page" "$(q p/warehouse.db 'SELECT count(*) FROM api')" 230
assert_eq "api: table kept after a failing page (postgres)" "$(pgcount)" 230
assert_eq "api: no page in the DLQ as a row" "$(q p/.sluice/state.db 'SELECT count(*) FROM dlq')" 0
wait_for 10 alerted && ok || fail "no failure alert after the failing page"
# the API down
assert_exit 1 env API_URL=http://127.0.0.1:1 "$SLUICE" -C p run api
assert_contains "api down: named" "Couldn't connect to server" "$T/err"
assert_eq "api down: table kept" "$(q p/warehouse.db 'SELECT count(*) FROM api')" 230
assert_eq "api down: table kept (postgres)" "$(pgcount)" 230
assert_eq "api down: history" "$(q p/.sluice/state.db "SELECT status || ' ' || rows_read || ' ' || rows_rejected FROM runs ORDER BY seq DESC LIMIT 1")" "failed 0 0"
# a permanent 404, on_error: dlq or not
for oe in dlq fail; do
  curl -sf -X POST -H 'Content-Type: application/json' --data '{"status_for": {"/bad/page": 404}}' "$API/_control" >/dev/null
  sed -i "/^on_error/d" p/pipelines/api.yml && echo "on_error: $oe" >> p/pipelines/api.yml
  assert_exit 1 "$SLUICE" -C p run api
  assert_contains "404 ($oe): named" "HTTP 404" "$T/err"
  assert_eq "404 ($oe): table kept" "$(q p/warehouse.db 'SELECT count(*) FROM api')" 230
done
curl -sf -X POST -H 'Content-Type: application/json' --data '{}' "$API/_reset" >/dev/null
# back up: the resumed run loads the whole, once
assert_exit 0 "$SLUICE" -C p run api
assert_eq "api back: the whole, once" "$(q p/warehouse.db 'SELECT count(*), count(DISTINCT id) FROM api')" "230|230"
assert_eq "api back: the whole, once (postgres)" "$(psql -X -qtA "$PG_URL" -c 'SELECT count(*), count(DISTINCT id) FROM t0025.api')" "230|230"

# ---- files ------------------------------------------------------------------
python3 -c "
print('id,name')
for i in range(1, 100001): print(f'{i},name{i}')" > p/data/all.csv
gzip -c p/data/all.csv > p/data/full.csv.gz
zstd -q -c p/data/all.csv > p/data/full.csv.zst
for kind in gz zst; do
  cp p/data/full.csv.$kind p/data/cut.csv.$kind
  printf 'source: {type: csv, path: data/cut.csv.%s}\nsinks: [{type: sqlite, table: %s, mode: full_refresh}]\n' $kind $kind \
    > p/pipelines/$kind.yml
  assert_exit 0 "$SLUICE" -C p run $kind
  size=$(wc -c < p/data/full.csv.$kind)
  head -c $((size * 2 / 3)) p/data/full.csv.$kind > p/data/cut.csv.$kind
  assert_exit 1 "$SLUICE" -C p run $kind
  assert_contains "$kind: truncation named" "data ends early (truncated file)" "$T/err"
  assert_eq "$kind: table kept" "$(q p/warehouse.db "SELECT count(*) FROM $kind")" 100000
done
# a glob, one of whose files is a dangling link
head -n 101 p/data/all.csv > p/g/1.csv
printf 'source: {type: csv, path: "g/*.csv"}\nsinks: [{type: sqlite, table: gl, mode: full_refresh}]\n' > p/pipelines/gl.yml
assert_exit 0 "$SLUICE" -C p run gl
ln -s "$T/p/g/gone.csv" p/g/2.csv
assert_exit 1 "$SLUICE" -C p run gl
assert_contains "glob: the unreadable file named" "g/2.csv: No such file or directory" "$T/err"
assert_eq "glob: table kept" "$(q p/warehouse.db 'SELECT count(*) FROM gl')" 100
# a quote open to the end: 89 records swallowed, once counted as one rejected row
head -n 101 p/data/all.csv > p/data/quote.csv
printf 'source: {type: csv, path: data/quote.csv}\nsinks: [{type: sqlite, table: quote, mode: full_refresh}]\n' \
  > p/pipelines/quote.yml
assert_exit 0 "$SLUICE" -C p run quote
sed -i '12s/^11,/11,"/' p/data/quote.csv
assert_exit 1 "$SLUICE" -C p run quote
assert_contains "quote: named" "unterminated quoted field starting at line 12 runs to the end of the file" "$T/err"
assert_eq "quote: table kept" "$(q p/warehouse.db 'SELECT count(*) FROM quote')" 100
# a JSON document cut short
python3 -c "import json; print(json.dumps({'data': [{'id': i} for i in range(1, 1001)]}))" > p/data/doc.json
printf 'source: {type: json, path: data/doc.json, records_path: data}\nsinks: [{type: sqlite, table: doc, mode: full_refresh}]\n' \
  > p/pipelines/doc.yml
assert_exit 0 "$SLUICE" -C p run doc
head -c 5000 p/data/doc.json > p/data/cut.json && mv p/data/cut.json p/data/doc.json
assert_exit 1 "$SLUICE" -C p run doc
assert_contains "json: named" "doc.json: invalid JSON document, no row of it can be loaded" "$T/err"
assert_eq "json: table kept" "$(q p/warehouse.db 'SELECT count(*) FROM doc')" 1000
assert_eq "nothing in the DLQ" "$(q p/.sluice/state.db 'SELECT count(*) FROM dlq')" 0
finish
