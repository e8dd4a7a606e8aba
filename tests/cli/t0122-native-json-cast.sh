#!/bin/sh
# t0122: the native expression path's JSON operators (->, ->>,
# json_extract with constant paths, several of them, [#-N]), CAST (to BLOB
# too), long numbers, replace(), hashed IN lists and
# gtm's functions give what SQLite gives, end to end: the same JSONL ->
# CSV pipeline run with SLUICE_VEXPR=0 (SQLite only) and by default
# writes byte-identical files, every expression native
# (SLUICE_VEXPR_STATS), values checked exactly; a malformed JSON text is
# SQLite's error either way.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: t0122" > p/sluice.yml
cat > p/in.jsonl <<'EOF2'
{"id":1,"event":"feature_used","p":"{\"feature\":\"export\",\"n\":3,\"tags\":[\"a\",\"b\"],\"o\":{\"k\":true}}","amount":"12.50","code":"US"}
{"id":2,"event":"feature_used","p":"{\"feature\":\"caf\\u00e9 \\ud83d\\ude00\",\"n\":-0.0,\"tags\":[],\"o\":{ \"k\" : null }}","amount":" 7x","code":"FR"}
{"id":3,"event":"signed_in","p":"{\"n\":9223372036854775807}","amount":"abc","code":"ZZ"}
{"id":4,"event":"feature_used","p":"[1, 2]","amount":"-0","code":null}
{"id":5,"event":"feature_used","p":null,"amount":"1e3","code":"de"}
EOF2
cat > p/pipelines/x.yml <<'YML'
source: {type: jsonl, path: in.jsonl, infer_types: false}
transforms:
  - {type: filter, where: "event = 'feature_used'"}
  - type: derive
    columns:
      feature: p ->> '$.feature'
      n: json_extract(p, '$.n')
      tags: p -> '$.tags'
      first_tag: p ->> 'tags' ->> 0
      k: p -> '$.o.k'
      amt_int: CAST(amount AS INTEGER)
      amt_num: CAST(amount AS NUMERIC)
      amt_real: CAST(amount AS DOUBLE PRECISION)
      dotted: replace(replace(amount, '.', ','), '', 'x')
      eu: code IN ('FR', 'DE', 'IT', 'ES', 'NL', 'BE', 'AT', NULL)
      co: normalize_company('Acme, Inc.')
      several: json_extract(p, '$.feature', '$.n', '$.nosuch')
      last_tag: p ->> '$.tags[#-1]'
      amt_blob: substr(CAST(amount AS BLOB), 2)
      big: CAST('99e291' AS REAL) = 99e291 AND json_extract('[1e126]', '$[0]') <> 1e126
sinks: [{type: csv, path: out.csv}]
YML
SLUICE_VEXPR=0 "$SLUICE" -C p -q run x > "$T/run0" 2>&1 || fail "run with SLUICE_VEXPR=0: $(cat "$T/run0")"
mv p/out.csv "$T/sqlite.csv"
rm -rf p/.sluice
SLUICE_VEXPR_STATS=1 "$SLUICE" -C p -q run x > "$T/run1" 2>&1 || fail "native run: $(cat "$T/run1")"
if cmp -s "$T/sqlite.csv" p/out.csv; then ok; else
  fail "native and SQLite outputs differ: $(diff "$T/sqlite.csv" p/out.csv | head -6)"; fi
assert_eq "expressions through SQLite" "$(grep -c ', 0 through SQLite' "$T/run1")" "16"
assert_eq "batches natively" "$(grep -c ': 1 batches native' "$T/run1")" "16"
# the output's cells, one "row name<TAB>value" a line (one python3 start)
python3 -c "import csv; [print(f'{i} {k}\t{v}') for i, r in enumerate(csv.DictReader(open('p/out.csv'))) for k, v in r.items()]" > "$T/cells"
col() { grep "^$1 $2	" "$T/cells" | cut -f2-; }
assert_eq "->> text" "$(col 0 feature)" "export"
assert_eq "->> with \\u escapes and a surrogate pair" "$(col 1 feature)" "café 😀"
assert_eq "json_extract of -0.0 (a real)" "$(col 1 n)" "-0.0"
assert_eq "-> gives JSON text, compact" "$(col 0 tags)" '["a","b"]'
assert_eq "->> 'tags' ->> 0 (shorthands)" "$(col 0 first_tag)" "a"
assert_eq "-> of true is JSON true" "$(col 0 k)" "true"
assert_eq "-> of null is JSON null" "$(col 1 k)" "null"
assert_eq "a path into an array is NULL" "$(col 2 feature)" ""
assert_eq "CAST('12.50' AS INTEGER)" "$(col 0 amt_int)" "12"
assert_eq "CAST('12.50' AS NUMERIC)" "$(col 0 amt_num)" "12.5"
assert_eq "CAST(' 7x' AS NUMERIC)" "$(col 1 amt_num)" "7.0"
assert_eq "CAST('1e3' AS INTEGER) is 1" "$(col 3 amt_int)" "1"
assert_eq "CAST('-0' AS DOUBLE PRECISION) is -0.0" "$(col 2 amt_real)" "-0.0"
assert_eq "replace" "$(col 0 dotted)" "12,50"
assert_eq "hashed IN: FR" "$(col 1 eu)" "1"
assert_eq "hashed IN: 'de' (BINARY) not found, the list holds NULL: NULL" "$(col 3 eu)" ""
assert_eq "hashed IN: NULL" "$(col 2 eu)" ""
assert_eq "json_extract with several paths: a JSON array" "$(col 0 several)" '["export",3,null]'
assert_eq "[#-1]: the last element" "$(col 0 last_tag)" "b"
assert_eq "[#-1] of an empty array: NULL" "$(col 1 last_tag)" ""
assert_eq "substr of a blob, in bytes" "$(col 0 amt_blob)" "2.50"
assert_eq "numbers as SQLite reads them (a JSON real is strtod's, a literal sqlite3AtoF's)" "$(col 0 big)" "1"
# malformed JSON: SQLite's error, natively too (the batch goes to SQLite)
printf '%s\n' '{"id":9,"event":"feature_used","p":"{\"feature\":","amount":"1","code":"US"}' >> p/in.jsonl
rm -rf p/.sluice p/out.csv
"$SLUICE" -C p -q run x > "$T/run2" 2>&1 && fail "malformed JSON accepted"
assert_contains "malformed JSON is SQLite's error" "expression 'p ->> '\$.feature'': malformed JSON" "$T/run2"
finish
