#!/bin/sh
# t0029: inferred types give back exactly what was read, whichever batch a
# value arrives in (issue #10 item 5; cases 08-zip-leading-zero-late and
# 12-json-bigint). A late value an inferred type would change ("02100" as
# int, an id beyond int64, an int a double rounds, "yes" as bool) widens
# the column, recorded as a schema change; the SQLite table (whose column
# affinity would convert values) is rebuilt with the new type and the
# PostgreSQL column altered, and every sink holds every value exactly.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
psql -X -q "$URL" -c "DROP SCHEMA IF EXISTS t0029 CASCADE; CREATE SCHEMA t0029;"
mkdir -p p/pipelines p/in
echo "name: p" > p/sluice.yml
# batches of 3 rows: the values after row 3 come after the inference sample
printf 'id,zip,flag,n\n1,10001,true,5\n2,10002,false,6\n3,10003,true,7\n4,02100,yes,+8\n5,10005,false,9\n' > p/in/zip.csv
cat > p/in/ids.jsonl <<'J'
{"id":1,"x":1610521604143693812,"f":1.5}
{"id":2,"x":9007199254740993,"f":0.30000000000000004}
{"id":3,"x":1,"f":2.25}
{"id":4,"x":18446744073709551615,"f":9007199254740993}
{"id":5,"x":1610521604143693999,"f":0.1}
J
for src in zip ids; do
  case $src in zip) kind=csv; ext=csv;; ids) kind=jsonl; ext=jsonl;; esac
  cat > p/pipelines/$src.yml <<YML
source: {type: $kind, path: in/$src.$ext}
batch_rows: 3
sinks:
  - {type: sqlite, table: $src}
  - {type: jsonl, path: out/$src.jsonl}
  - {type: postgres, url: "\${URL}", schema: t0029, table: $src}
YML
done
assert_exit 0 "$SLUICE" -C p --json run zip
assert_contains "zip: all rows loaded" '"rows_loaded":5' "$T/out"
assert_exit 0 "$SLUICE" -C p --json run ids
assert_contains "ids: all rows loaded" '"rows_loaded":5' "$T/out"

# 08: the zip with its leading zero, as text, in every sink; the rows loaded
# before the widening are text too (the SQLite table was rebuilt)
assert_eq "sqlite zip" "$(q p/warehouse.db "select group_concat(zip || ':' || typeof(zip), ',') from zip")" \
  "10001:text,10002:text,10003:text,02100:text,10005:text"
assert_eq "sqlite zip declared" "$(q p/warehouse.db "select type from pragma_table_info('zip') where name = 'zip'")" TEXT
assert_contains "jsonl zip" '"zip":"02100"' p/out/zip.jsonl
assert_eq "pg zip" "$(psql -X -qAt "$URL" -c "select string_agg(zip, ',' order by id) from t0029.zip")" \
  "10001,10002,10003,02100,10005"
# "yes" is not the boolean true and "+8" not the int 8: both keep their text
assert_eq "sqlite flag" "$(q p/warehouse.db "select group_concat(flag, ',') from zip")" "true,false,true,yes,false"
assert_eq "sqlite n" "$(q p/warehouse.db "select n from zip where id = 4")" "+8"
assert_eq "pg flag, n" "$(psql -X -qAt "$URL" -c "select flag || ' ' || n from t0029.zip where id = 4")" "yes +8"
assert_exit 0 "$SLUICE" -C p schema history zip
assert_contains "widening recorded" "widened from int to text" "$T/out"
assert_contains "bool widening recorded" "widened from bool to text" "$T/out"

# 12: every id exact (decimal), in the first batch and after it
want_x="1610521604143693812,9007199254740993,1,18446744073709551615,1610521604143693999"
assert_eq "sqlite ids" "$(q p/warehouse.db "select group_concat(x, ',') from ids")" "$want_x"
assert_eq "pg ids" "$(psql -X -qAt "$URL" -c "select string_agg(x::text, ',' order by id) from t0029.ids")" "$want_x"
assert_eq "pg ids type" "$(psql -X -qAt "$URL" -c "select data_type from information_schema.columns
  where table_schema = 't0029' and table_name = 'ids' and column_name = 'x'")" numeric
