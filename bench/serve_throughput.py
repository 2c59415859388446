#!/usr/bin/env python3
"""Prompts per second through `tessera serve` for a graph whose every node but SaveImage is cached.

usage: serve_throughput.py PORT API_PROMPT.json [COUNT] [CLIENTS] [SERVER_PID]
(run by hand against a running server; with SERVER_PID its resident memory is shown before and after)
"""
import json, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

port, path = int(sys.argv[1]), sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 200
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 8
pid = sys.argv[5] if len(sys.argv) > 5 else None

def rss_mb():
    if not pid:
        return float("nan")
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
base = f"http://127.0.0.1:{port}"
prompt = json.load(open(path))

def call(route, body=None):
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(base + route, data=data), timeout=120) as r:
        return json.loads(r.read())

def drain(deadline):
    while call("/prompt")["exec_info"]["queue_remaining"] and time.time() < deadline:
        time.sleep(0.005)

call("/prompt", {"prompt": prompt})  # warm: loads the model, fills the cache
drain(time.time() + 120)
rss_before = rss_mb()
start = time.time()
with ThreadPoolExecutor(clients) as pool:
    ids = list(pool.map(lambda _: call("/prompt", {"prompt": prompt})["prompt_id"], range(count)))
drain(start + 300)
elapsed = time.time() - start
history = call("/history")
done = sum(1 for i in ids if history.get(i, {}).get("status", {}).get("status_str") == "success")
print(f"{done}/{count} prompts succeeded in {elapsed:.2f} s: {count / elapsed:.1f} prompts/s, "
      f"{1000 * elapsed / count:.2f} ms per prompt (cached graph + one PNG written), {clients} clients; "
      f"RSS {rss_before:.0f} -> {rss_mb():.0f} MiB")
