#include "core/engine/sampling/ksampler.h"

#include "core/common/error.h"
#include "core/engine/sampling/cfg_denoiser.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/networks/controlnet.h"
#include "core/engine/sampling/noise.h"
#include "core/engine/sampling/perp_neg.h"
#include "core/engine/sampling/post_cfg.h"
#include "core/engine/sampling/pre_cfg.h"
#include "core/engine/sampling/regional_cfg.h"
#include "core/engine/sampling/schedulers.h"
#include "core/engine/networks/perturbed_attention.h"
#include "core/engine/networks/self_attention_record.h"
#include "core/engine/networks/unet.h"
#include "core/engine/patches/gligen_patch.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace tessera::engine {
namespace {

constexpr double kLatentScale = 0.18215;

// The latent of a mid-grey image, ComfyUI's blank_inpaint_image_like for SD1/SD2 (scaled).
at::Tensor greyLatentLike(const at::Tensor& x) {
    at::Tensor blank = at::ones_like(x);
    const double factors[4] = {0.8223, -0.6876, 0.6364, 0.1380};
    for (int c = 0; c < 4 && c < x.size(1); ++c) blank.select(1, c).mul_(factors[c]);
    return blank;
}

at::Tensor fitToLatent(const at::Tensor& t, const at::Tensor& x, bool bilinear) {
    at::Tensor r = t.to(x.device(), x.scalar_type());
    if (r.dim() == 3) r = r.unsqueeze(1);
    if (r.size(2) != x.size(2) || r.size(3) != x.size(3))
        r = bilinear ? at::upsample_bilinear2d(r, {x.size(2), x.size(3)}, false)
                     : at::upsample_nearest2d(r, {x.size(2), x.size(3)});
    return r;
}

// Extra input channels of a 9-channel inpainting model: mask, then the masked image's latent (scaled).
at::Tensor inpaintConcat(const Conditioning& c, const at::Tensor& x) {
    at::Tensor mask = c.concatMask.defined() ? fitToLatent(c.concatMask, x, true) : at::ones_like(x.narrow(1, 0, 1));
    at::Tensor latent = c.concatLatent.defined() ? fitToLatent(c.concatLatent, x, true) * kLatentScale
                                                 : greyLatentLike(x.narrow(1, 0, 4));
    mask = mask.narrow(1, 0, 1);
    if (mask.size(0) != x.size(0)) mask = mask.expand({x.size(0), -1, -1, -1});
    if (latent.size(0) != x.size(0)) latent = latent.expand({x.size(0), -1, -1, -1});
    return at::cat({mask, latent}, 1);
}

// Extra input channels of an 8-channel InstructPix2Pix model: the edited image's latent (scaled), fitted to
// the sampled latent as ComfyUI does (bilinear after a centre crop to its aspect ratio); zeros without one.
at::Tensor instructPix2PixConcat(const Conditioning& c, const at::Tensor& x) {
    if (!c.concatLatent.defined()) return at::zeros_like(x.narrow(1, 0, 4));
    at::Tensor latent = c.concatLatent.to(x.device(), x.scalar_type());
    const int64_t h = latent.size(2), w = latent.size(3), th = x.size(2), tw = x.size(3);
    if (h != th || w != tw) {
        const double oldAspect = double(w) / double(h), newAspect = double(tw) / double(th);
        if (oldAspect > newAspect) {
            const int64_t cut = static_cast<int64_t>(std::nearbyint((double(w) - double(w) * (newAspect / oldAspect)) / 2));
            latent = latent.narrow(3, cut, w - 2 * cut);
        } else if (oldAspect < newAspect) {
            const int64_t cut = static_cast<int64_t>(std::nearbyint((double(h) - double(h) * (oldAspect / newAspect)) / 2));
            latent = latent.narrow(2, cut, h - 2 * cut);
        }
        latent = at::upsample_bilinear2d(latent.contiguous(), {th, tw}, false);
    }
    latent = latent * kLatentScale;
    const int64_t have = latent.size(0), want = x.size(0);
    if (have == want) return latent;
    // comfy.utils.resize_to_batch_size: evenly spaced picks when shrinking, nearest when growing.
    std::vector<int64_t> picks;
    for (int64_t i = 0; i < want; ++i)
        picks.push_back(want < have ? std::min<int64_t>(int64_t(std::nearbyint(i * double(have - 1) / double(std::max<int64_t>(want - 1, 1)))), have - 1)
                                    : std::min<int64_t>(int64_t(std::floor((i + 0.5) * double(have) / double(want))), have - 1));
    return latent.index_select(0, at::tensor(picks, at::kLong).to(latent.device()));
}

at::Tensor hintFor(const ControlApplication& control, const at::Tensor& x) {
    at::Tensor hint = control.hint.to(x.device(), x.scalar_type());
    const int64_t h = x.size(2) * 8, w = x.size(3) * 8;
    if (hint.size(2) != h || hint.size(3) != w) hint = at::_upsample_nearest_exact2d(hint, {h, w});
    if (hint.size(0) != x.size(0)) hint = hint.expand({x.size(0), -1, -1, -1});
    return hint;
}

void addResiduals(std::optional<ControlResiduals>& sum, ControlResiduals r) {
    if (!sum) {
        sum = std::move(r);
        return;
    }
    sum->add(r);
}

bool sameControls(const std::vector<ControlApplication>& a, const std::vector<ControlApplication>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].net != b[i].net || !a[i].hint.is_same(b[i].hint) || a[i].strength != b[i].strength ||
            a[i].startPercent != b[i].startPercent || a[i].endPercent != b[i].endPercent)
            return false;
    }
    return true;
}

