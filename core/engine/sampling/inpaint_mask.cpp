// The inpainting wrapper, mask resizing and ControlNet gating declared in cfg_denoiser.h.
#include "core/common/error.h"
#include "core/engine/sampling/cfg_denoiser.h"

#include <ATen/ATen.h>

namespace tessera::engine {

namespace {
void checkInpaintInputs(const at::Tensor& latent0Scaled, const at::Tensor& noise, const at::Tensor& maskAtLatent) {
    if (!latent0Scaled.defined() || !noise.defined() || latent0Scaled.sizes() != noise.sizes())
        throw Error("inpaint: the source latent and the noise must have the same shape");
    if (!maskAtLatent.defined() || maskAtLatent.dim() != 4 || maskAtLatent.size(2) != latent0Scaled.size(2) ||
        maskAtLatent.size(3) != latent0Scaled.size(3))
        throw Error("inpaint: the mask must be [B, 1, h, w] at the latent size " +
                    std::string(c10::str(latent0Scaled.sizes())) + " (use resizeMaskToLatent); got " +
                    (maskAtLatent.defined() ? std::string(c10::str(maskAtLatent.sizes())) : std::string("nothing")));
}
}  // namespace

Denoiser withInpaintMask(Denoiser inner, at::Tensor latent0Scaled, at::Tensor noise, at::Tensor maskAtLatent) {
    if (!inner) throw Error("inpaint: no denoiser to wrap");
    checkInpaintInputs(latent0Scaled, noise, maskAtLatent);
    const at::Tensor keep = 1.0 - maskAtLatent;
    return [inner = std::move(inner), latent0 = std::move(latent0Scaled), noise = std::move(noise),
            mask = std::move(maskAtLatent), keep](const at::Tensor& x, double sigma) {
        const at::Tensor xIn = x * mask + (latent0 + noise * sigma) * keep;
        return inner(xIn, sigma) * mask + latent0 * keep;
    };
}

GuidedDenoiser withInpaintMask(GuidedDenoiser inner, at::Tensor latent0Scaled, at::Tensor noise, at::Tensor maskAtLatent) {
    if (!inner) throw Error("inpaint: no denoiser to wrap");
    checkInpaintInputs(latent0Scaled, noise, maskAtLatent);
    const at::Tensor keep = 1.0 - maskAtLatent;
    return [inner = std::move(inner), latent0 = std::move(latent0Scaled), noise = std::move(noise),
            mask = std::move(maskAtLatent), keep](const at::Tensor& x, double sigma) {
        const at::Tensor xIn = x * mask + (latent0 + noise * sigma) * keep;
        GuidedDenoised out = inner(xIn, sigma);
        out.denoised = out.denoised * mask + latent0 * keep;
        return out;
    };
}

at::Tensor resizeMaskToLatent(const at::Tensor& mask, int64_t h, int64_t w) {
    if (!mask.defined() || mask.dim() < 2 || mask.dim() > 4 || (mask.dim() == 4 && mask.size(1) != 1))
        throw Error("inpaint mask must be [H, W], [B, H, W] or [B, 1, H, W]; got " +
                    (mask.defined() ? std::string(c10::str(mask.sizes())) : std::string("nothing")));
    if (h < 1 || w < 1) throw Error("inpaint mask: target size must be positive");
    const at::Tensor m = mask.to(at::kFloat).reshape({-1, 1, mask.size(-2), mask.size(-1)});
    if (m.size(2) == h && m.size(3) == w) return m;
    return at::upsample_bilinear2d(m, {h, w}, /*align_corners=*/false);
}

bool controlActive(const ModelSampling& ms, double sigma, double startPercent, double endPercent) {
    const float s = static_cast<float>(sigma);
    const float upper = static_cast<float>(ms.percentToSigma(startPercent));
    const float lower = static_cast<float>(ms.percentToSigma(endPercent));
    return !(s > upper || s < lower);
}

}  // namespace tessera::engine
