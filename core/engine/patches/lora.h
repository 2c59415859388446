#pragma once
// LoRA files (kohya / ComfyUI / diffusers / PEFT, LoCon conv LoRAs included): loading them
// against a model's weights and patching copies of those weights:
//   W <- W + strength * (alpha / rank) * (up @ down), reshaped to W's shape.
// The model's own tensors are never modified: the same checkpoint may be in use unpatched.
#include "core/engine/patches/lora_keys.h"
#include "core/engine/files/weights.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::engine {

struct LoraPatch {
    std::string target;  // full checkpoint key, e.g. "model.diffusion_model.input_blocks.1.1.proj_in.weight"
    std::string source;  // the LoRA module it comes from, e.g. "lora_unet_input_blocks_1_1_proj_in"
    at::Tensor up, down;  // float32, as stored: up [out, rank, (1, 1)], down [rank, in, (kh, kw)]
    std::optional<at::Tensor> mid;  // LoCon (Tucker) conv core [rank, rank, kh, kw]
    double alpha = 0;  // as stored in the file; the rank when the file has none (scale 1)
    std::optional<std::pair<int64_t, int64_t>> qkvSlice;  // rows [first, second) of a fused OpenCLIP in_proj_weight

    int64_t rank() const { return down.size(0); }
    double scale() const { return alpha / static_cast<double>(rank()); }
};

struct LoraFile {
    std::string path;
    std::vector<LoraPatch> unetPatches, textPatches;  // sorted by source module name
    // LoRA modules (or tensors of a kind this loader does not know) that match nothing in the
    // model; reported, never silently dropped. unknownNotes[i] says why for unknownKeys[i].
    std::vector<std::string> unknownKeys;
    std::vector<std::string> unknownNotes;
    // Which family the LoRA was trained for, read from its own shapes and names:
    // "SD1", "SD2", "SDXL" or "unknown".
    std::string familyGuess;
};

// Resolves every module of the LoRA at `path` to a weight of the model whose weight names are
// `unetKeys` / `textKeys` (full checkpoint keys or relative to the network, see loraKeyMap).
// Throws tessera::Error when the file cannot be read, is damaged (up without down, ranks that
// disagree) or when none of its modules matches the model (a LoRA for another model family).
LoraFile loadLora(const std::string& path, const std::vector<std::string>& unetKeys,
                  const std::vector<std::string>& textKeys, TextNaming textNaming);

// The same with the key lists of loaded weights, then checkLoraFits.
LoraFile loadLora(const std::string& path, const Weights& unet, const Weights& text, TextNaming textNaming);

// Throws tessera::Error naming the LoRA file, the first module whose update does not fit its
// target weight, both shapes and the probable family of the LoRA.
void checkLoraFits(const LoraFile& lora, const Weights& unet, const Weights& text);

// up @ down (LoCon mid folded in) as [out, in * kh * kw], float32, not yet scaled.
at::Tensor loraDelta(const LoraPatch& patch);

// Replaces `unet` and `text` with detached copies (Weights::detachedCopy) holding the patched
// tensors; other copies of the original Weights keep seeing the unpatched tensors. The update
// is computed in float32 and stored in each weight's dtype and device. A strength of 0 leaves
// that network as it is. Checks the shapes first (checkLoraFits), so a misfit changes nothing.
void applyLora(Weights& unet, Weights& text, const LoraFile& lora, double unetStrength, double textStrength);

}  // namespace tessera::engine
