#include "core/engine/files/model_files.h"

#include "core/common/error.h"
#include "core/engine/files/tensor_file.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace tessera::engine {
namespace {

const std::string kUnet = "model.diffusion_model.";
const std::string kCheckpointVae = "first_stage_model.";
const std::string kHfText = "cond_stage_model.transformer.";
const std::string kOpenClipText = "cond_stage_model.model.";
// ComfyUI's threshold on the population std of one SD2 UNet bias (supported_models.SD20.model_type).
const std::string kVPredictionProbe = "output_blocks.11.1.transformer_blocks.0.norm1.bias";
constexpr double kVPredictionStd = 0.09;

bool has(const TensorFile& f, const std::string& name) { return f.contains(name); }

bool hasPrefix(const TensorFile& f, const std::string& prefix) {
    const auto& entries = f.entries();  // sorted by name
    auto it = std::lower_bound(entries.begin(), entries.end(), prefix,
                               [](const TensorEntry& e, const std::string& p) { return e.name < p; });
    return it != entries.end() && it->name.compare(0, prefix.size(), prefix) == 0;
}

bool anyNameContains(const TensorFile& f, std::initializer_list<const char*> parts) {
    for (const auto& e : f.entries())
        for (const char* p : parts)
            if (e.name.find(p) != std::string::npos) return true;
    return false;
}

std::string fileName(const TensorFile& f) { return std::filesystem::path(f.path()).filename().string(); }

const std::vector<std::string> kVaePrefixes{"", kCheckpointVae, "vae."};

bool ldmVaeAt(const TensorFile& f, const std::string& p) {
    return has(f, p + "decoder.conv_in.weight") && hasPrefix(f, p + "decoder.up.");
}
bool diffusersVaeAt(const TensorFile& f, const std::string& p) {
    return has(f, p + "decoder.conv_in.weight") && hasPrefix(f, p + "decoder.up_blocks.");
}
bool ldmControlNetAt(const TensorFile& f, const std::string& p) {
    return has(f, p + "input_hint_block.0.weight") && hasPrefix(f, p + "zero_convs.");
}
bool diffusersControlNet(const TensorFile& f) { return has(f, "controlnet_cond_embedding.conv_in.weight"); }
bool diffusersT2IAdapter(const TensorFile& f) { return has(f, "adapter.body.0.resnets.0.block1.weight"); }

bool isLora(const TensorFile& f) {
    return anyNameContains(f, {"lora_up.", "lora_down.", ".lora_A.", ".lora_B.", ".lora.up.", ".lora.down.", "hada_w1_a",
                               "lokr_w1"});
}
bool isEmbedding(const TensorFile& f) {
    if (has(f, "emb_params") || hasPrefix(f, "string_to_param.")) return true;
    return f.entries().size() <= 4 && (has(f, "clip_l") || has(f, "clip_g"));
}

// A short list of the file's top-level names, to tell the user what the file holds.
std::string topLevelNames(const TensorFile& f) {
    std::set<std::string> names;
    for (const auto& e : f.entries()) names.insert(e.name.substr(0, e.name.find('.')));
    std::string out;
    int n = 0;
    for (const auto& name : names) {
        if (n++ == 6) return out + ", ...";
        out += (out.empty() ? "" : ", ") + name;
    }
    return out.empty() ? "nothing" : out;
}

std::string unknownKindText(const TensorFile& f) {
    if (has(f, "input_blocks.0.0.weight") && has(f, "out.2.weight"))
        return "this looks like a bare UNet (diffusion model only) without text encoder and VAE; Tessera needs a "
               "full checkpoint (model.diffusion_model.*, first_stage_model.*, cond_stage_model.*)";
    return "it has none of the weights of a checkpoint, VAE, ControlNet, LoRA or embedding (its tensors are named " +
           topLevelNames(f) + ")";
}

}  // namespace

const char* modelFamilyName(ModelFamily f) {
    switch (f) {
    case ModelFamily::SD1: return "SD1.x";
    case ModelFamily::SD2: return "SD2.x";
    case ModelFamily::Unknown: break;
    }
    return "unknown";
}

