#include "core/engine/sampling/schedulers.h"

#include "core/common/closest_names.h"
#include "core/common/error.h"
#include "core/engine/sampling/custom_schedules.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/samplers.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace tessera::engine {
namespace {

at::Tensor toTensor(const std::vector<double>& values) {
    at::Tensor t = at::empty({static_cast<int64_t>(values.size())}, at::kFloat);
    float* p = t.data_ptr<float>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<float>(values[i]);
    return t;
}

// torch.linspace in float32, as ComfyUI's schedulers build their ramps.
std::vector<double> linspaceFloat(double start, double end, int64_t n) {
    const at::Tensor t = at::linspace(start, end, n, at::kFloat).contiguous();
    const float* p = t.data_ptr<float>();
    return std::vector<double>(p, p + n);
}

// Evenly spaced timesteps from the largest to the smallest sigma; sgm_uniform drops the last one of steps+1.
std::vector<double> normalSchedule(const ModelSampling& ms, int steps, bool sgm) {
    const double start = ms.timestep(ms.sigmaMax());
    const double end = ms.timestep(ms.sigmaMin());
    std::vector<double> timesteps = sgm ? linspaceFloat(start, end, steps + 1) : linspaceFloat(start, end, steps);
    if (sgm) timesteps.pop_back();
    std::vector<double> sigmas;
    for (double t : timesteps) sigmas.push_back(ms.sigma(t));
    sigmas.push_back(0.0);
    return sigmas;
}

std::vector<double> karrasSchedule(const ModelSampling& ms, int steps) {
    constexpr double rho = 7.0;
    const double minInvRho = std::pow(ms.sigmaMin(), 1.0 / rho);
    const double maxInvRho = std::pow(ms.sigmaMax(), 1.0 / rho);
    std::vector<double> sigmas;
    for (double r : linspaceFloat(0.0, 1.0, steps)) sigmas.push_back(std::pow(maxInvRho + r * (minInvRho - maxInvRho), rho));
    sigmas.push_back(0.0);
    return sigmas;
}

std::vector<double> exponentialSchedule(const ModelSampling& ms, int steps) {
    std::vector<double> sigmas;
    for (double l : linspaceFloat(std::log(ms.sigmaMax()), std::log(ms.sigmaMin()), steps)) sigmas.push_back(std::exp(l));
    sigmas.push_back(0.0);
    return sigmas;
}

// sigmas[-(1 + int(i * 1000/steps))] for i < steps.
std::vector<double> simpleSchedule(const ModelSampling& ms, int steps) {
    const int64_t n = ms.size();
    const double stride = static_cast<double>(n) / steps;
    std::vector<double> sigmas;
    for (int i = 0; i < steps; ++i) sigmas.push_back(ms.sigmaAt(n - 1 - static_cast<int64_t>(i * stride)));
    sigmas.push_back(0.0);
    return sigmas;
}

// Every (1000 // steps)-th sigma starting at index 1, reversed.
std::vector<double> ddimUniformSchedule(const ModelSampling& ms, int steps) {
    const int64_t n = ms.size();
    const int64_t stride = std::max<int64_t>(n / steps, 1);
    std::vector<double> sigmas;
    for (int64_t x = 1; x < n; x += stride) sigmas.push_back(ms.sigmaAt(x));
    std::reverse(sigmas.begin(), sigmas.end());
    sigmas.push_back(0.0);
    return sigmas;
}

bool dropsPenultimateSigma(const std::string& sampler) {
    return sampler == "dpm_2" || sampler == "dpm_2_ancestral" || sampler == "uni_pc" || sampler == "uni_pc_bh2";
}

}  // namespace

std::vector<std::string> schedulerNames() {
    return {"normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta", "linear_quadratic", "kl_optimal"};
}

at::Tensor computeSigmas(const ModelSampling& ms, const std::string& scheduler, int steps) {
    if (steps < 1) throw Error("scheduler '" + scheduler + "': steps must be at least 1 (got " + std::to_string(steps) + ")");
    if (scheduler == "normal") return toTensor(normalSchedule(ms, steps, false));
    if (scheduler == "karras") return toTensor(karrasSchedule(ms, steps));
    if (scheduler == "exponential") return toTensor(exponentialSchedule(ms, steps));
    if (scheduler == "sgm_uniform") return toTensor(normalSchedule(ms, steps, true));
    if (scheduler == "simple") return toTensor(simpleSchedule(ms, steps));
    if (scheduler == "ddim_uniform") return toTensor(ddimUniformSchedule(ms, steps));
    if (scheduler == "beta") return betaSigmas(ms, steps, 0.6, 0.6);
    if (scheduler == "linear_quadratic") return linearQuadraticSigmas(ms, steps);
    if (scheduler == "kl_optimal") return klOptimalSigmas(steps, ms.sigmaMin(), ms.sigmaMax());
    throw Error(unknownNameMessage("scheduler", scheduler, schedulerNames()));
}

at::Tensor samplerSigmas(const ModelSampling& ms, const std::string& scheduler, int steps, double denoise,
                         const std::string& sampler) {
    const auto samplers = samplerNames();
    if (std::find(samplers.begin(), samplers.end(), sampler) == samplers.end())
        throw Error(unknownNameMessage("sampler", sampler, samplers));
    const auto schedulers = schedulerNames();
    if (std::find(schedulers.begin(), schedulers.end(), scheduler) == schedulers.end())
        throw Error(unknownNameMessage("scheduler", scheduler, schedulers));
    if (steps < 1) throw Error("sampler steps must be at least 1 (got " + std::to_string(steps) + ")");
    if (!(denoise >= 0.0 && denoise <= 1.0))
        throw Error("denoise must be between 0 and 1 (got " + std::to_string(denoise) + ")");
    if (denoise == 0.0) return at::empty({0}, at::kFloat);

    const bool full = denoise > 0.9999;
    if (!full && steps / denoise > 1e6)
        throw Error("denoise " + std::to_string(denoise) + " is too small for " + std::to_string(steps) +
                    " steps (the schedule would need over a million steps)");
    int scheduleSteps = full ? steps : static_cast<int>(steps / denoise);
    const bool dropPenultimate = dropsPenultimateSigma(sampler);
    if (dropPenultimate) ++scheduleSteps;
    at::Tensor sigmas = computeSigmas(ms, scheduler, scheduleSteps);
    if (dropPenultimate && sigmas.size(0) >= 3) {
        const int64_t n = sigmas.size(0);
        sigmas = at::cat({sigmas.slice(0, 0, n - 2), sigmas.slice(0, n - 1, n)});
    }
    if (!full) {
        const int64_t n = sigmas.size(0);
        sigmas = sigmas.slice(0, std::max<int64_t>(0, n - (steps + 1)), n);
    }
    return sigmas.contiguous();
}

}  // namespace tessera::engine
