#!/usr/bin/env python3
"""Builds the example graphs in resources/examples/ (Python standard library only).

Writes src/source.png (a procedural 512x512 landscape), src/mask.png (white = repaint),
one ComfyUI API-format graph per example in src/, then packs each with its images into a
.tessera bundle:   python3 make_examples.py path/to/tessera
The graphs name the usual public model files; the README says which file goes where.
"""
import json
import math
import os
import struct
import subprocess
import sys
import zlib

SIZE = 512
CHECKPOINT = "v1-5-pruned-emaonly.safetensors"
INPAINT_CHECKPOINT = "sd-v1-5-inpainting.safetensors"
CANNY_CONTROLNET = "control_v11p_sd15_canny.safetensors"
DEPTH_CONTROLNET = "control_v11f1p_sd15_depth.safetensors"
DEPTH_MODEL = "depth_anything_v2_vits.onnx"
LORA = "example_style_lora.safetensors"
PROMPT = "a watercolor painting of a lighthouse on a hill at sunset, soft light, detailed"
NEGATIVE = "blurry, low quality, deformed"


def write_png(path, width, height, pixel, channels):
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(pixel(x, y))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    color = 2 if channels == 3 else 0
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def landscape(x, y):
    u, v = x / SIZE, y / SIZE
    hill = 0.62 + 0.08 * math.sin(u * 5.0 + 0.7)
    if v > hill:  # green hill, darker further down
        g = 0.55 - 0.25 * (v - hill)
        return bytes([int(60 * g + 20), int(255 * g), int(60 * g + 10)])
    if 0.62 < u < 0.70 and v > hill - 0.32:  # the lighthouse
        stripe = int((v * 40)) % 2
        return bytes([230, 60 + 170 * stripe, 60 + 170 * stripe])
    sun = math.hypot(u - 0.25, v - 0.35)
    if sun < 0.08:
        return bytes([255, 220, 120])
    t = v / hill  # sky: orange near the horizon, blue above
    return bytes([int(90 + 150 * t), int(120 + 60 * t), int(200 - 90 * t)])


def mask(x, y):  # repaint the sky around the sun
    return bytes([255 if math.hypot(x / SIZE - 0.25, y / SIZE - 0.35) < 0.18 else 0])


def base(ckpt=CHECKPOINT):
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": PROMPT, "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": NEGATIVE, "clip": ["1", 1]}},
        "5": {"class_type": "LoadImage", "inputs": {"image": "source.png"}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["7", 0], "vae": ["1", 2]}},
    }


def sampler(model, positive, negative, latent, denoise, seed=42, steps=20, cfg=7.0):
    return {"class_type": "KSampler", "inputs": {
        "model": model, "seed": seed, "steps": steps, "cfg": cfg, "sampler_name": "euler_ancestral",
        "scheduler": "karras", "positive": positive, "negative": negative, "latent_image": latent,
        "denoise": denoise}}


def save(prefix):
    return {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": prefix}}


def img2img():
    g = base()
    g["4"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["5", 0], "vae": ["1", 2]}}
    g["6"] = {"class_type": "NoiseByStrength", "inputs": {
        "samples": ["4", 0], "seed": 42, "strength": 0.6, "steps": 20, "scheduler": "karras",
        "sampler_name": "euler_ancestral"}}
    g["7"] = sampler(["1", 0], ["2", 0], ["3", 0], ["6", 0], 0.6)
    g["9"] = save("img2img")
    return g


def txt2img():
    g = base()
    del g["5"]
    g["4"] = {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}}
    g["7"] = sampler(["1", 0], ["2", 0], ["3", 0], ["4", 0], 1.0)
    g["9"] = save("txt2img")
    return g


def inpaint_noise_mask():
    g = base()
    g["4"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["5", 0], "vae": ["1", 2]}}
    g["10"] = {"class_type": "LoadImageMask", "inputs": {"image": "mask.png", "channel": "red"}}
    g["11"] = {"class_type": "SetLatentNoiseMask", "inputs": {"samples": ["4", 0], "mask": ["10", 0]}}
    g["7"] = sampler(["1", 0], ["2", 0], ["3", 0], ["11", 0], 0.85)
    g["9"] = save("inpaint")
    return g


def inpaint_model():
    g = base(INPAINT_CHECKPOINT)
    g["10"] = {"class_type": "LoadImageMask", "inputs": {"image": "mask.png", "channel": "red"}}
    g["11"] = {"class_type": "InpaintModelConditioning", "inputs": {
        "positive": ["2", 0], "negative": ["3", 0], "vae": ["1", 2], "pixels": ["5", 0], "mask": ["10", 0],
        "noise_mask": True}}
    g["7"] = sampler(["1", 0], ["11", 0], ["11", 1], ["11", 2], 1.0)
    g["9"] = save("inpaint_model")
    return g


def controlnet(kind):
    g = base()
    if kind == "canny":
        g["12"] = {"class_type": "Canny", "inputs": {"image": ["5", 0], "low_threshold": 0.4, "high_threshold": 0.8}}
        net = CANNY_CONTROLNET
    else:
        g["12"] = {"class_type": "DepthEstimation", "inputs": {"image": ["5", 0], "model_name": DEPTH_MODEL,
                                                              "resolution": 518}}
        net = DEPTH_CONTROLNET
    g["13"] = {"class_type": "ControlNetLoader", "inputs": {"control_net_name": net}}
    g["14"] = {"class_type": "ControlNetApplyAdvanced", "inputs": {
        "positive": ["2", 0], "negative": ["3", 0], "control_net": ["13", 0], "image": ["12", 0],
        "strength": 0.9, "start_percent": 0.0, "end_percent": 0.8}}
    g["15"] = {"class_type": "PreviewImage", "inputs": {"images": ["12", 0]}}
    g["4"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["5", 0], "vae": ["1", 2]}}
    g["7"] = sampler(["1", 0], ["14", 0], ["14", 1], ["4", 0], 0.9)
    g["9"] = save("controlnet_" + kind)
    return g


def lora():
    g = base()
    g["16"] = {"class_type": "LoraLoader", "inputs": {"model": ["1", 0], "clip": ["1", 1], "lora_name": LORA,
                                                      "strength_model": 0.8, "strength_clip": 0.8}}
    g["2"]["inputs"]["clip"] = ["16", 1]
    g["3"]["inputs"]["clip"] = ["16", 1]
    g["4"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["5", 0], "vae": ["1", 2]}}
    g["7"] = sampler(["16", 0], ["2", 0], ["3", 0], ["4", 0], 0.7)
    g["9"] = save("lora")
    return g


EXAMPLES = {
    "img2img": img2img, "txt2img": txt2img, "inpainting": inpaint_noise_mask,
    "inpainting-model": inpaint_model, "controlnet-canny": lambda: controlnet("canny"),
    "controlnet-depth": lambda: controlnet("depth"), "lora": lora,
}


def main():
    tessera = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(here, "src")
    os.makedirs(src, exist_ok=True)
    write_png(os.path.join(src, "source.png"), SIZE, SIZE, landscape, 3)
    write_png(os.path.join(src, "mask.png"), SIZE, SIZE, mask, 1)
    for name, make in EXAMPLES.items():
        path = os.path.join(src, name + ".json")
        with open(path, "w") as f:
            json.dump(make(), f, indent=1, sort_keys=True)
            f.write("\n")
        subprocess.run([tessera, "pack", path, "--input", src, "-o", os.path.join(here, name + ".tessera")], check=True)


if __name__ == "__main__":
    main()
