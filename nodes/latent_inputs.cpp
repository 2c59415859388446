#include "nodes/latent_inputs.h"

#include "nodes/image_resize.h"
#include "nodes/values.h"

namespace tessera::nodes {

at::Tensor latentInput(const NodeContext& ctx, const std::string& name) {
    const at::Tensor s = ctx.get<LatentValue>(name)->samples;
    if (!s.defined() || s.dim() != 4 || s.size(0) < 1 || s.size(2) < 1 || s.size(3) < 1)
        ctx.fail("input '" + name + "' should be a latent [batch, channels, h, w]");
    return s;
}

at::Tensor latentResizedTo(const NodeContext& ctx, const std::string& name, const at::Tensor& target,
                           const std::string& targetName) {
    at::Tensor s = latentInput(ctx, name);
    if (s.size(1) != target.size(1))
        ctx.fail("'" + targetName + "' has " + std::to_string(target.size(1)) + " channels and '" + name + "' " +
                 std::to_string(s.size(1)) + "; latents of different models do not combine");
    if (s.sizes().slice(2) != target.sizes().slice(2)) s = commonUpscale(s, target.size(3), target.size(2), "bilinear", "center");
    return s.to(target.scalar_type());
}

void checkBatchesCombine(const NodeContext& ctx, int64_t a, const std::string& nameA, int64_t b, const std::string& nameB) {
    if (a == b || a == 1 || b == 1) return;
    ctx.fail("'" + nameA + "' has a batch of " + std::to_string(a) + " and '" + nameB + "' a batch of " +
             std::to_string(b) + "; they combine only when the batches are equal or one of them is 1");
}

std::shared_ptr<LatentValue> latentLike(const LatentValue& in, at::Tensor samples) {
    auto out = std::make_shared<LatentValue>(std::move(samples));
    out->noiseMask = in.noiseMask;
    if (out->samples.size(0) == in.samples.size(0)) out->batchIndex = in.batchIndex;
    return out;
}

}  // namespace tessera::nodes
