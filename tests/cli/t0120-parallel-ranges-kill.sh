#!/bin/sh
# t0120: a load read in parallel ranges (sources/ranges.h) killed right
# after a commit and run again loses and duplicates nothing: the positions
# its batches commit are those of one reader, so the rerun resumes there.
. "$SRC/tests/cli/lib.sh"
python3 "$SRC/tests/cli/gen_ranges.py" csv 11 300 "$T/t.csv"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
pipeline() {
  printf 'source: {type: csv, path: %s/t.csv, parallel: "%s", infer_types: false}\nbatch_rows: 10\nsinks: [{type: sqlite, table: t}]\n' "$T" "$1" > p/pipelines/load.yml
}
export SLUICE_RANGE_BYTES=97
# the reference: one uninterrupted run by one reader
pipeline false
assert_exit 0 "$SLUICE" -C p run load
ref=$(q p/warehouse.db "select group_concat(id || '|' || name || '|' || coalesce(note, '') || '|' || n, ';') from (select * from t order by rowid)")
ref_rej=$("$SLUICE" -C p --json dlq list --pipeline load --limit 1000 | python3 -c 'import json,sys; print(sorted((r["line"], r["offset"]) for r in json.load(sys.stdin)["rejected"]))')
pipeline 2
for n in 2 9 17; do
  rm -rf p/warehouse.db* p/.sluice
  SLUICE_FAILPOINTS="sink.after_commit=crash@$n" "$SLUICE" -C p -q run load >/dev/null 2>&1 || true
  assert_exit 0 "$SLUICE" -C p run load
  assert_contains "kill after commit $n: resumed" "resuming" "$T/err"
  got=$(q p/warehouse.db "select group_concat(id || '|' || name || '|' || coalesce(note, '') || '|' || n, ';') from (select * from t order by rowid)")
  if [ "$got" = "$ref" ]; then ok; else fail "kill after commit $n: the table differs from one uninterrupted run: $(printf "%s" "$got" | tr ";" "\n" > "$T/g"; printf "%s" "$ref" | tr ";" "\n" > "$T/w"; diff "$T/w" "$T/g" | head -4)"; fi
  assert_eq "kill after commit $n: no duplicates" "$(q p/warehouse.db 'select count(*) - count(distinct id) from t')" 0
  got_rej=$("$SLUICE" -C p --json dlq list --pipeline load --limit 1000 | python3 -c 'import json,sys; print(sorted(set((r["line"], r["offset"]) for r in json.load(sys.stdin)["rejected"])))')
  assert_eq "kill after commit $n: rejects" "$got_rej" "$ref_rej"
done
# A run resumed in ranges after a kill at default sizes (batches of 8,192
# rows, ranges of 256 KiB): the interrupted run's identity record covered
# bytes far past the committed position, the resumed run's identity check
# hashed them, and the first batch read in ranges asked the hash for less
# ("hash asked for 786362 bytes after 2421293 were hashed": no parallel
# resume could ever succeed; found by a fresh user with SIGTERM).
unset SLUICE_RANGE_BYTES
python3 "$SRC/tests/cli/gen_ranges.py" csv 13 140000 "$T/big.csv"
printf 'source: {type: csv, path: %s/big.csv, parallel: "%s", infer_types: false}\nsinks: [{type: sqlite, table: t}]\n' "$T" false > p/pipelines/big.yml
rm -rf p/warehouse.db* p/.sluice
assert_exit 0 "$SLUICE" -C p -q run big
ref=$(q p/warehouse.db "select count(*) || '/' || count(distinct id) || '/' || sum(length(name)) from t")
sed -i 's/parallel: "false"/parallel: "2"/' p/pipelines/big.yml
rm -rf p/warehouse.db* p/.sluice
SLUICE_FAILPOINTS="sink.after_commit=crash@3" "$SLUICE" -C p -q run big >/dev/null 2>&1 || true
assert_exit 0 "$SLUICE" -C p run big
assert_contains "default sizes: resumed" "resuming" "$T/err"
assert_eq "default sizes: every row once" "$(q p/warehouse.db "select count(*) || '/' || count(distinct id) || '/' || sum(length(name)) from t")" "$ref"
finish