const char* modelFileKindName(ModelFileKind k) {
    switch (k) {
    case ModelFileKind::Checkpoint: return "checkpoint";
    case ModelFileKind::Vae: return "VAE";
    case ModelFileKind::ControlNet: return "ControlNet";
    case ModelFileKind::Lora: return "LoRA";
    case ModelFileKind::Embedding: return "textual-inversion embedding";
    case ModelFileKind::Unknown: break;
    }
    return "unknown model file";
}

const char* modelFolderOf(ModelFileKind k) {
    switch (k) {
    case ModelFileKind::Checkpoint: return "checkpoints";
    case ModelFileKind::Vae: return "vae";
    case ModelFileKind::ControlNet: return "controlnet";
    case ModelFileKind::Lora: return "loras";
    case ModelFileKind::Embedding: return "embeddings";
    case ModelFileKind::Unknown: break;
    }
    return "";
}

ModelFileKind classifyModelFile(const TensorFile& f) {
    // Order matters: original ControlNet files carry a whole SD checkpoint beside control_model.*.
    if (ldmControlNetAt(f, "control_model.") || ldmControlNetAt(f, "") || diffusersControlNet(f) || isT2IAdapter(f) ||
        diffusersT2IAdapter(f))
        return ModelFileKind::ControlNet;
    if (isLora(f)) return ModelFileKind::Lora;
    if (hasPrefix(f, kUnet)) return ModelFileKind::Checkpoint;
    for (const auto& p : kVaePrefixes)
        if (ldmVaeAt(f, p) || diffusersVaeAt(f, p)) return ModelFileKind::Vae;
    if (isEmbedding(f)) return ModelFileKind::Embedding;
    return ModelFileKind::Unknown;
}

CheckpointLayout inspectCheckpoint(const TensorFile& f) {
    const ModelFileKind kind = classifyModelFile(f);
    if (kind == ModelFileKind::Unknown)
        throw Error(fileName(f) + " is not a Stable Diffusion checkpoint: " + unknownKindText(f));
    if (kind != ModelFileKind::Checkpoint)
        throw Error(fileName(f) + " is not a checkpoint: this looks like a " + modelFileKindName(kind) + "; put it in models/" +
                    modelFolderOf(kind));

    CheckpointLayout layout;
    layout.unetPrefix = kUnet;
    int64_t unetInChannels = 0;
    if (const TensorEntry* in = f.find(kUnet + "input_blocks.0.0.weight"); in && in->shape.size() == 4) {
        unetInChannels = in->shape[1];
        layout.inpainting = unetInChannels == 9;
        layout.instructPix2Pix = unetInChannels == 8;
        if (unetInChannels != 4 && unetInChannels != 8 && unetInChannels != 9)
            layout.problems.push_back("the UNet takes " + std::to_string(unetInChannels) +
                                      " input channels; only 4 (normal), 8 (InstructPix2Pix) and 9 (inpainting) are supported");
    } else {
        layout.problems.push_back("the UNet has no input convolution (" + kUnet + "input_blocks.0.0.weight): the file is incomplete");
    }
    for (const std::string part : {"middle_block.", "output_blocks.", "out.2.weight"})
        if (!hasPrefix(f, kUnet + part))
            layout.problems.push_back("the UNet has no " + kUnet + part + (part.back() == '.' ? "*" : "") +
                                      ": the file is incomplete");

    // SD1.x UNets project into their transformers with 1x1 convolutions, SD2.x with linear layers.
    ModelFamily unetFamily = ModelFamily::Unknown;
    for (const auto& e : f.entries()) {
        if (e.name.compare(0, kUnet.size(), kUnet) != 0 || e.name.find(".proj_in.weight") == std::string::npos) continue;
        unetFamily = e.shape.size() == 2 ? ModelFamily::SD2 : ModelFamily::SD1;
        break;
    }

    if (hasPrefix(f, kHfText)) {
        layout.textPrefix = kHfText;
        layout.textNaming = CheckpointLayout::HuggingFace;
        layout.family = ModelFamily::SD1;
    } else if (hasPrefix(f, kOpenClipText)) {
        layout.textPrefix = kOpenClipText;
        layout.textNaming = CheckpointLayout::OpenClip;
        layout.family = ModelFamily::SD2;
    } else {
        layout.family = unetFamily;
        layout.problems.push_back("no text encoder (cond_stage_model.*) in the file: prompts cannot be encoded");
    }
    if (unetFamily != ModelFamily::Unknown && unetFamily != layout.family)
        layout.problems.push_back(std::string("the text encoder is ") + modelFamilyName(layout.family) +
                                  "-style but the UNet looks " + modelFamilyName(unetFamily) + "-style");

    if (ldmVaeAt(f, kCheckpointVae))
        layout.vaePrefix = kCheckpointVae;
    else
        layout.problems.push_back("no VAE (first_stage_model.*) in the file: choose a separate VAE file");

    if (layout.family == ModelFamily::SD2 && unetInChannels == 4 && has(f, kUnet + kVPredictionProbe)) {
        const at::Tensor probe = f.tensor(kUnet + kVPredictionProbe, at::kFloat);
        if (probe.std(/*unbiased=*/false).item<double>() > kVPredictionStd) layout.predictionGuess = Prediction::V;
    }
    // SD2 unCLIP (ComfyUI's SD21UnclipL/H: a UNet with label_emb) is v-prediction.
    if (layout.family == ModelFamily::SD2 && has(f, kUnet + "label_emb.0.0.weight")) layout.predictionGuess = Prediction::V;
    // The empty marker ComfyUI's CheckpointSave writes for v-prediction models.
    if (has(f, "v_pred")) layout.predictionGuess = Prediction::V;
    return layout;
}

