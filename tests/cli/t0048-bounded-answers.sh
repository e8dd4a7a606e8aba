#!/bin/sh
# t0048: the http source's answers are bounded and read as a stream
# (case 49, 2026-11-30: a 300 MB answer took 1 GB of memory, a 300 MB
# string was accepted as one record, an endless answer grew until the
# allocator failed and the process aborted). Against tests/http/big_bodies.py:
#   1. an answer over max_response_size (1 MiB limit, 5 MiB answer) fails
#      the run cleanly: exit 1, the error names the URL and the limit,
#      nothing loaded, little memory;
#   2. an endless answer fails at the limit, the same way;
#   3. a gzip answer that expands past the limit (a bomb of a few KiB) too;
#   4. a record over 64 MiB (the file readers' cap) fails the run, naming it;
#   5. a 60 MiB answer loads every record with a peak RSS far under 60 MiB;
#   6. big pages of a cursor pagination whose next cursor follows the
#      records: every page read, every record once;
#   7. a run killed in the middle of a page resumes inside it: every
#      record exactly once in the warehouse;
#   8. max_response_size must be a size (validate: file:line:col), and
#      `sluice help http` documents it;
#   9. the same kind in files: a JSON Lines line that never ends (a 200 KiB
#      .gz that expands to 200 MiB, no newline) fails at the 64 MiB record
#      cap, like a CSV record, instead of growing a buffer until the
#      allocator fails.
. "$SRC/tests/cli/lib.sh"
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$T"' EXIT
PORT=$(free_port)
python3 "$SRC/tests/http/big_bodies.py" "$PORT" &
spid=$!
API=http://127.0.0.1:$PORT
export API
wait_for 20 curl -sf "$API/healthz" && ok || fail "big_bodies.py did not come up"

# peak RSS in KiB of a command (GNU time), its exit status in $T/rc; shown
# in the log. A sanitizer build (ASan's shadow memory and quarantine) gets
# its bounds multiplied by $X.
X=1
grep -q __asan_init "$SLUICE" && X=4
peak() {
  set +e
  /usr/bin/time -f '%M' -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
  echo $? > "$T/rc"
  set -e
  echo "peak RSS of '$*': $(tail -1 "$T/rss") KiB" >&2
  tail -1 "$T/rss"
}
project() { # NAME SOURCE-YAML [EXTRA-YAML]
  rm -rf "$1"; mkdir -p "$1/pipelines"
  echo "name: $1" > "$1/sluice.yml"
  printf 'source: %s\nsinks: [{type: jsonl, path: out/p.jsonl}]\n%s\n' "$2" "${3:-}" > "$1/pipelines/p.yml"
}
lines() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }

# 1. over the limit
project a '{type: http, url: "${API}", path: /big?mb=5, max_response_size: 1MiB, retry: {attempts: 3, base: 10ms}}'
rss=$(peak "$SLUICE" -C a run)
assert_eq "1: exit" "$(cat "$T/rc")" 1
assert_contains "1: the error names the URL" "GET $API/big?mb=5" "$T/err"
assert_contains "1: ... and the limit" "the answer is larger than max_response_size (1 MiB)" "$T/err"
assert_contains "1: nothing loaded" "read 0, loaded 0" "$T/err"
assert_eq "1: no rows in the output" "$(lines a/out/p.jsonl)" 0
[ "$rss" -lt $((60000 * X)) ] && ok || fail "1: peak RSS $rss KiB"
grep -q "after every retry" "$T/err" && fail "1: a too-large answer was retried" || ok

# 2. endless
project b '{type: http, url: "${API}", path: /endless, max_response_size: 8MB, retry: {attempts: 1}}'
rss=$(peak "$SLUICE" -C b run)
assert_eq "2: exit (no abort)" "$(cat "$T/rc")" 1
assert_contains "2: the limit" "GET $API/endless: the answer is larger than max_response_size (8 MB)" "$T/err"
[ "$rss" -lt $((60000 * X)) ] && ok || fail "2: peak RSS $rss KiB"

# 3. a gzip bomb: counted as what it expands to
project c '{type: http, url: "${API}", path: /gzbomb?mb=200, max_response_size: 10MiB, retry: {attempts: 1}}'
rss=$(peak "$SLUICE" -C c run)
assert_eq "3: exit" "$(cat "$T/rc")" 1
assert_contains "3: the limit" "the answer is larger than max_response_size (10 MiB)" "$T/err"
[ "$rss" -lt $((60000 * X)) ] && ok || fail "3: peak RSS $rss KiB"

