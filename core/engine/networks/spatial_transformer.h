#pragma once
// ldm SpatialTransformer: GroupNorm (eps 1e-6), proj_in (1x1 conv, or linear for SD2.x), transformer
// blocks (self-attention, cross-attention on the text context, GEGLU feed-forward), proj_out, residual.
#include "core/engine/networks/attention.h"
#include "core/engine/networks/nn_layers.h"
#include "core/engine/networks/transformer_patch.h"

#include <ATen/core/Tensor.h>

#include <vector>

namespace tessera::engine {

class Weights;

struct CrossAttention {
    Linear toQ, toK, toV, toOut;
    int heads = 8;

    static CrossAttention load(const Weights& w, int heads);
    // context undefined -> self-attention.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context, const AttentionOptions& options) const;
    // to_out(to_v(x)): self-attention replaced by its values (options' input patch still applied).
    at::Tensor values(const at::Tensor& x, const AttentionOptions& options) const;
    // The key and value inputs for context c (x itself in self-attention): c, or what options' input patch
    // (a hypernetwork) makes of it.
    static std::pair<at::Tensor, at::Tensor> keyValueInputs(const at::Tensor& c, const AttentionOptions& options);
};

struct TransformerBlock {
    LayerNorm norm1, norm2, norm3;
    CrossAttention selfAttention, crossAttention;
    Linear geglu, ffOut;
    int index = -1;     // its SpatialTransformer's position in the UNet (ComfyUI's transformer_index)
    int position = 0;   // its place in its SpatialTransformer

    static TransformerBlock load(const Weights& w, int heads);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context, const AttentionOptions& options,
                       const TransformerPatch* patch = nullptr) const;
};

struct SpatialTransformer {
    GroupNorm norm;
    bool linearProjection = false;
    Conv2d convIn, convOut;     // when !linearProjection
    Linear linearIn, linearOut;  // when linearProjection
    std::vector<TransformerBlock> blocks;

    // `depth` transformer blocks are required; `heads` attention heads each.
    static SpatialTransformer load(const Weights& w, int heads, int depth, bool linearProjection);
    int64_t contextDim() const { return blocks.front().crossAttention.toK.weight.size(1); }
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context, const AttentionOptions& options,
                       const TransformerPatch* patch = nullptr) const;
};

}  // namespace tessera::engine
