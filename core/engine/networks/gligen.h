#pragma once
// GLIGEN (grounded generation, "gligen_sd14_textbox_pruned" files): a PositionNet that turns phrase
// embeddings and boxes into grounding tokens, and one gated self-attention "fuser" per UNet transformer
// block that lets the image tokens attend to them (ComfyUI's comfy/gligen.py semantics).
// Hyper-parameters come from tensor shapes.
#include "core/engine/networks/nn_layers.h"
#include "core/engine/networks/spatial_transformer.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace tessera::engine {

class Weights;

// position_net.*: boxes (x1, y1, x2, y2 in 0..1) get a Fourier embedding (8 frequencies 100^(i/8),
// sin then cos per frequency over the 4 coordinates); padding slots (mask 0) take the learnt null
// features; an MLP (Linear, SiLU, Linear, SiLU, Linear) maps [phrase, box] to one token each.
struct GligenPositionNet {
    at::Tensor nullPositive, nullPosition;  // [phraseDim], [64]
    Linear linear1, linear2, linear3;      // linears.0, .2, .4

    static GligenPositionNet load(const Weights& w);
    int64_t phraseDim() const { return nullPositive.size(0); }
    int64_t tokenDim() const { return linear3.weight.size(0); }
    // boxes [B, N, 4], masks [B, N], phrases [B, N, phraseDim] -> tokens [B, N, tokenDim].
    at::Tensor forward(const at::Tensor& boxes, const at::Tensor& masks, const at::Tensor& phrases) const;
};

// The Fourier features of box coordinates: [..., 4] -> [..., 4 * 2 * frequencies].
at::Tensor gligenFourierEmbedding(const at::Tensor& boxes, int frequencies = 8);

// ...transformer_blocks.0.fuser.*: x + tanh(alpha_attn) * attn(norm1([x, linear(tokens)]))[:, :visual]
// then x + tanh(alpha_dense) * ff(norm2(x)).
struct GatedSelfAttention {
    Linear tokenProjection;        // linear
    CrossAttention attention;      // attn (self-attention over image and grounding tokens)
    LayerNorm norm1, norm2;
    Linear geglu, ffOut;           // ff.net.0.proj, ff.net.2
    at::Tensor alphaAttention, alphaDense;  // scalars

    static GatedSelfAttention load(const Weights& w);
    int64_t channels() const { return tokenProjection.weight.size(0); }
    int64_t tokenDim() const { return tokenProjection.weight.size(1); }
    // `heads`: the heads of the transformer block it sits in (ComfyUI derives the same for every
    // published file from the phrase width: 768 -> 8 heads, else 64 channels per head). Computed in
    // the weights' dtype; the result has x's.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& tokens, int heads) const;
};

class GligenModel {
public:
    // Throws tessera::Error naming `source` when the weights are not a GLIGEN model.
    GligenModel(const Weights& weights, const std::string& source);

    static constexpr int kMaxBoxes = 30;  // ComfyUI's max_objs: tokens are padded to this many

    const GligenPositionNet& positionNet() const { return positionNet_; }
    // Fusers in the UNet's transformer-block order: input blocks, middle block, output blocks.
    const std::vector<GatedSelfAttention>& fusers() const { return fusers_; }
    int64_t phraseDim() const { return positionNet_.phraseDim(); }
    const std::string& source() const { return source_; }
    size_t byteSize() const { return bytes_; }

private:
    GligenPositionNet positionNet_;
    std::vector<GatedSelfAttention> fusers_;
    std::string source_;
    size_t bytes_ = 0;
};

// A GLIGEN .safetensors (or pickled) file, float32 on `device`.
std::shared_ptr<const GligenModel> loadGligenFile(const std::string& path, at::Device device = at::kCPU);

}  // namespace tessera::engine
