#!/usr/bin/env bash
# Builds the test suite with AddressSanitizer + UndefinedBehaviorSanitizer (gcc) in its own build
# folder and runs every test that needs no full-size compute: core, io, mask, engine and nodes on
# the tiny models, cli, server, editor models, plugins, and the fuzz corpora replayed.
# Any finding fails the run (UBSan does not recover; ASan aborts at the first error).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${TESSERA_ASAN_BUILD_DIR:-build-asan}
JOBS=${JOBS:-$(nproc)}
FLAGS="-O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
# Unity batches as in scripts/test.sh (TESSERA_UNITY_BUILD=OFF: one translation unit per source).
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="$FLAGS" -DCMAKE_EXE_LINKER_FLAGS_SANITIZE="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS_SANITIZE="-fsanitize=address,undefined" \
  -DTESSERA_ALLOCATOR=system -DTESSERA_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD="${TESSERA_UNITY_BUILD:-ON}"
TARGETS=(core_tests engine_tests nodes_tests cli_tests server_tests editor_tests plugins_tests fuzz_replay tessera)
cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]}"

# Third-party libraries (libtorch, Qt, OpenMP) are not instrumented; their one-time allocations
# held until exit are not leaks of ours (tests/sanitizers/lsan.supp lists them by library).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/sanitizers/ubsan.supp"
export OMP_WAIT_POLICY=passive
# Full-size compute and the packaged install are left to the plain build; Qt Quick tests need the
# editor executable and its QML, which add nothing the editor-model tests do not cover here.
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" --timeout 900 \
  -L 'core|engine|nodes|cli|server|editor|plugins|fuzz' -LE 'package|qml'
