// ComfyUI's custom sampling (comfy_extras/nodes_custom_sampler.py) with its names, inputs and
// outputs: KSamplerSelect and SamplerSASolver (SAMPLER), RandomNoise / DisableNoise (NOISE), CFGGuider / BasicGuider /
// DualCFGGuider / PerpNegGuider (GUIDER), SamplerCustom and SamplerCustomAdvanced. The samplers run the engine's
// KSampler path (engine::runCustomSampler): same noise, inpainting mask, progress, previews and
// cancellation; "denoised_output" is the last step's x0 estimate.
#include "core/engine/files/checkpoint.h"
#include "core/engine/sampling/ksampler.h"
#include "core/engine/sampling/samplers.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/custom_sampling_values.h"
#include "nodes/decl_helpers.h"
#include "nodes/engine_inputs.h"
#include "nodes/latent_inputs.h"
#include "nodes/sampling_feedback.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

constexpr double kCustomSamplerLatentScale = 0.18215;

std::shared_ptr<const engine::DiffusionModel> guiderModel(const NodeContext& ctx) {
    auto model = ctx.get<ModelValue>("model")->model;
    if (!model) ctx.fail("input 'model' holds no model");
    return model;
}

std::vector<engine::Conditioning> guiderConditioning(const NodeContext& ctx, const std::string& input) {
    const auto& entries = ctx.get<ConditioningValue>(input)->entries;
    if (entries.empty()) ctx.fail("input '" + input + "' holds no conditioning");
    for (const auto& e : entries)
        if (!e.context.defined()) ctx.fail("input '" + input + "' holds conditioning without text");
    return entries;
}

NodeDecl kSamplerSelect() {
    NodeDecl d = makeDecl("KSamplerSelect", "KSamplerSelect", "sampling/samplers",
                          "Picks a sampler algorithm by name for SamplerCustom / SamplerCustomAdvanced.");
    d.inputs = {comboInput("sampler_name", engine::samplerNames())};
    d.outputs = {output("SAMPLER", "SAMPLER")};
    d.run = [](NodeContext& ctx) {
        return std::vector<Value>{std::make_shared<SamplerValue>(ctx.getString("sampler_name"))};
    };
    return d;
}

NodeDecl samplerSaSolver() {
    NodeDecl d = makeDecl("SamplerSASolver", "SamplerSASolver", "sampling/samplers",
                          "SA-Solver (stochastic Adams predictor-corrector) with its settings: noise of strength eta "
                          "between sde_start_percent and sde_end_percent of the model's schedule, the predictor and "
                          "corrector orders, and PECE (one more model call per step on the corrected state).");
    d.inputs = {port("model", "MODEL"),
                floatInput("eta", 1.0, 0.0, 10.0, 0.01),
                floatInput("sde_start_percent", 0.2, 0.0, 1.0, 0.001),
                floatInput("sde_end_percent", 0.8, 0.0, 1.0, 0.001),
                floatInput("s_noise", 1.0, 0.0, 100.0, 0.01),
                intInput("predictor_order", 3, 1, 6),
                intInput("corrector_order", 4, 0, 6),
                boolInput("use_pece", false),
                boolInput("simple_order_2", false)};
    d.outputs = {output("SAMPLER", "SAMPLER")};
    d.run = [](NodeContext& ctx) {
        const auto model = guiderModel(ctx);
        engine::SaSolverSettings s = engine::saSolverSettings(model->sampling, ctx.getFloat("eta"),
                                                              ctx.getFloat("sde_start_percent"),
                                                              ctx.getFloat("sde_end_percent"));
        s.sNoise = ctx.getFloat("s_noise");
        s.predictorOrder = static_cast<int>(ctx.getInt("predictor_order"));
        s.correctorOrder = static_cast<int>(ctx.getInt("corrector_order"));
        s.usePece = ctx.getBool("use_pece");
        s.simpleOrder2 = ctx.getBool("simple_order_2");
        engine::SamplerOptions options;
        options.saSolver = s;
        return std::vector<Value>{std::make_shared<SamplerValue>("sa_solver", std::move(options))};
    };
    return d;
}

NodeDecl randomNoise() {
    NodeDecl d = makeDecl("RandomNoise", "RandomNoise", "sampling/noise",
                          "Starting noise from a seed, the same KSampler draws for that seed.");
    d.inputs = {seedInput("noise_seed")};
    d.outputs = {output("NOISE", "NOISE")};
    d.run = [](NodeContext& ctx) {
        return std::vector<Value>{std::make_shared<NoiseValue>(true, ctx.getInt("noise_seed"))};
    };
    return d;
}

NodeDecl disableNoise() {
    NodeDecl d = makeDecl("DisableNoise", "DisableNoise", "sampling/noise",
                          "No starting noise: the sampler starts from the latent as it is (a latent already noised, "
                          "or the second half of a split schedule).");
    d.outputs = {output("NOISE", "NOISE")};
    d.run = [](NodeContext&) { return std::vector<Value>{std::make_shared<NoiseValue>(false, 0)}; };
    return d;
}

