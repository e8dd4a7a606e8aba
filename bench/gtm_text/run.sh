#!/bin/sh
# run.sh: build bench_text.c against libsluice (a release build in build/)
# and run it. From the source tree: sh bench/gtm_text/run.sh
set -eu
cd "$(dirname "$0")/../.."
[ -f build/libsluice.a ] || { echo "build sluice first (build/libsluice.a)" >&2; exit 2; }
mods=$(awk '!/^#/ && $2 != "-" && $3 == "build" {print $2}' deps.txt)
cc -O2 -Isrc bench/gtm_text/bench_text.c build/libsluice.a $(pkg-config --cflags --libs $mods) -lphonenumber -lstdc++ -lpthread -lm -o /tmp/sluice_bench_text
/tmp/sluice_bench_text
