#!/bin/sh
# t0026: pagination that never ends or ends early, through the real binary
# against the fake API's misbehaving endpoints (tests/http/server.py /bad/):
#   case 19: the last page answers the cursor it was sent (the run had
#            loaded 24,576 copies of 8 records when its timeout hit): 8
#            rows in 3 requests; the same for a next URL and a Link header
#            that repeat the URL just requested;
#   a cursor or next URL that leads back to an earlier page: exit 1 with a
#            clear error, quickly (not at the pipeline's timeout);
#   case 21: a server that caps per_page at 50 while 100 were asked, with
#            meta.total = 230: 230 rows (it stopped at 50), in 5 requests;
#   max_pages: a run that would read more fails and says so.
. "$SRC/tests/cli/lib.sh"
API=$(cat "${SLUICE_TEST_HTTPDIR:?run through ctest: its fixture starts the API}/url")
export API
reset() { curl -sf -X POST -H 'Content-Type: application/json' --data '{}' "$API/_reset" >/dev/null; }
requests() { curl -sf "$API/_stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['requests'])"; }
mkdir -p p/pipelines
echo "name: t" > p/sluice.yml
# pipe NAME PATH PARAMS PAGINATION [EXTRA]: a pipeline into table NAME
pipe() {
  cat > "p/pipelines/$1.yml" <<YML
source:
  type: http
  url: "\${API}"
  path: $2
  params: $3
  pagination: $4
  records_path: data
  retry: {attempts: 2, base: 10ms}
  ${5:-concurrency: 4}
timeout: 15s
sinks: [{type: sqlite, table: $1}]
YML
}
rows() { q p/warehouse.db "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || min(id) || '-' || max(id) FROM $1"; }

# case 19 and its kin: the cursor or URL just sent comes back
pipe cur /bad/cursor "{n: '8', mode: repeat}" "{type: cursor, cursor_path: next_cursor, param: cursor, size_param: limit, size: 3}"
pipe nxt /bad/next "{n: '8', limit: '3', mode: repeat}" "{type: next_url, next_path: next}"
pipe lnk /bad/link "{n: '8', limit: '3', mode: repeat}" "{type: link}"
for p in cur nxt lnk; do
  reset
  assert_exit 0 "$SLUICE" -C p run "$p"
  assert_eq "$p: rows, distinct, ids" "$(rows $p)" "8 8 1-8"
  assert_eq "$p: requests" "$(requests)" 3
done

# a cycle back to an earlier page fails at once
pipe cyc /bad/cursor "{n: '8', mode: cycle}" "{type: cursor, cursor_path: next_cursor, size_param: limit, size: 3}"
pipe ncyc /bad/next "{n: '8', limit: '3', mode: cycle}" "{type: next_url, next_path: next}"
for p in cyc ncyc; do
  reset
  start=$(date +%s)
  assert_exit 1 "$SLUICE" -C p run "$p"
  assert_contains "$p: the error says why" "pagination does not advance" "$T/err"
  [ $(( $(date +%s) - start )) -lt 10 ] && ok || fail "$p: the failure took the pipeline's timeout"
  assert_eq "$p: requests" "$(requests)" 3
done

# case 21: per_page capped at 50, 100 asked, meta.total 230
pipe tickets /bad/page "{cap: '50', total: '1'}" "{type: page, param: page, size_param: per_page, size: 100, total_path: meta.total}"
reset
assert_exit 0 "$SLUICE" -C p run tickets
assert_eq "tickets: rows" "$(rows tickets)" "230 230 1-230"
assert_eq "tickets: requests" "$(requests)" 5
# the same by offset, without a total, one request at a time
pipe offs /bad/offset "{cap: '50'}" "{type: offset, limit_param: limit, limit: 100}" "concurrency: 1"
reset
assert_exit 0 "$SLUICE" -C p run offs
assert_eq "offs: rows" "$(rows offs)" "230 230 1-230"
assert_eq "offs: requests" "$(requests)" 5

# max_pages
pipe many /bad/cursor "{n: '1000'}" "{type: cursor, cursor_path: next_cursor, size_param: limit, size: 10}" "max_pages: 20"
reset
assert_exit 1 "$SLUICE" -C p run many
assert_contains "max_pages named" "20 pages read in this run and the API has more; max_pages (20) stops here" "$T/err"
assert_eq "max_pages: requests" "$(requests)" 20
finish
