// Karras-style ODE samplers in sigma (k-diffusion's euler, heun, dpm_2 and their ancestral variants) and lcm.
#include "core/engine/compute/float32_math.h"
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tessera::engine::detail {

at::Tensor sampleEuler(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        x = x + toD(x, sigma, denoised) * (next - sigma);
    }
    return x;
}

at::Tensor sampleEulerAncestral(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        const AncestralStep step = ancestralStep(sigma, next);
        x = x + toD(x, sigma, denoised) * (step.down - sigma);
        if (next > 0) x = x + run.noise(x) * step.up;
    }
    return x;
}

at::Tensor sampleHeun(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        const at::Tensor d = toD(x, sigma, denoised);
        const double dt = next - sigma;
        if (next == 0) {
            x = x + d * dt;
        } else {
            const at::Tensor x2 = x + d * dt;
            const at::Tensor d2 = toD(x2, next, run.denoise(x2, next));
            x = x + (d + d2) / 2 * dt;
        }
    }
    return x;
}

namespace {
// The geometric midpoint as torch computes log().lerp(.., 0.5).exp() on float32 (lerp with
// weight >= 0.5 is end - (end - start) * (1 - weight)).
double logMidpoint(double a, double b) {
    const float la = f32::log(static_cast<float>(a)), lb = f32::log(static_cast<float>(b));
    return f32::exp(lb - (lb - la) * 0.5f);
}
}  // namespace

at::Tensor sampleDpm2(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        const at::Tensor d = toD(x, sigma, denoised);
        if (next == 0) {
            x = x + d * (next - sigma);
        } else {
            const double mid = logMidpoint(sigma, next);
            const at::Tensor x2 = x + d * (mid - sigma);
            const at::Tensor d2 = toD(x2, mid, run.denoise(x2, mid));
            x = x + d2 * (next - sigma);
        }
    }
    return x;
}

at::Tensor sampleDpm2Ancestral(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        const AncestralStep step = ancestralStep(sigma, next);
        const at::Tensor d = toD(x, sigma, denoised);
        if (step.down == 0) {
            x = x + d * (step.down - sigma);
        } else {
            const double mid = logMidpoint(sigma, step.down);
            const at::Tensor x2 = x + d * (mid - sigma);
            const at::Tensor d2 = toD(x2, mid, run.denoise(x2, mid));
            x = x + d2 * (step.down - sigma);
            x = x + run.noise(x) * step.up;
        }
    }
    return x;
}

// Latent consistency: jump to the x0 estimate, then re-noise to the next sigma.
at::Tensor sampleLcm(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        x = denoised;
        if (next > 0) x = x + run.noise(x) * next;
    }
    return x;
}

}  // namespace tessera::engine::detail
