# t0098: type: lifecycle models (docs/gtm/lifecycle.md) on SQLite: stages
# across three builds with never_regress on (an entity never moves back)
# and off (it moves back and the history shows it), the history rows with
# entered_at/exited_at, the funnel and velocity SQL of the docs as models;
# the engagement macros (docs/gtm/engagement.md) in a SQL model with
# hand-counted values; spec errors.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models/gtm p/seeds
cat > p/sluice.yml <<'YML'
name: p
warehouse: {type: sqlite, path: warehouse.db}
YML
lc() { # lc NAME NEVER_REGRESS AS_OF
cat > "p/models/gtm/$1.yml" <<YML
type: lifecycle
entities: {from: contacts, key: id}
as_of: "$3"
stages:
  - {name: subscriber, when: "1 = 1"}
  - {name: lead, when: "email IS NOT NULL"}
  - {name: mql, when: "score >= 60"}
  - {name: customer, when: "won = 1"}
never_regress: $2
YML
}
build() { # build AS_OF
  lc lifecycle false "$1"
  lc lifecycle_nr true "$1"
  assert_exit 0 "$SLUICE" -C p build
}
cat > p/models/funnel.sql <<'SQL'
with reached as (
    select id, max(stage_index) as top from {{ ref('lifecycle_history') }} group by id
), steps as (
    select h.stage, h.stage_index, count(distinct r.id) as entities
    from (select distinct stage, stage_index from {{ ref('lifecycle_history') }}) h
    join reached r on r.top >= h.stage_index
    group by h.stage, h.stage_index
)
select stage, stage_index, entities,
       round(1.0 * entities / lag(entities) over (order by stage_index), 4) as conversion
from steps order by stage_index
SQL
cat > p/models/velocity.sql <<'SQL'
select stage, count(*) as exits,
       round(avg({{ sluice_days_between('entered_at', 'exited_at') }}), 2) as avg_days
from {{ ref('lifecycle_history') }}
where exited_at is not null
group by stage order by min(stage_index)
SQL
W=p/warehouse.db
cur() { q $W "select id || ':' || coalesce(stage, '-') || ':' || coalesce(stage_entered_at, '-') || ':' || coalesce(previous_stage, '-') from $1 order by id" | tr '\n' ' '; }
hist() { q $W "select stage || ' ' || entered_at || ' ' || coalesce(exited_at, '-') from $1 where id = $2 order by entered_at, stage_index" | tr '\n' '|'; }

# build 1 (11-01): 1 is an MQL, 2 a subscriber (no e-mail), 3 a lead
printf 'id,email,score,won\n1,a@x.io,70,0\n2,,0,0\n3,c@x.io,10,0\n' > p/seeds/contacts.csv
build "2026-11-01 00:00:00"
assert_contains "status" "LIFECYCLE 3 entities, 3 moved, 3 history rows" "$T/out"
assert_eq "build 1" "$(cur lifecycle)" "1:mql:2026-11-01 00:00:00:- 2:subscriber:2026-11-01 00:00:00:- 3:lead:2026-11-01 00:00:00:- "
# build 2 (11-10): 1's score drops (mql -> lead), 2 gives an e-mail, 3 wins
printf 'id,email,score,won\n1,a@x.io,30,0\n2,b@x.io,0,0\n3,c@x.io,10,1\n' > p/seeds/contacts.csv
build "2026-11-10 00:00:00"
assert_eq "build 2 moves back" "$(cur lifecycle)" "1:lead:2026-11-10 00:00:00:mql 2:lead:2026-11-10 00:00:00:subscriber 3:customer:2026-11-10 00:00:00:lead "
assert_eq "build 2 never_regress" "$(cur lifecycle_nr)" "1:mql:2026-11-01 00:00:00:- 2:lead:2026-11-10 00:00:00:subscriber 3:customer:2026-11-10 00:00:00:lead "
# build 3 (11-20): 1 is an MQL again
printf 'id,email,score,won\n1,a@x.io,80,0\n2,b@x.io,0,0\n3,c@x.io,10,1\n' > p/seeds/contacts.csv
build "2026-11-20 00:00:00"
assert_eq "build 3" "$(cur lifecycle)" "1:mql:2026-11-20 00:00:00:lead 2:lead:2026-11-10 00:00:00:subscriber 3:customer:2026-11-10 00:00:00:lead "
assert_eq "build 3 never_regress" "$(cur lifecycle_nr)" "1:mql:2026-11-01 00:00:00:- 2:lead:2026-11-10 00:00:00:subscriber 3:customer:2026-11-10 00:00:00:lead "
assert_eq "history of 1" "$(hist lifecycle_history 1)" "mql 2026-11-01 00:00:00 2026-11-10 00:00:00|lead 2026-11-10 00:00:00 2026-11-20 00:00:00|mql 2026-11-20 00:00:00 -|"
assert_eq "history of 1, never_regress" "$(hist lifecycle_nr_history 1)" "mql 2026-11-01 00:00:00 -|"
assert_eq "history of 3" "$(hist lifecycle_nr_history 3)" "lead 2026-11-01 00:00:00 2026-11-10 00:00:00|customer 2026-11-10 00:00:00 -|"
assert_eq "history rows" "$(q $W "select count(*) from lifecycle_history") $(q $W "select count(*) from lifecycle_nr_history")" "7 5"
assert_eq "one open row per entity" "$(q $W "select count(*) from lifecycle_history where exited_at is null")" "3"
# the docs' funnel and velocity
assert_eq "funnel" "$(q $W "select stage || ' ' || entities || ' ' || coalesce(conversion, '-') from funnel" | tr '\n' '|')" "subscriber 3 -|lead 3 1.0|mql 2 0.6667|customer 1 0.5|"
assert_eq "velocity" "$(q $W "select stage || ' ' || exits || ' ' || avg_days from velocity" | tr '\n' '|')" "subscriber 1 9.0|lead 2 9.5|mql 1 9.0|"
# a build that changes nothing keeps everything
assert_exit 0 "$SLUICE" -C p build -s lifecycle
assert_contains "nothing moved" "LIFECYCLE 3 entities, 0 moved, 7 history rows" "$T/out"
# --full-refresh starts the history again
assert_exit 0 "$SLUICE" -C p build -s lifecycle --full-refresh
assert_eq "full refresh" "$(q $W "select count(*) from lifecycle_history where exited_at is null") $(q $W "select count(*) from lifecycle_history")" "3 3"

