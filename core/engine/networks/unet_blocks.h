#pragma once
// The convolutional building blocks of the ldm UNet: timestep embedding, ResBlock,
// Downsample and Upsample.
#include "core/engine/networks/nn_layers.h"

#include <ATen/core/Tensor.h>

#include <optional>

namespace tessera::engine {

class Weights;

// Sinusoidal embedding of (possibly fractional) timesteps [B] -> [B, dim], cos half first
// (ldm's timestep_embedding, max_period 10000), float32.
at::Tensor timestepEmbedding(const at::Tensor& timesteps, int64_t dim, double maxPeriod = 10000.0);

// ldm ResBlock: in_layers (GroupNorm, SiLU, conv), emb_layers (SiLU, linear), out_layers
// (GroupNorm, SiLU, dropout, conv), plus a 1x1 skip_connection when channels change.
struct ResBlock {
    GroupNorm inNorm, outNorm;
    Conv2d inConv, outConv;
    Linear embedding;
    std::optional<Conv2d> skip;

    static ResBlock load(const Weights& w);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& emb) const;
};

// Stride-2 3x3 convolution ("op"): sizes become ceil(n/2).
struct Downsample {
    Conv2d op;

    static Downsample load(const Weights& w);
    at::Tensor forward(const at::Tensor& x) const { return op(x); }
};

// Nearest-neighbour upsampling to the skip connection's size (x2 for even sizes, as ComfyUI
// passes the skip's shape), then a 3x3 convolution.
struct Upsample {
    Conv2d conv;

    static Upsample load(const Weights& w);
    at::Tensor forward(const at::Tensor& x, int64_t height, int64_t width) const;
};

}  // namespace tessera::engine
