#pragma once
// ComfyUI's comfy.utils.common_upscale for NCHW float tensors: optional centre crop to the
// target aspect ratio, then torch-style interpolation.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tessera::nodes {

// "nearest-exact", "bilinear", "area", "bicubic" (torch interpolate, align_corners false) and
// "lanczos" (8-bit like ComfyUI's PIL path, but OpenCV's Lanczos-4 kernel: close, not identical).
const std::vector<std::string>& upscaleMethods();

// `crop`: "disabled" or "center". Throws tessera::Error for an unknown method or a size below 1.
at::Tensor commonUpscale(const at::Tensor& nchw, int64_t width, int64_t height, const std::string& method,
                         const std::string& crop);

}  // namespace tessera::nodes
