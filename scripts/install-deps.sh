#!/bin/sh
# install-deps.sh: install every Debian package listed in deps.txt that is missing.
# Usage: scripts/install-deps.sh [ROLE...]   (default: tool build test)
# Runs apt-get only when something is missing, so it is cheap to call every time.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
roles=${*:-tool build test}
want=""
for role in $roles; do
  want="$want $(awk -v r="$role" '!/^#/ && NF>=3 && $3==r {print $1}' "$here/deps.txt")"
done
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
  # a nodejs built elsewhere (NodeSource's) ships npm itself and conflicts with Debian's npm package
  [ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
  missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing" >&2
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
