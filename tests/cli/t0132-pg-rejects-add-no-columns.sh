#!/bin/sh
# t0132: t0130 for PostgreSQL: JSON Lines records that go to the DLQ (one
# rejected by typing, one the reader could not read whole) make no
# columns in the PostgreSQL table and widen none (engine/typing.h).
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
psql -X -q "$URL" -c "DROP SCHEMA IF EXISTS t0132 CASCADE; CREATE SCHEMA t0132;"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
cat > ev.jsonl <<'J'
{"id": 1, "n": 5, "score": 3}
{"id": 2, "n": "x", "junk": "j", "score": "high"}
{"id": 3, "n": 7, "score": 1}
{"id": 4, "n": 9, "half": 1, "oops": tru}
J
cat > p/pipelines/jl.yml <<YML
source: {type: jsonl, path: $T/ev.jsonl, columns: {n: int}}
sinks: [{type: postgres, url: "\${URL}", schema: t0132, table: jl}]
YML
assert_exit 0 "$SLUICE" -C p run jl
assert_contains "counts" "read 4, loaded 2, filtered 0, rejected 2" "$T/err"
assert_eq "columns" "$(psql -X -A -t "$URL" -c "SELECT string_agg(column_name || ' ' || data_type, ', '
                                                  ORDER BY ordinal_position) FROM information_schema.columns
                                                  WHERE table_schema = 't0132' AND table_name = 'jl'")" \
  "id bigint, n bigint, score bigint"
assert_eq "dlq" "$(q p/.sluice/state.db "SELECT group_concat(x, ' ') FROM (SELECT line || ':' || stage AS x FROM dlq ORDER BY line)")" "2:typing 4:source"
psql -X -q "$URL" -c "DROP SCHEMA t0132 CASCADE;"
finish