assert_contains "jsonl id beyond int64" '"x":18446744073709551615' p/out/ids.jsonl
assert_contains "jsonl id beyond 2^53" '"x":9007199254740993' p/out/ids.jsonl
# a float column meeting an int a double would round becomes decimal; the
# floats loaded before keep all their digits (not SQLite's or PostgreSQL's
# 15-digit conversion: 0.30000000000000004 is not 0.3)
want_f="1.5,0.30000000000000004,2.25,9007199254740993,0.1"
assert_eq "sqlite f" "$(q p/warehouse.db "select group_concat(f, ',') from ids")" "$want_f"
assert_eq "pg f" "$(psql -X -qAt "$URL" -c "select string_agg(f::text, ',' order by id) from t0029.ids")" "$want_f"
assert_contains "jsonl f" '"f":9007199254740993' p/out/ids.jsonl
assert_exit 0 "$SLUICE" -C p schema history ids
assert_contains "widened to decimal" "widened from int to decimal" "$T/out"
assert_contains "float widened to decimal" "widened from float to decimal" "$T/out"

# a declared decimal is written in the notation every sink keeps (the
# JSONL line stays JSON: +5 and .5 are no JSON numbers)
printf 'id,d\n1,+5\n2,.5\n3,007.50\n4, 12 \n' > p/in/dec.csv
cat > p/pipelines/dec.yml <<'YML'
source: {type: csv, path: in/dec.csv, columns: {d: decimal}}
sinks: [{type: jsonl, path: out/dec.jsonl}, {type: postgres, url: "${URL}", schema: t0029, table: dec}]
YML
assert_exit 0 "$SLUICE" -C p run dec
assert_eq "decimal notation" "$(tr '\n' ' ' < p/out/dec.jsonl)" '{"id":1,"d":5} {"id":2,"d":0.5} {"id":3,"d":7.50} {"id":4,"d":12} '
assert_eq "pg decimals" "$(psql -X -qAt "$URL" -c "select string_agg(d::text, ',' order by id) from t0029.dec")" "5,0.5,7.50,12"

# an int a double would round, into an existing double precision column:
# the column becomes numeric (through text: the doubles keep their digits)
psql -X -q "$URL" -c "CREATE TABLE t0029.dbl (id bigint, v double precision); INSERT INTO t0029.dbl VALUES (0, 0.30000000000000004)"
printf 'id,v\n1,7\n2,9007199254740993\n' > p/in/dbl.csv
printf 'source: {type: csv, path: in/dbl.csv}\nsinks: [{type: postgres, url: "${URL}", schema: t0029, table: dbl}]\n' > p/pipelines/dbl.yml
assert_exit 0 "$SLUICE" -C p run dbl
assert_eq "pg int into double" "$(psql -X -qAt "$URL" -c "select string_agg(v::text, ',' order by id) from t0029.dbl")" \
  "0.30000000000000004,7,9007199254740993"

# a float column meeting a TEXT column an earlier run made: SQLite's own
# double-to-text keeps 15 digits; the sink sends the exact text
printf 'id,v\n1,n/a\n' > p/in/v.csv
printf 'source: {type: csv, path: in/v.csv}\nsinks: [{type: sqlite, table: v}]\n' > p/pipelines/v.yml
assert_exit 0 "$SLUICE" -C p run v
printf 'id,v\n2,0.30000000000000004\n3,1.5\n4,2\n' > p/in/v.csv
assert_exit 0 "$SLUICE" -C p run v
assert_eq "float into text column" "$(q p/warehouse.db "select group_concat(v || ':' || typeof(v), ',') from v")" \
  "n/a:text,0.30000000000000004:text,1.5:text,2.0:text"
# and again in a later run (the statement is prepared again for the same table)
printf 'id,v\n5,0.1\n' > p/in/v.csv
assert_exit 0 "$SLUICE" -C p run v
assert_eq "float into text column, again" "$(q p/warehouse.db "select v from v where id = 5")" "0.1"
finish
