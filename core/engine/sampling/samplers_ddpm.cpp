// Ancestral DDPM (Ho et al. 2020) steps on k-diffusion's sigma schedule, as ComfyUI's sample_ddpm: the step
// runs in VP coordinates with alpha_cumprod = 1 / (1 + sigma^2) and its eps = (x - x0) / sigma.
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tessera::engine::detail {

at::Tensor sampleDdpm(SamplerRun& run, at::Tensor x) {
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        const at::Tensor eps = (x - denoised) / sigma;
        const double alphaCumprod = 1 / (sigma * sigma + 1), alphaCumprodNext = 1 / (next * next + 1);
        const double alpha = alphaCumprod / alphaCumprodNext;
        at::Tensor mu = (x / std::sqrt(1 + sigma * sigma) - eps * ((1 - alpha) / std::sqrt(1 - alphaCumprod))) *
                        std::sqrt(1 / alpha);
        if (next > 0) {
            mu = mu + run.noise(x) * std::sqrt((1 - alpha) * (1 - alphaCumprodNext) / (1 - alphaCumprod));
            mu = mu * std::sqrt(1 + next * next);
        }
        x = mu;
    }
    return x;
}

}  // namespace tessera::engine::detail
