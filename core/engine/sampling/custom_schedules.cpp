#include "core/engine/sampling/custom_schedules.h"

#include "core/common/error.h"
#include "core/engine/sampling/beta_distribution.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/schedulers.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

namespace tessera::engine {
namespace {

void requireScheduleSteps(const char* scheduler, int steps) {
    if (steps < 1)
        throw Error(std::string(scheduler) + ": steps must be at least 1 (got " + std::to_string(steps) + ")");
}

void requireScheduleSigmaRange(const char* scheduler, double sigmaMin, double sigmaMax) {
    if (!(sigmaMin > 0.0) || !(sigmaMax >= sigmaMin) || !std::isfinite(sigmaMax))
        throw Error(std::string(scheduler) + ": sigma_min and sigma_max must satisfy 0 < sigma_min <= sigma_max (got " +
                    std::to_string(sigmaMin) + " and " + std::to_string(sigmaMax) + ")");
}

at::Tensor appendFinalZeroSigma(const at::Tensor& sigmas) { return at::cat({sigmas, at::zeros({1}, at::kFloat)}); }

at::Tensor scheduleToFloatTensor(const std::vector<double>& values) {
    at::Tensor t = at::empty({static_cast<int64_t>(values.size())}, at::kFloat);
    float* p = t.data_ptr<float>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<float>(values[i]);
    return t;
}

void requireSigmaList(const char* node, const at::Tensor& sigmas) {
    if (!sigmas.defined() || sigmas.dim() != 1)
        throw Error(std::string(node) + ": sigmas must be a 1-D list of noise levels");
}

}  // namespace

at::Tensor karrasSigmas(int steps, double sigmaMin, double sigmaMax, double rho) {
    requireScheduleSteps("karras", steps);
    requireScheduleSigmaRange("karras", sigmaMin, sigmaMax);
    if (!(rho > 0.0)) throw Error("karras: rho must be above 0");
    const double minInvRho = std::pow(sigmaMin, 1.0 / rho), maxInvRho = std::pow(sigmaMax, 1.0 / rho);
    const at::Tensor ramp = at::linspace(0.0, 1.0, steps, at::kFloat);
    return appendFinalZeroSigma((ramp * (minInvRho - maxInvRho) + maxInvRho).pow(rho));
}

at::Tensor exponentialSigmas(int steps, double sigmaMin, double sigmaMax) {
    requireScheduleSteps("exponential", steps);
    requireScheduleSigmaRange("exponential", sigmaMin, sigmaMax);
    return appendFinalZeroSigma(at::linspace(std::log(sigmaMax), std::log(sigmaMin), steps, at::kFloat).exp());
}

at::Tensor polyexponentialSigmas(int steps, double sigmaMin, double sigmaMax, double rho) {
    requireScheduleSteps("polyexponential", steps);
    requireScheduleSigmaRange("polyexponential", sigmaMin, sigmaMax);
    const at::Tensor ramp = at::linspace(1.0, 0.0, steps, at::kFloat).pow(rho);
    return appendFinalZeroSigma((ramp * (std::log(sigmaMax) - std::log(sigmaMin)) + std::log(sigmaMin)).exp());
}

at::Tensor vpSigmas(int steps, double betaD, double betaMin, double epsS) {
    requireScheduleSteps("vp", steps);
    if (!(epsS > 0.0 && epsS <= 1.0)) throw Error("vp: eps_s must be above 0 and at most 1 (got " + std::to_string(epsS) + ")");
    if (!(betaD >= 0.0 && betaMin >= 0.0 && betaD + betaMin > 0.0))
        throw Error("vp: beta_d and beta_min must not be negative, nor both 0 (got " + std::to_string(betaD) + " and " +
                    std::to_string(betaMin) + ")");
    const at::Tensor t = at::linspace(1.0, epsS, steps, at::kFloat);
    return appendFinalZeroSigma(at::sqrt(at::special_expm1(betaD * t.pow(2) / 2 + betaMin * t)));
}

at::Tensor laplaceSigmas(int steps, double sigmaMin, double sigmaMax, double mu, double beta) {
    requireScheduleSteps("laplace", steps);
    requireScheduleSigmaRange("laplace", sigmaMin, sigmaMax);
    constexpr double epsilon = 1e-5;  // k-diffusion's guard against log(0)
    const at::Tensor centred = 0.5 - at::linspace(0.0, 1.0, steps, at::kFloat);
    const at::Tensor lambda = mu - beta * at::sign(centred) * at::log(1 - 2 * at::abs(centred) + epsilon);
    return at::clamp(at::exp(lambda), sigmaMin, sigmaMax);
}

at::Tensor linearQuadraticSigmas(const ModelSampling& ms, int steps) {
    requireScheduleSteps("linear_quadratic", steps);
    constexpr double thresholdNoise = 0.025;
    std::vector<double> schedule;
    if (steps == 1) {
        schedule = {1.0, 0.0};
    } else {
        const int linearSteps = steps / 2;
        const int quadraticSteps = steps - linearSteps;
        const double stepDiff = linearSteps - thresholdNoise * steps;
        const double quadraticCoef = stepDiff / (linearSteps * double(quadraticSteps) * quadraticSteps);
        const double linearCoef = thresholdNoise / linearSteps - 2 * stepDiff / (double(quadraticSteps) * quadraticSteps);
        const double constant = quadraticCoef * (double(linearSteps) * linearSteps);
        for (int i = 0; i < linearSteps; ++i) schedule.push_back(1.0 - i * thresholdNoise / linearSteps);
        for (int i = linearSteps; i < steps; ++i)
            schedule.push_back(1.0 - (quadraticCoef * (double(i) * i) + linearCoef * i + constant));
        schedule.push_back(0.0);
    }
    return scheduleToFloatTensor(schedule) * static_cast<float>(ms.sigmaMax());
}

at::Tensor klOptimalSigmas(int steps, double sigmaMin, double sigmaMax) {
    requireScheduleSteps("kl_optimal", steps);
    requireScheduleSigmaRange("kl_optimal", sigmaMin, sigmaMax);
    const at::Tensor index = at::arange(steps, at::kFloat);
    const at::Tensor fraction = steps > 1 ? index / double(steps - 1) : index;
    return appendFinalZeroSigma((fraction * std::atan(sigmaMin) + (1 - fraction) * std::atan(sigmaMax)).tan());
}

at::Tensor betaSigmas(const ModelSampling& ms, int steps, double alpha, double beta) {
    requireScheduleSteps("beta", steps);
    if (!(alpha > 0.0) || !(beta > 0.0))
        throw Error("beta: alpha and beta must be above 0 (got " + std::to_string(alpha) + " and " + std::to_string(beta) + ")");
    const double lastIndex = static_cast<double>(ms.size() - 1);
    std::vector<double> sigmas;
    double lastT = -1;
    for (int i = 0; i < steps; ++i) {
        const double p = 1.0 - i * (1.0 / steps);
        const double t = std::nearbyint(inverseRegularizedIncompleteBeta(p, alpha, beta) * lastIndex);
        if (t != lastT) sigmas.push_back(ms.sigmaAt(static_cast<int64_t>(t)));
        lastT = t;
    }
    sigmas.push_back(0.0);
    return scheduleToFloatTensor(sigmas);
}

at::Tensor sdTurboSigmas(const ModelSampling& ms, int steps, double denoise) {
    if (steps < 1 || steps > 10) throw Error("SDTurboScheduler: steps must be 1..10 (got " + std::to_string(steps) + ")");
    const int start = 10 - static_cast<int>(10 * denoise);
    std::vector<double> sigmas;
    for (int i = start; i < start + steps && i < 10; ++i) sigmas.push_back(ms.sigma(999 - 100 * i));
    sigmas.push_back(0.0);
    return scheduleToFloatTensor(sigmas);
}

at::Tensor basicSchedulerSigmas(const ModelSampling& ms, const std::string& scheduler, int steps, double denoise) {
    if (steps < 1) throw Error("BasicScheduler: steps must be at least 1 (got " + std::to_string(steps) + ")");
    int total = steps;
    if (denoise < 1.0) {
        if (denoise <= 0.0) return at::empty({0}, at::kFloat);
        if (steps / denoise > 1e6)
            throw Error("BasicScheduler: denoise " + std::to_string(denoise) + " is too small for " + std::to_string(steps) +
                        " steps (the schedule would need over a million steps)");
        total = static_cast<int>(steps / denoise);
    }
    const at::Tensor sigmas = computeSigmas(ms, scheduler, total);
    const int64_t n = sigmas.size(0);
    return sigmas.slice(0, std::max<int64_t>(0, n - (steps + 1)), n).contiguous();
}

std::pair<at::Tensor, at::Tensor> splitSigmasAtStep(const at::Tensor& sigmas, int64_t step) {
    requireSigmaList("SplitSigmas", sigmas);
    const int64_t n = sigmas.size(0);
    if (n == 0) throw Error("SplitSigmas: the sigmas are empty; there is nothing to split");
    if (step < 0 || step > n - 1)
        throw Error("SplitSigmas: step " + std::to_string(step) + " is beyond the schedule's last step (" +
                    std::to_string(n) + " sigmas, steps 0.." + std::to_string(n - 1) + ")");
    return {sigmas.slice(0, 0, step + 1).clone(), sigmas.slice(0, step, n).clone()};
}

std::pair<at::Tensor, at::Tensor> splitSigmasByDenoise(const at::Tensor& sigmas, double denoise) {
    requireSigmaList("SplitSigmasDenoise", sigmas);
    if (!(denoise >= 0.0 && denoise <= 1.0))
        throw Error("SplitSigmasDenoise: denoise must be between 0 and 1 (got " + std::to_string(denoise) + ")");
    const int64_t n = sigmas.size(0);
    if (n == 0) throw Error("SplitSigmasDenoise: the sigmas are empty; there is nothing to split");
    const int64_t steps = n - 1;
    const auto low = static_cast<int64_t>(std::nearbyint(steps * denoise));
    const at::Tensor high = low == 0 ? sigmas.slice(0, 0, 0) : sigmas.slice(0, 0, n - low);
    return {high.clone(), sigmas.slice(0, n - (low + 1), n).clone()};
}

at::Tensor flipSigmas(const at::Tensor& sigmas) {
    requireSigmaList("FlipSigmas", sigmas);
    if (sigmas.size(0) == 0) return sigmas;
    at::Tensor flipped = sigmas.flip({0}).clone();
    if (flipped[0].item<double>() == 0.0) flipped[0] = 0.0001;
    return flipped;
}

}  // namespace tessera::engine
