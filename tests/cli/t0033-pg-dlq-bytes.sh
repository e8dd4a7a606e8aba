#!/bin/sh
# t0033: text that is not UTF-8 reaches the state store and the screen
# whole (regression 2026-11-30, case 04-csv-latin1). A Latin-1 CSV's
# rejected rows are kept byte for byte in both state stores (SQLite TEXT,
# which keeps any bytes, PostgreSQL bytea: before, PostgreSQL refused the row and the run failed
# forever); `dlq list` prints every row with the bytes shown as \xE9 (before:
# one of four, exit 0), --json is strict JSON, --wide shows whole file
# names; a rerun stores each rejected row once; a run error naming a
# Latin-1 path is recorded (before: the run stayed 'running'); a store made
# by an older sluice (raw text, no row_key) is migrated; a file name that
# is not UTF-8 works as a key (new_files) in both stores.
. "$SRC/tests/cli/lib.sh"
export PGOPTIONS='-c client_min_messages=warning'
BASE=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
# a database of our own: other tests use the sluice_state schema of theirs
ADMIN=${BASE%/*}/postgres
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS t0033" -c "CREATE DATABASE t0033"
URL=${BASE%/*}/t0033
export URL
strict_json() {  # strict_json FILE: rows in .rejected, or FAIL on invalid JSON
  python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read().decode("utf-8")  # strict: no lone bytes
d = json.loads(raw)
assert "\\ud" not in raw.lower(), "surrogate escape"
print(len(d["rejected"]))' "$1"
}

for store in sqlite postgres; do
  mkdir -p $store/pipelines $store/data
  # case 04's file: Latin-1, four of five rows with é, ü, á, ç, Å, ö as one byte
  printf 'id,name,city\n1,Ren\351e,Z\374rich\n2,Bob,Oslo\n3,Jos\351,M\341laga\n4,Fran\347ois,Nantes\n5,\305sa,Malm\366\n' \
    > $store/data/members.csv
  if [ $store = postgres ]; then
    printf 'name: t\nstate: {type: postgres, url: "${URL}"}\n' > $store/sluice.yml
  else
    printf 'name: t\n' > $store/sluice.yml
  fi
  printf 'source: {type: csv, path: data/members.csv}\nsinks:\n  - {type: sqlite, table: members}\n' \
    > $store/pipelines/p.yml
  assert_exit 0 "$SLUICE" -C $store run
  assert_contains "$store: accounting" "read 5, loaded 1, filtered 0, rejected 4" "$T/err"
  assert_exit 0 "$SLUICE" -C $store dlq list --pipeline p
  assert_eq "$store: every row listed" "$(grep -c "^p " "$T/out")" 4
  assert_contains "$store: line 2 escaped" '1,Ren\xE9e,Z\xFCrich' "$T/out"
  assert_contains "$store: line 4 escaped" '3,Jos\xE9,M\xE1laga' "$T/out"
  assert_contains "$store: line 5 escaped" '4,Fran\xE7ois,Nantes' "$T/out"
  assert_contains "$store: line 6 escaped" '5,\xC5sa,Malm\xF6' "$T/out"
  assert_contains "$store: file cut from the left" "$store/data/members.csv " "$T/out"
  assert_eq "$store: file column starts with ..." "$(grep -c '^p *source *\.\.\.' "$T/out")" 4
  assert_exit 0 "$SLUICE" -C $store dlq list --pipeline p --wide
  assert_contains "$store: --wide, whole file name" "$T/$store/data/members.csv" "$T/out"
  assert_exit 0 "$SLUICE" -C $store dlq list --pipeline p --json
  assert_eq "$store: --json strict, 4 rows" "$(strict_json "$T/out")" 4
  assert_contains "$store: --json raw" '"raw":"1,Ren\\xE9e,Z\\xFCrich"' "$T/out"
  # reruns (a new epoch each) meet the same rows: kept once
  assert_exit 0 "$SLUICE" -C $store run --restart
  assert_exit 0 "$SLUICE" -C $store run --full-refresh
  assert_exit 0 "$SLUICE" -C $store dlq list --pipeline p --json
  assert_eq "$store: rerun, rows once" "$(strict_json "$T/out")" 4
  # a run error naming a path that is not UTF-8 is recorded, shown escaped
  printf 'source: {type: csv, path: "${BADP}"}\nsinks:\n  - {type: sqlite, table: e}\n' > $store/pipelines/e.yml
  BADP=$(printf 'data/caf\351.csv'); export BADP
  assert_exit 1 "$SLUICE" -C $store run e
  assert_exit 0 "$SLUICE" -C $store history e --json
  assert_contains "$store: run error recorded" '"status":"failed"' "$T/out"
  assert_contains "$store: run error escaped" 'caf\\xE9.csv' "$T/out"
  rm $store/pipelines/e.yml
  # a file name that is not UTF-8 is a key (new_files, positions): it must
  # come back exactly (before: PostgreSQL refused it and the run failed)
  cp $store/data/members.csv "$store/data/caf$(printf '\351').csv"
  printf 'source: {type: csv, path: "data/caf*.csv", encoding: latin-1, incremental: new_files}\nsinks:\n  - {type: sqlite, table: f}\n  - {type: jsonl, path: out/f.jsonl}\n' \
    > $store/pipelines/f.yml
  assert_exit 0 "$SLUICE" -C $store run f
  assert_contains "$store: Latin-1 file name loaded" "read 5, loaded 5" "$T/err"
  assert_exit 0 "$SLUICE" -C $store run f
  assert_contains "$store: Latin-1 file name known as loaded" "read 0, loaded 0" "$T/err"
  assert_exit 0 "$SLUICE" -C $store state show f --json
  assert_contains "$store: state show escapes the name" 'caf\\xE9.csv' "$T/out"
  rm $store/pipelines/f.yml
done
# the raw bytes themselves, in each store
assert_eq "sqlite bytes" "$(q sqlite/.sluice/state.db "SELECT hex(raw) FROM dlq WHERE line = 2")" \
  "312C52656EE9652C5AFC72696368"
assert_eq "postgres bytea" \
  "$(psql -X -Atq "$URL" -c "SELECT encode(raw, 'hex') FROM sluice_state.dlq WHERE line = 2")" \
  "312c52656ee9652c5afc72696368"

# a PostgreSQL store made by an older sluice: raw text, UNIQUE with the epoch
psql -X -q "$URL" -c "DROP SCHEMA sluice_state CASCADE" -c "CREATE SCHEMA sluice_state" \
  -c "CREATE TABLE sluice_state.dlq (id bigserial PRIMARY KEY, pipeline text NOT NULL, run_id text NOT NULL,
      epoch bigint NOT NULL, stage text NOT NULL, file text NOT NULL DEFAULT '', \"offset\" bigint NOT NULL,
      line bigint, reason text NOT NULL, raw text, created_at text NOT NULL,
      UNIQUE(pipeline, epoch, stage, file, \"offset\"))" \
  -c "INSERT INTO sluice_state.dlq (pipeline, run_id, epoch, stage, \"offset\", line, reason, raw, created_at)
      VALUES ('old', 'r', 1, 'source', 0, 2, 'expected 3 fields, found 2', 'a,b', 'then')"
assert_exit 0 "$SLUICE" -C postgres run
assert_exit 0 "$SLUICE" -C postgres dlq list --json
assert_eq "migrated: old and new rows" "$(strict_json "$T/out")" 5
assert_contains "migrated: old raw kept" '"raw":"a,b"' "$T/out"
assert_eq "migrated: raw is bytea" "$(psql -X -Atq "$URL" -c "SELECT data_type FROM information_schema.columns
  WHERE table_schema = 'sluice_state' AND table_name = 'dlq' AND column_name = 'raw'")" "bytea"
finish