# 4. one record over the 64 MiB record cap (the answer is within max_response_size)
project d '{type: http, url: "${API}", path: /bigstr?mb=70, retry: {attempts: 3, base: 10ms}}'
rss=$(peak "$SLUICE" -C d run)
assert_eq "4: exit" "$(cat "$T/rc")" 1
assert_contains "4: the record and the cap" "GET $API/bigstr?mb=70: record 1 is larger than 64 MiB, the limit of one record" "$T/err"
grep -q "after every retry" "$T/err" && fail "4: a record over the cap was retried" || ok
assert_eq "4: nothing loaded" "$(lines d/out/p.jsonl)" 0
[ "$rss" -lt $((200000 * X)) ] && ok || fail "4: peak RSS $rss KiB (one record is at most 64 MiB)"

# 5. a 60 MiB answer within the limit: all of it, in little memory
want=$(curl -s -D - -o /dev/null "$API/big?mb=60" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-records"{print $2}')
project e '{type: http, url: "${API}", path: /big?mb=60, max_response_size: 100MB}'
rss=$(peak "$SLUICE" -C e run)
assert_eq "5: exit" "$(cat "$T/rc")" 0
assert_eq "5: every record" "$(lines e/out/p.jsonl)" "$want"
assert_eq "5: the last one" "$(tail -1 e/out/p.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" "$want"
[ "$rss" -lt $((45000 * X)) ] && ok || fail "5: peak RSS $rss KiB for a 60 MiB answer"

# 6. big pages, the next cursor after the records
project f '{type: http, url: "${API}", path: /pages, params: {n: "40000", pages: "3"}, records_path: data,
  pagination: {type: cursor, cursor_path: next, param: page}}' 'batch_rows: 5000'
assert_exit 0 "$SLUICE" -C f run
assert_eq "6: every record of the 3 pages" "$(lines f/out/p.jsonl)" 120000
assert_eq "6: each once" "$(python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in open("f/out/p.jsonl")}))')" 120000

# 7. killed inside a page (batches of 1000 in pages of 5000): resumed inside it
rm -rf g; mkdir -p g/pipelines
echo "name: g" > g/sluice.yml
cat > g/pipelines/p.yml <<'YML'
source: {type: http, url: "${API}", path: /pages, params: {n: "5000", pages: "2"}, records_path: data,
  pagination: {type: cursor, cursor_path: next, param: page}}
batch_rows: 1000
sinks: [{type: sqlite, table: t}]
YML
set +e
SLUICE_FAILPOINTS="sink.before_checkpoint=crash@3" "$SLUICE" -C g -q run >/dev/null 2>&1
first=$?
set -e
[ "$first" -ne 0 ] && ok || fail "7: the failpoint did not stop the run"
assert_eq "7: rows before the resume" "$(q g/warehouse.db 'select count(*) from t')" 2000
assert_exit 0 "$SLUICE" -C g -q run
assert_eq "7: every record once" "$(q g/warehouse.db 'select count(*), count(distinct id), min(id), max(id) from t')" "10000|10000|1|10000"

# 8. the option
project h '{type: http, url: "${API}", path: /big, max_response_size: lots}'
assert_exit 2 "$SLUICE" -C h validate
assert_contains "8: file:line:col" "pipelines/p.yml:1:" "$T/err"
assert_contains "8: what is wrong" "max_response_size 'lots' is not a size" "$T/err"
assert_exit 0 "$SLUICE" help http
assert_contains "8: help" "max_response_size" "$T/out"

# 9. a JSON Lines bomb
rm -rf j; mkdir -p j/pipelines j/data
echo "name: j" > j/sluice.yml
python3 -c '
import gzip
with gzip.open("j/data/bomb.jsonl.gz", "wb", compresslevel=9) as z:
    z.write(b"{\"a\":\"")
    for _ in range(200):
        z.write(b"x" * (1 << 20))
'
printf 'source: {type: jsonl, path: data/bomb.jsonl.gz}\nsinks: [{type: jsonl, path: out/o.jsonl}]\n' > j/pipelines/p.yml
rss=$(peak "$SLUICE" -C j run)
assert_eq "9: exit" "$(cat "$T/rc")" 1
assert_contains "9: the cap" "bomb.jsonl.gz: a JSON Lines record starting at line 1 is larger than 64 MiB" "$T/err"
[ "$rss" -lt $((200000 * X)) ] && ok || fail "9: peak RSS $rss KiB"
finish
