#!/usr/bin/env python3
"""stream_load.py: the load generator of the stream kill test (t0108).

    stream_load.py URL EVENTS THREADS ACKED_FILE [WRITE_KEY]

THREADS threads share the events 0..EVENTS-1 in Segment batches of 20
(POST URL/v1/batch, keep-alive, Basic auth with the write key), each event a
track call with a unique messageId "m<i>". A request that does not get a
2xx (refused connection, reset, 5xx, 503 while the spool is full) is sent
again, unchanged, until it does: at the end every event was acknowledged.
ACKED_FILE gets the messageIds of every acknowledged batch (one per line)."""
import base64, http.client, json, sys, threading, time, urllib.parse

url, events, threads, acked_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
key = sys.argv[5] if len(sys.argv) > 5 else "wk"
u = urllib.parse.urlsplit(url)
auth = "Basic " + base64.b64encode((key + ":").encode()).decode()
BATCH = 20
lock = threading.Lock()
next_batch = [0]
acked = []
retries = [0]


def take():
    with lock:
        b = next_batch[0]
        next_batch[0] += 1
    return b if b * BATCH < events else None


def worker():
    conn = None
    while True:
        b = take()
        if b is None:
            break
        lo, hi = b * BATCH, min(events, (b + 1) * BATCH)
        body = json.dumps({"batch": [
            {"type": "track", "event": "Signed Up", "userId": "u%d" % (i % 97), "messageId": "m%d" % i,
             "timestamp": "2026-11-30T12:00:00.000Z", "properties": {"n": i}} for i in range(lo, hi)]}).encode()
        while True:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
                conn.request("POST", "/v1/batch", body, {"Content-Type": "application/json", "Authorization": auth})
                r = conn.getresponse()
                r.read()
                if 200 <= r.status < 300:
                    break
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                retries[0] += 1
            time.sleep(0.05)
        with lock:
            acked.extend("m%d" % i for i in range(lo, hi))


ts = [threading.Thread(target=worker) for _ in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
with open(acked_file, "w") as f:
    f.write("\n".join(acked) + "\n")
print("stream_load: %d events acknowledged, %d requests retried" % (len(acked), retries[0]), file=sys.stderr)
