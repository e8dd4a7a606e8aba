#!/bin/sh
# t0023: a resume position is only used on the file it was taken on.
# A file replaced or rewritten after an interrupted run is read again from
# its start (with a warning), also through a crash of that re-read; a file
# that only grew (a log), or was copied back unchanged, resumes where it
# was; gzip alike. `new_files` marks as loaded what was read, not what the
# path holds at the end of the run. bytes_read counts every byte read.
# (2026-11-30, case 30-resume-changed-file: the new file was resumed at the
# old file's byte offset, half a row went to the DLQ, two rows were lost.)
. "$SRC/tests/cli/lib.sh"

# rows FIRST LAST [SCORE_OF_ROW_2]: a CSV with a header and ids FIRST..LAST
rows() {
  echo "id,email,score"
  i=$1
  while [ "$i" -le "$2" ]; do
    if [ "$i" = 2 ] && [ -n "${3:-}" ]; then echo "2,u2@example.com,$3"; else echo "$i,u$i@example.com,$((i * 10))"; fi
    i=$((i + 1))
  done
}
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0][sys.argv[2]])' "$1" "$2"; }

# ---- 1. the case as handed: a bad row stops the run, the export is fixed --
mkdir -p c/pipelines c/data
echo "name: c" > c/sluice.yml
echo "source: {type: csv, path: data/*.csv, incremental: new_files, columns: {score: int}}
sinks: [{type: sqlite, table: t, mode: upsert, key: [id]}]
max_rejected: 0" > c/pipelines/p.yml
printf 'id,email,score\n1,a@example.com,10\n2,b@example.com,oops\n3,c@example.com,30\n' > c/data/export.csv
assert_exit 1 "$SLUICE" -C c --json run
# the gate rolls back the batch that crosses it: the failed run counts
# nothing it did not commit, bytes included (the next run's bytes_read is 91)
assert_eq "case: the refused batch counts nothing" "$(json_field "$T/out" rows_read) $(json_field "$T/out" bytes_read)" "0 0"
printf 'id,email,score\n1,a@example.com,10\n2,b@example.com,20\n3,c@example.com,30\n4,d@example.com,40\n' > c/data/export.csv
assert_exit 0 "$SLUICE" -C c --json run
assert_contains "case: the change is logged" "changed since the interrupted run read it" "$T/err"
assert_contains "case: and what is done" "reading it from the start" "$T/err"
assert_eq "case: rows read again" "$(json_field "$T/out" rows_read)" 4
assert_eq "case: bytes read" "$(json_field "$T/out" bytes_read)" 91
assert_exit 0 "$SLUICE" -C c --json run
assert_eq "case: the next run reads nothing" "$(json_field "$T/out" rows_read)" 0
assert_eq "case: table" "$(q c/warehouse.db 'SELECT group_concat(id || ":" || score, " ") FROM (SELECT * FROM t ORDER BY id)')" \
  "1:10 2:20 3:30 4:40"
assert_eq "case: the DLQ holds the one bad row, no half row" \
  "$(q c/.sluice/state.db "SELECT count(*), sum(reason LIKE '%oops%'), sum(reason LIKE '%fields%') FROM dlq")" "1|1|0"

# ---- 2. interrupted loads (batches of 10 rows; crash after the 3rd commit) -
# fan-out: positions in the SQLite sink's _sluice_state and, for the JSONL
# sink, in the state store; append mode, so a row loaded twice shows
setup() {
  rm -rf p; mkdir -p p/pipelines p/data
  echo "name: p" > p/sluice.yml
  echo "source: {type: csv, path: data/$1, infer_types: false}
batch_rows: 10
sinks: [{type: sqlite, table: t}, {type: jsonl, path: out/t.jsonl}]" > p/pipelines/p.yml
}
# the failpoint counts the commits of both sinks: crash@3 stops the run
# with 20 rows committed to the table and none to the file (it checkpoints
# once a second: its uncheckpointed rows are written again)
crash_at() { SLUICE_FAILPOINTS="sink.after_commit=crash@$1" "$SLUICE" -C p -q run >/dev/null 2>&1 || true; }
# expect WHAT ROWS DISTINCT_IDS MIN MAX JSONL_ROWS: the table and the file
expect() {
  assert_eq "$1: table" "$(q p/warehouse.db 'SELECT count(*), count(DISTINCT id), min(CAST(id AS INT)), max(CAST(id AS INT)) FROM t')" "$2|$3|$4|$5"
  assert_eq "$1: jsonl lines" "$(wc -l < p/out/t.jsonl)" "$6"
  assert_eq "$1: jsonl distinct" "$(sort -u p/out/t.jsonl | wc -l)" "$6"
}

