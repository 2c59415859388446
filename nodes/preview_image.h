#pragma once
// The last step every sampler preview shares: an RGB tensor in 0..1 to the 8-bit PreviewImage
// the front ends show.
#include "core/exec/node_context.h"

#include <ATen/core/Tensor.h>

#include <memory>

namespace tessera::nodes {

// `rgb`: [3, H, W] on any device, values clamped to 0..1 and rounded to bytes.
std::shared_ptr<const PreviewImage> previewImageOf(const at::Tensor& rgb);

}  // namespace tessera::nodes
