#!/usr/bin/env bash
# ctest entry: installs the pinned client library (package-lock.json) and runs the Node test.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node / npm not found: skipping the ComfyUI client library test"
  exit 0
fi
if ! npm ci --no-audit --no-fund --loglevel=error; then
  if ! timeout 20 npm ping >/dev/null 2>&1; then
    echo "the npm registry cannot be reached: skipping the ComfyUI client library test"
    exit 0
  fi
  exit 1
fi
flags=()
node -e 'process.exit(typeof WebSocket === "undefined" ? 0 : 1)' && flags+=(--experimental-websocket)
exec node "${flags[@]}" --test serve_client.test.mjs