# a log that grew: same inode, same first bytes: resumes, nothing twice
setup in.csv
rows 1 100 > p/data/in.csv
crash_at 3
rows 101 150 | tail -n +2 >> p/data/in.csv
assert_exit 0 "$SLUICE" -C p run
assert_contains "grown: resumed" "resuming" "$T/err"
if grep -q "changed since" "$T/err"; then fail "grown: a grown file was taken for a changed one"; else ok; fi
expect grown 150 150 1 150 150

# copied back unchanged (another inode, the same bytes): resumes
setup in.csv
rows 1 100 > p/data/in.csv
crash_at 3
cp p/data/in.csv p/data/copy && mv p/data/copy p/data/in.csv
assert_exit 0 "$SLUICE" -C p run
if grep -q "changed since" "$T/err"; then fail "copy: an identical copy was taken for a changed file"; else ok; fi
expect copy 100 100 1 100 100

# replaced by other rows: read from the start; the old rows committed stay
setup in.csv
rows 1 100 > p/data/in.csv
crash_at 3
rows 1001 1100 > p/data/new && mv p/data/new p/data/in.csv
assert_exit 0 "$SLUICE" -C p run
assert_contains "replaced: logged" "replaced by another file" "$T/err"
expect replaced 120 120 1 1100 100
assert_eq "replaced: every new row once" "$(q p/warehouse.db 'SELECT count(DISTINCT id) FROM t WHERE CAST(id AS INT) > 1000')" 100

# rewritten in place with the same size, then the re-read crashes too: the
# third run resumes the re-read (its own positions), not the old ones
setup in.csv
rows 1 100 > p/data/in.csv
crash_at 3
rows 1 100 | sed 's/^2,u2@/2,v2@/' > p/data/new && cat p/data/new > p/data/in.csv
crash_at 2
assert_exit 0 "$SLUICE" -C p run
if grep -q "changed since" "$T/err"; then fail "re-read: the re-read's own positions were not used"; else ok; fi
expect re-read 120 100 1 100 100
assert_eq "re-read: the new row 2 once" "$(q p/warehouse.db "SELECT count(*) FROM t WHERE email = 'v2@example.com'")" 1
assert_eq "re-read: rows 21.. once" "$(q p/warehouse.db 'SELECT count(*) FROM t WHERE CAST(id AS INT) > 20')" 80
assert_eq "re-read: the new row 2 once in the file" "$(grep -c v2@example.com p/out/t.jsonl)" 1

# gzip: positions are in the decompressed stream, identity on the file's bytes
setup in.csv.gz
rows 1 100 | gzip -n > p/data/in.csv.gz
crash_at 3
rows 1001 1100 | gzip -n > p/data/new && mv p/data/new p/data/in.csv.gz
assert_exit 0 "$SLUICE" -C p --json run
assert_contains "gzip: logged" "changed since the interrupted run" "$T/err"
assert_eq "gzip: bytes_read is the compressed file" "$(json_field "$T/out" bytes_read)" "$(wc -c < p/data/in.csv.gz)"
expect gzip 120 120 1 1100 100

