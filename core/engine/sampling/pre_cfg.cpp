#include "core/engine/sampling/pre_cfg.h"

#include <ATen/ATen.h>

#include <memory>
#include <optional>

namespace tessera::engine {
namespace {

// Reductions over the last three dims, one value per image ([B, C, h, w] latents).
const std::vector<int64_t> kPerImage = {-1, -2, -3};

}  // namespace

CfgCombine withPreCfg(CfgCombine inner, std::vector<PreCfgFunction> functions) {
    if (functions.empty()) return inner;
    return [inner = std::move(inner), functions = std::move(functions)](
               const at::Tensor& x, double sigma, const at::Tensor& condX0, const at::Tensor& uncondX0, double cfg) {
        at::Tensor cond = condX0, uncond = uncondX0;
        const PreCfgArgs step{x, sigma, cfg};
        for (const PreCfgFunction& f : functions) std::tie(cond, uncond) = f(step, std::move(cond), std::move(uncond));
        return combineGuidance(inner, x, sigma, cond, uncond, cfg);
    };
}

PreCfgFunction preCfgFunction(const PreCfgPatch& patch, bool negativeEvaluated) {
    switch (patch.kind) {
        case PreCfgPatch::Kind::AdaptiveProjected:
            return adaptiveProjectedGuidance(patch.eta, patch.normThreshold, patch.momentum);
        case PreCfgPatch::Kind::TangentialDamping:
            if (negativeEvaluated) return tangentialDampingCfg();
            return [](const PreCfgArgs&, at::Tensor cond, at::Tensor uncond) { return std::pair{cond, uncond}; };
    }
    return {};
}

PreCfgFunction adaptiveProjectedGuidance(double eta, double normThreshold, double momentum) {
    struct State {
        at::Tensor runningAverage;  // undefined: none yet
        std::optional<double> previousSigma;
    };
    auto state = std::make_shared<State>();
    return [=](const PreCfgArgs& step, at::Tensor cond, at::Tensor uncond) {
        if (state->previousSigma && step.sigma > *state->previousSigma) state->runningAverage = at::Tensor();
        state->previousSigma = step.sigma;
        at::Tensor guidance = cond - uncond;
        if (momentum != 0.0) {
            at::Tensor& average = state->runningAverage;
            average = average.defined() && average.sizes() == guidance.sizes() ? average * momentum + guidance : guidance;
            guidance = average;
        }
        if (normThreshold > 0.0) {
            const at::Tensor norm = at::linalg_vector_norm(guidance, 2, kPerImage, /*keepdim=*/true);
            guidance = guidance * at::minimum(at::ones_like(norm), normThreshold / norm);
        }
        const at::Tensor direction =
            cond / at::clamp_min(at::linalg_vector_norm(cond, 2, kPerImage, /*keepdim=*/true), 1e-12);
        const at::Tensor parallel = at::sum(guidance * direction, kPerImage, /*keepdim=*/true) * direction;
        const at::Tensor modified = guidance - parallel + parallel * eta;
        at::Tensor newCond = uncond + modified + (cond - uncond) / step.cfg;
        return std::pair{std::move(newCond), std::move(uncond)};
    };
}

PreCfgFunction tangentialDampingCfg() {
    return [](const PreCfgArgs& step, at::Tensor cond, at::Tensor uncond) {
        const int64_t batch = cond.size(0);
        const at::Tensor uncondScore = (step.x - uncond).reshape({batch, 1, -1}).to(at::kFloat);
        const at::Tensor condScore = (step.x - cond).reshape({batch, 1, -1}).to(at::kFloat);
        const at::Tensor vh = std::get<2>(at::linalg_svd(at::cat({uncondScore, condScore}, 1), /*full_matrices=*/false));
        const at::Tensor v1 = vh.narrow(1, 0, 1);
        const at::Tensor damped = at::matmul(uncondScore, v1.transpose(-2, -1)) * v1;
        at::Tensor newUncond = step.x - damped.reshape(uncond.sizes()).to(uncond.scalar_type());
        return std::pair{std::move(cond), std::move(newUncond)};
    };
}

}  // namespace tessera::engine
