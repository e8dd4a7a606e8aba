#!/bin/sh
# t0051: `sluice validate` checks the column names a pipeline uses against
# the columns it can know before running: the input's (a CSV header, the
# keys of the first JSON records, read through the source's reader without
# recording anything) as transforms change them (rename renames, derive
# adds, select narrows). A typo in a derive or filter expression, a select,
# a rename, a cast, dedupe's key or order_by, a sink key or a declared
# column type is reported at its file:line:col with the closest name, exit
# 1. A correct project validates clean, and so does one whose columns
# cannot be known (the input file is absent, a SQL or HTTP source): nothing
# is guessed.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
printf 'id,email,Full Name,updated_at,score\n1,a@x.io,Ann,2024-01-01,3\n2,b@x.io,Bob,2024-01-02,4\n' > p/data/c.csv
cat > p/pipelines/typos.yml <<'YML'
source:
  type: csv
  path: data/c.csv
  columns: {id: int, updatedat: date}
transforms:
  - {type: rename, columns: {"Full Nme": name}}
  - type: derive
    columns:
      email: lower(trim(emial))
      domain: substr(email, instr(email, '@') + 1)
      label: upper("Full Name") || domian
  - {type: filter, where: "scor > 2 AND id > 0"}
  - {type: cast, columns: {scroe: float}}
  - type: select
    columns:
      - id
      - emali
      - domain
      - updated_at
  - {type: dedupe, key: [idd], order_by: updatd_at}
sinks:
  - {type: sqlite, table: t, mode: upsert, key: [id, domian]}
YML
ls -A p > "$T/before"
assert_exit 1 "$SLUICE" -C p validate
sed "s|$T/||" "$T/err" > "$T/msgs"
assert_eq "every typo, where it is, with the closest name" "$(cat "$T/msgs")" "p/pipelines/typos.yml:4:22: source csv, columns (declared types): no column 'updatedat'; did you mean 'updated_at'? (the columns here: id, email, Full Name, updated_at, score)
p/pipelines/typos.yml:6:31: transform rename: no column 'Full Nme'; did you mean 'Full Name'? (the columns here: id, email, Full Name, updated_at, score)
p/pipelines/typos.yml:9:25: transform derive, column 'email': no column 'emial' in 'lower(trim(emial))'; did you mean 'email'? (the columns here: id, email, Full Name, updated_at, score)
p/pipelines/typos.yml:11:36: transform derive, column 'label': no column 'domian' in 'upper(\"Full Name\") || domian'; did you mean 'domain'? (the columns here: id, email, Full Name, updated_at, score, domain)
p/pipelines/typos.yml:12:28: transform filter, where: no column 'scor' in 'scor > 2 AND id > 0'; did you mean 'score'? (the columns here: id, email, Full Name, updated_at, score, domain, label)
p/pipelines/typos.yml:13:28: transform cast: no column 'scroe'; did you mean 'score'? (the columns here: id, email, Full Name, updated_at, score, domain, label)
p/pipelines/typos.yml:17:9: transform select: no column 'emali'; did you mean 'email'? (the columns here: id, email, Full Name, updated_at, score, domain, label)
p/pipelines/typos.yml:20:26: transform dedupe, key: no column 'idd'; did you mean 'id'? (the columns here: id, emali, domain, updated_at)
p/pipelines/typos.yml:20:42: transform dedupe, order_by: no column 'updatd_at'; did you mean 'updated_at'? (the columns here: id, emali, domain, updated_at)
p/pipelines/typos.yml:22:54: sink sqlite, key: no column 'domian'; did you mean 'domain'? (the columns here: id, emali, domain, updated_at)
sluice: 10 column names are not in the data"
assert_eq "validate wrote nothing (no state store, no warehouse)" "$(ls -A p)" "$(cat "$T/before")"
assert_exit 1 "$SLUICE" -C p --json validate
assert_eq "json" "$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; d=e["diagnostics"]; print(e["code"], len(d), d[2]["line"], d[2]["column"])' "$T/out")" "column_unknown 10 9 25"
# the run fails on the same typo (the first one it meets)
assert_exit 1 "$SLUICE" -C p run typos

# the same pipeline, right: clean, and it runs
cat > p/pipelines/typos.yml <<'YML'
source:
  type: csv
  path: data/c.csv
  columns: {id: int, updated_at: date}
transforms:
  - {type: rename, columns: {"Full Name": name}}
  - type: derive
    columns:
      email: lower(trim(EMAIL))
      domain: substr(email, instr(email, '@') + 1)
      label: upper(name) || domain || (SELECT count(*) FROM json_each('[1,2]') WHERE value > 0)
  - {type: filter, where: "score > 2 AND id > 0"}
  - {type: cast, columns: {score: float}}
  - {type: select, columns: [id, email, domain, updated_at, label]}
  - {type: dedupe, key: [id], order_by: updated_at}
