# lib.sh: helpers for the numbered CLI tests (sourced). Each test runs the
# real `sluice` binary ($SLUICE) in a fresh temporary project folder.
set -eu
: "${SLUICE:?set SLUICE to the sluice binary}"
: "${SRC:?set SRC to the source tree}"
T=$(mktemp -d /tmp/sluice-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
fails=0
checks=0
ok() { checks=$((checks + 1)); }
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# assert_eq WHAT GOT WANT
assert_eq() {
  if [ "$2" = "$3" ]; then ok; else fail "$1: got [$2], want [$3]"; fi
}
# assert_exit WANT CMD...: run CMD, compare its exit status
assert_exit() {
  want=$1; shift
  set +e; "$@" >"$T/out" 2>"$T/err"; got=$?; set -e
  if [ "$got" = "$want" ]; then ok; else fail "exit of '$*': got $got, want $want; stderr: $(head -c 400 "$T/err")"; fi
}
assert_contains() {
  if grep -qF -- "$2" "$3"; then ok; else fail "$1: '$2' not in $3: $(head -c 400 "$3")"; fi
}
# q DB SQL: query a database like any client would, waiting up to 10 s for
# a lock (a reader in WAL mode can meet a connection that briefly holds one)
q() { sqlite3 -cmd ".timeout 10000" "$1" "$2"; }
finish() {
  if [ "$fails" -ne 0 ]; then echo "$fails of $checks checks failed" >&2; exit 1; fi
  echo "$checks checks passed"
}
# free_port: a TCP port on 127.0.0.1 that nothing listens on now, chosen
# below the kernel's ephemeral range: a port the kernel hands out (bind to
# port 0) can be taken by another test's outgoing connection before our
# server binds it (CI saw a daemon of t0015 fail to start that way)
free_port() {
  python3 -c '
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
while True:
    port = random.randrange(10000, lo)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
'
}
# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds; 1 on timeout
wait_for() {
  limit=$(( $1 * 10 )); shift; n=0
  while ! "$@" >/dev/null 2>&1; do n=$((n + 1)); [ "$n" -ge "$limit" ] && return 1; sleep 0.1; done
}
# http METHOD URL [curl args...]: status code on stdout, body in $T/body
http() {
  m=$1; u=$2; shift 2
  curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "$u"
}
