"""slow_clients.py: clients that hold `sluice serve` connections open by
sending a request head one line at a time (slowloris), for t0041.

usage: slow_clients.py PORT N SECONDS REPORT
Opens N connections to 127.0.0.1:PORT, each sending a partial request
head, then one more header line every second, reconnecting when the
server closes one, for SECONDS. Writes to REPORT one line per connection
that the server closed: the seconds it stayed open. Every loop is bounded
by SECONDS.
"""
import socket
import sys
import time

port, n, seconds, report = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.setblocking(False)
    s.send(HEAD)
    return [s, time.monotonic()]


conns, closed = [], []
end = time.monotonic() + seconds
for _ in range(n):
    try:
        conns.append(connect())
    except OSError:
        pass
while time.monotonic() < end:
    time.sleep(1)
    for c in conns:
        try:
            c[0].send(b"X-Slow: 1\r\n")
            if c[0].recv(1) == b"":
                raise ConnectionResetError
        except BlockingIOError:
            continue  # nothing to read: still open
        except OSError:
            closed.append(time.monotonic() - c[1])
            c[0].close()
            try:
                c[:] = connect()
            except OSError:
                c[:] = [socket.socket(), time.monotonic()]  # retried next second
for c in conns:
    c[0].close()
with open(report, "w") as f:
    f.writelines("%.1f\n" % t for t in closed)
