#include "core/engine/patches/model_merge.h"

#include "core/common/error.h"
#include "core/common/strings.h"
#include "core/engine/compute/weight_storage.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/text/clip_text_model.h"
#include "core/engine/text/text_encoder.h"
#include "core/engine/networks/unet.h"

#include <ATen/ATen.h>

namespace tessera::engine {
namespace {

std::string mergeShapeText(const at::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

// ComfyUI's order of operations (comfy/lora.py calculate_weight, a "diff" patch): scale, then add.
at::Tensor mergedTensor(const at::Tensor& mine, const at::Tensor& theirs, MergeStrengths s) {
    at::Tensor out = mine.to(at::kFloat, /*non_blocking=*/false, /*copy=*/true);
    if (s.model != 1.0) out.mul_(s.model);
    if (s.patch != 0.0) out.add_(theirs.to(mine.device(), at::kFloat) * s.patch);
    return out.to(computeTypeOf(mine));
}

}  // namespace

MergeStrengths mergeRatio(double ratio) { return {1.0 - ratio, ratio}; }
MergeStrengths mergeAddition() { return {1.0, 1.0}; }
MergeStrengths mergeSubtraction(double multiplier) { return {-multiplier, multiplier}; }

MergeRule uniformMergeRule(MergeStrengths strengths) {
    return [strengths](const std::string&) { return std::optional<MergeStrengths>(strengths); };
}

MergeRule blockMergeRule(double input, double middle, double out) {
    return [=](const std::string& key) {
        // ComfyUI tests every argument's name as a prefix, the last match winning; "out" also
        // catches "output_blocks".
        double ratio = input;
        if (startsWith(key, "middle")) ratio = middle;
        if (startsWith(key, "out")) ratio = out;
        return std::optional<MergeStrengths>(mergeRatio(ratio));
    };
}

MergeRule textMergeRule(MergeStrengths strengths) {
    return [strengths](const std::string& key) -> std::optional<MergeStrengths> {
        if (endsWith(key, ".position_ids") || endsWith(key, ".logit_scale") || key == "position_ids" ||
            key == "logit_scale")
            return std::nullopt;
        return strengths;
    };
}

std::optional<Weights> mergeWeights(const Weights& first, const Weights& second, const MergeRule& rule, const std::string& what) {
    size_t shared = 0;
    std::vector<std::string> mismatched;
    std::vector<std::pair<std::string, MergeStrengths>> planned;
    for (const std::string& key : second.keys()) {
        const auto mine = first.find(key);
        if (!mine) continue;
        ++shared;
        // ComfyUI keeps the first network's weight here ("SHAPE MISMATCH ... WEIGHT NOT MERGED"); the
        // published inpainting merges rely on it (the inpainting UNet's first convolution takes 9 channels).
        if (!mine->sizes().equals(second.get(key).sizes())) {
            mismatched.push_back(key);
            continue;
        }
        const auto strengths = rule(key);
        if (strengths && !strengths->changesNothing() && mine->is_floating_point())
            planned.emplace_back(key, *strengths);
    }
    if (shared == 0)
        throw Error("cannot merge " + what + ": they have no weight in common (different kinds of model)");
    if (mismatched.size() * 2 > shared) {
        const std::string& key = mismatched.front();
        throw Error("cannot merge " + what + ": " + std::to_string(mismatched.size()) + " of their " + std::to_string(shared) +
                    " common weights differ in shape, such as '" + key + "', " + mergeShapeText(*first.find(key)) +
                    " in the first and " + mergeShapeText(second.get(key)) +
                    " in the second (models of different families or sizes)");
    }
    if (planned.empty()) return std::nullopt;
    Weights out = first.detachedCopy();
    for (const auto& [key, strengths] : planned) out.set(key, mergedTensor(first.get(key), second.get(key), strengths));
    return out;
}

std::shared_ptr<const DiffusionModel> mergeDiffusionModels(const std::shared_ptr<const DiffusionModel>& first,
                                                           const std::shared_ptr<const DiffusionModel>& second,
                                                           const MergeRule& rule) {
    if (!first || !second) throw Error("a model merge needs two models");
    const auto merged = mergeWeights(first->weights, second->weights, rule, "model1 and model2");
    if (!merged) return first;
    auto out = std::make_shared<DiffusionModel>(*first);
    out->weights = *merged;
    auto unet = std::make_shared<UNet>(first->unet->config(), *merged);
    unet->setAttentionOptions(first->unet->attentionOptions());  // model1's hypernetwork, as ComfyUI keeps its patches
    out->unet = std::move(unet);
    return out;
}

std::shared_ptr<const TextEncoder> mergeTextEncoders(const std::shared_ptr<const TextEncoder>& first,
                                                     const std::shared_ptr<const TextEncoder>& second,
                                                     const MergeRule& rule) {
    if (!first || !second) throw Error("a CLIP merge needs two text encoders");
    const ClipTextModel& clip = first->model();
    const auto merged = mergeWeights(clip.weights(), second->model().weights(), rule, "clip1 and clip2");
    if (!merged) return first;
    auto out = std::make_shared<TextEncoder>(ClipTextModel(clip.config(), *merged), first->tokenizerPtr(), first->options());
    out->setLastLayer(first->lastLayer());
    return out;
}

}  // namespace tessera::engine
