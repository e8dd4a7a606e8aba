#!/bin/sh
# bench/build/run.sh: `sluice build` of a generated N-model project
# (gen.py) on SQLite, RUNS times: wall time, and from
# target/run_results.json the warehouse's time and sluice's own per model.
# usage: SLUICE=build/sluice sh bench/build/run.sh [N] [RUNS]
set -eu
N=${1:-200}
RUNS=${2:-3}
SLUICE=${SLUICE:-build/sluice}
D=$(mktemp -d /tmp/sluice-buildbench-XXXXXX)
trap 'rm -rf "$D"' EXIT
python3 "$(dirname "$0")/gen.py" --out "$D/p" --models "$N" >/dev/null
"$SLUICE" -C "$D/p" -q build >/dev/null # warm: the tables exist from now on
i=0
while [ $i -lt "$RUNS" ]; do
  i=$((i + 1))
  start=$(date +%s%N)
  "$SLUICE" -C "$D/p" -q build >/dev/null
  wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  python3 - "$D/p/target/run_results.json" "$wall_ms" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["results"] if x["resource_type"] == "model"]
sql = sum(x["sql_time"] for x in r); own = sum(x["overhead_time"] for x in r)
print(f"{len(r)} models: wall {sys.argv[2]} ms; in the warehouse {sql * 1000:.1f} ms "
      f"({sql * 1000 / len(r):.3f} ms/model); sluice's own {own * 1000:.1f} ms ({own * 1000 / len(r):.3f} ms/model)")
PY
done
