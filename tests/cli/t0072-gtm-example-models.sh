#!/bin/sh
# t0072: the example project (examples/gtm: pipelines, seeds, models, a
# snapshot, tests, a reverse-ETL pipeline) built end to end the way the
# quick start does it, on a small generated data set:
#   - `sluice build` exits 0, every data test passes (run_results.json);
#   - the marts hold the right rows: one account_health row per account,
#     one lead_scores row per contact, each lead score equal to the rule
#     written out here again in plain SQL over the loaded tables;
#   - the reverse-ETL pipeline ran after the mart it reads and wrote exactly
#     the hot and warm leads to out/crm_lead_scores.jsonl;
#   - a second build changes nothing (incremental merge, snapshot);
#   - the CRM moving a contact on (a re-export with a later updated_at):
#     lead_scores merges that contact's new row, contact_stages keeps the
#     old stage as a closed version and the new one as current;
#   - a failing test on lead_scores skips the reverse-ETL pipeline that
#     reads it (exit 1): bad scores never reach the CRM.
. "$SRC/tests/cli/lib.sh"
cp -r "$SRC/examples/gtm" p
rm -rf p/data p/warehouse.db* p/.sluice p/target p/out
python3 p/generate.py --contacts 400 --events 1500 --out p/data >/dev/null
assert_exit 0 "$SLUICE" -C p build
cp "$T/out" "$T/build1.out"

# every test passed (none warned or failed), and there are tests on every model
python3 - p/target/run_results.json >"$T/tests" <<'PY' || true
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
tests = [r for r in rs if r["unique_id"].startswith("test.")]
bad = [r["unique_id"] + ":" + r["status"] for r in tests if r["status"] != "pass"]
tested = sorted({part for r in tests for part in ("stg_contacts", "stg_accounts", "stg_events", "account_health",
                                                  "lead_scores", "contact_stages", "lifecycle_stages", "country_codes")
                 if part in r["unique_id"]})
print(len(tests), " ".join(bad) or "all-pass", " ".join(tested))
PY
assert_eq "data tests" "$(cut -d' ' -f2- "$T/tests")" \
  "all-pass account_health contact_stages country_codes lead_scores lifecycle_stages stg_accounts stg_contacts stg_events"
# a pipeline and a model each have a row in run_results.json
for node in model.gtm.account_health model.gtm.lead_scores snapshot.gtm.contact_stages seed.gtm.lifecycle_stages; do
  assert_eq "$node result" "$(python3 -c 'import json,sys; print([r["status"] for r in json.load(open(sys.argv[1]))["results"] if r["unique_id"] == sys.argv[2]])' p/target/run_results.json "$node")" "['success']"
done

W=p/warehouse.db
assert_eq "account_health: one row per account" "$(q $W 'select count(*) from account_health')" "$(q $W 'select count(*) from accounts')"
assert_eq "lead_scores: one row per contact" "$(q $W 'select count(*) from lead_scores')" "$(q $W 'select count(*) from contacts')"
assert_eq "contact_stages: one current version per contact" \
  "$(q $W 'select count(*) from contact_stages where dbt_valid_to is null')" "$(q $W 'select count(*) from contacts')"
# the lead score rule again, by hand: crm score / 2 + min(5 per feature use, 30) + 4 per funnel stage, at most 100
q $W "
with uses as (select cast(substr(user_id, 3) as integer) as id, sum(event = 'feature_used') as n from events group by 1),
     stage(s, o) as (values ('lead', 1), ('mql', 2), ('sql', 3), ('opportunity', 4), ('customer', 5)),
     score as (select c.id, min(100, coalesce(c.lead_score, 0) / 2 + min(30, 5 * coalesce(u.n, 0)) + 4 * coalesce(s.o, 0)) as v
               from contacts c left join uses u on u.id = c.id left join stage s on s.s = c.lifecycle_stage)
select count(*) from score join lead_scores l on l.contact_id = score.id where l.lead_score = score.v
   and l.score_band = case when score.v >= 70 then 'hot' when score.v >= 40 then 'warm' else 'cold' end" > "$T/same"
assert_eq "lead scores equal the rule" "$(cat "$T/same")" "$(q $W 'select count(*) from contacts')"

# the reverse-ETL output: exactly the hot and warm leads
want=$(q $W "select contact_id || ':' || lead_score from lead_scores where score_band <> 'cold' order by contact_id" | tr '\n' ' ')
got=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join("%d:%d" % (r["contact_id"], r["lead_score"]) for r in sorted(rows, key=lambda r: r["contact_id"])), end=" ")' p/out/crm_lead_scores.jsonl)
assert_eq "reverse ETL rows" "$got" "$want"
if [ -n "$(q $W "select 1 from lead_scores where score_band <> 'cold' limit 1")" ]; then ok; else fail "no hot or warm lead: the check above proves nothing"; fi

# a second build over the same data changes no table
sum() { q $W "select count(*) || '|' || total(lead_score) from lead_scores; select count(*) from contact_stages; select total(health_score) from account_health" | tr '\n' ' '; }
before=$(sum)
assert_exit 0 "$SLUICE" -C p build
assert_eq "second build" "$(sum)" "$before"

# the CRM moves contact 1 to another stage
old=$(q $W "select lifecycle_stage from contacts where id = 1")
new=customer; [ "$old" = customer ] && new=opportunity
acc=$(q $W "select account_id from contacts where id = 1")
echo "1,ada@example.com,Ada,Lovelace,Acme,,US,$new,90,$acc,2026-12-01T09:00:00Z" >> p/data/crm/contacts.csv
assert_exit 0 "$SLUICE" -C p build
assert_eq "lead_scores merged the moved contact" "$(q $W "select lifecycle_stage || ' ' || email from lead_scores where contact_id = 1")" "$new ada@example.com"
assert_eq "lead_scores: still one row per contact" "$(q $W 'select count(*) from lead_scores')" "$(q $W 'select count(*) from contacts')"
assert_eq "contact_stages: the old stage closed, the new one current" \
  "$(q $W "select group_concat(lifecycle_stage || ':' || (dbt_valid_to is null), ' ') from (select * from contact_stages where contact_id = 1 order by dbt_valid_from)")" \
  "$old:0 $new:1"

# a failing test of the mart gates the reverse ETL
sed -i "s/values: \['hot', 'warm', 'cold'\]/values: ['warm', 'cold']/" p/models/marts/_marts.yml
rm -f p/out/crm_lead_scores.jsonl
assert_exit 1 "$SLUICE" -C p build
assert_contains "reverse ETL skipped" "SKIP pipeline crm_lead_scores" "$T/out"
if [ ! -e p/out/crm_lead_scores.jsonl ]; then ok; else fail "the reverse ETL ran after a failing test of its mart"; fi
finish