# engagement macros, as of 2026-11-30
cat > p/seeds/activity.csv <<'CSV'
user_id,event,occurred_at
1,email_sent,2026-11-29 10:00:00
1,email_clicked,2026-11-29 11:00:00
1,email_sent,2026-11-10 10:00:00
1,page_view,2026-09-15 00:00:00
2,email_sent,2026-11-25 00:00:00
2,email_sent,2026-11-24 00:00:00
2,email_sent,2026-11-23 00:00:00
2,email_clicked,2026-11-23 01:00:00
3,page_view,2026-08-01 00:00:00
3,page_view,2026-12-05 00:00:00
CSV
cat > p/models/engagement.sql <<'SQL'
{{ engagement_metrics(ref('activity'), 'user_id', 'occurred_at', event_column='event', as_of='2026-11-30 00:00:00') }}
SQL
cat > p/models/engagement_parts.sql <<'SQL'
select user_id,
       {{ rolling_count('occurred_at', 30, where="event = 'email_sent'", as_of='2026-11-30 00:00:00') }} as sent_30d,
       {{ days_since_last_activity('occurred_at', as_of='2026-11-30 00:00:00') }} as idle_days
from {{ ref('activity') }} group by user_id
SQL
assert_exit 0 "$SLUICE" -C p build -s activity+
# 1: 11-29 x2 (< 7 d), 11-10 (20 d), 09-15 (76 d); 1 click / 2 sends; last 14 h ago
# 2: 11-23 00:00 is exactly 7 d old (not in 7d); 1 click / 3 sends; last 5 d ago
# 3: 08-01 is 121 d old; 12-05 is after as_of (never counted)
assert_eq "engagement" "$(q $W "select user_id || ' ' || events_7d || ' ' || events_30d || ' ' || events_90d || ' ' || coalesce(email_click_rate, '-') || ' ' || days_since_last_activity from engagement order by user_id" | tr '\n' '|')" "1 2 3 4 0.5 0|2 3 4 4 0.3333 5|3 0 0 0 - 121|"
assert_eq "parts" "$(q $W "select user_id || ' ' || sent_30d || ' ' || idle_days from engagement_parts order by user_id" | tr '\n' '|')" "1 2 0|2 3 5|3 0 121|"

# spec errors
printf 'type: lifecycle\nentities: {from: contacts, key: id}\nstages:\n  - {name: a, when: "1 = 1"}\n  - {name: a, whn: "1 = 1"}\nnever_regres: true\n' > p/models/gtm/lifecycle.yml
assert_exit 2 "$SLUICE" -C p build
assert_contains "stage typo" "lifecycle.yml:5:15: unknown key 'whn' in a lifecycle model; did you mean 'when'?" "$T/err"
assert_contains "two stages" "lifecycle.yml:5:12: two stages are called 'a'" "$T/err"
assert_contains "root typo" "lifecycle.yml:6:1: unknown key 'never_regres' in a lifecycle model; did you mean 'never_regress'?" "$T/err"
lc lifecycle false "2026-11-30 00:00:00"
sed -i 's/key: id/key: idd/' p/models/gtm/lifecycle.yml
assert_exit 1 "$SLUICE" -C p build -s lifecycle
assert_contains "column" "model lifecycle: input 'contacts' has no column 'idd'; did you mean 'id'?" "$T/out"
finish
