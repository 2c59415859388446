#pragma once
// NVIDIA's Align Your Steps schedules (AlignYourStepsScheduler, comfy_extras/nodes_align_your_steps.py):
// 10-step noise levels optimised per model family, stretched to other step counts by log-linear
// interpolation (numpy's interp on log sigma, in float64), then float32 like ComfyUI's.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tessera::engine {

// "SD1", "SDXL", "SVD": the families ComfyUI's node lists.
const std::vector<std::string>& alignYourStepsModelTypes();

// `steps` steps (the last round(steps * denoise) of them, half to even, when denoise < 1), ending with 0;
// empty when denoise <= 0. Throws tessera::Error for an unknown model type or steps < 1.
at::Tensor alignYourStepsSigmas(const std::string& modelType, int steps, double denoise);

}  // namespace tessera::engine
