#pragma once
// Classifier-free guidance over lists of conditioning entries, as ComfyUI's comfy/samplers.py does
// (resolve_areas_and_cond_masks_multidim, create_cond_with_same_area_if_none, calc_cond_batch):
// each entry is evaluated over its area (the whole latent without one) while its timestep range
// holds, weighted by its strength and mask (areas without a mask feathered over up to 8 cells at
// inner edges), and each side's denoised estimate is the weighted average of its entries.
#include "core/engine/sampling/cfg_denoiser.h"
#include "core/engine/sampling/ksampler.h"

#include <array>
#include <optional>
#include <vector>

namespace tessera::engine {

// An entry with its region resolved against a latent of h x w cells.
struct ResolvedCond {
    Conditioning cond;
    std::optional<std::array<int64_t, 4>> area;  // height, width, y, x in cells
    at::Tensor mask;                             // [B or 1, h, w] float at the latent's size, or undefined
};

// Percentages to cells (Python's round, at least 1 cell), masks resized to the latent (bilinear),
// mask bounds to areas (at least 8 cells).
std::vector<ResolvedCond> resolveConds(const std::vector<Conditioning>& side, int64_t h, int64_t w);

// ComfyUI's create_cond_with_same_area_if_none: for each area entry of `side`, `other` gets a copy
// carrying the text (and inpainting extras) of its smallest entry covering that area, unless one
// already has exactly that area.
void addMatchingAreas(std::vector<ResolvedCond>& other, const std::vector<ResolvedCond>& side);

// The model function is called once per active entry with condIndex = the entry's index in
// positive followed by negative, xIn cropped to the entry's area.
Denoiser makeRegionalCfgDenoiser(const ModelSampling& ms, ModelFn model, std::vector<ResolvedCond> positive,
                                 std::vector<ResolvedCond> negative, double cfg, CfgCombine combine = {});
// The same reporting the unconditional estimate too, for the CFG++ samplers (the negative always evaluated).
GuidedDenoiser makeRegionalCfgGuidedDenoiser(const ModelSampling& ms, ModelFn model, std::vector<ResolvedCond> positive,
                                             std::vector<ResolvedCond> negative, double cfg, CfgCombine combine = {});

}  // namespace tessera::engine
