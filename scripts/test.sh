#!/usr/bin/env bash
# Builds Tessera and runs the whole test suite (what CI runs): every test once.
#  - The plain build (build/: what ships) runs what only it can: the .deb installed and run, the Qt
#    Quick tests and editor smoke test, and the tests in tests/sanitizers/plain_only.txt (full-size
#    compute, whole pipelines through spawned `tessera` processes).
#  - The sanitizer pass (scripts/sanitize.sh: Tessera's code built with ASan + UBSan in build-asan)
#    runs every other test; a finding fails the run.
# TESSERA_SANITIZE=0 skips the sanitizer pass and runs every test in the plain build instead;
# TESSERA_SANITIZE_SCOPE=core runs every test in the plain build and only core_tests sanitized.
set -euo pipefail
cd "$(dirname "$0")/.."
# Where CI's time goes (README, "CI time"): seconds since the start after each phase.
phase() { echo "[test.sh] $1 at ${SECONDS} s" >&2; }
bash scripts/install-deps.sh
phase "dependencies installed"
export CCACHE_BASEDIR="$PWD" CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
export QT_QPA_PLATFORM=offscreen
# Tests run two at a time and start servers of their own: libgomp threads must not spin on shared cores.
export OMP_WAIT_POLICY=passive
BUILD=${TESSERA_BUILD_DIR:-build}
# Unity batches (CMake's UNITY_BUILD: 8 sources per translation unit) compile the tree in about half
# the CPU time of one unit per source: libtorch's and Qt's headers are parsed once per batch. CI's
# builds take all of a target's sources in one unit (batch size 0): most of a batch's time is code
# generation for the libtorch inline functions each batch instantiates anew (engine and nodes: 207 CPU-s
# at 8 a batch, 154 at 32; the plain build 594 CPU-s at 32, 510 in one unit per target, the sanitized
# one about 700 and 622); developers keep 8, so that an edit recompiles a quarter as much.
# CI's settings for a new build folder (README, "CI time"): -O2 (the code the goldens were made with)
# without debug info, which saves a quarter to a half of the compile CPU with libtorch's headers;
# and each test executable run as 4 GoogleTest shards instead of one process per test,
# since a process loading libtorch costs about 0.9 CPU-seconds to start. A folder configured before
# keeps its settings (scripts/start.sh's RelWithDebInfo, `ctest -R` per test): no forced rebuild.
SANITIZE=${TESSERA_SANITIZE:-1}
SPLIT=0  # 1: the plain build runs only what the sanitized build leaves to it
[ "$SANITIZE" != 1 ] || [ "${TESSERA_SANITIZE_SCOPE:-full}" != full ] || SPLIT=1
CI_ARGS=()
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CI_ARGS=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DTESSERA_TEST_SHARDS=4
           -DCMAKE_UNITY_BUILD_BATCH_SIZE=0)
  # A new folder beside the sanitizer pass builds only the test areas the plain run needs, and no
  # benchmarks (run by hand; every developer build compiles them).
  [ "$SPLIT" != 1 ] || CI_ARGS+=(-DTESSERA_TEST_AREAS="fullsize;cli;qml;server" -DTESSERA_TEST_SHARDS_server=1 -DTESSERA_BUILD_BENCH=OFF)
fi
[ -z "${TESSERA_BUILD_TYPE:-}" ] || CI_ARGS+=(-DCMAKE_BUILD_TYPE="$TESSERA_BUILD_TYPE")
[ -z "${TESSERA_TEST_SHARDS:-}" ] || CI_ARGS+=(-DTESSERA_TEST_SHARDS="$TESSERA_TEST_SHARDS")
cmake -S . -B "$BUILD" -G Ninja "${CI_ARGS[@]}" -DCMAKE_UNITY_BUILD="${TESSERA_UNITY_BUILD:-ON}"
cmake --build "$BUILD" -j"$(nproc)"
phase "plain build done"
if [ "$SPLIT" = 1 ]; then
  GTEST_FILTER="$(bash scripts/plain_only_patterns.sh)" ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 900
else
  ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 900
fi
phase "plain tests done"
[ "$SANITIZE" != 1 ] || { bash scripts/sanitize.sh; phase "sanitizer build and tests done"; }