NodeDecl cfgGuider() {
    NodeDecl d = makeDecl("CFGGuider", "CFG Guider", "sampling/guiders",
                          "Classifier-free guidance, as KSampler: negative + (positive - negative) * cfg.");
    d.inputs = {port("model", "MODEL"), port("positive", "CONDITIONING"), port("negative", "CONDITIONING"),
                floatInput("cfg", 8.0, 0.0, 100.0, 0.1)};
    d.outputs = {output("GUIDER", "GUIDER")};
    d.run = [](NodeContext& ctx) {
        engine::Guider g;
        g.kind = engine::Guider::Kind::Cfg;
        g.model = guiderModel(ctx);
        g.positive = guiderConditioning(ctx, "positive");
        g.negative = guiderConditioning(ctx, "negative");
        g.cfg = ctx.getFloat("cfg");
        return std::vector<Value>{std::make_shared<GuiderValue>(std::move(g))};
    };
    return d;
}

NodeDecl basicGuider() {
    NodeDecl d = makeDecl("BasicGuider", "Basic Guider", "sampling/guiders",
                          "The model's prediction for one conditioning, without a negative (cfg 1; for guidance-"
                          "distilled models).");
    d.inputs = {port("model", "MODEL"), port("conditioning", "CONDITIONING")};
    d.outputs = {output("GUIDER", "GUIDER")};
    d.run = [](NodeContext& ctx) {
        engine::Guider g;
        g.kind = engine::Guider::Kind::Basic;
        g.model = guiderModel(ctx);
        g.positive = guiderConditioning(ctx, "conditioning");
        return std::vector<Value>{std::make_shared<GuiderValue>(std::move(g))};
    };
    return d;
}

NodeDecl dualCfgGuider() {
    NodeDecl d = makeDecl("DualCFGGuider", "Dual CFG Guider", "sampling/guiders",
                          "Two prompts guided separately: cond2 against the negative with cfg_cond2_negative, cond1 "
                          "against cond2 with cfg_conds (\"nested\": cond1 over cond2 first, then against the negative).");
    d.inputs = {port("model", "MODEL"),
                port("cond1", "CONDITIONING"),
                port("cond2", "CONDITIONING"),
                port("negative", "CONDITIONING"),
                floatInput("cfg_conds", 8.0, 0.0, 100.0, 0.1),
                floatInput("cfg_cond2_negative", 8.0, 0.0, 100.0, 0.1),
                comboInput("style", {"regular", "nested"})};
    d.outputs = {output("GUIDER", "GUIDER")};
    d.run = [](NodeContext& ctx) {
        engine::Guider g;
        g.kind = engine::Guider::Kind::DualCfg;
        g.model = guiderModel(ctx);
        g.positive = guiderConditioning(ctx, "cond1");
        g.middle = guiderConditioning(ctx, "cond2");
        g.negative = guiderConditioning(ctx, "negative");
        g.cfg = ctx.getFloat("cfg_conds");
        g.cfgNegative = ctx.getFloat("cfg_cond2_negative");
        g.nested = ctx.getString("style") == "nested";
        return std::vector<Value>{std::make_shared<GuiderValue>(std::move(g))};
    };
    return d;
}

// Model evaluations per step batched together, for the memory check.
int guidedEvaluations(const engine::Guider& g) {
    if (g.kind == engine::Guider::Kind::Basic) return 1;
    if (g.kind == engine::Guider::Kind::DualCfg || g.kind == engine::Guider::Kind::PerpNeg)
        return 1;  // three separate calls of one batch each
    return g.cfg == 1.0 ? 1 : 2;
}

// Runs the request and returns ComfyUI's two outputs: the sampled latent and the last x0 estimate.
std::vector<Value> runCustomSamplerNode(const NodeContext& ctx, engine::CustomSamplerRequest r) {
    const auto latent = ctx.get<LatentValue>("latent_image");
    r.latent = latent->samples;
    if (!r.latent.defined() || r.latent.dim() != 4) ctx.fail("input 'latent_image' should be a latent [batch, channels, h, w]");
    r.noiseMask = latent->noiseMask;
    r.noiseIndices = latent->batchIndex;
    if (r.noiseMask.defined()) {
        const int64_t maskBatch = r.noiseMask.numel() / (r.noiseMask.size(-1) * r.noiseMask.size(-2));
        checkMaskBatch(ctx, maskBatch, r.latent.size(0), "latent batch");
    }
    const auto sampler = ctx.get<SamplerValue>("sampler");
    r.sampler = sampler->name;
    r.samplerOptions = sampler->options;
    r.sigmas = ctx.get<SigmasValue>("sigmas")->sigmas;
    if (!r.sigmas.defined() || r.sigmas.dim() != 1) ctx.fail("input 'sigmas' is not a 1-D list of noise levels");
    if (r.sigmas.size(0) == 0)
        ctx.fail("input 'sigmas' is empty: there is nothing to sample (a scheduler with denoise 0, or SplitSigmasDenoise "
                 "with denoise 0, gives no sigmas)");
    requireSamplingMemory(ctx, *r.guider.model, r.latent, guidedEvaluations(r.guider));

    const SamplingFeedback feedback(ctx);
    Value out = latentLike(*latent, engine::runCustomSampler(r, feedback.callbacks()));
    if (!feedback.lastDenoised().defined()) return {out, out};
    return {out, latentLike(*latent, feedback.lastDenoised() / kCustomSamplerLatentScale)};
}

