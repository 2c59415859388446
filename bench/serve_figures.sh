#!/usr/bin/env bash
# The server's figures in one go: starts `tessera serve` on a loopback port with tiny SD1.5 from
# the reference data (fresh input/output folders), runs bench/serve_bench (overhead per prompt,
# sampler step -> preview frame, prompts/s for a cached graph, server CPU per prompt) and
# bench/serve_throughput.py (the same cached graph from Python), then stops the server.
#   bench/serve_figures.sh [BUILD_DIR] [extra `tessera serve` options, e.g. --threads 1]
source "$(dirname "$0")/tiny_models_setup.sh"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build/app/tessera" serve --port 0 --models "$work/models" --input "$work/in" --output "$work/out" "$@" >"$work/log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/log" && break; sleep 0.1; done
port="$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$work/log")"
[ -n "$port" ] || { cat "$work/log"; exit 1; }
echo "tessera serve on port $port ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$build/bench/serve_bench" "$port" --prompts 1000 --clients 8 --steps 10 --size 256 --pid "$server"
python3 - "$work/prompt.json" <<'PY'
import json, sys
prompt = {
 "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
 "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
 "4": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
 "5": {"class_type": "KSampler", "inputs": {"cfg": 7.0, "denoise": 1.0, "latent_image": ["4", 0], "model": ["1", 0],
       "negative": ["3", 0], "positive": ["2", 0], "sampler_name": "euler", "scheduler": "normal", "seed": 1, "steps": 1}},
 "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
 "7": {"class_type": "SaveImage", "inputs": {"filename_prefix": "py", "images": ["6", 0]}}}
json.dump(prompt, open(sys.argv[1], "w"))
PY
python3 "$root/bench/serve_throughput.py" "$port" "$work/prompt.json" 1000 8 "$server"
echo "output files: $(ls "$work/out" | wc -l)"
