#pragma once
// ComfyUI's Perp-Neg guidance (comfy_extras/nodes_perpneg.py, after Armandpour et al. 2023): the negative prompt
// pushes away only along what it does not share with the positive, both measured from the empty prompt.
#include "core/engine/sampling/cfg_denoiser.h"
#include "core/engine/sampling/denoiser.h"

#include <ATen/core/Tensor.h>

namespace tessera::engine {

// perp_neg on x0 estimates: pos = cond - empty, neg = uncond - empty, perp = neg minus its projection on pos
// (one dot product and norm over the whole batch, as ComfyUI takes them), empty + cfg * (pos - negScale * perp).
at::Tensor perpNegGuidance(const at::Tensor& condX0, const at::Tensor& uncondX0, const at::Tensor& emptyX0,
                           double negScale, double cfg);

// The guidance as a combine, the empty prompt's estimate from `empty` (no denoiser: zeros, where PerpNegGuider
// skips that call).
CfgCombine perpNegCombine(Denoiser empty, double negScale);

}  // namespace tessera::engine
