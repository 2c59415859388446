#pragma once
// Fused CPU operations for the networks' element-wise work: one pass over memory where libtorch 1.13
// makes several, and native bfloat16 loads and stores where libtorch converts element by element.
// CPU float32 and bfloat16 tensors, NCHW-contiguous or channels-last; the result keeps the input's
// dtype and memory format. Other devices and dtypes go through the equivalent libtorch operations.
#include <ATen/core/Tensor.h>

namespace tessera::engine::fused {

// GroupNorm over x [N, C, H, W] (statistics in float32, two passes), with an optional per-channel
// offset [N, C] added to x first (a ResBlock's timestep embedding) and an optional SiLU after.
//   y = silu?( (x + offset - mean_g) / sqrt(var_g + eps) * weight + bias )
at::Tensor groupNorm(const at::Tensor& x, int64_t groups, const at::Tensor& weight, const at::Tensor& bias, double eps,
                     bool silu, const at::Tensor& channelOffset = {});

// LayerNorm over the last dimension (statistics in float32, two passes).
at::Tensor layerNorm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps);

// GEGLU on the last dimension: [..., 2D] -> [..., D], first half * gelu(second half) (exact GELU).
at::Tensor geglu(const at::Tensor& projected);

// Copies `src` into `dst` (same number of elements, dst contiguous), converting between float16,
// bfloat16 and float32 with vectorised CPU loops over all threads; other cases use dst.copy_(src).
void convertInto(const at::Tensor& src, at::Tensor& dst);

// Whether the fused kernels serve this tensor (else the libtorch fallback runs).
bool supported(const at::Tensor& x);

}  // namespace tessera::engine::fused
