#include "core/engine/sampling/model_sampling.h"

#include "core/common/error.h"
#include "core/engine/compute/float32_math.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessera::engine {

ModelSampling ModelSampling::discrete(Prediction prediction, double linearStart, double linearEnd) {
    if (!(linearStart > 0 && linearEnd > linearStart && linearEnd < 1))
        throw Error("model sampling: invalid beta range [" + std::to_string(linearStart) + ", " +
                    std::to_string(linearEnd) + "]; expected 0 < start < end < 1");
    const at::Tensor betas = at::linspace(std::sqrt(linearStart), std::sqrt(linearEnd), 1000,
                                          at::TensorOptions().dtype(at::kDouble)).pow(2);
    const at::Tensor alphasCumprod = at::cumprod(1.0 - betas, 0);
    const at::Tensor sigmas64 = ((1.0 - alphasCumprod) / alphasCumprod).sqrt();

    ModelSampling ms;
    ms.prediction_ = prediction;
    ms.sigmas_ = sigmas64.to(at::kFloat).contiguous();
    const at::Tensor logs = sigmas64.log().to(at::kFloat).contiguous();
    const float* s = ms.sigmas_.data_ptr<float>();
    const float* l = logs.data_ptr<float>();
    ms.sigmaValues_.assign(s, s + ms.sigmas_.numel());
    ms.logSigmas_.assign(l, l + logs.numel());
    return ms;
}

ModelSampling ModelSampling::continuousEdm(Prediction prediction, double sigmaMin, double sigmaMax, double sigmaData) {
    if (!(sigmaMin > 0 && sigmaMax > sigmaMin && std::isfinite(sigmaMax)))
        throw Error("model sampling: invalid sigma range [" + std::to_string(sigmaMin) + ", " + std::to_string(sigmaMax) +
                    "]; expected 0 < sigma_min < sigma_max");
    if (!(sigmaData > 0)) throw Error("model sampling: sigma_data must be positive");
    ModelSampling ms;
    ms.prediction_ = prediction;
    ms.continuous_ = true;
    ms.sigmaData_ = sigmaData;
    ms.sigmas_ = at::linspace(std::log(sigmaMin), std::log(sigmaMax), 1000, at::kFloat).exp().contiguous();
    const at::Tensor logs = ms.sigmas_.log().contiguous();
    const float* s = ms.sigmas_.data_ptr<float>();
    const float* l = logs.data_ptr<float>();
    ms.sigmaValues_.assign(s, s + ms.sigmas_.numel());
    ms.logSigmas_.assign(l, l + logs.numel());
    return ms;
}

double ModelSampling::timestep(double sigma) const {
    if (continuous_) return 0.25f * f32::log(static_cast<float>(sigma));
    const float logSigma = f32::log(static_cast<float>(sigma));
    size_t best = 0;
    float bestDist = std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < logSigmas_.size(); ++i) {
        const float d = std::fabs(logSigma - logSigmas_[i]);
        if (d < bestDist) {
            bestDist = d;
            best = i;
        }
    }
    return static_cast<double>(best);
}

double ModelSampling::sigma(double timestep) const {
    if (continuous_) return f32::exp(static_cast<float>(timestep) / 0.25f);
    const float last = static_cast<float>(logSigmas_.size() - 1);
    const float t = std::clamp(static_cast<float>(timestep), 0.0f, last);
    const float low = std::floor(t);
    const float w = t - low;
    const float logSigma = (1.0f - w) * logSigmas_[static_cast<size_t>(low)] + w * logSigmas_[static_cast<size_t>(std::ceil(t))];
    return std::exp(logSigma);
}

double ModelSampling::percentToSigma(double percent) const {
    if (percent <= 0.0) return 999999999.9;
    if (percent >= 1.0) return 0.0;
    if (continuous_) {
        const double logMin = std::log(sigmaMin());
        return std::exp((std::log(sigmaMax()) - logMin) * (1.0 - percent) + logMin);
    }
    return sigma((1.0 - percent) * 999.0);
}

at::Tensor ModelSampling::calculateInput(double sigma, const at::Tensor& x) const {
    return x / std::sqrt(sigma * sigma + sigmaData_ * sigmaData_);
}

at::Tensor ModelSampling::calculateDenoised(double sigma, const at::Tensor& modelOutput, const at::Tensor& x) const {
    if (modelOutput.sizes() != x.sizes())
        throw Error("model output shape " + std::string(c10::str(modelOutput.sizes())) +
                    " differs from its input " + std::string(c10::str(x.sizes())));
    if (prediction_ == Prediction::Eps) return x - modelOutput * sigma;
    const double d2 = sigmaData_ * sigmaData_;
    const double s2 = sigma * sigma + d2;
    const double outScale = sigma * sigmaData_ / std::sqrt(s2);
    return x * d2 / s2 + modelOutput * (prediction_ == Prediction::Edm ? outScale : -outScale);
}

at::Tensor ModelSampling::noiseScaling(double sigma, const at::Tensor& noise, const at::Tensor& latent,
                                       bool maxDenoise) const {
    const double scale = maxDenoise ? std::sqrt(1.0 + sigma * sigma) : sigma;
    return noise * scale + latent;
}

bool ModelSampling::isMaxDenoise(double firstSigma) const {
    const double maxSigma = sigmaMax();
    const bool close = std::fabs(maxSigma - firstSigma) <= 1e-5 * std::max(std::fabs(maxSigma), std::fabs(firstSigma));
    return close || firstSigma > maxSigma;
}

at::Tensor ModelSampling::startLatent(const at::Tensor& sigmas, const at::Tensor& noise,
                                      const at::Tensor& latentScaled) const {
    if (sigmas.dim() != 1 || sigmas.numel() == 0) throw Error("startLatent: the sigma schedule is empty");
    if (noise.sizes() != latentScaled.sizes())
        throw Error("startLatent: noise shape " + std::string(c10::str(noise.sizes())) + " differs from the latent's " +
                    std::string(c10::str(latentScaled.sizes())));
    const double sigma0 = sigmas[0].item<double>();
    return noiseScaling(sigma0, noise, latentScaled, isMaxDenoise(sigma0));
}

}  // namespace tessera::engine
