// Sampling: KSampler, KSamplerAdvanced, NoiseByStrength, ModelSamplingDiscrete, ModelSamplingContinuousEDM, RescaleCFG,
// FreeU, FreeU_V2, PerturbedAttentionGuidance, SelfAttentionGuidance, CFGZeroStar, CFGNorm
// and DifferentialDiffusion (comfy_extras/nodes_differential_diffusion.py). Every step
// reports progress and a preview (TAESD or latent2rgb, see sampler_preview.h), and the run's cancel flag stops sampling within a
// step. Inputs and their order follow ComfyUI (nodes.py, comfy_extras/nodes_model_advanced.py).
#include "core/engine/files/checkpoint.h"
#include "core/engine/sampling/ksampler.h"
#include "core/engine/sampling/schedulers.h"
#include "core/engine/networks/unet.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/engine_inputs.h"
#include "nodes/latent_inputs.h"
#include "nodes/memory_estimates.h"
#include "nodes/model_cache.h"
#include "nodes/sampler_preview.h"
#include "nodes/sampling_feedback.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

constexpr double kLatentScale = 0.18215;

// The request parts both KSampler nodes share: model, conditioning, latent and its noise mask.
engine::KSamplerRequest baseRequest(const NodeContext& ctx, const LatentValue& latent) {
    engine::KSamplerRequest r;
    r.model = ctx.get<ModelValue>("model")->model;
    if (!r.model) ctx.fail("input 'model' holds no model");
    r.positive = ctx.get<ConditioningValue>("positive")->entries;
    r.negative = ctx.get<ConditioningValue>("negative")->entries;
    r.latent = latent.samples;
    if (!r.latent.defined() || r.latent.dim() != 4)
        ctx.fail("input 'latent_image' should be a latent [batch, channels, h, w]");
    r.noiseMask = latent.noiseMask;
    r.noiseIndices = latent.batchIndex;
    if (r.noiseMask.defined()) {
        const int64_t maskBatch = r.noiseMask.numel() / (r.noiseMask.size(-1) * r.noiseMask.size(-2));
        checkMaskBatch(ctx, maskBatch, r.latent.size(0), "latent batch");
    }
    r.cfg = ctx.getFloat("cfg");
    r.sampler = ctx.getString("sampler_name");
    r.scheduler = ctx.getString("scheduler");
    r.steps = static_cast<int>(ctx.getInt("steps"));
    requireSamplingMemory(ctx, *r.model, r.latent, r.cfg == 1.0 ? 1 : 2);
    return r;
}

std::vector<Value> sampleWithFeedback(const NodeContext& ctx, const engine::KSamplerRequest& r, const LatentValue& in) {
    const SamplingFeedback feedback(ctx);
    return {latentLike(in, engine::runKSampler(r, feedback.callbacks()))};  // ComfyUI passes the rest of the dict on
}

NodeDecl kSampler() {
    NodeDecl d = makeDecl("KSampler", "KSampler", "sampling",
                          "Denoises the latent with the model, guided by the positive and negative conditioning. "
                          "A latent from Noise by Strength is already noised: sampling continues along its schedule.");
    d.inputs = {port("model", "MODEL"),
                seedInput("seed"),
                intInput("steps", 20, 1, 10000),
                floatInput("cfg", 8.0, 0.0, 100.0, 0.1),
                comboInput("sampler_name", engine::samplerNames()),
                comboInput("scheduler", engine::schedulerNames()),
                port("positive", "CONDITIONING"),
                port("negative", "CONDITIONING"),
                port("latent_image", "LATENT"),
                floatInput("denoise", 1.0, 0.0, 1.0)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto latent = ctx.get<LatentValue>("latent_image");
        engine::KSamplerRequest r = baseRequest(ctx, *latent);
        r.seed = ctx.getInt("seed");
        r.denoise = ctx.getFloat("denoise");
        if (latent->noised) r.start = latent->noised;
        return sampleWithFeedback(ctx, r, *latent);
    };
    return d;
}