// Which rows of a call SelfAttentionGuidance records the middle block's self-attention of (its negative's).
struct AttentionRecording {
    AttentionRecord* record = nullptr;  // null: none
    int64_t firstRow = 0, rows = 0;
};

// UNet (+ControlNets, +inpainting channels) for one chunk of conds that share their controls.
// adm: the chunk's ADM rows for a class-conditioned (unCLIP) UNet, else undefined.
at::Tensor callModel(const DiffusionModel& model, const Conditioning& cond, const at::Tensor& xIn,
                     const at::Tensor& timesteps, const at::Tensor& context, double sigma, const at::Tensor& adm,
                     const AttentionRecording& recording) {
    std::optional<ControlResiduals> control;
    for (const auto& c : cond.controls) {
        if (!controlActive(model.sampling, sigma, c.startPercent, c.endPercent)) continue;
        addResiduals(control, c.net->forward(xIn, hintFor(c, xIn), timesteps, context).scaled(float(c.strength)));
    }
    at::Tensor x = model.inpainting        ? at::cat({xIn, inpaintConcat(cond, xIn)}, 1)
                   : model.instructPix2Pix ? at::cat({xIn, instructPix2PixConcat(cond, xIn)}, 1)
                                           : xIn;
    std::optional<GligenPatch> gligen;
    if (cond.gligen)
        gligen.emplace(cond.gligen->model, gligenGroundingTokens(*cond.gligen, xIn.size(0), xIn.size(2), xIn.size(3)));
    const TransformerPatch* patch = gligen ? &*gligen : nullptr;
    std::optional<RecordingSelfAttention> recorder;
    if (recording.record)
        patch = &recorder.emplace(patch, model.unet->middleTransformers().first, recording.firstRow, recording.rows,
                                  *recording.record);
    std::optional<PerturbedSelfAttention> perturbed;
    if (model.perturbedMiddleAttention) patch = &perturbed.emplace(patch, model.unet->middleTransformers());
    return model.unet->forward(x, timesteps, context, control ? &*control : nullptr, adm, patch, model.freeU);
}

// The ADM rows of a batch of chunks (each chunk `rows` latents), as ComfyUI concatenates the conds' "y".
at::Tensor chunkAdm(const DiffusionModel& model, const std::vector<const Conditioning*>& conds,
                    const std::vector<int>& indices, int64_t rows) {
    if (model.unet->config().admInChannels == 0) return {};
    std::vector<at::Tensor> parts;
    for (int idx : indices) {
        const at::Tensor& adm = conds[size_t(idx)]->adm;
        if (!adm.defined()) throw Error("an unCLIP model's conditioning has no ADM vector (internal: not prepared)");
        parts.push_back(repeatToBatch(adm, rows));
    }
    return at::cat(parts, 0);
}

