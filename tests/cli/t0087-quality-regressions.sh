#!/bin/sh
# t0087: data-quality faults found when the #13 branches were merged and a
# fresh user tried them, each with the value that must hold:
#   1. a check naming a column the rows lack: `sluice validate` names it at
#      file:line:col with a suggestion (exit 1, as every column error); a run that skips validate
#      reports the check as error "column ... is not in the rows", never a
#      pass (SQLite would read the double-quoted name as a text);
#   2. the same in the warehouse (monitors/NAME.yml, `sluice check`):
#      ERROR "no such column", counted as ERROR in the summary;
#   3. an incremental run that reads no new file: required_columns and
#      schema have nothing to judge and pass (the example's second build
#      failed);
#   4. freshness without column on a monitors/ table counts the loads of the
#      pipeline that writes the table ("never loaded" before);
#   5. `sluice profile NAME` means the pipeline, not the monitors/ entry of
#      the table it loads (was: "names several nodes", exit 2);
#   6. failing-row samples stay small: a 5,000-byte value is cut at 256
#      bytes and marked with "…";
#   7. (found on the way, older than #13) a run resumed at the end of a
#      file typed the next file's columns as text from the first file's
#      header alone, and rebuilt the table with text columns.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/monitors p/in
echo "name: qr" > p/sluice.yml
long=$(python3 -c 'print("x" * 5000)')
printf 'id,email,note\n1,a@x.io,ok\n2,b@x.io,%s\n' "$long" > p/in/a.csv
cat > p/pipelines/people.yml <<'YML'
source: {type: csv, path: in/*.csv, incremental: new_files}
checks:
  - not_null: {column: emial}
  - required_columns: {columns: [id, email]}
  - schema: {columns: {id: int, email: text}}
sinks: [{type: sqlite, table: people}]
YML
# 1. validate names the column; a run reports an error, not a pass
cp -r p bad
assert_exit 1 "$SLUICE" -C bad validate
assert_contains "validate: file:line:col + suggestion" "people.yml:3:24: check not_null_emial: no column 'emial'; did you mean 'email'?" "$T/err"
assert_exit 1 "$SLUICE" -C bad run people
assert_contains "run: the check errors, naming the column" "check not_null_emial (not_null): error: column emial is not in the rows" "$T/err"
# with the check right the run loads; 3. a second run reads no new file and passes
sed -i 's/column: emial/column: email/' p/pipelines/people.yml
assert_exit 0 "$SLUICE" -C p run people
assert_exit 0 "$SLUICE" -C p run people
assert_eq "no new file: read nothing, required_columns and schema pass" \
  "$(q p/.sluice/state.db "select status from check_results where node = 'pipeline.qr.people' and kind in ('required_columns', 'schema') order by seq desc limit 2" | tr '\n' ' ')" "pass pass "
# 2. the warehouse: a missing column is an error
cat > p/monitors/people.yml <<'YML'
monitors:
  - table: people
    checks:
      - not_null: {column: nosuch}
      - freshness: {warn_after: 1d, error_after: 3d}
      - accepted_values: {column: note, values: [ok]}
YML
assert_exit 1 "$SLUICE" -C p check
assert_contains "missing column in the warehouse" "no such column: nosuch" "$T/out"
assert_contains "summary counts the error apart" "PASS=1 WARN=0 FAIL=1 ERROR=1 TOTAL=3" "$T/out"
# 4. freshness counts the pipeline's loads
assert_contains "freshness from the pipeline's loads" "PASS  table.qr.main.people freshness" "$T/out"
# 6. the sample's long value is cut
q p/.sluice/state.db "select sample from check_results where check_name = 'accepted_values_note' order by seq desc limit 1" > "$T/sample"
assert_eq "sample cut to 256 bytes + …" "$(python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))[0]["note"]; print(len(v.encode()), v.endswith("…"))' "$T/sample")" "259 True"
# 5. profile NAME: the pipeline
assert_exit 0 "$SLUICE" -C p profile people
assert_contains "profile people is the pipeline's" "pipeline.qr.people: run" "$T/out"
assert_exit 0 "$SLUICE" -C p profile main.people
assert_contains "the table's entry by schema.table" "main.people: run" "$T/out"
# 7. resume at the end of a file, then a new file: the types hold
mkdir -p r/pipelines r/in
echo "name: rz" > r/sluice.yml
printf 'id,email\n1,a@x.io\n2,b@x.io\n' > r/in/a.csv
printf 'source: {type: csv, path: in/*.csv, incremental: new_files}\nsinks: [{type: sqlite, table: people}]\n' > r/pipelines/people.yml
SLUICE_FAILPOINTS=sink.after_commit=crash@1 "$SLUICE" -C r run people >/dev/null 2>&1 || true
printf 'id,email\n3,c@x.io\n' > r/in/b.csv
assert_exit 0 "$SLUICE" -C r run people
assert_eq "types after the resume" "$(q r/warehouse.db "select group_concat(name || ' ' || type, ', ') from pragma_table_info('people')")" "id INTEGER, email TEXT"
assert_eq "rows after the resume" "$(q r/warehouse.db "select group_concat(id) from people")" "1,2,3"
finish
