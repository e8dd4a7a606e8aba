#!/bin/sh
# t0133: the CSV reader skips the quoted fields of columns nobody reads
# without unescaping them (formats/csv.h: skip), and still checks them as
# before: a run that reads every column (SLUICE_PUSHDOWN=0) and one that
# reads two of four give the same rows, the same counts and the same
# rejects with the same lines, offsets and reasons, whether the unread
# field holds doubled quotes, escapes, line breaks, text after its closing
# quote, invalid UTF-8 or a quote left open on the last line; one reader
# or parallel ranges cut everywhere (SLUICE_RANGE_BYTES).
. "$SRC/tests/cli/lib.sh"
python3 - <<'PY'
import random
rnd = random.Random(125)
notes = [b'"say ""hi"""', b'"a\nb ""c""\nd"', b'"\xff ""bad"" utf8"', b'"closed" then text', b'"x"  ',
         b'"cr\r\nlf ""q"""', b'plain', b'', b'"\\"esc\\" and \\\\"', b'"\\x kept"']
with open("q.csv", "wb") as f, open("e.csv", "wb") as g:
    f.write(b"id,keep,note,other\n")
    g.write(b"id,keep,note,other\n")
    for i in range(400):
        n = rnd.choice(notes)
        row = b'%d,"k%d ""q""",%s,"o ""%d"""\n' % (i, i, n, i)
        f.write(row)
        g.write(row)
        if i % 97 == 50:
            f.write(b'%d,short,"a ""b""\nc"\n' % i)   # too few fields, a quoted line break
    f.write(b'9999,last,"open ""q"" to the end\n')
    g.write(b'9999,last,"open \\"q\\" to the end\n')
PY
mkdir -p p/pipelines o
echo "name: p" > p/sluice.yml
pipeline() { # name file escape parallel
  printf 'source: {type: csv, path: %s/%s, escape: "%s", parallel: "%s", infer_types: false}\nbatch_rows: 37\nsinks: [{type: csv, path: %s/o/%s.csv, select: [id, keep]}]\n' \
    "$T" "$2" "$3" "$4" "$T" "$1" > "p/pipelines/$1.yml"
}
run() { # name pushdown range_bytes -> $T/<name>_<pushdown>_<rb>.{csv,dlq,log}
  rm -rf p/.sluice "o/$1.csv"
  SLUICE_PUSHDOWN=$2 SLUICE_RANGE_BYTES=$3 "$SLUICE" -C p -v run "$1" > "$T/$1_$2_$3.log" 2>&1 || fail "$1 pushdown=$2: $(tail -3 "$T/$1_$2_$3.log")"
  cp "o/$1.csv" "$T/$1_$2_$3.csv"
  q p/.sluice/state.db "select stage, line, \"offset\", reason, hex(raw) from dlq order by \"offset\"" > "$T/$1_$2_$3.dlq"
}
same() { # what a b
  if cmp -s "$2" "$3"; then ok; else fail "$1: $(diff "$2" "$3" | head -4)"; fi
}
pipeline dq q.csv "" false
pipeline esc e.csv '\\' false
for name in dq esc; do
  run $name 0 4096
  run $name 1 4096
  assert_contains "$name: note and other are not read" "source csv reads columns: id, keep" "$T/${name}_1_4096.log"
  same "$name: rows" "$T/${name}_0_4096.csv" "$T/${name}_1_4096.csv"
  same "$name: rejects" "$T/${name}_0_4096.dlq" "$T/${name}_1_4096.dlq"
  assert_eq "$name: counts" "$(grep -o 'read [0-9]*, loaded [0-9]*, filtered [0-9]*, rejected [0-9]*' "$T/${name}_1_4096.log")" \
    "$(grep -o 'read [0-9]*, loaded [0-9]*, filtered [0-9]*, rejected [0-9]*' "$T/${name}_0_4096.log")"
done
# what the rejects are (so the comparisons above compare something)
assert_contains "text after a closing quote in an unread field" "|text after the closing quote of field 3 at line " "$T/dq_1_4096.dlq"
assert_contains "invalid UTF-8 in an unread quoted field" "|invalid UTF-8 in field 3 ('note')|" "$T/dq_1_4096.dlq"
assert_contains "a short row after quoted line breaks" "|expected 4 fields, found 3|" "$T/dq_1_4096.dlq"
assert_contains "the open quote on the last line" "|unterminated quoted field starting at line " "$T/dq_1_4096.dlq"
assert_contains "escape: the open quote on the last line" "|unterminated quoted field starting at line " "$T/esc_1_4096.dlq"
assert_contains "escaped quotes of a read field" '2,"k2 ""q"""' "$T/dq_1_4096.csv"
# the same through parallel ranges (their readers skip the same fields)
pipeline dq q.csv "" 2
run dq 1 61
grep -q "in ranges of 61 bytes" "$T/dq_1_61.log" || fail "dq: not read in ranges"
same "ranges: rows" "$T/dq_0_4096.csv" "$T/dq_1_61.csv"
same "ranges: rejects" "$T/dq_0_4096.dlq" "$T/dq_1_61.dlq"
finish
