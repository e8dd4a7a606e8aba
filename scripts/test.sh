#!/bin/sh
# test.sh: the whole test suite, as the README's second command runs it.
#   1. installs what deps.txt lists (if missing),
#   2. builds and runs every test (unit, pipeline, CLI) in build/,
#   3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer in
#      build-asan/ and runs the suite there too,
#   4. builds the libFuzzer targets with clang and runs each briefly
#      (FUZZ_SECONDS, default 10; 0 skips them).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh tool build test
jobs=$(nproc 2>/dev/null || echo 2)

# Segment's official Node.js client, pinned (tests/segment/package-lock.json):
# t0106 and the events example send with it
(cd tests/segment && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

echo "== build and test (release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs" >/dev/null
(cd build && ctest --output-on-failure -j "$jobs")

echo "== build and test (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs" >/dev/null
# the crash tests (t0005, t0007; the chains of t0020, t0021) kill at random
# times: fewer kills keep the slower build in budget (CRASH_KILLS and
# CHAIN_KILLS: not KILLS, which would also raise the few kills of t0010 and t0011)
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 CRASH_KILLS=6 CHAIN_KILLS=24 STREAM_EVENTS=30000 STREAM_KILLS=3 \
   ctest --output-on-failure -j "$jobs")

# The fuzzers start from the checked-in seeds with a fixed random seed, so
# a run explores the same inputs in the same order on every machine (a slower
# machine explores a prefix); FUZZ_SEED=0 asks libFuzzer for a fresh seed.
if [ "${FUZZ_SECONDS:-10}" -gt 0 ]; then
  echo "== fuzz (${FUZZ_SECONDS:-10}s per target, seed ${FUZZ_SEED:-1})"
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF >/dev/null
  cmake --build build-fuzz -j "$jobs" >/dev/null
  for t in fuzz_csv fuzz_json fuzz_json_stream fuzz_config fuzz_jinja fuzz_normalize fuzz_spool fuzz_vexpr; do
    rm -rf build-fuzz/corpus/$t && mkdir -p build-fuzz/corpus/$t
    cp tests/fuzz/seeds/$t/* build-fuzz/corpus/$t/ 2>/dev/null || true
    build-fuzz/tests/fuzz/$t -seed="${FUZZ_SEED:-1}" -max_total_time="${FUZZ_SECONDS:-10}" -timeout=10 -max_len=4096 \
      build-fuzz/corpus/$t tests/fuzz/regressions/$t 2>build-fuzz/$t.log || { tail -40 build-fuzz/$t.log; exit 1; }
    echo "$t: $(grep -E '^Done' build-fuzz/$t.log | tail -1), no crash"
  done
fi
echo "== all tests passed"
