#!/bin/sh
# bench/sqlite_load/fsyncs.sh: the disk syncs of one CSV -> SQLite load
# (issue #16), the figure behind docs/BENCHMARKS.md "CSV -> SQLite, second
# pass": how many fdatasync calls the run made on the warehouse's files
# (database and write-ahead log), the seconds spent in them, and how many
# pages were still copied from the log into the database after the sink
# thread ended (the checkpoint left for the run's end). Unlike wall time,
# the count hardly depends on how busy the machine is.
# Usage: bench/sqlite_load/fsyncs.sh SLUICE PROJECT [PIPELINE]
#   PROJECT: a sluice project whose PIPELINE (default load) writes the
#   project warehouse (bench/run.sh's pipelines, e.g. a copy of
#   /tmp/sluice-bench/p); its warehouse.db* and .sluice are removed first.
# Needs strace and python3. Alternate two binaries, several runs each.
set -eu
[ $# -ge 2 ] || { echo "usage: bench/sqlite_load/fsyncs.sh SLUICE PROJECT [PIPELINE]" >&2; exit 2; }
command -v strace >/dev/null || { echo "fsyncs.sh: needs strace" >&2; exit 1; }
bin=$1 p=$2 name=${3:-load}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rm -rf "$p"/warehouse.db* "$p/.sluice"
strace -f -tt -T -y -e trace=fdatasync,pwrite64 -o "$out" "$bin" -C "$p" -q run "$name" >/dev/null
python3 - "$out" <<'PY'
import re, sys
from collections import Counter
lines = open(sys.argv[1]).read().splitlines()
def ts(l):
    h, m, s = l.split()[1].split(':')
    return int(h) * 3600 + int(m) * 60 + float(s)
# the sink thread: the one that wrote the log most
writers = Counter(l.split()[0] for l in lines if 'pwrite64(' in l and 'warehouse.db-wal>' in l)
sink = writers.most_common(1)[0][0]
sink_end = [ts(l) for l in lines if l.startswith(sink + ' ') and 'exited' in l][0]
syncs = [l for l in lines if 'fdatasync(' in l and 'warehouse' in l]
secs = 0.0
for l in lines:  # a call strace split in two has its time on the "resumed" line
    m = re.search(r'<([0-9.]+)>$', l)
    if m and 'fdatasync' in l:
        secs += float(m.group(1))
late = sum(1 for l in lines if 'pwrite64(' in l and 'warehouse.db>' in l and ts(l) > sink_end)
print(f"fdatasync calls on the warehouse: {len(syncs)}, seconds in fdatasync (all files): {secs:.3f}, "
      f"pages copied into the database after the sink ended: {late}")
PY
