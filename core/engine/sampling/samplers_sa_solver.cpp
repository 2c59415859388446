// SA-Solver as ComfyUI's sample_sa_solver runs it for eps and v models: a predictor-corrector loop in data
// prediction on lambda = -log(sigma). Each step first corrects the previous prediction with an Adams-Moulton
// step over the x0 history (the new estimate included), then predicts the next state with an
// Adams-Bashforth step, adding noise of strength tau inside the SDE window. Orders grow from 1 as the
// history fills and shrink again over the last steps of a schedule ending at 0.
#include "core/engine/sampling/sa_solver.h"
#include "core/engine/sampling/sa_solver_coefficients.h"
#include "core/engine/sampling/sampler_steps.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <deque>

namespace tessera::engine {

SaSolverSettings saSolverSettings(const ModelSampling& sampling, double eta, double sdeStartPercent,
                                  double sdeEndPercent) {
    SaSolverSettings s;
    s.eta = eta;
    s.sdeStartSigma = sampling.percentToSigma(sdeStartPercent);
    s.sdeEndSigma = sampling.percentToSigma(sdeEndPercent);
    return s;
}

SaSolverSettings saSolverDefaults(const ModelSampling& sampling) { return saSolverSettings(sampling, 1.0, 0.2, 0.8); }

namespace detail {
namespace {

double saSolverTau(const SaSolverSettings& s, double sigma) {
    if (s.eta <= 0) return 0.0;
    return s.sdeStartSigma >= sigma && sigma >= s.sdeEndSigma ? s.eta : 0.0;
}

void checkSaSolverSettings(const SaSolverSettings& s) {
    if (s.predictorOrder < 1 || s.predictorOrder > 6)
        throw Error("sa_solver: predictor_order must be 1 to 6 (got " + std::to_string(s.predictorOrder) + ")");
    if (s.correctorOrder < 0 || s.correctorOrder > 6)
        throw Error("sa_solver: corrector_order must be 0 to 6 (got " + std::to_string(s.correctorOrder) + ")");
    if (!std::isfinite(s.eta) || !std::isfinite(s.sNoise) || s.sNoise < 0)
        throw Error("sa_solver: eta and s_noise must be finite and s_noise not negative");
}

// sum_k history[size - weights.size() + k] * weights[k]: the newest weights.size() estimates, oldest first.
at::Tensor saSolverWeightedSum(const std::deque<at::Tensor>& history, const std::vector<double>& weights) {
    const size_t first = history.size() - weights.size();
    at::Tensor sum = history[first] * weights[0];
    for (size_t k = 1; k < weights.size(); ++k) sum = sum + history[first + k] * weights[k];
    return sum;
}

std::vector<double> saSolverLambdaWindow(const std::vector<double>& lambdas, int newest, int count) {
    return std::vector<double>(lambdas.begin() + (newest - count + 1), lambdas.begin() + (newest + 1));
}

at::Tensor runSaSolver(SamplerRun& run, at::Tensor x, SaSolverSettings s) {
    checkSaSolverSettings(s);
    const int steps = run.steps();
    std::vector<double> lambdas(static_cast<size_t>(steps) + 1);
    for (int i = 0; i <= steps; ++i) {
        if (i > 0 && run.sigma(i) == run.sigma(i - 1))
            throw Error("sa_solver: the schedule repeats the noise level " + std::to_string(run.sigma(i)) +
                        "; SA-Solver needs strictly decreasing sigmas");
        lambdas[static_cast<size_t>(i)] = -std::log(run.sigma(i));
    }
    const size_t maxHistory = static_cast<size_t>(std::max(s.predictorOrder, s.correctorOrder));
    const bool lowerOrderToEnd = run.sigma(steps) == 0;
    std::deque<at::Tensor> history;  // x0 estimates, newest last
    at::Tensor predicted = x, noise;
    double h = 0.0, tau = 0.0;       // of the last predictor step, which the corrector repeats
    for (int i = 0; i < steps; ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        at::Tensor denoised = run.startStep(i, predicted);
        history.push_back(denoised);
        while (history.size() > maxHistory) history.pop_front();

        const int available = static_cast<int>(history.size());
        int predictorOrder = std::min(s.predictorOrder, available);
        int correctorOrder = (i == 0 || (next == 0 && !s.usePece)) ? 0 : std::min(s.correctorOrder, available);
        if (lowerOrderToEnd) {
            predictorOrder = std::min(predictorOrder, steps - 1 - i);
            correctorOrder = std::min(correctorOrder, steps - i);
        }

        if (correctorOrder == 0) {
            x = predicted;
        } else {
            const std::vector<double> b =
                saSolverCoefficients(sigma, saSolverLambdaWindow(lambdas, i, correctorOrder), lambdas[static_cast<size_t>(i) - 1],
                                     lambdas[static_cast<size_t>(i)], tau, s.simpleOrder2, true);
            x = x * (sigma / run.sigma(i - 1) * std::exp(-(tau * tau) * h)) + saSolverWeightedSum(history, b);
            if (tau > 0 && s.sNoise > 0) x = x + noise;  // the previous predictor's noise
            if (s.usePece) {
                denoised = run.denoise(x, sigma);
                history.back() = denoised;
            }
        }

        if (next == 0) {
            predicted = denoised;
            continue;
        }
        tau = saSolverTau(s, next);
        const std::vector<double> b =
            saSolverCoefficients(next, saSolverLambdaWindow(lambdas, i, predictorOrder), lambdas[static_cast<size_t>(i)],
                                 lambdas[static_cast<size_t>(i) + 1], tau, s.simpleOrder2, false);
        h = lambdas[static_cast<size_t>(i) + 1] - lambdas[static_cast<size_t>(i)];
        predicted = x * (next / sigma * std::exp(-(tau * tau) * h)) + saSolverWeightedSum(history, b);
        if (tau > 0 && s.sNoise > 0) {
            noise = run.noise(x) * (next * std::sqrt(-std::expm1(-2 * tau * tau * h)) * s.sNoise);
            predicted = predicted + noise;
        }
    }
    return predicted;
}

SaSolverSettings saSolverSettingsOf(const SamplerRun& run) {
    if (run.options().saSolver) return *run.options().saSolver;
    return saSolverDefaults(ModelSampling::discrete(Prediction::Eps));  // SD1.x/SD2.x's schedule
}

}  // namespace

at::Tensor sampleSaSolver(SamplerRun& run, at::Tensor x) { return runSaSolver(run, std::move(x), saSolverSettingsOf(run)); }

at::Tensor sampleSaSolverPece(SamplerRun& run, at::Tensor x) {
    SaSolverSettings s = saSolverSettingsOf(run);
    s.usePece = true;
    return runSaSolver(run, std::move(x), s);
}

}  // namespace detail
}  // namespace tessera::engine
