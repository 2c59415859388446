#!/usr/bin/env bash
# Prints the GoogleTest patterns of tests/sanitizers/plain_only.txt joined by ':', as GTEST_FILTER
# takes them: scripts/test.sh runs them in the plain build, scripts/sanitize.sh runs everything else.
set -euo pipefail
grep -v -e '^#' -e '^$' "$(dirname "$0")/../tests/sanitizers/plain_only.txt" | paste -sd:
