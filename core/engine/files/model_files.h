#pragma once
#include "core/engine/sampling/prediction.h"
// What a .safetensors model file is, read from its tensor names and shapes only (hyper-parameters
// are not stored in checkpoints). Nothing here loads tensor data except the single weight
// statistic ComfyUI uses to guess SD2 v-prediction.
#include <string>
#include <vector>

namespace tessera::engine {

class TensorFile;

enum class ModelFamily { SD1, SD2, Unknown };
enum class ModelFileKind { Checkpoint, Vae, ControlNet, Lora, Embedding, Unknown };

const char* modelFamilyName(ModelFamily f);     // "SD1.x", "SD2.x", "unknown"
const char* modelFileKindName(ModelFileKind k);  // "checkpoint", "VAE", "ControlNet", "LoRA", ...
// The ComfyUI-style models/ sub-folder for a kind: "checkpoints", "vae", "controlnet", "loras", "embeddings".
const char* modelFolderOf(ModelFileKind k);

struct CheckpointLayout {
    enum TextNaming { HuggingFace, OpenClip };

    std::string unetPrefix;  // "model.diffusion_model."
    std::string vaePrefix;   // "first_stage_model." or "" when the file has no VAE
    std::string textPrefix;  // "cond_stage_model.transformer." (HF) or "cond_stage_model.model." (OpenCLIP), "" if absent
    ModelFamily family = ModelFamily::Unknown;
    bool inpainting = false;  // the UNet takes 9 input channels (latent, mask, masked latent)
    bool instructPix2Pix = false;  // 8 input channels (latent, the latent of the image to edit)
    // ComfyUI's guess; v-prediction of some files cannot be read from weights: callers offer an override.
    Prediction predictionGuess = Prediction::Eps;
    TextNaming textNaming = HuggingFace;
    std::vector<std::string> problems;  // missing parts, each a sentence for the user
};

// Throws tessera::Error when the file is not a checkpoint, saying what it is and where it belongs
// ("this looks like a ControlNet; put it in models/controlnet").
CheckpointLayout inspectCheckpoint(const TensorFile& file);

// Prefix of the ldm-style VAE in a file: "" (standalone), "first_stage_model." (checkpoint) or "vae.".
// Throws tessera::Error when there is none, or when it is in the (unsupported) diffusers naming.
std::string vaePrefixOf(const TensorFile& file);
// A T2I-Adapter in the original TencentARC layout (full: conv_in + body.N.block1/2; light:
// body.N.in_conv/out_conv), which ComfyUI's ControlNetLoader accepts like a ControlNet.
bool isT2IAdapter(const TensorFile& file);
// Prefix of an ldm-style ControlNet: "control_model." or "". Throws tessera::Error otherwise.
std::string controlNetPrefixOf(const TensorFile& file);

ModelFileKind classifyModelFile(const TensorFile& file);

}  // namespace tessera::engine