NodeDecl kSamplerAdvanced() {
    NodeDecl d = makeDecl("KSamplerAdvanced", "KSampler (Advanced)", "sampling",
                          "KSampler over part of the schedule (start_at_step..end_at_step), optionally without adding "
                          "noise or keeping the leftover noise, to chain samplers.");
    d.inputs = {port("model", "MODEL"),
                comboInput("add_noise", {"enable", "disable"}),
                seedInput("noise_seed"),
                intInput("steps", 20, 1, 10000),
                floatInput("cfg", 8.0, 0.0, 100.0, 0.1),
                comboInput("sampler_name", engine::samplerNames()),
                comboInput("scheduler", engine::schedulerNames()),
                port("positive", "CONDITIONING"),
                port("negative", "CONDITIONING"),
                port("latent_image", "LATENT"),
                intInput("start_at_step", 0, 0, 10000),
                intInput("end_at_step", 10000, 0, 10000),
                comboInput("return_with_leftover_noise", {"disable", "enable"})};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        // A Noise-by-Strength latent is taken as its (noised) samples here, as ComfyUI would.
        auto latent = ctx.get<LatentValue>("latent_image");
        engine::KSamplerRequest r = baseRequest(ctx, *latent);
        r.seed = ctx.getInt("noise_seed");
        r.addNoise = ctx.getString("add_noise") != "disable";
        r.startStep = static_cast<int>(ctx.getInt("start_at_step"));
        r.endStep = static_cast<int>(ctx.getInt("end_at_step"));
        r.forceFullDenoise = ctx.getString("return_with_leftover_noise") != "enable";
        return sampleWithFeedback(ctx, r, *latent);
    };
    return d;
}

NodeDecl noiseByStrength() {
    NodeDecl d = makeDecl("NoiseByStrength", "Noise by Strength", "sampling",
                          "Adds the noise a KSampler with denoise = strength would add, so you can see how much of the "
                          "image survives. Connect it to a KSampler with the same seed, steps and denoise = strength: "
                          "the KSampler continues from this latent instead of noising again.");
    d.inputs = {port("samples", "LATENT"),
                seedInput("seed"),
                floatInput("strength", 0.75, 0.0, 1.0),
                intInput("steps", 20, 1, 10000),
                comboInput("scheduler", engine::schedulerNames()),
                comboInput("sampler_name", engine::samplerNames())};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto in = ctx.get<LatentValue>("samples");
        if (!in->samples.defined() || in->samples.dim() != 4)
            ctx.fail("input 'samples' should be a latent [batch, channels, h, w]");
        // The schedule does not depend on what the model predicts: SD1/SD2 share it.
        auto schedule = std::make_shared<engine::DiffusionModel>();
        engine::KSamplerRequest r;
        r.model = schedule;
        r.latent = in->samples;
        r.noiseIndices = in->batchIndex;
        r.seed = ctx.getInt("seed");
        r.steps = static_cast<int>(ctx.getInt("steps"));
        r.denoise = ctx.getFloat("strength");
        r.scheduler = ctx.getString("scheduler");
        r.sampler = ctx.getString("sampler_name");
        const engine::NoisedStart start = engine::prepareStart(r);
        if (Previewer previewer = choosePreviewer(ctx.env()))
            if (auto image = previewer(start.x)) ctx.preview(std::move(image));
        auto out = latentLike(*in, start.x / kLatentScale);
        out->noised = start;
        return std::vector<Value>{out};
    };
    return d;
}

// The node's output: a copy of its input MODEL (ComfyUI's model.clone()) that `patch` changed.
template <class Patch>
std::vector<Value> patchedModel(const NodeContext& ctx, Patch patch) {
    auto in = ctx.get<ModelValue>("model");
    if (!in->model) ctx.fail("input 'model' holds no model");
    auto copy = std::make_shared<engine::DiffusionModel>(*in->model);
    patch(*copy);
    return {std::make_shared<ModelValue>(std::move(copy))};
}

