#include "core/exec/models_folder.h"

#include "core/common/user_paths.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace tessera {

const std::vector<ModelFolderKind>& modelFolderKinds() {
    static const std::vector<ModelFolderKind> kinds = {
        {"checkpoints", "SD1.x / SD2.x checkpoints, .safetensors or .ckpt (e.g. v1-5-pruned-emaonly.safetensors, 512-inpainting-ema.ckpt)", ".safetensors"},
        {"vae", "standalone VAEs (e.g. vae-ft-mse-840000-ema-pruned.safetensors)", ".safetensors"},
        {"controlnet", "ControlNets (e.g. control_v11p_sd15_canny.safetensors)", ".safetensors"},
        {"loras", "LoRAs (kohya / diffusers .safetensors)", ".safetensors"},
        {"hypernetworks", "hypernetworks (A1111 .pt files, e.g. dantionMarbleStatues_10.pt)", ".pt"},
        {"embeddings", "textual-inversion embeddings, used as embedding:NAME in prompts", ".safetensors"},
        {"upscale_models", "ESRGAN / Real-ESRGAN upscale models, .pth or .safetensors (e.g. RealESRGAN_x4plus.pth, 4x-UltraSharp.pth)", ".pth"},
        {"gligen", "GLIGEN models for boxes of text (e.g. gligen_sd14_textbox_pruned.safetensors)", ".safetensors"},
        {"clip_vision", "CLIP image encoders for unCLIP and image prompts (e.g. clip_vision_g.safetensors, CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors)", ".safetensors"},
        {"vae_approx", "taesd_decoder.safetensors for better live previews", ".safetensors"},
        {"depth", "ONNX depth models (MiDaS or Depth Anything exports) for the depth preprocessor", ".onnx"},
        {"preprocessors", "ONNX preprocessor models by fixed name (ControlNetHED.onnx, table5_pidinet.onnx, sk_model.onnx, sk_model2.onnx, netG.onnx, mlsd_large_512_fp32.onnx, upernet_global_small.onnx, ...)", ".onnx"},
        {"tokenizers", "the CLIP vocabulary bpe_simple_vocab_16e6.txt.gz (or vocab.json + merges.txt)", ".gz"},
    };
    return kinds;
}

std::string defaultModelsDir() {
    const std::string data = userDataDir();
    return data.empty() ? "models" : data + "/models";
}

std::vector<std::string> resolveModelDirs(const std::vector<std::string>& explicitDirs) {
    std::vector<std::string> out;
    auto add = [&](const std::string& d) {
        if (!d.empty() && std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
    };
    for (const auto& d : explicitDirs) add(d);
    for (const auto& d : pathListFromEnv("TESSERA_MODELS")) add(d);
    add(defaultModelsDir());
    return out;
}

void createModelFolders(const std::string& dir) {
    std::error_code ec;
    for (const auto& k : modelFolderKinds()) std::filesystem::create_directories(std::filesystem::path(dir) / k.folder, ec);
}

std::string describeModelFolders(const std::string& dir) {
    std::ostringstream s;
    s << "Models folder: " << dir << "\n";
    for (const auto& k : modelFolderKinds()) s << "  " << dir << "/" << k.folder << "/  " << k.holds << "\n";
    return s.str();
}

}  // namespace tessera
