#!/bin/sh
# t0130: a record that goes to the DLQ adds nothing to the destination,
# its columns included (engine/typing.h; docs/ARCHITECTURE.md decision 35):
# a JSON Lines record rejected by typing (a declared int that is text)
# whose member `junk` no loaded record has, and one rejected by the reader
# (invalid JSON after a member `half`) do not make all-NULL columns in
# the SQLite table, nor widen an inferred column (`score` stays int); the
# DLQ keeps the whole records with reason and line. The same for the
# json (document) source. A filtered record is a valid one: its member
# makes a column (a table's columns do not depend on a filter). CSV
# columns come from the header: a column whose only value is in a
# rejected row still exists.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
cat > ev.jsonl <<'J'
{"id": 1, "n": 5, "score": 3}
{"id": 2, "n": "x", "junk": "j", "score": "high"}
{"id": 3, "n": 7, "score": 1}
{"id": 4, "n": 9, "half": 1, "oops": tru}
{"id": 5, "n": 8, "kind": "skip", "extra": "e"}
J
printf '[{"id": 1, "n": 5}, {"id": 2, "n": "x", "junk": "j"}, {"id": 3, "n": 7}]\n' > ev.json
printf 'id,n,junk\n1,5,\n2,x,j\n3,7,\n' > ev.csv
cat > p/pipelines/jl.yml <<Y
source: {type: jsonl, path: $T/ev.jsonl, columns: {n: int}}
sinks: [{type: sqlite, table: jl}]
Y
cat > p/pipelines/doc.yml <<Y
source: {type: json, path: $T/ev.json, columns: {n: int}}
sinks: [{type: sqlite, table: doc}]
Y
cat > p/pipelines/filt.yml <<Y
source: {type: jsonl, path: $T/ev.jsonl, columns: {n: int}}
transforms:
  - {type: filter, where: "kind IS NULL"}
sinks: [{type: sqlite, table: filt}]
Y
cat > p/pipelines/csv.yml <<Y
source: {type: csv, path: $T/ev.csv, columns: {n: int}}
sinks: [{type: sqlite, table: c}]
Y
cols() { q p/warehouse.db "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('$1')"; }

# 1. jsonl: a typing reject and a reader reject
assert_exit 0 "$SLUICE" -C p run jl
assert_contains "jl counts" "read 5, loaded 3, filtered 0, rejected 2" "$T/err"
assert_eq "jl columns" "$(cols jl)" "id INTEGER, n INTEGER, score INTEGER, kind TEXT, extra TEXT"
assert_eq "jl rows" "$(q p/warehouse.db "SELECT group_concat(id || ':' || n || ':' || quote(score), ' ') FROM jl")" \
  "1:5:3 3:7:1 5:8:NULL"
assert_eq "jl dlq" "$(q p/.sluice/state.db "SELECT line || '|' || stage || '|' ||
                                             CASE stage WHEN 'source' THEN substr(reason, 1, 12) ELSE reason END
                                             FROM dlq WHERE pipeline = 'jl' ORDER BY line")" \
  "2|typing|column 'n': 'x' is not a valid int
4|source|invalid JSON"
q p/.sluice/state.db "SELECT raw FROM dlq WHERE pipeline = 'jl' ORDER BY line" > dlq.txt
assert_contains "jl dlq keeps the typing reject's junk" '"junk":"j"' dlq.txt
assert_contains "jl dlq keeps the typing reject's score" '"score":"high"' dlq.txt
assert_contains "jl dlq keeps the whole bad line" '{"id": 4, "n": 9, "half": 1, "oops": tru}' dlq.txt

# 2. json document: a typing reject
assert_exit 0 "$SLUICE" -C p run doc
assert_contains "doc counts" "read 3, loaded 2, filtered 0, rejected 1" "$T/err"
assert_eq "doc columns" "$(cols doc)" "id INTEGER, n INTEGER"
assert_eq "doc dlq" "$(q p/.sluice/state.db "SELECT count(*) FROM dlq WHERE pipeline = 'doc' AND raw LIKE '%junk%'")" "1"

# 3. a filtered record's members are columns (a valid record)
assert_exit 0 "$SLUICE" -C p run filt
assert_contains "filt counts" "read 5, loaded 2, filtered 1, rejected 2" "$T/err"
assert_eq "filt columns" "$(cols filt)" "id INTEGER, n INTEGER, score INTEGER, kind TEXT, extra TEXT"

# 4. csv: the header's columns, whatever row is rejected
assert_exit 0 "$SLUICE" -C p run csv
assert_contains "csv counts" "read 3, loaded 2, filtered 0, rejected 1" "$T/err"
assert_eq "csv columns" "$(cols c)" "id INTEGER, n INTEGER, junk TEXT"
finish