// `conds`: the entries condIndex refers to (they must outlive the sampling run); those from `firstNegative` on
// are the negative side's. With `record`, each call records the self-attention of its first negative chunk
// (ComfyUI's cond_or_uncond) for SelfAttentionGuidance.
ModelFn makeModelFn(const DiffusionModel& model, std::vector<const Conditioning*> conds, size_t firstNegative = 0,
                    std::shared_ptr<AttentionRecord> record = {}) {
    return [&model, conds, firstNegative, record](const ModelCallInput& in, const at::Tensor& context) -> at::Tensor {
        std::vector<int> indices = in.condIndices;
        if (indices.empty()) indices.push_back(in.condIndex);
        const int64_t chunks = static_cast<int64_t>(indices.size());
        bool uniform = true;
        for (int idx : indices) uniform = uniform && sameControls(conds[idx]->controls, conds[indices[0]]->controls) &&
                                          conds[idx]->gligen == conds[indices[0]]->gligen &&
                                          !((model.inpainting || model.instructPix2Pix) && conds[idx] != conds[indices[0]]);
        const int64_t b = in.xIn.size(0) / chunks;
        const at::Tensor adm = chunkAdm(model, conds, indices, b);
        // SelfAttentionGuidance records the call's first negative chunk (ComfyUI's cond_or_uncond.index(1)).
        int64_t recorded = -1;
        for (int64_t i = 0; record && recorded < 0 && i < chunks; ++i)
            if (size_t(indices[size_t(i)]) >= firstNegative) recorded = i;
        if (uniform) {
            const AttentionRecording recording =
                recorded < 0 ? AttentionRecording{} : AttentionRecording{record.get(), recorded * b, b};
            return callModel(model, *conds[indices[0]], in.xIn, in.timesteps, context, in.sigma, adm, recording);
        }
        std::vector<at::Tensor> outs;
        for (int64_t i = 0; i < chunks; ++i)
            outs.push_back(callModel(model, *conds[indices[i]], in.xIn.narrow(0, i * b, b),
                                     in.timesteps.narrow(0, i * b, b), context.narrow(0, i * b, b), in.sigma,
                                     adm.defined() ? adm.narrow(0, i * b, b) : adm,
                                     i == recorded ? AttentionRecording{record.get(), 0, b} : AttentionRecording{}));
        return at::cat(outs, 0);
    };
}

// ComfyUI's apply_empty_x_to_equal_area for ControlNets marked control_apply_to_uncond: unless a
// negative entry (without an area) has ControlNets, those entries take the positive ones in turn.
void applyControlsToUncond(const std::vector<Conditioning>& positive, std::vector<Conditioning>& negative) {
    std::vector<const Conditioning*> withControls;
    for (const Conditioning& c : positive)
        if (!c.area && c.controlApplyToUncond && !c.controls.empty()) withControls.push_back(&c);
    std::vector<size_t> without;
    for (size_t i = 0; i < negative.size(); ++i) {
        if (negative[i].area) continue;
        if (!negative[i].controls.empty()) return;
        without.push_back(i);
    }
    if (without.empty()) return;
    for (size_t x = 0; x < withControls.size(); ++x) {
        Conditioning& o = negative[without[x % without.size()]];
        if (o.controls.empty()) {
            o.controls = withControls[x]->controls;
        } else {
            Conditioning copy = o;
            copy.controls = withControls[x]->controls;
            negative.push_back(std::move(copy));
        }
    }
}


// Keeps the conditioning a model function points into alive as long as the denoiser.
struct GuidanceStorage {
    std::vector<Conditioning> positive, negative;
    std::vector<ResolvedCond> resolvedPositive, resolvedNegative;
};

