#pragma once
// The image-adjust plugin's nodes: ImageAdjust (brightness, contrast, saturation, gamma),
// GaussianBlur and UnsharpMask (OpenCV's Gaussian in pixels; ComfyUI's own ImageBlur / ImageSharpen are built in).
// IMAGE in, IMAGE out, every batch item.
#include "core/graph/node_decl.h"

#include <ATen/core/Tensor.h>

#include <vector>

namespace tessera::plugins::image_adjust {

std::vector<NodeDecl> nodeDecls();

// The pixel operations, [B,H,W,3] float 0..1 in and out (clamped), exposed for tests.
at::Tensor adjust(const at::Tensor& image, double brightness, double contrast, double saturation, double gamma);
at::Tensor gaussianBlur(const at::Tensor& image, int radius, double sigma);
at::Tensor unsharpMask(const at::Tensor& image, int radius, double sigma, double amount);

}  // namespace tessera::plugins::image_adjust
