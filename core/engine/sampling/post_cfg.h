#pragma once
// ComfyUI's post-CFG guidance functions (comfy_extras/nodes_pag.py, nodes_sag.py), each adding a term to
// the guided x0 estimate from one more model call per step.
#include "core/engine/sampling/cfg_denoiser.h"
#include "core/engine/sampling/denoiser.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

namespace tessera::engine {

// What a post-CFG function sees of a step: the noised x, its sigma, both sides' x0 estimates and the cfg scale.
struct PostCfgArgs {
    const at::Tensor& x;
    double sigma;
    const at::Tensor& condX0;
    const at::Tensor& uncondX0;
    double cfg;
};
// Returns the new guided estimate from the current one.
using PostCfgFunction = std::function<at::Tensor(const PostCfgArgs& step, const at::Tensor& guided)>;

// `inner`'s guidance (or plain cfg), then each function in order.
CfgCombine withPostCfg(CfgCombine inner, std::vector<PostCfgFunction> functions);

// PerturbedAttentionGuidance: guided + (cond - perturbedPositive(x, sigma)) * scale; scale 0 returns the guided
// estimate without the call, as nodes_pag.py does.
PostCfgFunction perturbedAttentionGuidance(double scale, Denoiser perturbedPositive);

// SelfAttentionGuidance: the negative's x0 blurred where its middle-block self-attention (`uncondAttention()`,
// [B*heads, tokens, tokens] softmax scores recorded in this step's negative call) attends more than average,
// re-noised as x is, and evaluated by `negativeSide`: guided + (degraded - negativeSide(degraded noised)) * scale.
// Latents of 4 cells or fewer a side are returned unchanged (no room for the blur's padding), as nodes_sag.py does.
PostCfgFunction selfAttentionGuidance(double scale, double blurSigma, std::function<at::Tensor()> uncondAttention,
                                      Denoiser negativeSide);

// CFGZeroStar: alpha = <x - cond, x - uncond> / (|x - uncond|^2 + 1e-8) per image, and
// guided + uncond * (alpha - 1) + cfg * uncond * (1 - alpha).
PostCfgFunction cfgZeroStar();
// CFGNorm: guided * clamp(|cond| / (|guided| + 1e-8), 0, 1) * strength, norms over the channels of each pixel.
PostCfgFunction cfgNorm(double strength);
// Mahiro: leap = cfg * cond; sim = the mean over images and pixels of the channel cosine between the signed square
// roots of cfg * uncond and (leap + guided) / 2; the result is ((2 + 2 sim) * guided + (2 - 2 sim) * leap) / 4.
PostCfgFunction mahiro();

// nodes_sag.py's create_blur_map: x0 [B, C, h, w] blurred (9x9 Gaussian of `blurSigma`) where the attention's
// keys receive more than `threshold` of the heads' mean attention summed over queries, x0 elsewhere. The
// tokens lie on a grid `ratio` times coarser than the latent, ratio the power of two ComfyUI derives from
// the token count. Throws tessera::Error when the attention does not cover this latent. blurSigma 0: no blur.
at::Tensor selfAttentionBlurMap(const at::Tensor& x0, const at::Tensor& attention, double blurSigma, double threshold);

// A depthwise Gaussian blur of NCHW images: a kernelSize x kernelSize kernel sampled at integer offsets,
// normalised to sum 1, over reflect padding (as torchvision-style gaussian_blur_2d).
at::Tensor gaussianBlur2d(const at::Tensor& images, int kernelSize, double sigma);

}  // namespace tessera::engine
