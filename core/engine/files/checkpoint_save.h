#pragma once
// A MODEL, CLIP and VAE written back as one SD1.x/SD2.x checkpoint in the original (ldm) key
// layout, as ComfyUI's CheckpointSave does: model.diffusion_model.*, cond_stage_model.* (HF
// "transformer.text_model." or OpenCLIP "model." naming, as loaded), first_stage_model.*. Merged
// and LoRA-patched weights are saved as they are in use, in their current dtype. A v-prediction
// model gets ComfyUI's empty "v_pred" marker, which the loader reads back.
#include <ATen/core/Tensor.h>

#include <map>
#include <string>

namespace tessera::engine {

struct DiffusionModel;
class TextEncoder;
class Vae;

// CPU, contiguous tensors under their checkpoint keys.
std::map<std::string, at::Tensor> checkpointTensors(const DiffusionModel& model, const TextEncoder& text, const Vae& vae);

// ComfyUI's metadata keys that depend on the model ("modelspec.predict_key": "epsilon" / "v").
std::map<std::string, std::string> checkpointMetadata(const DiffusionModel& model);

}  // namespace tessera::engine
