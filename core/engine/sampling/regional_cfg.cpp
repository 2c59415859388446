#include "core/engine/sampling/regional_cfg.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace tessera::engine {
namespace {

int64_t pyRound(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

// The bounding box (height, width, y, x) of the mask's non-zero pixels over the whole batch, at least
// 8 cells a side; an all-zero mask gives the smallest area at the origin.
std::array<int64_t, 4> maskBounds(const at::Tensor& mask) {
    const at::Tensor any = std::get<0>(at::max(at::abs(mask), 0)) != 0;
    if (!any.any().item<bool>()) return {8, 8, 0, 0};
    const at::Tensor rows = at::nonzero(any.any(1)).flatten(), cols = at::nonzero(any.any(0)).flatten();
    const int64_t y0 = rows.min().item<int64_t>(), y1 = rows.max().item<int64_t>();
    const int64_t x0 = cols.min().item<int64_t>(), x1 = cols.max().item<int64_t>();
    return {std::max<int64_t>(8, y1 - y0 + 1), std::max<int64_t>(8, x1 - x0 + 1), y0, x0};
}

// ComfyUI's area_inside: `a` lies within `b`.
bool areaInside(const std::array<int64_t, 4>& a, const std::array<int64_t, 4>& b) {
    for (int i = 0; i < 2; ++i)
        if (a[size_t(i + 2)] < b[size_t(i + 2)] || a[size_t(i + 2)] + a[size_t(i)] > b[size_t(i + 2)] + b[size_t(i)]) return false;
    return true;
}

class RegionalCfg {
public:
    RegionalCfg(ModelSampling ms, ModelFn model, std::vector<ResolvedCond> positive, std::vector<ResolvedCond> negative,
                double cfg, CfgCombine combine)
        : ms_(std::move(ms)), model_(std::move(model)), positive_(std::move(positive)), negative_(std::move(negative)),
          cfg_(cfg), combine_(std::move(combine)) {}

    at::Tensor operator()(const at::Tensor& x, double sigma) const { return predict(x, sigma, false).denoised; }

    // withUncond: also the unconditional estimate, the negative evaluated even at cfg 1.
    GuidedDenoised predict(const at::Tensor& x, double sigma, bool withUncond) const {
        const at::Tensor xIn = ms_.calculateInput(sigma, x);
        const at::Tensor cond = side(x, xIn, sigma, positive_, 0);
        // Python's math.isclose(cfg, 1.0): no negative
        if (std::fabs(cfg_ - 1.0) <= 1e-9 && !withUncond) return {cond, at::Tensor()};
        const at::Tensor uncond = side(x, xIn, sigma, negative_, int(positive_.size()));
        return {combineGuidance(combine_, x, sigma, cond, uncond, cfg_), uncond};
    }

private:
    // calc_cond_batch for one side: the weighted average of its entries' denoised estimates.
    at::Tensor side(const at::Tensor& x, const at::Tensor& xIn, double sigma, const std::vector<ResolvedCond>& entries,
                    int firstIndex) const {
        const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
        at::Tensor sum = at::zeros_like(x);
        at::Tensor count = at::full_like(x, 1e-37);
        for (size_t i = 0; i < entries.size(); ++i) {
            const ResolvedCond& e = entries[i];
            if (!controlActive(ms_, sigma, e.cond.startPercent, e.cond.endPercent)) continue;
            int64_t h = height, w = width, y = 0, x0 = 0;
            if (e.area) {
                y = (*e.area)[2];
                x0 = (*e.area)[3];
                h = std::min(height - y, (*e.area)[0]);
                w = std::min(width - x0, (*e.area)[1]);
            }
            if (h <= 0 || w <= 0 || y < 0 || x0 < 0) continue;
            const at::Tensor input = xIn.narrow(2, y, h).narrow(3, x0, w);
            at::Tensor mult;
            if (e.mask.defined()) {
                at::Tensor m = e.mask.slice(0, 0, batch).narrow(1, y, h).narrow(2, x0, w) * e.cond.maskStrength;
                if (batch % m.size(0) != 0)
                    throw Error("guidance: a conditioning mask has a batch of " + std::to_string(e.mask.size(0)) +
                                ", which does not divide the latent batch of " + std::to_string(batch));
                mult = m.unsqueeze(1).repeat({batch / m.size(0), channels, 1, 1}).to(x.scalar_type());
            } else {
                mult = at::ones_like(input);
            }
            mult = mult * e.cond.strength;
            if (!e.mask.defined() && e.area) feather(mult, h, w, y, x0, height, width);
            ModelCallInput in;
            in.xIn = input.contiguous();
            in.timesteps = at::full({batch}, ms_.timestep(sigma), x.options().dtype(at::kFloat));
            in.sigma = sigma;
            in.condIndex = firstIndex + int(i);
            in.condIndices = {in.condIndex};
            const at::Tensor out = model_(in, repeatToBatch(e.cond.context, batch));
            if (!out.defined() || out.sizes() != in.xIn.sizes())
                throw Error("the model returned a result of the wrong shape for a conditioning area");
            const at::Tensor denoised = ms_.calculateDenoised(sigma, out, x.narrow(2, y, h).narrow(3, x0, w));
            sum.narrow(2, y, h).narrow(3, x0, w).add_(denoised * mult);
            count.narrow(2, y, h).narrow(3, x0, w).add_(mult);
        }
        return sum / count;
    }

    // Inner edges of an area fade in over up to 8 cells (a quarter of the side at most).
    static void feather(at::Tensor& mult, int64_t h, int64_t w, int64_t y, int64_t x0, int64_t height, int64_t width) {
        const int64_t size[2] = {h, w}, offset[2] = {y, x0}, full[2] = {height, width};
        for (int d = 0; d < 2; ++d) {
            const int64_t rr = std::min<int64_t>(8, mult.size(2 + d) / 4);
            for (int64_t t = 0; t < rr; ++t) {
                const double f = (1.0 / double(rr)) * double(t + 1);
                if (offset[d] != 0) mult.narrow(2 + d, t, 1).mul_(f);
                if (size[d] + offset[d] < full[d]) mult.narrow(2 + d, size[d] - 1 - t, 1).mul_(f);
            }
        }
    }

    ModelSampling ms_;
    ModelFn model_;
    std::vector<ResolvedCond> positive_, negative_;
    double cfg_;
    CfgCombine combine_;
};

}  // namespace

std::vector<ResolvedCond> resolveConds(const std::vector<Conditioning>& side, int64_t h, int64_t w) {
    std::vector<ResolvedCond> out;
    for (const Conditioning& c : side) {
        ResolvedCond r{c, std::nullopt, {}};
        if (c.area) {
            const ConditioningArea& a = *c.area;
            if (a.percentage)
                r.area = std::array<int64_t, 4>{std::max<int64_t>(1, pyRound(a.height * double(h))),
                                                std::max<int64_t>(1, pyRound(a.width * double(w))),
                                                pyRound(a.y * double(h)), pyRound(a.x * double(w))};
            else
                r.area = std::array<int64_t, 4>{int64_t(a.height), int64_t(a.width), int64_t(a.y), int64_t(a.x)};
        }
        if (c.mask.defined()) {
            at::Tensor m = c.mask.to(at::kFloat);
            if (m.dim() == 2) m = m.unsqueeze(0);
            if (m.dim() == 4) m = m.flatten(0, 1);
            if (m.size(1) != h || m.size(2) != w)
                m = at::upsample_bilinear2d(m.unsqueeze(1), {h, w}, false).squeeze(1);
            if (c.setAreaToBounds) r.area = maskBounds(m);
            r.mask = m;
        }
        out.push_back(std::move(r));
    }
    return out;
}

void addMatchingAreas(std::vector<ResolvedCond>& other, const std::vector<ResolvedCond>& side) {
    for (const ResolvedCond& c : side) {
        if (!c.area) continue;
        const ResolvedCond* smallest = nullptr;
        for (const ResolvedCond& o : other) {
            if (o.area) {
                if (!areaInside(*c.area, *o.area)) continue;
                if (!smallest || !smallest->area ||
                    (*smallest->area)[0] * (*smallest->area)[1] > (*o.area)[0] * (*o.area)[1])
                    smallest = &o;
            } else if (!smallest) {
                smallest = &o;
            }
        }
        if (!smallest || (smallest->area && *smallest->area == *c.area)) continue;
        ResolvedCond copy = c;  // c's region, weight and schedule; the other side's text
        copy.cond.context = smallest->cond.context;
        copy.cond.concatMask = smallest->cond.concatMask;
        copy.cond.concatLatent = smallest->cond.concatLatent;
        copy.cond.unclip = smallest->cond.unclip;
        copy.cond.adm = smallest->cond.adm;  // ComfyUI copies all of its model_conds ("y" included)
        other.push_back(std::move(copy));
    }
}

namespace {
RegionalCfg checkedRegionalCfg(const ModelSampling& ms, ModelFn model, std::vector<ResolvedCond> positive,
                               std::vector<ResolvedCond> negative, double cfg, bool needsNegative, CfgCombine combine) {
    if (!model) throw Error("guidance: no model function was given");
    if (!std::isfinite(cfg)) throw Error("guidance: cfg must be a finite number");
    if (positive.empty()) throw Error("guidance: the positive conditioning has no entries");
    if (needsNegative && negative.empty()) throw Error("guidance: the negative conditioning has no entries");
    const int64_t width = positive.front().cond.context.size(2);
    for (const auto* list : {&positive, &negative})
        for (const ResolvedCond& e : *list)
            if (!e.cond.context.defined() || e.cond.context.dim() != 3 || e.cond.context.size(2) != width)
                throw Error("guidance: every conditioning entry must be [batch, tokens, " + std::to_string(width) +
                            "] (were they encoded by different text models?)");
    return RegionalCfg(ms, std::move(model), std::move(positive), std::move(negative), cfg, std::move(combine));
}
}  // namespace

Denoiser makeRegionalCfgDenoiser(const ModelSampling& ms, ModelFn model, std::vector<ResolvedCond> positive,
                                 std::vector<ResolvedCond> negative, double cfg, CfgCombine combine) {
    return checkedRegionalCfg(ms, std::move(model), std::move(positive), std::move(negative), cfg,
                              std::fabs(cfg - 1.0) > 1e-9, std::move(combine));
}

GuidedDenoiser makeRegionalCfgGuidedDenoiser(const ModelSampling& ms, ModelFn model, std::vector<ResolvedCond> positive,
                                             std::vector<ResolvedCond> negative, double cfg, CfgCombine combine) {
    const RegionalCfg d =
        checkedRegionalCfg(ms, std::move(model), std::move(positive), std::move(negative), cfg, true, std::move(combine));
    return [d](const at::Tensor& x, double sigma) { return d.predict(x, sigma, true); };
}

}  // namespace tessera::engine
