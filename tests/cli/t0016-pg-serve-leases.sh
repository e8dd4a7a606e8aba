# t0016: t0015 with the state store on PostgreSQL: the lease and the slot
# claims live in the shared database.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "$SLUICE_TEST_PGDIR/url")
psql "$URL" -qc "DROP SCHEMA IF EXISTS sluice_state CASCADE" >/dev/null 2>&1 || true
STATE_YML="state: {type: postgres, url: \"$URL\"}"
. "$SRC/tests/cli/serve_leases.sh"
finish
