#!/bin/sh
# t0077: write-audit-publish on SQLite (docs/quality/pipelines.md). A sink
# that publishes at the end (mode: full_refresh; commit: run) has the
# pipeline's error checks decided on the staged rows before it publishes:
# a reader polling the table during a run whose check fails never sees the
# staged rows (the set of counts it saw is asserted), the run exits 1
# naming the check, the checkpoint does not move, and the next run after
# the data is fixed publishes. A crash between the audit and the publish
# (failpoint run.after_audit) leaves the old data; the next run publishes.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
# csv FILE ROWS NULL_EVERY PLAN: ROWS contacts, every NULL_EVERY-th without email (0: none)
csv() {
  awk -v rows="$2" -v every="$3" -v plan="$4" 'BEGIN { print "id,email,plan";
    for (i = 1; i <= rows; i++) print i "," ((every && i % every == 0) ? "" : "u" i "@x.io") "," plan }' > "$1"
}
q p/warehouse.db "create table plans (name text); insert into plans values ('free'), ('pro')"
for pl in fr run; do
  if [ $pl = fr ]; then sink="{type: sqlite, table: t_$pl, mode: full_refresh}"; else sink="{type: sqlite, table: t_$pl, commit: run}"; fi
  cat > p/pipelines/$pl.yml <<YML
source: {type: csv, path: in_$pl.csv, infer_types: false}
batch_rows: 2
checks:
  - null_rate: {column: email, max: 0.1}
  - relationships: {column: plan, to: plans, field: name}
  - not_null: {name: id_present, column: id, severity: warn}
  - sql: {name: no_gold, sql: "select * from {{ this }} where plan = 'gold'"}
sinks: [$sink]
YML
  csv p/in_$pl.csv 5 0 free
  assert_exit 0 "$SLUICE" -C p run $pl
  assert_eq "$pl: first load" "$(q p/warehouse.db "select count(*) from t_$pl")" "5"
done

# poll PL: run PL (slowed: 10 ms per batch) while a reader counts the table's rows
poll() {
  pl=$1; shift
  rm -f "$T/stop" "$T/seen"
  ( while [ ! -f "$T/stop" ]; do q p/warehouse.db "select count(*) from t_$pl" >> "$T/seen" 2>/dev/null || true; sleep 0.02; done ) &
  reader=$!
  # the reader has read once before the run starts: however loaded the
  # machine, "seen" is never empty by chance
  wait_for 20 test -s "$T/seen" || fail "the reader did not start"
  set +e
  SLUICE_FAILPOINTS=sink.after_data=sleep10 "$SLUICE" -C p run "$pl" "$@" >"$T/out" 2>"$T/err"
  got=$?
  set -e
  touch "$T/stop"
  wait $reader
  seen=$(sort -n -u "$T/seen" | tr '\n' ' ')
}

for pl in fr run; do
  # 24 rows, a quarter without email: null_rate 0.25 > 0.1
  csv p/in_$pl.csv 24 4 free
  poll $pl
  assert_eq "$pl: failing check exits 1" "$got" "1"
  assert_contains "$pl: the check is named" "check null_rate_email failed" "$T/err"
  assert_eq "$pl: the reader only ever saw the old rows" "$seen" "5 "
  assert_eq "$pl: table kept" "$(q p/warehouse.db "select count(*) from t_$pl")" "5"
  assert_eq "$pl: no staging left" "$(q p/warehouse.db "select count(*) from sqlite_master where name like 't_${pl}__sluice%'")" "0"
  assert_eq "$pl: checkpoint did not move" "$(q p/warehouse.db "select count(*) from _sluice_state where pipeline = '$pl'")" \
    "$( [ $pl = fr ] && echo 0 || echo 1)"
  # a plan the warehouse does not know: the relationships check refuses the staged rows
  csv p/in_$pl.csv 12 0 gold
  poll $pl
  assert_eq "$pl: relationships exits 1" "$got" "1"
  assert_contains "$pl: relationships named" "check relationships_plan failed" "$T/err"
  assert_contains "$pl: sql on the staged rows ({{ this }})" "check no_gold (sql): fail" "$T/err"
  assert_eq "$pl: reader saw old rows (relationships)" "$seen" "5 "
  # fixed data: the next run publishes
  csv p/in_$pl.csv 12 0 pro
  poll $pl
  assert_eq "$pl: fixed run succeeds" "$got" "0"
  want=$( [ $pl = fr ] && echo 12 || echo 17)
  assert_eq "$pl: published" "$(q p/warehouse.db "select count(*) from t_$pl")" "$want"
  case "$seen" in "5 " | "5 $want " | "$want ") ok ;; *) fail "$pl: reader saw [$seen]" ;; esac
done

# a crash between the audit and the publish leaves the old data; the next run publishes
csv p/in_fr.csv 9 0 pro
set +e
SLUICE_FAILPOINTS=run.after_audit=crash "$SLUICE" -C p run fr >/dev/null 2>&1
set -e
assert_eq "crash: old data kept" "$(q p/warehouse.db "select count(*) from t_fr")" "12"
assert_exit 0 "$SLUICE" -C p run fr
assert_eq "crash: next run publishes" "$(q p/warehouse.db "select count(*) from t_fr")" "9"
finish
