#include "core/engine/files/checkpoint_save.h"

#include "core/engine/compute/weight_storage.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/text/clip_text_model.h"
#include "core/engine/text/text_encoder.h"
#include "core/engine/networks/vae.h"

#include <ATen/ATen.h>

namespace tessera::engine {
namespace {

void addSavedWeights(std::map<std::string, at::Tensor>& out, const Weights& w, const std::string& prefix) {
    for (const std::string& key : w.keys()) out[prefix + key] = widenForCompute(w.get(key)).to(at::kCPU).contiguous();
}

}  // namespace

std::map<std::string, at::Tensor> checkpointTensors(const DiffusionModel& model, const TextEncoder& text, const Vae& vae) {
    std::map<std::string, at::Tensor> out;
    addSavedWeights(out, model.weights, "model.diffusion_model.");
    const bool openClip = text.model().config().naming == ClipTextConfig::OpenClip;
    addSavedWeights(out, text.model().weights(), openClip ? "cond_stage_model.model." : "cond_stage_model.transformer.text_model.");
    addSavedWeights(out, vae.weights(), "first_stage_model.");
    if (model.sampling.prediction() == Prediction::V) out["v_pred"] = at::empty({0}, at::kFloat);
    return out;
}

std::map<std::string, std::string> checkpointMetadata(const DiffusionModel& model) {
    return {{"modelspec.predict_key", model.sampling.prediction() == Prediction::V ? "v" : "epsilon"}};
}

}  // namespace tessera::engine
