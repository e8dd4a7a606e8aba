#!/usr/bin/env python3
"""bench/events/probe.py: end-to-end latency of sluice serve, POST -> committed row.

Posts Segment /v1/batch bodies of 20 track events at a fixed rate (default
5,000 events/s: 250 requests/s spread over --connections keep-alive
connections), records when each request was sent (its 20 messageIds share
it), and polls the warehouse every --poll seconds for the new rows: the
latency of an event is when a poll first saw its row minus when it was sent
(so it includes up to one poll interval). Prints one line:

  PROBE rate=... sent=... non2xx=... seen=... missing=... p50_ms=... p99_ms=... max_ms=...

  probe.py --port P --key K --nonce N --seconds 15 --sqlite warehouse.db --table tracks
  probe.py ... --pg postgresql://... --schema bench --table tracks
"""
import argparse, base64, http.client, json, math, sqlite3, subprocess, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--key", default="benchkey")
ap.add_argument("--nonce", default="probe")
ap.add_argument("--rate", type=int, default=5000, help="events per second")
ap.add_argument("--seconds", type=float, default=15)
ap.add_argument("--connections", type=int, default=8)
ap.add_argument("--poll", type=float, default=0.05)
ap.add_argument("--drain", type=float, default=20, help="seconds to wait for the last rows")
ap.add_argument("--sqlite")
ap.add_argument("--pg")
ap.add_argument("--schema", default="public")
ap.add_argument("--table", default="tracks")
a = ap.parse_args()

PER = 20
sent = {}            # request number -> send time (monotonic)
seen = {}            # request number -> [events seen, first time all... ] per event latencies
lat = []             # seconds, one per event seen
non2xx = [0]
lock = threading.Lock()
auth = "Basic " + base64.b64encode((a.key + ":").encode()).decode()
interval = PER / a.rate                      # seconds between requests overall
nreq = int(a.seconds / interval)
t0 = time.monotonic() + 0.5


def body(n):
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    ev = [{"type": "track", "messageId": "%s-%d-%d" % (a.nonce, n, i), "userId": "user-%d" % (n % 1000),
           "event": "Probe", "properties": {"n": n, "i": i}, "timestamp": now} for i in range(PER)]
    return json.dumps({"batch": ev, "sentAt": now})


def sender(k):
    c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
    n = k
    while n < nreq:
        due = t0 + n * interval
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)
        b = body(n)
        with lock:
            sent[n] = time.monotonic()
        try:
            c.request("POST", "/v1/batch", b, {"Content-Type": "application/json", "Authorization": auth})
            r = c.getresponse()
            r.read()
            if not 200 <= r.status < 300:
                with lock:
                    non2xx[0] += 1
        except Exception:
            with lock:
                non2xx[0] += 1
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        n += a.connections


class Psql:
    """One psql session: a query in, its rows out (no driver needed)."""
    def __init__(self, url):
        self.p = subprocess.Popen(["psql", "-X", "-q", "-At", "-F", "|", url], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.rows("SET timezone = 'UTC'")

    def rows(self, sql):
        self.p.stdin.write(sql + ";\n\\echo __END__\n")
        self.p.stdin.flush()
        out = []
        for line in self.p.stdout:
            line = line.rstrip("\n")
            if line == "__END__":
                return out
            if line:
                out.append(line.split("|"))
        raise SystemExit("probe: psql ended")


pending = {}  # request number -> events of it not seen yet
state = {"rowid": 0, "lo": None}


def poll_once(db):
    now = time.monotonic()
    if a.sqlite:
        try:
            rows = db.execute("SELECT rowid, id FROM %s WHERE rowid > ?" % a.table, (state["rowid"],)).fetchall()
        except sqlite3.OperationalError:
            return  # the table is not there yet
        ids = []
        for rid, mid in rows:
            state["rowid"] = max(state["rowid"], rid)
            ids.append(mid)
    else:
        lo = state["lo"]
        cond = "received_at >= now() - interval '10 seconds'" if lo is None else \
            "received_at >= '%s'::timestamptz - interval '3 seconds'" % lo
        rows = db.rows("SELECT id, received_at FROM %s.%s WHERE %s" % (a.schema, a.table, cond))
        ids = [r[0] for r in rows]
        if rows:
            state["lo"] = max(r[1] for r in rows)
    with lock:
        for mid in ids:
            if not mid or not mid.startswith(a.nonce + "-"):
                continue
            try:
                n = int(mid[len(a.nonce) + 1:].split("-")[0])
            except ValueError:
                continue
            key = mid
            if key in seen:
                continue
            if n in sent:
                seen[key] = now - sent[n]


def main():
    if a.sqlite:
        db = sqlite3.connect(a.sqlite, timeout=10)
    else:
        db = Psql(a.pg)
    threads = [threading.Thread(target=sender, args=(k,), daemon=True) for k in range(a.connections)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        poll_once(db)
        time.sleep(a.poll)
    end = time.monotonic() + a.drain
    while time.monotonic() < end and len(seen) < len(sent) * PER - non2xx[0] * PER:
        poll_once(db)
        time.sleep(a.poll)
    v = sorted(seen.values())
    q = lambda p: v[min(len(v) - 1, int(math.ceil(p * len(v))) - 1)] * 1000 if v else float("nan")
    span = max(sent.values()) - min(sent.values()) if sent else 1
    print("PROBE rate=%.0f sent=%d non2xx=%d seen=%d missing=%d p50_ms=%.0f p99_ms=%.0f max_ms=%.0f poll_ms=%.0f" % (
        (len(sent) - 1) * PER / span if span else 0, len(sent) * PER, non2xx[0] * PER, len(v),
        len(sent) * PER - len(v), q(0.50), q(0.99), q(1.0), a.poll * 1000))


main()
