#!/bin/sh
# t0047: SIGTERM and the pipeline's `timeout:` reach a run busy inside a
# wide input (issue #11 item 5, case 46-many-columns-quadratic: SIGTERM at
# 120 s acted at 258 s). Readers check the run's cancellation once per
# record and typing once per column; the failpoints source.record and
# typing.column (sleepMS) make those loops slow on purpose, so a run whose
# loops did not check would not end for minutes. We poll for the process
# to exit for up to 20 s and assert that it did, and that the history
# records the run as cancelled / timeout: no assertion on how fast.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
python3 - <<'PY'
n = 3000
with open('p/data/rows.csv', 'w') as f:       # 3000 columns, 200 rows: 87 rows a batch
    f.write(','.join('c%d' % i for i in range(n)) + '\n')
    for r in range(200):
        f.write(','.join(str(r) for i in range(n)) + '\n')
with open('p/data/cols.csv', 'w') as f:       # 50,000 columns, one row
    f.write(','.join('c%d' % i for i in range(50000)) + '\n'); f.write(','.join('1' for i in range(50000)) + '\n')
PY
cat > p/pipelines/rows.yml <<'Y'
source: {type: csv, path: data/rows.csv, max_columns: 5000}
sinks: [{type: sqlite, table: rows}]
Y
cat > p/pipelines/cols.yml <<'Y'
source: {type: csv, path: data/cols.csv, max_columns: 50000}
sinks: [{type: jsonl, path: out/cols.jsonl}]
Y

# exited PID: 0 once the process is gone
exited() { ! kill -0 "$1" 2>/dev/null; }
# status of the newest run of pipeline $1 in the history
last_status() {
  "$SLUICE" -C p --json history "$1" >"$T/hist" 2>/dev/null || return 1
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["status"])' "$T/hist"
}
running() { [ "$(last_status "$1")" = running ]; }

# $1 pipeline, $2 failpoint: SIGTERM once the run is recorded as running
term_while_busy() {
  SLUICE_FAILPOINTS="$2" "$SLUICE" -C p run "$1" -q >"$T/run.out" 2>"$T/run.err" &
  pid=$!
  if wait_for 20 running "$1"; then ok; else fail "$1: the run never showed as running"; fi
  sleep 0.5 # inside the slow loop
  kill -TERM "$pid"
  if wait_for 20 exited "$pid"; then ok; else fail "$1: still running 20 s after SIGTERM"; kill -KILL "$pid"; fi
  set +e; wait "$pid"; rc=$?; set -e
  assert_eq "$1: exit status after SIGTERM" "$rc" 1
  assert_eq "$1: history after SIGTERM" "$(last_status "$1")" cancelled
}

# 1. a reader between records: 200 ms a record, 87 records a batch
term_while_busy rows "source.record=sleep200"
# 2. typing between columns: 2 ms a column, 50,000 columns in one batch
term_while_busy cols "typing.column=sleep2"
assert_eq "nothing half-written" "$(ls p/out 2>/dev/null | grep -c 'cols.jsonl$' || true)" 0

# 3. the pipeline's timeout ends the same slow reader
printf 'timeout: 2s\n' >> p/pipelines/rows.yml
SLUICE_FAILPOINTS="source.record=sleep200" "$SLUICE" -C p run rows -q >"$T/run.out" 2>"$T/run.err" &
pid=$!
if wait_for 30 exited "$pid"; then ok; else fail "rows: still running 30 s into a 2 s timeout"; kill -KILL "$pid"; fi
set +e; wait "$pid"; rc=$?; set -e
assert_eq "timeout exit status" "$rc" 1
assert_eq "history after timeout" "$(last_status rows)" timeout
assert_contains "timeout error" "timed out after 2s" "$T/run.err"
finish
