#include "core/engine/sampling/cfg_denoiser.h"

#include "core/common/error.h"
#include "core/engine/compute/shape_text.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numeric>

namespace tessera::engine {
namespace {


void checkContext(const at::Tensor& c, const char* which) {
    if (!c.defined() || c.dim() != 3)
        throw Error(std::string("guidance: the ") + which + " conditioning must be [batch, tokens, width], got " +
                    (c.defined() ? shapeText(c.sizes()) : std::string("nothing")));
}

// ComfyUI's repeat_to_batch_size: tile along the batch, then cut to `batch`.

// CONDCrossAttn.can_concat: equal widths and a token-count lcm at most 4x the shorter.
bool canConcat(const at::Tensor& a, const at::Tensor& b) {
    if (a.sizes() == b.sizes()) return true;
    if (a.size(0) != b.size(0) || a.size(2) != b.size(2)) return false;
    const int64_t lcm = std::lcm(a.size(1), b.size(1));
    return lcm / std::min(a.size(1), b.size(1)) <= 4;
}

// Repeating tokens leaves cross-attention unchanged (each key gets the same weight share).
at::Tensor repeatTokens(const at::Tensor& c, int64_t tokens) {
    if (c.size(1) == tokens) return c;
    return c.repeat({1, tokens / c.size(1), 1});
}

class CfgDenoiser {
public:
    CfgDenoiser(ModelSampling ms, ModelFn model, at::Tensor cond, at::Tensor uncond, double cfg, CfgCombine combine)
        : ms_(std::move(ms)), model_(std::move(model)), cond_(std::move(cond)), uncond_(std::move(uncond)), cfg_(cfg),
          combine_(std::move(combine)) {}

    at::Tensor operator()(const at::Tensor& x, double sigma) const { return predict(x, sigma, false).denoised; }

    // withUncond: also the unconditional estimate, the negative evaluated even at cfg 1.
    GuidedDenoised predict(const at::Tensor& x, double sigma, bool withUncond) const {
        const int64_t batch = x.size(0);
        const at::Tensor xIn = ms_.calculateInput(sigma, x);
        const at::Tensor cond = repeatToBatch(cond_, batch);
        if (skipsNegative() && !withUncond) return {run(x, xIn, sigma, {0}, cond), at::Tensor()};
        const at::Tensor uncond = repeatToBatch(uncond_, batch);
        at::Tensor condX0, uncondX0;
        if (canConcat(cond, uncond)) {
            const int64_t tokens = std::lcm(cond.size(1), uncond.size(1));
            const at::Tensor context = at::cat({repeatTokens(uncond, tokens), repeatTokens(cond, tokens)});
            const auto chunks = run(x, xIn, sigma, {1, 0}, context).chunk(2);
            uncondX0 = chunks[0];
            condX0 = chunks[1];
        } else {
            uncondX0 = run(x, xIn, sigma, {1}, uncond);
            condX0 = run(x, xIn, sigma, {0}, cond);
        }
        return {combineGuidance(combine_, x, sigma, condX0, uncondX0, cfg_), uncondX0};
    }

private:
    bool skipsNegative() const { return std::fabs(cfg_ - 1.0) <= 1e-9; }  // Python's math.isclose(cfg, 1.0)

    // One model call over the given chunks; returns the x0 estimates, chunks stacked along the batch.
    at::Tensor run(const at::Tensor& x, const at::Tensor& xIn, double sigma, std::vector<int> condIndices,
                   const at::Tensor& context) const {
        const int64_t chunks = static_cast<int64_t>(condIndices.size());
        ModelCallInput input;
        input.xIn = chunks == 1 ? xIn : at::cat(std::vector<at::Tensor>(static_cast<size_t>(chunks), xIn));
        input.timesteps = at::full({input.xIn.size(0)}, ms_.timestep(sigma), x.options().dtype(at::kFloat));
        input.sigma = sigma;
        input.condIndex = chunks == 1 ? condIndices[0] : -1;
        input.condIndices = std::move(condIndices);
        const at::Tensor out = model_(input, context);
        if (!out.defined() || out.sizes() != input.xIn.sizes())
            throw Error("the model returned " + (out.defined() ? shapeText(out.sizes()) : std::string("nothing")) +
                        " for an input of shape " + shapeText(input.xIn.sizes()));
        const at::Tensor xRepeated = chunks == 1 ? x : at::cat(std::vector<at::Tensor>(static_cast<size_t>(chunks), x));
        return ms_.calculateDenoised(sigma, out, xRepeated);
    }

