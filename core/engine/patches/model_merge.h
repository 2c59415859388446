#pragma once
// Model and text-encoder merges with ComfyUI's semantics (comfy_extras/nodes_model_merging.py):
// every weight of the second network is a patch of the first, applied as ModelPatcher does with
//   w1 <- w1 * modelStrength + patchStrength * w2     (computed in float32, stored in w1's dtype)
//   ModelMergeSimple(ratio):        patch 1 - ratio, model ratio
//   ModelMergeAdd:                  patch 1,         model 1
//   ModelMergeSubtract(multiplier): patch -multiplier, model multiplier
//   ModelMergeBlocks(input, middle, out): the ratio by the UNet key's prefix ("input_blocks..",
//     "middle_block..", "out.."/"output_blocks.."), `input` for the others (time_embed)
// The results are copies (Weights::detachedCopy); a weight the rule leaves unchanged stays shared
// with the first network, so a merge holds at most one new set of the merged tensors.
#include "core/engine/files/weights.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace tessera::engine {

struct DiffusionModel;
class TextEncoder;

struct MergeStrengths {
    double patch = 1.0;  // the second network's weight
    double model = 1.0;  // the first network's weight
    bool changesNothing() const { return patch == 0.0 && model == 1.0; }
};

// How each weight (by its key relative to the network) is merged; nullopt keeps the first's weight.
using MergeRule = std::function<std::optional<MergeStrengths>(const std::string& key)>;

MergeStrengths mergeRatio(double ratio);          // ModelMergeSimple / CLIPMergeSimple
MergeStrengths mergeAddition();                   // ModelMergeAdd / CLIPMergeAdd
MergeStrengths mergeSubtraction(double multiplier);  // ModelMergeSubtract / CLIPMergeSubtract

// The same strengths for every key.
MergeRule uniformMergeRule(MergeStrengths strengths);
// ModelMergeBlocks: ratios by UNet key prefix.
MergeRule blockMergeRule(double input, double middle, double out);
// The CLIP merges: position ids and the logit scale stay the first encoder's, as in ComfyUI.
MergeRule textMergeRule(MergeStrengths strengths);

// The merged copy of `first`, nullopt when the rule changes no weight (ratio 1). Keys only `second`
// has are ignored (ComfyUI patches only weights the first network has), and so is a shared weight
// whose shapes differ (the first's is kept, as ComfyUI does: an inpainting UNet's 9-channel input).
// Throws tessera::Error, changing nothing, when the two share no weight (`what` names them, e.g.
// "model1 and model2") or when most shared weights differ in shape (networks of different families
// or sizes), naming a key and both shapes.
std::optional<Weights> mergeWeights(const Weights& first, const Weights& second, const MergeRule& rule, const std::string& what);

// MODEL and CLIP values: the first one's configuration, schedule and options with merged weights.
std::shared_ptr<const DiffusionModel> mergeDiffusionModels(const std::shared_ptr<const DiffusionModel>& first,
                                                           const std::shared_ptr<const DiffusionModel>& second,
                                                           const MergeRule& rule);
std::shared_ptr<const TextEncoder> mergeTextEncoders(const std::shared_ptr<const TextEncoder>& first,
                                                     const std::shared_ptr<const TextEncoder>& second,
                                                     const MergeRule& rule);

}  // namespace tessera::engine
