#pragma once
// A denoiser maps a noisy latent x (x = x0 + sigma*noise, sampler space) at noise level sigma
// to its estimate of the clean latent x0. Samplers only ever see this.
#include <ATen/core/Tensor.h>

#include <functional>

namespace tessera::engine {

using Denoiser = std::function<at::Tensor(const at::Tensor& x, double sigma)>;

// A guided x0 estimate with the unconditional one it was guided from, as ComfyUI hands both to
// model_options["sampler_post_cfg_function"]. The CFG++ samplers (*_cfg_pp) step along the unconditional one.
struct GuidedDenoised {
    at::Tensor denoised;
    at::Tensor uncondDenoised;
};
// Guidance that reports its unconditional estimate on every call, evaluating the negative even at cfg 1
// (ComfyUI's disable_cfg1_optimization).
using GuidedDenoiser = std::function<GuidedDenoised(const at::Tensor& x, double sigma)>;

}  // namespace tessera::engine
