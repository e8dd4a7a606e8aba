# t0035: a derive or filter expression is only ever an expression. Case 41:
# a `{batch}` marker once ran a whole statement (ATTACH into an existing
# file, CREATE TABLE there, VACUUM INTO a new one): validate and run now
# refuse them and touch no file; a column named x{batch}y (or holding
# ") VALUES (" or " ON CONFLICT") loads through the SQLite sink. Case 48:
# an aggregate in a row expression (max(name), count(*) > 0) is refused at
# validate instead of nulling 19,997 of 20,000 values; a subquery's own
# aggregate works. Syntax errors never show the internal query.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
python3 -c '
print("id,name,tags")
for i in range(1, 20001): print("%d,name%d,\"[1,%d]\"" % (i, i, i % 3))' > p/data/in.csv
sqlite3 p/pwned.db 'create table a(x)'
before=$(md5sum < p/pwned.db)

# case 41
cat > p/pipelines/x.yml <<'YML'
source: {type: csv, path: data/in.csv}
transforms:
  - {type: filter, where: "ATTACH 'pwned.db' AS pw -- {batch}"}
  - {type: filter, where: "CREATE TABLE pw.evil AS SELECT * FROM {batch}"}
  - {type: filter, where: "VACUUM INTO 'copy.db' -- {batch}"}
  - {type: filter, where: "1) FROM temp.b1; ATTACH 'pwned.db' AS pw; SELECT (1"}
sinks:
  - {type: sqlite, table: t}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "attach" "pipelines/x.yml:3:28: where: expression 'ATTACH 'pwned.db' AS pw -- {batch}': ATTACH begins a statement; only an expression is allowed here (e.g. amount > 0)" "$T/err"
assert_contains "create" "pipelines/x.yml:4:28: where: expression 'CREATE TABLE pw.evil AS SELECT * FROM {batch}': CREATE begins a statement" "$T/err"
assert_contains "vacuum" "pipelines/x.yml:5:28: where: expression 'VACUUM INTO 'copy.db' -- {batch}': VACUUM begins a statement" "$T/err"
assert_contains "breaking out" "')' at character 2 closes a parenthesis the expression did not open" "$T/err"
assert_exit 2 "$SLUICE" -C p run x
assert_eq "pwned.db untouched" "$(md5sum < p/pwned.db)" "$before"
[ ! -e p/copy.db ] && ok || fail "VACUUM INTO created copy.db"
[ ! -e p/warehouse.db ] && ok || fail "the refused run wrote a warehouse"

# case 48
cat > p/pipelines/x.yml <<'YML'
source: {type: csv, path: data/in.csv, columns: {id: int}}
transforms:
  - type: derive
    columns:
      name: "max(name)"
      rank: "row_number() OVER (ORDER BY id)"
  - {type: filter, where: "count(*) > 0"}
sinks:
  - {type: sqlite, table: agg}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "max" "pipelines/x.yml:5:14: column 'name': expression 'max(name)': max() is an aggregate function, which combines rows; a row expression gives one value per row, so aggregate and window functions are not allowed (a subquery of its own may use them)" "$T/err"
assert_contains "window" "column 'rank': expression 'row_number() OVER (ORDER BY id)': row_number() is a window function" "$T/err"
assert_contains "count" "pipelines/x.yml:7:28: where: expression 'count(*) > 0': count() is an aggregate function" "$T/err"
assert_exit 2 "$SLUICE" -C p run x
[ ! -e p/warehouse.db ] && ok || fail "the refused run wrote a warehouse"

# syntax errors name the place in the expression, never the wrapper
cat > p/pipelines/x.yml <<'YML'
source: {type: csv, path: data/in.csv}
transforms:
  - {type: derive, columns: {a: "id +", b: "id + + * 2", c: "'open"}}
sinks:
  - {type: sqlite, table: t}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "incomplete" "column 'a': expression 'id +': syntax error: it ends before the expression is complete" "$T/err"
assert_contains "at a character" "column 'b': expression 'id + + * 2': near \"*\": syntax error at character 8" "$T/err"
assert_contains "open string" "column 'c': expression ''open': the string opened at character 1 never ends" "$T/err"
grep -q "temp\.\|SELECT" "$T/err" && fail "the internal query shows: $(cat "$T/err")" || ok

# what stays allowed, and odd column names through the SQLite sink (append and upsert)
cat > p/pipelines/x.yml <<'YML'
source: {type: csv, path: data/in.csv, columns: {id: int}}
transforms:
  - type: derive
    columns:
      n_tags: "(SELECT count(*) FROM json_each(tags))"
      top: "max(id, 10000) -- the scalar max"
      "x{batch}y": "upper(name)"
      "a\") VALUES (": "id % 7"
      " ON CONFLICT": "'c'"
  - {type: filter, where: "id % 2 = 0"}
sinks:
  - {type: sqlite, table: ok}
  - {type: sqlite, table: up, path: up.db, mode: upsert, key: [id]}
YML
assert_exit 0 "$SLUICE" -C p run x
assert_eq "rows" "$(q p/warehouse.db 'SELECT count(*), sum(n_tags), min(top), max(top) FROM ok')" "10000|20000|10000|20000"
assert_eq "odd names" "$(q p/warehouse.db 'SELECT "x{batch}y", "a"") VALUES (", " ON CONFLICT" FROM ok WHERE id = 8')" "NAME8|1|c"
assert_exit 0 "$SLUICE" -C p run x
assert_eq "upsert with odd names" "$(q p/up.db 'SELECT count(*), count(DISTINCT "x{batch}y") FROM up')" "10000|10000"
finish
