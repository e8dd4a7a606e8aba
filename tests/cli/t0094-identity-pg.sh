#!/bin/sh
# t0094: the identity model of t0093 (tests/cli/identity/) on a PostgreSQL
# warehouse gives the same answer as on SQLite: the same entities (ids are
# hashes of each component's smallest identifier, so equal on both), the
# same map rows and traits; a later visit linking two entities keeps the
# older id and records the merge, as on SQLite.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
pg() { psql -X -q -At -F '|' "$URL" -c "$1"; }
pg "DROP SCHEMA IF EXISTS t94 CASCADE"
for w in lite pgw; do
  mkdir -p $w/models/gtm $w/seeds
  cp "$SRC"/tests/cli/identity/*.csv $w/seeds/
  cp "$SRC/tests/cli/identity/people.yml" $w/models/gtm/people.yml
done
printf 'name: p\nwarehouse: {type: sqlite, path: warehouse.db}\n' > lite/sluice.yml
printf 'name: p\nwarehouse: {type: postgres, url: "${URL}", schema: t94}\n' > pgw/sluice.yml
MAPQ="select identifier_type, identifier_value, coalesce(entity_id, 'NULL'), first_seen, last_seen, source, status from %s order by 1, 2"
ENTQ="select entity_id, first_seen, last_seen, records, identifiers, anonymous_id_count, crm_id_count, email_count, phone_count, user_id_count, coalesce(first_name, ''), coalesce(country, ''), coalesce(plan, '') from %s order by 1"
same() { # what
  q lite/warehouse.db "$(printf "$MAPQ" people_map)" > "$T/lite.map"
  pg "$(printf "$MAPQ" t94.people_map)" > "$T/pg.map"
  q lite/warehouse.db "$(printf "$ENTQ" people)" > "$T/lite.ent"
  pg "$(printf "$ENTQ" t94.people)" > "$T/pg.ent"
  if cmp -s "$T/lite.map" "$T/pg.map"; then ok; else fail "$1: maps differ: $(diff "$T/lite.map" "$T/pg.map" | head -6)"; fi
  if cmp -s "$T/lite.ent" "$T/pg.ent"; then ok; else fail "$1: entities differ: $(diff "$T/lite.ent" "$T/pg.ent" | head -6)"; fi
}
assert_exit 0 "$SLUICE" -C lite build
assert_exit 0 "$SLUICE" -C pgw build
assert_contains "status line" "IDENTITY 9 entities, 21 identifiers, 0 merges" "$T/out"
same "first build"
assert_eq "rows" "$(wc -l < "$T/pg.map") $(wc -l < "$T/pg.ent")" "21 9"
assert_eq "shared phone on pg" "$(pg "select coalesce(entity_id, 'NULL') || ' ' || status from t94.people_map where identifier_type = 'phone'")" "NULL shared"
ANN=$(pg "select entity_id from t94.people_map where identifier_value = 'ann@acme.io'")
ANNB=$(pg "select entity_id from t94.people_map where identifier_value = 'ann.b@acme.io'")

echo "a2,u1,,2026-03-05 08:00:00" >> lite/seeds/web_visits.csv
echo "a2,u1,,2026-03-05 08:00:00" >> pgw/seeds/web_visits.csv
assert_exit 0 "$SLUICE" -C lite build
assert_exit 0 "$SLUICE" -C pgw build
assert_contains "merge on pg" "IDENTITY 8 entities, 21 identifiers, 1 merges" "$T/out"
same "after the merge"
assert_eq "older id wins on pg" "$(pg "select merged_entity_id || '>' || into_entity_id from t94.people_merges")" "$ANNB>$ANN"
assert_eq "merged_at is a timestamp" "$(pg "select pg_typeof(merged_at) from t94.people_merges")" "timestamp without time zone"
pg "DROP SCHEMA IF EXISTS t94 CASCADE"
finish
