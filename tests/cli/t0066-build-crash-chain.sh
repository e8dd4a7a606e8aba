# t0066: SIGKILL during `sluice build` of a project with a seed, a
# pipeline, a view, a table, an incremental (merge) model and a snapshot:
# a CHAIN of consecutive killed builds (at the build's failpoints before
# and after each node, then after delays from a fixed seed while every
# node is slowed down, so kills land inside pipeline loads and model
# statements), then one clean build: every table equals a clean build's
# in a fresh copy, 0 rows missing, 0 duplicated (sorted dumps compared).
. "$SRC/tests/cli/lib.sh"
KILLS=${KILLS:-12}
mkdir -p p/models p/seeds p/snapshots p/pipelines p/data
echo "name: p" > p/sluice.yml
python3 - p/data/events.csv p/seeds/plans.csv <<'PY'
import random, sys
random.seed(66)
with open(sys.argv[1], "w") as f:
    f.write("id,account_id,kind,amount\n")
    for i in range(1, 20001):
        f.write(f"{i},{random.randint(1, 300)},{random.choice(['login', 'seat', 'invoice'])},{random.randint(0, 500)}\n")
with open(sys.argv[2], "w") as f:
    f.write("plan_id,name,price,updated_at\n")
    for i in range(1, 41):
        f.write(f"{i},plan{i},{i * 10},2026-01-{(i % 28) + 1:02d} 00:00:00\n")
PY
cat > p/pipelines/load_events.yml <<'YML'
source: {type: csv, path: data/events.csv, columns: {id: int, account_id: int, amount: int}}
sinks: [{type: sqlite, table: raw_events, mode: upsert, key: [id]}]
batch_rows: 2000
YML
cat > p/models/stg_events.sql <<'SQL'
select id, account_id, kind, amount from {{ ref('load_events') }}
SQL
cat > p/models/account_usage.sql <<'SQL'
{{ config(materialized='table') }}
select account_id, kind, count(*) as n, sum(amount) as amount
from {{ ref('stg_events') }} group by account_id, kind
SQL
cat > p/models/events_merged.sql <<'SQL'
{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
select e.id, e.account_id, e.amount, p.name as plan
from {{ ref('stg_events') }} e left join {{ ref('plans') }} p on p.plan_id = e.account_id % 40 + 1
{% if is_incremental() %}
where e.id > (select coalesce(max(id), 0) - 50 from {{ this }})
{% endif %}
SQL
cat > p/snapshots/plan_history.sql <<'SQL'
{% snapshot plan_history %}
{{ config(unique_key='plan_id', strategy='timestamp', updated_at='updated_at') }}
select plan_id, name, price, updated_at from {{ ref('plans') }}
{% endsnapshot %}
SQL
TABLES="raw_events plans stg_events account_usage events_merged plan_history"

# the reference: a clean build in a fresh copy
cp -r p clean
"$SLUICE" -C clean build >"$T/clean.out" 2>&1 && ok || fail "clean build: $(tail -5 "$T/clean.out")"
dump() { for t in $TABLES; do sqlite3 -cmd ".timeout 10000" -csv "$1/warehouse.db" "select '$t', * from $t"; done | sort; }
dump clean > "$T/clean.dump"
[ "$(wc -l < "$T/clean.dump")" -gt 40000 ] && ok || fail "clean dump too small: $(wc -l < "$T/clean.dump")"

kills=0; died=0
kill_at() { # failpoint spec: one build killed there
  set +e
  SLUICE_FAILPOINTS="$1" "$SLUICE" -C p -q build >/dev/null 2>&1
  rc=$?
  set -e
  kills=$((kills + 1))
  [ "$rc" -eq 137 ] && died=$((died + 1))
}
# 1. at the build's failpoints: before the 1st..6th node, after the 2nd..5th
for n in 1 2 3 4 5 6; do kill_at "build.node=crash@$n"; done
for n in 2 3 4 5; do kill_at "build.node_done=crash@$n"; done
# 2. after delays from a fixed seed, every node slowed by 30 ms and every batch by 5 ms
start=$(date +%s%N)
SLUICE_FAILPOINTS=build.node=sleep30,sink.before_data=sleep5 "$SLUICE" -C p -q build >/dev/null 2>&1 || true
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
# the delays, from a fixed seed, in one go (a python3 start costs seconds on a busy machine)
delays=$(python3 -c "import random; random.seed(66); print(' '.join(str(random.randint(5, max(10, $full_ms)) / 1000) for _ in range($KILLS)))")
for delay in $delays; do
  SLUICE_FAILPOINTS=build.node=sleep30,sink.before_data=sleep5 "$SLUICE" -C p -q build >/dev/null 2>&1 &
  bpid=$!
  sleep "$delay"
  kill -9 $bpid 2>/dev/null || true
  wait $bpid 2>/dev/null || true
  kills=$((kills + 1))
done
[ "$died" -ge 8 ] && ok || fail "only $died of the failpoint builds were killed"

# 3. one clean build, then compare
assert_exit 0 "$SLUICE" -C p build
dump p > "$T/crashed.dump"
python3 - "$T/clean.dump" "$T/crashed.dump" <<'PY' && ok || fail "tables differ from a clean build's"
import collections, sys
a = collections.Counter(open(sys.argv[1]).read().splitlines())
b = collections.Counter(open(sys.argv[2]).read().splitlines())
missing = sum((a - b).values()); extra = sum((b - a).values())
print(f"crash chain: {sum(a.values())} rows in a clean build; {missing} missing, {extra} duplicated or extra", file=sys.stderr)
for line in list((a - b).elements())[:3] + list((b - a).elements())[:3]:
    print("  " + line, file=sys.stderr)
sys.exit(0 if missing == 0 and extra == 0 else 1)
PY
echo "t0066: $kills kills in a chain ($died at failpoints)" >&2
finish
