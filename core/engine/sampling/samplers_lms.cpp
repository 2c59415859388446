// Linear multistep (k-diffusion's lms, order 4): Adams-Bashforth in sigma with coefficients integrated
// from the Lagrange basis over the actual (uneven) sigma steps.
#include "core/engine/sampling/quadrature.h"
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <deque>

namespace tessera::engine::detail {
namespace {

// Integral over [sigmas[i], sigmas[i+1]] of the Lagrange basis polynomial of node i-j on nodes i..i-order+1.
double lmsCoefficient(int order, const std::vector<double>& sigmas, int i, int j) {
    auto basis = [&](double tau) {
        double prod = 1.0;
        for (int k = 0; k < order; ++k) {
            if (k == j) continue;
            prod *= (tau - sigmas[i - k]) / (sigmas[i - j] - sigmas[i - k]);
        }
        return prod;
    };
    return integrate(basis, sigmas[i], sigmas[i + 1]);
}

}  // namespace

at::Tensor sampleLms(SamplerRun& run, at::Tensor x) {
    constexpr int maxOrder = 4;
    std::vector<double> sigmas;
    for (int i = 0; i <= run.steps(); ++i) sigmas.push_back(run.sigma(i));
    std::deque<at::Tensor> derivatives;  // newest last
    for (int i = 0; i < run.steps(); ++i) {
        const at::Tensor denoised = run.startStep(i, x);
        derivatives.push_back(toD(x, sigmas[i], denoised));
        if (static_cast<int>(derivatives.size()) > maxOrder) derivatives.pop_front();
        const int order = std::min(i + 1, maxOrder);
        at::Tensor update = at::zeros_like(x);
        for (int j = 0; j < order; ++j)
            update = update + derivatives[derivatives.size() - 1 - static_cast<size_t>(j)] * lmsCoefficient(order, sigmas, i, j);
        x = x + update;
    }
    return x;
}

}  // namespace tessera::engine::detail
