#!/bin/sh
# t0118: a batch that a filter empties still carries the columns later
# stages name. A derive after a filter that kept none of a batch's rows
# did not add its columns, and a select naming them failed the run ("no
# column 'y'"), as did every sink that names columns. Batches of 2 rows,
# the first batch filtered away entirely, then rows that pass; also a
# whole input that passes nothing.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: t" > p/sluice.yml
printf '{"event":"a","n":1}\n{"event":"a","n":2}\n{"event":"b","n":3}\n{"event":"a","n":4}\n{"event":"b","n":5}\n' > p/data/e.jsonl
cat > p/pipelines/e.yml <<'YML'
batch_rows: 2
source: {type: jsonl, path: data/e.jsonl}
transforms:
  - {type: filter, where: "event = 'b'"}
  - {type: derive, columns: {y: "n * 10", tag: "upper(event)"}}
  - {type: select, columns: [event, y, tag]}
sinks:
  - {type: csv, path: out/e.csv}
  - {type: sqlite, table: e}
YML
assert_exit 0 "$SLUICE" -C p run e
assert_eq "csv out" "$(cat p/out/e.csv)" "$(printf 'event,y,tag\nb,30,B\nb,50,B')"
assert_eq "table" "$(q p/warehouse.db "SELECT event, y, typeof(y), tag FROM e ORDER BY y")" "$(printf 'b|30|integer|B\nb|50|integer|B')"
# nothing passes: the run succeeds with every row filtered
sed -i "s/event = 'b'/event = 'zz'/; s|out/e.csv|out/none.csv|; s/table: e}/table: none}/" p/pipelines/e.yml
assert_exit 0 "$SLUICE" -C p run e --json
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r = r["runs"][0] if "runs" in r else r
assert (r["rows_read"], r["rows_loaded"], r["rows_filtered"]) == (5, 0, 5), r
' "$T/out" && ok || fail "accounting of a run that filters everything: $(head -c 400 "$T/out")"
finish
