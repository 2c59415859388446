// res_multistep (RES, arXiv 2308.02157: second-order exponential multistep in t = -log sigma on the x0
// estimates) with eta 0 or 1 (ancestral), and gradient_estimation (Euler plus (gamma - 1) times the change
// of the derivative, gamma = 2), as ComfyUI runs them, each also as CFG++.
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>
#include <optional>

namespace tessera::engine::detail {
namespace {

// cfgPp: CFG++ (ComfyUI's res_multistep(_ancestral)_cfg_pp): steps along the unconditional estimates and keeps
// them as history, adding the guidance vector before the multistep update.
at::Tensor resMultistepWith(SamplerRun& run, at::Tensor x, double eta, bool cfgPp) {
    std::optional<at::Tensor> oldDenoised;
    double oldSigmaDown = 0;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        GuidedDenoised out;
        if (cfgPp) {
            out = run.startGuidedStep(i, x);
        } else {
            out.denoised = out.uncondDenoised = run.startStep(i, x);
        }
        const at::Tensor& denoised = out.denoised;
        const at::Tensor& along = out.uncondDenoised;  // the estimate the step follows
        const AncestralStep step = ancestralStep(sigma, next, eta);
        if (step.down == 0 || !oldDenoised) {
            if (cfgPp) {
                x = denoised + toD(x, sigma, along) * step.down;
            } else {
                x = x + toD(x, sigma, denoised) * (step.down - sigma);
            }
        } else {
            const double t = -std::log(sigma), tOld = -std::log(oldSigmaDown), tNext = -std::log(step.down);
            const double tPrev = -std::log(run.sigma(i - 1));
            const double h = tNext - t;
            const double c2 = (tPrev - tOld) / h;
            const double phi1 = std::expm1(-h) / -h, phi2 = (phi1 - 1) / -h;
            // ComfyUI maps NaN weights (c2 = 0) to 0
            const double b2 = std::isnan(phi2 / c2) ? 0.0 : phi2 / c2;
            const double b1 = std::isnan(phi1 - phi2 / c2) ? 0.0 : phi1 - phi2 / c2;
            if (cfgPp) x = x + (denoised - along);
            x = x * std::exp(-h) + (along * b1 + *oldDenoised * b2) * h;
        }
        if (next > 0 && step.up > 0) x = x + run.noise(x) * step.up;
        oldDenoised = along;
        oldSigmaDown = step.down;
    }
    return x;
}

}  // namespace

at::Tensor sampleResMultistep(SamplerRun& run, at::Tensor x) { return resMultistepWith(run, std::move(x), 0.0, false); }
at::Tensor sampleResMultistepCfgPp(SamplerRun& run, at::Tensor x) { return resMultistepWith(run, std::move(x), 0.0, true); }
at::Tensor sampleResMultistepAncestral(SamplerRun& run, at::Tensor x) { return resMultistepWith(run, std::move(x), 1.0, false); }
at::Tensor sampleResMultistepAncestralCfgPp(SamplerRun& run, at::Tensor x) {
    return resMultistepWith(run, std::move(x), 1.0, true);
}

namespace {
// cfgPp: the derivative along the unconditional estimate, the Euler step landing on the guided one.
at::Tensor gradientEstimationWith(SamplerRun& run, at::Tensor x, bool cfgPp) {
    constexpr double gamma = 2.0;
    std::optional<at::Tensor> oldD;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        GuidedDenoised out;
        if (cfgPp) {
            out = run.startGuidedStep(i, x);
        } else {
            out.denoised = out.uncondDenoised = run.startStep(i, x);
        }
        const at::Tensor d = toD(x, sigma, out.uncondDenoised);
        const double dt = next - sigma;
        if (next == 0) {
            x = out.denoised;
        } else {
            x = cfgPp ? out.denoised + d * next : x + d * dt;
            if (oldD) x = x + (d - *oldD) * ((gamma - 1) * dt);
        }
        oldD = d;
    }
    return x;
}
}  // namespace

at::Tensor sampleGradientEstimation(SamplerRun& run, at::Tensor x) { return gradientEstimationWith(run, std::move(x), false); }
at::Tensor sampleGradientEstimationCfgPp(SamplerRun& run, at::Tensor x) { return gradientEstimationWith(run, std::move(x), true); }

}  // namespace tessera::engine::detail
