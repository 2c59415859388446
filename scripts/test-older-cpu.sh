#!/usr/bin/env bash
# Runs the engine's kernel and golden tests on an emulated x86-64 CPU without AVX (QEMU's Nehalem), by
# hand: what no machine of ours runs natively. There the plain-loop kernels take their `default` clones
# (SSE2), Winograd multiplies by OpenBLAS, attention takes the chunked path, float16 widens without F16C,
# and libtorch, OpenBLAS and oneDNN pick their SSE kernels, all against float64 and the refdata goldens.
# About a minute of emulation for 60 tests; needs qemu-user (Debian 12: apt-get install qemu-user).
# TESSERA_EMULATED_CPU picks another model (`qemu-x86_64 -cpu help`); extra arguments go to GoogleTest.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v qemu-x86_64 >/dev/null || { echo "needs qemu-x86_64: apt-get install qemu-user" >&2; exit 2; }
BUILD=${TESSERA_BUILD_DIR:-build}
cmake --build "$BUILD" --target engine_tests
TESTS=(
  'FusedOps.*' 'FusedCpuAttention.*' 'Attention.*' 'WinogradProducts.*' 'WinogradKernels.*'
  'WinogradConv.MatchesTheConvolutionInFloat64*' 'WinogradConv.FewTiles*' 'WinogradConv.AnyInput*'
  'WinogradConv.Infinities*' 'UpsampleConv.*' 'Vae.*' 'UNet.*' 'Taesd*'
)
FILTER=$(IFS=:; echo "${TESTS[*]}")
exec qemu-x86_64 -cpu "${TESSERA_EMULATED_CPU:-Nehalem}" "$BUILD/tests/engine_tests" --gtest_filter="$FILTER" "$@"
