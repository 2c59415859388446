#pragma once
// PerturbedAttentionGuidance's perturbed model call (ComfyUI's nodes_pag.py: an "attn1" replace patch on
// the block ("middle", 0)): the self-attention of every transformer block in the UNet's middle block
// returns its values. Wraps the call's other transformer patches, which run as before elsewhere.
#include "core/engine/networks/spatial_transformer.h"
#include "core/engine/networks/transformer_patch.h"

#include <utility>

namespace tessera::engine {

class PerturbedSelfAttention final : public SelfAttentionReplacement {
public:
    // `transformers`: the indices [first, second) whose self-attention returns its values (UNet::middleTransformers).
    PerturbedSelfAttention(const TransformerPatch* inner, std::pair<int, int> transformers)
        : SelfAttentionReplacement(inner), transformers_(transformers) {}

private:
    bool replaces(int transformerIndex, int /*block*/) const override {
        return transformerIndex >= transformers_.first && transformerIndex < transformers_.second;
    }
    at::Tensor replaced(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options) const override {
        return attention.values(x, options);
    }

    std::pair<int, int> transformers_;
};

}  // namespace tessera::engine
