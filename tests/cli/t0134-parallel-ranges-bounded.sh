#!/bin/sh
# t0134: memory stays bounded whatever the range size. A file of a few MB
# read in ranges of 1 byte (SLUICE_RANGE_BYTES) gives what one reader
# gives, byte for byte, with a peak RSS close to one reader's. It grew to
# 143 MB in ranges of 64 bytes and past 300 MB in ranges of 1 byte (every
# batch handed on pointed to the 64 KiB string blocks of thousands of
# tiny ranges' batches), and ranges of 1 byte ran for minutes (millions
# of ranges, each reading 256 KiB: a file is now cut into at most 4096).
# The run's --json summary and its history say how the file was read
# (ranges, range_workers), which only the -v log said before.
. "$SRC/tests/cli/lib.sh"
python3 "$SRC/tests/cli/gen_ranges.py" csv 126 100000 "$T/t.csv"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
one() { # parallel range_bytes -> out.csv, rss, dlq, summary, run.json, history.json
  rm -rf p/.sluice "$T/out.csv"
  # a state store made before runs said how they read (no ranges columns)
  mkdir -p p/.sluice
  q p/.sluice/state.db "CREATE TABLE runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT UNIQUE NOT NULL,
    pipeline TEXT NOT NULL, epoch INTEGER NOT NULL, status TEXT NOT NULL, resumed INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL, finished_at TEXT, duration_s REAL, rows_read INTEGER DEFAULT 0,
    rows_loaded INTEGER DEFAULT 0, rows_filtered INTEGER DEFAULT 0, rows_rejected INTEGER DEFAULT 0,
    bytes_read INTEGER DEFAULT 0, error TEXT, rows_derived INTEGER DEFAULT 0)"
  printf 'source: {type: csv, path: %s/t.csv, parallel: "%s"}\nsinks: [{type: csv, path: %s/out.csv}]\n' \
    "$T" "$1" "$T" > p/pipelines/r.yml
  SLUICE_RANGE_BYTES=$2 /usr/bin/time -f %M -o "$T/rss" "$SLUICE" -C p -v --json run r > "$T/run.json" 2> "$T/run.err" ||
    fail "parallel $1: $(tail -3 "$T/run.err")"
  "$SLUICE" -C p --json history r > "$T/history.json"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]
print("read %(rows_read)d, loaded %(rows_loaded)d, filtered %(rows_filtered)d, rejected %(rows_rejected)d" % r)' "$T/run.json" > "$T/summary"
  q p/.sluice/state.db "select line, \"offset\", reason, hex(raw) from dlq order by \"offset\"" > "$T/dlq"
}
one false 1
cp "$T/out.csv" "$T/seq.csv"; cp "$T/dlq" "$T/seq.dlq"; cp "$T/summary" "$T/seq.summary"
seq_rss=$(cat "$T/rss")
how() { # file: "ranges range_workers" of the run
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print(r["ranges"], r["range_workers"])' "$1"
}
assert_eq "one reader: --json says so" "$(how "$T/run.json")" "0 0"
assert_eq "one reader: history says so" "$(how "$T/history.json")" "0 0"
assert_eq "one reader: counts" "$(cat "$T/summary")" "read 97986, loaded 84982, filtered 0, rejected 13004"
one 2 1
grep -q "in ranges of" "$T/run.err" || fail "not read in ranges"
rss=$(cat "$T/rss")
# at most 4096 ranges (the floor on the range size), at least a few hundred
n=$(how "$T/run.json")
case "$n" in
  *" 2") r=${n% 2}; if [ "$r" -ge 500 ] && [ "$r" -le 4096 ]; then ok; else fail "ranges: $r ranges handed on"; fi ;;
  *) fail "ranges: --json says '$n', want '<ranges> 2'" ;;
esac
assert_eq "ranges: history says so" "$(how "$T/history.json")" "$n"
# the log says the range size in effect (about 1/4096 of the file), not 1
rb=$(sed -n 's/.* in ranges of \([0-9]*\) bytes on 2 threads/\1/p' "$T/run.err")
if [ "${rb:-0}" -ge 500 ]; then ok; else fail "ranges: the range size in effect is not logged: $(grep 'in ranges of' "$T/run.err")"; fi
assert_eq "ranges: counts" "$(cat "$T/summary")" "$(cat "$T/seq.summary")"
if cmp -s "$T/out.csv" "$T/seq.csv"; then ok; else fail "ranges of 1 byte: rows differ from one reader's"; fi
if cmp -s "$T/dlq" "$T/seq.dlq"; then ok; else fail "ranges of 1 byte: rejects differ: $(diff "$T/seq.dlq" "$T/dlq" | head -3)"; fi
# one reader's peak plus 32 MB: two workers' buffers and batches, not the file's ranges
if [ "$rss" -le $((seq_rss + 32768)) ]; then ok; else fail "ranges of 1 byte: peak RSS $rss KB, one reader $seq_rss KB"; fi
finish
