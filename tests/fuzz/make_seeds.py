#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from files in the tree and
small hand-made files: valid inputs of every flavour, plus the hostile ones each parser must refuse.
Needs only python3 and numpy. Images other than PNG/BMP (JPEG, WebP, TIFF) were written once by
OpenCV's imwrite and are kept as they are (image_decode/*.jpg|webp|tiff). Run from the repo root."""
import io, json, os, shutil, struct, zipfile, zlib
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests/fuzz/corpus")


def out(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def example_bundles():
    d = os.path.join(ROOT, "resources/examples")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".tessera"))


# ---- graph_json: the examples' graphs, and damaged variants
def graph_json():
    graphs = []
    for path in example_bundles():
        with zipfile.ZipFile(path) as z:
            g = z.read("graph.json")
        graphs.append(g)
        out("graph_json", os.path.basename(path).replace(".tessera", ".json"), g)
    g = json.loads(graphs[0])
    g2 = json.loads(graphs[0]); g2["links"] = g2.get("links", []) + [[999, 1, 0, 999, 0, "IMAGE"]]
    out("graph_json", "dangling-link.json", json.dumps(g2))
    out("graph_json", "truncated.json", graphs[0][: len(graphs[0]) // 2])
    out("graph_json", "deep-nesting.json", "[" * 5000 + "]" * 5000)
    out("graph_json", "huge-numbers.json", '{"nodes":[{"id":1e400,"type":"KSampler","widgets":{"seed":18446744073709551616}}]}')


# ---- comfyui_import: the published workflows corpus and the core test data
def comfyui_import():
    for d in ("tests/cli/data/comfyui_corpus", "tests/core/data"):
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.endswith(".json"):
                shutil.copy(os.path.join(ROOT, d, f), os.path.join(CORPUS, "comfyui_import", f))


# ---- png_text: PNGs carrying graphs in tEXt / zTXt / iTXt, and broken chunks
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, pixels_rgb8, extra_chunks=(), bit_depth=8, colour=2):
    raw = b"".join(b"\0" + pixels_rgb8[y] for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(extra_chunks) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def rgb_rows(w, h, channels=3, dtype=np.uint8):
    a = (np.arange(w * h * channels).reshape(h, w, channels) * 37 % 251).astype(dtype)
    if dtype == np.uint16:
        a = a.astype(">u2") * 257
    return [a[y].tobytes() for y in range(h)]


def png_text():
    with zipfile.ZipFile(example_bundles()[0]) as z:
        workflow = z.read("graph.json")
    prompt = open(os.path.join(ROOT, "tests/core/data/comfyui_img2img_prompt.json"), "rb").read()
    ui = open(os.path.join(ROOT, "tests/core/data/comfyui_img2img_workflow.json"), "rb").read()
    rows = rgb_rows(4, 4)
    out("png_text", "tessera-text.png", png(4, 4, rows, [chunk(b"tEXt", b"tessera\0" + workflow)]))
    out("png_text", "comfy-text.png", png(4, 4, rows, [chunk(b"tEXt", b"prompt\0" + prompt), chunk(b"tEXt", b"workflow\0" + ui)]))
    out("png_text", "comfy-ztxt.png", png(4, 4, rows, [chunk(b"zTXt", b"workflow\0\0" + zlib.compress(ui))]))
    out("png_text", "comfy-itxt.png", png(4, 4, rows, [chunk(b"iTXt", b"prompt\0\1\0en\0\0" + zlib.compress(prompt))]))
    out("png_text", "bad-crc.png", png(4, 4, rows, [chunk(b"tEXt", b"prompt\0" + prompt)[:-4] + b"\0\0\0\0"]))
    out("png_text", "ztxt-bomb.png", png(4, 4, rows, [chunk(b"zTXt", b"workflow\0\0" + zlib.compress(b" " * (65 << 20), 9))]))
    out("png_text", "huge-length.png", b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 0x7FFFFFFF) + b"tEXtprompt\0{")


# ---- bundle: the examples, and hostile archives
def zip_of(entries, compression=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            z.writestr(info, data)
    return b.getvalue()


def bundle():
    for path in example_bundles():
        shutil.copy(path, os.path.join(CORPUS, "bundle", os.path.basename(path)))
    with zipfile.ZipFile(example_bundles()[0]) as z:
        g = z.read("graph.json")
    out("bundle", "dot-dot.zip", zip_of([("graph.json", g), ("inputs/../../evil.png", b"x")]))
    out("bundle", "absolute.zip", zip_of([("graph.json", g), ("/etc/evil", b"x")]))
    out("bundle", "backslash.zip", zip_of([("graph.json", g), ("inputs\\..\\evil.png", b"x")]))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out("bundle", "duplicate.zip", zip_of([("graph.json", g), ("graph.json", b"{}")]))
    out("bundle", "no-graph.zip", zip_of([("inputs/a.png", b"x")]))
    out("bundle", "stored.zip", zip_of([("graph.json", g)], zipfile.ZIP_STORED))
    zero = b"\0" * (300 << 20)
    out("bundle", "bomb.zip", zip_of([("graph.json", g), ("inputs/a.png", zero), ("inputs/b.png", zero)]))
    full = zip_of([("graph.json", g)])
    out("bundle", "truncated.zip", full[: len(full) - 30])


# ---- safetensors / lora: small containers
def safetensors(tensors, metadata=None, header_override=None):
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    h = (header_override or json.dumps(header)).encode()
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def f32(*shape):
    return ("F32", list(shape), (np.arange(int(np.prod(shape))) % 7 * 0.01).astype("<f4").tobytes())


def f16(*shape):
    return ("F16", list(shape), (np.arange(int(np.prod(shape))) % 5 * 0.1).astype("<f2").tobytes())


def safetensors_seeds():
    out("safetensors", "small.safetensors", safetensors({"a": f32(2, 3), "b": f16(4), "i": ("I64", [2], struct.pack("<qq", 0, 1))},
                                                      {"format": "pt"}))
    out("safetensors", "overlap.safetensors", safetensors({}, header_override=json.dumps(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})) + b"\0" * 12)
    out("safetensors", "past-end.safetensors", safetensors({}, header_override=json.dumps(
        {"a": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}})) + b"\0" * 16)
    out("safetensors", "bad-header-length.safetensors", struct.pack("<Q", 1 << 62) + b"{}")
    out("safetensors", "shape-overflow.safetensors", safetensors({}, header_override=json.dumps(
        {"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 4], "data_offsets": [0, 0]}})))


def lora_seeds():
    r = 2
    kohya = {}
    for module, (o, i) in {"lora_unet_input_blocks_1_1_proj_in": (32, 32),
                           "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q": (32, 32),
                           "lora_te_text_model_encoder_layers_0_self_attn_q_proj": (64, 64)}.items():
        kohya[module + ".lora_up.weight"] = f16(o, r)
        kohya[module + ".lora_down.weight"] = f16(r, i)
        kohya[module + ".alpha"] = ("F32", [], struct.pack("<f", 1.0))
    out("lora", "kohya.safetensors", safetensors(kohya))
    locon = {"lora_unet_input_blocks_1_0_in_layers_2.lora_up.weight": f16(32, r, 1, 1),
             "lora_unet_input_blocks_1_0_in_layers_2.lora_mid.weight": f16(r, r, 3, 3),
             "lora_unet_input_blocks_1_0_in_layers_2.lora_down.weight": f16(r, 32, 1, 1)}
    out("lora", "locon.safetensors", safetensors(locon))
    peft = {"unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight": f32(r, 32),
            "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_B.weight": f32(32, r)}
    out("lora", "peft.safetensors", safetensors(peft))
    out("lora", "up-without-down.safetensors", safetensors({"lora_unet_input_blocks_1_1_proj_in.lora_up.weight": f16(32, r)}))
    out("lora", "rank-mismatch.safetensors", safetensors({"lora_unet_input_blocks_1_1_proj_in.lora_up.weight": f16(32, 3),
                                                          "lora_unet_input_blocks_1_1_proj_in.lora_down.weight": f16(2, 32)}))


# ---- image_decode: PNG flavours and BMP written here (the OpenCV-written ones are kept as they are)
def bmp(w, h):
    row = (w * 3 + 3) & ~3
    pixels = b"".join(bytes((x * 40 + y) % 256 for x in range(w * 3)).ljust(row, b"\0") for y in range(h))
    return (b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) +
            struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0) + pixels)


def image_seeds():
    out("image_decode", "rgb8.png", png(5, 3, rgb_rows(5, 3)))
    out("image_decode", "rgba8.png", png(5, 3, rgb_rows(5, 3, 4), colour=6))
    out("image_decode", "grey8.png", png(5, 3, rgb_rows(5, 3, 1), colour=0))
    out("image_decode", "rgb16.png", png(5, 3, rgb_rows(5, 3, 3, np.uint16), bit_depth=16))
    out("image_decode", "rgb.bmp", bmp(5, 3))
    out("image_decode", "truncated.png", png(5, 3, rgb_rows(5, 3))[:40])
    out("image_decode", "empty.png", b"")
    # IHDR promising 20000x20000 pixels over a few bytes of data.
    out("image_decode", "huge-dims.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)) +
        chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    # The OpenCV-written JPEG with an EXIF APP1 segment saying "rotate 90" (orientation 6).
    jpg = open(os.path.join(CORPUS, "image_decode", "q90.jpg"), "rb").read()
    tiff = b"II*\0" + struct.pack("<IH", 8, 1) + struct.pack("<HHII", 0x0112, 3, 1, 6) + struct.pack("<I", 0)
    app1 = b"Exif\0\0" + tiff
    out("image_decode", "exif-rotated.jpg", jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpg[2:])


# ---- server_bodies: Content-Type line, then the body
def server_seeds():
    prompt = json.load(open(os.path.join(ROOT, "tests/core/data/comfyui_img2img_prompt.json")))
    out("server_bodies", "prompt.txt", "application/json\n" + json.dumps({"prompt": prompt, "client_id": "c"}))
    out("server_bodies", "prompt-partial.txt", "application/json\n" + json.dumps({"prompt": prompt, "partial_execution_targets": ["9"]}))
    out("server_bodies", "prompt-not-object.txt", "application/json\n" + json.dumps({"prompt": [1, 2, 3]}))
    out("server_bodies", "prompt-cycle.txt", "application/json\n" + json.dumps(
        {"prompt": {"1": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0], "vae": ["2", 0]}},
                    "2": {"class_type": "VAEEncode", "inputs": {"pixels": ["1", 0], "vae": ["1", 0]}}}}))
    b = "----tessera"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + \
        png(2, 2, rgb_rows(2, 2)) + (f"\r\n--{b}\r\nContent-Disposition: form-data; name=\"overwrite\"\r\n\r\ntrue\r\n--{b}--\r\n").encode()
    out("server_bodies", "upload.txt", f"multipart/form-data; boundary={b}\n".encode() + body)
    out("server_bodies", "upload-unterminated.txt", f"multipart/form-data; boundary={b}\n".encode() + body[:60])
    out("server_bodies", "upload-many-parts.txt", (f"multipart/form-data; boundary={b}\n" +
        "".join(f"--{b}\r\nContent-Disposition: form-data; name=\"p{i}\"\r\n\r\nx\r\n" for i in range(40)) + f"--{b}--\r\n"))
    out("server_bodies", "upload-quoted-boundary.txt", f'multipart/form-data; boundary="{b}"\n'.encode() + body)


