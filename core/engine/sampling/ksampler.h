#pragma once
// One sampling run with ComfyUI's KSampler / KSamplerAdvanced semantics (refdata README,
// "Pipeline semantics" 2-9): noise from the seed, sigmas from scheduler/steps/denoise,
// classifier-free guidance, noise-mask inpainting, ControlNets gated by start/end percent,
// 9-channel inpainting models. Latents in and out are unscaled (VAE space).
#include "core/common/cancel.h"
#include "core/engine/sampling/samplers.h"
#include "core/engine/sampling/unclip_adm.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::engine {

struct DiffusionModel;
class ControlModel;
struct GligenConditioning;

struct ControlApplication {
    std::shared_ptr<const ControlModel> net;  // a ControlNet or T2I-Adapter
    at::Tensor hint;  // NCHW 0..1; resized to 8x the latent when it differs
    double strength = 1.0;
    double startPercent = 0.0;
    double endPercent = 1.0;
};

// Where a conditioning entry applies: ComfyUI's "area", in latent cells or as fractions of the latent.
struct ConditioningArea {
    bool percentage = false;  // ConditioningSetAreaPercentage: fractions 0..1
    double height = 0, width = 0, y = 0, x = 0;
};

// One entry of a side's guidance: ComfyUI's CONDITIONING is a list of these, each with its own
// region, weight and part of the schedule (comfy/samplers.py calc_cond_batch averages them).
struct Conditioning {
    at::Tensor context;  // [1, tokens, width]
    std::vector<ControlApplication> controls;
    // ControlNetApply (the older node): entries of the negative side without ControlNets get these
    // (ComfyUI's control_apply_to_uncond).
    bool controlApplyToUncond = false;
    // 9-channel inpainting models: the mask [1,1,H,W] (1 = repaint) and the latent of the masked
    // image (unscaled) from InpaintModelConditioning. Empty: full mask and a grey-image latent.
    at::Tensor concatMask;
    at::Tensor concatLatent;
    // ConditioningSetArea / ...Percentage / ...Strength: the entry covers only `area`, feathered over
    // up to 8 cells at inner edges, with weight `strength`.
    std::optional<ConditioningArea> area;
    double strength = 1.0;
    // ConditioningSetMask: weight per latent pixel (any size, resized bilinearly), times maskStrength;
    // setAreaToBounds evaluates the model only over the mask's bounding box.
    at::Tensor mask;
    double maskStrength = 1.0;
    bool setAreaToBounds = false;
    // ConditioningSetTimestepRange: applies while percentToSigma(end) <= sigma <= percentToSigma(start).
    double startPercent = 0.0;
    double endPercent = 1.0;
    // unCLIPConditioning: image embeddings for an SD2 unCLIP model (ignored by models without label_emb).
    std::vector<UnclipImage> unclip;
    // The ADM vector built from `unclip` and the seed when sampling starts (unclip_adm.h); set by the sampler.
    at::Tensor adm;
    // GLIGENTextBoxApply: phrases placed in boxes, applied inside the UNet's transformer blocks.
    std::shared_ptr<const GligenConditioning> gligen;

    // Covers the whole latent over the whole schedule with weight 1 (what CLIPTextEncode makes).
    bool isPlain() const;
};

// A latent already noised to the start of a schedule (the Noise by Strength node): sampling
// continues from it without adding noise again.
struct NoisedStart {
    at::Tensor x;        // scaled latent space, noised to sigmas[0]
    at::Tensor sigmas;   // the remaining schedule
    at::Tensor noise;    // the seed noise (for noise-mask inpainting)
    at::Tensor latent0;  // the clean latent, scaled
};

struct KSamplerRequest {
    std::shared_ptr<const DiffusionModel> model;
    std::vector<Conditioning> positive, negative;  // at least one entry each
    at::Tensor latent;     // unscaled [B,4,h,w]
    at::Tensor noiseMask;  // optional, 1 = repaint, any size (resized to the latent)
    int64_t seed = 0;
    std::vector<int64_t> noiseIndices;  // ComfyUI's batch_index (see prepareNoise); empty = 0..B-1
    int steps = 20;
    double cfg = 8.0;
    std::string sampler = "euler";
    std::string scheduler = "normal";
    double denoise = 1.0;
    // KSamplerAdvanced
    bool addNoise = true;
    int startStep = 0;
    int endStep = 10000;
    bool forceFullDenoise = true;  // false = "return with leftover noise"
    std::optional<NoisedStart> start;
};

// ComfyUI's GUIDER: how the model's predictions for the conditioning become one x0 estimate.
struct Guider {
    enum class Kind {
        Cfg,      // CFGGuider (what KSampler uses): negative + (positive - negative) * cfg
        Basic,    // BasicGuider: the positive conditioning alone
        DualCfg,  // DualCFGGuider: positive (cond1), middle (cond2) and negative with two scales
        PerpNeg,  // PerpNegGuider: positive and negative around the empty prompt (middle), the negative's part
                  // perpendicular to the positive taken away (perp_neg.h)
    };
    Kind kind = Kind::Cfg;
    std::shared_ptr<const DiffusionModel> model;
    std::vector<Conditioning> positive, negative, middle;  // at least one entry each where the kind uses it
    double cfg = 1.0;         // Cfg, PerpNeg: cfg; DualCfg: cfg_conds (positive against middle)
    double cfgNegative = 1.0; // DualCfg: cfg_cond2_negative (middle against negative)
    bool nested = false;      // DualCfg style "nested": negative + cfgNegative * (middle-guided positive - negative)
    double negScale = 1.0;    // PerpNeg: neg_scale
};

// SamplerCustom / SamplerCustomAdvanced: a sampler along given sigmas with a guider.
struct CustomSamplerRequest {
    Guider guider;
    std::string sampler = "euler";
    SamplerOptions samplerOptions;  // from a sampler node with settings (SamplerSASolver)
    at::Tensor sigmas;     // 1-D, as the scheduler nodes make them
    at::Tensor latent;     // unscaled [B,4,h,w]
    at::Tensor noiseMask;  // optional, 1 = repaint
    bool addNoise = true;  // false: DisableNoise / add_noise off (zero noise)
    int64_t seed = 0;      // the noise seed; the ancestral samplers' noise uses seed + 1 as in KSampler
    std::vector<int64_t> noiseIndices;  // ComfyUI's batch_index (see prepareNoise); empty = 0..B-1
};

// Sigmas for a request (scheduler, denoise and advanced start/end steps applied).
at::Tensor requestSigmas(const KSamplerRequest& request);
// The sampler's starting point (README step 5) for a request: noise, sigmas and x.
NoisedStart prepareStart(const KSamplerRequest& request);
// The starting point along `sigmas`: seed noise (zeros without addNoise, per noiseIndices with them) over the
// scaled latent.
NoisedStart startAlong(const DiffusionModel& model, const at::Tensor& sigmas, const at::Tensor& latent, bool addNoise,
                       int64_t seed, const std::vector<int64_t>& noiseIndices = {});
// Runs the request; returns the unscaled latent. Throws tessera::Cancelled when cancelled.
at::Tensor runKSampler(const KSamplerRequest& request, const SamplerCallbacks& callbacks = {});
// The same sampling run for the custom-sampling nodes (KSampler is a CFG guider over its scheduler's sigmas).
at::Tensor runCustomSampler(const CustomSamplerRequest& request, const SamplerCallbacks& callbacks = {});

}  // namespace tessera::engine
