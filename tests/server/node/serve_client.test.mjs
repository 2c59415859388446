// `tessera serve` driven by a published ComfyUI client library (@stable-canvas/comfyui-client).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@stable-canvas/comfyui-client";

const binary = process.env.TESSERA_CLI_BINARY;
const refdata = process.env.TESSERA_REFDATA;

function modelsDir(root) {
  const dir = path.join(root, "models");
  mkdirSync(path.join(dir, "checkpoints"), { recursive: true });
  mkdirSync(path.join(dir, "tokenizers"), { recursive: true });
  symlinkSync(path.join(refdata, "models/tiny-sd15.safetensors"), path.join(dir, "checkpoints/tiny-sd15.safetensors"));
  symlinkSync(path.join(refdata, "bpe_simple_vocab_16e6.txt.gz"), path.join(dir, "tokenizers/bpe_simple_vocab_16e6.txt.gz"));
  return dir;
}

function startServer(root) {
  const child = spawn(binary, ["serve", "--listen", "127.0.0.1", "--port", "0", "--models", modelsDir(root),
    "--input", path.join(root, "input"), "--output", path.join(root, "output")], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("tessera serve did not start: " + err)), 30000);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`tessera serve exited ${code}: ${err}`)); });
  });
}

const prompt = {
  "1": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "tiny-sd15.safetensors" } },
  "2": { class_type: "CLIPTextEncode", inputs: { clip: ["1", 1], text: "a cat" } },
  "3": { class_type: "CLIPTextEncode", inputs: { clip: ["1", 1], text: "blurry" } },
  "4": { class_type: "EmptyLatentImage", inputs: { batch_size: 1, height: 64, width: 64 } },
  "5": { class_type: "KSampler", inputs: { cfg: 7.0, denoise: 1.0, latent_image: ["4", 0], model: ["1", 0],
    negative: ["3", 0], positive: ["2", 0], sampler_name: "euler", scheduler: "normal", seed: 42, steps: 2 } },
  "6": { class_type: "VAEDecode", inputs: { samples: ["5", 0], vae: ["1", 2] } },
  "7": { class_type: "SaveImage", inputs: { filename_prefix: "node-client", images: ["6", 0] } },
};

test("a ComfyUI client library runs a prompt on tessera serve", { timeout: 120000 }, async (t) => {
  if (!binary || !refdata) return t.skip("TESSERA_CLI_BINARY / TESSERA_REFDATA not set");
  if (typeof WebSocket === "undefined") return t.skip("this node has no WebSocket (needs node >= 22 or --experimental-websocket)");
  const root = mkdtempSync(path.join(tmpdir(), "tessera-node-"));
  const { child, port } = await startServer(root);
  try {
    const client = new Client({ api_host: `127.0.0.1:${port}`, clientId: "node-client", WebSocket, fetch });
    const stats = await client.getSystemStats();
    assert.ok(stats.devices.length >= 1);
    const defs = await client.getNodeDefs();
    assert.ok(defs.KSampler.input.required.sampler_name[0].includes("euler"));

    client.connect();
    let previews = 0;
    client.on("b_preview", () => previews++);
    const progress = [];
    const result = await client.enqueue(prompt, { disable_random_seed: true, progress: (p) => progress.push(p), timeout_ms: 90000 });
    assert.ok(result.prompt_id);
    // The library also keeps the preview frames as "buff" images; the saved PNG comes as a /view URL.
    const image = result.images.find((i) => i.type === "url");
    assert.ok(image, "the SaveImage output: " + JSON.stringify(result.images.map((i) => i.type)));
    assert.match(image.data, /\/view\?/);
    const bytes = new Uint8Array(await (await fetch(image.data)).arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47], "a PNG");
    assert.ok(progress.some((p) => p.max === 2), "progress events for the 2 sampler steps");
    assert.ok(previews >= 1, "binary preview frames reached the client");
    const history = await (await fetch(`http://127.0.0.1:${port}/history/${result.prompt_id}`)).json();
    assert.equal(history[result.prompt_id].status.status_str, "success");
    client.close();
  } finally {
    child.kill("SIGTERM");
  }
});
