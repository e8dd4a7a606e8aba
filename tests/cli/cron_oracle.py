#!/usr/bin/python3
"""cron_oracle.py SLUICE [N] [SEED]: random cron expressions, next fire
times from `sluice schedule next --json` compared with croniter's (Debian's
python3-croniter, hence /usr/bin/python3), including weekday N/STEP
(which runs to 7, Sunday, as cron(5)'s N-7/STEP). UTC and zones without DST (DST
behaviour is pinned by tests/unit/test_cron.c). Day fields are '*' or do not
start with '*', and do not list every value: croniter reads a day field
covering every value (say 0-6) as '*', cron(5) reads it as restricted (the
"either day field matches" rule applies), and sluice follows cron(5);
tests/unit/test_cron.c pins that case. Prints one line per mismatch and a summary; exit 1 on any."""
import datetime, json, random, subprocess, sys
from zoneinfo import ZoneInfo
from croniter import croniter

sluice = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
MON = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DOW = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

def item(lo, hi, names=None, base=0):
    k = rng.random()
    def val(v):
        return names[v - base] if names and rng.random() < 0.3 else str(v)
    if k < 0.4:
        return val(rng.randint(lo, hi))
    if k < 0.5:  # N/STEP: N to the field's end (for weekdays 7, as cron(5)'s N-7/STEP)
        return "%s/%d" % (val(rng.randint(lo, hi)), rng.randint(1, 4))
    a = rng.randint(lo, hi); b = rng.randint(a, hi)
    r = "%s-%s" % (val(a), val(b))
    if k < 0.7 or a == b:
        return r
    return r + "/" + str(rng.randint(1, max(1, (b - a))))

def field(lo, hi, names=None, base=0, day=False):
    k = rng.random()
    if k < 0.3:
        return "*"
    if k < 0.45 and not day:
        return "*/" + str(rng.randint(1, hi - lo + 1 if hi - lo + 1 <= 30 else 30))
    return ",".join(item(lo, hi, names, base) for _ in range(rng.randint(1, 3)))

def covered(text, lo, hi, names, base):
    """The values a field lists (no '*' forms here)."""
    vals = set()
    def num(s):
        return names.index(s) + base if names and s in names else int(s)
    for part in text.split(","):
        rng_, _, step = part.partition("/")
        a, _, b = rng_.partition("-")
        a = num(a); b = num(b) if b else ((7 if names is DOW else hi) if step else a)
        vals.update(v % 7 if names is DOW else v for v in range(a, b + 1, int(step) if step else 1))
    return vals

zones = ["UTC", "Asia/Kolkata", "Asia/Tokyo", "Etc/GMT+5"]
bad = checked = skipped = 0
for i in range(n):
    expr = " ".join([field(0, 59), field(0, 23), field(1, 31, day=True), field(1, 12, MON, 1),
                     field(0, 6, DOW, 0, day=True)])
    f = expr.split()
    if any(not f[k].startswith("*") and len(covered(f[k], lo, hi, names, base)) == hi - lo + 1
           for k, lo, hi, names, base in [(2, 1, 31, None, 1), (4, 0, 6, DOW, 0)]):
        skipped += 1
        continue
    tz = rng.choice(zones)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        seconds=rng.randint(0, 3 * 365 * 86400))
    try:
        it = croniter(expr, start.astimezone(ZoneInfo(tz)))
        want = [it.get_next(datetime.datetime).astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                for _ in range(5)]
    except Exception:
        skipped += 1  # croniter refuses or finds no date: not comparable
        continue
    out = subprocess.run([sluice, "--json", "schedule", "next", expr, "--from",
                          start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--count", "5", "--timezone", tz],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print("REFUSED %r (%s): %s" % (expr, tz, out.stderr.strip() or out.stdout.strip()))
        bad += 1
        continue
    got = [x["utc"] for x in json.loads(out.stdout)["next"]]
    checked += 1
    if got != want:
        bad += 1
        print("MISMATCH %r tz=%s from=%s\n  sluice:   %s\n  croniter: %s" % (expr, tz, start.isoformat(), got, want))
print("cron oracle: %d expressions compared, %d mismatched, %d skipped (croniter refused, or a day field listing every value)" % (checked, bad, skipped))
sys.exit(1 if bad or checked < n // 2 else 0)
