// The inpainting wrapper, mask resizing and ControlNet gating declared in cfg_denoiser.h.
#include "core/common/error.h"
#include "core/engine/sampling/cfg_denoiser.h"

#include <ATen/ATen.h>

#include <functional>

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

// A call's mask and its complement.
struct StepMask {
    at::Tensor mask, keep;
};

std::function<StepMask(double)> stepMasks(at::Tensor mask, InpaintMaskAtSigma maskAtSigma) {
    if (!maskAtSigma) {
        StepMask fixed{mask, 1.0 - mask};
        return [fixed](double) { return fixed; };
    }
    return [mask = std::move(mask), maskAtSigma = std::move(maskAtSigma)](double sigma) {
        const at::Tensor m = maskAtSigma(mask, sigma);
        return StepMask{m, 1.0 - m};
    };
}

}  // namespace

Denoiser withInpaintMask(Denoiser inner, at::Tensor latent0Scaled, at::Tensor noise, at::Tensor maskAtLatent,
                         InpaintMaskAtSigma maskAtSigma) {
    if (!inner) throw Error("inpaint: no denoiser to wrap");
    checkInpaintInputs(latent0Scaled, noise, maskAtLatent);
    return [inner = std::move(inner), latent0 = std::move(latent0Scaled), noise = std::move(noise),
            masks = stepMasks(std::move(maskAtLatent), std::move(maskAtSigma))](const at::Tensor& x, double sigma) {
        const StepMask m = masks(sigma);
        const at::Tensor xIn = x * m.mask + (latent0 + noise * sigma) * m.keep;
        return inner(xIn, sigma) * m.mask + latent0 * m.keep;
    };
}

GuidedDenoiser withInpaintMask(GuidedDenoiser inner, at::Tensor latent0Scaled, at::Tensor noise, at::Tensor maskAtLatent,
                               InpaintMaskAtSigma maskAtSigma) {
    if (!inner) throw Error("inpaint: no denoiser to wrap");
    checkInpaintInputs(latent0Scaled, noise, maskAtLatent);
    return [inner = std::move(inner), latent0 = std::move(latent0Scaled), noise = std::move(noise),
            masks = stepMasks(std::move(maskAtLatent), std::move(maskAtSigma))](const at::Tensor& x, double sigma) {
        const StepMask m = masks(sigma);
        const at::Tensor xIn = x * m.mask + (latent0 + noise * sigma) * m.keep;
        GuidedDenoised out = inner(xIn, sigma);
        out.denoised = out.denoised * m.mask + latent0 * m.keep;
        return out;
    };
}

at::Tensor differentialDiffusionMask(const ModelSampling& ms, const at::Tensor& sigmas, double sigma, const at::Tensor& mask,
                                     double strength) {
    if (!sigmas.defined() || sigmas.numel() < 1) throw Error("differential diffusion: no schedule");
    const at::Tensor s = sigmas.to(at::kFloat).contiguous();
    const float first = s.data_ptr<float>()[0], last = s.data_ptr<float>()[s.numel() - 1];
    const float sigmaTo = last > float(ms.sigmaMin()) ? last : float(ms.sigmaMin());
    const double tsFrom = ms.timestep(first), tsTo = ms.timestep(sigmaTo), tsNow = ms.timestep(sigma);
    // torch divides the timestep tensors in float32 (integer ones after converting them).
    const float threshold = (float(tsNow) - float(tsTo)) / (float(tsFrom) - float(tsTo));
    const at::Tensor binary = mask.ge(threshold).to(mask.scalar_type());
    if (strength != 0.0 && strength < 1.0) return binary * strength + mask * (1.0 - strength);
    return binary;
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
