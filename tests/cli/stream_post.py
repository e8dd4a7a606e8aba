#!/usr/bin/env python3
"""stream_post.py: post JSON events to a sluice endpoint, for the stream tests.

    stream_post.py URL FIRST COUNT [PER_REQUEST]

posts events {"id": FIRST..FIRST+COUNT-1, "kind": "k<id % 3>"} as JSON
arrays of PER_REQUEST (default 1: one object per request), over one
keep-alive connection, retrying a request until it gets a 2xx (up to 30 s).
Exits 1 when one never did."""
import http.client, json, sys, time, urllib.parse

url, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per = int(sys.argv[4]) if len(sys.argv) > 4 else 1
u = urllib.parse.urlsplit(url)
conn = None
i = first
while i < first + count:
    n = min(per, first + count - i)
    evs = [{"id": k, "kind": "k%d" % (k % 3)} for k in range(i, i + n)]
    body = json.dumps(evs[0] if per == 1 else evs).encode()
    deadline = time.time() + 30
    while True:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            conn.request("POST", u.path, body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if 200 <= r.status < 300:
                break
        except (OSError, http.client.HTTPException):
            conn = None
        if time.time() > deadline:
            sys.exit("stream_post: no 2xx for events %d..%d" % (i, i + n - 1))
        time.sleep(0.1)
    i += n