NodeDecl modelSamplingDiscrete() {
    NodeDecl d = makeDecl("ModelSamplingDiscrete", "ModelSamplingDiscrete", "advanced/model",
                          "Sets what the model predicts: eps (SD1.x, SD2 base) or v_prediction (SD2 768-v models).");
    d.inputs = {port("model", "MODEL"), comboInput("sampling", {"eps", "v_prediction"}), boolInput("zsnr", false)};
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [](NodeContext& ctx) {
        if (ctx.getBool("zsnr")) ctx.fail("zsnr (zero terminal SNR) is not supported; set it to false");
        const std::string sampling = ctx.getString("sampling");
        const engine::Prediction prediction = sampling == "v_prediction" ? engine::Prediction::V : engine::Prediction::Eps;
        return patchedModel(ctx, [&](engine::DiffusionModel& m) { m.sampling = engine::ModelSampling::discrete(prediction); });
    };
    return d;
}

// A node that patches one number into a copy of its MODEL, read by the samplers.
NodeDecl modelPatchDecl(const std::string& type, const std::string& displayName, const std::string& category,
                        const std::string& description, InputDecl setting,
                        void (*apply)(engine::DiffusionModel& model, double value)) {
    NodeDecl d = makeDecl(type, displayName, category, description);
    const std::string name = setting.name;
    d.inputs = {port("model", "MODEL"), std::move(setting)};
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [name, apply](NodeContext& ctx) {
        return patchedModel(ctx, [&](engine::DiffusionModel& m) { apply(m, ctx.getFloat(name)); });
    };
    return d;
}

// A node without settings that adds one guidance patch to a copy of its MODEL (ComfyUI names the output
// "patched_model" on these).
NodeDecl fixedPatchDecl(const std::string& type, const std::string& displayName, const std::string& category,
                        const std::string& description, void (*apply)(engine::DiffusionModel& model)) {
    NodeDecl d = makeDecl(type, displayName, category, description);
    d.inputs = {port("model", "MODEL")};
    d.outputs = {output("patched_model", "MODEL")};
    d.run = [apply](NodeContext& ctx) { return patchedModel(ctx, apply); };
    return d;
}

NodeDecl differentialDiffusion() {
    return modelPatchDecl("DifferentialDiffusion", "Differential Diffusion", "_for_testing",
                          "Makes a soft inpainting mask a per-pixel denoise strength: each step repaints where the mask "
                          "reaches the share of the run still to go, so grey areas change less than white ones. "
                          "strength below 1 blends that with the plain soft mask.",
                          floatInput("strength", 1.0, 0.0, 1.0, 0.01),
                          [](engine::DiffusionModel& m, double v) { m.differentialDiffusion = v; });
}

NodeDecl rescaleCfg() {
    return modelPatchDecl("RescaleCFG", "RescaleCFG", "advanced/model",
                          "Rescales classifier-free guidance so each image's guided prediction keeps the spread of the "
                          "positive one (against the washed-out, over-saturated look of high cfg, mostly with "
                          "v-prediction models), mixed with plain guidance by `multiplier`.",
                          floatInput("multiplier", 0.7, 0.0, 1.0, 0.01),
                          [](engine::DiffusionModel& m, double v) { m.rescaleCfg = v; });
}

// FreeU and FreeU_V2: the same four factors, ComfyUI's defaults for each.
NodeDecl freeU(bool v2) {
    const engine::FreeU defaults = v2 ? engine::FreeU{1.3, 1.4, 0.9, 0.2, true} : engine::FreeU{};
    NodeDecl d = makeDecl(v2 ? "FreeU_V2" : "FreeU", v2 ? "FreeU_V2" : "FreeU", "model_patches/unet",
                          std::string("Strengthens the UNet's backbone features in its output blocks (b1 at the deepest, b2 at "
                                      "the next level) and damps the lowest frequencies of their skip connections (s1, s2): "
                                      "more coherent detail at no extra cost.") +
                              (v2 ? " V2 scales each pixel by how strong its features are." : ""));
    d.inputs = {port("model", "MODEL"), floatInput("b1", defaults.b1, 0.0, 10.0, 0.01), floatInput("b2", defaults.b2, 0.0, 10.0, 0.01),
                floatInput("s1", defaults.s1, 0.0, 10.0, 0.01), floatInput("s2", defaults.s2, 0.0, 10.0, 0.01)};
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [v2](NodeContext& ctx) {
        return patchedModel(ctx, [&](engine::DiffusionModel& m) {
            m.freeU.push_back({ctx.getFloat("b1"), ctx.getFloat("b2"), ctx.getFloat("s1"), ctx.getFloat("s2"), v2});
        });
    };
    return d;
}

