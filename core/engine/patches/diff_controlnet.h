#pragma once
// "Difference" ControlNets (ComfyUI's DiffControlNetLoader): files in the ldm layout
// (control_model.*) that carry a marker tensor named "difference" and store each weight the
// ControlNet shares with the UNet (input blocks, middle block, time embedding) as its difference
// from the base model. Loading adds the model's weight to each of them, as ComfyUI's
// load_controlnet does: in the file's own dtype, then converted to the placement.
#include "core/engine/compute/device.h"

#include <memory>
#include <string>

namespace tessera::engine {

class ControlModel;
class TensorFile;
struct DiffusionModel;

// ComfyUI's test: an ldm-layout ControlNet with a "difference" tensor.
bool isDifferenceControlNet(const TensorFile& file);

// Plain ControlNets and T2I-Adapters load as with loadControlNetFile (ComfyUI does the same).
// Throws tessera::Error naming the file when it is no ControlNet, when it is a difference file
// whose weights match none of the model's (made for another base model), or when a shared
// weight's shape differs from the model's.
std::shared_ptr<const ControlModel> loadDiffControlNetFile(const std::string& path, const DiffusionModel& model,
                                                         const Placement& placement = {});

}  // namespace tessera::engine
