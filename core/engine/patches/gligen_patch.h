#pragma once
// GLIGEN boxes on a conditioning entry, and the transformer patch that applies them while sampling:
// ComfyUI's Gligen.set_position (boxes normalised by the latent being denoised, padded to 30 slots)
// and its middle_patch (the fuser of each transformer block, in order).
#include "core/engine/networks/gligen.h"
#include "core/engine/networks/transformer_patch.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

namespace tessera::engine {

// One GLIGENTextBoxApply: a phrase's pooled text embedding and its box in latent cells (pixels / 8).
struct GligenBox {
    at::Tensor phrase;  // [phraseDim]
    int64_t height = 0, width = 0, y = 0, x = 0;
};

struct GligenConditioning {
    std::shared_ptr<const GligenModel> model;
    std::vector<GligenBox> boxes;  // at most GligenModel::kMaxBoxes
};

// The position net's tokens [batch, 30, tokenDim] for a latent of h x w cells.
at::Tensor gligenGroundingTokens(const GligenConditioning& gligen, int64_t batch, int64_t h, int64_t w);

class GligenPatch : public TransformerPatch {
public:
    // `tokens` from gligenGroundingTokens for the latent being denoised.
    GligenPatch(std::shared_ptr<const GligenModel> model, at::Tensor tokens);
    at::Tensor afterSelfAttention(const at::Tensor& x, int transformerIndex, int heads) const override;

private:
    std::shared_ptr<const GligenModel> model_;
    at::Tensor tokens_;
};

}  // namespace tessera::engine
