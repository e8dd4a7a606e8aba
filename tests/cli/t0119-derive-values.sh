#!/bin/sh
# t0119: values a derive computes keep what they are (found by the fresh
# user trying #16; both expression paths):
#  - an integer beyond 2^53 in a column that also gets floats makes it
#    decimal whichever comes first (the int first was rounded to a float);
#  - an infinite float is valid JSON in a JSON Lines file (9e999, read
#    back as infinity; was `inf`), NaN-free;
#  - LIKE with ESCAPE '%': the escape loses its wildcard meaning, as in
#    SQLite (the native path treated it as a wildcard and kept 3 rows of 4).
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: t" > p/sluice.yml
printf 'x\n9223372036854775807\n1.5\n' > p/data/a.csv
printf 'x\n1.5\n9223372036854775807\n' > p/data/b.csv
for f in a b; do
  cat > p/pipelines/$f.yml <<YML
source: {type: csv, path: data/$f.csv, infer_types: false}
transforms:
  - {type: derive, columns: {y: "CASE WHEN x LIKE '%.%' THEN CAST(x AS REAL) ELSE CAST(x AS INTEGER) END", big: "1e308 * 10", small: "-1e308 * 10"}}
sinks: [{type: jsonl, path: out/$f.jsonl}, {type: sqlite, table: $f}]
YML
  assert_exit 0 "$SLUICE" -C p run $f
  python3 - "p/out/$f.jsonl" <<'PY' && ok || fail "$f: JSON Lines values"
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ys = sorted(str(r["y"]) for r in rows)
assert ys == ["1.5", "9223372036854775807"], ys
assert all(math.isinf(r["big"]) and r["big"] > 0 and math.isinf(r["small"]) and r["small"] < 0 for r in rows), rows
PY
  assert_eq "$f: the wide integer in the table" "$(q p/warehouse.db "SELECT y FROM $f WHERE y LIKE '922%'")" "9223372036854775807"
done
# LIKE ... ESCAPE '%', native and SQLite
printf 'id,v\n1,100\n2,100%%\n3,100x\n4,abc\n' > p/data/l.csv
cat > p/pipelines/l.yml <<'YML'
source: {type: csv, path: data/l.csv}
transforms:
  - {type: filter, where: "v LIKE '100%%' ESCAPE '%' AND NOT (v LIKE '%' ESCAPE '%')"}
sinks: [{type: csv, path: out/l.csv}]
YML
assert_exit 0 "$SLUICE" -C p run l
assert_eq "LIKE ESCAPE '%' (default path)" "$(cat p/out/l.csv)" "$(printf 'id,v\n2,100%%')"
rm -rf p/.sluice p/out/l.csv
SLUICE_VEXPR=0 "$SLUICE" -C p run l >/dev/null 2>&1
assert_eq "LIKE ESCAPE '%' (SQLite)" "$(cat p/out/l.csv)" "$(printf 'id,v\n2,100%%')"
finish
