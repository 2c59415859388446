#pragma once
// Nearest-neighbour x2 upsampling followed by a 3x3 convolution (stride 1, padding 1), as the UNet's
// and the VAE's up-blocks do it, computed on the small image instead of the upsampled one. Each output
// pixel of phase (row parity a, column parity b) sees a 2x2 window of the small image, whose taps are
// sums of the 3x3 kernel's taps: 4 multiply-adds per output where the plain way does 9 (2.25x fewer), and
// the upsampled 4x-sized input is never built. Exact up to the rounding of the summed weights (summed in
// float32, rounded once to the weight's dtype).
#include <ATen/core/Tensor.h>

namespace tessera::engine {

// The four phases' 2x2 kernels [4 * Cout, Cin, 2, 2] (phase 2a + b outermost) of a [Cout, Cin, 3, 3]
// kernel, in its dtype, stored in `format` (channels-last for channels-last convolutions).
at::Tensor upsampleConvPhaseKernels(const at::Tensor& weight3x3, at::MemoryFormat format = at::MemoryFormat::Contiguous);

// y = conv2d(upsample_nearest2d(x, 2x), weight3x3, bias, stride 1, padding 1), for x [N, Cin, H, W];
// y [N, Cout, 2H, 2W] keeps x's memory format. bias may be undefined. Small images under big kernels
// take the plain way, and float32 where it pays Winograd's on the upsampled image (see upsample_conv.cpp).
at::Tensor upsample2xConv3x3(const at::Tensor& x, const at::Tensor& weight3x3, const at::Tensor& bias);

}  // namespace tessera::engine