NodeDecl perturbedAttentionGuidance() {
    return modelPatchDecl("PerturbedAttentionGuidance", "PerturbedAttentionGuidance", "model_patches/unet",
                          "Perturbed-Attention Guidance: each step also runs the positive prompt with the UNet's "
                          "middle-block self-attention replaced by its values, and guides away from that degraded "
                          "prediction by `scale` (sharper structure; one more model call per step). Applied after "
                          "cfg, and the negative is evaluated even at cfg 1, as in ComfyUI. DualCFGGuider does not "
                          "apply it.",
                          floatInput("scale", 3.0, 0.0, 100.0, 0.1),
                          [](engine::DiffusionModel& m, double v) {
                              m.postCfg.push_back({engine::PostCfgPatch::Kind::PerturbedAttention, v});
                          });
}

NodeDecl selfAttentionGuidance() {
    NodeDecl d = makeDecl("SelfAttentionGuidance", "Self-Attention Guidance", "_for_testing",
                          "Self-Attention Guidance: each step blurs the negative prompt's prediction where the UNet's "
                          "middle block attends most, runs the model on that degraded copy, and guides away from it by "
                          "`scale` (more detail; one more model call per step). Needs a negative prompt (KSampler, "
                          "CFGGuider); the negative is evaluated even at cfg 1, as in ComfyUI. blur_sigma 0 blurs nothing.");
    d.inputs = {port("model", "MODEL"), floatInput("scale", 0.5, -2.0, 5.0, 0.01), floatInput("blur_sigma", 2.0, 0.0, 10.0, 0.1)};
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [](NodeContext& ctx) {
        return patchedModel(ctx, [&](engine::DiffusionModel& m) {
            m.postCfg.push_back({engine::PostCfgPatch::Kind::SelfAttention, ctx.getFloat("scale"), ctx.getFloat("blur_sigma")});
        });
    };
    return d;
}

NodeDecl cfgZeroStar() {
    return fixedPatchDecl("CFGZeroStar", "CFGZeroStar", "advanced/guidance",
                          "CFG-Zero*: before guidance, scales the negative prediction by its best fit to the positive one "
                          "in each image, so early steps push less off course. No settings, no extra model call.",
                          [](engine::DiffusionModel& m) { m.postCfg.push_back({engine::PostCfgPatch::Kind::CfgZeroStar}); });
}

NodeDecl cfgNorm() {
    NodeDecl d = makeDecl("CFGNorm", "CFGNorm", "advanced/guidance",
                          "Caps each pixel's guided prediction at the length (over the channels) of the positive one, "
                          "against the over-saturation of high cfg, then multiplies by `strength`.");
    d.inputs = {port("model", "MODEL"), floatInput("strength", 1.0, 0.0, 100.0, 0.01)};
    d.outputs = {output("patched_model", "MODEL")};
    d.run = [](NodeContext& ctx) {
        return patchedModel(ctx, [&](engine::DiffusionModel& m) {
            m.postCfg.push_back({engine::PostCfgPatch::Kind::CfgNorm, ctx.getFloat("strength")});
        });
    };
    return d;
}

NodeDecl mahiro() {
    return fixedPatchDecl("Mahiro", "Mahiro is so cute that she deserves a better guidance function!! (。・ω・。)",
                          "_for_testing",
                          "Scales guidance more along the positive prompt's own direction than along its difference "
                          "from the negative: the guided prediction is mixed with cfg x positive by how little the "
                          "negative agrees with it.",
                          [](engine::DiffusionModel& m) { m.postCfg.push_back({engine::PostCfgPatch::Kind::Mahiro}); });
}

