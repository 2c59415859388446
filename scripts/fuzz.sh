#!/usr/bin/env bash
# Fuzzes every libFuzzer target (tests/fuzz) for SECONDS each (default 60), with clang's libFuzzer
# (Debian: clang libfuzzer-14-dev), starting from the seed corpus in the tree. New interesting
# inputs go to build-fuzz/corpus/<target>/, crashes to build-fuzz/findings/<target>/; a finding is
# then copied into tests/fuzz/corpus/<target>/ by hand, so fuzz_replay checks it on every CI run.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]; FUZZ_RUNS=1000000 stops each target after that many
# executions instead (SECONDS still bounds it); FUZZ_JOBS=1 builds with one job (a shared machine).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${TESSERA_FUZZ_BUILD_DIR:-build-fuzz}
SECS=${1:-60}
shift || true
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz.sh: clang's libFuzzer is not installed (apt-get install clang libfuzzer-14-dev); nothing fuzzed"
  exit 0
fi
CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_BUILD_FUZZ=ON \
  -DTESSERA_BUILD_BENCH=OFF -DTESSERA_ALLOCATOR=system -DCMAKE_UNITY_BUILD=ON >/dev/null
TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
  TARGETS=($(cd tests/fuzz/corpus && ls) pickle)
fi
cmake --build "$BUILD" -j"${FUZZ_JOBS:-$(nproc)}" --target "${TARGETS[@]/#/fuzz_}"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
printf '%-16s %12s %10s %8s\n' target executions exec/s findings
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$t" "$BUILD/findings/$t"
  log="$BUILD/findings/$t.log"
  seeds="tests/fuzz/corpus/$t"
  if [ "$t" = pickle ]; then seeds=tests/fixtures/pickle; fi
  "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECS" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$BUILD/findings/$t/" "$BUILD/corpus/$t" "$seeds" >"$log" 2>&1 || true
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  if [ -z "$execs" ]; then execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#'); fi
  rate=$(grep -oE 'exec/s: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  printf '%-16s %12s %10s %8s\n' "$t" "${execs:-0}" "$rate" "$(ls "$BUILD/findings/$t" | wc -l)"
done
