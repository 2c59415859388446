#!/usr/bin/env python3
"""Soak test of `tessera serve` (issue 18, part 5): the tiny txt2img pipeline N times in a row, every
5th run interrupted mid-sampling and every 7th failing in a node (a LoadImage of a PNG whose header
claims 100000x100000, refused before decoding). Reports the server's resident memory, open file
descriptors and threads after the first 50 runs and at the end. Run by hand (not a timed test):

    bench/soak.py [--runs 1000] [--free-every N] [--tessera build/app/tessera] [--refdata ../shared/refdata]
"""
import argparse, json, os, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.request, zlib

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=1000)
ap.add_argument("--tessera", default="build/app/tessera")
ap.add_argument("--refdata", default="../shared/refdata")
ap.add_argument("--free-every", type=int, default=0,
                help="POST /free every N runs: every run has a new seed, so the executor's cache (8 GiB budget) "
                     "otherwise keeps each run's latents and images, which is growth but no leak")
args = ap.parse_args()

work = tempfile.mkdtemp(prefix="tessera-soak.")
for d in ("models/checkpoints", "input", "output"):
    os.makedirs(os.path.join(work, d))
os.symlink(os.path.abspath(os.path.join(args.refdata, "models/tiny-sd15.safetensors")),
           os.path.join(work, "models/checkpoints/tiny-sd15.safetensors"))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open(os.path.join(work, "input/bomb.png"), "wb").write(
    b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 1, 0, 0, 0, 0)) +
    chunk(b"IDAT", b"x\x9c\x03\x00") + chunk(b"IEND", b""))

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
env = dict(os.environ, TESSERA_CLIP_VOCAB=os.path.abspath(os.path.join(args.refdata, "bpe_simple_vocab_16e6.txt.gz")))
server = subprocess.Popen([args.tessera, "serve", "--port", str(port), "--models", work + "/models", "--input",
                           work + "/input", "--output", work + "/output", "--precision", "fp32"],
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f"http://127.0.0.1:{port}"

def call(route, body=None):
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(base + route, data=data), timeout=120) as r:
        return json.loads(r.read() or b"{}")

def txt2img(seed, steps):
    return {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
            "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
            "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
            "4": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["2", 0], "negative": ["2", 0],
                  "latent_image": ["3", 0], "seed": seed, "steps": steps, "cfg": 7.0, "sampler_name": "euler",
                  "scheduler": "normal", "denoise": 1.0}},
            "5": {"class_type": "VAEDecode", "inputs": {"samples": ["4", 0], "vae": ["1", 2]}},
            "6": {"class_type": "SaveImage", "inputs": {"images": ["5", 0], "filename_prefix": "soak"}}}

BAD = {"1": {"class_type": "LoadImage", "inputs": {"image": "bomb.png"}},
       "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "soak"}}}

def process():
    status = open(f"/proc/{server.pid}/status").read().split("\n")
    field = lambda k: int(next(l for l in status if l.startswith(k)).split()[1])
    return {"rss_mib": field("VmRSS:") / 1024, "fds": len(os.listdir(f"/proc/{server.pid}/fd")), "threads": field("Threads:")}

def wait_done(pid, deadline=120):
    end = time.time() + deadline
    while time.time() < end:
        h = call("/history/" + pid)
        if pid in h:
            return h[pid]["status"]["status_str"]
        time.sleep(0.01)
    return "timeout"

try:
    for _ in range(1200):  # a loaded machine can take a minute to start the server
        try:
            call("/prompt")
            break
        except OSError:
            time.sleep(0.1)
    counts, marks, start = {}, {}, time.time()
    for i in range(1, args.runs + 1):
        if i % 7 == 0:
            kind, prompt = "error", BAD
        elif i % 5 == 0:
            kind, prompt = "cancel", txt2img(i, 200)
        else:
            kind, prompt = "ok", txt2img(i, 2)
        pid = call("/prompt", {"prompt": prompt})["prompt_id"]
        if kind == "cancel":
            time.sleep(0.05)
            call("/interrupt", {})
        status = wait_done(pid)
        counts[(kind, status)] = counts.get((kind, status), 0) + 1
        if args.free_every and i % args.free_every == 0:
            call("/free", {})
        if i in (50, args.runs) or i % 100 == 0:
            marks[i] = process()
            m = marks[i]
            print(f"{i:5d} runs {time.time() - start:6.0f} s: RSS {m['rss_mib']:.1f} MiB, {m['fds']} fds, {m['threads']} threads",
                  flush=True)
    elapsed = time.time() - start
finally:
    server.terminate()
    server.wait(30)
    shutil.rmtree(work, ignore_errors=True)

print(f"{args.runs} runs in {elapsed:.0f} s: " + ", ".join(f"{k}->{s}: {n}" for (k, s), n in sorted(counts.items())))
first, last = marks[50], marks[args.runs]
print(f"after 50 runs: RSS {first['rss_mib']:.1f} MiB, {first['fds']} fds, {first['threads']} threads")
print(f"after {args.runs} runs: RSS {last['rss_mib']:.1f} MiB ({100 * (last['rss_mib'] / first['rss_mib'] - 1):+.1f} %), "
      f"{last['fds']} fds, {last['threads']} threads")
