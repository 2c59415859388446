#include "core/engine/sampling/post_cfg.h"

#include "core/common/error.h"
#include "core/engine/compute/shape_text.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace tessera::engine {

CfgCombine withPostCfg(CfgCombine inner, std::vector<PostCfgFunction> functions) {
    if (functions.empty()) return inner;
    return [inner = std::move(inner), functions = std::move(functions)](
               const at::Tensor& x, double sigma, const at::Tensor& condX0, const at::Tensor& uncondX0, double cfg) {
        at::Tensor guided = combineGuidance(inner, x, sigma, condX0, uncondX0, cfg);
        const PostCfgArgs step{x, sigma, condX0, uncondX0, cfg};
        for (const PostCfgFunction& f : functions) guided = f(step, guided);
        return guided;
    };
}

PostCfgFunction perturbedAttentionGuidance(double scale, Denoiser perturbedPositive) {
    return [scale, perturbedPositive = std::move(perturbedPositive)](const PostCfgArgs& step, const at::Tensor& guided) {
        if (scale == 0.0) return guided;
        return guided + (step.condX0 - perturbedPositive(step.x, step.sigma)) * scale;
    };
}

PostCfgFunction selfAttentionGuidance(double scale, double blurSigma, std::function<at::Tensor()> uncondAttention,
                                      Denoiser negativeSide) {
    return [=](const PostCfgArgs& step, const at::Tensor& guided) {
        // nodes_sag.py adds (degraded - sag) * 0 at scale 0: the same estimate, without the call.
        if (scale == 0.0 || std::min(guided.size(2), guided.size(3)) <= 4) return guided;
        const at::Tensor attention = uncondAttention();
        if (!attention.defined())
            throw Error("SelfAttentionGuidance: no self-attention of the negative prompt was recorded for this step; it "
                        "needs a negative prompt evaluated over the whole latent (KSampler or CFGGuider)");
        const at::Tensor degraded = selfAttentionBlurMap(step.uncondX0, attention, blurSigma, 1.0);
        const at::Tensor sag = negativeSide(degraded + step.x - step.uncondX0, step.sigma);
        return guided + (degraded - sag) * scale;
    };
}

PostCfgFunction cfgZeroStar() {
    return [](const PostCfgArgs& step, const at::Tensor& guided) {
        const int64_t batch = step.x.size(0);
        const at::Tensor positive = (step.x - step.condX0).reshape({batch, -1});
        const at::Tensor negative = (step.x - step.uncondX0).reshape({batch, -1});
        const at::Tensor dot = at::sum(positive * negative, {1}, /*keepdim=*/true);
        const at::Tensor squaredNorm = at::sum(negative.pow(2), {1}, /*keepdim=*/true) + 1e-8;
        std::vector<int64_t> perImage(size_t(step.x.dim()), 1);
        perImage[0] = batch;
        const at::Tensor alpha = (dot / squaredNorm).reshape(perImage);
        return guided + step.uncondX0 * (alpha - 1.0) + step.uncondX0 * step.cfg * (1.0 - alpha);
    };
}

PostCfgFunction cfgNorm(double strength) {
    return [strength](const PostCfgArgs& step, const at::Tensor& guided) {
        const at::Tensor condNorm = at::norm(step.condX0, 2, {1}, /*keepdim=*/true);
        const at::Tensor guidedNorm = at::norm(guided, 2, {1}, /*keepdim=*/true);
        const at::Tensor scale = (condNorm / (guidedNorm + 1e-8)).clamp(0.0, 1.0);
        return guided * scale * strength;
    };
}

PostCfgFunction mahiro() {
    return [](const PostCfgArgs& step, const at::Tensor& guided) {
        const at::Tensor leap = step.condX0 * step.cfg;
        const at::Tensor uncondLeap = step.uncondX0 * step.cfg;
        const at::Tensor merge = (leap + guided) / 2;
        auto signedRoot = [](const at::Tensor& t) { return at::sqrt(t.abs()) * t.sign(); };
        const at::Tensor similarity = at::cosine_similarity(signedRoot(uncondLeap), signedRoot(merge), 1, 1e-8).mean();
        const at::Tensor weight = (similarity + 1) * 2;  // a 0-dim tensor, in the estimates' dtype as in ComfyUI
        return (weight * guided + (4 - weight) * leap) / 4;
    };
}

at::Tensor gaussianBlur2d(const at::Tensor& images, int kernelSize, double sigma) {
    const double half = (kernelSize - 1) * 0.5;
    const at::Tensor offsets = at::linspace(-half, half, kernelSize, at::kFloat);
    const at::Tensor pdf = at::exp((offsets / sigma).pow(2) * -0.5);
    const at::Tensor kernel = (pdf / pdf.sum()).to(images.device(), images.scalar_type());
    const int64_t channels = images.size(1);
    const at::Tensor kernel2d = at::mm(kernel.unsqueeze(1), kernel.unsqueeze(0)).expand({channels, 1, kernelSize, kernelSize});
    const int64_t pad = kernelSize / 2;
    const at::Tensor padded = at::reflection_pad2d(images, {pad, pad, pad, pad});
    return at::conv2d(padded, kernel2d.contiguous(), at::Tensor(), at::IntArrayRef{1, 1}, at::IntArrayRef{0, 0},
                      at::IntArrayRef{1, 1}, channels);
}

at::Tensor selfAttentionBlurMap(const at::Tensor& x0, const at::Tensor& attention, double blurSigma, double threshold) {
    const int64_t batch = x0.size(0), height = x0.size(2), width = x0.size(3);
    if (attention.dim() != 3 || attention.size(0) % batch != 0)
        throw Error("SelfAttentionGuidance: recorded attention " + shapeText(attention.sizes()) + " does not fit a batch of " +
                    std::to_string(batch));
    const int64_t queries = attention.size(1), keys = attention.size(2);
    // ComfyUI: ratio = 2 ** (ceil(sqrt(h * w / tokens)) - 1).bit_length()
    const auto cellsPerSide = static_cast<uint64_t>(std::ceil(std::sqrt(double(height * width) / double(queries))));
    const int64_t ratio = int64_t(1) << std::bit_width(cellsPerSide - 1);
    const int64_t gridHeight = (height + ratio - 1) / ratio, gridWidth = (width + ratio - 1) / ratio;
    if (gridHeight * gridWidth != keys)
        throw Error("SelfAttentionGuidance: the negative prompt's attention covers " + std::to_string(keys) +
                    " tokens, not the " + std::to_string(gridHeight) + "x" + std::to_string(gridWidth) + " grid of a " +
                    std::to_string(height) + "x" + std::to_string(width) +
                    " latent (an area or mask on the negative conditioning?)");
    const at::Tensor attended = attention.reshape({batch, -1, queries, keys}).mean(1).sum(1) > threshold;
    const at::Tensor mask = at::upsample_nearest2d(
        attended.reshape({batch, gridHeight, gridWidth}).unsqueeze(1).to(attention.scalar_type()), {height, width});
    if (blurSigma == 0.0) return x0;  // the limit of a vanishing blur (ComfyUI divides by it)
    const at::Tensor blurred = gaussianBlur2d(x0, 9, blurSigma);
    return blurred * mask + x0 * (1 - mask);
}

}  // namespace tessera::engine