// Classifier-free guidance of one positive/negative pair, built by `plain` for one plain cond per side
// and by `regional` otherwise (areas, masks, several entries). `Result` is a Denoiser or GuidedDenoiser.
// `record`: where SelfAttentionGuidance's negative calls record (null without it).
template <class Result, class PlainMaker, class RegionalMaker>
Result guidancePair(const DiffusionModel& model, std::vector<Conditioning> positive, std::vector<Conditioning> negative,
                    double cfg, int64_t h, int64_t w, const CfgCombine& combine, const std::shared_ptr<AttentionRecord>& record,
                    PlainMaker plain, RegionalMaker regional) {
    auto kept = std::make_shared<GuidanceStorage>();
    kept->positive = std::move(positive);
    kept->negative = std::move(negative);
    applyControlsToUncond(kept->positive, kept->negative);
    const auto& pos = kept->positive;
    const auto& neg = kept->negative;
    Result inner;
    if (pos.size() == 1 && neg.size() == 1 && pos[0].isPlain() && neg[0].isPlain()) {
        inner = plain(model.sampling, makeModelFn(model, {&pos[0], &neg[0]}, 1, record), pos[0].context, neg[0].context, cfg,
                      combine);
    } else {
        kept->resolvedPositive = resolveConds(pos, h, w);
        kept->resolvedNegative = resolveConds(neg, h, w);
        addMatchingAreas(kept->resolvedNegative, kept->resolvedPositive);
        addMatchingAreas(kept->resolvedPositive, kept->resolvedNegative);
        std::vector<const Conditioning*> all;
        for (const auto* side : {&kept->resolvedPositive, &kept->resolvedNegative})
            for (const ResolvedCond& e : *side) all.push_back(&e.cond);
        inner = regional(model.sampling, makeModelFn(model, std::move(all), kept->resolvedPositive.size(), record),
                         kept->resolvedPositive, kept->resolvedNegative, cfg, combine);
    }
    return [kept, inner](const at::Tensor& x, double sigma) { return inner(x, sigma); };
}

Denoiser plainPairDenoiser(const DiffusionModel& model, std::vector<Conditioning> positive, std::vector<Conditioning> negative,
                           double cfg, int64_t h, int64_t w, const CfgCombine& combine,
                           const std::shared_ptr<AttentionRecord>& record) {
    return guidancePair<Denoiser>(
        model, std::move(positive), std::move(negative), cfg, h, w, combine, record,
        [](auto&&... a) { return makeCfgDenoiser(std::forward<decltype(a)>(a)...); },
        [](auto&&... a) { return makeRegionalCfgDenoiser(std::forward<decltype(a)>(a)...); });
}

// One side's own prediction (its entries averaged, no guidance and none of the model's guidance patches):
// ComfyUI's calc_cond_batch.
Denoiser guidanceSideDenoiser(const DiffusionModel& model, const std::vector<Conditioning>& side, int64_t h, int64_t w) {
    return plainPairDenoiser(model, side, side, 1.0, h, w, CfgCombine(), nullptr);
}

// The positive side's estimate with the middle block's self-attention perturbed (PerturbedAttentionGuidance).
Denoiser perturbedPositive(const DiffusionModel& model, const std::vector<Conditioning>& positive, int64_t h, int64_t w) {
    auto perturbed = std::make_shared<DiffusionModel>(model);
    perturbed->postCfg.clear();
    perturbed->perturbedMiddleAttention = true;
    const Denoiser side = guidanceSideDenoiser(*perturbed, positive, h, w);
    return [perturbed, side](const at::Tensor& x, double sigma) { return side(x, sigma); };
}

bool hasSelfAttentionGuidance(const DiffusionModel& model) {
    return std::any_of(model.postCfg.begin(), model.postCfg.end(),
                       [](const PostCfgPatch& p) { return p.kind == PostCfgPatch::Kind::SelfAttention; });
}

// Where SelfAttentionGuidance's negative calls record for one guidance (null without it).
std::shared_ptr<AttentionRecord> attentionRecordFor(const DiffusionModel& model) {
    return hasSelfAttentionGuidance(model) ? std::make_shared<AttentionRecord>() : nullptr;
}

