#pragma once
// k-diffusion samplers with ComfyUI's semantics. A pipeline is assembled as
//   ModelSampling ms = ModelSampling::discrete(Prediction::Eps);
//   at::Tensor sigmas = samplerSigmas(ms, "karras", steps, denoise, "euler_ancestral");
//   at::Tensor noise = prepareNoise(seed, latent.sizes());
//   at::Tensor x = ms.startLatent(sigmas, noise, latent * 0.18215);
//   Denoiser d = makeCfgDenoiser(ms, unetFn, cond, uncond, cfg);           // cfg_denoiser.h
//   (inpainting: d = withInpaintMask(d, latent * 0.18215, noise, resizeMaskToLatent(mask, h, w));)
//   SamplerSeedNoise noise(seed);                                          // ComfyUI's noise for the seed
//   at::Tensor out = sample("euler_ancestral", d, x, sigmas, noise, callbacks) / 0.18215;
//   (CFG++ samplers: d = makeCfgGuidedDenoiser(...), which also reports the unconditional estimate.)
#include <ATen/core/Tensor.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/cancel.h"
#include "core/engine/sampling/denoiser.h"
#include "core/engine/sampling/noise.h"
#include "core/engine/sampling/sa_solver.h"

namespace tessera::engine {

struct SamplerCallbacks {
    // After each step's first model evaluation: 0-based step, step count, x before the update, x0 estimate.
    std::function<void(int step, int total, const at::Tensor& x, const at::Tensor& denoised)> onStep;
    // Checked before every step; a cancelled token makes sample() throw tessera::Cancelled.
    const CancelToken* cancel = nullptr;
};

// What a sampler takes besides its name (ComfyUI's sampler extra_options); empty: the defaults KSampler runs.
struct SamplerOptions {
    // sa_solver / sa_solver_pece: SamplerSASolver's settings. Unset: saSolverDefaults of the SD1.x/SD2.x
    // schedule (runKSampler and runCustomSampler fill in the model's own).
    std::optional<SaSolverSettings> saSolver;
};

// ComfyUI's sampler names in its order (KSAMPLER_NAMES, then ddim, uni_pc, uni_pc_bh2) as far as Tessera has
// them. The "_gpu" names run the same steps as their plain twins (ComfyUI only moves the noise to the GPU).
std::vector<std::string> samplerNames();

// Runs `sampler` from x (already noised to sigmas[0]) along `sigmas` (1-D, decreasing, usually ending
// with 0) and returns the final latent. Fewer than two sigmas return x unchanged. The stochastic
// samplers take their noise from `noise` in step order (pass SamplerSeedNoise(seed) for ComfyUI's).
//
// The SDE samplers (dpmpp_sde, dpmpp_2m_sde(_heun), dpmpp_3m_sde) draw from ComfyUI's Brownian tree when
// `noise` has a brownianSeed() (SamplerSeedNoise(seed) gives ComfyUI's numbers for a seed), else from `noise`.
// The _gpu names use the CPU tree too, which is what ComfyUI's _gpu samplers draw when they run on the CPU.
at::Tensor sample(const std::string& sampler, const Denoiser& denoiser, at::Tensor x, const at::Tensor& sigmas,
                  NoiseSource& noise, const SamplerCallbacks& callbacks = {}, const SamplerOptions& options = {});
// The same with guidance that also reports its unconditional estimate: runs every sampler, the CFG++ ones
// (*_cfg_pp) included, which the overload above refuses with an explanation.
at::Tensor sample(const std::string& sampler, const GuidedDenoiser& denoiser, at::Tensor x, const at::Tensor& sigmas,
                  NoiseSource& noise, const SamplerCallbacks& callbacks = {}, const SamplerOptions& options = {});

}  // namespace tessera::engine
