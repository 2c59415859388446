// Sigma schedules as values (SIGMAS) for the custom samplers, with ComfyUI's names, inputs and
// defaults (comfy_extras/nodes_custom_sampler.py): BasicScheduler, KarrasScheduler,
// ExponentialScheduler, PolyexponentialScheduler, VPScheduler, LaplaceScheduler, BetaSamplingScheduler, SDTurboScheduler,
// AlignYourStepsScheduler (comfy_extras/nodes_align_your_steps.py), SplitSigmas, SplitSigmasDenoise, FlipSigmas.
#include "core/engine/files/checkpoint.h"
#include "core/engine/sampling/align_your_steps.h"
#include "core/engine/sampling/custom_schedules.h"
#include "core/engine/sampling/schedulers.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/custom_sampling_values.h"
#include "nodes/decl_helpers.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

// Stable Diffusion 1.x/2.x's sigma range, ComfyUI's defaults for the model-free schedulers.
constexpr double kSd15SigmaMax = 14.614642;
constexpr double kSd15SigmaMin = 0.0291675;

std::vector<Value> sigmasOutput(at::Tensor sigmas) { return {std::make_shared<SigmasValue>(std::move(sigmas))}; }

const engine::ModelSampling& samplingOf(const NodeContext& ctx) {
    const auto& model = ctx.get<ModelValue>("model")->model;
    if (!model) ctx.fail("input 'model' holds no model");
    return model->sampling;
}

const at::Tensor& sigmasInput(const NodeContext& ctx) {
    const at::Tensor& sigmas = ctx.get<SigmasValue>("sigmas")->sigmas;
    if (!sigmas.defined() || sigmas.dim() != 1) ctx.fail("input 'sigmas' is not a 1-D list of noise levels");
    return sigmas;
}

InputDecl sigmaRangeInput(const std::string& name, double def) { return floatInput(name, def, 0.0, 5000.0, 0.01); }

NodeDecl basicScheduler() {
    NodeDecl d = makeDecl("BasicScheduler", "BasicScheduler", "sampling/schedulers",
                          "The sigmas KSampler would use for the model: the named scheduler over steps, the last "
                          "part only when denoise is below 1.");
    d.inputs = {port("model", "MODEL"), comboInput("scheduler", engine::schedulerNames()),
                intInput("steps", 20, 1, 10000), floatInput("denoise", 1.0, 0.0, 1.0)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(engine::basicSchedulerSigmas(samplingOf(ctx), ctx.getString("scheduler"),
                                                         static_cast<int>(ctx.getInt("steps")), ctx.getFloat("denoise")));
    };
    return d;
}

NodeDecl karrasScheduler() {
    NodeDecl d = makeDecl("KarrasScheduler", "KarrasScheduler", "sampling/schedulers",
                          "Karras et al.'s schedule between sigma_max and sigma_min, denser near the end as rho grows.");
    d.inputs = {intInput("steps", 20, 1, 10000), sigmaRangeInput("sigma_max", kSd15SigmaMax),
                sigmaRangeInput("sigma_min", kSd15SigmaMin), floatInput("rho", 7.0, 0.0, 100.0)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(engine::karrasSigmas(static_cast<int>(ctx.getInt("steps")), ctx.getFloat("sigma_min"),
                                                 ctx.getFloat("sigma_max"), ctx.getFloat("rho")));
    };
    return d;
}

NodeDecl exponentialScheduler() {
    NodeDecl d = makeDecl("ExponentialScheduler", "ExponentialScheduler", "sampling/schedulers",
                          "Sigmas evenly spaced in log scale from sigma_max to sigma_min.");
    d.inputs = {intInput("steps", 20, 1, 10000), sigmaRangeInput("sigma_max", kSd15SigmaMax),
                sigmaRangeInput("sigma_min", kSd15SigmaMin)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(engine::exponentialSigmas(static_cast<int>(ctx.getInt("steps")), ctx.getFloat("sigma_min"),
                                                      ctx.getFloat("sigma_max")));
    };
    return d;
}

NodeDecl polyexponentialScheduler() {
    NodeDecl d = makeDecl("PolyexponentialScheduler", "PolyexponentialScheduler", "sampling/schedulers",
                          "Log-sigma along a power ramp: rho 1 is the exponential schedule, larger rho spends more "
                          "steps at low noise.");
    d.inputs = {intInput("steps", 20, 1, 10000), sigmaRangeInput("sigma_max", kSd15SigmaMax),
                sigmaRangeInput("sigma_min", kSd15SigmaMin), floatInput("rho", 1.0, 0.0, 100.0)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(engine::polyexponentialSigmas(static_cast<int>(ctx.getInt("steps")), ctx.getFloat("sigma_min"),
                                                          ctx.getFloat("sigma_max"), ctx.getFloat("rho")));
    };
    return d;
}

NodeDecl vpScheduler() {
    NodeDecl d = makeDecl("VPScheduler", "VPScheduler", "sampling/schedulers",
                          "The continuous variance-preserving schedule: sigma = sqrt(exp(beta_d t^2/2 + beta_min t) - 1) "
                          "for t from 1 down to eps_s.");
    d.inputs = {intInput("steps", 20, 1, 10000), floatInput("beta_d", 19.9, 0.0, 5000.0),
                floatInput("beta_min", 0.1, 0.0, 5000.0), floatInput("eps_s", 0.001, 0.0, 1.0, 0.0001)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(engine::vpSigmas(static_cast<int>(ctx.getInt("steps")), ctx.getFloat("beta_d"),
                                             ctx.getFloat("beta_min"), ctx.getFloat("eps_s")));
    };
    return d;
}

