#pragma once
// A denoiser maps a noisy latent x (x = x0 + sigma*noise, sampler space) at noise level sigma
// to its estimate of the clean latent x0. Samplers only ever see this.
#include <ATen/core/Tensor.h>

#include <functional>

namespace tessera::engine {

using Denoiser = std::function<at::Tensor(const at::Tensor& x, double sigma)>;

}  // namespace tessera::engine
