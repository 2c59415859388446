#pragma once
// Loading what users have in their models folder into ready networks: a full checkpoint
// (UNet + text encoder + VAE), a standalone VAE, a ControlNet, and LoRA-patched copies.
// Every hyper-parameter comes from tensor shapes (model_files.h, *_config.h).
#include "core/engine/compute/device.h"
#include "core/engine/files/model_files.h"
#include "core/engine/networks/free_u.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/post_cfg_patch.h"
#include "core/engine/sampling/pre_cfg_patch.h"
#include "core/engine/files/weights.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::engine {

class UNet;
class Vae;
class ControlModel;
class ControlNet;
class TextEncoder;

struct LoadOptions {
    std::optional<Prediction> prediction;  // overrides the checkpoint's guess (SD2 768-v)
    std::vector<std::string> modelDirs;    // where the CLIP vocabulary is looked for (tokenizers/)
    std::string appDataDir;                // the vocabulary copy installed with the app
    // Where the UNet and VAE compute (the text encoder runs once per prompt and stays float32 on the CPU).
    Placement placement;
};

// The denoising network with its noise schedule: ComfyUI's MODEL.
struct DiffusionModel {
    std::shared_ptr<const UNet> unet;
    Weights weights;  // the UNet's weights, without prefix (LoRA patches copies of these)
    ModelSampling sampling = ModelSampling::discrete(Prediction::Eps);
    ModelFamily family = ModelFamily::Unknown;
    bool inpainting = false;  // 9 input channels: latent, mask, masked-image latent
    bool instructPix2Pix = false;  // 8 input channels: latent, then the latent of the image to edit
    // DifferentialDiffusion's strength: a noise mask is thresholded per step (differentialDiffusionMask).
    std::optional<double> differentialDiffusion;
    // RescaleCFG's multiplier: guidance combined by rescaleCfgCombine instead of uncond + (cond - uncond) * cfg.
    std::optional<double> rescaleCfg;
    // FreeU / FreeU_V2 nodes, applied in the UNet's output blocks in the order the nodes patched the model.
    std::vector<FreeU> freeU;
    // PerturbedAttentionGuidance / SelfAttentionGuidance / CFGZeroStar / CFGNorm / Mahiro nodes, run after cfg in
    // the order they patched the model.
    std::vector<PostCfgPatch> postCfg;
    // APG / TCFG nodes, run on both estimates before cfg in the order they patched the model.
    std::vector<PreCfgPatch> preCfg;
    // The model calls run the middle block's self-attention as its values (PAG's perturbed positive).
    bool perturbedMiddleAttention = false;
    std::string source;       // the file, for messages
};

struct LoadedCheckpoint {
    std::shared_ptr<const DiffusionModel> model;
    std::shared_ptr<const TextEncoder> text;
    std::shared_ptr<const Vae> vae;  // null when the checkpoint carries no VAE
    CheckpointLayout layout;
};

// Throws tessera::Error naming the file and the problem (not a checkpoint: says what it is and
// which folder it belongs in; missing parts; damaged tensors).
LoadedCheckpoint loadCheckpoint(const std::string& path, const LoadOptions& options);
std::shared_ptr<const Vae> loadVaeFile(const std::string& path, const Placement& placement = {});
// A ControlNet, or a T2I-Adapter (detected by its keys, as ComfyUI's ControlNetLoader does).
std::shared_ptr<const ControlModel> loadControlNetFile(const std::string& path, const Placement& placement = {});

struct LoraResult {
    std::shared_ptr<const DiffusionModel> model;
    std::shared_ptr<const TextEncoder> text;
    std::vector<std::string> unknownKeys;  // modules of the LoRA that matched nothing
    int textModulesLeftOut = 0;            // applyLoraFileToModel: the LoRA's text encoder modules
};
// Copies of `model` and `text` with the LoRA applied; the originals are untouched.
LoraResult applyLoraFile(const std::string& path, const std::shared_ptr<const DiffusionModel>& model,
                         const std::shared_ptr<const TextEncoder>& text, double modelStrength, double textStrength);
// ComfyUI's LoraLoaderModelOnly: a copy of `model` with the LoRA's UNet modules applied. Its text encoder
// modules (lora_te*, text_encoder.*) are counted, not applied; `text` of the result stays null.
LoraResult applyLoraFileToModel(const std::string& path, const std::shared_ptr<const DiffusionModel>& model,
                                double strength);

}  // namespace tessera::engine
