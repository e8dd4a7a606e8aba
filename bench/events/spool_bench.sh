#!/bin/sh
# spool_bench.sh: build spool_bench.c against libsluice (a release build in
# build/) and run it: sh bench/events/spool_bench.sh [spool_bench options]
set -eu
cd "$(dirname "$0")/../.."
[ -f build/libsluice.a ] || { echo "build sluice first (build/libsluice.a)" >&2; exit 2; }
mods=$(awk '!/^#/ && $2 != "-" && $3 == "build" {print $2}' deps.txt)
cc -O2 -Isrc bench/events/spool_bench.c build/libsluice.a $(pkg-config --cflags --libs $mods) -lphonenumber -lstdc++ -lpthread -lm -o /tmp/sluice_spool_bench
/tmp/sluice_spool_bench "$@"
