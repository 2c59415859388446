// DPM-Solver-Fast (Lu et al. 2022) as ComfyUI's "dpm_fast": no schedule of its own. It solves from
// sigma_max = sigmas[0] to sigma_min = the last non-zero sigma with exactly `steps` model evaluations, uniform
// in t = -log(sigma) over floor(steps / 3) + 1 singlestep updates of order 3 (the last ones of order 2 and 1,
// or steps % 3), and stops at sigma_min as ComfyUI does, without a final denoise.
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tessera::engine::detail {
namespace {

// torch.linspace's float32 points (ComfyUI builds the t grid with the default dtype).
std::vector<double> dpmFastTimeGrid(double start, double end, int count) {
    const float from = static_cast<float>(start), to = static_cast<float>(end);
    const float step = (to - from) / static_cast<float>(count - 1);
    std::vector<double> out;
    for (int i = 0; i < count; ++i)
        out.push_back(i < count / 2 ? from + step * static_cast<float>(i) : to - step * static_cast<float>(count - 1 - i));
    return out;
}

class DpmSolverSteps {
public:
    explicit DpmSolverSteps(SamplerRun& run) : run_(run) {}

    static double sigmaAt(double t) { return std::exp(-t); }
    at::Tensor eps(const at::Tensor& x, double t) const { return (x - run_.denoise(x, sigmaAt(t))) / sigmaAt(t); }

    // One update from t to tNext of the given order, starting from eps0 = eps(x, t).
    at::Tensor step(const at::Tensor& x, const at::Tensor& eps0, double t, double tNext, int order) const {
        const double h = tNext - t;
        const at::Tensor first = x - eps0 * (sigmaAt(tNext) * std::expm1(h));
        if (order == 1) return first;
        if (order == 2) {
            constexpr double r1 = 0.5;
            const double s1 = t + r1 * h;
            const at::Tensor u1 = x - eps0 * (sigmaAt(s1) * std::expm1(r1 * h));
            return first - (eps(u1, s1) - eps0) * (sigmaAt(tNext) / (2 * r1) * std::expm1(h));
        }
        constexpr double r1 = 1.0 / 3, r2 = 2.0 / 3;
        const double s1 = t + r1 * h, s2 = t + r2 * h;
        const at::Tensor u1 = x - eps0 * (sigmaAt(s1) * std::expm1(r1 * h));
        const at::Tensor epsR1 = eps(u1, s1);
        const at::Tensor u2 = x - eps0 * (sigmaAt(s2) * std::expm1(r2 * h)) -
                              (epsR1 - eps0) * (sigmaAt(s2) * (r2 / r1) * (std::expm1(r2 * h) / (r2 * h) - 1));
        const at::Tensor epsR2 = eps(u2, s2);
        return first - (epsR2 - eps0) * (sigmaAt(tNext) / r2 * (std::expm1(h) / h - 1));
    }

private:
    SamplerRun& run_;
};

}  // namespace

at::Tensor sampleDpmFast(SamplerRun& run, at::Tensor x) {
    const int nfe = run.steps();
    double sigmaMin = run.sigma(nfe);
    if (sigmaMin == 0) sigmaMin = run.sigma(nfe - 1);
    if (sigmaMin == 0) return x;  // a single step straight to 0: ComfyUI's solver refuses (sigma_min must not be 0)
    const int updates = nfe / 3 + 1;
    const std::vector<double> ts = dpmFastTimeGrid(-std::log(run.sigma(0)), -std::log(sigmaMin), updates + 1);
    std::vector<int> orders(static_cast<size_t>(nfe % 3 == 0 ? updates - 2 : updates - 1), 3);
    if (nfe % 3 == 0) {
        orders.push_back(2);
        orders.push_back(1);
    } else {
        orders.push_back(nfe % 3);
    }
    const DpmSolverSteps solver(run);
    for (size_t i = 0; i < orders.size(); ++i) {
        run.beginStep();
        const double t = ts[i], tNext = ts[i + 1];
        const at::Tensor eps0 = solver.eps(x, t);
        run.report(static_cast<int>(i), x, x - eps0 * DpmSolverSteps::sigmaAt(t));
        x = solver.step(x, eps0, t, tNext, orders[i]);
    }
    return x;
}

}  // namespace tessera::engine::detail
