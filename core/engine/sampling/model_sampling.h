#pragma once
// ComfyUI's ModelSamplingDiscrete: the 1000-step DDPM noise schedule seen as k-diffusion sigmas,
// and the conversions between sampler space (x = x0 + sigma*noise) and what the UNet sees.
#include <ATen/core/Tensor.h>

#include <vector>

#include "core/engine/sampling/prediction.h"

namespace tessera::engine {

class ModelSampling {
public:
    // SD1.x/SD2.x schedule: betas = linspace(sqrt(start), sqrt(end), 1000)^2, computed in float64,
    // sigma_t = sqrt((1 - alphas_cumprod) / alphas_cumprod) stored as float32.
    static ModelSampling discrete(Prediction prediction, double linearStart = 0.00085, double linearEnd = 0.012);

    Prediction prediction() const { return prediction_; }
    at::Tensor sigmas() const { return sigmas_; }  // float32 [1000], increasing
    int64_t size() const { return static_cast<int64_t>(sigmaValues_.size()); }
    double sigmaAt(int64_t index) const { return sigmaValues_.at(static_cast<size_t>(index)); }
    double sigmaMin() const { return sigmaValues_.front(); }
    double sigmaMax() const { return sigmaValues_.back(); }

    // Index of the nearest log-sigma (float32 arithmetic, first index on ties, as torch.argmin).
    double timestep(double sigma) const;
    // Log-linear interpolation between the neighbouring sigmas; t is clamped to [0, 999].
    double sigma(double timestep) const;
    // 0 -> 999999999.9 (unbounded, as ComfyUI), >= 1 -> 0, else sigma((1 - p) * 999).
    double percentToSigma(double percent) const;

    // What the UNet gets: x / sqrt(sigma^2 + 1).
    at::Tensor calculateInput(double sigma, const at::Tensor& x) const;
    // x0 from the UNet output. eps: x - out*sigma; v: x/(sigma^2+1) - out*sigma/sqrt(sigma^2+1).
    at::Tensor calculateDenoised(double sigma, const at::Tensor& modelOutput, const at::Tensor& x) const;
    // Start latent: latent + noise*sigma, or latent + noise*sqrt(1+sigma^2) when maxDenoise.
    at::Tensor noiseScaling(double sigma, const at::Tensor& noise, const at::Tensor& latent, bool maxDenoise) const;
    // ComfyUI's max_denoise: the schedule starts at (rel. 1e-5) or above the largest sigma.
    bool isMaxDenoise(double firstSigma) const;
    // noiseScaling(sigmas[0], noise, latentScaled, isMaxDenoise(sigmas[0])): the sampler's start.
    at::Tensor startLatent(const at::Tensor& sigmas, const at::Tensor& noise, const at::Tensor& latentScaled) const;

private:
    Prediction prediction_ = Prediction::Eps;
    at::Tensor sigmas_;
    std::vector<float> sigmaValues_;
    std::vector<float> logSigmas_;
};

}  // namespace tessera::engine