NodeDecl adaptiveProjectedGuidance() {
    NodeDecl d = makeDecl("APG", "Adaptive Projected Guidance", "sampling/custom_sampling",
                          "Splits the guidance into its part along the positive prediction and the rest, and scales the "
                          "first by eta (against the over-saturation of high cfg). norm_threshold caps the guidance's "
                          "length per image (0: off); momentum keeps a running average of it across steps (0: off).");
    d.inputs = {port("model", "MODEL"), floatInput("eta", 1.0, -10.0, 10.0, 0.01),
                floatInput("norm_threshold", 5.0, 0.0, 50.0, 0.1), floatInput("momentum", 0.0, -5.0, 1.0, 0.01)};
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [](NodeContext& ctx) {
        return patchedModel(ctx, [&](engine::DiffusionModel& m) {
            m.preCfg.push_back({engine::PreCfgPatch::Kind::AdaptiveProjected, ctx.getFloat("eta"),
                                ctx.getFloat("norm_threshold"), ctx.getFloat("momentum")});
        });
    };
    return d;
}

NodeDecl tangentialDampingCfg() {
    return fixedPatchDecl("TCFG", "Tangential Damping CFG", "advanced/guidance",
                          "TCFG (arXiv 2503.18137): keeps only the part of the negative prediction along the main "
                          "direction it shares with the positive one, for cleaner guidance. Off where the negative is "
                          "not evaluated (cfg 1).",
                          [](engine::DiffusionModel& m) { m.preCfg.push_back({engine::PreCfgPatch::Kind::TangentialDamping}); });
}

// ComfyUI's choices and what each samples as: (prediction, sigma_data).
NodeDecl modelSamplingContinuousEdm() {
    NodeDecl d = makeDecl("ModelSamplingContinuousEDM", "ModelSamplingContinuousEDM", "advanced/model",
                          "Samples the model over a continuous noise range from sigma_min to sigma_max (the UNet sees "
                          "timestep 0.25*ln(sigma)), for models trained that way (CosXL, EDM). 'edm' uses sigma_data 0.5.");
    d.inputs = {port("model", "MODEL"), comboInput("sampling", {"v_prediction", "edm", "edm_playground_v2.5", "eps"}),
                floatInput("sigma_max", 120.0, 0.0, 1000.0, 0.001), floatInput("sigma_min", 0.002, 0.0, 1000.0, 0.001)};
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [](NodeContext& ctx) {
        const std::string sampling = ctx.getString("sampling");
        if (sampling == "edm_playground_v2.5")
            ctx.fail("'edm_playground_v2.5' also switches to Playground v2.5's SDXL latent format, which Tessera's "
                     "SD1.x/SD2.x models do not have; use 'edm'");
        const engine::Prediction prediction = sampling == "v_prediction" ? engine::Prediction::V
                                              : sampling == "edm"        ? engine::Prediction::Edm
                                                                         : engine::Prediction::Eps;
        const double sigmaMin = ctx.getFloat("sigma_min"), sigmaMax = ctx.getFloat("sigma_max");
        if (!(sigmaMin > 0.0 && sigmaMax > sigmaMin))
            ctx.fail("sigma_min (" + std::to_string(sigmaMin) + ") must be above 0 and below sigma_max (" +
                     std::to_string(sigmaMax) + ")");
        return patchedModel(ctx, [&](engine::DiffusionModel& m) {
            m.sampling = engine::ModelSampling::continuousEdm(prediction, sigmaMin, sigmaMax, sampling == "edm" ? 0.5 : 1.0);
        });
    };
    return d;
}

}  // namespace

void registerSamplingNodes(Registry& registry) {
    registry.add(kSampler());
    registry.add(kSamplerAdvanced());
    registry.add(noiseByStrength());
    registry.add(modelSamplingDiscrete());
    registry.add(modelSamplingContinuousEdm());
    registry.add(differentialDiffusion());
    registry.add(rescaleCfg());
    registry.add(freeU(false));
    registry.add(freeU(true));
    registry.add(perturbedAttentionGuidance());
    registry.add(selfAttentionGuidance());
    registry.add(cfgZeroStar());
    registry.add(cfgNorm());
    registry.add(mahiro());
    registry.add(adaptiveProjectedGuidance());
    registry.add(tangentialDampingCfg());
}

}  // namespace tessera::nodes
