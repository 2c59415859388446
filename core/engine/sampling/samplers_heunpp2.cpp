// heunpp2 (Carzit's sd-webui-samplers-scheduler, as ComfyUI ships it): Heun with a third evaluation two
// sigmas ahead, the derivatives weighted by sigma / (3 * sigma_max); plain Heun before the last step and
// Euler on it. s_churn is 0 in ComfyUI's KSampler, so no noise is ever added.
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

namespace tessera::engine::detail {

at::Tensor sampleHeunpp2(SamplerRun& run, at::Tensor x) {
    const double first = run.sigma(0), last = run.sigma(run.steps());
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        const at::Tensor d = toD(x, sigma, denoised);
        const double dt = next - sigma;
        if (next == last) {
            x = x + d * dt;
            continue;
        }
        const at::Tensor x2 = x + d * dt;
        const at::Tensor d2 = toD(x2, next, run.denoise(x2, next));
        const double after = run.sigma(i + 2);
        if (after == last) {
            const double w2 = next / (2 * first);
            x = x + (d * (1 - w2) + d2 * w2) * dt;
        } else {
            const at::Tensor x3 = x2 + d2 * (after - next);
            const at::Tensor d3 = toD(x3, after, run.denoise(x3, after));
            const double w2 = next / (3 * first), w3 = after / (3 * first);
            x = x + (d * (1 - w2 - w3) + d2 * w2 + d3 * w3) * dt;
        }
    }
    return x;
}

}  // namespace tessera::engine::detail
