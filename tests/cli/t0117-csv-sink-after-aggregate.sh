#!/bin/sh
# t0117: a CSV sink behind a blocking transform. aggregate (and dedupe)
# hand the sinks batches without columns or rows until they flush; the CSV
# sink took its header from the first of them (no columns) and then failed
# the run on the flushed rows ("the columns changed after the CSV header was
# written (0 then 2 columns)"): bench/run.sh's group-by met it (issue #16).
# Now the header comes from the first batch with columns: the grouped
# rows in a CSV, over several input batches, with and without a header;
# a CSV input with no rows still gives the header, as before.
# And a blocking transform ahead of aggregate (dedupe keep: last, which
# hands on empty batches with the input's columns until it flushes): the
# aggregate handed those columns on, the sink took them for its header and
# failed ("column 1 is 'country' but the CSV header says 'id'").
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: t0117" > p/sluice.yml
python3 - <<'PY'
import csv
with open('in.csv', 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['id', 'country', 'score'])
    for i in range(250):
        w.writerow([i, ['US', 'CA', 'GB', ''][i % 4], i % 7])
PY
printf 'id,country,score\n' > empty.csv
# batch_rows: 40 = seven input batches before the flush
cat > p/pipelines/groups.yml <<Y
source: {type: csv, path: $T/in.csv}
batch_rows: 40
transforms:
  - {type: aggregate, group_by: [country], aggregates: {contacts: count, total: sum(score)}}
sinks:
  - {type: csv, path: $T/out.csv}
  - {type: csv, path: $T/out_nohead.csv, header: false}
Y
cat > p/pipelines/none.yml <<Y
source: {type: csv, path: $T/empty.csv}
sinks: [{type: csv, path: $T/none.csv}]
Y
assert_exit 0 "$SLUICE" -C p -q run groups
# the oracle: the same groups by Python
want=$(python3 - <<'PY'
import csv
g = {}
for r in csv.DictReader(open('in.csv', newline='')):
    n, t = g.get(r['country'], (0, 0))
    g[r['country']] = (n + 1, t + int(r['score']))
print(';'.join(sorted(f"{k}|{n}|{t}" for k, (n, t) in g.items())))
PY
)
got=$(python3 - out.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
print(','.join(rows[0]))
print(';'.join(sorted('|'.join(r) for r in rows[1:])))
PY
)
assert_eq "header" "$(echo "$got" | head -1)" "country,contacts,total"
assert_eq "groups" "$(echo "$got" | tail -1)" "$want"
assert_eq "rows without a header" "$(wc -l < out_nohead.csv | tr -d ' ')" "4"
assert_eq "no header line" "$(grep -c '^country,' out_nohead.csv || true)" "0"
cat > p/pipelines/chain.yml <<Y
source: {type: csv, path: $T/in.csv}
batch_rows: 40
transforms:
  - {type: dedupe, key: [score], keep: last}
  - {type: aggregate, group_by: [country], aggregates: {n: count}}
sinks: [{type: csv, path: $T/chain.csv}]
Y
assert_exit 0 "$SLUICE" -C p -q run chain
# the last row of each score 0..6 (ids 243..249): countries of i % 4
assert_eq "dedupe then aggregate" "$(tail -n +2 chain.csv | sort | tr '\n' ' ')" ",2 CA,2 GB,1 US,2 "
assert_eq "its header" "$(head -1 chain.csv)" "country,n"
# Two aggregate faults a fresh user found (both paths: the native group
# table and SQLite's): text keys '1', '1.0', '01', '1e0' were one or two
# groups (the key form made whole numbers of them; SQL's GROUP BY over text
# keeps four), and an integer sum past 64 bits came out NULL (SQLite makes
# it a real: the column is then a float column).
printf 'k,v\n1,9223372036854775807\n1.0,1\n01,2\n1e0,3\n1,1\n' > keys.csv
cat > p/pipelines/keys.yml <<Y
source: {type: csv, path: $T/keys.csv, infer_types: false}
transforms:
  - {type: aggregate, group_by: [k], aggregates: {n: count}}
sinks: [{type: csv, path: $T/keys_out.csv}]
Y
cat > p/pipelines/big.yml <<Y
source: {type: csv, path: $T/keys.csv}
transforms:
  - {type: derive, columns: {g: "'all'"}}
  - {type: aggregate, group_by: [g], aggregates: {s: sum(v)}}
sinks: [{type: csv, path: $T/big_out.csv}]
Y
for native in 1 0; do
  SLUICE_AGG_NATIVE=$native assert_exit 0 "$SLUICE" -C p -q run keys
  assert_eq "text keys stay apart (native=$native)" "$(tail -n +2 keys_out.csv | tr '\n' ' ')" "1,2 1.0,1 01,1 1e0,1 "
  SLUICE_AGG_NATIVE=$native assert_exit 0 "$SLUICE" -C p -q run big
  assert_eq "a sum past 64 bits is a real (native=$native)" "$(tail -n +2 big_out.csv)" "all,9.223372036854776e+18"
done
assert_exit 0 "$SLUICE" -C p -q run none
assert_eq "an input without rows still gives the header" "$(cat none.csv)" "id,country,score"
finish
