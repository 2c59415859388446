#include "core/engine/sampling/ksampler.h"

#include "core/common/error.h"
#include "core/engine/sampling/cfg_denoiser.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/networks/controlnet.h"
#include "core/engine/sampling/noise.h"
#include "core/engine/sampling/regional_cfg.h"
#include "core/engine/sampling/schedulers.h"
#include "core/engine/networks/unet.h"

#include <ATen/ATen.h>

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
    for (size_t i = 0; i < sum->input.size() && i < r.input.size(); ++i) sum->input[i] = sum->input[i] + r.input[i];
    sum->middle = sum->middle + r.middle;
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

// UNet (+ControlNets, +inpainting channels) for one chunk of conds that share their controls.
at::Tensor callModel(const DiffusionModel& model, const Conditioning& cond, const at::Tensor& xIn,
                     const at::Tensor& timesteps, const at::Tensor& context, double sigma) {
    std::optional<ControlResiduals> control;
    for (const auto& c : cond.controls) {
        if (!controlActive(model.sampling, sigma, c.startPercent, c.endPercent)) continue;
        addResiduals(control, c.net->forward(xIn, hintFor(c, xIn), timesteps, context).scaled(float(c.strength)));
    }
    at::Tensor x = model.inpainting ? at::cat({xIn, inpaintConcat(cond, xIn)}, 1) : xIn;
    return model.unet->forward(x, timesteps, context, control ? &*control : nullptr);
}

// `conds`: the entries condIndex refers to (they must outlive the sampling run).
ModelFn makeModelFn(const DiffusionModel& model, std::vector<const Conditioning*> conds) {
    return [&model, conds](const ModelCallInput& in, const at::Tensor& context) -> at::Tensor {
        std::vector<int> indices = in.condIndices;
        if (indices.empty()) indices.push_back(in.condIndex);
        const int64_t chunks = static_cast<int64_t>(indices.size());
        bool uniform = true;
        for (int idx : indices) uniform = uniform && sameControls(conds[idx]->controls, conds[indices[0]]->controls) &&
                                          !(model.inpainting && conds[idx] != conds[indices[0]]);
        if (uniform) return callModel(model, *conds[indices[0]], in.xIn, in.timesteps, context, in.sigma);
        std::vector<at::Tensor> outs;
        const int64_t b = in.xIn.size(0) / chunks;
        for (int64_t i = 0; i < chunks; ++i)
            outs.push_back(callModel(model, *conds[indices[i]], in.xIn.narrow(0, i * b, b),
                                     in.timesteps.narrow(0, i * b, b), context.narrow(0, i * b, b), in.sigma));
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

NoisedStart prepareStart(const KSamplerRequest& r) {
    if (!r.latent.defined() || r.latent.dim() != 4) throw Error("the latent must be a [batch, channels, h, w] tensor");
    NoisedStart s;
    s.sigmas = requestSigmas(r);
    s.noise = r.addNoise ? prepareNoise(r.seed, r.latent.sizes()) : at::zeros(r.latent.sizes(), at::kFloat);
    s.latent0 = r.latent.to(at::kFloat) * kLatentScale;
    s.x = s.sigmas.size(0) > 0 ? r.model->sampling.startLatent(s.sigmas, s.noise, s.latent0) : s.latent0;
    return s;
}

bool Conditioning::isPlain() const {
    return !area && strength == 1.0 && !mask.defined() && startPercent == 0.0 && endPercent == 1.0;
}

at::Tensor runKSampler(const KSamplerRequest& r, const SamplerCallbacks& callbacks) {
    if (!r.model) throw Error("no model");
    for (const auto* side : {&r.positive, &r.negative}) {
        if (side->empty()) throw Error("both positive and negative conditioning are needed");
        for (const Conditioning& c : *side)
            if (!c.context.defined()) throw Error("both positive and negative conditioning are needed");
    }
    const NoisedStart s = r.start ? *r.start : prepareStart(r);
    if (s.sigmas.size(0) < 2) return s.x / kLatentScale;
    Denoiser denoiser;
    // Kept alive for the run: the model function points into them.
    const std::vector<Conditioning> pos = r.positive;
    std::vector<Conditioning> neg = r.negative;
    applyControlsToUncond(pos, neg);
    std::vector<ResolvedCond> positive, negative;
    if (pos.size() == 1 && neg.size() == 1 && pos[0].isPlain() && neg[0].isPlain()) {
        denoiser = makeCfgDenoiser(r.model->sampling, makeModelFn(*r.model, {&pos[0], &neg[0]}), pos[0].context,
                                   neg[0].context, r.cfg);
    } else {
        positive = resolveConds(pos, s.x.size(2), s.x.size(3));
        negative = resolveConds(neg, s.x.size(2), s.x.size(3));
        addMatchingAreas(negative, positive);
        addMatchingAreas(positive, negative);
        std::vector<const Conditioning*> all;
        for (const auto* side : {&positive, &negative})
            for (const ResolvedCond& e : *side) all.push_back(&e.cond);
        denoiser = makeRegionalCfgDenoiser(r.model->sampling, makeModelFn(*r.model, std::move(all)), positive, negative, r.cfg);
    }
    if (r.noiseMask.defined())
        denoiser = withInpaintMask(denoiser, s.latent0, s.noise, resizeMaskToLatent(r.noiseMask, s.x.size(2), s.x.size(3)));
    CpuGeneratorNoise ancestral(static_cast<uint64_t>(r.seed + 1));
    at::Tensor out = sample(r.sampler, denoiser, s.x, s.sigmas, ancestral, callbacks);
    return out / kLatentScale;
}

}  // namespace tessera::engine
