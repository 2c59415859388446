#pragma once
// Sigma schedules, exactly as ComfyUI's calculate_sigmas and KSampler.set_steps compute them.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tessera::engine {

class ModelSampling;

// "normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta", "linear_quadratic",
// "kl_optimal" (the order of ComfyUI's KSampler list).
std::vector<std::string> schedulerNames();

// The full schedule for `steps` steps, float32, decreasing, ending with 0. Its length is steps+1, except
// ddim_uniform (one per stride of 1000/steps, so more when steps does not divide 1000) and beta
// (repeated timesteps are dropped, so possibly fewer). Unknown names or steps < 1 throw tessera::Error.
at::Tensor computeSigmas(const ModelSampling& ms, const std::string& scheduler, int steps);

// The schedule a sampler runs for `steps` steps at `denoise` in [0, 1]:
//  - dpm_2, dpm_2_ancestral, uni_pc and uni_pc_bh2 compute one more sigma and drop the penultimate one;
//  - denoise < 1 (<= 0.9999) computes int(steps/denoise) steps and keeps the last steps+1 sigmas;
//  - denoise == 0 gives an empty schedule (nothing to sample).
// Unknown scheduler or sampler names throw tessera::Error listing the valid ones.
at::Tensor samplerSigmas(const ModelSampling& ms, const std::string& scheduler, int steps, double denoise,
                         const std::string& sampler);

}  // namespace tessera::engine
