#!/bin/sh
# t0096: t0095's attribution model (tests/attribution/project) on the real
# PostgreSQL of the suite: the same rows as on SQLite (the same
# tests/attribution/expected.txt, worked out by hand), the same sums, the
# portable output types, a rebuild giving the same rows, and a build-time
# error (a missing column) leaving the previous output as it was. The
# inputs are read through a cursor, a batch at a time.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
pg() { psql -X -q -At "$URL" -c "$1"; }
pg "DROP SCHEMA IF EXISTS attr96 CASCADE"
cp -r "$SRC/tests/attribution/project" p
cat > p/sluice.yml <<'YML'
name: attr
targets:
  pg: {type: postgres, url: "${URL}", schema: attr96}
YML
dump() {
  pg "select conversion_id, model, touch_index, touch_count, touched_at, channel, campaign, cost, credit, revenue
      from attr96.attribution" |
    awk -F'|' 'BEGIN { OFS = "|" } { $9 = sprintf("%.6f", $9); if ($10 != "") $10 = sprintf("%.4f", $10); print }' |
    LC_ALL=C sort
}
assert_exit 0 "$SLUICE" -C p build --target pg
assert_contains "build message" "ATTRIBUTION 5 conversions (1 without a touch, 1 skipped), 10 touchpoints" "$T/out"
dump >"$T/got"
if diff "$SRC/tests/attribution/expected.txt" "$T/got" >"$T/diff"; then ok; else fail "rows differ: $(cat "$T/diff")"; fi
assert_eq "conversion x model groups" "$(pg "select count(*) from (select distinct conversion_id, model from attr96.attribution) x")" "35"
assert_eq "sums" "$(pg "select count(*) from (select conversion_id, model, sum(credit) as c, sum(revenue) as r,
    max(conversion_value) as v from attr96.attribution group by 1, 2) x
  where abs(c - 1) > 1e-9 or (v is null) <> (r is null) or abs(r - v) > 1e-6")" "0"
assert_eq "output types" "$(pg "select string_agg(column_name || ':' || data_type, ' ' order by ordinal_position)
    from information_schema.columns where table_schema = 'attr96' and table_name = 'attribution'")" \
  "conversion_id:text entity_id:text converted_at:timestamp without time zone conversion_value:double precision model:text touch_index:bigint touch_count:bigint touched_at:timestamp without time zone channel:text campaign:text cost:double precision credit:double precision revenue:double precision"

assert_exit 0 "$SLUICE" -C p build --target pg -s attribution
dump >"$T/got2"
if cmp -s "$T/got" "$T/got2"; then ok; else fail "a rebuild changed the rows"; fi

sed -i 's/  time: converted_at/  time: converted/' p/models/attribution.yml
assert_exit 1 "$SLUICE" -C p build --target pg -s attribution
assert_contains "missing column" "model attribution: conversions.time: 'conversions' has no column 'converted'; did you mean 'converted_at'?" "$T/out"
dump >"$T/got3"
if cmp -s "$T/got" "$T/got3"; then ok; else fail "a failed build changed the output"; fi
pg "DROP SCHEMA IF EXISTS attr96 CASCADE"
finish
