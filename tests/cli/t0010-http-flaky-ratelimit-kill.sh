#!/bin/sh
# t0010: the http source against the fake API (tests/http/server.py):
#   1. a flaky API: PAGES pages (default 100; the closing note's figure is
#      PAGES=2000) with 30% of requests failing (500/502/503/429, half of the
#      429/503 with Retry-After in seconds, half as an HTTP date), 2%
#      connection resets, 1% truncated bodies: every page, 0 duplicates,
#      0 Retry-After violations; prints requests per page;
#   2. two pipelines in one rate_limit_group, run at once in two processes,
#      never exceed the group's rate together (measured at the server);
#   3. SIGKILL during an extraction, rerun: 0 records lost, 0 duplicated.
. "$SRC/tests/cli/lib.sh"
PAGES=${PAGES:-100}
KILLS=${KILLS:-5}
API=$(cat "${SLUICE_TEST_HTTPDIR:?run through ctest: its fixture starts the API}/url")
export API
ctl() { curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "$API$1" >/dev/null; }
stat() { curl -sf "$API/_stats?window=${2:-1}" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
N=$((PAGES * 10))

# 1. flaky
ctl /_reset '{}'
ctl /_control '{"fail_rate": 0.3, "reset_rate": 0.02, "truncate_rate": 0.01, "seed": 11}'
cat > p/pipelines/flaky.yml <<YML
source:
  type: http
  url: \${API}
  path: /page
  params: {n: "$N"}
  pagination: {type: page, size_param: per_page, size: 10, total_path: meta.total}
  records_path: data
  concurrency: 4
  retry: {attempts: 12, base: 100ms, cap: 2s}
sinks: [{type: sqlite, table: flaky}]
YML
start=$(date +%s%N)
assert_exit 0 "$SLUICE" -C p -q run flaky
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "flaky: records" "$(q p/warehouse.db 'SELECT count(*), count(DISTINCT id) FROM flaky')" "$N|$N"
pages=$(curl -sf "$API/_stats" | python3 -c "import json,sys; d=json.load(sys.stdin)['pages']; print(len([k for k in d if k.startswith('/page:')]))")
assert_eq "flaky: distinct pages fetched" "$pages" "$PAGES"
assert_eq "flaky: Retry-After violations" "$(stat violations)" 0
req=$(stat requests)
echo "flaky API: $PAGES pages fetched of $PAGES, $N records, duplicates $(q p/warehouse.db "SELECT count(*) - count(DISTINCT id) FROM flaky"), Retry-After violations $(stat violations), $req requests ($(python3 -c "print(round($req / $PAGES, 2))") per page), statuses $(curl -sf "$API/_stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['statuses'])"), ${ms} ms"

# 2. two pipelines, one rate_limit_group of 5 requests/s
ctl /_reset '{}'
for x in a b; do
  cat > p/pipelines/rl_$x.yml <<YML
source:
  type: http
  url: \${API}
  path: /offset
  params: {n: "300"}
  pagination: {type: offset, limit_param: limit, limit: 10}
  records_path: items
  rate_limit: 300/min
  burst: 1
  rate_limit_group: crm
  concurrency: 4
sinks: [{type: sqlite, table: rl_$x}]
YML
done
"$SLUICE" -C p -q run rl_a >/dev/null 2>&1 &
pa=$!
"$SLUICE" -C p -q run rl_b >/dev/null 2>&1 &
pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
assert_eq "rate limit runs" "$ra$rb" "00"
# a token bucket of rate r and burst b allows at most r*w + b requests in any w seconds
for w in 1 2 5; do
  got=$(stat max_in_window $w)
  max=$((5 * w + 1))
  [ "$got" -le "$max" ] && ok || fail "rate limit: $got requests in a ${w}s window, more than $max"
  echo "rate limit group (5/s, burst 1, two pipelines at once): at most $got requests in any ${w}s window (bound $max), $(stat requests) requests"
done

# 3. SIGKILL during an extraction (append: a duplicate would show)
ctl /_reset '{}'
ctl /_control '{"delay": 0.025}'
cat > p/pipelines/kill.yml <<YML
source:
  type: http
  url: \${API}
  path: /cursor
  params: {n: "3000"}
  pagination: {type: cursor, cursor_path: next_cursor, size_param: limit, size: 25}
  records_path: data
batch_rows: 100
sinks: [{type: sqlite, table: k}]
YML
i=0; lost=0; dup=0; humans=0; finished=0
while [ $i -lt "$KILLS" ]; do
  i=$((i + 1))
  rm -rf p/warehouse.db* p/.sluice
  # the moment of the kill, computed before the run starts (an interpreter
  # starting between the start and the kill would move it later)
  delay_s=$(python3 -c "import random; random.seed($i); print(random.uniform(0.2, 2.5))")
  "$SLUICE" -C p -q run kill >/dev/null 2>&1 &
  pid=$!
  sleep "$delay_s"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  # a run that finished before the kill has loaded everything; a new run
  # would extract (and append) it all again, as it should
  last=$("$SLUICE" -C p --json history kill --limit 1 | python3 -c 'import json,sys; r=json.load(sys.stdin)["runs"]; print(r[0]["status"] if r else "none")')
  if [ "$last" != success ]; then
    "$SLUICE" -C p -q run kill >/dev/null 2>"$T/err" || { humans=$((humans + 1)); cat "$T/err" >&2; }
  else
    finished=$((finished + 1))
  fi
  got=$(q p/warehouse.db 'SELECT count(*) || "|" || count(DISTINCT id) FROM k')
  lost=$((lost + 3000 - ${got#*|})); dup=$((dup + ${got%|*} - ${got#*|}))
  assert_eq "kill $i" "$got" "3000|3000"
done
echo "kill during extraction: $KILLS kills: records lost $lost, duplicated $dup, finished before the kill $finished, reruns that failed $humans"
assert_eq "reruns needing a human" "$humans" 0
finish
