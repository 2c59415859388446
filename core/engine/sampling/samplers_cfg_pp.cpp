// CFG++ samplers (arXiv 2406.08070) as ComfyUI runs them for eps/v models (alpha = 1): each step lands on the
// guided x0 estimate but re-noises along the unconditional one, which keeps large guidance scales on the data
// manifold. res_multistep's and gradient_estimation's CFG++ variants live with their plain twins.
#include "core/engine/compute/float32_math.h"
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>
#include <optional>

namespace tessera::engine::detail {
namespace {

at::Tensor eulerAncestralCfgPpWith(SamplerRun& run, at::Tensor x, double eta) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const GuidedDenoised out = run.startGuidedStep(i, x);
        if (next == 0) {
            x = out.denoised;
            continue;
        }
        const at::Tensor d = toD(x, sigma, out.uncondDenoised);
        const AncestralStep step = ancestralStep(sigma, next, eta);
        x = out.denoised + d * step.down;
        if (eta > 0) x = x + run.noise(x) * step.up;
    }
    return x;
}

}  // namespace

at::Tensor sampleEulerCfgPp(SamplerRun& run, at::Tensor x) { return eulerAncestralCfgPpWith(run, std::move(x), 0.0); }
at::Tensor sampleEulerAncestralCfgPp(SamplerRun& run, at::Tensor x) { return eulerAncestralCfgPpWith(run, std::move(x), 1.0); }

// DPM-Solver++(2S) ancestral on the unconditional estimates (the midpoint's too), plus the first evaluation's
// guidance vector after each step.
at::Tensor sampleDpmpp2sAncestralCfgPp(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const GuidedDenoised out = run.startGuidedStep(i, x);
        const at::Tensor guidance = out.denoised - out.uncondDenoised;
        const AncestralStep step = ancestralStep(sigma, next);
        if (step.down == 0) {
            x = x + toD(x, sigma, out.uncondDenoised) * (step.down - sigma);
        } else {
            // float32 like k-diffusion, as in dpmpp_2s_ancestral
            const float t = -f32::log(static_cast<float>(sigma)), tNext = -f32::log(static_cast<float>(step.down));
            const float h = tNext - t;
            const double sigmaMid = f32::exp(-(t + 0.5f * h));
            const at::Tensor x2 = x * (sigmaMid / sigma) - out.uncondDenoised * std::expm1(-0.5 * h);
            const at::Tensor uncond2 = run.denoiseGuided(x2, sigmaMid).uncondDenoised;
            x = x * (step.down / sigma) - uncond2 * std::expm1(-h);
        }
        if (next > 0) x = x + run.noise(x) * step.up;
        x = x + guidance;
    }
    return x;
}

// DPM-Solver++(2M) with the history term on the unconditional estimates.
at::Tensor sampleDpmpp2mCfgPp(SamplerRun& run, at::Tensor x) {
    std::optional<at::Tensor> oldUncond;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const GuidedDenoised out = run.startGuidedStep(i, x);
        if (next == 0) {
            x = out.denoised;  // e^{-h} = 0
        } else {
            const double h = std::log(sigma) - std::log(next);
            at::Tensor mix = out.uncondDenoised * -std::exp(-h);
            if (oldUncond) {
                const double r = (std::log(run.sigma(i - 1)) - std::log(sigma)) / h;  // h_last / h
                mix = mix - (out.denoised - *oldUncond) * (std::expm1(-h) / (2 * r));
            }
            x = out.denoised + mix + x * std::exp(-h);
        }
        oldUncond = out.uncondDenoised;
    }
    return x;
}

}  // namespace tessera::engine::detail
