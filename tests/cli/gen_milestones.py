"""gen_milestones.py: a product event stream with known milestones, for t0110.

usage: gen_milestones.py OUTDIR NFILES
Writes OUTDIR/01.jsonl .. NN.jsonl (events in time order, cut into NFILES
files by time) and OUTDIR/expected.txt: "user|milestone|unix seconds" per
milestone the pipeline of t0110 must emit (activated: the first 'Project
Created'; team_growing: the event completing 3 'Invite Sent' within 7 days).
Fixed seed: the same files every time.
"""
import json
import time
import random
import sys

out, nfiles = sys.argv[1], int(sys.argv[2])
rnd = random.Random(15)
BASE = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400
events = []
expected = []
for u in range(300):
    user = "u%03d" % u
    t0 = BASE + rnd.randrange(0, 20 * DAY)
    events.append((t0, user, "Signed Up"))
    created = []
    if rnd.random() < 0.7:
        created = sorted(t0 + rnd.randrange(60, 5 * DAY) for _ in range(rnd.randrange(1, 3)))
        events += [(t, user, "Project Created") for t in created]
        expected.append((user, "activated", created[0]))
    invites = sorted(t0 + rnd.randrange(60, 20 * DAY) for _ in range(rnd.randrange(0, 6)))
    events += [(t, user, "Invite Sent") for t in invites]
    for i in range(2, len(invites)):
        if invites[i] - invites[i - 2] <= 7 * DAY:
            expected.append((user, "team_growing", invites[i]))
            break
    events += [(t0 + rnd.randrange(0, 25 * DAY), user, "Page Viewed") for _ in range(rnd.randrange(0, 3))]
# anonymous events: no key, never a milestone
events += [(BASE + rnd.randrange(0, 25 * DAY), None, "Project Created") for _ in range(20)]
# in time order (ties by user and event): files cut by time
events.sort(key=lambda e: (e[0], e[1] or "", e[2]))
per = (len(events) + nfiles - 1) // nfiles
for f in range(nfiles):
    with open("%s/%02d.jsonl" % (out, f + 1), "w") as fh:
        for t, user, ev in events[f * per:(f + 1) * per]:
            ts = "%04d-%02d-%02dT%02d:%02d:%02dZ" % time.gmtime(t)[:6]
            fh.write(json.dumps({"user_id": user, "event": ev, "timestamp": ts}) + "\n")
with open("%s/expected.txt" % out, "w") as fh:
    for user, m, t in sorted(expected):
        fh.write("%s|%s|%d\n" % (user, m, t))
print(len(events), len(expected))
