#!/bin/sh
# t0126: memory stays bounded whatever the range size. A file of a few MB
# read in ranges of 1 byte (SLUICE_RANGE_BYTES) gives what one reader
# gives, byte for byte, with a peak RSS close to one reader's. It grew to
# 143 MB in ranges of 64 bytes and past 300 MB in ranges of 1 byte (every
# batch handed on pointed to the 64 KiB string blocks of thousands of
# tiny ranges' batches), and ranges of 1 byte ran for minutes (millions
# of ranges, each reading 256 KiB: a file is now cut into at most 4096).
. "$SRC/tests/cli/lib.sh"
python3 "$SRC/tests/cli/gen_ranges.py" csv 126 100000 "$T/t.csv"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
one() { # parallel range_bytes -> out.csv, rss, dlq, summary
  rm -rf p/.sluice "$T/out.csv"
  printf 'source: {type: csv, path: %s/t.csv, parallel: "%s"}\nsinks: [{type: csv, path: %s/out.csv}]\n' \
    "$T" "$1" "$T" > p/pipelines/r.yml
  SLUICE_RANGE_BYTES=$2 /usr/bin/time -f %M -o "$T/rss" "$SLUICE" -C p -v run r 2> "$T/run.err" ||
    fail "parallel $1: $(tail -3 "$T/run.err")"
  grep -o 'read [0-9]*, loaded [0-9]*, filtered [0-9]*, rejected [0-9]*' "$T/run.err" > "$T/summary"
  q p/.sluice/state.db "select line, \"offset\", reason, hex(raw) from dlq order by \"offset\"" > "$T/dlq"
}
one false 1
cp "$T/out.csv" "$T/seq.csv"; cp "$T/dlq" "$T/seq.dlq"; cp "$T/summary" "$T/seq.summary"
seq_rss=$(cat "$T/rss")
assert_eq "one reader: counts" "$(cat "$T/summary")" "read 97986, loaded 84982, filtered 0, rejected 13004"
one 2 1
grep -q "in ranges of" "$T/run.err" || fail "not read in ranges"
rss=$(cat "$T/rss")
assert_eq "ranges: counts" "$(cat "$T/summary")" "$(cat "$T/seq.summary")"
if cmp -s "$T/out.csv" "$T/seq.csv"; then ok; else fail "ranges of 1 byte: rows differ from one reader's"; fi
if cmp -s "$T/dlq" "$T/seq.dlq"; then ok; else fail "ranges of 1 byte: rejects differ: $(diff "$T/seq.dlq" "$T/dlq" | head -3)"; fi
# one reader's peak plus 32 MB: two workers' buffers and batches, not the file's ranges
if [ "$rss" -le $((seq_rss + 32768)) ]; then ok; else fail "ranges of 1 byte: peak RSS $rss KB, one reader $seq_rss KB"; fi
finish
