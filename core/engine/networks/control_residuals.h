#pragma once
// What a ControlNet adds to a UNet: one residual per UNet input block (added to the matching
// skip connection; the last input block pairs with the first output block) and one for the
// middle block (added to its output).
#include <ATen/core/Tensor.h>

#include <vector>

namespace tessera::engine {

struct ControlResiduals {
    std::vector<at::Tensor> input;  // one per input block, input_blocks.0 first
    at::Tensor middle;

    // Every residual multiplied by `strength` (the ControlNet strength of ComfyUI).
    ControlResiduals scaled(float strength) const;
};

}  // namespace tessera::engine
