#pragma once
// k-diffusion samplers with ComfyUI's semantics. A pipeline is assembled as
//   ModelSampling ms = ModelSampling::discrete(Prediction::Eps);
//   at::Tensor sigmas = samplerSigmas(ms, "karras", steps, denoise, "euler_ancestral");
//   at::Tensor noise = prepareNoise(seed, latent.sizes());
//   at::Tensor x = ms.startLatent(sigmas, noise, latent * 0.18215);
//   Denoiser d = makeCfgDenoiser(ms, unetFn, cond, uncond, cfg);           // cfg_denoiser.h
//   (inpainting: d = withInpaintMask(d, latent * 0.18215, noise, resizeMaskToLatent(mask, h, w));)
//   CpuGeneratorNoise ancestral(seed + 1);
//   at::Tensor out = sample("euler_ancestral", d, x, sigmas, ancestral, callbacks) / 0.18215;
#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

#include "core/common/cancel.h"
#include "core/engine/sampling/denoiser.h"
#include "core/engine/sampling/noise.h"

namespace tessera::engine {

struct SamplerCallbacks {
    // After each step's first model evaluation: 0-based step, step count, x before the update, x0 estimate.
    std::function<void(int step, int total, const at::Tensor& x, const at::Tensor& denoised)> onStep;
    // Checked before every step; a cancelled token makes sample() throw tessera::Cancelled.
    const CancelToken* cancel = nullptr;
};

// ComfyUI's sampler names in its order (KSAMPLER_NAMES, then ddim, uni_pc, uni_pc_bh2) as far as Tessera has
// them. The "_gpu" names run the same steps as their plain twins (ComfyUI only moves the noise to the GPU).
std::vector<std::string> samplerNames();

// Runs `sampler` from x (already noised to sigmas[0]) along `sigmas` (1-D, decreasing, usually ending
// with 0) and returns the final latent. Fewer than two sigmas return x unchanged. The stochastic
// samplers take their noise from `noise` in step order (pass CpuGeneratorNoise(seed + 1) for ComfyUI's).
//
// Deviation from ComfyUI: dpmpp_sde, dpmpp_2m_sde(_heun) and dpmpp_3m_sde draw their noise from a torchsde
// Brownian tree in ComfyUI, which cannot be reproduced bit for bit. Here they draw plain Gaussians from `noise` and
// combine them into Brownian increments with the same joint law (dpmpp_sde's two overlapping
// increments per step are correlated as in the tree), so results agree in distribution, not in value.
at::Tensor sample(const std::string& sampler, const Denoiser& denoiser, at::Tensor x, const at::Tensor& sigmas,
                  NoiseSource& noise, const SamplerCallbacks& callbacks = {});

}  // namespace tessera::engine
