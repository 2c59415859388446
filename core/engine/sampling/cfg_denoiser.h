#pragma once
// Denoisers built from a model call: classifier-free guidance (ComfyUI's sampling_function), the
// inpainting mask (KSamplerX0Inpaint) and ControlNet gating by sigma.
#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

#include "core/engine/sampling/denoiser.h"
#include "core/engine/sampling/model_sampling.h"

namespace tessera::engine {

// One model evaluation. When cond and uncond are batched together, xIn holds the chunks in the order of
// condIndices (ComfyUI's order: negative first, then positive) and context is their concatenation.
struct ModelCallInput {
    at::Tensor xIn;        // calculateInput(sigma, x), repeated per chunk: [chunks*B, C, H, W]
    at::Tensor timesteps;  // float32 [chunks*B], timestep(sigma)
    double sigma = 0;
    int condIndex = 0;            // 0 = positive, 1 = negative, -1 = both batched (see condIndices)
    std::vector<int> condIndices; // one per chunk of the batch
};
// Returns the raw model output (eps or v) for xIn, shaped like xIn. The pipeline plugs UNet + ControlNet here.
using ModelFn = std::function<at::Tensor(const ModelCallInput& input, const at::Tensor& context)>;

// How the positive and negative x0 estimates become the guided one (ComfyUI's sampler_cfg_function, a
// model patch); empty: uncond + (cond - uncond) * cfg.
using CfgCombine = std::function<at::Tensor(const at::Tensor& x, double sigma, const at::Tensor& condX0,
                                            const at::Tensor& uncondX0, double cfg)>;
at::Tensor combineGuidance(const CfgCombine& combine, const at::Tensor& x, double sigma, const at::Tensor& condX0,
                           const at::Tensor& uncondX0, double cfg);
// RescaleCFG's combine (ComfyUI's rescale_cfg, after Lin et al. 2023, in float32 as torch computes it): the
// guidance on v-prediction outputs, scaled per image so its standard deviation matches the positive one's,
// mixed with the plain guidance: multiplier * rescaled + (1 - multiplier) * plain.
CfgCombine rescaleCfgCombine(double multiplier);

// x0 = uncond + (cond - uncond) * cfg on the denoised estimates (or `combine`'s). cfg == 1 (math.isclose) never evaluates
// the negative. cond/uncond are [1 or B, tokens, width]; they are batched into one call of batch 2B when
// their token counts allow ComfyUI's concat (the shorter repeated to the lcm length, at most 4x), else
// evaluated in two calls. Throws tessera::Error for contexts of mismatching width or rank.
Denoiser makeCfgDenoiser(const ModelSampling& ms, ModelFn model, at::Tensor cond, at::Tensor uncond, double cfg,
                         CfgCombine combine = {});
// The same guidance reporting its unconditional estimate too (for the CFG++ samplers); the negative is then
// always evaluated, also at cfg 1, so it is always required.
GuidedDenoiser makeCfgGuidedDenoiser(const ModelSampling& ms, ModelFn model, at::Tensor cond, at::Tensor uncond, double cfg,
                                     CfgCombine combine = {});

// The mask a step uses, from the noise mask and the step's sigma (ComfyUI's denoise_mask_function).
using InpaintMaskAtSigma = std::function<at::Tensor(const at::Tensor& mask, double sigma)>;

// Inpainting (mask 1 = repaint, [B or 1, 1, h, w] at latent size): before the call
// x = x*m + (latent0 + noise*sigma)*(1-m); after it x0 = x0*m + latent0*(1-m). latent0 is already scaled.
// With maskAtSigma, m = maskAtSigma(mask, sigma) at each call.
Denoiser withInpaintMask(Denoiser inner, at::Tensor latent0Scaled, at::Tensor noise, at::Tensor maskAtLatent,
                         InpaintMaskAtSigma maskAtSigma = {});
// The same around guidance that reports its unconditional estimate, which stays unmasked as in ComfyUI (its
// post-CFG hook sees it before KSamplerX0Inpaint blends the guided one).
GuidedDenoiser withInpaintMask(GuidedDenoiser inner, at::Tensor latent0Scaled, at::Tensor noise, at::Tensor maskAtLatent,
                               InpaintMaskAtSigma maskAtSigma = {});

// DifferentialDiffusion's mask for the step at `sigma` of the schedule `sigmas`: 1 where the soft mask reaches
// the run's remaining share, (t(sigma) - t(to)) / (t(sigmas[0]) - t(to)) in the model's timesteps (float32),
// to = max(sigmas[-1], sigma_min); so a mask value v is repainted from the step where that share falls to v.
// strength in (0, 1) blends that with the soft mask (strength * binary + (1 - strength) * mask); 0 and 1 give
// the binary mask, as ComfyUI's `if strength and strength < 1`.
at::Tensor differentialDiffusionMask(const ModelSampling& ms, const at::Tensor& sigmas, double sigma, const at::Tensor& mask,
                                     double strength);

// Mask [H, W], [B, H, W] or [B, 1, H, W] -> [B, 1, h, w], bilinear, align_corners = false.
// `t` repeated along the batch axis (and cut) to `batch` rows: conditioning for a larger batch.
at::Tensor repeatToBatch(const at::Tensor& t, int64_t batch);

at::Tensor resizeMaskToLatent(const at::Tensor& mask, int64_t h, int64_t w);

// True while percentToSigma(endPercent) <= sigma <= percentToSigma(startPercent) (float32 comparison,
// as ComfyUI's timestep_range check).
bool controlActive(const ModelSampling& ms, double sigma, double startPercent, double endPercent);

}  // namespace tessera::engine