sinks:
  - {type: sqlite, table: t, mode: upsert, key: [id, domain]}
YML
assert_exit 0 "$SLUICE" -C p validate
assert_contains "valid" "valid (1 pipeline)" "$T/err"
assert_exit 0 "$SLUICE" -C p run typos
assert_eq "loaded" "$(q p/warehouse.db 'SELECT id, email, domain, label FROM t ORDER BY id')" "1|a@x.io|x.io|ANNx.io2
2|b@x.io|x.io|BOBx.io2"

# a typo inside double quotes: SQLite would take it as the text 'Full Nme'
cat > p/pipelines/typos.yml <<'YML'
source: {type: csv, path: data/c.csv}
transforms:
  - {type: derive, columns: {name: "upper(\"Full Nme\")", ok: "'Full Nme' || \"Full Name\""}}
sinks: [{type: jsonl, path: out/q.jsonl}]
YML
assert_exit 1 "$SLUICE" -C p validate
assert_contains "double-quoted typo" "typos.yml:3:45: transform derive, column 'name': no column 'Full Nme' in 'upper(\"Full Nme\")'; did you mean 'Full Name'? (the columns here: id, email, Full Name, updated_at, score); in double quotes SQLite takes a name that is no column as a text: write a text in single quotes" "$T/err"
assert_eq "one problem" "$(grep -c 'no column' "$T/err")" 1

# JSON lines: the keys of the first records (nested objects flattened as the source does)
printf '{"id": 1, "user": {"email": "a@x.io"}}\n{"id": 2, "user": {"email": "b@x.io"}, "plan": "pro"}\n' > p/data/u.jsonl
cat > p/pipelines/typos.yml <<'YML'
source: {type: jsonl, path: data/u.jsonl}
transforms:
  - {type: filter, where: "plna = 'pro'"}
sinks: [{type: jsonl, path: out/u.jsonl}]
YML
assert_exit 1 "$SLUICE" -C p validate
assert_contains "jsonl keys" "typos.yml:3:28: transform filter, where: no column 'plna' in 'plna = 'pro''; did you mean 'plan'?" "$T/err"

# the input file is absent: nothing can be known, nothing is said
cat > p/pipelines/typos.yml <<'YML'
source: {type: csv, path: data/later.csv}
transforms:
  - {type: derive, columns: {e: lower(emial)}}
  - {type: dedupe, key: [idd]}
sinks: [{type: sqlite, table: t2, mode: upsert, key: [nope]}]
YML
assert_exit 0 "$SLUICE" -C p validate
# ... until a select says which columns there are
cat > p/pipelines/typos.yml <<'YML'
source: {type: csv, path: data/later.csv}
transforms:
  - {type: select, columns: [id, email]}
  - {type: derive, columns: {e: lower(emial)}}
sinks: [{type: sqlite, table: t2}]
YML
assert_exit 1 "$SLUICE" -C p validate
assert_contains "after select" "typos.yml:4:39: transform derive, column 'e': no column 'emial' in 'lower(emial)'; did you mean 'email'? (the columns here: id, email)" "$T/err"

# SQL and HTTP sources: the schema is not knowable at validate (no connection is made)
cat > p/pipelines/typos.yml <<'YML'
source: {type: sqlite, path: nowhere.db, query: "SELECT * FROM t"}
transforms:
  - {type: derive, columns: {e: lower(emial)}}
sinks: [{type: sqlite, table: t3, mode: upsert, key: [nope]}]
YML
assert_exit 0 "$SLUICE" -C p validate
cat > p/pipelines/typos.yml <<'YML'
source: {type: http, url: "http://127.0.0.1:9/contacts"}
transforms:
  - {type: filter, where: "emial IS NOT NULL"}
sinks: [{type: jsonl, path: out/h.jsonl}]
YML
assert_exit 0 "$SLUICE" -C p validate
[ ! -e p/nowhere.db ] && ok || fail "validate created the SQL source's database"

# a syntax error is still a configuration error (exit 2), without the internal query
cat > p/pipelines/typos.yml <<'YML'
source: {type: csv, path: data/c.csv}
transforms:
  - {type: derive, columns: {e: "lower(email) email"}}
sinks: [{type: jsonl, path: out/s.jsonl}]
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "syntax" "typos.yml:3:34: column 'e': expression 'lower(email) email': near \"email\": syntax error at character 14" "$T/err"
if grep -q "SELECT\|temp\.\|FROM" "$T/err"; then fail "the internal query shows: $(cat "$T/err")"; else ok; fi
finish