NodeDecl laplaceScheduler() {
    NodeDecl d = makeDecl("LaplaceScheduler", "LaplaceScheduler", "sampling/schedulers",
                          "Log-sigma along a Laplace distribution's quantiles around mu (beta its spread): most steps "
                          "near exp(mu). Its sigmas end at sigma_min, not 0, as ComfyUI's do.");
    d.inputs = {intInput("steps", 20, 1, 10000), sigmaRangeInput("sigma_max", kSd15SigmaMax),
                sigmaRangeInput("sigma_min", kSd15SigmaMin), floatInput("mu", 0.0, -10.0, 10.0, 0.1),
                floatInput("beta", 0.5, 0.0, 10.0, 0.1)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(engine::laplaceSigmas(static_cast<int>(ctx.getInt("steps")), ctx.getFloat("sigma_min"),
                                                  ctx.getFloat("sigma_max"), ctx.getFloat("mu"), ctx.getFloat("beta")));
    };
    return d;
}

NodeDecl betaSamplingScheduler() {
    NodeDecl d = makeDecl("BetaSamplingScheduler", "BetaSamplingScheduler", "sampling/schedulers",
                          "The model's timesteps at the quantiles of a beta(alpha, beta) distribution (the \"beta\" "
                          "scheduler with its parameters).");
    d.inputs = {port("model", "MODEL"), intInput("steps", 20, 1, 10000), floatInput("alpha", 0.6, 0.0, 50.0),
                floatInput("beta", 0.6, 0.0, 50.0)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(engine::betaSigmas(samplingOf(ctx), static_cast<int>(ctx.getInt("steps")), ctx.getFloat("alpha"),
                                               ctx.getFloat("beta")));
    };
    return d;
}

NodeDecl sdTurboScheduler() {
    NodeDecl d = makeDecl("SDTurboScheduler", "SDTurboScheduler", "sampling/schedulers",
                          "SD Turbo's few-step schedule: timesteps 999, 899, ... starting lower as denoise falls.");
    d.inputs = {port("model", "MODEL"), intInput("steps", 1, 1, 10), floatInput("denoise", 1.0, 0.0, 1.0)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(
            engine::sdTurboSigmas(samplingOf(ctx), static_cast<int>(ctx.getInt("steps")), ctx.getFloat("denoise")));
    };
    return d;
}

NodeDecl alignYourStepsScheduler() {
    NodeDecl d = makeDecl("AlignYourStepsScheduler", "AlignYourStepsScheduler", "sampling/schedulers",
                          "NVIDIA's Align Your Steps noise levels for the model family (10 steps as published, other "
                          "counts interpolated in log sigma); the last part only when denoise is below 1.");
    d.inputs = {comboInput("model_type", engine::alignYourStepsModelTypes()), intInput("steps", 10, 1, 10000),
                floatInput("denoise", 1.0, 0.0, 1.0)};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        return sigmasOutput(engine::alignYourStepsSigmas(ctx.getString("model_type"), static_cast<int>(ctx.getInt("steps")),
                                                         ctx.getFloat("denoise")));
    };
    return d;
}

NodeDecl splitSigmas() {
    NodeDecl d = makeDecl("SplitSigmas", "SplitSigmas", "sampling/sigmas",
                          "Cuts a schedule at a step: high_sigmas up to it, low_sigmas from it on (both hold the "
                          "sigma at the cut), to run the two parts with different samplers or models.");
    d.inputs = {port("sigmas", "SIGMAS"), intInput("step", 0, 0, 10000)};
    d.outputs = {output("high_sigmas", "SIGMAS"), output("low_sigmas", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        auto [high, low] = engine::splitSigmasAtStep(sigmasInput(ctx), ctx.getInt("step"));
        return std::vector<Value>{std::make_shared<SigmasValue>(high), std::make_shared<SigmasValue>(low)};
    };
    return d;
}

NodeDecl splitSigmasDenoise() {
    NodeDecl d = makeDecl("SplitSigmasDenoise", "SplitSigmasDenoise", "sampling/sigmas",
                          "Cuts a schedule so that low_sigmas is its last denoise fraction of steps (img2img with "
                          "a custom sampler) and high_sigmas the rest.");
    d.inputs = {port("sigmas", "SIGMAS"), floatInput("denoise", 1.0, 0.0, 1.0)};
    d.outputs = {output("high_sigmas", "SIGMAS"), output("low_sigmas", "SIGMAS")};
    d.run = [](NodeContext& ctx) {
        auto [high, low] = engine::splitSigmasByDenoise(sigmasInput(ctx), ctx.getFloat("denoise"));
        return std::vector<Value>{std::make_shared<SigmasValue>(high), std::make_shared<SigmasValue>(low)};
    };
    return d;
}

NodeDecl flipSigmas() {
    NodeDecl d = makeDecl("FlipSigmas", "FlipSigmas", "sampling/sigmas",
                          "The schedule reversed (a first sigma of 0 becomes 0.0001). Tessera's samplers refuse "
                          "rising schedules, so this is for inspecting and splitting only.");
    d.inputs = {port("sigmas", "SIGMAS")};
    d.outputs = {output("SIGMAS", "SIGMAS")};
    d.run = [](NodeContext& ctx) { return sigmasOutput(engine::flipSigmas(sigmasInput(ctx))); };
    return d;
}

}  // namespace

void registerSigmaNodes(Registry& registry) {
    registry.add(basicScheduler());
    registry.add(karrasScheduler());
    registry.add(exponentialScheduler());
    registry.add(polyexponentialScheduler());
    registry.add(vpScheduler());
    registry.add(laplaceScheduler());
    registry.add(betaSamplingScheduler());
    registry.add(sdTurboScheduler());
    registry.add(alignYourStepsScheduler());
    registry.add(splitSigmas());
    registry.add(splitSigmasDenoise());
    registry.add(flipSigmas());
}

}  // namespace tessera::nodes
