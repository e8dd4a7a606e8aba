# t0097: type: score models (docs/gtm/scoring.md) on SQLite: hand-computed
# scores with firmographic conditions, negative points, events with a
# half-life decay, a cap, a `within` window, events after as_of ignored,
# grades and the default grade, the MQL flag and its date kept across
# builds (and forgotten by --full-refresh), the per-rule columns and the
# JSON contributions; spec errors at file:line:col with a suggestion, a
# missing key at `type:`, a missing column named at build time with the
# input, a refused condition named by its rule.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models/gtm p/seeds
cat > p/sluice.yml <<'YML'
name: p
warehouse: {type: sqlite, path: warehouse.db}
YML
printf 'id,email,employees,country\n1,a@acme.com,1000,US\n2,b@rival.com,50,FR\n3,c@x.io,600,DE\n4,,10,\n' > p/seeds/contacts.csv
cat > p/seeds/events.csv <<'CSV'
user_id,event,occurred_at
1,pricing_viewed,2026-11-30 00:00:00
1,pricing_viewed,2026-11-30 00:00:00
1,pricing_viewed,2026-11-30 00:00:00
1,pricing_viewed,2026-11-30 00:00:00
1,pricing_viewed,2026-11-30 00:00:00
1,pricing_viewed,2026-11-30 00:00:00
3,pricing_viewed,2026-11-30 00:00:00
3,pricing_viewed,2026-11-16 00:00:00
3,pricing_viewed,2026-11-02 00:00:00
3,pricing_viewed,2026-12-01 00:00:00
2,demo_requested,2026-10-01 12:00:00
2,webinar,2026-11-20 00:00:00
2,webinar,2026-11-28 00:00:00
9,demo_requested,2026-11-01 00:00:00
,demo_requested,2026-11-01 00:00:00
CSV
spec() { # spec AS_OF
cat > p/models/gtm/lead_score.yml <<YML
type: score
description: lead score
entities: {from: contacts, key: id}
as_of: "$1"
rules:
  - {name: big_company, when: "employees >= 500", points: 20}
  - {name: target_country, when: "country IN ('US','GB','DE')", points: 10}
  - {name: competitor, when: "email LIKE '%@rival.com'", points: -50}
  - name: pricing_views
    events: {from: events, key: user_id, time: occurred_at, where: "event = 'pricing_viewed'"}
    points: 5
    max: 25
    half_life: 14d
  - name: demo
    events: {from: events, key: user_id, time: occurred_at, where: "event = 'demo_requested'"}
    points: 30
  - name: webinar
    events: {from: events, key: user_id, time: occurred_at, where: "event = 'webinar'"}
    points: 10
    within: 7d
grades: {A: 80, B: 40, C: 20}
mql: {threshold: 40}
YML
}
W=p/warehouse.db
row() { q $W "select score || ' ' || grade || ' ' || is_mql || ' ' || coalesce(mql_at, '-') from lead_score where id = $1"; }

# build 1, as of 2026-11-30
# 1: 20 + 10 + 6 events x 5 at age 0 = 30, capped at 25             -> 55 B, MQL now
# 2: -50 (competitor) + 30 (demo, no decay) + 10 (the webinar of 11-28; 11-20 is outside 7d) -> -10 D
# 3: 20 + 10 + 5 (age 0) + 2.5 (14 d) + 1.25 (28 d); 12-01 is after as_of -> 38.75 C
# 4: nothing -> 0, the default grade D
spec "2026-11-30 00:00:00"
assert_exit 0 "$SLUICE" -C p build
assert_contains "status" "SCORE 4 entities, 1 MQL" "$T/out"
assert_eq "1" "$(row 1)" "55.0 B 1 2026-11-30 00:00:00"
assert_eq "2" "$(row 2)" "-10.0 D 0 -"
assert_eq "3" "$(row 3)" "38.75 C 0 -"
assert_eq "4" "$(row 4)" "0.0 D 0 -"
assert_eq "rule columns of 3" "$(q $W "select points_big_company || ' ' || points_target_country || ' ' || points_competitor || ' ' || points_pricing_views || ' ' || points_demo || ' ' || points_webinar from lead_score where id = 3")" "20.0 10.0 0.0 8.75 0.0 0.0"
assert_eq "contributions of 2" "$(q $W "select contributions from lead_score where id = 2")" '{"competitor":-50,"demo":30,"webinar":10}'
assert_eq "contributions of 4" "$(q $W "select contributions from lead_score where id = 4")" '{}'
assert_eq "contributions add up" "$(q $W "select count(*) from lead_score where abs(score - (select sum(value) from json_each(contributions))) > 0.001")" "0"
assert_eq "key keeps its type" "$(q $W "select type from pragma_table_info('lead_score') where name = 'id'")" "INTEGER"

