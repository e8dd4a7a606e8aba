#!/bin/sh
# t0041: slow clients (slowloris) do not silence `sluice serve`: 70
# connections that send a request head one line a second (more than the 64
# slots the server once had) while /healthz and the API are probed; every
# probe must be answered, and the slow connections must be closed by the
# head deadline (10 s), not kept for as long as they trickle.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
assert_exit 0 "$SLUICE" init p
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "daemon did not come up: $(tail -5 "$T/serve.log")"

python3 "$SRC/tests/serve/slow_clients.py" "$PORT" 70 25 "$T/closed" &
lpid=$!
sleep 2
good=0
for i in $(seq 1 20); do
  c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/healthz") || true
  [ "$c" = 200 ] && good=$((good + 1))
  c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/api/v1/pipelines") || true
  [ "$c" = 200 ] && good=$((good + 1))
  sleep 0.5
done
assert_eq "probes answered while 70 slow clients are connected" "$good" 40
wait $lpid
# each slow connection lives 25 s unless the server closes it: the deadline
# closes each within 10 s (+ the guard's 1 s tick + the client's 1 s poll)
n=$(wc -l < "$T/closed")
[ "$n" -ge 70 ] && ok || fail "only $n slow connections were closed by the server"
long=$(awk '$1 > 14' "$T/closed" | wc -l)
assert_eq "slow connections open longer than the deadline" "$long" 0
assert_eq "healthz after" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/healthz")" 200
kill -TERM $pid; wait $pid; pid=
finish
