#include "core/engine/networks/unet_blocks.h"

#include "core/engine/compute/upsample_conv.h"
#include "core/engine/compute/weight_storage.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tessera::engine {

at::Tensor timestepEmbedding(const at::Tensor& timesteps, int64_t dim, double maxPeriod) {
    const int64_t half = dim / 2;
    const at::Tensor t = timesteps.to(at::kFloat).reshape({-1, 1});
    // Same operation order as ldm (float32 rounding matters for timesteps near 1000).
    const at::Tensor freqs =
        at::exp(at::arange(0, half, t.options()).mul(-std::log(maxPeriod)).div(double(half))).unsqueeze(0);
    const at::Tensor args = t * freqs;
    at::Tensor emb = at::cat({at::cos(args), at::sin(args)}, 1);
    if (dim % 2) emb = at::cat({emb, at::zeros({emb.size(0), 1}, emb.options())}, 1);
    return emb;
}

ResBlock ResBlock::load(const Weights& w) {
    ResBlock r;
    r.inNorm = GroupNorm::load(w.sub("in_layers.0"), 1e-5);
    r.inConv = Conv2d::load(w.sub("in_layers.2"));
    r.embedding = Linear::load(w.sub("emb_layers.1"));
    r.outNorm = GroupNorm::load(w.sub("out_layers.0"), 1e-5);
    r.outConv = Conv2d::load(w.sub("out_layers.3"));
    if (w.hasModule("skip_connection")) r.skip = Conv2d::load(w.sub("skip_connection"));
    return r;
}

at::Tensor ResBlock::forward(const at::Tensor& x, const at::Tensor& emb) const {
    at::Tensor h = inConv(inNorm.withSilu(x));
    // The timestep embedding is added per channel inside the norm's pass.
    h = outConv(outNorm.withSilu(h, embedding(at::silu(emb))));
    return h.add_(skip ? (*skip)(x) : x);
}

Downsample Downsample::load(const Weights& w) { return {Conv2d::load(w.sub("op"), 2)}; }

Upsample Upsample::load(const Weights& w) { return {Conv2d::load(w.sub("conv"))}; }

at::Tensor Upsample::forward(const at::Tensor& x, int64_t height, int64_t width) const {
    if (height == 2 * x.size(2) && width == 2 * x.size(3) && conv.weight.size(2) == 3 && conv.weight.size(3) == 3)
        return upsample2xConv3x3(x, widenForCompute(conv.weight), conv.bias);
    return conv(at::upsample_nearest2d(x, at::IntArrayRef{height, width}));
}

}  // namespace tessera::engine