# build 2, as of 2026-12-10: contact 1 moves to FR, contact 3 requests a demo
# 1: 20 + 6 x 5 x 0.5^(10/14) = 18.29 -> 38.29 C, no longer an MQL: mql_at kept
# 3: 20 + 10 + 30 + 5 x (0.5^(10/14) + 0.5^(24/14) + 0.5^(38/14) + 0.5^(9/14)) = 8.54 -> 68.54 B, MQL since 12-10
# 2: the 11-28 webinar is now 12 days old -> -20 D
sed -i 's/^1,a@acme.com,1000,US$/1,a@acme.com,1000,FR/' p/seeds/contacts.csv
echo '3,demo_requested,2026-12-05 09:00:00' >> p/seeds/events.csv
spec "2026-12-10 00:00:00"
assert_exit 0 "$SLUICE" -C p build
assert_eq "1 after" "$(row 1)" "38.29 C 0 2026-11-30 00:00:00"
assert_eq "3 after" "$(row 3)" "68.54 B 1 2026-12-10 00:00:00"
assert_eq "2 after" "$(row 2)" "-20.0 D 0 -"
# build 3, later: 3's mql_at stays the date it crossed
spec "2026-12-11 00:00:00"
assert_exit 0 "$SLUICE" -C p build -s lead_score
assert_eq "3 kept" "$(q $W "select mql_at from lead_score where id = 3")" "2026-12-10 00:00:00"
# --full-refresh forgets: 1 (20 + 30 x 0.5^(11/14) = 37.4) is no MQL now, 3 is one as of this build
assert_exit 0 "$SLUICE" -C p build -s lead_score --full-refresh
assert_eq "1 forgotten" "$(row 1)" "37.4 C 0 -"
assert_eq "3 restamped" "$(q $W "select mql_at from lead_score where id = 3")" "2026-12-11 00:00:00"

# an event time that is not a time fails the build, naming it (it was
# silently ignored: fresh-user finding); the previous table stays
cp p/seeds/events.csv "$T/events.csv"
echo '3,pricing_viewed,not a time' >> p/seeds/events.csv
assert_exit 1 "$SLUICE" -C p build -s +lead_score
assert_contains "bad time named" "model lead_score: rule pricing_views: events events: column occurred_at holds 'not a time', not a time" "$T/out"
assert_eq "the failed build kept the old table" "$(q $W "select mql_at from lead_score where id = 3")" "2026-12-11 00:00:00"
cp "$T/events.csv" p/seeds/events.csv

# spec errors: a misspelt key (file:line:col, did you mean), a missing key at type:
spec "2026-12-11 00:00:00"
sed -i 's/    half_life: 14d/    halflife: 14d/' p/models/gtm/lead_score.yml
assert_exit 2 "$SLUICE" -C p build
assert_contains "typo" "lead_score.yml:13:5: unknown key 'halflife' in a score model; did you mean 'half_life'?" "$T/err"
printf 'type: score\nentities: {from: contacts, key: id}\ngrade: {A: 1}\n' > p/models/gtm/lead_score.yml
assert_exit 2 "$SLUICE" -C p build
assert_contains "root typo" "lead_score.yml:3:1: unknown key 'grade' in a score model; did you mean 'grades'?" "$T/err"
assert_contains "missing rules" "lead_score.yml:1:7: a score model needs rules:" "$T/err"
# build-time: a column the input does not have; a condition the warehouse refuses
spec "2026-12-11 00:00:00"
sed -i 's/time: occurred_at, where: "event = .pricing_viewed."/time: occured_at/' p/models/gtm/lead_score.yml
assert_exit 1 "$SLUICE" -C p build -s lead_score
assert_contains "column" "model lead_score: rule pricing_views: input 'events' has no column 'occured_at'; did you mean 'occurred_at'?" "$T/out"
spec "2026-12-11 00:00:00"
sed -i 's/employees >= 500/employes >= 500/' p/models/gtm/lead_score.yml
assert_exit 1 "$SLUICE" -C p build -s lead_score
assert_contains "condition" "model lead_score: rule big_company:" "$T/out"
assert_contains "condition names the column" "employes" "$T/out"
assert_eq "the failed build kept the old table" "$(row 3)" "68.12 B 1 2026-12-11 00:00:00"
# an entity twice in the input is refused, naming the key
spec "2026-12-11 00:00:00"
echo '3,dup@x.io,1,US' >> p/seeds/contacts.csv
assert_exit 1 "$SLUICE" -C p build
assert_contains "duplicate" "model lead_score: input 'contacts' has id = '3' twice (entities must be unique)" "$T/out"
finish
