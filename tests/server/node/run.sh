#!/usr/bin/env bash
# ctest entry: installs the pinned client library (package-lock.json) and runs the Node test.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node / npm not found: skipping the ComfyUI client library test"
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
flags=()
node -e 'process.exit(typeof WebSocket === "undefined" ? 0 : 1)' && flags+=(--experimental-websocket)
exec node "${flags[@]}" --test serve_client.test.mjs
