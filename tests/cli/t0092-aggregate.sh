#!/bin/sh
# t0092: the aggregate transform (docs/gtm/transforms.md): every function
# on hand-computed values (nulls ignored, a null group of its own, first
# and last in input order), tumbling and hopping event-time windows with
# allowed lateness (a late row dropped or sent to the DLQ, the same answer
# whatever the batch size), a tiny memory_limit (groups spill to disk)
# giving the same answer, the accounting, and validate's checks.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
cat > p/ev.csv <<'CSV'
account_id,user_id,amount,plan,ts
1,u1,10,free,2026-01-01T00:05:00Z
1,u2,20,,2026-01-01T00:20:00Z
2,u3,5.5,pro,2026-01-01T00:40:00Z
1,u1,,pro,2026-01-01T01:10:00Z
2,u3,4.5,team,2026-01-01T01:15:00Z
,u9,1,free,2026-01-01T01:20:00Z
CSV
cat > p/pipelines/all.yml <<'YML'
source: {type: csv, path: ev.csv}
transforms:
  - type: aggregate
    group_by: [account_id]
    aggregates:
      events: count
      with_amount: count(amount)
      users: count_distinct(user_id)
      revenue: sum(amount)
      first_seen: min(ts)
      last_seen: max(ts)
      avg_amount: avg(amount)
      first_plan: first(plan)
      last_plan: last(plan)
sinks: [{type: sqlite, table: agg}]
YML
# the windows: a at 00:05 .. 02:30; the row at 00:59 comes after the watermark
# (01:20 - 10m = 01:10) passed the end of [00:00, 01:00): late
cat > p/w.csv <<'CSV'
k,amount,ts
a,1,2026-01-01T00:05:00Z
a,2,2026-01-01T00:50:00Z
a,3,2026-01-01T01:05:00Z
a,4,2026-01-01T00:58:00Z
a,5,2026-01-01T01:20:00Z
a,6,2026-01-01T00:59:00Z
a,7,2026-01-01T02:30:00Z
CSV
for b in 2 100; do
cat > p/pipelines/tumble$b.yml <<YML
source: {type: csv, path: w.csv}
batch_rows: $b
transforms:
  - type: aggregate
    group_by: [k]
    aggregates: {n: count, total: sum(amount)}
    window: {time: ts, type: tumbling, size: 1h, allowed_lateness: 10m}
    late: reject
sinks: [{type: sqlite, table: tumble$b}]
YML
[ $b = 2 ] && cat > p/pipelines/hop$b.yml <<YML
source: {type: csv, path: w.csv}
batch_rows: $b
transforms:
  - type: aggregate
    group_by: [k]
    aggregates: {n: count, total: sum(amount)}
    window: {time: ts, type: hopping, size: 1h, hop: 30m, allowed_lateness: 10m}
sinks: [{type: sqlite, table: hop$b}]
YML
done
# spill: 300 groups of 3 rows each, with a 4 KB page cache and with the default
awk 'BEGIN { print "g,v,u"; for (r = 0; r < 3; r++) for (i = 0; i < 300; i++) printf "group-%05d-%s,%d,user-%d\n", i, "padpadpadpadpadpadpadpadpadpad", i * 10 + r, r % 2 }' > p/big.csv
for lim in 4096 67108864; do cat > p/pipelines/spill$lim.yml <<YML
source: {type: csv, path: big.csv}
transforms:
  - {type: aggregate, group_by: [g], aggregates: {n: count, s: sum(v), d: count_distinct(u), hi: max(v)}, memory_limit: $lim}
