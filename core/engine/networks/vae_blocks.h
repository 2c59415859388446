#pragma once
// The building blocks of the ldm VAE, as free functions over a Weights view of one module.
// Internal to the engine: used by vae.cpp and its tests.
#include "core/engine/files/weights.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace tessera::engine {

struct VaeConfig;

// Throws tessera::Error naming the first weight that is missing or has the wrong shape.
void validateVaeWeights(const VaeConfig& config, const Weights& w);

namespace vae_blocks {

// Upper bound for one slice of the attention score matrix; the softmax makes a second one.
inline constexpr int64_t kDefaultScoreBytes = int64_t{128} << 20;

at::Tensor normalize(const Weights& norm, const at::Tensor& x, bool silu = false);  // GroupNorm(32, eps 1e-6), then SiLU
at::Tensor conv(const Weights& conv, const at::Tensor& x, int64_t stride = 1, int64_t padding = 1);
// norm1 -> swish -> conv1 -> norm2 -> swish -> conv2, plus the (1x1 nin_shortcut) skip.
at::Tensor resnetBlock(const Weights& block, const at::Tensor& x);
// Single-head self-attention over all pixels with a residual (ldm AttnBlock).
at::Tensor attentionBlock(const Weights& attn, const at::Tensor& x, int64_t maxScoreBytes = kDefaultScoreBytes);
// Asymmetric zero pad (right, bottom) then a stride-2 3x3 convolution, as ldm does.
at::Tensor downsample(const Weights& down, const at::Tensor& x);
// Nearest-neighbour 2x then a 3x3 convolution.
at::Tensor upsample(const Weights& up, const at::Tensor& x);

}  // namespace vae_blocks
}  // namespace tessera::engine
