#pragma once
// What a ControlNet or T2I-Adapter adds to a UNet: one residual per UNet input block (added to the
// matching skip connection; the last input block pairs with the first output block), one for the
// middle block (added to its output), and per resolution level a feature added to the hidden state
// after that level's last input block, so that it flows into the skip and the next blocks as well
// (T2I-Adapters; ComfyUI's control "input"). Any of them may be empty or undefined.
#include <ATen/core/Tensor.h>

#include <vector>

namespace tessera::engine {

struct ControlResiduals {
    std::vector<at::Tensor> input;  // one per input block, input_blocks.0 first
    at::Tensor middle;
    std::vector<at::Tensor> levelFeatures;  // one per level, full resolution first

    // Every addition multiplied by `strength` (the ControlNet strength of ComfyUI).
    ControlResiduals scaled(float strength) const;
    // Adds `other` element by element (undefined entries count as zero).
    void add(const ControlResiduals& other);
};

}  // namespace tessera::engine