# ---- upscale_model: the tiny upscale fixtures' tensor lists ("name dim dim ..."), and hostile ones
def upscale_lines(shapes):
    return "".join(f"{name} {' '.join(map(str, shape))}\n" for name, shape in shapes.items())


def upscale_model_seeds():
    d = os.path.join(ROOT, "tests/fixtures/upscale")
    for f in sorted(os.listdir(d)):
        if f.endswith(".safetensors") and f != "expected.safetensors":
            raw = open(os.path.join(d, f), "rb").read()
            header = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])
            shapes = {k: v["shape"] for k, v in header.items() if k != "__metadata__"}
            out("upscale_model", f.replace(".safetensors", ".txt"), upscale_lines(shapes))
    rrdb = {"conv_first.weight": [8, 3, 3, 3], "body.0.rdb1.conv1.weight": [4, 8, 3, 3], "conv_last.weight": [3, 8, 3, 3]}
    out("upscale_model", "rrdb-64-upsamplings.txt", upscale_lines({**rrdb, **{f"conv_up{i}.weight": [8, 8, 3, 3] for i in range(1, 65)}}))
    out("upscale_model", "rrdb-zero-out-channels.txt", upscale_lines({**rrdb, "conv_last.weight": [0, 8, 3, 3]}))
    out("upscale_model", "srvgg-zero-channels.txt", upscale_lines(
        {"body.0.weight": [8, 0, 3, 3], "body.1.weight": [8], "body.2.weight": [48, 8, 3, 3]}))
    out("upscale_model", "srvgg-huge-last.txt", upscale_lines(
        {"body.0.weight": [8, 1, 3, 3], "body.1.weight": [8], "body.2.weight": [1 << 62, 8, 3, 3]}))
    out("upscale_model", "esrgan-no-trunk.txt", upscale_lines({"model.0.weight": [8, 3, 3, 3], "model.1.sub.0.RDB1.conv1.0.weight": [4, 8, 3, 3]}))


