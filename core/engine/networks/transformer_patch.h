#pragma once
// A hook into the UNet's transformer blocks: ComfyUI's "middle_patch", applied to the hidden states
// after each block's self-attention (and its residual), before the cross-attention (GLIGEN's gated
// self-attention is one), and its "attn1" replace patch, which computes a block's self-attention in
// its stead (PerturbedAttentionGuidance's values, SelfAttentionGuidance's recorded scores).
#include <ATen/core/Tensor.h>

namespace tessera::engine {

struct AttentionOptions;
struct CrossAttention;

class TransformerPatch {
public:
    virtual ~TransformerPatch() = default;
    // x: [B, tokens, channels]. `transformerIndex` counts the UNet's spatial transformers in the order
    // input blocks, middle block, output blocks (ComfyUI's transformer_index); `heads` is the block's.
    virtual at::Tensor afterSelfAttention(const at::Tensor& x, int transformerIndex, int heads) const = 0;
    // True: selfAttention() computes the self-attention of block `block` (its place in its spatial
    // transformer) of transformer `transformerIndex`.
    virtual bool replacesSelfAttention(int /*transformerIndex*/, int /*block*/) const { return false; }
    // That self-attention of `attention` over x (the block's normed hidden states), to_out included.
    virtual at::Tensor selfAttention(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options,
                                     int transformerIndex, int block) const;
};

}  // namespace tessera::engine
