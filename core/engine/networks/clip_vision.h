#pragma once
// CLIP's ViT image tower as ComfyUI's CLIPVisionEncode runs it (comfy/clip_vision.py, clip_model.py):
// resize (bicubic, antialiased) and centre-crop or squash to the model's image size, quantise to 8 bits,
// normalise with CLIP's mean/std, then patch embedding + class token, pre-norm, the transformer, and the
// projected, post-normed class token. Files in both real layouts load, hyper-parameters from shapes:
// Hugging Face `vision_model.*` + `visual_projection.weight`, and OpenCLIP `visual.*` (`visual.proj`),
// also under an outer prefix (unCLIP checkpoints: `embedder.model.visual.`).
//   auto model = loadClipVisionFile("clip_vision/clip_vision_h.safetensors");
//   ClipVisionOutput out = model->encode(imageNHWC, /*centerCrop=*/true);
#include "core/engine/files/weights.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace tessera::engine {

class TensorFile;

struct ClipVisionConfig {
    enum Naming { HuggingFace, OpenClip };
    int width = 0, layers = 0, heads = 0, patch = 0, imageSize = 0, projection = 0;
    bool quickGelu = false;
    Naming naming = HuggingFace;

    // From shapes. Heads: 16 for real widths (every ComfyUI config: ViT-L, H, bigG), width/16 for test-size
    // models. quick_gelu for 24 layers (ComfyUI picks its ViT-L config by that count; H and bigG use exact
    // GELU) and for test-size models in Hugging Face naming. `w` is rooted at the tower (see the constructor).
    static ClipVisionConfig infer(const Weights& w, Naming naming);
};

struct ClipVisionOutput {
    at::Tensor lastHidden;         // [B, 1 + patches, width]
    at::Tensor penultimateHidden;  // the same after the second-to-last layer
    at::Tensor imageEmbeds;        // [B, projection]
};

class ClipVisionModel {
public:
    // `w` rooted where `vision_model.` / `visual_projection.weight` (Hugging Face) or `visual.` (OpenCLIP)
    // begin. Throws tessera::Error naming the key of a missing or misshapen tensor.
    ClipVisionModel(Weights w, ClipVisionConfig::Naming naming, std::string name);

    // image: [B, H, W, C>=3] floats in 0..1 (extra channels ignored). centerCrop false squashes.
    ClipVisionOutput encode(const at::Tensor& image, bool centerCrop) const;
    // The pixels the transformer sees: resized, cropped, quantised, normalised, [B, 3, size, size].
    at::Tensor preprocess(const at::Tensor& image, bool centerCrop) const;

    const ClipVisionConfig& config() const { return config_; }
    const std::string& name() const { return name_; }
    size_t byteSize() const { return weights_.byteSize(); }

private:
    struct Layer {
        at::Tensor ln1Weight, ln1Bias, qkvWeight, qkvBias, outWeight, outBias;
        at::Tensor ln2Weight, ln2Bias, fc1Weight, fc1Bias, fc2Weight, fc2Bias;
    };
    at::Tensor runLayer(const Layer& l, const at::Tensor& x) const;

    ClipVisionConfig config_;
    Weights weights_;
    std::string name_;
    at::Tensor classEmbedding_, patchWeight_, positions_, preNormWeight_, preNormBias_, postNormWeight_, postNormBias_,
        projection_;
    std::vector<Layer> layers_;
};

// The tower in a file, found by its patch embedding under any outer prefix; on the CPU in float32.
// Throws tessera::Error naming the file when it holds none.
std::shared_ptr<const ClipVisionModel> loadClipVision(const TensorFile& file);
std::shared_ptr<const ClipVisionModel> loadClipVisionFile(const std::string& path);

}  // namespace tessera::engine
