#pragma once
// Real-ESRGAN's SRVGGNetCompact (realesr-general-x4v3, realesr-animevideov3): convolutions with
// per-channel PReLU between them at the input resolution, the last one producing scale^2 x the
// output channels, a pixel shuffle, plus the nearest-upsampled input.
#include "core/engine/networks/nn_layers.h"
#include "core/engine/networks/upscale_model_config.h"

#include <ATen/core/Tensor.h>

#include <vector>

namespace tessera::engine {

class Weights;

class SrVggNet {
public:
    // `weights` as body.N.weight / .bias, already checked against the config.
    SrVggNet(const UpscaleModelConfig& config, const Weights& weights);

    // [B, 3, h, w] in the weights' dtype and device -> [B, 3, h*scale, w*scale], unclamped.
    at::Tensor forward(const at::Tensor& image) const;

private:
    UpscaleModelConfig config_;
    std::vector<Conv2d> convs_;
    std::vector<at::Tensor> slopes_;  // PReLU weights after every convolution but the last
};

}  // namespace tessera::engine
