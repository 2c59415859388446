#include "core/engine/networks/srvgg_net.h"

#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

namespace tessera::engine {

SrVggNet::SrVggNet(const UpscaleModelConfig& config, const Weights& w) : config_(config) {
    const int64_t convCount = config.blocks + 2;
    for (int64_t i = 0; i < convCount; ++i) {
        convs_.push_back(Conv2d::load(w.sub("body." + std::to_string(2 * i))));
        if (i + 1 < convCount) slopes_.push_back(w("body." + std::to_string(2 * i + 1) + ".weight"));
    }
}

at::Tensor SrVggNet::forward(const at::Tensor& image) const {
    at::Tensor x = image;
    for (size_t i = 0; i < convs_.size(); ++i) {
        x = convs_[i](x);
        if (i < slopes_.size()) x = at::prelu(x, slopes_[i]);
    }
    const int64_t s = config_.scale;
    return at::pixel_shuffle(x, s).add_(at::upsample_nearest2d(image, {image.size(2) * s, image.size(3) * s}));
}

}  // namespace tessera::engine
