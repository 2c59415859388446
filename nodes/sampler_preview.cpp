#include "nodes/sampler_preview.h"

#include "core/common/error.h"
#include "core/engine/taesd.h"
#include "nodes/latent_preview.h"
#include "nodes/model_cache.h"
#include "nodes/taesd_preview.h"

#include <ATen/ATen.h>

#include <filesystem>

namespace tessera::nodes {
namespace {

constexpr const char* kTaesdFolder = "vae_approx";
constexpr const char* kTaesdDecoderFile = "taesd_decoder.safetensors";

// The shared decoder lives on the CPU; a run sampling on another device gets its own copy there
// (a few MB), made at the first step.
Previewer taesdPreviewer(std::shared_ptr<const engine::TaesdDecoder> decoder) {
    return [decoder, onDevice = std::shared_ptr<const engine::TaesdDecoder>()](const at::Tensor& x) mutable {
        if (x.device().is_cpu()) return taesdPreview(*decoder, x);
        if (!onDevice) onDevice = std::make_shared<const engine::TaesdDecoder>(decoder->to(x.device()));
        return taesdPreview(*onDevice, x);
    };
}

Previewer latent2rgbPreviewer() {
    return [](const at::Tensor& x) { return latentPreview(x); };
}

}  // namespace

std::string taesdDecoderDestination(const Environment& env) {
    const std::filesystem::path folder(env.modelDirs.empty() ? std::string("models") : env.modelDirs.front());
    return (folder / kTaesdFolder / kTaesdDecoderFile).string();
}

Previewer choosePreviewer(const Environment& env) {
    const std::string& method = env.previewMethod;
    if (method == "none") return {};
    if (method == "latent2rgb") return latent2rgbPreviewer();
    if (method != "auto" && method != "taesd")
        throw Error("unknown preview method '" + method + "': use auto, latent2rgb, taesd or none");
    const std::string path = env.findModel(kTaesdFolder, kTaesdDecoderFile);
    if (!path.empty()) return taesdPreviewer(sharedTaesd(path));
    if (method == "taesd")
        throw Error("TAESD previews need TAESD's decoder: put taesd_decoder.safetensors (from madebyollin/taesd) at " +
                    taesdDecoderDestination(env) + ", or choose another preview method");
    return latent2rgbPreviewer();
}

}  // namespace tessera::nodes
