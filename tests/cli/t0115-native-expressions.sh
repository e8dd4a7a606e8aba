#!/bin/sh
# t0115: expressions evaluated natively (expr/vec.h) give what SQLite gives,
# end to end: the same pipeline (derive, filter, a check's predicate) over
# a CSV of tricky values (numbers as text, -0.0, extremes, Unicode, empty
# cells) run once with SLUICE_VEXPR=0 (SQLite only) and once by default
# writes byte-identical files; SLUICE_VEXPR_STATS shows which path each
# expression took; and a few values are checked exactly.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: t0115" > p/sluice.yml
printf '%s\n' 'id,name,email,amount,code,ratio' \
  '1,Ann,  Ann@Example.COM ,12,0x10,1.5' \
  '2,Émile,emile@exemple.fr, 7 ,1e3,-0.0' \
  '3,,,,,' \
  '4,李,li@例え.jp,-9223372036854775808,abc,1e308' \
  '5,Bob,bob@x.io,9223372036854775807,12abc,0.1' \
  '6,zoë,ZOE@X.IO,0,-0,2.5' > p/in.csv
cat > p/pipelines/x.yml <<'YML'
source: {type: csv, path: in.csv}
transforms:
  - type: derive
    columns:
      email: lower(trim(email, ' ' || char(9)))
      label: upper(name) || '#' || id || ':' || coalesce(substr(name, -2), '?')
      calc: CASE WHEN amount > 0 THEN amount + 1 WHEN amount IS NULL THEN -ratio ELSE amount * 2 END
      num: code + 0
      half: ratio / 2 || ''
      len: length(name) + instr(email, '@')
  - {type: filter, where: "id NOT IN (3) AND (email LIKE '%.%' OR name IS NULL)"}
checks:
  - {name: named, type: expression, expression: "length(name) > 0", severity: warn}
sinks: [{type: csv, path: out.csv}]
YML
SLUICE_VEXPR=0 "$SLUICE" -C p -q run x > "$T/run0" 2>&1 || fail "run with SLUICE_VEXPR=0: $(cat "$T/run0")"
mv p/out.csv "$T/sqlite.csv"
rm -rf p/.sluice
SLUICE_VEXPR_STATS=1 "$SLUICE" -C p -q run x > "$T/run1" 2>&1 || fail "native run: $(cat "$T/run1")"
if cmp -s "$T/sqlite.csv" p/out.csv; then ok; else
  fail "native and SQLite outputs differ: $(diff "$T/sqlite.csv" p/out.csv | head -6)"; fi
# every expression took the native path, none went to SQLite
assert_eq "expressions through SQLite" "$(grep -c ', 0 through SQLite' "$T/run1")" "8"
assert_eq "batches natively" "$(grep -c ': 1 batches native' "$T/run1")" "8"
# exact values, as SQLite computes them (calc and num are float columns:
# INT64_MIN * 2 overflows to a real, which widens them)
assert_eq "row 1 ('0x10' + 0 is 0)" "$(sed -n 2p p/out.csv)" \
  "1,Ann,ann@example.com,12,0x10,1.5,ANN#1:nn,13.0,0.0,0.75,7"
assert_eq "row 2 (' 7 ', '1e3' + 0, -0.0 / 2)" "$(sed -n 3p p/out.csv)" \
  "2,Émile,emile@exemple.fr,7,1e3,-0.0,ÉMILE#2:le,8.0,1000.0,-0.0,11"
assert_eq "row 4 (INT64_MIN * 2, 'abc' + 0, multi-byte substr)" "$(sed -n 4p p/out.csv)" \
  "4,李,li@例え.jp,-9223372036854775808,abc,1e+308,李#4:李,-1.8446744073709552e+19,0.0,5e+307,4"
assert_eq "row 6 (Unicode upper, '-0' + 0)" "$(sed -n 6p p/out.csv | cut -d, -f7-9)" "ZOË#6:oë,0.0,0.0"
assert_eq "rows kept" "$(wc -l < p/out.csv)" "6"
finish
