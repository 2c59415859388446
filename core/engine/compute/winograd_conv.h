#pragma once
// float32 3x3 convolutions (stride 1, padding 1, no groups or dilation) by Winograd's F(4x4, 3x3): 36
// products per 4x4 output tile and channel pair where the direct way does 144, as 36 matrix products
// [Cout x Cin] x [Cin x tiles] by register tiles (winograd_products.h), between input and output
// transforms (winograd_kernels.h).
// On the CPU oneDNN has no such path for AVX2 or for float32 in libtorch 1.13's build. The result
// differs from the direct convolution by rounding only: a few 1e-6 of the output's largest value
// (tests/engine/test_winograd_conv.cpp bounds it against float64).
#include <ATen/core/Tensor.h>

namespace tessera::engine {

// Whether winogradConv3x3 computes conv2d(x, weight, bias, stride, padding) and is worth it there: a
// float32 CPU input, a 3x3 kernel at stride 1 and padding 1, and enough tiles per kernel element that
// transforming the kernel costs little beside the products.
// `upsample`: for the input x would be after nearest-neighbour upsampling by that factor.
bool winogradApplies(const at::Tensor& x, const at::Tensor& weight, int64_t stride, int64_t padding, int64_t upsample = 1);

// How the 36 products are multiplied: the way measured faster on this CPU (register tiles on AVX2 CPUs
// without AVX-512, else OpenBLAS), or a given way, so that tests check both on every CPU.
enum class WinogradProducts { Fastest, RegisterTiles, Blas };

// conv2d(x, weight, bias, 1, 1) for x [N, Cin, H, W] float32 (any layout; the result is contiguous)
// and weight [Cout, Cin, 3, 3] (float32, or float16 storage widened here); bias may be undefined.
at::Tensor winogradConv3x3(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                           WinogradProducts products = WinogradProducts::Fastest);

// conv2d(x, weight, bias, stride, padding) the fastest way Tessera has: Winograd where it applies, else
// libtorch's (float16-stored weights widened). The networks' convolutions all come through here.
at::Tensor convolve(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int64_t stride,
                    int64_t padding);

}  // namespace tessera::engine
