#pragma once
// The sigma schedules and schedule edits of ComfyUI's custom-sampling nodes
// (comfy_extras/nodes_custom_sampler.py, k-diffusion's get_sigmas_*), float32 like theirs.
// Each returns a 1-D float32 CPU tensor; schedules end with 0.
#include <ATen/core/Tensor.h>

#include <string>
#include <utility>

namespace tessera::engine {

class ModelSampling;

// k-diffusion's get_sigmas_karras / _exponential / _polyexponential for `steps` steps.
at::Tensor karrasSigmas(int steps, double sigmaMin, double sigmaMax, double rho);
at::Tensor exponentialSigmas(int steps, double sigmaMin, double sigmaMax);
at::Tensor polyexponentialSigmas(int steps, double sigmaMin, double sigmaMax, double rho);
// k-diffusion's get_sigmas_vp (VPScheduler): sqrt(expm1(beta_d t^2 / 2 + beta_min t)) for t from 1 down to
// eps_s, then 0.
at::Tensor vpSigmas(int steps, double betaD, double betaMin, double epsS);
// k-diffusion's get_sigmas_laplace (LaplaceScheduler, Tiankai et al. 2024): exp of a Laplace quantile
// ramp around mu, clamped to [sigma_min, sigma_max]. Its `steps` sigmas end at sigma_min, not 0: as in
// ComfyUI, a run on it stops with that much noise left.
at::Tensor laplaceSigmas(int steps, double sigmaMin, double sigmaMax, double mu, double beta);
// The "linear_quadratic" scheduler (from Mochi): linear to 0.025 of the way over the first steps/2
// steps, quadratic after, times sigma_max. One step gives [sigma_max, 0].
at::Tensor linearQuadraticSigmas(const ModelSampling& ms, int steps);
// The "kl_optimal" scheduler: tan of evenly spaced angles from atan(sigma_max) to atan(sigma_min).
// One step gives [sigma_max, 0] (ComfyUI divides by steps-1 and gets NaN there).
at::Tensor klOptimalSigmas(int steps, double sigmaMin, double sigmaMax);
// The "beta" scheduler with its distribution's parameters (BetaSamplingScheduler).
at::Tensor betaSigmas(const ModelSampling& ms, int steps, double alpha, double beta);
// SDTurboScheduler: timesteps 999, 899, ... 99 starting at 10 - int(10*denoise), `steps` of them.
at::Tensor sdTurboSigmas(const ModelSampling& ms, int steps, double denoise);
// BasicScheduler: the named scheduler over int(steps/denoise) steps, keeping the last steps+1
// sigmas; denoise <= 0 gives an empty schedule. Unlike KSampler no sigma is dropped for dpm_2.
at::Tensor basicSchedulerSigmas(const ModelSampling& ms, const std::string& scheduler, int steps, double denoise);

// SplitSigmas: (sigmas[:step+1], sigmas[step:]), sharing sigmas[step]. Throws tessera::Error when
// step is past the last sigma (the low part would be empty).
std::pair<at::Tensor, at::Tensor> splitSigmasAtStep(const at::Tensor& sigmas, int64_t step);
// SplitSigmasDenoise: with n = round(steps*denoise) (half to even, as Python), the low part is the
// last n steps (sigmas[-(n+1):]) and the high part sigmas[:-n] (empty when n is 0, as in Python).
std::pair<at::Tensor, at::Tensor> splitSigmasByDenoise(const at::Tensor& sigmas, double denoise);
// FlipSigmas: reversed; a first sigma of 0 becomes 0.0001.
at::Tensor flipSigmas(const at::Tensor& sigmas);

}  // namespace tessera::engine
