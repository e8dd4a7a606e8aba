#!/bin/sh
# t0030: two source names never land on one column (issue #10 item 6; cases
# 14-flatten-collision and 50-json-nul-member-name). Every source names
# columns by one rule (core/names.h): a NUL byte is kept as \u0000, a name
# that collides with an earlier one (flattened paths, case only, duplicate
# headers or query columns) gets _2, _3, ...; `normalize_names: snake_case`
# snake_cases names first. Transforms refuse a name that would collide.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/in
echo "name: p" > p/sluice.yml
sink() { printf 'sinks:\n  - {type: sqlite, table: %s}\n  - {type: jsonl, path: out/%s.jsonl}\n' "$1" "$1"; }

# 14: top-level user_name and flattened user.name; one row per batch, so the
# suffix must stay with its path across batches (record 2 has only one)
cat > p/in/users.jsonl <<'J'
{"id":1,"user_name":"top-level value","user":{"name":"nested value","id":10}}
{"id":2,"user":{"name":"only nested"},"user_id":5}
{"id":3,"user_name":"only top"}
J
{ echo "source: {type: jsonl, path: in/users.jsonl, flatten: true}"; echo "batch_rows: 1"; sink users; } > p/pipelines/users.yml
assert_exit 0 "$SLUICE" -C p --json run users
assert_contains "users loaded" '"rows_loaded":3' "$T/out"
assert_eq "both values kept" "$(q p/warehouse.db "select id, user_name, user_name_2, user_id, user_id_2 from users order by id")" \
"1|top-level value|nested value|10|
2||only nested||5
3|only top|||"
assert_contains "jsonl both" '"user_name":"top-level value","user_name_2":"nested value"' p/out/users.jsonl

# 50: NUL in member names, and the empty name
printf '%s\n' '{"id":1,"a":"x","a\u0000b":"kept"}' '{"id":2,"v":"p\u0000q","a":"y"}' '{"id":3,"\u0000":"z","":"e"}' > p/in/nul.jsonl
{ echo "source: {type: jsonl, path: in/nul.jsonl}"; sink nul; } > p/pipelines/nul.yml
assert_exit 0 "$SLUICE" -C p --json run nul
assert_contains "nul loaded" '"rows_loaded":3' "$T/out"
assert_eq "nul columns" "$(q p/warehouse.db "select group_concat(name, ',') from pragma_table_info('nul')")" \
  'id,a,a\u0000b,v,\u0000,column'
assert_eq "nul values" "$(q p/warehouse.db 'select a, "a\u0000b" from nul where id = 1')" "x|kept"
assert_eq "empty name" "$(q p/warehouse.db 'select "\u0000", "column" from nul where id = 3')" "z|e"

# CSV: duplicate headers, also differing only in case (one column in SQLite)
printf 'id,Email,email,email\n1,a@x,b@x,c@x\n' > p/in/dup.csv
{ echo "source: {type: csv, path: in/dup.csv}"; sink dup; } > p/pipelines/dup.yml
assert_exit 0 "$SLUICE" -C p run dup
assert_eq "csv dup" "$(sqlite3 -header p/warehouse.db 'select * from dup' | tr '\n' ' ')" "id|Email|email_2|email_3 1|a@x|b@x|c@x "

# a table made by an earlier run with `Email`: `email` is that column (SQLite), no error
printf 'id,email\n2,d@x\n' > p/in/dup.csv
assert_exit 0 "$SLUICE" -C p run dup
assert_eq "same column without case" "$(q p/warehouse.db 'select Email from dup where id = 2')" "d@x"

# normalize_names: snake_case, then the same collision rule
printf 'Record ID,recordId,Created At,HTTPServer\n1,2,2026-01-01,h\n' > p/in/snake.csv
{ echo "source: {type: csv, path: in/snake.csv, normalize_names: snake_case}"; sink snake; } > p/pipelines/snake.yml
assert_exit 0 "$SLUICE" -C p run snake
assert_eq "snake csv" "$(q p/warehouse.db "select group_concat(name, ',') from pragma_table_info('snake')")" \
  "record_id,record_id_2,created_at,http_server"
printf '%s\n' '{"Record ID":1,"userName":"u","address":{"ZipCode":"02100"}}' > p/in/snake.jsonl
{ echo "source: {type: jsonl, path: in/snake.jsonl, normalize_names: snake_case, flatten: true, columns: {record_id: text}}"; sink snakej; } > p/pipelines/snakej.yml
assert_exit 0 "$SLUICE" -C p run snakej
assert_eq "snake jsonl" "$(q p/warehouse.db "select group_concat(name || ' ' || type, ',') from pragma_table_info('snakej')")" \
  "record_id TEXT,user_name TEXT,address_zip_code TEXT"

# SQL sources: a query's columns that share a name; normalize_names with a cursor
sqlite3 p/src.db "create table s (id integer, Name text, UpdatedAt text);
  insert into s values (1, 'n1', '2026-01-01T00:00:00Z'), (2, 'n2', '2026-01-02T00:00:00Z');"
cat > p/pipelines/sq.yml <<'YML'
source: {type: sqlite, path: src.db, query: "SELECT id, Name, name AS name, id AS ID FROM s"}
sinks: [{type: sqlite, table: sq}]
YML
assert_exit 0 "$SLUICE" -C p run sq
# (SQLite itself renames a subquery's duplicates, without case, as name:1)
assert_eq "query columns" "$(sqlite3 -header p/warehouse.db 'select * from sq where id = 1' | tr '\n' ' ')" "id|Name|name:1|ID:1 1|n1|n1|1 "
cat > p/pipelines/sqn.yml <<'YML'
source: {type: sqlite, path: src.db, table: s, cursor: UpdatedAt, normalize_names: snake_case}
sinks: [{type: sqlite, table: sqn}]
YML
assert_exit 0 "$SLUICE" -C p run sqn
assert_eq "snake sql" "$(q p/warehouse.db "select group_concat(name, ',') from pragma_table_info('sqn')")" "id,name,updated_at"
sqlite3 p/src.db "insert into s values (3, 'n3', '2026-01-03T00:00:00Z')"
assert_exit 0 "$SLUICE" -C p --json run sqn
assert_contains "cursor still found after normalizing" '"rows_read":1' "$T/out"

# transforms: a rename or a derived column that collides is refused, naming both
cat > p/pipelines/ren.yml <<'YML'
source: {type: csv, path: in/snake.csv}
transforms: [{type: rename, columns: {recordId: record id}}]
sinks: [{type: sqlite, table: ren}]
YML
assert_exit 1 "$SLUICE" -C p run ren
assert_contains "rename clash" "renaming 'recordId' to 'record id' would collide with column 'Record ID'" "$T/err"
cat > p/pipelines/der.yml <<'YML'
source: {type: csv, path: in/snake.csv}
transforms: [{type: derive, columns: {httpserver: "upper(HTTPServer)"}}]
sinks: [{type: sqlite, table: der}]
YML
assert_exit 1 "$SLUICE" -C p run der
assert_contains "derive clash" "new column 'httpserver' would collide with column 'HTTPServer'" "$T/err"
finish
