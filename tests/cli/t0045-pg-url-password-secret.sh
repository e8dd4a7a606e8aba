# t0045: a PostgreSQL password substituted into a URL, written with a raw
# '@' and '/' (postgresql://u:${PW}@host/db), neither breaks the URL nor
# shows anywhere (issue #11 item 4). sluice percent-encodes such a password
# before libpq reads the URL (libpq would take the first '@' or '/' for the
# end of the password, and its error would echo the rest), and registers it
# as written and decoded. A run into a PostgreSQL sink with a PostgreSQL
# state store succeeds; runs against a missing database and a closed port
# fail naming host, port and database; no output, stored error or DLQ
# holds the password or any piece of it (each piece carries a marker).
. "$SRC/tests/cli/lib.sh"
export PGOPTIONS='-c client_min_messages=warning'
BASE=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
ADMIN=${BASE%/*}/postgres
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS t0045" -c "CREATE DATABASE t0045" \
  -c "DROP ROLE IF EXISTS t0045_user" -c "CREATE ROLE t0045_user LOGIN SUPERUSER"
HOSTPORT=${BASE#postgresql://*@}; HOSTPORT=${HOSTPORT%%/*}
# pieces split by '@' and '/' each with a marker: a piece shown is found
export PG_PW='Mpa1_x@Mpb2_y/Mpc3_z+=&%"é_pd4M'

mkdir -p p/pipelines p/data out
printf 'id,name\n1,ann\n2,bob\nx,bad\n' > p/data/people.csv
cat > p/sluice.yml <<YML
name: pgsec
state: {type: postgres, url: "postgresql://t0045_user:\${PG_PW}@$HOSTPORT/t0045"}
YML
cat > p/pipelines/good.yml <<YML
source: {type: csv, path: data/people.csv, columns: {id: int}}
sinks: [{type: postgres, url: "postgresql://t0045_user:\${PG_PW}@$HOSTPORT/t0045", table: people}]
YML
cat > p/pipelines/nodb.yml <<YML
source: {type: csv, path: data/people.csv}
sinks: [{type: postgres, url: "postgresql://t0045_user:\${PG_PW}@$HOSTPORT/t0045_missing", table: people}]
YML
cat > p/pipelines/closed.yml <<YML
source: {type: csv, path: data/people.csv}
sinks: [{type: postgres, url: "postgresql://t0045_user:\${PG_PW}@127.0.0.1:9/t0045", table: people}]
YML

set +e
"$SLUICE" -C p -v run good >out/good.out 2>out/good.err; rc_good=$?
"$SLUICE" -C p -v run nodb >out/nodb.out 2>out/nodb.err; rc_nodb=$?
"$SLUICE" -C p --json run closed >out/closed.out 2>out/closed.err; rc_closed=$?
"$SLUICE" -C p --json history >out/history.out 2>out/history.err
"$SLUICE" -C p --json dlq list >out/dlq.out 2>out/dlq.err
"$SLUICE" -C p state show >out/state.out 2>out/state.err
"$SLUICE" -C p -v validate >out/validate.out 2>out/validate.err
set -e
assert_eq "the URL with a raw @ and / works" "$rc_good" 0
assert_eq "rows loaded" "$(psql -X -At "${BASE%/*}/t0045" -c 'SELECT count(*) FROM people')" 2
assert_eq "missing database fails" "$rc_nodb" 1
assert_contains "the error names the database" 't0045_missing' out/nodb.err
assert_eq "closed port fails" "$rc_closed" 1
assert_contains "the error names host and port" '127.0.0.1:9' out/closed.out
assert_contains "the bad row is in the DLQ" "is not a valid int" out/dlq.out
pg_dump "${BASE%/*}/t0045" >out/pg_dump.sql

python3 - out <<'PY' && ok || fail "the password leaked"
import json, os, sys
from urllib.parse import quote
pw = os.environ["PG_PW"]
needles = {pw, quote(pw, safe=""), quote(pw, safe="").lower(), json.dumps(pw)[1:-1],
           "Mpa1_", "Mpb2_", "Mpc3_", "_pd4M"}
bad = []
for fn in sorted(os.listdir(sys.argv[1])):
    text = open(os.path.join(sys.argv[1], fn), "rb").read().decode("utf-8", "replace")
    bad += [f"{fn}: {x!r}: {text[max(0, text.index(x) - 80):text.index(x) + 40]!r}" for x in needles if x in text]
print("\n".join(bad[:10]), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
psql -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS t0045" 2>/dev/null || true
finish
