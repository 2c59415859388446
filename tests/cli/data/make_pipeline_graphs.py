#!/usr/bin/env python3
"""Writes one ComfyUI API-format graph per case of refdata/cases/pipelines.json.

The graphs use only file names; `tessera run` resolves the checkpoint against --models and
the images against --input (the refdata cases folder). Run from this folder:
    python3 make_pipeline_graphs.py ../../../../shared/refdata/cases/pipelines.json
"""
import json
import sys


def graph_for(case, top):
    sd2 = case["model"] == "sd2"
    g = {
        "1": {"class_type": "CheckpointLoaderSimple",
              "inputs": {"ckpt_name": "tiny-sd2-v.safetensors" if sd2 else "tiny-sd15.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": top["prompt"], "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": top["negative"], "clip": ["1", 1]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["7", 0], "vae": ["1", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": case["name"]}},
    }
    model, positive, negative = ["1", 0], ["2", 0], ["3", 0]
    if case.get("empty"):
        g["4"] = {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}}
    else:
        g["10"] = {"class_type": "LoadImage", "inputs": {"image": "source.png"}}
        g["4"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["10", 0], "vae": ["1", 2]}}
    latent = ["4", 0]
    if case.get("mask"):
        g["11"] = {"class_type": "LoadImageMask", "inputs": {"image": "mask.png", "channel": "red"}}
        g["12"] = {"class_type": "SetLatentNoiseMask", "inputs": {"samples": latent, "mask": ["11", 0]}}
        latent = ["12", 0]
    if "control" in case:
        c = case["control"]
        g["13"] = {"class_type": "ControlNetLoader", "inputs": {"control_net_name": "tiny-controlnet-sd15.safetensors"}}
        g["14"] = {"class_type": "LoadImage", "inputs": {"image": "hint.png"}}
        g["15"] = {"class_type": "ControlNetApplyAdvanced",
                   "inputs": {"positive": positive, "negative": negative, "control_net": ["13", 0],
                              "image": ["14", 0], "strength": c["strength"],
                              "start_percent": c["start_percent"], "end_percent": c["end_percent"]}}
        positive, negative = ["15", 0], ["15", 1]
    if sd2:
        g["16"] = {"class_type": "ModelSamplingDiscrete",
                   "inputs": {"model": model, "sampling": "v_prediction", "zsnr": False}}
        model = ["16", 0]
    g["7"] = {"class_type": "KSampler",
              "inputs": {"model": model, "seed": case["seed"], "steps": case["steps"], "cfg": case["cfg"],
                         "sampler_name": case["sampler"], "scheduler": case["scheduler"],
                         "positive": positive, "negative": negative, "latent_image": latent,
                         "denoise": case["denoise"]}}
    return g


def main():
    top = json.load(open(sys.argv[1]))
    for case in top["cases"]:
        with open(f"pipelines/{case['name']}.json", "w") as f:
            json.dump(graph_for(case, top), f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
