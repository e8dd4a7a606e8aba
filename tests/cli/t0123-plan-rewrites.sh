#!/bin/sh
# t0123: issue #16's plan rewrites change nothing a user sees.
# 1. A filter reading no derived column runs before a derive of text
#    expressions (they cannot fail on a row, and the derived column is text
#    whatever rows it sees): validate --json and the -v log say so, and the
#    output, counts and column order are those of SLUICE_PUSHDOWN=0. It
#    does not move when the filter reads a derived column, when the derive
#    may fail on a row (json_extract) or give a non-text value (length),
#    or when the source infers types. A derived name that collides with a
#    column still fails the run when the filter drops every row.
# 2. Projection pushdown through aggregate, dedupe, normalize and cast:
#    the columns read, and the same rows, counts and DLQ with it off.
# 3. The aggregate's native group table against the SQLite path, and with
#    a spill (memory_limit 4096).
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: t0123" > p/sluice.yml
python3 - <<'PY'
import csv
with open('in.csv', 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['id', 'email', 'first_name', 'last_name', 'country', 'amount', 'phone'])
    for i in range(300):
        w.writerow([i, [' Ann@X.COM', 'bo@y.org\t', '', 'CY@z.io'][i % 4], ['Ann', 'Bo', '', 'Cy'][i % 4],
                    ['Lee', '', 'Ng', 'Oh'][i % 3], ['US', 'fr', ' GB ', ''][i % 4],
                    [str(i % 9), 'x', '2.5', ''][i % 4] if i % 5 else str(i), ['+1 415 555 0101', '12', ''][i % 3]])
PY
printf 'id,Full_Name,country\n1,a,FR\n' > clash.csv
SRCCSV="{type: csv, path: $T/in.csv, infer_types: false}"
DERIVE='{type: derive, columns: {email: "lower(trim(email, '"' '"' || char(9)))", full_name: "first_name || '"' '"' || last_name"}}'
cat > p/pipelines/moves.yml <<Y
source: $SRCCSV
batch_rows: 32
transforms:
  - $DERIVE
  - {type: filter, where: "upper(trim(country)) IN ('US', 'GB')"}
sinks: [{type: csv, path: $T/moves.csv}]
Y
cat > p/pipelines/reads_derived.yml <<Y
source: $SRCCSV
transforms:
  - $DERIVE
  - {type: filter, where: "full_name <> ' '"}
sinks: [{type: csv, path: $T/reads_derived.csv}]
Y
cat > p/pipelines/may_fail.yml <<Y
source: $SRCCSV
transforms:
  - {type: derive, columns: {j: "lower(json_extract(email, '\$.a'))"}}
  - {type: filter, where: "country = 'US'"}
sinks: [{type: csv, path: $T/may_fail.csv}]
Y
cat > p/pipelines/not_text.yml <<Y
source: $SRCCSV
transforms:
  - {type: derive, columns: {n: "length(email)"}}
  - {type: filter, where: "country = 'US'"}
sinks: [{type: csv, path: $T/not_text.csv}]
Y
cat > p/pipelines/inferred.yml <<Y
source: {type: csv, path: $T/in.csv}
transforms:
  - $DERIVE
  - {type: filter, where: "country = 'US'"}
sinks: [{type: csv, path: $T/inferred.csv}]
Y
cat > p/pipelines/clash.yml <<Y
source: {type: csv, path: $T/clash.csv, infer_types: false}
transforms:
  - {type: derive, columns: {full_name: "lower(country)"}}
  - {type: filter, where: "country = 'none'"}
sinks: [{type: csv, path: $T/clash.csv.out}]
Y
# 2: pushdown through the other transforms
cat > p/pipelines/grouped.yml <<Y
source: {type: csv, path: $T/in.csv}
batch_rows: 32
transforms:
  - {type: dedupe, key: [id]}
  - {type: normalize, columns: {phone: phone}, region: US}
  - {type: aggregate, group_by: [country], aggregates: {n: count, s: sum(amount), lo: min(amount), hi: max(phone), m: avg(amount), f: first(email), l: last(amount)}}
sinks: [{type: csv, path: $T/grouped.csv}]
Y
cat > p/pipelines/small.yml <<Y
source: {type: csv, path: $T/in.csv}
batch_rows: 32
transforms:
  - {type: aggregate, group_by: [country, amount], aggregates: {n: count, s: sum(amount), lo: min(email), m: avg(amount)}, memory_limit: 4096}
