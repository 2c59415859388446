#pragma once
// "Inpaint only the masked area" (A1111's "only masked"): the arithmetic behind InpaintCrop and
// InpaintStitch, separate from the node declarations so tests can check it directly.
#include "nodes/crop_info.h"

#include <ATen/core/Tensor.h>

namespace tessera::nodes {

// The bounding box of the non-zero pixels of every mask in `masks` [B,H,W], grown by `padding`
// on each side and cut at the image edges; an empty rectangle when the masks are all zero.
CropRect maskCropRect(const at::Tensor& masks, int64_t padding);

// The size the crop is resized to: the longer side becomes `targetSize` (rounded down to a
// multiple of 8), the shorter one keeps the aspect ratio, rounded to a multiple of 8 (at least 8).
void cropTargetSize(const CropRect& rect, int64_t targetSize, int64_t& width, int64_t& height);

// The blend weights for pasting back: 1 on the mask, fading to exactly 0 within `feather` pixels
// outside it (a grey dilation by feather/2, then a Gaussian blur of radius feather/2, never below
// the mask). `masks` [B,H,W]; 0 leaves the mask as it is.
at::Tensor featherInpaintMask(const at::Tensor& masks, int64_t feather);

// `source` [Bs,H,W,3] with `crop` [B,h,w,3] (already at rect's size) blended in over `rect` by
// `weights` [Bw,H,W]; Bs and Bw are 1 or B. Where a weight is 0 the result is the source, bit for bit.
at::Tensor stitchCrop(const at::Tensor& source, const at::Tensor& crop, const CropRect& rect, const at::Tensor& weights);

}  // namespace tessera::nodes
