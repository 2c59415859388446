#!/usr/bin/env bash
# Builds Tessera and runs the whole test suite (what CI runs), then the sanitizer pass
# (scripts/sanitize.sh: ASan + UBSan build of the tests; TESSERA_SANITIZE=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
export QT_QPA_PLATFORM=offscreen
BUILD=${TESSERA_BUILD_DIR:-build}
CONFIG=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${CI:-}" = true ]; then
  # A clean checkout compiles everything once: unity batches parse libtorch's headers once per
  # batch instead of once per file, and no debug information is written.
  CONFIG=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DCMAKE_UNITY_BUILD=ON)
  export TESSERA_UNITY_BUILD=ON
fi
cmake -S . -B "$BUILD" -G Ninja "${CONFIG[@]}"
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 900
if [ "${TESSERA_SANITIZE:-1}" != 0 ]; then
  bash scripts/sanitize.sh
fi
