// UniPC (Zhao et al. 2023) as ComfyUI's extra_samplers/uni_pc.py runs it: multistep, data prediction,
// order min(3, steps - 1), lower order for the final steps, B(h) = h (bh1) or e^h - 1 (bh2).
//
// ComfyUI solves in VP coordinates (x_vp = x / sqrt(1 + sigma^2)); every update there is the VE update
// below multiplied by alpha(sigma_next), so this runs directly on x with the same coefficients. A final
// sigma of 0 becomes 0.001 (ComfyUI's), so the result keeps that last bit of noise.
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>
#include <utility>

namespace tessera::engine::detail {
namespace {

constexpr int kUniPcMaxOrder = 3;

// Solves the n x n system a * r = b (n <= 3) by Gaussian elimination with partial pivoting.
std::vector<double> solveUniPcSystem(std::vector<std::vector<double>> a, std::vector<double> b) {
    const size_t n = b.size();
    for (size_t col = 0; col < n; ++col) {
        size_t pivot = col;
        for (size_t row = col + 1; row < n; ++row)
            if (std::abs(a[row][col]) > std::abs(a[pivot][col])) pivot = row;
        std::swap(a[col], a[pivot]);
        std::swap(b[col], b[pivot]);
        for (size_t row = col + 1; row < n; ++row) {
            const double f = a[row][col] / a[col][col];
            for (size_t k = col; k < n; ++k) a[row][k] -= f * a[col][k];
            b[row] -= f * b[col];
        }
    }
    std::vector<double> r(n);
    for (size_t i = n; i-- > 0;) {
        double s = b[i];
        for (size_t k = i + 1; k < n; ++k) s -= a[i][k] * r[k];
        r[i] = s / a[i][i];
    }
    return r;
}

struct UniPcHistory {
    std::vector<at::Tensor> models;  // x0 estimates, oldest first
    std::vector<double> sigmas;      // where they were taken
};

class UniPcSolver {
public:
    UniPcSolver(SamplerRun& run, bool bh2) : run_(run), bh2_(bh2) {}

    // One multistep update of x (at history.sigmas.back()) to sigma `to` with the given order; the corrector
    // evaluates the model at the predicted point and returns that evaluation in `modelAtTarget`.
    at::Tensor update(const at::Tensor& x, const UniPcHistory& history, double to, int order, bool useCorrector,
                      at::Tensor& modelAtTarget) const {
        const double from = history.sigmas.back();
        const at::Tensor& model0 = history.models.back();
        const double h = std::log(from) - std::log(to);  // lambda(to) - lambda(from), lambda = -log(sigma)

        std::vector<double> rks;
        std::vector<at::Tensor> d1s;
        for (int i = 1; i < order; ++i) {
            const size_t k = history.sigmas.size() - 1 - static_cast<size_t>(i);
            const double rk = (std::log(from) - std::log(history.sigmas[k])) / h;
            rks.push_back(rk);
            d1s.push_back((history.models[k] - model0) / rk);
        }
        rks.push_back(1.0);

        const double hh = -h;
        const double hPhi1 = std::expm1(hh);
        const double bH = bh2_ ? std::expm1(hh) : hh;
        std::vector<std::vector<double>> r;
        std::vector<double> b;
        double hPhiK = hPhi1 / hh - 1;
        double factorial = 1;
        for (int i = 1; i <= order; ++i) {
            std::vector<double> row;
            for (double rk : rks) row.push_back(std::pow(rk, i - 1));
            r.push_back(row);
            b.push_back(hPhiK * factorial / bH);
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }

        const at::Tensor base = x * (to / from) - model0 * hPhi1;
        at::Tensor predicted = base;
        if (!d1s.empty()) {
            std::vector<double> rhosP = {0.5};
            if (order != 2) {
                std::vector<std::vector<double>> rp(r.begin(), r.end() - 1);
                for (auto& row : rp) row.pop_back();
                rhosP = solveUniPcSystem(rp, std::vector<double>(b.begin(), b.end() - 1));
            }
            at::Tensor residual = at::zeros_like(x);
            for (size_t k = 0; k < d1s.size(); ++k) residual = residual + d1s[k] * rhosP[k];
            predicted = base - residual * bH;
        }
        if (!useCorrector) return predicted;

        const std::vector<double> rhosC = order == 1 ? std::vector<double>{0.5} : solveUniPcSystem(r, b);
        modelAtTarget = run_.denoise(predicted, to);
        at::Tensor residual = (modelAtTarget - model0) * rhosC.back();
        for (size_t k = 0; k < d1s.size(); ++k) residual = residual + d1s[k] * rhosC[k];
        return base - residual * bH;
    }

private:
    SamplerRun& run_;
    bool bh2_;
};

at::Tensor sampleUniPcVariant(SamplerRun& run, at::Tensor x, bool bh2) {
    const int steps = run.steps();
    std::vector<double> sigmas;
    for (int i = 0; i <= steps; ++i) sigmas.push_back(run.sigma(i));
    if (sigmas.back() == 0) sigmas.back() = 0.001;
    const int order = std::min(kUniPcMaxOrder, steps - 1);
    const UniPcSolver solver(run, bh2);
    UniPcHistory history;

    for (int stepIndex = 0; stepIndex < steps; ++stepIndex) {
        run.beginStep();
        if (stepIndex == 0) {
            history.models.push_back(run.denoise(x, sigmas[0]));
            history.sigmas.push_back(sigmas[0]);
        } else if (stepIndex < order) {
            at::Tensor model;
            x = solver.update(x, history, sigmas[stepIndex], stepIndex, true, model);
            history.models.push_back(model);
            history.sigmas.push_back(sigmas[stepIndex]);
        } else {
            // The last step index also takes the final step, without a model call.
            const int last = stepIndex == steps - 1 ? stepIndex + 1 : stepIndex;
            for (int step = stepIndex; step <= last; ++step) {
                const int stepOrder = std::min(order, steps + 1 - step);
                at::Tensor model;
                x = solver.update(x, history, sigmas[static_cast<size_t>(step)], stepOrder, step != steps, model);
                // ComfyUI shifts the history left and overwrites the newest entry (kept as is after the final step).
                for (size_t i = 0; i + 1 < history.models.size(); ++i) {
                    history.models[i] = history.models[i + 1];
                    history.sigmas[i] = history.sigmas[i + 1];
                }
                history.sigmas.back() = sigmas[static_cast<size_t>(step)];
                if (step < steps) history.models.back() = model;
            }
        }
        run.report(stepIndex, x, history.models.back());
    }
    // With a single step (order 0) ComfyUI takes no step at all and only rescales between VP and VE.
    if (steps == 1) x = x * (std::sqrt(1 + sigmas[1] * sigmas[1]) / std::sqrt(1 + sigmas[0] * sigmas[0]));
    return x;
}

}  // namespace

at::Tensor sampleUniPc(SamplerRun& run, at::Tensor x) { return sampleUniPcVariant(run, std::move(x), false); }
at::Tensor sampleUniPcBh2(SamplerRun& run, at::Tensor x) { return sampleUniPcVariant(run, std::move(x), true); }

}  // namespace tessera::engine::detail
