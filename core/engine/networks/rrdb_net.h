#pragma once
// ESRGAN's RRDBNet (also Real-ESRGAN's and BasicSR's): a first convolution, RRDB blocks (three
// residual dense blocks each, residuals scaled by 0.2) and a trunk convolution added to the first
// features, then per upsampling a nearest x2 + convolution + LeakyReLU(0.2), an HR convolution +
// LeakyReLU and the last convolution. Real-ESRGAN x2 / x1 models pixel-unshuffle the image first
// (reflect-padded to a multiple of the factor, cropped back after).
#include "core/engine/networks/nn_layers.h"
#include "core/engine/networks/upscale_model_config.h"

#include <ATen/core/Tensor.h>

#include <vector>

namespace tessera::engine {

class Weights;

class RrdbNet {
public:
    // `weights` under canonical names (upscale_model_config.h), already checked against the config.
    RrdbNet(const UpscaleModelConfig& config, const Weights& weights);

    // [B, inChannels, h, w] in the weights' dtype and device -> [B, outChannels, h*scale, w*scale], unclamped.
    at::Tensor forward(const at::Tensor& image) const;

private:
    struct DenseBlock {
        Conv2d convs[5];
        at::Tensor operator()(const at::Tensor& x) const;
    };
    struct Rrdb {
        DenseBlock dense[3];
        at::Tensor operator()(const at::Tensor& x) const;
    };

    UpscaleModelConfig config_;
    Conv2d first_, trunk_, hr_, last_;
    std::vector<Rrdb> blocks_;
    std::vector<Conv2d> ups_;
};

}  // namespace tessera::engine