// The model's guidance patches as ComfyUI runs them: its pre-CFG functions in order, its sampler_cfg_function
// (RescaleCFG; `guidance` instead where a guider brings its own), then its post-CFG functions in order. `record`
// receives the negative calls' attention when SelfAttentionGuidance is one. An empty `negative`: the negative's
// estimate stands in as zeros (cfg 1, BasicGuider).
CfgCombine guidanceCombine(const DiffusionModel& model, const std::vector<Conditioning>& positive,
                           const std::vector<Conditioning>& negative, int64_t h, int64_t w,
                           const std::shared_ptr<AttentionRecord>& record, std::optional<CfgCombine> guidance = {}) {
    CfgCombine combine = guidance ? *guidance : model.rescaleCfg ? rescaleCfgCombine(*model.rescaleCfg) : CfgCombine();
    std::vector<PreCfgFunction> before;
    for (const PreCfgPatch& patch : model.preCfg) before.push_back(preCfgFunction(patch, !negative.empty()));
    std::vector<PostCfgFunction> functions;
    for (const PostCfgPatch& patch : model.postCfg) {
        switch (patch.kind) {
            case PostCfgPatch::Kind::PerturbedAttention:
                functions.push_back(perturbedAttentionGuidance(patch.scale, perturbedPositive(model, positive, h, w)));
                break;
            case PostCfgPatch::Kind::SelfAttention: {
                std::vector<Conditioning> processedNegative = negative;  // with the ControlNets the sampler gives it
                applyControlsToUncond(positive, processedNegative);
                functions.push_back(selfAttentionGuidance(patch.scale, patch.blurSigma, [record] { return record->scores; },
                                                          guidanceSideDenoiser(model, processedNegative, h, w)));
                break;
            }
            case PostCfgPatch::Kind::CfgZeroStar: functions.push_back(cfgZeroStar()); break;
            case PostCfgPatch::Kind::CfgNorm: functions.push_back(cfgNorm(patch.scale)); break;
            case PostCfgPatch::Kind::Mahiro: functions.push_back(mahiro()); break;
        }
    }
    return withPreCfg(withPostCfg(std::move(combine), std::move(functions)), std::move(before));
}

// The same guidance reporting its unconditional estimate, for the CFG++ samplers.
GuidedDenoiser guidancePairWithUncond(const DiffusionModel& model, std::vector<Conditioning> positive,
                                      std::vector<Conditioning> negative, double cfg, int64_t h, int64_t w) {
    const auto record = attentionRecordFor(model);
    const CfgCombine combine = guidanceCombine(model, positive, negative, h, w, record);
    return guidancePair<GuidedDenoiser>(
        model, std::move(positive), std::move(negative), cfg, h, w, combine, record,
        [](auto&&... a) { return makeCfgGuidedDenoiser(std::forward<decltype(a)>(a)...); },
        [](auto&&... a) { return makeRegionalCfgGuidedDenoiser(std::forward<decltype(a)>(a)...); });
}

// SelfAttentionGuidance reads the attention of the negative's batched call, which only CFG guidance records.
void refuseSelfAttentionGuidance(const DiffusionModel& model, const std::string& guider) {
    if (hasSelfAttentionGuidance(model))
        throw Error("SelfAttentionGuidance needs the negative prompt of CFG guidance, which " + guider +
                    " does not give it: use CFGGuider or KSampler");
}

// BasicGuider: the positive side alone, through the model's guidance patches as ComfyUI's sampling_function
// runs them at cfg 1 without a negative (its unconditional estimate then zeros).
Denoiser basicGuiderDenoiser(const DiffusionModel& model, const std::vector<Conditioning>& positive, int64_t h, int64_t w) {
    refuseSelfAttentionGuidance(model, "BasicGuider");
    const Denoiser side = guidanceSideDenoiser(model, positive, h, w);
    const CfgCombine combine = guidanceCombine(model, positive, {}, h, w, nullptr);
    if (!combine) return side;
    return [side, combine](const at::Tensor& x, double sigma) {
        const at::Tensor cond = side(x, sigma);
        return combine(x, sigma, cond, at::zeros_like(cond), 1.0);
    };
}

