#!/bin/sh
# t0128: the JSON Lines reader at the edges its 16-byte string scan meets:
# strings of every length up to 40 bytes ending where a line ends, escapes
# and UTF-8 at every position, a string cut by the end of its line (the
# next line's bytes must never complete it: the scan may read past a line
# into the buffer), a last line without a newline, CRLF. Every good line is
# loaded as Python's json module reads it, every bad one rejected with its
# line; read = loaded + rejected; the same with projection, a pushed-down
# filter and parallel ranges.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: t128" > p/sluice.yml
python3 - <<'PY'
import json
good, bad, lines = [], [], []
def add(text, ok):
    lines.append(text)
    (good if ok else bad).append(len(lines))
for n in range(41):
    add(json.dumps({"k": "x" * n, "n": n}, separators=(",", ":")), True)
    # an escape or a 2-byte character at position n of a 41-byte string
    add(json.dumps({"k": "y" * n + "\n" + "z" * (40 - n), "n": 100 + n}, separators=(",", ":")), True)
    add('{"k":"' + "w" * n + "\u00e9" + "v" * (40 - n) + '","n":' + str(200 + n) + "}", True)
    # a string cut at the end of the line; the next line starts with a quote
    add('{"k":"' + "c" * n, False)
    add('"}', False)
    add('{"k":"' + "e" * n + "\\", False)
add('{"k":"crlf","n":300}\r', True)
add('{"k":"ctl\x01","n":301}', False)
add('{"k":"last","n":302}', True)
open("p/data/e.jsonl", "w", newline="").write("\n".join(lines))  # no newline at the end
with open("expected", "w") as f:
    for r in sorted((json.loads(lines[i - 1]) for i in good), key=lambda r: r["n"]):
        f.write("%d|%s\n" % (r["n"], r["k"]))
open("bad_lines", "w").write("\n".join(map(str, bad)) + "\n")
open("counts", "w").write("%d %d %d\n" % (len(lines), len(good), len(bad)))
PY
read total ngood nbad < counts
cat > p/pipelines/e.yml <<'YML'
source: {type: jsonl, path: data/e.jsonl, infer_types: false}
sinks: [{type: sqlite, table: e}]
YML
cat > p/pipelines/f.yml <<'YML'
source: {type: jsonl, path: data/e.jsonl, infer_types: false}
transforms:
  - {type: filter, where: "n <> '5'"}
  - {type: select, columns: [n, k]}
sinks: [{type: sqlite, table: f}]
YML
cat > p/pipelines/r.yml <<'YML'
source: {type: jsonl, path: data/e.jsonl, infer_types: false, parallel: 2}
sinks: [{type: sqlite, table: r}]
YML
assert_exit 0 "$SLUICE" -C p run e
assert_contains "accounting" "read $total, loaded $ngood, filtered 0, rejected $nbad" "$T/err"
q p/warehouse.db "SELECT n || '|' || k FROM e ORDER BY CAST(n AS INTEGER)" > got
assert_eq "values as Python reads them" "$(cmp -s got expected && echo same)" "same"
q p/.sluice/state.db "SELECT line FROM dlq WHERE pipeline = 'e' ORDER BY line" > got_bad
assert_eq "rejected lines" "$(cmp -s got_bad bad_lines && echo same)" "same"
assert_eq "the cut string's reason" "$(q p/.sluice/state.db "SELECT reason FROM dlq WHERE pipeline = 'e' AND line = 4")" \
  "invalid JSON: line 1, column 7 (byte 6): unterminated string"
assert_eq "the cut escape's reason" "$(q p/.sluice/state.db "SELECT reason FROM dlq WHERE pipeline = 'e' AND line = 6")" \
  "invalid JSON: line 1, column 7 (byte 6): unterminated escape"

# projection and a filter pushed into the reader: the same rows but n = 5
assert_exit 0 "$SLUICE" -C p run f
assert_contains "filter accounting" "read $total, loaded $((ngood - 1)), filtered 1, rejected $nbad" "$T/err"
q p/warehouse.db "SELECT n || '|' || k FROM f ORDER BY CAST(n AS INTEGER)" > got_f
grep -v '^5|' expected > expected_f
assert_eq "filtered values" "$(cmp -s got_f expected_f && echo same)" "same"
q p/.sluice/state.db "SELECT line FROM dlq WHERE pipeline = 'f' ORDER BY line" > got_bad_f
assert_eq "filtered: rejected lines" "$(cmp -s got_bad_f bad_lines && echo same)" "same"

# parallel ranges of 97 bytes: the same rows and rejects as one reader
SLUICE_RANGE_BYTES=97 assert_exit 0 "$SLUICE" -C p run r
assert_contains "ranges accounting" "read $total, loaded $ngood, filtered 0, rejected $nbad" "$T/err"
q p/warehouse.db "SELECT n || '|' || k FROM r ORDER BY CAST(n AS INTEGER)" > got_r
assert_eq "ranges: values" "$(cmp -s got_r expected && echo same)" "same"
q p/.sluice/state.db "SELECT line FROM dlq WHERE pipeline = 'r' ORDER BY line" > got_bad_r
assert_eq "ranges: rejected lines" "$(cmp -s got_bad_r bad_lines && echo same)" "same"
finish
