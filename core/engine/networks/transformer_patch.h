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

// A patch that computes some blocks' self-attention itself and leaves every other hook to `inner` (the
// call's other patch, such as GLIGEN's, or none).
class SelfAttentionReplacement : public TransformerPatch {
public:
    at::Tensor afterSelfAttention(const at::Tensor& x, int transformerIndex, int heads) const final {
        return inner_ ? inner_->afterSelfAttention(x, transformerIndex, heads) : x;
    }
    bool replacesSelfAttention(int transformerIndex, int block) const final {
        return replaces(transformerIndex, block) || (inner_ && inner_->replacesSelfAttention(transformerIndex, block));
    }
    at::Tensor selfAttention(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options,
                             int transformerIndex, int block) const final {
        if (replaces(transformerIndex, block)) return replaced(attention, x, options);
        return inner_->selfAttention(attention, x, options, transformerIndex, block);
    }

protected:
    explicit SelfAttentionReplacement(const TransformerPatch* inner) : inner_(inner) {}
    virtual bool replaces(int transformerIndex, int block) const = 0;
    virtual at::Tensor replaced(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options) const = 0;

private:
    const TransformerPatch* inner_;
};

}  // namespace tessera::engine