bool closeToOne(double v) { return std::fabs(v - 1.0) <= 1e-9; }  // Python's math.isclose(v, 1.0)

// cfg 1: the negative is never evaluated and the pre- and post-CFG patches see zeros in its place, unless one
// of them asks for it (ComfyUI's disable_cfg1_optimization: PAG, SAG).
Denoiser guidancePairDenoiser(const DiffusionModel& model, std::vector<Conditioning> positive, std::vector<Conditioning> negative,
                              double cfg, int64_t h, int64_t w) {
    if ((!model.postCfg.empty() || !model.preCfg.empty()) && closeToOne(cfg)) {
        const bool withNegative = std::any_of(model.postCfg.begin(), model.postCfg.end(),
                                              [](const PostCfgPatch& p) { return p.evaluatesNegativeAtCfg1(); });
        if (!withNegative) return basicGuiderDenoiser(model, positive, h, w);
        const GuidedDenoiser guided = guidancePairWithUncond(model, std::move(positive), std::move(negative), cfg, h, w);
        return [guided](const at::Tensor& x, double sigma) { return guided(x, sigma).denoised; };
    }
    const auto record = attentionRecordFor(model);
    const CfgCombine combine = guidanceCombine(model, positive, negative, h, w, record);
    return plainPairDenoiser(model, std::move(positive), std::move(negative), cfg, h, w, combine, record);
}

// ComfyUI's Guider_DualCFG.predict_noise on x0 estimates.
Denoiser dualCfgDenoiser(const Guider& g, int64_t h, int64_t w) {
    const DiffusionModel& model = *g.model;
    const Denoiser positive = guidanceSideDenoiser(model, g.positive, h, w);
    const Denoiser middle = guidanceSideDenoiser(model, g.middle, h, w);
    const Denoiser negative = guidanceSideDenoiser(model, g.negative, h, w);
    const double cfgConds = g.cfg, cfgNegative = g.cfgNegative;
    if (g.nested)
        return [=](const at::Tensor& x, double sigma) {
            const at::Tensor mid = middle(x, sigma);
            const at::Tensor text = mid + (positive(x, sigma) - mid) * cfgConds;
            const at::Tensor neg = negative(x, sigma);
            return neg + (text - neg) * cfgNegative;
        };
    return [=](const at::Tensor& x, double sigma) {
        if (closeToOne(cfgNegative) && closeToOne(cfgConds)) return positive(x, sigma);
        const at::Tensor mid = middle(x, sigma);
        const at::Tensor towardsPositive = (positive(x, sigma) - mid) * cfgConds;
        if (closeToOne(cfgNegative)) return mid + towardsPositive;
        const at::Tensor neg = negative(x, sigma);
        return neg + (mid - neg) * cfgNegative + towardsPositive;
    };
}

// ComfyUI's Guider_PerpNeg.predict_noise: positive, negative and empty prompt each evaluated (the negative not at
// neg_scale 0, the empty prompt not then at cfg 1 either), through the model's pre- and post-CFG patches around
// perp_neg; its sampler_cfg_function (RescaleCFG) is not used, as in ComfyUI.
Denoiser perpNegDenoiser(const Guider& g, int64_t h, int64_t w) {
    const DiffusionModel& model = *g.model;
    refuseSelfAttentionGuidance(model, "PerpNegGuider");
    const bool skipsNegative = g.negScale == 0.0, skipsEmpty = skipsNegative && closeToOne(g.cfg);
    std::vector<Conditioning> negative = skipsNegative ? std::vector<Conditioning>() : g.negative;
    std::vector<Conditioning> empty = g.middle;
    applyControlsToUncond(g.positive, negative);  // as ComfyUI's process_conds gives every other side
    applyControlsToUncond(g.positive, empty);
    const Denoiser positiveSide = guidanceSideDenoiser(model, g.positive, h, w);
    const Denoiser negativeSide = skipsNegative ? Denoiser() : guidanceSideDenoiser(model, negative, h, w);
    const Denoiser emptySide = skipsEmpty ? Denoiser() : guidanceSideDenoiser(model, empty, h, w);
    const CfgCombine combine =
        guidanceCombine(model, g.positive, negative, h, w, nullptr, perpNegCombine(emptySide, g.negScale));
    return [=, cfg = g.cfg](const at::Tensor& x, double sigma) {
        const at::Tensor cond = positiveSide(x, sigma);
        return combine(x, sigma, cond, negativeSide ? negativeSide(x, sigma) : at::zeros_like(cond), cfg);
    };
}

