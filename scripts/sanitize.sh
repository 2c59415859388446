#!/usr/bin/env bash
# Builds Tessera's code (core, nodes, app, plugins; not the test drivers) with AddressSanitizer +
# UndefinedBehaviorSanitizer (gcc) in its own build folder (build-asan) and runs the tests; any
# finding fails the run (UBSan does not recover; ASan aborts at the first error, LeakSanitizer at exit).
#   TESSERA_SANITIZE_SCOPE=full (default; what scripts/test.sh runs on every CI run): every test that
#     needs no full-size compute: core, io, mask, engine and nodes on the tiny models, cli, server,
#     editor models, plugins, and the fuzz corpora replayed.
#   TESSERA_SANITIZE_SCOPE=core: core_tests only, the engine-free code (graph model, executor, io
#     readers and writers, masks, sweeps, plugins' loader): a quick pass while working.
# -Og -g0 keeps the build short; findings still name functions (the symbol table). -Og against -O1:
# 583 job-seconds of build instead of 738 (the engine's largest batch 60 -> 39-42 CPU-s: fewer passes over
# libtorch's inline functions), for 505 process-seconds of tests instead of 491.
# The test drivers (tests/CMakeLists.txt) compile at -O0: they run little, and it saves a fifth of
# their compile time. So does Tessera's code that does no tensor work (CMakeLists.txt; -Og took 15 %
# longer to compile there). The engine and nodes stay at -Og: with everything at -O0 the build took
# 95 s less, but the tests 62 s more (engine, nodes and server tests a quarter longer).
# -fvisibility-inlines-hidden, for what is compiled at -O0: every process
# that loads libtorch also loads Qt 5 (Debian's libtorch_cpu needs OpenCV's highgui, which needs Qt 5
# Widgets), and Qt 5 binds its own calls to any Qt 6 inline function our code exports under the same
# name (QByteArray::append(const char*)), then crashes in its static initialisers; unoptimised code
# emits such functions out of line. Sources are unity-built one unit per target, as in scripts/test.sh.
# UBSan runs every check but its type-mismatch family (null, alignment, object-size), which GCC emits
# as one check at each access through a pointer or reference, libtorch's inlined code included: 25 %
# of an engine batch's compile (44.5 -> 33.2 CPU-s; vptr and pointer-overflow cost 1-2 s and stay).
# ASan reports what two of them would (a null dereference as a SEGV with its stack, an access past an
# object by its redzones); a misaligned typed access, which x86 performs, goes unreported.
# Tests run in GoogleTest shards (TESSERA_TEST_SHARDS, default 4): one process per test would pay
# libtorch's start-up, slower still under ASan, for every test.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${TESSERA_ASAN_BUILD_DIR:-build-asan}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-Og -g0 -fvisibility-inlines-hidden" \
  -DTESSERA_SANITIZE=address,undefined -DTESSERA_NO_SANITIZE=null,alignment,object-size \
  -DTESSERA_ALLOCATOR=system -DTESSERA_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD="${TESSERA_UNITY_BUILD:-ON}" \
  -DCMAKE_UNITY_BUILD_BATCH_SIZE=0 \
  -DTESSERA_TEST_SHARDS="${TESSERA_TEST_SHARDS:-4}" >/dev/null
case "${TESSERA_SANITIZE_SCOPE:-full}" in
  core|ci) TARGETS=(core_tests) LABELS='core' ;;
  full) TARGETS=(core_tests engine_tests nodes_tests cli_tests server_tests editor_tests plugins_tests fuzz_replay tessera)
        LABELS='core|engine|nodes|cli|server|editor|plugins|fuzz' ;;
  *) echo "sanitize.sh: TESSERA_SANITIZE_SCOPE is full or core" >&2; exit 2 ;;
esac
cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]}"
echo "[sanitize.sh] build done at ${SECONDS} s" >&2

# handle_sigbus=0: Tessera's own SIGBUS handler (a model file truncated under its mapping) is under
# test, and a SIGBUS outside its mappings must end the process by that signal, not by ASan's abort.
# allocator_may_return_null=1: an allocation too big for the machine fails as it does without ASan, so
# the node reports it (resource guards are under test).
# Third-party libraries (libtorch, Qt, OpenMP) are not instrumented; their one-time allocations
# held until exit are not leaks of ours (tests/sanitizers/lsan.supp lists them by library).
# quarantine_size_mb=32 (ASan's default is 256) and malloc_context_size=8 (default 30): most of a
# sanitized tiny pipeline's time went to faulting in fresh pages for tensors while freed ones sat in
# quarantine, and to unwinding 30 frames at every allocation; measured on one CLI test, 13.3 s with
# the defaults, 9.2-9.8 s with a 16-32 MiB quarantine and 3-8 frames (plain build: 3.4 s). A freed block still waits behind 32 MiB of
# later frees before reuse, and reports still show 8 frames of where it was allocated and freed.
export ASAN_OPTIONS="handle_sigbus=0:allocator_may_return_null=1:detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:quarantine_size_mb=32:malloc_context_size=8"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/sanitizers/ubsan.supp"
export OMP_WAIT_POLICY=passive
# Left to the plain build: the packaged install, the Qt Quick tests (they need the editor executable
# and its QML, which add nothing the editor-model tests do not cover here) and plain_only.txt
# (full-size compute, whole pipelines through spawned processes).
GTEST_FILTER="-$(bash scripts/plain_only_patterns.sh)"
export GTEST_FILTER
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" --timeout 900 -L "$LABELS" -LE 'package|qml'
