#pragma once
// Shared pieces of the sampler implementations (internal to core/engine).
#include <ATen/core/Tensor.h>

#include <vector>

#include "core/engine/sampling/samplers.h"

namespace tessera::engine::detail {

// Calls the denoiser, checks cancellation and reports progress for one sampling run.
class SamplerRun {
public:
    SamplerRun(const Denoiser& denoiser, const std::vector<double>& sigmas, NoiseSource& noise,
               const SamplerCallbacks& callbacks)
        : denoiser_(denoiser), sigmas_(sigmas), noise_(noise), callbacks_(callbacks) {}

    int steps() const { return static_cast<int>(sigmas_.size()) - 1; }
    double sigma(int i) const { return sigmas_[static_cast<size_t>(i)]; }
    // Throws tessera::Cancelled when the run was cancelled. Call at the start of every step.
    void beginStep() const;
    at::Tensor denoise(const at::Tensor& x, double sigma) const;
    void report(int step, const at::Tensor& x, const at::Tensor& denoised) const;
    at::Tensor noise(const at::Tensor& like) const { return noise_.next(like); }

private:
    const Denoiser& denoiser_;
    const std::vector<double>& sigmas_;
    NoiseSource& noise_;
    const SamplerCallbacks& callbacks_;
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
at::Tensor sampleDpmFast(SamplerRun& run, at::Tensor x);

}  // namespace tessera::engine::detail