Denoiser guidedDenoiser(const Guider& g, int64_t h, int64_t w) {
    switch (g.kind) {
        case Guider::Kind::Basic: return basicGuiderDenoiser(*g.model, g.positive, h, w);
        case Guider::Kind::DualCfg: return dualCfgDenoiser(g, h, w);
        case Guider::Kind::PerpNeg: return perpNegDenoiser(g, h, w);
        case Guider::Kind::Cfg: break;
    }
    return guidancePairDenoiser(*g.model, g.positive, g.negative, g.cfg, h, w);
}

void requireGuiderConditioning(const std::vector<Conditioning>& side, const char* what) {
    if (side.empty()) throw Error(std::string("the guider has no ") + what + " conditioning");
    for (const Conditioning& c : side)
        if (!c.context.defined()) throw Error(std::string("the guider's ") + what + " conditioning holds no text context");
}

void requireGuidance(const Guider& g) {
    if (!g.model) throw Error("no model");
    if (g.kind == Guider::Kind::Cfg) {
        for (const auto* side : {&g.positive, &g.negative}) {
            if (side->empty()) throw Error("both positive and negative conditioning are needed");
            for (const Conditioning& c : *side)
                if (!c.context.defined()) throw Error("both positive and negative conditioning are needed");
        }
        return;
    }
    requireGuiderConditioning(g.positive, "positive");
    if (g.kind == Guider::Kind::DualCfg) {
        requireGuiderConditioning(g.middle, "second (cond2)");
        requireGuiderConditioning(g.negative, "negative");
    }
    if (g.kind == Guider::Kind::PerpNeg) {
        requireGuiderConditioning(g.negative, "negative");
        requireGuiderConditioning(g.middle, "empty");
    }
}

// ComfyUI's encode_adm per entry for a class-conditioned (unCLIP) model: its unCLIP images, or zeros.
Guider withAdm(const Guider& in, int64_t seed) {
    const int64_t channels = in.model->unet->config().admInChannels;
    if (channels == 0) return in;
    Guider g = in;
    for (auto* side : {&g.positive, &g.negative, &g.middle})
        for (Conditioning& c : *side) c.adm = unclipAdm(c.unclip, channels, seed);
    return g;
}

// Everything after the start: guidance, the inpainting mask, the sampler and its ancestral noise.
at::Tensor sampleGuided(const Guider& guider, const NoisedStart& s, const at::Tensor& noiseMask, const std::string& sampler,
                        int64_t seed, const SamplerCallbacks& callbacks, SamplerOptions options = {}) {
    if (s.sigmas.size(0) < 2) return s.x / kLatentScale;
    const Guider g = withAdm(guider, seed);
    const int64_t h = s.x.size(2), w = s.x.size(3);
    InpaintMaskAtSigma maskAtSigma;
    if (const std::optional<double> strength = g.model->differentialDiffusion)
        maskAtSigma = [ms = g.model->sampling, sigmas = s.sigmas, strength = *strength](const at::Tensor& mask, double sigma) {
            return differentialDiffusionMask(ms, sigmas, sigma, mask, strength);
        };
    SamplerSeedNoise noise(static_cast<uint64_t>(seed));
    if (!options.saSolver) options.saSolver = saSolverDefaults(g.model->sampling);  // ComfyUI: the model's window
    if (sampler.ends_with("_cfg_pp")) {  // CFG++ steps along the unconditional estimate
        if (g.kind != Guider::Kind::Cfg)
            throw Error("sampler '" + sampler + "' needs CFG guidance with a negative conditioning (CFGGuider or KSampler)");
        GuidedDenoiser guided = guidancePairWithUncond(*g.model, g.positive, g.negative, g.cfg, h, w);
        if (noiseMask.defined())
            guided = withInpaintMask(guided, s.latent0, s.noise, resizeMaskToLatent(noiseMask, h, w), maskAtSigma);
        return sample(sampler, guided, s.x, s.sigmas, noise, callbacks, options) / kLatentScale;
    }
    Denoiser denoiser = guidedDenoiser(g, h, w);
    if (noiseMask.defined())
        denoiser = withInpaintMask(denoiser, s.latent0, s.noise, resizeMaskToLatent(noiseMask, h, w), maskAtSigma);
    return sample(sampler, denoiser, s.x, s.sigmas, noise, callbacks, options) / kLatentScale;
}

}  // namespace

