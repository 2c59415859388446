// res_multistep (RES, arXiv 2308.02157: second-order exponential multistep in t = -log sigma on the x0
// estimates) with eta 0 or 1 (ancestral), and gradient_estimation (Euler plus (gamma - 1) times the change
// of the derivative, gamma = 2), as ComfyUI runs them.
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>
#include <optional>

namespace tessera::engine::detail {
namespace {

at::Tensor resMultistepWith(SamplerRun& run, at::Tensor x, double eta) {
    std::optional<at::Tensor> oldDenoised;
    double oldSigmaDown = 0;
    for (int i = 0; i < run.steps(); ++i) {
        run.beginStep();
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.denoise(x, sigma);
        const AncestralStep step = ancestralStep(sigma, next, eta);
        run.report(i, x, denoised);
        if (step.down == 0 || !oldDenoised) {
            x = x + toD(x, sigma, denoised) * (step.down - sigma);
        } else {
            const double t = -std::log(sigma), tOld = -std::log(oldSigmaDown), tNext = -std::log(step.down);
            const double tPrev = -std::log(run.sigma(i - 1));
            const double h = tNext - t;
            const double c2 = (tPrev - tOld) / h;
            const double phi1 = std::expm1(-h) / -h, phi2 = (phi1 - 1) / -h;
            // ComfyUI maps NaN weights (c2 = 0) to 0
            const double b2 = std::isnan(phi2 / c2) ? 0.0 : phi2 / c2;
            const double b1 = std::isnan(phi1 - phi2 / c2) ? 0.0 : phi1 - phi2 / c2;
            x = x * std::exp(-h) + (denoised * b1 + *oldDenoised * b2) * h;
        }
        if (next > 0 && step.up > 0) x = x + run.noise(x) * step.up;
        oldDenoised = denoised;
        oldSigmaDown = step.down;
    }
    return x;
}

}  // namespace

at::Tensor sampleResMultistep(SamplerRun& run, at::Tensor x) { return resMultistepWith(run, std::move(x), 0.0); }
at::Tensor sampleResMultistepAncestral(SamplerRun& run, at::Tensor x) { return resMultistepWith(run, std::move(x), 1.0); }

at::Tensor sampleGradientEstimation(SamplerRun& run, at::Tensor x) {
    constexpr double gamma = 2.0;
    std::optional<at::Tensor> oldD;
    for (int i = 0; i < run.steps(); ++i) {
        run.beginStep();
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.denoise(x, sigma);
        run.report(i, x, denoised);
        const at::Tensor d = toD(x, sigma, denoised);
        const double dt = next - sigma;
        if (next == 0) {
            x = denoised;
        } else {
            x = x + d * dt;
            if (oldD) x = x + (d - *oldD) * ((gamma - 1) * dt);
        }
        oldD = d;
    }
    return x;
}

}  // namespace tessera::engine::detail