sinks: [{type: sqlite, table: spill$lim}]
YML
done
cd p
assert_exit 0 "$SLUICE" validate
w=warehouse.db
assert_exit 0 "$SLUICE" run all
assert_contains "accounting" "read 6, loaded 3, filtered 3, rejected 0" "$T/err"
assert_eq "all functions" "$(q $w "select coalesce(account_id,'-'), events, with_amount, users, revenue, first_seen, last_seen, avg_amount, first_plan, last_plan from agg")" \
"1|3|2|2|30.0|2026-01-01T00:05:00Z|2026-01-01T01:10:00Z|15.0|free|pro
2|2|2|1|10.0|2026-01-01T00:40:00Z|2026-01-01T01:15:00Z|5.0|pro|team
-|1|1|1|1.0|2026-01-01T01:20:00Z|2026-01-01T01:20:00Z|1.0|free|free"
assert_eq "output types" "$(q $w "select group_concat(name || ' ' || type, ', ') from pragma_table_info('agg')")" \
  "account_id INTEGER, events INTEGER, with_amount INTEGER, users INTEGER, revenue REAL, first_seen TIMESTAMP TEXT, last_seen TIMESTAMP TEXT, avg_amount REAL, first_plan TEXT, last_plan TEXT"
tumble="a|2026-01-01T00:00:00Z|2026-01-01T01:00:00Z|3|7
a|2026-01-01T01:00:00Z|2026-01-01T02:00:00Z|2|8
a|2026-01-01T02:00:00Z|2026-01-01T03:00:00Z|1|7"
hop="a|2025-12-31T23:30:00Z|2026-01-01T00:30:00Z|1|1
a|2026-01-01T00:00:00Z|2026-01-01T01:00:00Z|3|7
a|2026-01-01T00:30:00Z|2026-01-01T01:30:00Z|5|20
a|2026-01-01T01:00:00Z|2026-01-01T02:00:00Z|2|8
a|2026-01-01T02:00:00Z|2026-01-01T03:00:00Z|1|7
a|2026-01-01T02:30:00Z|2026-01-01T03:30:00Z|1|7"
for b in 2 100; do
  assert_exit 0 "$SLUICE" run tumble$b
  assert_contains "tumbling accounting ($b)" "read 7, loaded 3, filtered 3, rejected 1" "$T/err"
  assert_eq "tumbling ($b rows a batch)" "$(q $w "select * from tumble$b")" "$tumble"
  assert_eq "late row in the DLQ ($b)" "$(q .sluice/state.db "select line || ' ' || reason from dlq where pipeline = 'tumble$b'")" \
    "7 aggregate: late row: event time 2026-01-01T00:59:00Z is behind the watermark 2026-01-01T01:10:00Z (its windows were emitted)"
done
assert_exit 0 "$SLUICE" run hop2
# the row at 00:59 still counts in [00:30, 01:30), which is open; 6 rows out
# of 7 in: filtered is rows consumed minus rows emitted
assert_contains "hopping accounting" "read 7, loaded 6, filtered 1, rejected 0" "$T/err"
assert_eq "hopping (windows emitted as the watermark passes, 2 rows a batch)" "$(q $w "select * from hop2")" "$hop"
assert_exit 0 "$SLUICE" run spill4096
assert_exit 0 "$SLUICE" run spill67108864
assert_eq "spilled groups" "$(q $w "select count(*), sum(n), sum(s), sum(d), max(hi) from spill4096")" "300|900|1346400|600|2992"
assert_eq "the same answer" "$(q $w "select count(*) from (select * from spill4096 except select * from spill67108864)")" "0"
# validate: a bad function, a missing column, a bad window
cat > pipelines/bad.yml <<'YML'
source: {type: csv, path: ev.csv}
transforms:
  - type: aggregate
    group_by: [acount_id]
    aggregates: {a: median(amount), b: sum, c: max(amont)}
    window: {time: ts, type: hopping, size: 1h}
sinks: [{type: sqlite, table: bad}]
YML
assert_exit 2 "$SLUICE" validate
assert_contains "unknown function" "unknown function 'median'" "$T/err"
assert_contains "needs a column" "sum needs a column: sum(column)" "$T/err"
assert_contains "hopping needs hop" "a hopping window needs hop:" "$T/err"
finish
