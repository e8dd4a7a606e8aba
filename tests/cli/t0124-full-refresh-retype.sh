#!/bin/sh
# t0124: a full_refresh over an existing SQLite table whose column types
# no longer fit the load. The rows were inserted into the old declared
# types, whose affinity changed them silently: '007' into an INTEGER column
# became 7, a 23-digit number text a rounded real. The column now takes the
# staged type (the table is rebuilt, its index kept, a schema change
# logged), as append mode already did. Found by a fresh user.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: t0124" > p/sluice.yml
printf '{"id":1,"s":"007","big":"12345678901234567890123"}\n' > in.jsonl
pipe() {
  cat > p/pipelines/r.yml <<Y
source: {type: jsonl, path: $T/in.jsonl}
transforms:
  - {type: derive, columns: {x: "$1", y: "$2"}}
  - {type: select, columns: [id, x, y]}
sinks: [{type: sqlite, table: t, mode: full_refresh}]
Y
}
pipe "id * 5" "id"
assert_exit 0 "$SLUICE" -C p -q run r
assert_eq "first load: integers" "$(q p/warehouse.db "select x, typeof(x), y, typeof(y) from t")" "5|integer|1|integer"
q p/warehouse.db "create index t_x on t (x)" >/dev/null
pipe "s" "big"
assert_exit 0 "$SLUICE" -C p run r
assert_eq "text kept as written" "$(q p/warehouse.db "select x, typeof(x), y, typeof(y) from t")" "007|text|12345678901234567890123|text"
assert_contains "the change is said" "retyped in table t from INTEGER to TEXT" "$T/err"
assert_eq "the index stays" "$(q p/warehouse.db "select count(*) from sqlite_master where type = 'index' and name = 't_x'")" "1"
assert_eq "one row" "$(q p/warehouse.db "select count(*) from t")" "1"
finish
