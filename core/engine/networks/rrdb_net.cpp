#include "core/engine/networks/rrdb_net.h"

#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

namespace tessera::engine {
namespace {

constexpr double kRrdbSlope = 0.2;     // LeakyReLU everywhere in the network
constexpr double kResidualScale = 0.2;  // dense block and RRDB residuals

at::Tensor rrdbLeaky(const at::Tensor& x) { return at::leaky_relu(x, kRrdbSlope); }

}  // namespace

RrdbNet::RrdbNet(const UpscaleModelConfig& config, const Weights& w) : config_(config) {
    first_ = Conv2d::load(w.sub("conv_first"));
    for (int64_t b = 0; b < config.blocks; ++b) {
        Rrdb block;
        for (int r = 0; r < 3; ++r)
            for (int k = 0; k < 5; ++k)
                block.dense[r].convs[k] = Conv2d::load(
                    w.sub("body." + std::to_string(b) + ".rdb" + std::to_string(r + 1) + ".conv" + std::to_string(k + 1)));
        blocks_.push_back(std::move(block));
    }
    trunk_ = Conv2d::load(w.sub("conv_body"));
    for (int64_t u = 1; u <= config.upsamplings; ++u) ups_.push_back(Conv2d::load(w.sub("conv_up" + std::to_string(u))));
    hr_ = Conv2d::load(w.sub("conv_hr"));
    last_ = Conv2d::load(w.sub("conv_last"));
}

at::Tensor RrdbNet::DenseBlock::operator()(const at::Tensor& x) const {
    // Each convolution reads the block input and every earlier output, concatenated.
    std::vector<at::Tensor> features{x};
    for (int k = 0; k < 4; ++k) features.push_back(rrdbLeaky(convs[k](at::cat(features, 1))));
    return convs[4](at::cat(features, 1)).mul_(kResidualScale).add_(x);
}

at::Tensor RrdbNet::Rrdb::operator()(const at::Tensor& x) const {
    return dense[2](dense[1](dense[0](x))).mul_(kResidualScale).add_(x);
}

at::Tensor RrdbNet::forward(const at::Tensor& image) const {
    const int64_t h = image.size(2), w = image.size(3), f = config_.unshuffle;
    at::Tensor x = image;
    if (f > 1) {
        const int64_t padH = (f - h % f) % f, padW = (f - w % f) % f;
        if (padH || padW) x = at::reflection_pad2d(x, {0, padW, 0, padH});
        x = at::pixel_unshuffle(x, f);
    }
    at::Tensor feat = first_(x);
    at::Tensor body = feat;
    for (const Rrdb& block : blocks_) body = block(body);
    feat = feat + trunk_(body);
    body = at::Tensor();
    for (const Conv2d& up : ups_)
        feat = rrdbLeaky(up(at::upsample_nearest2d(feat, {feat.size(2) * 2, feat.size(3) * 2})));
    at::Tensor out = last_(rrdbLeaky(hr_(feat)));
    if (f > 1) out = out.narrow(2, 0, h * config_.scale).narrow(3, 0, w * config_.scale);
    return out;
}

}  // namespace tessera::engine
