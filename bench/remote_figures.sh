#!/usr/bin/env bash
# A remote run's overhead: starts `tessera serve` on a loopback port with tiny SD1.5 from the
# reference data (CPU, fp32, 2 threads, as the in-process side), runs bench/remote_bench (the
# same graph alternately in-process and through app/remote), then stops the server.
#   bench/remote_figures.sh [BUILD_DIR] [remote_bench options, e.g. --runs 20 --steps 4 --size 64]
source "$(dirname "$0")/tiny_models_setup.sh"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build/app/tessera" serve --port 0 --models "$work/models" --input "$work/in" --output "$work/out" \
    --device cpu --precision fp32 --threads 2 >"$work/log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/log" && break; sleep 0.1; done
port="$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$work/log")"
[ -n "$port" ] || { cat "$work/log"; exit 1; }
echo "tessera serve on port $port ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$build/bench/remote_bench" "$port" "$server" --models "$work/models" "$@"
