#pragma once
// The transforms of Winograd's F(4x4, 3x3) for float32 3x3 convolutions (stride 1, padding 1), after
// Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (2016), interpolation points
// 0, +-1, +-2 and infinity. A 4x4 output tile is A^T [ (G g G^T) . (B^T d B) ] A for the 6x6 input tile d
// around it: 36 products per tile and channel pair where the direct convolution does 144.
// These are the loops around the matrix products (winograd_products.h, or BLAS): the input and output
// transforms over one row of tiles of one channel at a time, vectorised across the tiles, and the kernels'
// transform, vectorised across the kernels. No libtorch here.
#include <cstdint>

namespace tessera::engine::kernels {

// Input transform of one row of ceil(width / 4) tiles. rows[r] (r < 6) is the input row 4 ty - 1 + r,
// `width` floats (a row of zeros where it lies in the padding). Writes value k (< 36) of tile tx to
// out[k * kStride + tx]. scratch: winogradInputScratch(width) floats.
void winogradInputTileRow(const float* const rows[6], int64_t width, float* out, int64_t kStride, float* scratch);
int64_t winogradInputScratch(int64_t width);

// Output transform of one row of tiles: m[k * kStride + tx] (k < 36) are tile tx's 36 products summed
// over the input channels; writes the first `rowCount` (<= 4) of its output rows, width floats each,
// plus `bias`. scratch: winogradOutputScratch(width) floats.
void winogradOutputTileRow(const float* m, int64_t kStride, int64_t width, float bias, float* const rows[4],
                           int rowCount, float* scratch);
int64_t winogradOutputScratch(int64_t width);

// Kernel transform G g G^T of n 3x3 kernels, stored one after another in g (9 floats each, row by row):
// writes value k = 6 i + j (< 36) of kernel c to u[k * kStride + c]. In winograd_kernel_transform.cpp.
void winogradKernelTransform(const float* g, int64_t n, float* u, int64_t kStride);

}  // namespace tessera::engine::kernels
