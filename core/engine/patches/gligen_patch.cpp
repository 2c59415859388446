#include "core/engine/patches/gligen_patch.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

namespace tessera::engine {

at::Tensor gligenGroundingTokens(const GligenConditioning& gligen, int64_t batch, int64_t h, int64_t w) {
    if (!gligen.model) throw Error("GLIGEN conditioning without a GLIGEN model");
    const int64_t slots = GligenModel::kMaxBoxes;
    if (int64_t(gligen.boxes.size()) > slots)
        throw Error("GLIGEN takes at most " + std::to_string(slots) + " boxes, the conditioning has " +
                    std::to_string(gligen.boxes.size()));
    const int64_t phraseDim = gligen.model->phraseDim();
    at::Tensor boxes = at::zeros({slots, 4}, at::kFloat);
    at::Tensor masks = at::zeros({slots}, at::kFloat);
    at::Tensor phrases = at::zeros({slots, phraseDim}, at::kFloat);
    for (size_t i = 0; i < gligen.boxes.size(); ++i) {
        const GligenBox& b = gligen.boxes[i];
        if (!b.phrase.defined() || b.phrase.numel() != phraseDim)
            throw Error("a GLIGEN phrase embedding has " + std::to_string(b.phrase.defined() ? b.phrase.numel() : 0) +
                        " values, GLIGEN model '" + gligen.model->source() + "' reads " + std::to_string(phraseDim) +
                        " (text encoder of another model family?)");
        const auto row = int64_t(i);
        // Python float division, then float32, as ComfyUI builds the box tensor.
        const double coords[4] = {double(b.x) / double(w), double(b.y) / double(h), double(b.x + b.width) / double(w),
                                  double(b.y + b.height) / double(h)};
        for (int c = 0; c < 4; ++c) boxes[row][c] = float(coords[c]);
        masks[row] = 1.0f;
        phrases[row].copy_(b.phrase.reshape({phraseDim}).to(at::kCPU, at::kFloat));
    }
    const GligenPositionNet& net = gligen.model->positionNet();
    const at::Device device = net.linear1.weight.device();
    const at::Tensor tokens = net.forward(boxes.unsqueeze(0).to(device), masks.unsqueeze(0).to(device),
                                          phrases.unsqueeze(0).to(device));
    return tokens.expand({batch, -1, -1});
}

GligenPatch::GligenPatch(std::shared_ptr<const GligenModel> model, at::Tensor tokens)
    : model_(std::move(model)), tokens_(std::move(tokens)) {}

at::Tensor GligenPatch::afterSelfAttention(const at::Tensor& x, int transformerIndex, int heads) const {
    const auto& fusers = model_->fusers();
    if (transformerIndex < 0 || transformerIndex >= int(fusers.size()))
        throw Error("GLIGEN model '" + model_->source() + "' has " + std::to_string(fusers.size()) +
                    " fusers, the UNet has more transformer blocks (GLIGEN file for another model family?)");
    return fusers[size_t(transformerIndex)].forward(x, tokens_, heads);
}

}  // namespace tessera::engine