std::string vaePrefixOf(const TensorFile& f) {
    for (const auto& p : kVaePrefixes)
        if (ldmVaeAt(f, p)) return p;
    for (const auto& p : kVaePrefixes)
        if (diffusersVaeAt(f, p))
            throw Error(fileName(f) + ": diffusers-format VAE not supported yet (its weights are named " + p +
                        "decoder.up_blocks.*); use the original ldm/ComfyUI single-file VAE (decoder.up.*)");
    const ModelFileKind kind = classifyModelFile(f);
    throw Error(fileName(f) + " contains no VAE" +
                (kind == ModelFileKind::Unknown ? std::string(": ") + unknownKindText(f)
                                                : std::string(": this looks like a ") + modelFileKindName(kind) +
                                                      "; put it in models/" + modelFolderOf(kind)));
}

bool isT2IAdapter(const TensorFile& f) {
    // ComfyUI's load_t2i_adapter keys: the light adapter's extractors, or the full adapter's conv_in.
    // ControlNet keys win (ComfyUI looks for zero_convs first).
    if (ldmControlNetAt(f, "control_model.") || ldmControlNetAt(f, "")) return false;
    return (has(f, "body.0.in_conv.weight") && has(f, "body.0.out_conv.weight")) ||
           (has(f, "conv_in.weight") && has(f, "body.0.block2.weight"));
}

std::string controlNetPrefixOf(const TensorFile& f) {
    for (const std::string p : {"control_model.", ""})
        if (ldmControlNetAt(f, p)) return p;
    if (diffusersT2IAdapter(f))
        throw Error(fileName(f) + ": diffusers-format T2I-Adapter not supported yet (adapter.body.*); use the original "
                                  "TencentARC file (conv_in, body.N)");
    if (diffusersControlNet(f))
        throw Error(fileName(f) + ": diffusers-format ControlNet not supported yet (controlnet_cond_embedding.*); "
                                  "use the original ldm/ComfyUI single-file ControlNet (control_model.*)");
    const ModelFileKind kind = classifyModelFile(f);
    throw Error(fileName(f) + " is not a ControlNet" +
                (kind == ModelFileKind::Unknown ? std::string(": ") + unknownKindText(f)
                                                : std::string(": this looks like a ") + modelFileKindName(kind) +
                                                      "; put it in models/" + modelFolderOf(kind)));
}

}  // namespace tessera::engine
