#!/bin/sh
# t0093: `type: identity` on the SQLite warehouse (docs/gtm/identity.md), a
# hand-made project (tests/cli/identity/: CRM contacts, product users, web
# visits) whose right answer is worked out here by hand:
#   - e-mails trimmed and lower-cased link the CRM, the product and the web;
#     the role inbox info@ is excluded (in the map, no entity); a phone on
#     two people's records (more than shared_threshold email: 1) is shared;
#   - traits by survivorship (source_priority, most_frequent: a tie goes to
#     the most recent);
#   - a rerun and --full-refresh keep every id; a new visit linking two
#     entities keeps the OLDER id and records the merge;
#   - max_component_size refuses the link that would pass it, and warns;
#   - level: account: domains of e-mails link, a free-mail domain does not;
#   - a typo in the spec: file:line:col and did-you-mean; a column typo:
#     the model, input and column named.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models/gtm p/seeds
printf 'name: p\nwarehouse: {type: sqlite, path: warehouse.db}\n' > p/sluice.yml
cp "$SRC"/tests/cli/identity/*.csv p/seeds/
cp "$SRC/tests/cli/identity/people.yml" p/models/gtm/people.yml
W=p/warehouse.db
ent() { q $W "select coalesce(entity_id, 'NULL') from people_map where identifier_type = '$1' and identifier_value = '$2'"; }

assert_exit 0 "$SLUICE" -C p build
assert_contains "status line" "IDENTITY 9 entities, 21 identifiers, 0 merges" "$T/out"
ANN=$(ent email ann@acme.io)
assert_eq "ann: crm, product, web linked" "$(ent crm_id c1) $(ent user_id u1) $(ent anonymous_id a1)" "$ANN $ANN $ANN"
assert_eq "bob: case folded" "$(ent email bob@globex.com)" "$(ent user_id u2)"
assert_eq "info@ excluded" "$(q $W "select coalesce(entity_id, 'NULL') || ' ' || status || ' ' || source from people_map where identifier_value = 'info@acme.io'")" "NULL excluded crm"
assert_eq "c3 and c5 (info@) stay apart" "$(q $W "select count(distinct entity_id) from people_map where identifier_value in ('c3', 'c5')")" "2"
assert_eq "family phone shared" "$(q $W "select coalesce(entity_id, 'NULL') || ' ' || status from people_map where identifier_type = 'phone'")" "NULL shared"
assert_eq "eve and frank apart" "$(q $W "select count(distinct entity_id) from people_map where identifier_value in ('c6', 'c7')")" "2"
assert_eq "ann's entity" "$(q $W "select first_seen || '|' || last_seen || '|' || records || '|' || identifiers || '|' || email_count || '|' || first_name || '|' || country || '|' || plan from people where entity_id = '$ANN'")" \
  "2026-01-01 10:00:00|2026-03-02 08:00:00|4|4|1|Ann|DE|pro"
assert_eq "map: seen range and sources" "$(q $W "select first_seen || '|' || last_seen || '|' || source from people_map where identifier_value = 'u1'")" \
  "2026-02-01 09:00:00|2026-03-01 08:00:00|product,web"
assert_eq "ids are e_ + 16 hex" "$(q $W "select count(*) from people where entity_id glob 'e_[0-9a-f]*' and length(entity_id) = 18")" "9"
q $W "select identifier_type, identifier_value, entity_id from people_map order by 1, 2" > "$T/map1"

# a rerun and a full refresh keep every id
assert_exit 0 "$SLUICE" -C p build
assert_exit 0 "$SLUICE" -C p build --full-refresh
q $W "select identifier_type, identifier_value, entity_id from people_map order by 1, 2" > "$T/map2"
if cmp -s "$T/map1" "$T/map2"; then ok; else fail "ids changed on rerun: $(diff "$T/map1" "$T/map2" | head -5)"; fi

# a later visit: anonymous a2 (ann.b@, entity since 2026-01-05) logs in as u1
# (ann@, since 2026-01-01): the older entity keeps its id, the merge is recorded
ANNB=$(ent email ann.b@acme.io)
assert_eq "two entities before" "$([ "$ANNB" != "$ANN" ] && echo yes)" "yes"
echo "a2,u1,,2026-03-05 08:00:00" >> p/seeds/web_visits.csv
assert_exit 0 "$SLUICE" -C p build
assert_contains "merge counted" "IDENTITY 8 entities, 21 identifiers, 1 merges" "$T/out"
assert_eq "older id wins" "$(ent email ann.b@acme.io) $(ent email ann@acme.io)" "$ANN $ANN"
assert_eq "merge recorded" "$(q $W "select merged_entity_id || '>' || into_entity_id || '|' || reason from people_merges")" \
  "$ANNB>$ANN|a record links identifiers of both"
assert_eq "merged traits" "$(q $W "select records || '|' || first_name || '|' || country from people where entity_id = '$ANN'")" "7|Annie|US"
assert_eq "others kept their ids" "$(q $W "select count(*) from people_map m where entity_id is not null and entity_id <> '$ANN'")" \
  "$(grep -v "|$ANN\$" "$T/map1" | grep -v "|$ANNB\$" | grep -vc '|$')"
# the merge history survives the next build
assert_exit 0 "$SLUICE" -C p build
assert_eq "merges kept" "$(q $W "select count(*) from people_merges")" "1"
# typed models have no SQL: compile skips them, show reads their tables
assert_exit 0 "$SLUICE" -C p compile
assert_exit 0 "$SLUICE" -C p show people_map --limit 1
assert_contains "show of an output" "identifier_type" "$T/out"

# a split after the merge (a smaller component cap refuses the link that
# merged them): the part that leaves gets a new id, never the retired one
# (fresh-user finding: the merged id came back naming another entity)
cp p/models/gtm/people.yml "$T/people.yml"
echo "max_component_size: 5" >> p/models/gtm/people.yml
assert_exit 0 "$SLUICE" -C p build -s people
assert_eq "ann split again" "$(q $W "select count(distinct entity_id) from people_map where identifier_value in ('ann@acme.io', 'ann.b@acme.io')")" "2"
assert_eq "the retired id is not issued again" "$(q $W "select count(*) from people where entity_id = '$ANNB'")" "0"
cp "$T/people.yml" p/models/gtm/people.yml

# a seen_at that is not a time fails the build, naming it (never the build time)
cp p/seeds/web_visits.csv "$T/web_visits.csv"
echo "a9,,,soon" >> p/seeds/web_visits.csv
assert_exit 1 "$SLUICE" -C p build
assert_contains "bad seen_at named" "model people: input web_visits: column visited_at holds 'soon', not a time" "$T/out"
cp "$T/web_visits.csv" p/seeds/web_visits.csv

# level: account: e-mail domains link (registered domain), a free-mail domain is excluded
echo "u4,dee@GMAIL.com,2026-02-04 09:00:00,pro" >> p/seeds/product_users.csv
cp "$SRC/tests/cli/identity/companies.yml" p/models/gtm/companies.yml
assert_exit 0 "$SLUICE" -C p build -s +companies
assert_eq "account map" "$(q $W "select identifier_value || ' ' || coalesce(entity_id, 'NULL') || ' ' || source || ' ' || status from companies_map order by 1" | sed 's/e_[0-9a-f]*/E/')" \
  "$(printf 'acme.io E crm,product linked\nexample.net E crm linked\nglobex.com E crm,product linked\ngmail.com NULL product excluded\ninitech.com E product linked')"
