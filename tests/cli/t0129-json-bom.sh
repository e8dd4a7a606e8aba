#!/bin/sh
# t0129: a UTF-8 byte order mark at the start of a JSON Lines file or a
# JSON document (PowerShell's `Out-File -Encoding utf8` writes one) is not
# data, as the CSV reader already treats it: before, the first JSON Lines
# record went to the DLQ ("unexpected character") and a JSON document
# failed whole. Offsets stay the file's bytes.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: t129" > p/sluice.yml
printf '\357\273\277{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n{"id":3,\n' > p/data/e.jsonl
printf '\357\273\277[{"id":1,"v":"a"},{"id":2,"v":"b"}]' > p/data/d.json
cat > p/pipelines/e.yml <<'YML'
source: {type: jsonl, path: data/e.jsonl}
sinks: [{type: sqlite, table: e}]
YML
cat > p/pipelines/r.yml <<'YML'
source: {type: jsonl, path: data/e.jsonl, parallel: 2}
sinks: [{type: sqlite, table: r}]
YML
cat > p/pipelines/d.yml <<'YML'
source: {type: json, path: data/d.json}
sinks: [{type: sqlite, table: d}]
YML
assert_exit 0 "$SLUICE" -C p run e
assert_contains "jsonl accounting" "read 3, loaded 2, filtered 0, rejected 1" "$T/err"
assert_eq "jsonl rows" "$(q p/warehouse.db "SELECT group_concat(id || v, ' ') FROM e")" "1a 2b"
# the bad record keeps its line and its offset in the file (the BOM counted)
assert_eq "the bad record's place" "$(q p/.sluice/state.db "SELECT line || ':' || offset FROM dlq WHERE pipeline = 'e'")" "3:37"
SLUICE_RANGE_BYTES=8 assert_exit 0 "$SLUICE" -C p run r
assert_eq "ranges: rows" "$(q p/warehouse.db "SELECT group_concat(id || v, ' ') FROM r")" "1a 2b"
assert_eq "ranges: the bad record's place" "$(q p/.sluice/state.db "SELECT line || ':' || offset FROM dlq WHERE pipeline = 'r'")" "3:37"
assert_exit 0 "$SLUICE" -C p run d
assert_eq "json document rows" "$(q p/warehouse.db "SELECT group_concat(id || v, ' ') FROM d")" "1a 2b"
finish
