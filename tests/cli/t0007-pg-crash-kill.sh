#!/bin/sh
# t0007: SIGKILL at random points of two incremental loads through
# PostgreSQL, rerun to completion after each kill, then compare the
# destination with the input row by row: 0 lost, 0 duplicated.
#   phase 1: CSV -> PostgreSQL table (append: a duplicate would show)
#   phase 2: PostgreSQL table -> SQLite (cursor: updated_at + cursor_key:
#            id, with many rows sharing each cursor value; append)
# KILLS (default 7, per phase; the chains of t0021 kill more) and ROWS
# (default 100000) can be set.
. "$SRC/tests/cli/lib.sh"
KILLS=${KILLS:-${CRASH_KILLS:-7}}
ROWS=${ROWS:-100000}
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
python3 "$SRC/tests/cli/gen_contacts.py" "$ROWS" "$T/in.csv"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
cat > p/pipelines/to_pg.yml <<YML
source: {type: csv, path: $T/in.csv, infer_types: false}
batch_rows: 2000
sinks: [{type: postgres, url: "\${URL}", schema: crash, table: c}]
YML
cat > p/pipelines/from_pg.yml <<YML
source: {type: postgres, url: "\${URL}", table: crash.src, cursor: updated_at, cursor_key: id, columns: {id: text}}
batch_rows: 2000
sinks: [{type: sqlite, table: c}]
YML
psql -X -q "$URL" -c "DROP SCHEMA IF EXISTS crash CASCADE; CREATE SCHEMA crash;
  CREATE TABLE crash.src (id bigint PRIMARY KEY, email text, company text, score text, note text, updated_at timestamptz);"
psql -X -q "$URL" -c "\\copy crash.src (id, email, company, score, note) FROM '$T/in.csv' WITH (FORMAT csv, HEADER true)"
psql -X -q "$URL" -c "UPDATE crash.src SET updated_at = timestamptz '2026-01-01 00:00:00+00' + (id / 500) * interval '1 second'"

reset_to_pg() { psql -X -q "$URL" -c "DROP TABLE IF EXISTS crash.c; DROP TABLE IF EXISTS crash._sluice_state" >/dev/null; rm -rf p/.sluice; }
reset_from_pg() { rm -rf p/warehouse.db* p/.sluice; }

# phase PIPELINE RESET DB TABLE
phase() {
  pl=$1; reset=$2; db=$3; table=$4
  $reset
  start=$(date +%s%N)
  "$SLUICE" -C p -q run "$pl" >/dev/null 2>&1
  full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  lost=0; dup=0; resumed=0; humans=0; finished=0
  i=0
  while [ $i -lt "$KILLS" ]; do
    i=$((i + 1))
    $reset
    # the moment of the kill, computed before the run starts: anything slow
    # between the start and the kill (an interpreter starting) would move it
    # later, past the end of the run (a python3 wrapper taking 2 s made every
    # kill land after the run had finished)
    delay_ms=$(python3 -c "import random; random.seed($i); print(random.randint(max(1, $full_ms // 20), max(2, $full_ms * 3 // 4)))")
    delay_s=$(echo "$delay_ms" | awk '{ printf "%.3f", $1 / 1000 }')
    "$SLUICE" -C p -q run "$pl" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay_s"
    kill -9 "$pid" 2>/dev/null || true
    set +e; wait "$pid" 2>/dev/null; set -e
    last=$("$SLUICE" -C p --json history "$pl" --limit 1 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)["runs"]; print(r[0]["status"] if r else "none")')
    if [ "$last" = success ]; then
      finished=$((finished + 1))
    else
      if ! "$SLUICE" -C p -q --json run "$pl" > "$T/rerun.json" 2>"$T/rerun.err"; then
        humans=$((humans + 1)); cat "$T/rerun.err" >&2
      fi
      grep -q '"resumed":true' "$T/rerun.json" && resumed=$((resumed + 1))
    fi
    r=$(python3 "$SRC/tests/cli/compare.py" "$T/in.csv" "$db" "$table" || true)
    m=$(echo "$r" | sed 's/.*missing=\([0-9]*\).*/\1/'); d=$(echo "$r" | sed 's/.*duplicated=\([0-9]*\).*/\1/')
    lost=$((lost + m)); dup=$((dup + d))
    case "$r" in *"missing=0 duplicated=0 changed=0") ok ;; *) fail "$pl: kill $i at ${delay_ms}ms: $r" ;; esac
  done
  echo "crash test $pl: $KILLS kills over a ${full_ms}ms load of $ROWS rows: rows lost $lost, duplicated $dup, killed mid-run $((KILLS - finished)) (finished before the kill $finished), reruns that resumed $resumed, reruns that failed $humans"
  assert_eq "$pl: reruns needing a human" "$humans" 0
  # a crash test whose kills all land after the run finished crashes nothing
  [ "$finished" -lt "$KILLS" ] && ok || fail "$pl: no kill landed before its run finished ($KILLS kills over a ${full_ms}ms load)"
}
phase to_pg reset_to_pg "$URL" crash.c
phase from_pg reset_from_pg p/warehouse.db c
finish