sinks: [{type: csv, path: $T/small.csv}]
Y
cat > p/pipelines/casts.yml <<Y
source: {type: csv, path: $T/in.csv, infer_types: false}
transforms:
  - {type: cast, columns: {amount: int}}
  - {type: select, columns: [id, amount]}
sinks: [{type: csv, path: $T/casts.csv}]
Y
cat > p/pipelines/rows.yml <<Y
source: {type: csv, path: $T/in.csv}
transforms:
  - {type: aggregate, aggregates: {n: count}}
sinks: [{type: csv, path: $T/rows.csv}]
Y
assert_exit 0 "$SLUICE" -C p validate --json
cp out validate.json
cr() { grep -o "\"$1\":{[^}]*}" validate.json; }
assert_eq "the filter moves" "$(cr moves)" '"moves":{"all":true,"why":"sink csv takes every column","rewrites":"filter filter before derive derive"}'
for p in reads_derived may_fail not_text inferred; do
  assert_eq "$p: no rewrite" "$(cr $p | grep -c rewrites || true)" "0"
done
assert_eq "aggregate reads its columns only" "$(cr grouped)" '"grouped":{"all":false,"columns":["country","amount","phone","email","id"]}'
assert_eq "a count reads no column" "$(cr rows)" '"rows":{"all":false,"columns":[]}'
assert_eq "a cast that may reject reads all" "$(cr casts)" \
  '"casts":{"all":true,"why":"transform cast (cast) may reject a row: its DLQ record is the whole row"}'
assert_exit 0 "$SLUICE" -C p -v run moves
assert_contains "the -v log says so" "moves: filter filter runs before derive derive" err
# every pipeline: the same with pushdown off (exit, counts, output, DLQ)
runp() { # runp NAME SUFFIX [ENV...]: exit status and summary into NAME.SUFFIX, output NAME.SUFFIX.csv
  n=$1; sfx=$2; shift 2
  rm -rf p/.sluice $n.csv
  set +e; env "$@" "$SLUICE" -C p -q run $n > /dev/null 2> $n.raw; rc=$?; set -e
  { echo "exit $rc"; sed 's/ in [0-9.]*s (run [0-9a-f]*)//' $n.raw; } > $n.$sfx
  cp $n.csv $n.$sfx.csv 2>/dev/null || echo none > $n.$sfx.csv
  # the DLQ records without what differs from run to run (ids, run id, time)
  { "$SLUICE" -C p dlq list --pipeline $n --limit 1000 --json 2>/dev/null || true; } |
    sed -E 's/"id":[0-9]+,//g; s/"run_id":"[^"]*",//g; s/,"created_at":"[^"]*"//g' > $n.$sfx.dlq
}
for p in moves may_fail grouped small casts rows; do
  runp $p on
  runp $p off SLUICE_PUSHDOWN=0 SLUICE_AGG_NATIVE=0
  assert_eq "$p: exit and counts" "$(cat $p.on)" "$(cat $p.off)"
  assert_eq "$p: output" "$(cat $p.on.csv)" "$(cat $p.off.csv)"
  assert_eq "$p: dlq" "$(cat $p.on.dlq)" "$(cat $p.off.dlq)"
done
assert_eq "moves: the columns" "$(head -1 moves.on.csv)" "id,email,first_name,last_name,country,amount,phone,full_name"
assert_eq "moves: 150 rows kept" "$(($(wc -l < moves.on.csv) - 1))" "150"
assert_contains "may_fail fails as before" "malformed JSON" may_fail.on
assert_contains "moves: counts" "read 300, loaded 150, filtered 150, rejected 0" moves.on
assert_contains "casts: rejects" "rejected 120" casts.on
assert_eq "rows: every row counted" "$(tail -1 rows.on.csv)" "300"
assert_eq "grouped: four groups" "$(($(wc -l < grouped.on.csv) - 1))" "4"
assert_eq "casts: DLQ records" "$(grep -o "cannot cast" casts.on.dlq | wc -l | tr -d ' ')" "120"
assert_eq "casts: the whole row in the DLQ" "$(grep -c '"raw":"{\\"id\\":\\"1\\",\\"email\\"' casts.on.dlq)" "1"
# a collision still fails the run when the filter drops every row
for pd in 1 0; do
  SLUICE_PUSHDOWN=$pd assert_exit 1 "$SLUICE" -C p -q run clash
  assert_contains "clash (pushdown $pd)" "new column 'full_name' would collide with column 'Full_Name'" err
done
finish
