#include "core/engine/networks/unet_stage.h"

#include <ATen/ATen.h>

namespace tessera::engine {

at::Tensor UNetStage::forward(const at::Tensor& x, const at::Tensor& emb, const at::Tensor& context,
                              const AttentionOptions& options, at::IntArrayRef upsampleTo,
                              const TransformerPatch* patch) const {
    at::Tensor h = x;
    for (const auto& layer : layers) {
        if (const auto* r = std::get_if<ResBlock>(&layer))
            h = r->forward(h, emb);
        else if (const auto* t = std::get_if<SpatialTransformer>(&layer))
            h = t->forward(h, context, options, patch);
        else if (const auto* d = std::get_if<Downsample>(&layer))
            h = d->forward(h);
        else if (const auto* u = std::get_if<Upsample>(&layer))
            h = upsampleTo.size() == 2 ? u->forward(h, upsampleTo[0], upsampleTo[1])
                                       : u->forward(h, h.size(2) * 2, h.size(3) * 2);
    }
    return h;
}

}  // namespace tessera::engine