# ---- comfyui_import: subgraphs (nested, recursive, dangling) and group nodes, made small
def comfy_subgraph_seeds():
    inner = {"id": "sub-a", "name": "Sampler", "inputNode": {"id": -10}, "outputNode": {"id": -20},
             "inputs": [{"id": "i", "name": "model", "type": "MODEL", "linkIds": [10]}],
             "outputs": [{"id": "o", "name": "LATENT", "type": "LATENT", "linkIds": [13]}],
             "nodes": [{"id": 1, "type": "EmptyLatentImage", "widgets_values": [64, 64, 1]},
                       {"id": 2, "type": "KSampler", "widgets_values": [1, "fixed", 2, 7, "euler", "normal", 1],
                        "inputs": [{"name": "model", "type": "MODEL", "link": 10}, {"name": "latent_image", "type": "LATENT", "link": 9}]}],
             "links": [{"id": 9, "origin_id": 1, "origin_slot": 0, "target_id": 2, "target_slot": 3, "type": "LATENT"},
                       {"id": 10, "origin_id": -10, "origin_slot": 0, "target_id": 2, "target_slot": 0, "type": "MODEL"},
                       {"id": 13, "origin_id": 2, "origin_slot": 0, "target_id": -20, "target_slot": 0, "type": "LATENT"}]}
    outer_nodes = [{"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["m.safetensors"]},
                   {"id": 5, "type": "sub-a", "inputs": [{"name": "model", "type": "MODEL", "link": 2}],
                    "outputs": [{"name": "LATENT", "type": "LATENT", "links": [5]}]},
                   {"id": 6, "type": "VAEDecode", "inputs": [{"name": "samples", "type": "LATENT", "link": 5}]}]
    links = [[2, 1, 0, 5, 0, "MODEL"], [5, 5, 0, 6, 0, "LATENT"]]
    wf = {"version": 0.4, "nodes": outer_nodes, "links": links, "definitions": {"subgraphs": [inner]}}
    out("comfyui_import", "subgraph.json", json.dumps(wf))
    nested = json.loads(json.dumps(inner)); nested["id"] = "sub-b"; nested["nodes"][0]["type"] = "sub-a"
    wf2 = json.loads(json.dumps(wf)); wf2["nodes"][1]["type"] = "sub-b"; wf2["definitions"]["subgraphs"].append(nested)
    out("comfyui_import", "subgraph-nested.json", json.dumps(wf2))
    selfish = json.loads(json.dumps(wf)); selfish["definitions"]["subgraphs"][0]["nodes"][0]["type"] = "sub-a"
    out("comfyui_import", "subgraph-contains-itself.json", json.dumps(selfish))
    dangling = json.loads(json.dumps(wf)); dangling["definitions"]["subgraphs"][0]["links"][1]["origin_slot"] = 7
    out("comfyui_import", "subgraph-dangling-slot.json", json.dumps(dangling))
    group = {"version": 0.4, "links": [[2, 1, 0, 3, 0, "MODEL"]],
             "nodes": [{"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["m.safetensors"]},
                       {"id": 3, "type": "workflow>Gen", "inputs": [{"name": "model", "type": "MODEL", "link": 2}],
                        "widgets_values": [1024, 768, 2, 99, "increment", 33, 4.5, "heun", "simple", 0.75]}],
             "extra": {"groupNodes": {"Gen": {"nodes": [
                 {"type": "EmptyLatentImage", "widgets_values": [512, 512, 1], "index": 0},
                 {"type": "KSampler", "inputs": [{"name": "model", "type": "MODEL", "link": None},
                                                 {"name": "latent_image", "type": "LATENT", "link": None}],
                  "widgets_values": [1, "fixed", 20, 8, "euler", "normal", 1], "index": 1}],
                 "links": [[0, 0, 1, 3, 7, "LATENT"]], "external": [], "config": {}}}}}
    out("comfyui_import", "group-node.json", json.dumps(group))
    bad_group = json.loads(json.dumps(group)); bad_group["extra"]["groupNodes"]["Gen"]["links"] = [[0, 0, 9, 3, 7, "LATENT"]]
    out("comfyui_import", "group-node-bad-link.json", json.dumps(bad_group))


if __name__ == "__main__":
    for sub in ("graph_json", "comfyui_import", "png_text", "bundle", "safetensors", "lora", "image_decode", "server_bodies",
                "upscale_model"):
        os.makedirs(os.path.join(CORPUS, sub), exist_ok=True)
    graph_json(); comfyui_import(); png_text(); bundle(); safetensors_seeds(); lora_seeds(); image_seeds(); server_seeds()
    upscale_model_seeds(); comfy_subgraph_seeds()
