#pragma once
// The CLIP text transformer of SD1 (Hugging Face naming, quick_gelu) and SD2 (OpenCLIP naming,
// exact GELU), one implementation for both. Output: hidden states after the final layer norm,
// also when stopping early ("clip skip"), as ComfyUI does.
//   Weights w = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.");
//   ClipTextModel clip(ClipTextConfig::infer(w, ClipTextConfig::HuggingFace), w);
//   at::Tensor hidden = clip.forward(tokens, -1);   // [B, 77, width]
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/engine/files/weights.h"

namespace tessera::engine {

struct ClipTextConfig {
    enum Act { QuickGelu, Gelu };
    enum Naming { HuggingFace, OpenClip };

    int width = 0;
    int layers = 0;
    int heads = 0;
    int vocab = 0;
    int positions = 0;
    Act act = QuickGelu;
    Naming naming = HuggingFace;

    // Reads width, layers, vocab and positions from tensor shapes (checkpoints store no
    // hyper-parameters). Heads cannot be read from shapes; the rule is: 64 channels per head
    // when width >= 512 (CLIP-L 768 -> 12, OpenCLIP-H 1024 -> 16, bigG 1280 -> 20), 16 channels
    // per head for smaller, test-size models (width 64 -> 4), unless `headsOverride` > 0.
    // Activation: OpenCLIP naming or width 1024 (ViT-H) -> exact GELU, else quick_gelu.
    // `w` is rooted at the text model: HF "...text_model." or OpenCLIP "...model.".
    static ClipTextConfig infer(const Weights& w, Naming naming, int headsOverride = 0);
    static int defaultHeads(int width);
};

// Replaces the token embedding at (batch row, position) by `vector` ([width]); used for
// textual-inversion embeddings. Position embeddings are still added.
struct EmbeddingOverride {
    int64_t batch = 0;
    int64_t position = 0;
    at::Tensor vector;
};

class ClipTextModel {
public:
    // Validates every tensor's shape against the config; throws tessera::Error naming the key.
    ClipTextModel(ClipTextConfig config, Weights weights);

    // tokens: [B, T] integers (T <= positions). layer: -1 = after the last transformer layer,
    // -2 = penultimate, ...; |layer| > layers means the last layer (ComfyUI's rule); layer >= 0
    // is refused. Returns [B, T, width] float after the final layer norm.
    at::Tensor forward(const at::Tensor& tokens, int layer = -1,
                       const std::vector<EmbeddingOverride>& embeddingOverrides = {}) const;

    const ClipTextConfig& config() const { return config_; }
    const Weights& weights() const { return weights_; }

private:
    struct Layer {
        at::Tensor ln1Weight, ln1Bias, qkvWeight, qkvBias, outWeight, outBias;
        at::Tensor ln2Weight, ln2Bias, fc1Weight, fc1Bias, fc2Weight, fc2Bias;
    };
    at::Tensor runLayer(const Layer& l, const at::Tensor& x, const at::Tensor& causalMask) const;

    ClipTextConfig config_;
    Weights weights_;
    at::Tensor tokenEmbedding_, positionEmbedding_, finalNormWeight_, finalNormBias_;
    std::vector<Layer> layers_;
};

}  // namespace tessera::engine
