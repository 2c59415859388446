#!/usr/bin/env bash
# What a user sees for each bad input of issue 18 (resource guards, files changing underneath):
# runs the real `tessera` CLI on each and prints the last line it writes. Run by hand:
#   bench/bad_inputs.sh [build/app/tessera] [refdata folder]
set -u
TESSERA=${1:-build/app/tessera}
REFDATA=${2:-../shared/refdata}
WORK=$(mktemp -d /tmp/tessera-bad-inputs.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/models/checkpoints" "$WORK/input" "$WORK/output"
cp "$REFDATA/models/tiny-sd15.safetensors" "$WORK/models/checkpoints/"
export TESSERA_CLIP_VOCAB="$REFDATA/bpe_simple_vocab_16e6.txt.gz"

python3 - "$WORK/input" <<'PY'
import struct, sys, zlib
def png(path, w, h, idat=None):
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    if idat is None:
        z = zlib.compressobj(9); row = b'\0' * (1 + (w + 7) // 8)
        idat = b''.join(z.compress(row) for _ in range(h)) + z.flush()
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 1, 0, 0, 0, 0))
                           + chunk(b'IDAT', idat) + chunk(b'IEND', b''))
png(sys.argv[1] + '/100mp.png', 10000, 10000)                      # a real 100-megapixel image, 14 KiB
png(sys.argv[1] + '/bomb.png', 100000, 100000, idat=b'x\x9c\x03\x00') # a header claiming 10 gigapixels
png(sys.argv[1] + '/small.png', 64, 64)
PY

prompt() {  # writes an API prompt to $WORK/p.json
    cat > "$WORK/p.json"
}
run() {  # label, then extra environment assignments
    local label=$1; shift
    local out
    out=$(env "$@" "$TESSERA" run "$WORK/p.json" --models "$WORK/models" --input "$WORK/input" --output "$WORK/output" \
          --precision fp32 --quiet 2>&1)
    echo "rc=$? $label"
    echo "    $(echo "$out" | tail -n 1)"
}
latent_to_png() {  # width height batch
    prompt <<JSON
{"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "EmptyLatentImage", "inputs": {"width": $1, "height": $2, "batch_size": $3}},
 "3": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0], "vae": ["1", 2]}},
 "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "t"}}}
JSON
}
load_to_png() {  # image, width, height of an ImageScale after it
    prompt <<JSON
{"1": {"class_type": "LoadImage", "inputs": {"image": "$1"}},
 "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "bilinear", "width": $2, "height": $3, "crop": "disabled"}},
 "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "t"}}}
JSON
}

echo "machine: $(grep MemAvailable /proc/meminfo)"
latent_to_png 16384 16384 64; run "EmptyLatentImage 16384x16384 batch 64, TESSERA_MEMORY_LIMIT=1G" TESSERA_MEMORY_LIMIT=1G
latent_to_png 16384 16384 64; run "EmptyLatentImage 16384x16384 batch 64 -> VAEDecode, no limit"
latent_to_png 16384 16384 4096; run "EmptyLatentImage 16384x16384 batch 4096, no limit"
load_to_png 100mp.png 0 0; run "LoadImage of a 100-megapixel PNG, TESSERA_MEMORY_LIMIT=2G" TESSERA_MEMORY_LIMIT=2G
load_to_png bomb.png 0 0; run "LoadImage of a PNG whose header claims 100000x100000, no limit"
load_to_png small.png 8192 8192; run "ImageScale 64x64 -> 8192x8192, TESSERA_MEMORY_LIMIT=512M" TESSERA_MEMORY_LIMIT=512M
prompt <<'JSON'
{"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
 "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 4096, "height": 4096, "batch_size": 8}},
 "4": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["2", 0], "negative": ["2", 0], "latent_image": ["3", 0],
       "seed": 1, "steps": 1, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0}},
 "5": {"class_type": "VAEDecode", "inputs": {"samples": ["4", 0], "vae": ["1", 2]}},
 "6": {"class_type": "SaveImage", "inputs": {"images": ["5", 0], "filename_prefix": "t"}}}
JSON
run "KSampler on 8 latents of 4096x4096, TESSERA_MEMORY_LIMIT=4G" TESSERA_MEMORY_LIMIT=4G

latent_to_png 64 64 1
size=$(stat -c %s "$WORK/models/checkpoints/tiny-sd15.safetensors")
truncate -s $((size / 2)) "$WORK/models/checkpoints/tiny-sd15.safetensors"
run "checkpoint truncated to half its size"
truncate -s 100 "$WORK/models/checkpoints/tiny-sd15.safetensors"
run "checkpoint truncated to 100 bytes"
cp "$REFDATA/models/tiny-sd15.safetensors" "$WORK/models/checkpoints/"

load_to_png small.png 512 512
(trap '' XFSZ; ulimit -f 1; run "SaveImage with the disk full (files limited to 1 KiB: EFBIG, as ENOSPC)")
echo "    output folder after it: [$(ls -A "$WORK/output")]"

# Under `tessera serve`: the checkpoint is loaded (and mapped) by a first prompt, cut in half, then a
# second prompt needs it again; the server must answer it with an error and keep serving.
cp "$REFDATA/models/tiny-sd15.safetensors" "$WORK/models/checkpoints/"
python3 - "$TESSERA" "$WORK" <<'PY'
import json, os, socket, subprocess, sys, time, urllib.request
tessera, work = sys.argv[1:3]
ckpt = work + "/models/checkpoints/tiny-sd15.safetensors"
with socket.socket() as s:
    s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
server = subprocess.Popen([tessera, "serve", "--port", str(port), "--models", work + "/models", "--input", work + "/input",
                           "--output", work + "/output", "--precision", "fp32"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def call(route, body=None):
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{route}", data=data), timeout=120) as r:
        return json.loads(r.read() or b"{}")
def run(text):
    prompt = {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
              "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": text}},
              "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
              "4": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["2", 0], "negative": ["2", 0],
                    "latent_image": ["3", 0], "seed": 1, "steps": 2, "cfg": 7.0, "sampler_name": "euler",
                    "scheduler": "normal", "denoise": 1.0}},
              "5": {"class_type": "VAEDecode", "inputs": {"samples": ["4", 0], "vae": ["1", 2]}},
              "6": {"class_type": "SaveImage", "inputs": {"images": ["5", 0], "filename_prefix": "t"}}}
    pid = call("/prompt", {"prompt": prompt})["prompt_id"]
    for _ in range(1200):
        h = call("/history/" + pid)
        if pid in h:
            st = h[pid]["status"]
            errors = [m[1].get("exception_message", "") for m in st.get("messages", []) if m[0] == "execution_error"]
            return st["status_str"] + (": " + errors[0] if errors else "")
        time.sleep(0.1)
    return "timeout"
try:
    for _ in range(300):
        try:
            call("/system_stats"); break
        except OSError:
            time.sleep(0.1)
    first = run("a cat")
    os.truncate(ckpt, os.path.getsize(ckpt) // 2)
    print("rc=- serve: checkpoint truncated to half its size while loaded, then a prompt that needs it")
    print("    " + run("a dog"))
    print(f"    server still answers /system_stats: {'system' in call('/system_stats')}; first prompt: {first}")
finally:
    server.terminate(); server.wait(30)
PY