assert_eq "accounts" "$(q $W "select records || ' ' || coalesce(country, '') || ' ' || coalesce(plan, '') from companies order by records desc, country")" \
  "$(printf '5 DE pro\n2 FR free\n2 US \n1  free')"

# max_component_size: the link that would grow a component past it is refused, with a warning
cat > p/models/gtm/tiny.yml <<'YML'
type: identity
inputs:
  - from: web_visits
    identifiers: {anonymous_id: anonymous_id, user_id: user_id}
max_component_size: 2
YML
assert_exit 0 "$SLUICE" -C p build -s tiny
assert_contains "size warning" "model tiny: 1 links refused: a component of 2 identifiers (holding anonymous_id a" "$T/err"
assert_eq "a2 kept apart" "$(q $W "select count(distinct entity_id) from tiny_map where identifier_value in ('a1', 'a2')")" "2"
rm p/models/gtm/tiny.yml

# spec errors
sed -i 's/^survivorship:/survivorshp:/' p/models/gtm/people.yml
assert_exit 2 "$SLUICE" -C p build
assert_contains "did-you-mean at file:line:col" "people.yml:20:1: unknown key 'survivorshp'" "$T/err"
assert_contains "suggestion" "did you mean 'survivorship'?" "$T/err"
sed -i 's/^survivorshp:/survivorship:/; s/seen_at: updated_at/seen_at: updatd_at/' p/models/gtm/people.yml
assert_exit 1 "$SLUICE" -C p build
assert_contains "column named" "model people: input contacts has no column 'updatd_at' (seen_at); did you mean 'updated_at'?" "$T/out"
finish
