// DPM-Solver++ samplers (k-diffusion): exponential integrators in t = -log(sigma) on the x0 estimate.
#include "core/engine/compute/float32_math.h"
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>
#include <optional>

namespace tessera::engine::detail {

at::Tensor sampleDpmpp2sAncestral(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        const AncestralStep step = ancestralStep(sigma, next);
        if (step.down == 0) {
            x = x + toD(x, sigma, denoised) * (step.down - sigma);
        } else {
            // float32 like k-diffusion: these midpoints can fall exactly between two timesteps
            const float t = -f32::log(static_cast<float>(sigma)), tNext = -f32::log(static_cast<float>(step.down));
            const float h = tNext - t;
            const double sigmaMid = f32::exp(-(t + 0.5f * h));
            const at::Tensor x2 = x * (sigmaMid / sigma) - denoised * std::expm1(-0.5 * h);
            const at::Tensor denoised2 = run.denoise(x2, sigmaMid);
            x = x * (step.down / sigma) - denoised2 * std::expm1(-h);
        }
        if (next > 0) x = x + run.noise(x) * step.up;
    }
    return x;
}

at::Tensor sampleDpmpp2m(SamplerRun& run, at::Tensor x) {
    std::optional<at::Tensor> oldDenoised;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        if (next == 0) {
            x = denoised;  // the update's limit: sigma_next/sigma = 0, -expm1(-inf) = 1
        } else {
            const double t = -std::log(sigma), tNext = -std::log(next);
            const double h = tNext - t;
            at::Tensor target = denoised;
            if (oldDenoised) {
                const double r = (t + std::log(run.sigma(i - 1))) / h;  // h_last / h
                target = denoised * (1 + 1 / (2 * r)) - *oldDenoised * (1 / (2 * r));
            }
            x = x * (next / sigma) - target * std::expm1(-h);
        }
        oldDenoised = denoised;
    }
    return x;
}

// DPM-Solver++ (stochastic), eta 1, r = 1/2: an ancestral half step to a midpoint, then the full step from a
// blend of both x0 estimates. Its two noises span [mid, sigma] and [next, sigma] of one Brownian path, so with
// ComfyUI's Brownian tree they are correlated as in ComfyUI.
at::Tensor sampleDpmppSde(SamplerRun& run, at::Tensor x) {
    constexpr double r = 0.5;
    constexpr double fac = 1 / (2 * r);
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        if (next == 0) {
            x = denoised;
            continue;
        }
        const double t = -std::log(sigma), tNext = -std::log(next);
        const double h = tNext - t;
        const double sigmaMid = std::exp(-(t + h * r));

        const AncestralStep first = ancestralStep(sigma, sigmaMid);
        const double sFirst = -std::log(first.down);
        at::Tensor x2 = x * (first.down / sigma) - denoised * std::expm1(t - sFirst);
        x2 = x2 + run.noiseBetween(x, sigma, sigmaMid) * first.up;
        const at::Tensor denoised2 = run.denoise(x2, sigmaMid);

        const AncestralStep second = ancestralStep(sigma, next);
        const double tSecond = -std::log(second.down);
        const at::Tensor target = denoised * (1 - fac) + denoised2 * fac;
        x = x * (second.down / sigma) - target * std::expm1(t - tSecond);
        x = x + run.noiseBetween(x, sigma, next) * second.up;
    }
    return x;
}

// DPM-Solver++(2M) SDE, eta 1, with the midpoint or Heun correction; one noise per step over [next, sigma].
namespace {
at::Tensor dpmpp2mSdeWith(SamplerRun& run, at::Tensor x, bool heunCorrection) {
    std::optional<at::Tensor> oldDenoised;
    double hLast = 0;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        if (next == 0) {
            x = denoised;
        } else {
            const double h = std::log(sigma) - std::log(next);
            const double decay = -std::expm1(-2 * h);  // 1 - e^{-2h}
            x = x * (next / sigma * std::exp(-h)) + denoised * decay;
            if (oldDenoised) {
                const double r = hLast / h;
                const double weight = heunCorrection ? (decay / (-2 * h) + 1) / r : 0.5 * decay / r;
                x = x + (denoised - *oldDenoised) * weight;
            }
            x = x + run.noiseBetween(x, sigma, next) * (next * std::sqrt(decay));
            hLast = h;
        }
        oldDenoised = denoised;
    }
    return x;
}
}  // namespace

at::Tensor sampleDpmpp2mSde(SamplerRun& run, at::Tensor x) { return dpmpp2mSdeWith(run, std::move(x), false); }
at::Tensor sampleDpmpp2mSdeHeun(SamplerRun& run, at::Tensor x) { return dpmpp2mSdeWith(run, std::move(x), true); }

// DPM-Solver++(3M) SDE, eta 1: the 2M SDE step plus a second-difference term once three x0 estimates exist.
at::Tensor sampleDpmpp3mSde(SamplerRun& run, at::Tensor x) {
    std::optional<at::Tensor> denoised1, denoised2;  // one and two steps back
    std::optional<double> h1, h2;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        std::optional<double> h;
        if (next == 0) {
            x = denoised;
        } else {
            h = std::log(sigma) - std::log(next);
            const double hEta = 2 * *h;
            const double decay = -std::expm1(-hEta);
            x = x * (next / sigma * std::exp(-*h)) + denoised * decay;
            const double phi2 = std::expm1(-hEta) / hEta + 1;
            if (h2) {
                const double r0 = *h1 / *h, r1 = *h2 / *h;
                const at::Tensor d10 = (denoised - *denoised1) / r0;
                const at::Tensor d11 = (*denoised1 - *denoised2) / r1;
                const at::Tensor d1 = d10 + (d10 - d11) * (r0 / (r0 + r1));
                const at::Tensor d2 = (d10 - d11) / (r0 + r1);
                const double phi3 = phi2 / hEta - 0.5;
                x = x + d1 * phi2 - d2 * phi3;
            } else if (h1) {
                x = x + (denoised - *denoised1) / (*h1 / *h) * phi2;
            }
            x = x + run.noiseBetween(x, sigma, next) * (next * std::sqrt(decay));
        }
        denoised2 = denoised1;
        denoised1 = denoised;
        h2 = h1;
        h1 = h;
    }
    return x;
}

}  // namespace tessera::engine::detail
