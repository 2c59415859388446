#pragma once
// PerturbedAttentionGuidance's perturbed model call (ComfyUI's nodes_pag.py: an "attn1" replace patch on
// the block ("middle", 0)): the self-attention of every transformer block in the UNet's middle block
// returns its values. Wraps the call's other transformer patches, which run as before elsewhere.
#include "core/engine/networks/spatial_transformer.h"
#include "core/engine/networks/transformer_patch.h"

#include <utility>

namespace tessera::engine {

class PerturbedSelfAttention final : public TransformerPatch {
public:
    // `transformers`: the indices [first, second) whose self-attention returns its values (UNet::middleTransformers).
    PerturbedSelfAttention(const TransformerPatch* inner, std::pair<int, int> transformers)
        : inner_(inner), transformers_(transformers) {}

    at::Tensor afterSelfAttention(const at::Tensor& x, int transformerIndex, int heads) const override {
        return inner_ ? inner_->afterSelfAttention(x, transformerIndex, heads) : x;
    }
    bool replacesSelfAttention(int transformerIndex, int block) const override {
        return perturbs(transformerIndex) || (inner_ && inner_->replacesSelfAttention(transformerIndex, block));
    }
    at::Tensor selfAttention(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options,
                             int transformerIndex, int block) const override {
        if (perturbs(transformerIndex)) return attention.values(x, options);
        return inner_->selfAttention(attention, x, options, transformerIndex, block);
    }

private:
    bool perturbs(int transformerIndex) const {
        return transformerIndex >= transformers_.first && transformerIndex < transformers_.second;
    }

    const TransformerPatch* inner_;
    std::pair<int, int> transformers_;
};

}  // namespace tessera::engine
