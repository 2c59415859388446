#pragma once
// ComfyUI's "bislerp" latent upscale (comfy/utils.py): bilinear sampling positions, but each pair of
// neighbouring latent vectors (all channels of a cell) is interpolated spherically, their lengths
// linearly; first along the width, then along the height.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace tessera::nodes {

// [N,C,H,W] -> [N,C,height,width], float32 inside, the input's dtype out.
at::Tensor bislerp(const at::Tensor& samples, int64_t width, int64_t height);

}  // namespace tessera::nodes
