// DPM-Solver-Fast (Lu et al. 2022) as ComfyUI's "dpm_fast", and its adaptive-step sibling dpm_adaptive (below).
// dpm_fast has no schedule of its own. It solves from
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
        if (order == 1) return firstOrder(x, eps0, t, tNext);
        if (order == 2) return secondOrder(x, eps0, eps(stage(x, eps0, t, tNext, 0.5), t + 0.5 * (tNext - t)), t, tNext, 0.5);
        return thirdOrder(x, eps0, eps(stage(x, eps0, t, tNext, kThirdR1), t + kThirdR1 * (tNext - t)), t, tNext);
    }

    static constexpr double kThirdR1 = 1.0 / 3, kThirdR2 = 2.0 / 3;

    // The first-order state at t + r (tNext - t), where the higher orders evaluate the model again.
    static at::Tensor stage(const at::Tensor& x, const at::Tensor& eps0, double t, double tNext, double r) {
        const double h = tNext - t;
        return x - eps0 * (sigmaAt(t + r * h) * std::expm1(r * h));
    }
    static at::Tensor firstOrder(const at::Tensor& x, const at::Tensor& eps0, double t, double tNext) {
        return x - eps0 * (sigmaAt(tNext) * std::expm1(tNext - t));
    }
    // epsR1: eps at stage(.., r1).
    static at::Tensor secondOrder(const at::Tensor& x, const at::Tensor& eps0, const at::Tensor& epsR1, double t,
                                  double tNext, double r1) {
        return firstOrder(x, eps0, t, tNext) - (epsR1 - eps0) * (sigmaAt(tNext) / (2 * r1) * std::expm1(tNext - t));
    }
    // epsR1: eps at stage(.., 1/3).
    at::Tensor thirdOrder(const at::Tensor& x, const at::Tensor& eps0, const at::Tensor& epsR1, double t, double tNext) const {
        constexpr double r1 = kThirdR1, r2 = kThirdR2;
        const double h = tNext - t, s2 = t + r2 * h;
        const at::Tensor u2 = x - eps0 * (sigmaAt(s2) * std::expm1(r2 * h)) -
                              (epsR1 - eps0) * (sigmaAt(s2) * (r2 / r1) * (std::expm1(r2 * h) / (r2 * h) - 1));
        const at::Tensor epsR2 = eps(u2, s2);
        return firstOrder(x, eps0, t, tNext) - (epsR2 - eps0) * (sigmaAt(tNext) / r2 * (std::expm1(h) / h - 1));
    }

private:
    SamplerRun& run_;
};

// The last non-zero sigma, where ComfyUI's dpm_fast and dpm_adaptive stop (0 when there is none).
double dpmSolverSigmaMin(const SamplerRun& run) {
    const double last = run.sigma(run.steps());
    return last != 0 ? last : run.sigma(run.steps() - 1);
}

// k-diffusion's PIDStepSizeController with dpm_adaptive's defaults (pcoeff 0, icoeff 1, dcoeff 0, order 3,
// accept_safety 0.81): the step grows or shrinks by 1 + atan(error^(-1/3) - 1).
class AdaptiveStepSize {
public:
    explicit AdaptiveStepSize(double h) : h_(h) {}
    double h() const { return h_; }
    bool propose(double error) {
        const double factor = 1 + std::atan(std::pow(1 / (error + 1e-8), 1.0 / 3) - 1);
        h_ *= factor;
        return factor >= 0.81;
    }

private:
    double h_;
};

}  // namespace

at::Tensor sampleDpmFast(SamplerRun& run, at::Tensor x) {
    const int nfe = run.steps();
    const double sigmaMin = dpmSolverSigmaMin(run);
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

// DPM-Solver-23 with an adaptive step (ComfyUI's dpm_adaptive, its defaults: rtol 0.05, atol 0.0078, first
// step 0.05 in t, eta 0): from sigmas[0] to the last non-zero sigma in as many steps as the error control
// takes, each trying a second- and a third-order update with three model calls and keeping the third-order
// one when they agree. The schedule's other sigmas are not used. Progress counts tried steps, capped at the
// schedule's count.
at::Tensor sampleDpmAdaptive(SamplerRun& run, at::Tensor x) {
    const double sigmaMin = dpmSolverSigmaMin(run);
    if (sigmaMin == 0) return x;  // as dpm_fast
    const double tEnd = -std::log(sigmaMin);
    // ComfyUI's tolerances are float32 tensors
    const double rtol = static_cast<float>(0.05), atol = static_cast<float>(0.0078);
    const DpmSolverSteps solver(run);
    AdaptiveStepSize control(0.05);
    double s = -std::log(run.sigma(0));
    at::Tensor xPrev = x;
    for (int tried = 0; s < tEnd - 1e-5; ++tried) {
        run.beginStep();
        const double t = std::min(tEnd, s + control.h());
        const at::Tensor eps0 = solver.eps(x, s);
        run.report(std::min(tried, run.steps() - 1), x, x - eps0 * DpmSolverSteps::sigmaAt(s));
        constexpr double r1 = DpmSolverSteps::kThirdR1;
        const at::Tensor epsR1 = solver.eps(DpmSolverSteps::stage(x, eps0, s, t, r1), s + r1 * (t - s));
        const at::Tensor low = DpmSolverSteps::secondOrder(x, eps0, epsR1, s, t, r1);
        const at::Tensor high = solver.thirdOrder(x, eps0, epsR1, s, t);
        const at::Tensor delta = at::clamp_min(at::maximum(low.abs(), xPrev.abs()) * rtol, atol);
        const double error = at::linalg_norm((low - high) / delta).item<double>() / std::sqrt(static_cast<double>(x.numel()));
        if (control.propose(error)) {
            xPrev = low;
            x = high;
            s = t;
        }
    }
    return x;
}

}  // namespace tessera::engine::detail