NodeDecl samplerCustom() {
    NodeDecl d = makeDecl("SamplerCustom", "SamplerCustom", "sampling/custom_sampling",
                          "Samples along the given sigmas with the chosen sampler and classifier-free guidance. "
                          "denoised_output is the model's last estimate of the clean latent.");
    d.inputs = {port("model", "MODEL"),
                boolInput("add_noise", true),
                seedInput("noise_seed"),
                floatInput("cfg", 8.0, 0.0, 100.0, 0.1),
                port("positive", "CONDITIONING"),
                port("negative", "CONDITIONING"),
                port("sampler", "SAMPLER"),
                port("sigmas", "SIGMAS"),
                port("latent_image", "LATENT")};
    d.outputs = {output("output", "LATENT"), output("denoised_output", "LATENT")};
    d.run = [](NodeContext& ctx) {
        engine::CustomSamplerRequest r;
        r.guider.kind = engine::Guider::Kind::Cfg;
        r.guider.model = guiderModel(ctx);
        r.guider.positive = guiderConditioning(ctx, "positive");
        r.guider.negative = guiderConditioning(ctx, "negative");
        r.guider.cfg = ctx.getFloat("cfg");
        r.addNoise = ctx.getBool("add_noise");
        r.seed = ctx.getInt("noise_seed");
        return runCustomSamplerNode(ctx, std::move(r));
    };
    return d;
}

NodeDecl samplerCustomAdvanced() {
    NodeDecl d = makeDecl("SamplerCustomAdvanced", "SamplerCustomAdvanced", "sampling/custom_sampling",
                          "Samples along the given sigmas with the chosen sampler, starting noise and guider. "
                          "denoised_output is the model's last estimate of the clean latent.");
    d.inputs = {port("noise", "NOISE"), port("guider", "GUIDER"), port("sampler", "SAMPLER"), port("sigmas", "SIGMAS"),
                port("latent_image", "LATENT")};
    d.outputs = {output("output", "LATENT"), output("denoised_output", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const auto noise = ctx.get<NoiseValue>("noise");
        engine::CustomSamplerRequest r;
        r.guider = ctx.get<GuiderValue>("guider")->guider;
        if (!r.guider.model) ctx.fail("input 'guider' holds no model");
        r.addNoise = noise->enabled;
        r.seed = noise->seed;
        return runCustomSamplerNode(ctx, std::move(r));
    };
    return d;
}

NodeDecl perpNegGuider() {
    NodeDecl d = makeDecl("PerpNegGuider", "PerpNegGuider", "_for_testing",
                          "Perp-Neg: positive and negative measured from the empty prompt, and only the part of the "
                          "negative perpendicular to the positive pushed away from (by neg_scale), so a negative that "
                          "overlaps the positive does not cancel it. Three model calls per step.");
    d.inputs = {port("model", "MODEL"),
                port("positive", "CONDITIONING"),
                port("negative", "CONDITIONING"),
                port("empty_conditioning", "CONDITIONING"),
                floatInput("cfg", 8.0, 0.0, 100.0, 0.1),
                floatInput("neg_scale", 1.0, 0.0, 100.0, 0.01)};
    d.outputs = {output("GUIDER", "GUIDER")};
    d.run = [](NodeContext& ctx) {
        engine::Guider g;
        g.kind = engine::Guider::Kind::PerpNeg;
        g.model = guiderModel(ctx);
        g.positive = guiderConditioning(ctx, "positive");
        g.negative = guiderConditioning(ctx, "negative");
        g.middle = guiderConditioning(ctx, "empty_conditioning");
        g.cfg = ctx.getFloat("cfg");
        g.negScale = ctx.getFloat("neg_scale");
        return std::vector<Value>{std::make_shared<GuiderValue>(std::move(g))};
    };
    return d;
}

}  // namespace

void registerCustomSamplingNodes(Registry& registry) {
    registry.add(samplerCustom());
    registry.add(samplerCustomAdvanced());
    registry.add(kSamplerSelect());
    registry.add(samplerSaSolver());
    registry.add(randomNoise());
    registry.add(disableNoise());
    registry.add(cfgGuider());
    registry.add(basicGuider());
    registry.add(dualCfgGuider());
    registry.add(perpNegGuider());
}

}  // namespace tessera::nodes
