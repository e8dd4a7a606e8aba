#!/bin/sh
# t0079: `sluice profile` after two pipeline runs: the latest run's profile
# per column (rows, nulls, distinct, min/max, mean, stddev, lengths in
# characters, dates, the inferred format's fail share) as a table and as
# JSON; a column's history over the runs (--column, --runs); the node by
# name or unique id; unknown nodes and columns named with the likely one;
# `profile: false` records nothing; --help.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: data/*.csv, incremental: new_files}
sinks: [{type: sqlite, table: contacts}]
YML
cat > p/pipelines/quiet.yml <<'YML'
source: {type: csv, path: data/*.csv}
sinks: [{type: sqlite, table: quiet}]
profile: false
YML
cat > p/data/1.csv <<'CSV'
id,email,name,amount,signup
1,ann@example.com,Zoë,10.5,2024-01-31
2,bob@example.com,日本語,20,2023-06-30
3,not-an-email,al,,2025-12-31
4,dan@example.org,al,4.5,
CSV
assert_exit 0 "$SLUICE" -C p -q run contacts
printf 'id,email,name,amount,signup\n5,eve@example.com,Eve,100,2024-02-01\n6,fay@example.com,Fay,200,2024-02-02\n' > p/data/2.csv
assert_exit 0 "$SLUICE" -C p -q run contacts
assert_exit 0 "$SLUICE" -C p -q run quiet

# the latest run: the 2 rows of 2.csv
assert_exit 0 "$SLUICE" -C p profile contacts
assert_contains "heading" "pipeline.p.contacts: run " "$T/out"
assert_contains "heading rows" ", 2 rows" "$T/out"
assert_contains "amount row" "amount" "$T/out"
assert_exit 0 "$SLUICE" -C p --json profile contacts
python3 - "$T/out" <<'PY' || fail "latest profile JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["node"] == "pipeline.p.contacts", d["node"]
cols = {c["name"]: c for c in d["profiles"]}
assert len({c["run_id"] for c in d["profiles"]}) == 1
a = cols["amount"]
assert (a["rows"], a["nulls"], a["distinct"], a["min"], a["max"], a["mean"]) == (2, 0, 2, 100, 200, 150), a
assert abs(a["stddev"] - 70.71067811865476) < 1e-9, a
PY

# the first run, kept in the history: 4 rows, one null amount, the email
# format inferred with 1 of 4 failing, lengths in characters
assert_exit 0 "$SLUICE" -C p --json profile contacts --runs 2
python3 - "$T/out" <<'PY' || fail "two runs JSON"
import json, sys
d = json.load(open(sys.argv[1]))["profiles"]
runs = []
for c in d:
    if c["run_id"] not in runs:
        runs.append(c["run_id"])
assert len(runs) == 2, runs
first = {c["name"]: c for c in d if c["run_id"] == runs[1]}
a, e, n, s = first["amount"], first["email"], first["name"], first["signup"]
assert (a["rows"], a["nulls"], a["distinct"], a["min"], a["max"]) == (4, 1, 3, 4.5, 20), a
assert abs(a["mean"] - 35 / 3) < 1e-9, a
assert (e["format"], e["format_fail_rate"], e["distinct"]) == ("email", 0.25, 4), e
assert (n["min_len"], n["max_len"], n["min_text"], n["max_text"], n["distinct"]) == (2, 3, "Zoë", "日本語", 3), n
assert (s["min_text"], s["max_text"], s["nulls"], s["type"]) == ("2023-06-30", "2025-12-31", 1, "date"), s
PY

# one column's history: newest first, by unique id too
assert_exit 0 "$SLUICE" -C p profile pipeline.p.contacts --column amount
assert_contains "history heading" "pipeline.p.contacts, column amount: the last 2 runs" "$T/out"
assert_eq "history rows" "$(grep -c '^[0-9a-f]\{8\}-' "$T/out")" 2
assert_eq "newest first" "$(grep '^[0-9a-f]\{8\}-' "$T/out" | head -1 | awk '{print $3, $4, $5, $6, $7, $8}')" "2 0.0% 2 100 200 150"
assert_eq "then the first" "$(grep '^[0-9a-f]\{8\}-' "$T/out" | tail -1 | awk '{print $3, $4, $5, $6, $7}')" "4 25.0% 3 4.5 20"
assert_exit 0 "$SLUICE" -C p --json profile contacts --column amount --runs 1
assert_eq "--runs 1" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["profiles"]))' "$T/out")" 1

# mistakes: exit 2 with the likely name
assert_exit 2 "$SLUICE" -C p profile contact
assert_contains "node suggestion" "did you mean 'contacts'" "$T/err"
assert_exit 2 "$SLUICE" -C p profile contacts --column amout
assert_contains "column suggestion" "did you mean 'amount'" "$T/err"
assert_exit 2 "$SLUICE" -C p profile contacts --runs many
assert_contains "--runs" "--runs wants a whole number" "$T/err"
assert_exit 2 "$SLUICE" -C p profile
assert_contains "usage" "usage: sluice profile NODE" "$T/err"

# profile: false: nothing recorded, said so
assert_exit 0 "$SLUICE" -C p profile quiet
assert_contains "nothing yet" "no profiles of pipeline.p.quiet yet" "$T/err"
assert_exit 0 "$SLUICE" -C p --json profile quiet
assert_contains "empty JSON" '"profiles":[]' "$T/out"

assert_exit 0 "$SLUICE" profile --help
assert_contains "help" "--column C" "$T/out"
finish