# ---- 3. new_files: a file replaced while it is read ------------------------
rm -rf n; mkdir -p n/pipelines n/data
echo "name: n" > n/sluice.yml
echo "source: {type: csv, path: data/*.csv, incremental: new_files, infer_types: false}
sinks: [{type: sqlite, table: t}]" > n/pipelines/n.yml
rows 1 50 > n/data/a.csv
rows 1 50 | sed 's/@example/@replaced/' > "$T/b.csv" # same size, other content
SLUICE_FAILPOINTS="source.file_opened=sleep3000" "$SLUICE" -C n -v run > "$T/n.out" 2> "$T/n.err" &
pid=$!
wait_for 30 grep -q "reading .*a.csv" "$T/n.err" || fail "new_files: the run never opened a.csv: $(cat "$T/n.err")"
mv "$T/b.csv" n/data/a.csv # while the run holds the old one open
wait "$pid" || fail "new_files: the run failed: $(cat "$T/n.err")"
assert_eq "new_files: the first run read the old content" "$(q n/warehouse.db "SELECT count(*) FROM t WHERE email LIKE '%@example.com'")" 50
assert_exit 0 "$SLUICE" -C n run
assert_eq "new_files: the replacement, never read, is loaded next" \
  "$(q n/warehouse.db "SELECT count(*) FROM t WHERE email LIKE '%@replaced.com'")" 50
assert_exit 0 "$SLUICE" -C n --json run
assert_eq "new_files: then nothing" "$(json_field "$T/out" rows_read)" 0

# ---- 4. bytes_read: every byte, header included, every format --------------
rm -rf b; mkdir -p b/pipelines
echo "name: b" > b/sluice.yml
python3 -c '
import json, random
random.seed(7)
with open("b/big.csv", "w") as f:
    f.write("id,name\n")
    for i in range(40000): f.write("%d,%s\n" % (i, "x" * random.randint(1, 20)))
with open("b/big.jsonl", "w") as f:
    for i in range(40000): f.write(json.dumps({"id": i, "name": "y" * (i % 17)}) + "\n")
json.dump([{"id": i} for i in range(3000)], open("b/big.json", "w"))
'
gzip -n -k b/big.csv
for f in big.csv big.csv.gz big.jsonl big.json; do
  case $f in *.jsonl) ty=jsonl ;; *.json) ty=json ;; *) ty=csv ;; esac
  echo "source: {type: $ty, path: $f, infer_types: false}
sinks: [{type: sqlite, table: t}]" > b/pipelines/b.yml
  rm -rf b/.sluice b/warehouse.db*
  assert_exit 0 "$SLUICE" -C b --json run
  assert_eq "bytes_read of $f" "$(json_field "$T/out" bytes_read)" "$(wc -c < "b/$f")"
done
# ---- a full_refresh table must end up holding the file as it is now ------
# (found by trying it: the refused run had staged 400 rows of the old
# content, the re-read added 1000: 1400 rows for 1000 ids were published)
mkdir -p fr/pipelines fr/data
echo "name: fr" > fr/sluice.yml
printf 'source: {type: csv, path: data/orders.csv, columns: {id: int, amount: decimal}}\nsinks: [{type: sqlite, table: orders, mode: full_refresh}]\nmax_rejected: 0\nbatch_rows: 100\n' > fr/pipelines/orders.yml
python3 -c "print('id,amount'); [print(f'{i},' + ('x' if i == 500 else str(i))) for i in range(1, 1001)]" > fr/data/orders.csv
assert_exit 1 "$SLUICE" -C fr run orders
python3 -c "print('id,amount'); [print(f'{i},{i}.5') for i in range(1, 1001)]" > fr/data/orders.csv
assert_exit 1 "$SLUICE" -C fr run orders
assert_contains "full_refresh: a changed file is refused, naming --restart" "sluice run orders --restart" "$T/err"
assert_exit 0 "$SLUICE" -C fr run orders --restart
assert_eq "full_refresh: the table is the file" "$(q fr/warehouse.db 'select count(*), count(distinct id), sum(amount = id + 0.5) from orders')" "1000|1000|1000"
finish
