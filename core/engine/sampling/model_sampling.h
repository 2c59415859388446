#pragma once
// ComfyUI's ModelSamplingDiscrete (the 1000-step DDPM noise schedule seen as k-diffusion sigmas) and
// ModelSamplingContinuousEDM (a continuous log-sigma range; the UNet sees timestep 0.25*ln(sigma)), with
// the conversions between sampler space (x = x0 + sigma*noise) and what the UNet sees.
#include <ATen/core/Tensor.h>

#include <vector>

#include "core/engine/sampling/prediction.h"

namespace tessera::engine {

class ModelSampling {
public:
    // SD1.x/SD2.x schedule: betas = linspace(sqrt(start), sqrt(end), 1000)^2, computed in float64,
    // sigma_t = sqrt((1 - alphas_cumprod) / alphas_cumprod) stored as float32.
    static ModelSampling discrete(Prediction prediction, double linearStart = 0.00085, double linearEnd = 0.012);
    // Continuous EDM: sigmas = exp(linspace(ln min, ln max, 1000)) in float32 (kept for the schedulers that
    // index them); timestep(sigma) = 0.25*ln(sigma). sigmaData scales the input and the denoised mix.
    static ModelSampling continuousEdm(Prediction prediction, double sigmaMin, double sigmaMax, double sigmaData);

    bool isContinuous() const { return continuous_; }
    double sigmaData() const { return sigmaData_; }

    Prediction prediction() const { return prediction_; }
    at::Tensor sigmas() const { return sigmas_; }  // float32 [1000], increasing
    int64_t size() const { return static_cast<int64_t>(sigmaValues_.size()); }
    double sigmaAt(int64_t index) const { return sigmaValues_.at(static_cast<size_t>(index)); }
    double sigmaMin() const { return sigmaValues_.front(); }
    double sigmaMax() const { return sigmaValues_.back(); }

    // Discrete: index of the nearest log-sigma (float32 arithmetic, first index on ties, as torch.argmin).
    // Continuous: 0.25*ln(sigma) in float32.
    double timestep(double sigma) const;
    // Discrete: log-linear interpolation between the neighbouring sigmas, t clamped to [0, 999].
    // Continuous: exp(t / 0.25) in float32.
    double sigma(double timestep) const;
    // 0 -> 999999999.9 (unbounded, as ComfyUI), >= 1 -> 0, else sigma((1 - p) * 999) (discrete) or
    // exp(ln min + (1 - p) * (ln max - ln min)) (continuous).
    double percentToSigma(double percent) const;

    // What the UNet gets: x / sqrt(sigma^2 + sigmaData^2).
    at::Tensor calculateInput(double sigma, const at::Tensor& x) const;
    // x0 from the UNet output, with d = sigmaData (1 for discrete models). eps: x - out*sigma;
    // v: x*d^2/(sigma^2+d^2) - out*sigma*d/sqrt(sigma^2+d^2); edm: the same with + out*...
    at::Tensor calculateDenoised(double sigma, const at::Tensor& modelOutput, const at::Tensor& x) const;
    // Start latent: latent + noise*sigma, or latent + noise*sqrt(1+sigma^2) when maxDenoise.
    at::Tensor noiseScaling(double sigma, const at::Tensor& noise, const at::Tensor& latent, bool maxDenoise) const;
    // ComfyUI's max_denoise: the schedule starts at (rel. 1e-5) or above the largest sigma.
    bool isMaxDenoise(double firstSigma) const;
    // noiseScaling(sigmas[0], noise, latentScaled, isMaxDenoise(sigmas[0])): the sampler's start.
    at::Tensor startLatent(const at::Tensor& sigmas, const at::Tensor& noise, const at::Tensor& latentScaled) const;

private:
    Prediction prediction_ = Prediction::Eps;
    bool continuous_ = false;
    double sigmaData_ = 1.0;
    at::Tensor sigmas_;
    std::vector<float> sigmaValues_;
    std::vector<float> logSigmas_;
};

}  // namespace tessera::engine
