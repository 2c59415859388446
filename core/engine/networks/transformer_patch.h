#pragma once
// A hook into the UNet's transformer blocks: ComfyUI's "middle_patch", applied to the hidden states
// after each block's self-attention (and its residual), before the cross-attention (GLIGEN's gated
// self-attention is one), and its "attn1" replace patch that makes a self-attention return its values
// (PerturbedAttentionGuidance's perturbed call).
#include <ATen/core/Tensor.h>

namespace tessera::engine {

class TransformerPatch {
public:
    virtual ~TransformerPatch() = default;
    // x: [B, tokens, channels]. `transformerIndex` counts the UNet's spatial transformers in the order
    // input blocks, middle block, output blocks (ComfyUI's transformer_index); `heads` is the block's.
    virtual at::Tensor afterSelfAttention(const at::Tensor& x, int transformerIndex, int heads) const = 0;
    // True: the self-attention of the blocks of this transformer returns to_out(to_v(x)), its queries and
    // keys unused.
    virtual bool selfAttentionAsValues(int /*transformerIndex*/) const { return false; }
};

}  // namespace tessera::engine