at::Tensor requestSigmas(const KSamplerRequest& r) {
    if (!r.model) throw Error("no model");
    if (r.steps < 1) throw Error("steps must be at least 1");
    const bool advanced = r.startStep != 0 || r.endStep < r.steps;
    at::Tensor sigmas = samplerSigmas(r.model->sampling, r.scheduler, r.steps, advanced ? 1.0 : r.denoise, r.sampler);
    if (!advanced) return sigmas;
    const int64_t last = std::min<int64_t>(r.endStep, r.steps);
    if (last < sigmas.size(0) - 1) {
        sigmas = sigmas.narrow(0, 0, last + 1).clone();
        if (r.forceFullDenoise) sigmas[-1] = 0.0;
    }
    if (r.startStep >= sigmas.size(0) - 1) return sigmas.narrow(0, sigmas.size(0) - 1, 1);
    return sigmas.narrow(0, r.startStep, sigmas.size(0) - r.startStep);
}

NoisedStart startAlong(const DiffusionModel& model, const at::Tensor& sigmas, const at::Tensor& latent, bool addNoise,
                       int64_t seed, const std::vector<int64_t>& noiseIndices) {
    if (!latent.defined() || latent.dim() != 4) throw Error("the latent must be a [batch, channels, h, w] tensor");
    NoisedStart s;
    s.sigmas = sigmas;
    s.noise = addNoise ? prepareNoise(seed, latent.sizes(), noiseIndices) : at::zeros(latent.sizes(), at::kFloat);
    s.latent0 = latent.to(at::kFloat) * kLatentScale;
    s.x = s.sigmas.size(0) > 0 ? model.sampling.startLatent(s.sigmas, s.noise, s.latent0) : s.latent0;
    return s;
}

NoisedStart prepareStart(const KSamplerRequest& r) {
    if (!r.model) throw Error("no model");
    return startAlong(*r.model, requestSigmas(r), r.latent, r.addNoise, r.seed, r.noiseIndices);
}

bool Conditioning::isPlain() const {
    return !area && strength == 1.0 && !mask.defined() && startPercent == 0.0 && endPercent == 1.0;
}

at::Tensor runKSampler(const KSamplerRequest& r, const SamplerCallbacks& callbacks) {
    Guider guider;
    guider.model = r.model;
    guider.positive = r.positive;
    guider.negative = r.negative;
    guider.cfg = r.cfg;
    requireGuidance(guider);
    const NoisedStart s = r.start ? *r.start : prepareStart(r);
    return sampleGuided(guider, s, r.noiseMask, r.sampler, r.seed, callbacks);
}

at::Tensor runCustomSampler(const CustomSamplerRequest& r, const SamplerCallbacks& callbacks) {
    requireGuidance(r.guider);
    if (!r.sigmas.defined() || r.sigmas.dim() != 1) throw Error("the sigmas must be a 1-D list of noise levels");
    if (r.sigmas.size(0) == 0)
        throw Error("the sigmas are empty: there is nothing to sample (a scheduler with denoise 0 gives no sigmas)");
    const NoisedStart s = startAlong(*r.guider.model, r.sigmas.to(at::kCPU, at::kFloat).contiguous(), r.latent, r.addNoise, r.seed,
                                     r.noiseIndices);
    return sampleGuided(r.guider, s, r.noiseMask, r.sampler, r.seed, callbacks, r.samplerOptions);
}

}  // namespace tessera::engine