    ModelSampling ms_;
    ModelFn model_;
    at::Tensor cond_, uncond_;
    double cfg_;
    CfgCombine combine_;
};

}  // namespace

at::Tensor repeatToBatch(const at::Tensor& t, int64_t batch) {
    if (t.size(0) == batch) return t;
    const int64_t times = (batch + t.size(0) - 1) / t.size(0);
    std::vector<int64_t> reps(static_cast<size_t>(t.dim()), 1);
    reps[0] = times;
    return t.repeat(reps).slice(0, 0, batch);
}

namespace {
CfgDenoiser checkedCfgDenoiser(const ModelSampling& ms, ModelFn model, at::Tensor cond, at::Tensor uncond, double cfg,
                               bool needsNegative, CfgCombine combine) {
    if (!model) throw Error("guidance: no model function was given");
    if (!std::isfinite(cfg)) throw Error("guidance: cfg must be a finite number");
    checkContext(cond, "positive");
    if (needsNegative) {
        checkContext(uncond, "negative");
        if (uncond.size(2) != cond.size(2))
            throw Error("guidance: positive conditioning width " + std::to_string(cond.size(2)) +
                        " differs from the negative's " + std::to_string(uncond.size(2)) +
                        " (were they encoded by different text models?)");
    }
    return CfgDenoiser(ms, std::move(model), std::move(cond), needsNegative ? std::move(uncond) : at::Tensor(), cfg,
                       std::move(combine));
}
}  // namespace

at::Tensor combineGuidance(const CfgCombine& combine, const at::Tensor& x, double sigma, const at::Tensor& condX0,
                           const at::Tensor& uncondX0, double cfg) {
    if (combine) return combine(x, sigma, condX0, uncondX0, cfg);
    return uncondX0 + (condX0 - uncondX0) * cfg;
}

CfgCombine rescaleCfgCombine(double multiplier) {
    return [multiplier](const at::Tensor& x, double sigma, const at::Tensor& condX0, const at::Tensor& uncondX0, double cfg) {
        // ComfyUI's arguments: cond = x - cond_denoised, uncond = x - uncond_denoised; sigma a float32 tensor.
        const at::Tensor condArg = x - condX0, uncondArg = x - uncondX0;
        const float s = static_cast<float>(sigma);
        const float sigmaSquaredPlusOne = s * s + 1.0f;
        const float root = std::sqrt(sigmaSquaredPlusOne);
        const at::Tensor xs = x / sigmaSquaredPlusOne;
        const at::Tensor cond = (xs - (x - condArg)) * root / s;  // the v-prediction outputs
        const at::Tensor uncond = (xs - (x - uncondArg)) * root / s;
        const at::Tensor guided = uncond + (cond - uncond) * cfg;
        const std::vector<int64_t> perImage = {1, 2, 3};
        const at::Tensor roPos = at::std(cond, perImage, /*unbiased=*/true, /*keepdim=*/true);
        const at::Tensor roCfg = at::std(guided, perImage, /*unbiased=*/true, /*keepdim=*/true);
        const at::Tensor rescaled = guided * (roPos / roCfg);
        const at::Tensor mixed = rescaled * multiplier + guided * (1.0 - multiplier);
        const at::Tensor returned = x - (xs - mixed * s / root);  // what rescale_cfg returns; ComfyUI takes x - it
        return x - returned;
    };
}

Denoiser makeCfgDenoiser(const ModelSampling& ms, ModelFn model, at::Tensor cond, at::Tensor uncond, double cfg,
                         CfgCombine combine) {
    const bool needsNegative = std::fabs(cfg - 1.0) > 1e-9;
    return checkedCfgDenoiser(ms, std::move(model), std::move(cond), std::move(uncond), cfg, needsNegative,
                              std::move(combine));
}

GuidedDenoiser makeCfgGuidedDenoiser(const ModelSampling& ms, ModelFn model, at::Tensor cond, at::Tensor uncond, double cfg,
                                     CfgCombine combine) {
    const CfgDenoiser d =
        checkedCfgDenoiser(ms, std::move(model), std::move(cond), std::move(uncond), cfg, true, std::move(combine));
    return [d](const at::Tensor& x, double sigma) { return d.predict(x, sigma, true); };
}

}  // namespace tessera::engine
