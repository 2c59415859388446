#pragma once
// Shared pieces of the sampler implementations (internal to core/engine).
#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "core/engine/sampling/brownian_tree.h"
#include "core/engine/sampling/samplers.h"

namespace tessera::engine::detail {

// Calls the denoiser, checks cancellation and reports progress for one sampling run.
class SamplerRun {
public:
    // `start`: the latent the run starts from (ComfyUI sizes its Brownian tree by it, before any step).
    // `guided`: guidance that also reports its unconditional estimate, for the CFG++ samplers (may be null).
    // `float32Sigmas`: the schedule came as float32 (ComfyUI's Brownian noise computes on it).
    SamplerRun(const Denoiser& denoiser, const GuidedDenoiser* guided, const std::vector<double>& sigmas,
               bool float32Sigmas, NoiseSource& noise, const SamplerCallbacks& callbacks, const at::Tensor& start,
               const SamplerOptions& options)
        : denoiser_(denoiser), guided_(guided), sigmas_(sigmas), float32Sigmas_(float32Sigmas), noise_(noise),
          callbacks_(callbacks), start_(start), options_(options) {}

    int steps() const { return static_cast<int>(sigmas_.size()) - 1; }
    const SamplerOptions& options() const { return options_; }
    double sigma(int i) const { return sigmas_[static_cast<size_t>(i)]; }
    // Throws tessera::Cancelled when the run was cancelled. Call at the start of every step.
    void beginStep() const;
    at::Tensor denoise(const at::Tensor& x, double sigma) const;
    GuidedDenoised denoiseGuided(const at::Tensor& x, double sigma) const;
    void report(int step, const at::Tensor& x, const at::Tensor& denoised) const;
    // The opening of step i from x that nearly every sampler shares: beginStep(), the model's estimate at
    // sigma(i), report(i, x, estimate). Returns the estimate.
    at::Tensor startStep(int i, const at::Tensor& x) const;
    // The same for the CFG++ samplers: the guided estimate (reported) and the unconditional one.
    GuidedDenoised startGuidedStep(int i, const at::Tensor& x) const;
    at::Tensor noise(const at::Tensor& like) const { return noise_.next(like); }
    // The SDE samplers' noise over [sigmaNext, sigma]: ComfyUI's Brownian tree over the schedule when the noise
    // source has a seed for it, else the source's next draw.
    at::Tensor noiseBetween(const at::Tensor& like, double sigma, double sigmaNext);

private:
    const Denoiser& denoiser_;
    const GuidedDenoiser* guided_;
    const std::vector<double>& sigmas_;
    bool float32Sigmas_;
    NoiseSource& noise_;
    const SamplerCallbacks& callbacks_;
    at::Tensor start_;
    const SamplerOptions& options_;
    std::unique_ptr<BrownianTreeNoise> brownian_;
};

struct AncestralStep {
    double down;  // deterministic target sigma
    double up;    // std of the fresh noise added afterwards
};
// k-diffusion's get_ancestral_step with eta = 1 by default.
AncestralStep ancestralStep(double sigmaFrom, double sigmaTo, double eta = 1.0);

// The probability-flow ODE derivative dx/dsigma = (x - x0) / sigma.
at::Tensor toD(const at::Tensor& x, double sigma, const at::Tensor& denoised);

// Each sampler family's entry points; all share this signature.
at::Tensor sampleEuler(SamplerRun& run, at::Tensor x);
at::Tensor sampleEulerAncestral(SamplerRun& run, at::Tensor x);
at::Tensor sampleHeun(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpm2(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpm2Ancestral(SamplerRun& run, at::Tensor x);
at::Tensor sampleLcm(SamplerRun& run, at::Tensor x);
at::Tensor sampleLms(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmpp2sAncestral(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmpp2m(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmppSde(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmpp2mSde(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmpp2mSdeHeun(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmpp3mSde(SamplerRun& run, at::Tensor x);
at::Tensor sampleHeunpp2(SamplerRun& run, at::Tensor x);
at::Tensor sampleDdpm(SamplerRun& run, at::Tensor x);
at::Tensor sampleIpndm(SamplerRun& run, at::Tensor x);
at::Tensor sampleIpndmV(SamplerRun& run, at::Tensor x);
at::Tensor sampleDeis(SamplerRun& run, at::Tensor x);
at::Tensor sampleUniPc(SamplerRun& run, at::Tensor x);
at::Tensor sampleUniPcBh2(SamplerRun& run, at::Tensor x);
at::Tensor sampleResMultistep(SamplerRun& run, at::Tensor x);
at::Tensor sampleResMultistepAncestral(SamplerRun& run, at::Tensor x);
at::Tensor sampleGradientEstimation(SamplerRun& run, at::Tensor x);
at::Tensor sampleErSde(SamplerRun& run, at::Tensor x);
at::Tensor sampleSeeds2(SamplerRun& run, at::Tensor x);
at::Tensor sampleSeeds3(SamplerRun& run, at::Tensor x);
// SEEDS-2's steps with r = 1 and phi_2 weights: deterministic (eta 0) and stochastic (eta 1).
at::Tensor sampleExpHeun2X0(SamplerRun& run, at::Tensor x);
at::Tensor sampleExpHeun2X0Sde(SamplerRun& run, at::Tensor x);
// SA-Solver with the run's options (ComfyUI's defaults when unset); the _pece twin always re-evaluates.
at::Tensor sampleSaSolver(SamplerRun& run, at::Tensor x);
at::Tensor sampleSaSolverPece(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmFast(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmAdaptive(SamplerRun& run, at::Tensor x);
// CFG++ (arXiv 2406.08070): the guided estimate for x0, the unconditional one for the direction of the step.
at::Tensor sampleEulerCfgPp(SamplerRun& run, at::Tensor x);
at::Tensor sampleEulerAncestralCfgPp(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmpp2sAncestralCfgPp(SamplerRun& run, at::Tensor x);
at::Tensor sampleDpmpp2mCfgPp(SamplerRun& run, at::Tensor x);
at::Tensor sampleResMultistepCfgPp(SamplerRun& run, at::Tensor x);
at::Tensor sampleResMultistepAncestralCfgPp(SamplerRun& run, at::Tensor x);
at::Tensor sampleGradientEstimationCfgPp(SamplerRun& run, at::Tensor x);

}  // namespace tessera::engine::detail
