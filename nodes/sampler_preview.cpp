#include "nodes/sampler_preview.h"

#include "core/common/error.h"
#include "core/engine/networks/taesd.h"
#include "nodes/latent_preview.h"
#include "nodes/model_cache.h"
#include "nodes/taesd_preview.h"

#include <ATen/ATen.h>

#include <chrono>
#include <filesystem>

namespace tessera::nodes {
namespace {

constexpr const char* kTaesdFolder = "vae_approx";
constexpr const char* kTaesdDecoderFile = "taesd_decoder.safetensors";

// A TAESD decode costs ~3 s at 512x512 on a 2-core CPU: once one takes longer than kCheapDecode,
// previews are skipped until kSamplingShare times its cost has passed, so they stay within ~5% of
// the sampling time. Fast decodes (GPU, small images) show every step.
constexpr double kCheapDecodeSeconds = 0.25;
constexpr double kSamplingShare = 20;

// The shared decoder lives on the CPU; a run sampling on another device gets its own copy there
// (a few MB), made at the first step.
Previewer taesdPreviewer(std::shared_ptr<const engine::TaesdDecoder> decoder, bool throttle) {
    using Clock = std::chrono::steady_clock;
    struct State {
        std::shared_ptr<const engine::TaesdDecoder> onDevice;
        Clock::time_point lastEnd;
        double lastCost = 0;
    };
    return [decoder, throttle, state = std::make_shared<State>()](const at::Tensor& x) -> std::shared_ptr<const PreviewImage> {
        const auto now = Clock::now();
        const double since = std::chrono::duration<double>(now - state->lastEnd).count();
        if (throttle && state->lastCost > kCheapDecodeSeconds && since < kSamplingShare * state->lastCost) return nullptr;
        if (!x.device().is_cpu() && !state->onDevice)
            state->onDevice = std::make_shared<const engine::TaesdDecoder>(decoder->to(x.device()));
        auto image = taesdPreview(x.device().is_cpu() ? *decoder : *state->onDevice, x);
        state->lastEnd = Clock::now();
        state->lastCost = std::chrono::duration<double>(state->lastEnd - now).count();
        return image;
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
    if (!path.empty()) return taesdPreviewer(sharedTaesd(path), env.throttleSlowPreviews);
    if (method == "taesd")
        throw Error("TAESD previews need TAESD's decoder: put taesd_decoder.safetensors (from madebyollin/taesd) at " +
                    taesdDecoderDestination(env) + ", or choose another preview method");
    return latent2rgbPreviewer();
}

}  // namespace tessera::nodes
