# t0015: two `sluice serve` on one project with the SQLite state store:
# no slot runs twice; the standby takes the lease over when the holder dies.
. "$SRC/tests/cli/lib.sh"
. "$SRC/tests/cli/serve_leases.sh"
finish
