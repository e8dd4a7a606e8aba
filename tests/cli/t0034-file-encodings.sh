#!/bin/sh
# t0034: `encoding:` on the file sources (csv, jsonl, json). Case
# 04-csv-latin1's file loads as Renée, Zürich, José, Málaga, François,
# Nantes, Åsa, Malmö with encoding: latin-1 (before: 4 of 5 rows rejected,
# no way to read it); windows-1252 maps 0x80 to the euro sign and a byte
# it does not define reaches the DLQ shown as \x81; UTF-16 files (BOM in
# either byte order, none, jsonl and json) load; a run stopped in the
# middle of a Latin-1 file resumes at its offset in the decoded text, every
# row loaded once.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
printf 'id,name,city\n1,Ren\351e,Z\374rich\n2,Bob,Oslo\n3,Jos\351,M\341laga\n4,Fran\347ois,Nantes\n5,\305sa,Malm\366\n' \
  > p/data/members.csv
cat > p/pipelines/m.yml <<'YML'
source: {type: csv, path: data/members.csv, encoding: latin-1}
sinks: [{type: sqlite, table: members}]
YML
assert_exit 0 "$SLUICE" -C p run m
assert_contains "latin-1: all rows" "read 5, loaded 5, filtered 0, rejected 0" "$T/err"
assert_eq "latin-1: names" "$(q p/warehouse.db "SELECT group_concat(name || ' ' || city, ', ') FROM members")" \
  "Renée Zürich, Bob Oslo, José Málaga, François Nantes, Åsa Malmö"
# the spellings case 04's README and other tools use
for e in latin1 iso-8859-1 cp1252; do
  printf 'source: {type: csv, path: data/members.csv, encoding: %s}\nsinks: [{type: sqlite, table: members_%s, mode: full_refresh}]\n' "$e" "$(echo $e | tr -d -)" > p/pipelines/m_$(echo $e | tr -d -).yml
  assert_exit 0 "$SLUICE" -C p run m_$(echo $e | tr -d -)
  assert_eq "$e: names" "$(q p/warehouse.db "SELECT group_concat(name, ',') FROM members_$(echo $e | tr -d -)")" "Renée,Bob,José,François,Åsa"
done

# windows-1252: 0x80 is the euro sign, 0x93/0x94 curly quotes; 0x81 is undefined
printf 'id,price\n1,\2005\n2,\223q\224\n3,x\201y\n' > p/data/w.csv
cat > p/pipelines/w.yml <<'YML'
source: {type: csv, path: data/w.csv, encoding: windows-1252}
sinks: [{type: sqlite, table: w}]
YML
assert_exit 0 "$SLUICE" -C p run w
assert_contains "windows-1252: accounting" "read 3, loaded 2, filtered 0, rejected 1" "$T/err"
assert_eq "windows-1252: values" "$(q p/warehouse.db "SELECT group_concat(price, '|') FROM w")" "€5|“q”"
assert_exit 0 "$SLUICE" -C p dlq list --pipeline w
assert_contains "windows-1252: undefined byte in the DLQ" '3,x\x81y' "$T/out"
assert_contains "windows-1252: reason" "invalid UTF-8 in field 2 ('price')" "$T/out"

# UTF-16: with a BOM (LE, BE), without one (LE), as jsonl and as json
python3 - <<'PY'
rows = "id,name\n1,Zoë\n2,😀 smile\n"
open("p/data/u16le.csv", "wb").write(b"\xff\xfe" + rows.encode("utf-16-le"))
open("p/data/u16be.csv", "wb").write(b"\xfe\xff" + rows.encode("utf-16-be"))
open("p/data/u16nobom.csv", "wb").write(rows.encode("utf-16-le"))
open("p/data/u.jsonl", "wb").write('{"id":1,"name":"Zoë"}\n{"id":2,"name":"😀 smile"}\n'.encode("utf-16"))
open("p/data/u.json", "wb").write('[{"id":1,"name":"Zoë"},{"id":2,"name":"😀 smile"}]'.encode("utf-16-be"))
PY
for f in u16le u16be u16nobom; do
  printf 'source: {type: csv, path: data/%s.csv, encoding: utf-16}\nsinks: [{type: sqlite, table: %s}]\n' $f $f \
    > p/pipelines/$f.yml
done
printf 'source: {type: jsonl, path: data/u.jsonl, encoding: utf-16}\nsinks: [{type: sqlite, table: ul}]\n' \
  > p/pipelines/ul.yml
printf 'source: {type: json, path: data/u.json, encoding: utf-16be}\nsinks: [{type: sqlite, table: uj}]\n' \
  > p/pipelines/uj.yml
for t in u16le u16be u16nobom ul uj; do
  assert_exit 0 "$SLUICE" -C p run $t
  assert_contains "$t: accounting" "read 2, loaded 2, filtered 0, rejected 0" "$T/err"
  assert_eq "$t: values" "$(q p/warehouse.db "SELECT group_concat(id || '=' || name, ', ') FROM $t")" \
    "1=Zoë, 2=😀 smile"
done

# a configuration error names the option
printf 'source: {type: csv, path: data/members.csv, encoding: latin_1}\nsinks: [{type: sqlite, table: x}]\n' \
  > p/pipelines/bad.yml
assert_exit 2 "$SLUICE" -C p validate
assert_contains "bad encoding named" "bad.yml:1:" "$T/err"
assert_contains "bad encoding suggested" "latin-1" "$T/err"
printf 'source: {type: csv, path: data/members.csv, comment: ","}\nsinks: [{type: sqlite, table: x}]\n' \
  > p/pipelines/bad.yml
assert_exit 2 "$SLUICE" -C p validate
assert_contains "comment must differ from the delimiter" \
  "bad.yml:1:55: comment must be one character, other than the delimiter and the quote" "$T/err"
rm p/pipelines/bad.yml

# resume inside a Latin-1 file after a crash: offsets are in the decoded text
python3 - <<'PY'
with open("p/data/big.csv", "wb") as f:
    f.write(b"id,name\n")
    for i in range(20000):
        f.write(b"%d,caf\xe9 %d\n" % (i, i))
PY
cat > p/pipelines/big.yml <<'YML'
source: {type: csv, path: data/big.csv, encoding: latin-1, infer_types: false}
batch_rows: 1000
sinks: [{type: sqlite, table: big}]
YML
set +e
SLUICE_FAILPOINTS="sink.after_commit=crash@7" "$SLUICE" -C p -q run big >/dev/null 2>&1
first=$?
set -e
[ "$first" -ne 0 ] || fail "the failpoint did not stop the run"
assert_eq "crashed part way" "$(q p/warehouse.db "SELECT count(*) < 20000 AND count(*) > 0 FROM big")" 1
assert_exit 0 "$SLUICE" -C p run big
assert_contains "resumed" "(resumed)" "$T/err"
assert_eq "every row once" "$(q p/warehouse.db "SELECT count(*), count(DISTINCT id) FROM big")" "20000|20000"
assert_eq "decoded after the resume" \
  "$(q p/warehouse.db "SELECT count(*) FROM big WHERE name = 'café ' || id")" 20000
finish
