#!/bin/sh
# t0008: a SQL source resumes exactly after a crash at any point of its
# run, including after it saved its final bookmark but before the run was
# marked done (regression: the write-ahead bookmarks were deleted there,
# and the rerun failed with "no bookmark recorded").
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
sqlite3 p/src.db "CREATE TABLE s (id INTEGER PRIMARY KEY, at TIMESTAMP);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 5000)
  INSERT INTO s SELECT i, '2026-01-01T00:00:' || printf('%02d', i % 60) || 'Z' FROM g"
cat > p/pipelines/x.yml <<YML
source: {type: sqlite, path: src.db, table: s, cursor: at, cursor_key: id}
batch_rows: 100
sinks: [{type: sqlite, table: d}]
YML
for point in sink.after_commit@7 run.after_source_done@1; do
  rm -rf p/warehouse.db* p/.sluice
  SLUICE_FAILPOINTS="${point%@*}=crash@${point#*@}" "$SLUICE" -C p -q run x >/dev/null 2>&1 || true
  assert_exit 0 "$SLUICE" -C p -q run x
  assert_eq "$point: rows" "$(q p/warehouse.db 'SELECT count(*), count(DISTINCT id) FROM d')" "5000|5000"
  # and the next run finds nothing new
  assert_exit 0 "$SLUICE" -C p -q run x
  assert_eq "$point: rows after a rerun" "$(q p/warehouse.db 'SELECT count(*) FROM d')" "5000"
done
finish
