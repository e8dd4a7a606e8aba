#!/bin/sh
# t0009: the state store on PostgreSQL (state: {type: postgres}) and a
# PostgreSQL warehouse (warehouse: {type: postgres}), shared by two project
# folders as two machines would share them: history, DLQ, incremental
# new_files, bookmarks and schema history are seen from both; a pipeline
# running on one is refused on the other; `state show`, `state reset` and
# `schema history` work on both stores.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
psql -X -q "$URL" -c "DROP SCHEMA IF EXISTS sluice_state CASCADE; DROP SCHEMA IF EXISTS t9 CASCADE" 2>/dev/null
python3 "$SRC/tests/cli/gen_contacts.py" 300000 "$T/big.csv"
for m in a b; do
  mkdir -p $m/pipelines $m/data
  cat > $m/sluice.yml <<YML
name: shared
warehouse: {type: postgres, url: "\${URL}"}
state: {type: postgres, url: "\${URL}"}
YML
  cat > $m/pipelines/c.yml <<YML
source: {type: csv, path: $T/in/*.csv, incremental: new_files}
sinks: [{type: postgres, schema: t9, table: c}]
YML
  cat > $m/pipelines/big.yml <<YML
source: {type: csv, path: $T/big.csv}
batch_rows: 1000
sinks: [{type: postgres, schema: t9, table: big, mode: full_refresh}]
YML
done
mkdir -p "$T/in"
printf 'id,v\n1,10\n2,x\n3,30\n' > "$T/in/1.csv"
assert_exit 0 "$SLUICE" -C a -q run c
assert_eq "loaded once" "$(psql -X -Atq "$URL" -c 'SELECT count(*) FROM t9.c')" 3
# machine b sees the file as loaded (one shared state store)
assert_exit 0 "$SLUICE" -C b -q --json run c
assert_contains "nothing new on b" '"rows_read":0' "$T/out"
printf 'id,v,extra\n4,40,new\n' > "$T/in/2.csv"
assert_exit 0 "$SLUICE" -C b -q run c
assert_eq "both files, no duplicate" "$(psql -X -Atq "$URL" -c 'SELECT count(*), count(DISTINCT id) FROM t9.c')" "4|4"
# history from either machine, in the shared store
assert_exit 0 "$SLUICE" -C a history c --json
assert_eq "history runs" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"]))' "$T/out")" 3
# schema history: the column added by b's run
assert_exit 0 "$SLUICE" -C a schema history c --json
assert_contains "schema change" '"column":"extra"' "$T/out"
assert_contains "schema change text" 'added to table' "$T/out"
# state show lists the loaded files, from the PostgreSQL store
assert_exit 0 "$SLUICE" -C a state show c --json
assert_contains "store kind" '"state_store":"postgres"' "$T/out"
assert_contains "loaded file" '"kind":"file"' "$T/out"
# reset: the next run loads both files again (append: 4 more rows)
assert_exit 0 "$SLUICE" -C a state reset c --yes
assert_exit 0 "$SLUICE" -C b -q run c
assert_eq "after reset" "$(psql -X -Atq "$URL" -c 'SELECT count(*) FROM t9.c')" 8
# one pipeline at a time across machines: b is refused while a runs
"$SLUICE" -C a -q run big >/dev/null 2>&1 &
pid=$!
n=0
until psql -X -Atq "$URL" -c "SELECT count(*) FROM sluice_state.runs WHERE pipeline = 'big' AND status = 'running'" | grep -q 1; do
  n=$((n + 1)); [ $n -gt 200 ] && break; sleep 0.05
done
assert_exit 1 "$SLUICE" -C b run big
assert_contains "refused" "already running (on another machine" "$T/err"
wait $pid
assert_eq "a's run succeeded" "$?" 0
assert_eq "big loaded" "$(psql -X -Atq "$URL" -c 'SELECT count(*) FROM t9.big')" 300000
# the lock is released: b may run it now
assert_exit 0 "$SLUICE" -C b -q run big
finish
