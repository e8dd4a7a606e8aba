#!/bin/sh
# t0004: a failure at each point of the commit path (an error, or a crash
# like a power cut) leaves the warehouse and the checkpoint consistent: the
# next run completes the load with every row exactly once. Also covers a
# fan-out to a JSONL file, and allocation failure (SLUICE_FAIL_ALLOC).
. "$SRC/tests/cli/lib.sh"
python3 "$SRC/tests/cli/gen_contacts.py" 30000 "$T/in.csv"
setup() {
  rm -rf p; mkdir -p p/pipelines
  echo "name: p" > p/sluice.yml
  cat > p/pipelines/load.yml <<YML
source: {type: csv, path: $T/in.csv, infer_types: false}
batch_rows: 1000
sinks:
  - {type: sqlite, table: c}
  - {type: jsonl, path: out/c.jsonl}
YML
}
check() {
  r=$(python3 "$SRC/tests/cli/compare.py" "$T/in.csv" p/warehouse.db c) && ok || fail "$1: $r"
  assert_eq "$1: jsonl lines" "$(wc -l < p/out/c.jsonl)" 30000
  assert_eq "$1: no temp file" "$(ls p/out)" "c.jsonl"
}
for point in sink.before_data sink.after_data sink.before_checkpoint sink.after_commit; do
  for action in error crash; do
    for at in 1 7 29; do
      setup
      set +e
      SLUICE_FAILPOINTS="$point=$action@$at" "$SLUICE" -C p -q run >/dev/null 2>&1
      first=$?
      set -e
      # a run the failpoint did not stop is complete: rerunning would append again
      [ "$first" -ne 0 ] || fail "$point=$action@$at did not stop the run"
      assert_exit 0 "$SLUICE" -C p -q run
      check "$point=$action@$at"
    done
  done
done
# allocation failures at many points, then a clean rerun
for n in 300 1000 2000 3000 4000 5000; do
  setup
  set +e
  SLUICE_FAIL_ALLOC=$n "$SLUICE" -C p -q run >/dev/null 2>&1
  first=$?
  set -e
  if [ "$first" -ne 0 ]; then
    assert_exit 0 "$SLUICE" -C p -q run
  else
    echo "note: the run needed fewer than $n allocations" >&2
  fi
  check "fail alloc $n"
done
finish
